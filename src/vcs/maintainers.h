// Maintainers: who looks after which files, read from a Linux-style MAINTAINERS file, answering
// the question `scripts/get_maintainer.pl -f FILE...` answers, without Perl and without a
// checkout (the text can come from any commit's tree).
//
// The file is a preamble (skipped) followed by sections: a title line, then "X:\tvalue" lines.
// Understood tags: M: maintainer, R: reviewer, L: mailing list (a trailing "(moderated for
// non-subscribers)" or "(subscribers-only)" note is kept), S: status, F: file pattern, X: excluded
// pattern, N: regex on file names, K: regex on file content or patch text. Other tags (W:, T:, Q:,
// B:, C:, P:) are ignored. As in get_maintainer.pl, the first section starts at the line before
// the first tag line; everything above it is preamble.
//
// Matching mirrors get_maintainer.pl's defaults:
//  - F:/X: patterns are globs ("*" any characters, "?" one character, "[ch]" a class) matched
//    from the start of the path. With a trailing "/", the pattern names a directory and matches
//    everything below it. Without one, the path must have as many "/" as the pattern (files in
//    that directory, not below), and a wildcard-free pattern that names a directory matches
//    everything below it. A section is skipped for a file when one of its X: patterns matches.
//  - N: is an extended regex searched anywhere in the path; K: is searched in the given keyword
//    text (file contents for -f, the patch for a commit). Both follow Perl's /x (blanks ignored).
//  - Every matching section counts, not only the most specific one; sections are ordered most
//    specific first (depth of the matching pattern), K: matches first, as get_maintainer does.
//  - "THE REST" (F: * and F: */) matches every file. Its M: (Linus Torvalds) is dropped, as
//    get_maintainer drops the "chief penguin" unless --git-chief-penguins, so it contributes
//    only linux-kernel@vger.kernel.org.
//  - Subscribers-only lists are left out (get_maintainer's --no-s default); moderated lists stay.
//
// Roles map to To/Cc as syzbot maps get_maintainer's output (reference §2.4): M: of a section
// whose status is Maintained or Supported and every list → To; reviewers and the M: of other
// statuses (Odd Fixes, Orphan, Obsolete, none) → Cc; linux-kernel@vger.kernel.org → Cc, unless it
// is the only list found, then To.
//
// Deliberate deviations from get_maintainer.pl (all towards a deterministic, sane answer):
//  - No git history: no --git-fallback signers for files without an exact pattern, no blame.
//  - No .mailmap rewriting. As get_maintainer, a person is listed once, known by lower-cased
//    address or by name (a second address under the same name is left out).
//  - When one address has several roles, To wins over Cc (get_maintainer keeps whichever role it
//    met first, which depends on Perl's hash order between equally specific sections).
//  - "L:\tName <address>" lists take the address in angle brackets (get_maintainer takes "Name").
//  - Sections of equal depth keep their order in the file (get_maintainer's order is random).
//  - K: regexes are searched in the whole text at once, not line by line.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace culprit::vcs {

struct MailingList {
  std::string address;
  std::string note;  // e.g. "(moderated for non-subscribers)", "" when none
};

struct MaintainersSection {
  std::string title;
  int line = 0;                           // 1-based line of the title in the file
  std::vector<std::string> maintainers;   // M: values, e.g. "Name <name@example.org>"
  std::vector<std::string> reviewers;     // R: values
  std::vector<MailingList> lists;         // L:
  std::string status;                     // S: ("Maintained", "Supported", "Odd Fixes", ...)
  std::vector<std::string> files;         // F: patterns as written
  std::vector<std::string> excluded;      // X: patterns as written
  std::vector<std::string> name_regexes;  // N:
  std::vector<std::string> keywords;      // K:
};

// One address in an answer, with get_maintainer's role wording: "maintainer", "supporter",
// "odd fixer", "orphan minder", "obsolete minder", "reviewer", "open list", "moderated list".
struct MaintainerContact {
  std::string name;   // "" when the entry is a bare address or a list
  std::string email;  // lower-cased
  std::string role;
  std::string section;  // title of the section it came from (the first one, most specific)
  bool to = false;      // the To/Cc decision described above
};

struct MaintainersAnswer {
  std::vector<std::string> sections;        // matching section titles, most specific first
  std::vector<MaintainerContact> contacts;  // people then lists, deduplicated by address
  std::vector<std::string> to;              // sorted, lower-cased addresses
  std::vector<std::string> cc;              // sorted, lower-cased, none of them also in `to`
};

struct MaintainersQuery {
  // Paths relative to the top of the tree, "/"-separated. A trailing "/" asks about a directory.
  std::vector<std::string> files;
  // Matched against K: patterns: the files' contents (get_maintainer -f) or a patch. May be empty.
  std::string keyword_text;
  // Whether a path of the tree is a directory, for wildcard-free F:/X: patterns without a
  // trailing "/". Optional: without it, a file that lies below such a pattern proves it a
  // directory, and otherwise the pattern is taken for a file.
  std::function<bool(const std::string&)> is_directory;
};

class Maintainers {
 public:
  // Never fails: lines that are not understood are skipped, and N:/K: regexes that do not compile
  // are left out and listed in problems().
  static Maintainers parse(std::string_view text);

  Maintainers(Maintainers&&) noexcept;
  Maintainers& operator=(Maintainers&&) noexcept;
  ~Maintainers();

  const std::vector<MaintainersSection>& sections() const { return sections_; }
  // "line N: cannot compile K: regex ...", for N:/K: values that were left out.
  const std::vector<std::string>& problems() const { return problems_; }

  MaintainersAnswer find(const MaintainersQuery& query) const;

 private:
  struct Compiled;  // patterns and regexes of one section, ready to match
  Maintainers();

  std::vector<MaintainersSection> sections_;
  std::vector<Compiled> compiled_;
  std::vector<std::string> problems_;
};

// "Name <Addr@X>" / "<addr@x>" / "addr@x" (anything after it ignored) -> "addr@x" lower-cased;
// "" when the text holds no address.
std::string email_address(std::string_view text);

// The address everybody in the kernel is told about; Cc unless it is the only list.
inline constexpr std::string_view kLinuxKernelList = "linux-kernel@vger.kernel.org";

}  // namespace culprit::vcs
