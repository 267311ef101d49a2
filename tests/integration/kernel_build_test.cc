// The kernel backend's build side: the compiler table, root-cause extraction from real compiler
// output, the kernel tree check, compile.h and .config reading, and KernelBuilder on trees that
// are not kernels. (Building a real kernel is the example's job: scripts/kernel-example.sh.)
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <utility>

#include "builder/compiler_table.h"
#include "builder/kernel_builder.h"
#include "support/test_support.h"

namespace culprit::testing {
namespace {

using builder::CompilerTable;

TEST(CompilerTableTest, PicksTheEntryOfTheNewestReachableRelease) {
  auto table = CompilerTable::parse(R"(# release  compiler
v5.10   gcc-10
v6.1    ccache gcc-12   # with arguments
default gcc-8
v4.19   gcc-8 -O2
)",
                                    "table");
  ASSERT_TRUE(table.ok()) << table.error().message;
  EXPECT_EQ(table->compiler_for({"v6.1", "v5.15.3", "v6.0"}), "ccache gcc-12");
  EXPECT_EQ(table->compiler_for({"v6.0", "v5.15.3", "v5.10"}), "gcc-10");
  EXPECT_EQ(table->compiler_for({"v4.19.2"}), "gcc-8 -O2");
  EXPECT_EQ(table->compiler_for({"v4.14"}), "gcc-8");             // older than every entry: default
  EXPECT_EQ(table->compiler_for({"v6.2-rc1", "next"}), "gcc-8");  // no release at all: default
  EXPECT_EQ(table->compiler_for({}), "gcc-8");
  ASSERT_EQ(table->entries().size(), 3u);
  EXPECT_EQ(table->entries().front().tag, "v6.1");  // newest first
}

TEST(CompilerTableTest, WithoutDefaultOldCommitsGetTheSystemCompiler) {
  auto table = CompilerTable::parse("v6.1 gcc-12\n", "table");
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(table->compiler_for({"v5.4"}), "");
  EXPECT_EQ(CompilerTable::newest_release({"v5.4", "v6.1.3", "v6.1", "x"}), "v6.1.3");
  EXPECT_FALSE(CompilerTable::newest_release({"v6.2-rc1"}).has_value());
}

TEST(CompilerTableTest, RejectsMalformedLinesNamingFileAndLine) {
  auto no_compiler = CompilerTable::parse("v6.1 gcc-12\nv5.10\n", "compilers.txt");
  ASSERT_FALSE(no_compiler.ok());
  EXPECT_EQ(no_compiler.error().message,
            "compilers.txt:2: expected `RELEASE COMPILER`, got `v5.10`");
  auto not_release = CompilerTable::parse("6.1 gcc\n", "t");
  ASSERT_FALSE(not_release.ok());
  EXPECT_NE(not_release.error().message.find("`6.1` is not a release tag"), std::string::npos);
  EXPECT_FALSE(CompilerTable::parse("v6.1 a\nv6.1 b\n", "t").ok());
  EXPECT_FALSE(CompilerTable::parse("default a\ndefault b\n", "t").ok());
  auto missing = CompilerTable::load("/nonexistent/compilers");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message, "cannot read compiler table: /nonexistent/compilers");
}

TEST(CompilerTableTest, LoadsAFile) {
  TempDir dir;
  write_file(dir / "compilers", "v6.1 gcc\n");
  auto table = CompilerTable::load(dir / "compilers");
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(table->compiler_for({"v6.1.192"}), "gcc");
}

// Real gcc and make output for a file with two errors: the root cause is the compiler's lines,
// not make's "*** Error" lines.
TEST(KernelBuildTest, RootCauseIsTheCompilersErrorLines) {
  TempDir dir;
  write_file(dir / "broken.c",
             "int get_option(char **str)\n{\n\tchar *cursor = *str;\n"
             "\treturn *cur + missing();\n}\n");
  write_file(dir / "Makefile", "all: broken.o\n");
  CommandOutput made =
      run_command({"make", "CFLAGS=-Werror=implicit-function-declaration"}, dir.path());
  ASSERT_NE(made.exit_status, 0) << made.output;
  std::vector<std::string> cause = builder::build_root_cause(made.output);
  ASSERT_FALSE(cause.empty()) << made.output;
  EXPECT_NE(cause[0].find("In function"), std::string::npos) << cause[0];
  ASSERT_GE(cause.size(), 2u);
  EXPECT_NE(cause[1].find("broken.c:4"), std::string::npos) << cause[1];
  EXPECT_NE(cause[1].find("error:"), std::string::npos) << cause[1];
  for (const std::string& line : cause) EXPECT_FALSE(line.starts_with("make")) << line;
  EXPECT_FALSE(builder::killed_for_memory(made.output));
}

