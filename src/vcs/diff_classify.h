// What kind of change a commit is, for the doubt flags of a result: a culprit that changes only
// documentation, only comments, only other architectures or only tools/ cannot have introduced a
// kernel crash, so the bisection most likely went wrong.
//
// The commit's diff against its first parent is read through libgit2 from the object database;
// no checkout is needed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "vcs/repository.h"

namespace culprit::vcs {

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
