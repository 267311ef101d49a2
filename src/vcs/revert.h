// Reverting a commit on top of another, entirely inside the object database: the check that a
// culprit really is the culprit (reference §5 "Check the answer": revert it on top of the commit
// the bisection started from, build and test that).
//
// Nothing of the user's checkout changes: no ref moves, the repository's index and working tree
// are not read or written. The reverted tree and a commit holding it (parent: `onto`) are written
// into the object database, where a Worktree can check the commit out like any other.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "vcs/repository.h"

namespace culprit::vcs {

struct Revert {
  bool applied = false;
  // When applied: the new commit (parent `onto`, tree = `onto` without the reverted change) and
  // its tree, 40 hex digits each.
  std::string commit;
  std::string tree;
  // When not applied: the paths whose revert conflicts with what `onto` has, sorted.
  std::vector<std::string> conflicts;
};

// Reverts `commit` on top of `onto`, as `git revert` would with `onto` checked out (a merge is
// reverted against its first parent). A revert that conflicts is not an error: it comes back with
// `applied` false and the conflicting paths. Errors: unknown revisions, libgit2 failures.
Result<Revert> revert_onto(const Repository& repo, const std::string& commit,
                           const std::string& onto);

}  // namespace culprit::vcs
