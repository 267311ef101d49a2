#include "vcs/repository.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <thread>

#include "support/test_support.h"

namespace culprit::vcs {
namespace {

using testing::git;
using testing::read_file;
using testing::TempDir;
using testing::write_file;

// A small history made with the git command line:
//
//   first (v1) -- second (v2, annotated) -- fourth -- merge (HEAD of main) -- trailers -- removal
//                      \                             /
//                       third (branch feature) ------
class RepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    repo_ = temp_ / "repo";
    git(temp_.path(), {"init", "-q", repo_});
    write_file(repo_ + "/a.txt", "a1\n");
    write_file(repo_ + "/b.txt", "b\n");
    write_file(repo_ + "/dir/c.txt", "c\n");
    first_ = commit_all("first");
    git(repo_, {"tag", "v1"});
    write_file(repo_ + "/a.txt", "a2\n");
    second_ = commit_all("second");
    git(repo_, {"tag", "-a", "v2", "-m", "release two"});
    git(repo_, {"checkout", "-q", "-b", "feature"});
    write_file(repo_ + "/feature.txt", "f\n");
    third_ = commit_all("third");
    git(repo_, {"checkout", "-q", "main"});
    write_file(repo_ + "/a.txt", "a4\n");
    fourth_ = commit_all("fourth");
    git(repo_, {"merge", "-q", "--no-ff", "--no-edit", "feature"});
    merge_ = git(repo_, {"rev-parse", "HEAD"});
    write_file(repo_ + "/a.txt", "a5\n");
    trailers_ = commit_all(
        "net: fix the frobnicator\n\nLonger explanation\nover two lines.\n\n"
        "Reported-by: Bot <bot@example.com>\n"
        "Signed-off-by: Alice Author <alice@example.com>\n"
        "Reviewed-by: Bob Reviewer <bob@example.com>\n");
    git(repo_, {"rm", "-q", "b.txt", "dir/c.txt"});
    removal_ = commit_all("remove b and c");
  }

  std::string commit_all(const std::string& message) {
    git(repo_, {"add", "-A"});
    git(repo_, {"commit", "-q", "-m", message});
    return git(repo_, {"rev-parse", "HEAD"});
  }

  Repository open() {
    Result<Repository> repo = Repository::open(repo_);
    EXPECT_TRUE(repo.ok()) << repo.error().message;
    return std::move(repo).value();
  }

  TempDir temp_;
  std::string repo_;
  std::string first_, second_, third_, fourth_, merge_, trailers_, removal_;
};

std::string resolved(const Repository& repo, const std::string& revision) {
  Result<std::string> hash = repo.resolve(revision);
  if (!hash.ok()) return "error: " + hash.error().message;
  return *hash;
}

struct timespec modification_time(const std::string& path) {
  struct stat info {};
  EXPECT_EQ(stat(path.c_str(), &info), 0) << path;
  return info.st_mtim;
}

TEST_F(RepositoryTest, OpenFailsOnADirectoryThatIsNotARepository) {
  const std::string plain = temp_ / "plain";
  std::filesystem::create_directories(plain);
  Result<Repository> repo = Repository::open(plain);
  ASSERT_FALSE(repo.ok());
  EXPECT_EQ(repo.error().message, "not a git repository: " + plain);

  Result<Repository> missing = Repository::open(temp_ / "missing");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message, "not a git repository: " + temp_ / "missing");
}

TEST_F(RepositoryTest, OpenDoesNotSearchParentDirectories) {
  Result<Repository> repo = Repository::open(repo_ + "/dir");
  ASSERT_FALSE(repo.ok());
  EXPECT_EQ(repo.error().message, "not a git repository: " + repo_ + "/dir");
}

TEST_F(RepositoryTest, ResolvesRevisionsToCommits) {
  const Repository repo = open();
  EXPECT_EQ(repo.path(), repo_);
  EXPECT_EQ(resolved(repo, first_), first_);
  EXPECT_EQ(resolved(repo, first_.substr(0, 10)), first_);
  EXPECT_EQ(resolved(repo, "v1"), first_);
  EXPECT_EQ(resolved(repo, "v2"), second_);  // annotated: peeled to the commit
  EXPECT_EQ(resolved(repo, "refs/tags/v2"), second_);
  EXPECT_EQ(resolved(repo, "feature"), third_);
  EXPECT_EQ(resolved(repo, "HEAD"), removal_);
  EXPECT_EQ(resolved(repo, "HEAD~1"), trailers_);
  EXPECT_EQ(resolved(repo, "main~2^2"), third_);
}