TEST(KernelBuildTest, RootCauseIsBoundedAndFallsBackToMakeLines) {
  std::string output;
  for (int i = 0; i < 50; ++i) output += "x.c:" + std::to_string(i) + ": error: bad\n";
  EXPECT_EQ(builder::build_root_cause(output).size(), 20u);
  EXPECT_EQ(builder::build_root_cause(output, 3).size(), 3u);
  auto weak = builder::build_root_cause("  CC x.o\nmake[2]: *** [x.o] Error 1\n");
  ASSERT_EQ(weak.size(), 1u);
  EXPECT_EQ(weak[0], "make[2]: *** [x.o] Error 1");
  EXPECT_TRUE(builder::build_root_cause("  CC x.o\n  LD vmlinux\n").empty());
  EXPECT_TRUE(builder::killed_for_memory(
      "gcc: fatal error: Killed signal terminated program cc1\ncompilation terminated.\n"));
}

TEST(KernelBuildTest, ReadsCompilerLineAndConfigValues) {
  TempDir dir;
  std::filesystem::create_directories(dir / "include/generated");
  write_file(dir / "include/generated/compile.h",
             "#define UTS_MACHINE \"x86_64\"\n#define LINUX_COMPILE_BY \"culprit\"\n"
             "#define LINUX_COMPILER\t\t\"gcc (Debian 12.2.0-14) 12.2.0, GNU ld 2.40\"\n");
  EXPECT_EQ(builder::kernel_compiler_line(dir.path()),
            "gcc (Debian 12.2.0-14) 12.2.0, GNU ld 2.40");
  EXPECT_EQ(builder::kernel_compiler_line(dir / "nothing"), "");
  std::string config =
      "CONFIG_64BIT=y\n# CONFIG_SMP is not set\nCONFIG_NR_CPUS=1\n"
      "CONFIG_LOCALVERSION=\"-x\"\n";
  EXPECT_EQ(builder::config_value(config, "64BIT"), "y");
  EXPECT_EQ(builder::config_value(config, "NR_CPUS"), "1");
  EXPECT_EQ(builder::config_value(config, "LOCALVERSION"), "\"-x\"");
  EXPECT_FALSE(builder::config_value(config, "SMP").has_value());
  EXPECT_FALSE(builder::config_value(config, "64").has_value());
}

TEST(KernelBuildTest, BuildFoldersFollowTheCheckoutFolder) {
  using builder::KernelBuilder;
  EXPECT_EQ(KernelBuilder::build_dir("/j/job-1", "/j/job-1/checkout"), "/j/job-1/build");
  EXPECT_EQ(KernelBuilder::build_dir("/j/job-1/slot-2", "/j/job-1/checkout-2"),
            "/j/job-1/slot-2/build-checkout-2");
  EXPECT_EQ(KernelBuilder::image_path("/j/job-1", "/j/job-1/checkout/"),
            "/j/job-1/build/arch/x86/boot/bzImage");
}

TEST(KernelBuildTest, ANonKernelTreeFailsTheBuildNamingWhatIsMissing) {
  TempDir dir;
  std::filesystem::create_directories(dir / "job/checkout");
  write_file(dir / "job/checkout/Makefile", "all:\n");
  write_file(dir / "config", "CONFIG_64BIT=y\n");
  EXPECT_EQ(builder::check_kernel_tree(dir / "job/checkout").error().message,
            "not a Linux kernel tree: " + (dir / "job/checkout") + " has no Kconfig");

  builder::KernelBuildConfig config;
  config.config_path = dir / "config";
  builder::KernelBuilder builder(config);
  builder::BuildRequest request;
  request.checkout_dir = dir / "job/checkout";
  request.commit = std::string(40, 'a');
  request.job_dir = dir / "job";
  builder::BuildResult result = builder.build(request);
  EXPECT_EQ(result.status, builder::BuildResult::Status::failed);
  EXPECT_NE(result.error.find("not a Linux kernel tree"), std::string::npos) << result.error;
}

