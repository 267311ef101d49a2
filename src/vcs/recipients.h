// Whom to tell about a culprit commit, and what kind of change it is.
//
// Recipients follow syzbot (reference §2.4): To is the commit's author plus every address in its
// Signed-off-by, Reviewed-by, Acked-by and Tested-by trailers (also "Reviewed-and-tested-by" and
// the like), lower-cased and deduplicated, without stable@vger.kernel.org; Cc: trailers are not
// recipients. When that gives two addresses or fewer, the maintainers of the files the commit
// changes are added, from the MAINTAINERS file of the commit's own tree (see maintainers.h), with
// K: keywords matched against the commit message and the changed lines.
//
// classify_diff() describes the commit's diff against its first parent, for the doubt flags of a
// result: a culprit that changes only documentation, only comments, only other architectures or
// only tools/ cannot have introduced a kernel crash, so the bisection most likely went wrong.
// Everything is read through libgit2 from the object database; no checkout is needed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "vcs/maintainers.h"
#include "vcs/repository.h"

namespace culprit::vcs {

struct Recipients {
  std::vector<std::string> to;  // sorted, lower-cased
  std::vector<std::string> cc;  // sorted, lower-cased, none of them in `to`
};

// The trailer recipients of a commit (author and *-by trailers, see above), sorted.
std::vector<std::string> trailer_recipients(const CommitInfo& commit);

// Trailer recipients, plus the MAINTAINERS answer for the changed files when they are two or
// fewer. A tree without a MAINTAINERS file adds nobody.
Result<Recipients> recipients(const Repository& repo, const std::string& commit);

// Paths the commit changes against its first parent (against the empty tree for a root commit):
// old and new paths of every delta, sorted, without duplicates.
Result<std::vector<std::string>> changed_files(const Repository& repo, const std::string& commit);

// The maintainers of the files `commit` changes, read from MAINTAINERS in the commit's tree;
// K: keywords are matched against the commit message and the added and removed lines. An empty
// answer when the tree has no MAINTAINERS file.
Result<MaintainersAnswer> commit_maintainers(const Repository& repo, const std::string& commit);

enum class DiffFlag {
  docs_only,        // every changed file is documentation
  comments_only,    // C/C++ files changed only in comments and blanks (docs may change too)
  other_arch_only,  // only arch/<another architecture>/ (and docs)
  tools_only,       // only tools/ (selftests live in tools/testing/selftests) (and docs)
};

// "docs-only", "comments-only", "other-arch-only", "tools-only": the names of the result flags.
std::string_view to_string(DiffFlag flag);

// The flags that describe `commit`'s diff against its first parent. `target_arch` is the
// architecture the bisection builds for, as a kernel ARCH ("x86", "arm64") or a machine name
// ("x86_64", "aarch64"); empty: other-arch-only is never reported. A commit that changes no file
// gets no flag. Documentation: Documentation/, doc/ and docs/ trees, *.rst, *.md, *.txt (not
// CMakeLists.txt), *.adoc, README*.
Result<std::vector<DiffFlag>> classify_diff(const Repository& repo, const std::string& commit,
                                            std::string_view target_arch);

// C/C++ source with comments removed and blanks normalised: two texts with the same token stream
// give the same string. Exposed for tests.
std::string c_token_stream(std::string_view source);

}  // namespace culprit::vcs