TEST_F(RepositoryTest, UnknownRevisionIsAnErrorNamingIt) {
  const Repository repo = open();
  EXPECT_EQ(resolved(repo, "v9.9"), "error: unknown revision: v9.9");
  EXPECT_EQ(resolved(repo, ""), "error: unknown revision: ");
  EXPECT_EQ(resolved(repo, "0000000000000000000000000000000000000000"),
            "error: unknown revision: 0000000000000000000000000000000000000000");
}

TEST_F(RepositoryTest, RevisionNamingATreeOrBlobIsAnError) {
  const Repository repo = open();
  const std::string tree = git(repo_, {"rev-parse", "HEAD^{tree}"});
  EXPECT_EQ(resolved(repo, tree), "error: revision is not a commit: " + tree);
  EXPECT_EQ(resolved(repo, "HEAD:a.txt"), "error: revision is not a commit: HEAD:a.txt");
}

TEST_F(RepositoryTest, CommitMetadata) {
  const Repository repo = open();
  Result<CommitInfo> info = repo.commit(trailers_);
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->hash, trailers_);
  EXPECT_EQ(info->tree, git(repo_, {"rev-parse", trailers_ + "^{tree}"}));
  EXPECT_EQ(info->title, "net: fix the frobnicator");
  EXPECT_EQ(info->message.rfind("net: fix the frobnicator\n\nLonger explanation\n", 0), 0u);
  EXPECT_EQ(info->author.name, "Culprit Test");
  EXPECT_EQ(info->author.email, "test@culprit.invalid");
  EXPECT_EQ(info->committer.email, "test@culprit.invalid");
  EXPECT_EQ(info->author.time, std::stoll(git(repo_, {"log", "-1", "--format=%at", trailers_})));
  EXPECT_EQ(info->committer.time, std::stoll(git(repo_, {"log", "-1", "--format=%ct", trailers_})));
  EXPECT_EQ(info->parents, std::vector<std::string>{merge_});

  ASSERT_EQ(info->trailers.size(), 3u);
  EXPECT_EQ(info->trailers[0].key, "Reported-by");
  EXPECT_EQ(info->trailers[0].value, "Bot <bot@example.com>");
  EXPECT_EQ(info->trailers[1].key, "Signed-off-by");
  EXPECT_EQ(info->trailers[1].value, "Alice Author <alice@example.com>");
  EXPECT_EQ(info->trailers[2].key, "Reviewed-by");
  EXPECT_EQ(info->trailers[2].value, "Bob Reviewer <bob@example.com>");
}

TEST_F(RepositoryTest, MergeCommitHasBothParentsAndNoTrailers) {
  const Repository repo = open();
  Result<CommitInfo> info = repo.commit(merge_);
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->parents, (std::vector<std::string>{fourth_, third_}));
  EXPECT_TRUE(info->trailers.empty());
  EXPECT_EQ(info->title, "Merge branch 'feature'");
}

TEST_F(RepositoryTest, CommitOfUnknownRevisionIsAnError) {
  const Repository repo = open();
  Result<CommitInfo> info = repo.commit("nope");
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().message, "unknown revision: nope");
}

