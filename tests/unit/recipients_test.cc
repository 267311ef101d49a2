#include "vcs/recipients.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/maintainers_fixture.h"
#include "support/test_support.h"
#include "vcs/diff_classify.h"

namespace culprit::vcs {
namespace {

using testing::git;
using testing::kMaintainers;  // WIDGETS, FROBNICATOR API (a K: keyword), THE REST
using testing::TempDir;
using testing::write_file;
using Strings = std::vector<std::string>;

class RecipientsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    repo_ = temp_ / "repo";
    git(temp_.path(), {"init", "-q", repo_});
    write_file(repo_ + "/MAINTAINERS", std::string(kMaintainers));
    write_file(repo_ + "/drivers/widget/core.c", "int widget;\n");
    write_file(repo_ + "/lib/sort.c", "int sort;\n");
    base_ = commit("initial", "Init <init@example.com>");
  }

  std::string commit(const std::string& message, const std::string& author) {
    git(repo_, {"add", "-A"});
    git(repo_, {"commit", "-q", "--allow-empty", "--author", author, "-m", message});
    return git(repo_, {"rev-parse", "HEAD"});
  }

  Repository open() {
    Result<Repository> repo = Repository::open(repo_);
    EXPECT_TRUE(repo.ok()) << repo.error().message;
    return std::move(repo).value();
  }

  Recipients recipients_of(const std::string& hash) {
    Repository repo = open();
    Result<Recipients> result = recipients(repo, hash);
    EXPECT_TRUE(result.ok()) << result.error().message;
    return result.ok() ? *result : Recipients{};
  }

  std::vector<DiffFlag> flags_of(const std::string& hash, std::string_view arch = "x86_64") {
    Repository repo = open();
    Result<std::vector<DiffFlag>> result = classify_diff(repo, hash, arch);
    EXPECT_TRUE(result.ok()) << result.error().message;
    return result.ok() ? *result : std::vector<DiffFlag>{};
  }

  TempDir temp_;
  std::string repo_;
  std::string base_;
};

TEST_F(RecipientsTest, AuthorAndByTrailersAreToWithoutCcOrStable) {
  write_file(repo_ + "/drivers/widget/core.c", "int widget = 1;\n");
  const std::string hash = commit(
      "widget: fix the widget\n\nThe widget was broken.\n\n"
      "Reported-by: Reporter <reporter@example.com>\n"
      "Cc: Carl Copied <carl@example.com>\n"
      "Cc: stable@vger.kernel.org # 6.1\n"
      "Signed-off-by: Alice Author <Alice@Example.COM>\n"
      "Reviewed-by: Bob Reviewer <bob@example.com>\n"
      "Acked-by: carol@example.com\n"
      "Tested-by: Dave Tester <dave@example.com>\n"
      "Reviewed-and-tested-by: Erin <erin@example.com>\n"
      "Signed-off-by: stable@vger.kernel.org\n"
      "Link: https://lore.kernel.org/r/1@example.com\n"
      "    Signed-off-by: Quoted <quoted@example.com>\n",
      "Alice Author <alice@example.com>");
  const Recipients result = recipients_of(hash);
  // More than two addresses: MAINTAINERS is not consulted.
  EXPECT_EQ(result.to, (Strings{"alice@example.com", "bob@example.com", "carol@example.com",
                                "dave@example.com", "erin@example.com"}));
  EXPECT_TRUE(result.cc.empty());
}

TEST_F(RecipientsTest, TwoOrFewerAddMaintainersOfTheChangedFilesFromTheCommitsTree) {
  write_file(repo_ + "/drivers/widget/core.c", "int widget = 2;\n");
  const std::string hash = commit(
      "widget: tweak\n\nSigned-off-by: Alice <alice@example.com>\n"
      "Acked-by: Bob <bob@example.com>\n",
      "Alice <alice@example.com>");
  // A later commit and the working tree say otherwise; the culprit's own tree counts.
  write_file(repo_ + "/MAINTAINERS", "WIDGETS\nM:\tOther <other@example.com>\nF:\tdrivers/\n");
  commit("maintainers: hand widgets over", "Init <init@example.com>");
  write_file(repo_ + "/MAINTAINERS", "garbage\n");

  const Recipients result = recipients_of(hash);
  EXPECT_EQ(result.to, (Strings{"alice@example.com", "bob@example.com", "wendy@widgets.example",
                                "widgets@lists.example"}));
  // Reviewer Cc; LKML Cc because the widgets list is there; Linus left out as get_maintainer does.
  EXPECT_EQ(result.cc, (Strings{"linux-kernel@vger.kernel.org", "rita@review.example"}));
}

