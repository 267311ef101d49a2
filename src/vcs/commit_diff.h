// Internal to src/vcs: a commit's diff against its first parent, and the blobs it points at, as
// the recipients (recipients.cc) and the diff classification (diff_classify.cc) read them.
#pragma once

#include <git2.h>

#include <string>
#include <vector>

#include "base/result.h"
#include "vcs/libgit2_handles.h"
#include "vcs/repository.h"

namespace culprit::vcs::detail {

// The commit's tree and its first parent's (null for a root commit), diffed.
struct CommitDiff {
  CommitPtr commit;
  TreePtr tree;
  TreePtr parent_tree;
  DiffPtr diff;
};

// `revision`'s diff against its first parent (against the empty tree for a root commit). Errors
// name the revision.
Result<CommitDiff> diff_first_parent(const Repository& repo, const std::string& revision);

// The content of a blob; "" for the zero id (the missing side of an added or deleted file).
Result<std::string> blob_text(const Repository& repo, const git_oid& id);

// Old and new paths of every delta, sorted, without duplicates.
std::vector<std::string> delta_paths(git_diff* diff);

}  // namespace culprit::vcs::detail