// A tree that passes the kernel tree check, whose make fails like a broken commit: the build is a
// skip with the compiler's lines, the log and the .config are kept as artifacts.
TEST(KernelBuildTest, FailedMakeKeepsRootCauseLogAndConfig) {
  TempDir dir;
  std::string tree = dir / "job/checkout";
  for (const char* sub : {"arch/x86", "scripts/kconfig"})
    std::filesystem::create_directories(tree + "/" + sub);
  write_file(tree + "/Kconfig", "");
  write_file(tree + "/arch/x86/Makefile", "");
  write_file(tree + "/scripts/kconfig/conf.c", "");
  // olddefconfig keeps the .config; the image target fails the way gcc does.
  write_file(
      tree + "/Makefile",
      "olddefconfig:\n\t@echo configured $(O) by $$KBUILD_BUILD_USER@$$KBUILD_BUILD_HOST\n"
      "bzImage:\n\t@echo '  CC      lib/cmdline.o'\n"
      "\t@echo \"lib/cmdline.c: In function 'get_option':\"\n"
      "\t@echo \"lib/cmdline.c:61:15: error: 'cur' undeclared (first use in this function)\"\n"
      "\t@false\n");
  std::string config_text;
  for (const std::string& option : builder::required_boot_options()) {
    config_text += "CONFIG_" + option + "=y\n";
  }
  write_file(dir / "config", config_text);
  builder::KernelBuildConfig config;
  config.config_path = dir / "config";
  config.jobs = 1;
  builder::KernelBuilder builder(config);
  builder::BuildRequest request;
  request.checkout_dir = tree;
  request.commit = "0123456789abcdef0123456789abcdef01234567";
  request.job_dir = dir / "job";
  builder::BuildResult result = builder.build(request);
  EXPECT_EQ(result.status, builder::BuildResult::Status::failed);
  EXPECT_EQ(result.error,
            "lib/cmdline.c:61:15: error: 'cur' undeclared (first use in this function)");
  EXPECT_EQ(result.log_tail, "lib/cmdline.c: In function 'get_option':\n" + result.error);
  std::string artifacts = dir / "job/artifacts/0123456789ab";
  EXPECT_EQ(result.artifacts,
            (std::vector<std::string>{artifacts + "/kernel.config", artifacts + "/build.log"}));
  EXPECT_EQ(read_file(artifacts + "/kernel.config"), config_text);
  std::string log = read_file(artifacts + "/build.log");
  EXPECT_NE(log.find("olddefconfig"), std::string::npos);
  // Out of tree, in the job's build folder, with the reproducible build environment.
  EXPECT_NE(log.find("configured " + (dir / "job/build") + " by culprit@culprit"),
            std::string::npos)
      << log;
}

// The compiler table is read by the newest release tag the commit reaches (libgit2, as `git tag
// --merged`): a commit on top of v6.1 gets v6.1's compiler, the tagged v5.10 commit its own.
TEST(KernelBuildTest, CompilerComesFromTheCommitsReleaseTag) {
  TempDir dir;
  std::string repo = dir / "repo";
  git(dir.path(), {"init", "-q", repo});
  for (const char* sub : {"arch/x86", "scripts/kconfig"})
    std::filesystem::create_directories(repo + "/" + sub);
  write_file(repo + "/Kconfig", "");
  write_file(repo + "/arch/x86/Makefile", "");
  write_file(repo + "/scripts/kconfig/conf.c", "");
  write_file(repo + "/Makefile", "olddefconfig:\n\t@false\n");
  git(repo, {"add", "-A"});
  git(repo, {"commit", "-q", "-m", "v5.10"});
  git(repo, {"tag", "v5.10"});
  std::string old_commit = git(repo, {"rev-parse", "HEAD"});
  git(repo, {"commit", "-q", "--allow-empty", "-m", "v6.1"});
  git(repo, {"tag", "-a", "v6.1", "-m", "Linux 6.1"});
  git(repo, {"commit", "-q", "--allow-empty", "-m", "after v6.1"});
  std::string new_commit = git(repo, {"rev-parse", "HEAD"});
  write_file(dir / "config", "CONFIG_64BIT=y\n");
  write_file(dir / "compilers", "v6.1 gcc-from-v6.1\nv5.10 gcc-from-v5.10\n");

  builder::KernelBuildConfig config;
  config.repo = repo;
  config.config_path = dir / "config";
  config.compilers = CompilerTable::load(dir / "compilers").value();
  config.jobs = 1;
  config.use_ccache = false;
  builder::KernelBuilder builder(config);
  for (const auto& [commit, compiler] :
       {std::pair{new_commit, "gcc-from-v6.1"}, std::pair{old_commit, "gcc-from-v5.10"}}) {
    builder::BuildRequest request;
    request.checkout_dir = repo;
    request.commit = commit;
    request.job_dir = dir / "job";
    builder::BuildResult result = builder.build(request);
    EXPECT_EQ(result.status, builder::BuildResult::Status::failed);
    std::string log = read_file(dir / ("job/artifacts/" + commit.substr(0, 12) + "/build.log"));
    EXPECT_NE(log.find(std::string(" CC=") + compiler + " "), std::string::npos) << log;
  }
}

}  // namespace
}  // namespace culprit::testing
