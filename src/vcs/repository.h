// Repository: read access to a git repository through libgit2 (never by parsing `git` output),
// and Worktree: a directory that culprit owns, holding the files of one commit at a time.
//
// Nothing here writes to the user's repository: no refs, no index, no working-tree files. A
// Worktree keeps its own index file, outside the repository, so successive checkouts rewrite only
// the files that changed (their mtimes move, the others' do not, and `make` rebuilds just that).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "vcs/commit_graph.h"

struct git_repository;

namespace culprit::vcs {

struct Person {
  std::string name;
  std::string email;
  std::int64_t time = 0;  // seconds since the epoch
};

// "Signed-off-by: A <a@x>" -> {"Signed-off-by", "A <a@x>"}: the trailer block at the end of the
// commit message, as `git interpret-trailers --parse` reads it.
struct Trailer {
  std::string key;
  std::string value;
};

struct CommitInfo {
  std::string hash;   // 40 hex digits
  std::string tree;   // 40 hex digits
  std::string title;  // first line of the message
  std::string message;
  Person author;
  Person committer;
  std::vector<std::string> parents;
  std::vector<Trailer> trailers;
};

struct Tag {
  std::string name;    // without refs/tags/
  std::string commit;  // the commit it points to (annotated tags peeled)
};

class Repository {
 public:
  // Error: "not a git repository: PATH".
  static Result<Repository> open(const std::string& path);

  Repository(Repository&&) noexcept;
  Repository& operator=(Repository&&) noexcept;
  ~Repository();

  const std::string& path() const { return path_; }

  // Any revision git understands (hash, abbreviated hash, tag, branch, HEAD~3), peeled to a commit.
  // Error: "unknown revision: REV".
  Result<std::string> resolve(const std::string& revision) const;
  Result<CommitInfo> commit(const std::string& hash) const;
  // True when `ancestor` is `descendant` or one of its ancestors.
  Result<bool> is_ancestor(const std::string& ancestor, const std::string& descendant) const;
  Result<std::vector<std::string>> merge_bases(const std::string& a, const std::string& b) const;
  // Every tag, peeled to its commit; tags that do not point at commits are left out.
  Result<std::vector<Tag>> tags() const;
  // The tags whose commit is `commit` or one of its ancestors, as `git tag --merged COMMIT`,
  // sorted by name: one walk of the history `commit` reaches (it stops once every tagged commit
  // has been seen).
  Result<std::vector<Tag>> tags_reachable_from(const std::string& commit) const;
  // How many commits `tip` reaches that `hidden` does not, as `git rev-list --count TIP ^HIDDEN`.
  Result<std::size_t> count_commits(const std::string& tip, const std::string& hidden) const;
  // `commit`'s first-parent ancestors, its parent first, at most `limit` of them (as `git rev-list
  // --first-parent` without the commit itself).
  Result<std::vector<std::string>> first_parents(const std::string& commit,
                                                 std::size_t limit) const;
  // Whether `commit`'s tree has `path` (a file or a directory), as `git cat-file -e COMMIT:PATH`.
  Result<bool> has_path(const std::string& commit, const std::string& path) const;
  // The URL of the remote `name` (as `git remote get-url NAME`); nullopt when there is no such
  // remote.
  Result<std::optional<std::string>> remote_url(const std::string& name) const;
  // The user.name and user.email the repository's configuration (its own, the user's, the
  // system's) names, as git would sign a commit; nullopt when either is not set.
  std::optional<Person> configured_identity() const;
  // Commits reachable from any of `tips` and from none of `hidden`, parents first.
  Result<CommitGraph> graph(const std::vector<std::string>& tips,
                            const std::vector<std::string>& hidden) const;

  git_repository* raw() const { return repo_.get(); }

 private:
  struct Deleter {
    void operator()(git_repository* repo) const;
  };
  Repository(std::unique_ptr<git_repository, Deleter> repo, std::string path);

  std::unique_ptr<git_repository, Deleter> repo_;
  std::string path_;
};

class Worktree {
 public:
  // `dir` is created if missing. The worktree's own index lives at `dir` + ".index".
  static Result<Worktree> create(const std::string& repository_path, const std::string& dir);

  Worktree(Worktree&&) noexcept;
  Worktree& operator=(Worktree&&) noexcept;
  ~Worktree();

  const std::string& dir() const { return dir_; }
  // Makes the directory hold `commit`'s files. Files the build left behind (untracked) stay, like
  // after `git checkout`; tracked files that the commit does not have are removed.
  Status checkout(const std::string& commit);
  const std::optional<std::string>& current() const { return current_; }

 private:
  Worktree(Repository repo, std::string dir);

  std::unique_ptr<Repository> repo_;  // a private handle with its workdir and index redirected
  std::string dir_;
  std::optional<std::string> current_;
};

}  // namespace culprit::vcs