TEST_F(RecipientsTest, KeywordsMatchTheChangedLinesAndTheMessage) {
  write_file(repo_ + "/lib/sort.c", "int sort;\nvoid f(void) { frobnicate_all(0); }\n");
  const std::string hash = commit("lib: use the frobnicator", "Alice <alice@example.com>");
  const Recipients result = recipients_of(hash);
  EXPECT_EQ(result.to, (Strings{"alice@example.com", "fred@frob.example", "frob@lists.example"}));
  EXPECT_EQ(result.cc, (Strings{"linux-kernel@vger.kernel.org"}));

  // Unchanged context lines do not count: only LKML (alone, so To) answers for lib/sort.c.
  write_file(repo_ + "/lib/sort.c", "int sort;\nvoid f(void) { frobnicate_all(0); }\nint x;\n");
  const Recipients plain = recipients_of(commit("lib: add x", "Alice <alice@example.com>"));
  EXPECT_EQ(plain.to, (Strings{"alice@example.com", "linux-kernel@vger.kernel.org"}));
  EXPECT_TRUE(plain.cc.empty());
}

TEST_F(RecipientsTest, ATreeWithoutMaintainersAddsNobody) {
  git(repo_, {"rm", "-q", "MAINTAINERS"});
  const std::string hash = commit("drop MAINTAINERS", "Alice <alice@example.com>");
  const Recipients result = recipients_of(hash);
  EXPECT_EQ(result.to, (Strings{"alice@example.com"}));
  EXPECT_TRUE(result.cc.empty());
}

TEST_F(RecipientsTest, UnknownRevisionIsAnError) {
  Repository repo = open();
  Result<Recipients> result = recipients(repo, "no-such-branch");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("no-such-branch"), std::string::npos);
}

TEST_F(RecipientsTest, ChangedFilesAgainstTheFirstParent) {
  Repository repo = open();
  Result<Strings> root = changed_files(repo, base_);
  ASSERT_TRUE(root.ok()) << root.error().message;
  EXPECT_EQ(*root, (Strings{"MAINTAINERS", "drivers/widget/core.c", "lib/sort.c"}));

  git(repo_, {"mv", "lib/sort.c", "lib/order.c"});
  write_file(repo_ + "/drivers/widget/core.c", "int widget = 3;\n");
  const std::string hash = commit("rename", "Alice <alice@example.com>");
  Result<Strings> changed = changed_files(repo, hash);
  ASSERT_TRUE(changed.ok()) << changed.error().message;
  EXPECT_EQ(*changed, (Strings{"drivers/widget/core.c", "lib/order.c", "lib/sort.c"}));

  // A merge is compared with its first parent: what the merge brought into the mainline.
  git(repo_, {"checkout", "-q", "-b", "topic", base_});
  write_file(repo_ + "/topic.c", "int topic;\n");
  commit("topic", "Tia <tia@example.com>");
  git(repo_, {"checkout", "-q", "main"});
  git(repo_, {"merge", "-q", "--no-ff", "--no-edit", "topic"});
  Result<Strings> merged = changed_files(repo, git(repo_, {"rev-parse", "HEAD"}));
  ASSERT_TRUE(merged.ok()) << merged.error().message;
  EXPECT_EQ(*merged, (Strings{"topic.c"}));
}

TEST_F(RecipientsTest, DocsOnly) {
  write_file(repo_ + "/Documentation/widget.rst", "Widgets\n=======\n");
  write_file(repo_ + "/drivers/widget/README", "read me\n");
  write_file(repo_ + "/notes.md", "# notes\n");
  EXPECT_EQ(flags_of(commit("docs", "A <a@example.com>")),
            (std::vector<DiffFlag>{DiffFlag::docs_only}));
  write_file(repo_ + "/CMakeLists.txt", "project(x)\n");
  EXPECT_TRUE(flags_of(commit("build", "A <a@example.com>")).empty());
}

TEST_F(RecipientsTest, CommentsOnly) {
  write_file(repo_ + "/drivers/widget/core.c",
             "/* The widget. */\nint widget; // counter\n#define W 1\nconst char *s = \"a  b\";\n");
  commit("code", "A <a@example.com>");
  // New comments, reflowed blanks, a doc beside it: still no change the compiler can see.
  write_file(repo_ + "/drivers/widget/core.c",
             "/*\n * The widget,\n * explained at length.\n */\nint   widget ;\n"
             "#define W 1 /* one */\nconst char *s = \"a  b\"; // text\n");
  write_file(repo_ + "/Documentation/widget.rst", "Widgets\n");
  EXPECT_EQ(flags_of(commit("comments", "A <a@example.com>")),
            (std::vector<DiffFlag>{DiffFlag::comments_only}));

  // Blanks inside a string literal are code.
  write_file(repo_ + "/drivers/widget/core.c",
             "int widget;\n#define W 1\nconst char *s = \"a b\";\n");
  EXPECT_TRUE(flags_of(commit("string", "A <a@example.com>")).empty());
  // So is a line break that ends a preprocessor directive.
  write_file(repo_ + "/drivers/widget/core.c",
             "int widget;\n#define W 1 const char *s = \"a b\";\n");
  EXPECT_TRUE(flags_of(commit("directive", "A <a@example.com>")).empty());
}