TEST_F(RepositoryTest, TagsArePeeledToCommitsAndNonCommitTagsLeftOut) {
  const std::string blob = git(repo_, {"rev-parse", "HEAD:a.txt"});
  git(repo_, {"tag", "blob-tag", blob});
  git(repo_, {"tag", "-a", "tree-tag", "-m", "a tree", git(repo_, {"rev-parse", "HEAD^{tree}"})});
  git(repo_, {"tag", "-a", "v3", "-m", "three", fourth_});
  git(repo_, {"pack-refs", "--all"});  // packed and loose refs both count
  git(repo_, {"tag", "v4", third_});

  const Repository repo = open();
  Result<std::vector<Tag>> tags = repo.tags();
  ASSERT_TRUE(tags.ok()) << tags.error().message;
  ASSERT_EQ(tags->size(), 4u);
  EXPECT_EQ((*tags)[0].name, "v1");
  EXPECT_EQ((*tags)[0].commit, first_);
  EXPECT_EQ((*tags)[1].name, "v2");
  EXPECT_EQ((*tags)[1].commit, second_);
  EXPECT_EQ((*tags)[2].name, "v3");
  EXPECT_EQ((*tags)[2].commit, fourth_);
  EXPECT_EQ((*tags)[3].name, "v4");
  EXPECT_EQ((*tags)[3].commit, third_);
}

TEST_F(RepositoryTest, TagsReachableFromACommitAreTheMergedOnes) {
  git(repo_, {"tag", "-a", "v3", "-m", "three", fourth_});
  git(repo_, {"tag", "v4", third_});
  git(repo_, {"tag", "later", removal_});
  const Repository repo = open();
  const auto names = [&](const std::string& commit) {
    Result<std::vector<Tag>> tags = repo.tags_reachable_from(commit);
    EXPECT_TRUE(tags.ok()) << tags.error().message;
    std::vector<std::string> result;
    for (const Tag& tag : tags.value_or({})) result.push_back(tag.name);
    return result;
  };
  // As `git tag --merged`: the commit's own tags count, a side branch's only once merged.
  EXPECT_EQ(names(fourth_), (std::vector<std::string>{"v1", "v2", "v3"}));
  EXPECT_EQ(names(third_), (std::vector<std::string>{"v1", "v2", "v4"}));
  EXPECT_EQ(names(merge_), (std::vector<std::string>{"v1", "v2", "v3", "v4"}));
  EXPECT_EQ(names("v1"), (std::vector<std::string>{"v1"}));
  EXPECT_EQ(names(removal_), (std::vector<std::string>{"later", "v1", "v2", "v3", "v4"}));
  Result<std::vector<Tag>> unknown = repo.tags_reachable_from("v9");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().message, "unknown revision: v9");
}

TEST_F(RepositoryTest, HasPathLooksInTheCommitsTree) {
  const Repository repo = open();
  const auto has = [&](const std::string& commit, const std::string& path) {
    Result<bool> answer = repo.has_path(commit, path);
    EXPECT_TRUE(answer.ok()) << answer.error().message;
    return answer.ok() && *answer;
  };
  EXPECT_TRUE(has(first_, "b.txt"));
  EXPECT_TRUE(has(first_, "dir"));
  EXPECT_TRUE(has(first_, "dir/c.txt"));
  EXPECT_FALSE(has(removal_, "dir/c.txt"));
  EXPECT_FALSE(has(first_, "feature.txt"));
  EXPECT_TRUE(has(merge_, "feature.txt"));
  EXPECT_FALSE(repo.has_path("v9", "a.txt").ok());
}

TEST_F(RepositoryTest, IsAncestor) {
  const Repository repo = open();
  const auto is_ancestor = [&](const std::string& a, const std::string& b) {
    Result<bool> answer = repo.is_ancestor(a, b);
    EXPECT_TRUE(answer.ok()) << answer.error().message;
    return answer.ok() && *answer;
  };
  EXPECT_TRUE(is_ancestor(first_, merge_));
  EXPECT_TRUE(is_ancestor(third_, merge_));
  EXPECT_TRUE(is_ancestor(merge_, merge_));
  EXPECT_TRUE(is_ancestor("v2", "HEAD"));
  EXPECT_FALSE(is_ancestor(merge_, first_));
  EXPECT_FALSE(is_ancestor(third_, fourth_));
  EXPECT_FALSE(is_ancestor(fourth_, third_));

  Result<bool> unknown = repo.is_ancestor("v1", "v9");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().message, "unknown revision: v9");
}

