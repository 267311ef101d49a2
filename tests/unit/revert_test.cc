#include "vcs/revert.h"

#include <gtest/gtest.h>

#include <string>

#include "support/test_support.h"

namespace culprit::vcs {
namespace {

using testing::git;
using testing::TempDir;
using testing::write_file;

// base -- bug (adds bug.c, edits shared.c) -- later (edits shared.c where bug did) -- head
//                                                                                \-- other
class RevertTest : public ::testing::Test {
 protected:
  void SetUp() override {
    repo_ = temp_ / "repo";
    git(temp_.path(), {"init", "-q", "--initial-branch=main", repo_});
    write_file(repo_ + "/shared.c", "int a = 1;\n\n\n\n\nint b = 1;\n");
    base_ = commit_all("base");
    write_file(repo_ + "/bug.c", "crash();\n");
    bug_ = commit_all("add the bug");
    write_file(repo_ + "/shared.c", "int a = 2;\n\n\n\n\nint b = 1;\n");
    edit_a_ = commit_all("change a");
    write_file(repo_ + "/shared.c", "int a = 3;\n\n\n\n\nint b = 1;\n");
    edit_a_again_ = commit_all("change a again");
    write_file(repo_ + "/other.c", "other\n");
    head_ = commit_all("other file");
  }
  std::string commit_all(const std::string& message) {
    git(repo_, {"add", "-A"});
    git(repo_, {"commit", "-q", "-m", message});
    return git(repo_, {"rev-parse", "HEAD"});
  }

  TempDir temp_;
  std::string repo_, base_, bug_, edit_a_, edit_a_again_, head_;
};

TEST_F(RevertTest, RevertsOnTopWithoutTouchingTheCheckout) {
  auto repo = Repository::open(repo_);
  ASSERT_TRUE(repo.ok());
  const std::string status_before = git(repo_, {"status", "--porcelain"});
  auto revert = revert_onto(*repo, bug_, head_);
  ASSERT_TRUE(revert.ok()) << revert.error().message;
  ASSERT_TRUE(revert->applied);
  EXPECT_TRUE(revert->conflicts.empty());
  // The new commit's parent is head and its tree is head's without bug.c.
  EXPECT_EQ(git(repo_, {"rev-parse", revert->commit + "^"}), head_);
  EXPECT_EQ(git(repo_, {"rev-parse", revert->commit + "^{tree}"}), revert->tree);
  EXPECT_EQ(git(repo_, {"ls-tree", "--name-only", revert->commit}), "other.c\nshared.c");
  EXPECT_EQ(git(repo_, {"show", revert->commit + ":shared.c"}), "int a = 3;\n\n\n\n\nint b = 1;");
  EXPECT_NE(git(repo_, {"log", "-1", "--format=%s", revert->commit}).find("add the bug"),
            std::string::npos);
  // Nothing of the user's repository moved.
  EXPECT_EQ(git(repo_, {"rev-parse", "HEAD"}), head_);
  EXPECT_EQ(git(repo_, {"status", "--porcelain"}), status_before);
  // The same revert gives the same commit.
  auto again = revert_onto(*repo, bug_, head_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->commit, revert->commit);
}

TEST_F(RevertTest, ReportsConflictsWhenLaterCommitsChangedTheSameLines) {
  auto repo = Repository::open(repo_);
  ASSERT_TRUE(repo.ok());
  auto revert = revert_onto(*repo, edit_a_, head_);
  ASSERT_TRUE(revert.ok()) << revert.error().message;
  EXPECT_FALSE(revert->applied);
  EXPECT_EQ(revert->conflicts, std::vector<std::string>{"shared.c"});
  EXPECT_TRUE(revert->commit.empty());
}

TEST_F(RevertTest, RevertsAMergeAgainstItsFirstParent) {
  git(repo_, {"checkout", "-q", "-b", "topic", base_});
  write_file(repo_ + "/topic.c", "topic\n");
  commit_all("topic");
  git(repo_, {"checkout", "-q", "main"});
  git(repo_, {"merge", "-q", "--no-ff", "-m", "merge topic", "topic"});
  const std::string merge = git(repo_, {"rev-parse", "HEAD"});
  auto repo = Repository::open(repo_);
  ASSERT_TRUE(repo.ok());
  auto revert = revert_onto(*repo, merge, merge);
  ASSERT_TRUE(revert.ok()) << revert.error().message;
  ASSERT_TRUE(revert->applied);
  EXPECT_EQ(revert->tree, git(repo_, {"rev-parse", head_ + "^{tree}"}));
}

TEST_F(RevertTest, UnknownRevisionIsAnError) {
  auto repo = Repository::open(repo_);
  ASSERT_TRUE(repo.ok());
  auto revert = revert_onto(*repo, "no-such-revision", head_);
  ASSERT_FALSE(revert.ok());
  EXPECT_NE(revert.error().message.find("no-such-revision"), std::string::npos);
}

}  // namespace
}  // namespace culprit::vcs
