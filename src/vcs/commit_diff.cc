#include "vcs/commit_diff.h"

#include <set>
#include <utility>

#include <fmt/format.h>

namespace culprit::vcs::detail {
namespace {

Result<TreePtr> commit_tree(git_commit* commit, const std::string& name) {
  git_tree* tree = nullptr;
  if (git_commit_tree(&tree, commit) != 0) {
    return make_error(fmt::format("cannot read the tree of {}: {}", name, libgit2_reason()));
  }
  return TreePtr(tree);
}

}  // namespace

Result<CommitDiff> diff_first_parent(const Repository& repo, const std::string& revision) {
  CommitDiff result;
  CULPRIT_ASSIGN_OR_RETURN(result.commit, lookup_commit(repo.raw(), revision));
  CULPRIT_ASSIGN_OR_RETURN(result.tree, commit_tree(result.commit.get(), revision));
  if (git_commit_parentcount(result.commit.get()) > 0) {
    git_commit* parent = nullptr;
    if (git_commit_parent(&parent, result.commit.get(), 0) != 0) {
      return make_error(
          fmt::format("cannot read the parent of {}: {}", revision, libgit2_reason()));
    }
    CommitPtr parent_commit(parent);
    CULPRIT_ASSIGN_OR_RETURN(result.parent_tree, commit_tree(parent, revision + "^"));
  }
  git_diff_options options = GIT_DIFF_OPTIONS_INIT;
  git_diff* diff = nullptr;
  if (git_diff_tree_to_tree(&diff, repo.raw(), result.parent_tree.get(), result.tree.get(),
                            &options) != 0) {
    return make_error(
        fmt::format("cannot diff {} against its parent: {}", revision, libgit2_reason()));
  }
  result.diff.reset(diff);
  return result;
}

Result<std::string> blob_text(const Repository& repo, const git_oid& id) {
  if (git_oid_is_zero(&id)) return std::string();
  git_blob* blob = nullptr;
  if (git_blob_lookup(&blob, repo.raw(), &id) != 0) {
    char hex[GIT_OID_HEXSZ + 1];
    git_oid_tostr(hex, sizeof hex, &id);
    return make_error(fmt::format("cannot read blob {}: {}", hex, libgit2_reason()));
  }
  BlobPtr owned(blob);
  const char* data = static_cast<const char*>(git_blob_rawcontent(blob));
  return std::string(data, static_cast<std::size_t>(git_blob_rawsize(blob)));
}

std::vector<std::string> delta_paths(git_diff* diff) {
  std::set<std::string> paths;
  const std::size_t count = git_diff_num_deltas(diff);
  for (std::size_t i = 0; i < count; ++i) {
    const git_diff_delta* delta = git_diff_get_delta(diff, i);
    if (delta->old_file.path != nullptr) paths.insert(delta->old_file.path);
    if (delta->new_file.path != nullptr) paths.insert(delta->new_file.path);
  }
  return {paths.begin(), paths.end()};
}

}  // namespace culprit::vcs::detail