TEST_F(RepositoryTest, MergeBases) {
  const Repository repo = open();
  Result<std::vector<std::string>> bases = repo.merge_bases(third_, fourth_);
  ASSERT_TRUE(bases.ok()) << bases.error().message;
  EXPECT_EQ(*bases, std::vector<std::string>{second_});

  bases = repo.merge_bases("feature", "HEAD");
  ASSERT_TRUE(bases.ok()) << bases.error().message;
  EXPECT_EQ(*bases, std::vector<std::string>{third_});

  bases = repo.merge_bases("nope", "HEAD");
  ASSERT_FALSE(bases.ok());
  EXPECT_EQ(bases.error().message, "unknown revision: nope");
}

TEST_F(RepositoryTest, GraphPutsParentsBeforeChildren) {
  const Repository repo = open();
  Result<CommitGraph> graph = repo.graph({"HEAD"}, {});
  ASSERT_TRUE(graph.ok()) << graph.error().message;
  ASSERT_EQ(graph->size(), 7u);
  for (CommitGraph::Index node = 0; node < graph->size(); ++node) {
    for (CommitGraph::Index parent : graph->parents(node)) EXPECT_LT(parent, node);
  }
  EXPECT_EQ(graph->id(0).hex(), first_);
  EXPECT_EQ(graph->id(6).hex(), removal_);
  const auto merge = graph->find_hex(merge_);
  ASSERT_TRUE(merge.has_value());
  ASSERT_EQ(graph->parents(*merge).size(), 2u);
  EXPECT_EQ(graph->id(graph->parents(*merge)[0]).hex(), fourth_);
  EXPECT_EQ(graph->id(graph->parents(*merge)[1]).hex(), third_);
  EXPECT_EQ(graph->time(*merge), std::stoll(git(repo_, {"log", "-1", "--format=%ct", merge_})));
}

TEST_F(RepositoryTest, GraphLeavesOutHiddenCommitsAndTheirEdges) {
  const Repository repo = open();
  Result<CommitGraph> graph = repo.graph({merge_}, {"v2"});
  ASSERT_TRUE(graph.ok()) << graph.error().message;
  ASSERT_EQ(graph->size(), 3u);  // third, fourth, merge
  EXPECT_FALSE(graph->find_hex(first_).has_value());
  EXPECT_FALSE(graph->find_hex(second_).has_value());
  EXPECT_FALSE(graph->find_hex(trailers_).has_value());
  for (const std::string& hash : {third_, fourth_}) {
    const auto node = graph->find_hex(hash);
    ASSERT_TRUE(node.has_value()) << hash;
    EXPECT_TRUE(graph->parents(*node).empty()) << "edge into the hidden side from " << hash;
  }
  EXPECT_EQ(graph->id(2).hex(), merge_);
  EXPECT_EQ(graph->parents(2).size(), 2u);
}

