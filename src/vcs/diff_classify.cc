#include "vcs/diff_classify.h"

#include <git2.h>

#include <algorithm>
#include <cctype>
#include <initializer_list>

#include "base/text.h"
#include "vcs/commit_diff.h"

namespace culprit::vcs {
namespace {

using namespace detail;  // NOLINT: the shared libgit2 handles

std::string_view basename(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool ends_with_any(std::string_view text, std::initializer_list<std::string_view> suffixes) {
  return std::any_of(suffixes.begin(), suffixes.end(),
                     [&](std::string_view suffix) { return text.ends_with(suffix); });
}

bool is_documentation(std::string_view path) {
  for (std::string_view tree : {"Documentation/", "doc/", "docs/"}) {
    if (path.starts_with(tree)) return true;
  }
  const std::string_view name = basename(path);
  if (name.starts_with("README")) return true;
  if (name == "CMakeLists.txt") return false;
  return ends_with_any(name, {".rst", ".md", ".txt", ".adoc"});
}

bool is_c_source(std::string_view path) {
  return ends_with_any(path, {".c", ".h", ".cc", ".cpp", ".cxx", ".hh", ".hpp", ".hxx"});
}

std::string kernel_arch(std::string_view arch) {
  const std::string name = lower(arch);
  if (name == "x86_64" || name == "amd64" || name == "i386" || name == "i686") return "x86";
  if (name == "aarch64") return "arm64";
  if (name == "riscv64" || name == "riscv32") return "riscv";
  if (name == "ppc64" || name == "ppc64le" || name == "ppc") return "powerpc";
  if (name == "s390x") return "s390";
  if (name == "mips64" || name == "mips64el" || name == "mipsel") return "mips";
  if (name == "loongarch64") return "loongarch";
  return name;
}

bool is_other_arch(std::string_view path, std::string_view arch) {
  if (arch.empty() || !path.starts_with("arch/")) return false;
  std::string_view rest = path.substr(5);
  const std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return false;  // a file directly in arch/ (Kconfig)
  return rest.substr(0, slash) != arch;
}

// Characters that join with their neighbours into one token. Quotes count as word characters:
// `= "x"` and `="x"` are the same program, `L"x"` and `L "x"` are not.
bool is_word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '$' || c == '"' ||
         c == '\'';
}

}  // namespace

std::string c_token_stream(std::string_view source) {
  std::string out;
  bool pending_blank = false;  // blanks or a comment since the last character written
  bool line_start = true;      // only blanks so far on this line
  bool in_directive = false;   // inside a preprocessor line: its end is a token

  // Two characters that would merge into one token keep one blank between them; all other blanks
  // go (after a word and before punctuation, "a = 1" and "a=1" are the same program).
  auto put = [&](char c) {
    if (pending_blank && !out.empty()) {
      const char last = out.back();
      const bool both_words = is_word_char(last) && is_word_char(c);
      const bool both_punct = !is_word_char(last) && !is_word_char(c) && last != '\n' && c != '\n';
      if (both_words || both_punct) out += ' ';
    }
    pending_blank = false;
    out += c;
  };

  std::size_t i = 0;
  const std::size_t n = source.size();
  while (i < n) {
    const char c = source[i];
    if (c == '\\' && i + 1 < n && (source[i + 1] == '\n' || source[i + 1] == '\r')) {
      // A spliced line: the backslash and the line break are not there for the compiler.
      i += 2;
      if (i < n && source[i - 1] == '\r' && source[i] == '\n') ++i;
      pending_blank = true;
      continue;
    }
    if (c == '/' && i + 1 < n && source[i + 1] == '/') {
      while (i < n && source[i] != '\n') {
        if (source[i] == '\\' && i + 1 < n && source[i + 1] == '\n') ++i;  // continued comment
        ++i;
      }
      pending_blank = true;
      continue;
    }
    if (c == '/' && i + 1 < n && source[i + 1] == '*') {
      const std::size_t end = source.find("*/", i + 2);
      i = end == std::string_view::npos ? n : end + 2;
      pending_blank = true;
      continue;
    }
    if (c == '\n') {
      if (in_directive) {
        pending_blank = false;
        out += '\n';
        in_directive = false;
      } else {
        pending_blank = true;
      }
      line_start = true;
      ++i;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
      pending_blank = true;
      ++i;
      continue;
    }
    if (c == '#' && line_start) in_directive = true;
    line_start = false;
    if (c == '"' || c == '\'') {
      // A literal is copied as it is, blanks and comment-like text included.
      put(c);
      ++i;
      while (i < n && source[i] != c && source[i] != '\n') {
        if (source[i] == '\\' && i + 1 < n) out += source[i++];
        out += source[i++];
      }
      if (i < n && source[i] == c) out += source[i++];
      continue;
    }
    put(c);
    ++i;
  }
  return out;
}

std::string_view to_string(DiffFlag flag) {
  switch (flag) {
    case DiffFlag::docs_only:
      return "docs-only";
    case DiffFlag::comments_only:
      return "comments-only";
    case DiffFlag::other_arch_only:
      return "other-arch-only";
    case DiffFlag::tools_only:
      return "tools-only";
  }
  return "unknown";
}

Result<std::vector<DiffFlag>> classify_diff(const Repository& repo, const std::string& commit,
                                            std::string_view target_arch) {
  CULPRIT_ASSIGN_OR_RETURN(const CommitDiff diff, diff_first_parent(repo, commit));
  git_diff* changes = diff.diff.get();
  const std::size_t count = git_diff_num_deltas(changes);
  if (count == 0) return std::vector<DiffFlag>{};

  const std::string arch = kernel_arch(target_arch);
  bool all_docs = true;
  bool docs_or_c = true, any_c = false;
  bool docs_or_other_arch = true, any_other_arch = false;
  bool docs_or_tools = true, any_tools = false;
  for (std::size_t i = 0; i < count; ++i) {
    const git_diff_delta* delta = git_diff_get_delta(changes, i);
    for (const char* raw_path : {delta->old_file.path, delta->new_file.path}) {
      if (raw_path == nullptr) continue;
      const std::string_view path = raw_path;
      const bool docs = is_documentation(path);
      all_docs = all_docs && docs;
      if (docs) continue;
      const bool c_source = is_c_source(path);
      const bool other_arch = is_other_arch(path, arch);
      const bool tools = path.starts_with("tools/");
      docs_or_c = docs_or_c && c_source;
      any_c = any_c || c_source;
      docs_or_other_arch = docs_or_other_arch && other_arch;
      any_other_arch = any_other_arch || other_arch;
      docs_or_tools = docs_or_tools && tools;
      any_tools = any_tools || tools;
    }
  }

  std::vector<DiffFlag> flags;
  if (all_docs) flags.push_back(DiffFlag::docs_only);
  if (docs_or_c && any_c) {
    bool same_tokens = true;
    for (std::size_t i = 0; i < count && same_tokens; ++i) {
      const git_diff_delta* delta = git_diff_get_delta(changes, i);
      const char* path =
          delta->new_file.path != nullptr ? delta->new_file.path : delta->old_file.path;
      if (path == nullptr || is_documentation(path)) continue;
      CULPRIT_ASSIGN_OR_RETURN(const std::string before, blob_text(repo, delta->old_file.id));
      CULPRIT_ASSIGN_OR_RETURN(const std::string after, blob_text(repo, delta->new_file.id));
      same_tokens = c_token_stream(before) == c_token_stream(after);
    }
    if (same_tokens) flags.push_back(DiffFlag::comments_only);
  }
  if (docs_or_other_arch && any_other_arch) flags.push_back(DiffFlag::other_arch_only);
  if (docs_or_tools && any_tools) flags.push_back(DiffFlag::tools_only);
  return flags;
}

}  // namespace culprit::vcs