TEST_F(RecipientsTest, OtherArchOnlyDependsOnTheTarget) {
  write_file(repo_ + "/arch/arm64/kernel/setup.c", "int arm64;\n");
  write_file(repo_ + "/arch/riscv/Kconfig", "config RISCV\n");
  write_file(repo_ + "/Documentation/arch/arm64.rst", "arm64\n");
  const std::string hash = commit("arm64 and riscv", "A <a@example.com>");
  EXPECT_EQ(flags_of(hash, "x86_64"), (std::vector<DiffFlag>{DiffFlag::other_arch_only}));
  EXPECT_EQ(flags_of(hash, "x86"), (std::vector<DiffFlag>{DiffFlag::other_arch_only}));
  EXPECT_TRUE(flags_of(hash, "aarch64").empty());
  EXPECT_TRUE(flags_of(hash, "").empty());
  write_file(repo_ + "/arch/x86/kernel/setup.c", "int x86;\n");
  EXPECT_TRUE(flags_of(commit("x86", "A <a@example.com>"), "x86_64").empty());
}

TEST_F(RecipientsTest, ToolsOnly) {
  write_file(repo_ + "/tools/testing/selftests/widget/test.c", "int main(void) { return 0; }\n");
  write_file(repo_ + "/tools/perf/builtin.c", "int perf;\n");
  EXPECT_EQ(flags_of(commit("selftests", "A <a@example.com>")),
            (std::vector<DiffFlag>{DiffFlag::tools_only}));
  write_file(repo_ + "/tools/perf/builtin.c", "int perf2;\n");
  write_file(repo_ + "/lib/sort.c", "int sort2;\n");
  EXPECT_TRUE(flags_of(commit("mixed", "A <a@example.com>")).empty());
}

TEST_F(RecipientsTest, EmptyCommitAndRealCodeChangeHaveNoFlags) {
  EXPECT_TRUE(flags_of(commit("empty", "A <a@example.com>")).empty());
  write_file(repo_ + "/drivers/widget/core.c", "int widget = 42;\n");
  EXPECT_TRUE(flags_of(commit("code", "A <a@example.com>")).empty());
  EXPECT_EQ(to_string(DiffFlag::docs_only), "docs-only");
  EXPECT_EQ(to_string(DiffFlag::comments_only), "comments-only");
  EXPECT_EQ(to_string(DiffFlag::other_arch_only), "other-arch-only");
  EXPECT_EQ(to_string(DiffFlag::tools_only), "tools-only");
}

TEST(TrailerRecipients, ReadsTheCommitInfo) {
  CommitInfo commit;
  commit.author.email = "Author@Example.com";
  commit.message =
      "title\n\nbody mentions Signed-off-by: nobody\n\nSigned-off-by: A <author@example.com>\n"
      "acked-by: lower <lower@example.com>\nCC: x <x@example.com>\n";
  EXPECT_EQ(trailer_recipients(commit), (Strings{"author@example.com", "lower@example.com"}));
}

TEST(CTokenStream, IgnoresCommentsAndBlanksButNotCode) {
  EXPECT_EQ(c_token_stream("int a = 1; /* c */ // d\n"), c_token_stream("int a=1;"));
  EXPECT_EQ(c_token_stream("a/**/b"), c_token_stream("a b"));
  EXPECT_NE(c_token_stream("a/**/b"), c_token_stream("ab"));
  EXPECT_NE(c_token_stream("x = a + +b;"), c_token_stream("x = a ++b;"));
  EXPECT_EQ(c_token_stream("s = \"/* kept */\";"), "s=\"/* kept */\";");
  EXPECT_EQ(c_token_stream("c = '\\'';  // quote"), "c='\\'';");
  EXPECT_EQ(c_token_stream("#define A(x) \\\n  (x)\nint y;"),
            c_token_stream("#define A(x) (x)\nint y;"));
  EXPECT_NE(c_token_stream("#define A 1\nint y;"), c_token_stream("#define A 1 int y;"));
}

}  // namespace
}  // namespace culprit::vcs