TEST_F(RepositoryTest, GraphWithSeveralTipsAndUnknownRevision) {
  const Repository repo = open();
  Result<CommitGraph> graph = repo.graph({"feature", fourth_}, {first_});
  ASSERT_TRUE(graph.ok()) << graph.error().message;
  EXPECT_EQ(graph->size(), 3u);  // second, third, fourth

  Result<CommitGraph> bad = repo.graph({"HEAD"}, {"v9"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "unknown revision: v9");
}

class WorktreeTest : public RepositoryTest {
 protected:
  Worktree create_worktree(const std::string& repository, const std::string& dir) {
    Result<Worktree> worktree = Worktree::create(repository, dir);
    EXPECT_TRUE(worktree.ok()) << worktree.error().message;
    return std::move(worktree).value();
  }
  void checkout(Worktree& worktree, const std::string& commit) {
    Status status = worktree.checkout(commit);
    ASSERT_TRUE(status.ok()) << status.error().message;
    EXPECT_EQ(worktree.current(),
              std::optional<std::string>(git(repo_, {"rev-parse", commit + "^{commit}"})));
  }
};

TEST_F(WorktreeTest, ChecksOutTheFilesOfACommit) {
  const std::string dir = temp_ / "work/tree";  // parents are created too
  Worktree worktree = create_worktree(repo_, dir);
  EXPECT_EQ(worktree.dir(), dir);
  EXPECT_FALSE(worktree.current().has_value());

  checkout(worktree, "v2");
  EXPECT_EQ(read_file(dir + "/a.txt"), "a2\n");
  EXPECT_EQ(read_file(dir + "/b.txt"), "b\n");
  EXPECT_EQ(read_file(dir + "/dir/c.txt"), "c\n");
  EXPECT_FALSE(std::filesystem::exists(dir + "/feature.txt"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/.git"));
  EXPECT_TRUE(std::filesystem::exists(dir + ".index"));

  checkout(worktree, merge_);
  EXPECT_EQ(read_file(dir + "/a.txt"), "a4\n");
  EXPECT_EQ(read_file(dir + "/feature.txt"), "f\n");
}

// Every file under `dir` with its size, modification time and content hash: two equal snapshots
// mean nothing there was written.
std::map<std::string, std::string> snapshot(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) {
      files[entry.path().string()] = "directory or link";
      continue;
    }
    const struct timespec mtime = modification_time(entry.path().string());
    files[entry.path().string()] =
        std::to_string(entry.file_size()) + " " + std::to_string(mtime.tv_sec) + "." +
        std::to_string(mtime.tv_nsec) + " " +
        std::to_string(std::hash<std::string>()(read_file(entry.path().string())));
  }
  return files;
}

TEST_F(WorktreeTest, LeavesTheUsersRepositoryUntouched) {
  git(repo_, {"checkout", "-q", "feature"});
  ASSERT_EQ(git(repo_, {"status", "--porcelain"}), "");
  const std::string head_before = git(repo_, {"rev-parse", "HEAD"});
  const std::string refs_before = git(repo_, {"show-ref"});
  const std::string index_before = read_file(repo_ + "/.git/index");
  ASSERT_FALSE(index_before.empty());
  // Taken last: from here on only the code under test runs until the comparison.
  const auto repository_before = snapshot(repo_);

  Worktree worktree = create_worktree(repo_, temp_ / "tree");
  checkout(worktree, first_);
  checkout(worktree, removal_);
  checkout(worktree, merge_);

  EXPECT_EQ(snapshot(repo_), repository_before);  // work tree and .git alike
  EXPECT_EQ(read_file(repo_ + "/.git/index"), index_before);
  EXPECT_EQ(git(repo_, {"rev-parse", "HEAD"}), head_before);
  EXPECT_EQ(git(repo_, {"symbolic-ref", "HEAD"}), "refs/heads/feature");
  EXPECT_EQ(git(repo_, {"show-ref"}), refs_before);
  EXPECT_EQ(git(repo_, {"status", "--porcelain"}), "");
  EXPECT_EQ(read_file(repo_ + "/feature.txt"), "f\n");
  EXPECT_EQ(read_file(repo_ + "/a.txt"), "a2\n");
}

TEST_F(WorktreeTest, RemovesTrackedFilesButKeepsBuildOutput) {
  const std::string dir = temp_ / "tree";
  Worktree worktree = create_worktree(repo_, dir);
  checkout(worktree, trailers_);
  write_file(dir + "/a.o", "object");
  write_file(dir + "/dir/c.o", "object");
  write_file(dir + "/out/vmlinux", "kernel");

  checkout(worktree, removal_);
  EXPECT_FALSE(std::filesystem::exists(dir + "/b.txt"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/dir/c.txt"));
  EXPECT_EQ(read_file(dir + "/a.o"), "object");
  EXPECT_EQ(read_file(dir + "/dir/c.o"), "object");
  EXPECT_EQ(read_file(dir + "/out/vmlinux"), "kernel");

  checkout(worktree, first_);  // and back
  EXPECT_EQ(read_file(dir + "/b.txt"), "b\n");
  EXPECT_EQ(read_file(dir + "/dir/c.txt"), "c\n");
  EXPECT_FALSE(std::filesystem::exists(dir + "/feature.txt"));
  EXPECT_EQ(read_file(dir + "/a.o"), "object");
}

TEST_F(WorktreeTest, RestoresTrackedFilesTheBuildModified) {
  const std::string dir = temp_ / "tree";
  Worktree worktree = create_worktree(repo_, dir);
  checkout(worktree, first_);
  write_file(dir + "/b.txt", "scribbled by the build\n");
  std::filesystem::remove(dir + "/dir/c.txt");
  checkout(worktree, second_);
  EXPECT_EQ(read_file(dir + "/b.txt"), "b\n");
  EXPECT_EQ(read_file(dir + "/dir/c.txt"), "c\n");
}

TEST_F(WorktreeTest, UnchangedFilesKeepTheirModificationTime) {
  const std::string dir = temp_ / "tree";
  Worktree worktree = create_worktree(repo_, dir);
  checkout(worktree, first_);
  const struct timespec unchanged_before = modification_time(dir + "/b.txt");
  const struct timespec changed_before = modification_time(dir + "/a.txt");
  // Coarse file system clocks tick every few milliseconds: a rewrite must be visible.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));

  checkout(worktree, second_);  // changes a.txt only
  const struct timespec unchanged_after = modification_time(dir + "/b.txt");
  const struct timespec changed_after = modification_time(dir + "/a.txt");
  EXPECT_EQ(unchanged_after.tv_sec, unchanged_before.tv_sec);
  EXPECT_EQ(unchanged_after.tv_nsec, unchanged_before.tv_nsec);
  EXPECT_FALSE(changed_after.tv_sec == changed_before.tv_sec &&
               changed_after.tv_nsec == changed_before.tv_nsec);
  EXPECT_EQ(read_file(dir + "/a.txt"), "a2\n");
}

TEST_F(WorktreeTest, ANewWorktreeObjectContinuesFromTheIndexOnDisk) {
  const std::string dir = temp_ / "tree";
  {
    Worktree worktree = create_worktree(repo_, dir);
    checkout(worktree, first_);
  }
  const struct timespec unchanged_before = modification_time(dir + "/b.txt");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));

  Worktree worktree = create_worktree(repo_, dir + "/");  // same place, spelled differently
  EXPECT_EQ(worktree.dir(), dir);
  EXPECT_FALSE(worktree.current().has_value());
  checkout(worktree, second_);
  const struct timespec unchanged_after = modification_time(dir + "/b.txt");
  EXPECT_EQ(unchanged_after.tv_sec, unchanged_before.tv_sec);
  EXPECT_EQ(unchanged_after.tv_nsec, unchanged_before.tv_nsec);
  checkout(worktree, removal_);
  EXPECT_FALSE(std::filesystem::exists(dir + "/b.txt"));  // known as tracked from the index
}

TEST_F(WorktreeTest, WorksFromABareRepository) {
  const std::string bare = temp_ / "bare.git";
  git(temp_.path(), {"clone", "-q", "--bare", repo_, bare});
  Result<Repository> repo = Repository::open(bare);
  ASSERT_TRUE(repo.ok()) << repo.error().message;
  EXPECT_EQ(resolved(*repo, "v2"), second_);

  const std::string dir = temp_ / "tree";
  Worktree worktree = create_worktree(bare, dir);
  Status status = worktree.checkout("v2");
  ASSERT_TRUE(status.ok()) << status.error().message;
  EXPECT_EQ(worktree.current(), std::optional<std::string>(second_));
  EXPECT_EQ(read_file(dir + "/a.txt"), "a2\n");
  status = worktree.checkout(removal_);
  ASSERT_TRUE(status.ok()) << status.error().message;
  EXPECT_FALSE(std::filesystem::exists(dir + "/b.txt"));
  EXPECT_EQ(read_file(dir + "/a.txt"), "a5\n");
  EXPECT_EQ(git(bare, {"config", "core.bare"}), "true");
  EXPECT_FALSE(std::filesystem::exists(bare + "/index"));
}

TEST_F(WorktreeTest, ErrorsNameTheirInput) {
  Result<Worktree> not_a_repo = Worktree::create(temp_ / "nothing", temp_ / "tree");
  ASSERT_FALSE(not_a_repo.ok());
  EXPECT_EQ(not_a_repo.error().message, "not a git repository: " + temp_ / "nothing");

  Worktree worktree = create_worktree(repo_, temp_ / "tree");
  checkout(worktree, first_);
  Status status = worktree.checkout("v9.9");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message, "unknown revision: v9.9");
  EXPECT_EQ(read_file(temp_ / "tree/a.txt"), "a1\n");
}

}  // namespace
}  // namespace culprit::vcs
