#include "vcs/revert.h"

#include "vcs/libgit2_handles.h"

#include <git2.h>

#include <algorithm>
#include <memory>
#include <set>

namespace culprit::vcs {

namespace {

using namespace detail;  // NOLINT: the shared libgit2 handles

Result<CommitPtr> lookup(const Repository& repo, const std::string& hash) {
  CULPRIT_ASSIGN_OR_RETURN(const std::string resolved, repo.resolve(hash));
  git_oid oid;
  if (git_oid_fromstr(&oid, resolved.c_str()) != 0) return make_error("unknown revision: " + hash);
  git_commit* commit = nullptr;
  if (git_commit_lookup(&commit, repo.raw(), &oid) != 0) {
    return make_error("unknown revision: " + hash);
  }
  return CommitPtr(commit);
}

}  // namespace

Result<Revert> revert_onto(const Repository& repo, const std::string& commit,
                           const std::string& onto) {
  CULPRIT_ASSIGN_OR_RETURN(CommitPtr reverted, lookup(repo, commit));
  CULPRIT_ASSIGN_OR_RETURN(CommitPtr ours, lookup(repo, onto));
  const unsigned mainline = git_commit_parentcount(reverted.get()) > 1 ? 1 : 0;
  git_index* raw_index = nullptr;
  if (git_revert_commit(&raw_index, repo.raw(), reverted.get(), ours.get(), mainline, nullptr) !=
      0) {
    return make_error("cannot revert " + commit + " on top of " + onto + ": " + libgit2_reason());
  }
  IndexPtr index(raw_index);
  Revert revert;
  if (git_index_has_conflicts(index.get())) {
    git_index_conflict_iterator* raw_iterator = nullptr;
    if (git_index_conflict_iterator_new(&raw_iterator, index.get()) != 0) {
      return make_error("cannot list the conflicts of reverting " + commit + ": " +
                        libgit2_reason());
    }
    ConflictIteratorPtr iterator(raw_iterator);
    std::set<std::string> paths;
    const git_index_entry *ancestor = nullptr, *our = nullptr, *their = nullptr;
    while (git_index_conflict_next(&ancestor, &our, &their, iterator.get()) == 0) {
      for (const git_index_entry* entry : {ancestor, our, their}) {
        if (entry != nullptr) {
          paths.insert(entry->path);
          break;
        }
      }
    }
    revert.conflicts.assign(paths.begin(), paths.end());
    return revert;
  }
  git_oid tree_oid;
  if (git_index_write_tree_to(&tree_oid, index.get(), repo.raw()) != 0) {
    return make_error("cannot write the tree of reverting " + commit + ": " + libgit2_reason());
  }
  git_tree* raw_tree = nullptr;
  if (git_tree_lookup(&raw_tree, repo.raw(), &tree_oid) != 0) {
    return make_error("cannot read the tree of reverting " + commit + ": " + libgit2_reason());
  }
  TreePtr tree(raw_tree);
  // The signature's time is `onto`'s, so that the same revert gives the same commit every time.
  const git_signature* base = git_commit_committer(ours.get());
  git_signature* raw_signature = nullptr;
  if (git_signature_new(&raw_signature, "culprit", "culprit@culprit.invalid", base->when.time, 0) !=
      0) {
    return make_error("cannot make a signature: " + libgit2_reason());
  }
  SignaturePtr signature(raw_signature);
  const std::string message =
      "Revert \"" +
      std::string(git_commit_summary(reverted.get()) ? git_commit_summary(reverted.get()) : "") +
      "\"\n\nThis reverts commit " + to_hex(*git_commit_id(reverted.get())) +
      " (culprit's revert check).\n";
  const git_commit* parents[] = {ours.get()};
  git_oid commit_oid;
  if (git_commit_create(&commit_oid, repo.raw(), nullptr, signature.get(), signature.get(), nullptr,
                        message.c_str(), tree.get(), 1, parents) != 0) {
    return make_error("cannot write the revert commit of " + commit + ": " + libgit2_reason());
  }
  revert.applied = true;
  revert.commit = to_hex(commit_oid);
  revert.tree = to_hex(tree_oid);
  return revert;
}

}  // namespace culprit::vcs
