// `culprit bisect --kernel` on bad input, through the real binary: every mistake is reported
// before any kernel is built, naming the input at fault. A fake kernel tree (the files the checks
// look for, and a Makefile whose olddefconfig is scripted) stands in for Linux.
#include <gtest/gtest.h>

#include <filesystem>

#include "support/fake_kernel.h"
#include "support/test_support.h"

namespace culprit::testing {
namespace {

namespace fs = std::filesystem;

CommandOutput culprit(const TempDir& dir, std::vector<std::string> args,
                      const std::string& path_env = "") {
  std::vector<std::string> argv = {CULPRIT_BINARY, "bisect"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back("--state");
  argv.push_back(dir / "state.db");
  if (!path_env.empty()) argv.insert(argv.begin(), {"env", "PATH=" + path_env});
  return run_command(argv, dir.path());
}

TEST(KernelCliTest, RepositoryThatIsNotAKernelTree) {
  TempDir dir;
  std::string repo = dir / "project";
  fs::create_directories(repo);
  write_file(repo + "/main.c", "int main(void) { return 0; }\n");
  git(repo, {"init", "-q", "-b", "main"});
  git(repo, {"add", "-A"});
  git(repo, {"commit", "-q", "-m", "not a kernel"});
  write_file(dir / "config", good_config());
  write_file(dir / "repro.c", "int main(void) { return 0; }\n");
  CommandOutput out = culprit(dir, {"--kernel", "--repo", repo, "--bad", "main", "--config",
                                    dir / "config", "--repro", dir / "repro.c"});
  EXPECT_EQ(out.exit_status, 1) << out.output;
  EXPECT_NE(out.output.find("not a Linux kernel tree: " + repo + " has no Kconfig at main"),
            std::string::npos)
      << out.output;
}

TEST(KernelCliTest, ConfigThatOlddefconfigRejects) {
  TempDir dir;
  std::string repo =
      make_fake_kernel(dir,
                       "\t@echo '.config:3:warning: unexpected data: garbage'\n"
                       "\t@echo '*** Error during update of the configuration.'\n\t@false\n");
  write_file(dir / "config", good_config() + "garbage\n");
  write_file(dir / "repro.c", "int main(void) { return 0; }\n");
  CommandOutput out = culprit(dir, {"--kernel", "--repo", repo, "--bad", "main", "--config",
                                    dir / "config", "--repro", dir / "repro.c"});
  EXPECT_EQ(out.exit_status, 1) << out.output;
  EXPECT_NE(out.output.find("make olddefconfig rejects " + (dir / "config") +
                            ": *** Error during update of the configuration."),
            std::string::npos)
      << out.output;
  // Nothing was built: the reproducer was not even compiled.
  EXPECT_EQ(out.output.find("building reproducer"), std::string::npos) << out.output;
}

TEST(KernelCliTest, ConfigThatLosesWhatTheVmsNeed) {
  TempDir dir;
  // olddefconfig turns the serial console off, as it does when a dependency is missing.
  std::string repo = make_fake_kernel(dir, "\tsed -i '/SERIAL_8250_CONSOLE/d' $(O)/.config\n");
  write_file(dir / "config", good_config());
  write_file(dir / "repro.c", "int main(void) { return 0; }\n");
  CommandOutput out = culprit(dir, {"--kernel", "--repo", repo, "--bad", "main", "--config",
                                    dir / "config", "--repro", dir / "repro.c"});
  EXPECT_EQ(out.exit_status, 1) << out.output;
  EXPECT_NE(out.output.find("config " + (dir / "config") +
                            " gives no CONFIG_SERIAL_8250_CONSOLE=y after make olddefconfig"),
            std::string::npos)
      << out.output;
  EXPECT_NE(read_file(dir / "config").find("SERIAL_8250_CONSOLE"), std::string::npos);
}

TEST(KernelCliTest, ReproducerThatDoesNotCompileStopsBeforeAnyBuild) {
  TempDir dir;
  std::string repo = make_fake_kernel(dir, "\t@true\n");
  write_file(dir / "config", good_config());
  write_file(dir / "repro.c", "int main(void) { syntax error here }\n");
  CommandOutput out = culprit(dir, {"--kernel", "--repo", repo, "--bad", "main", "--config",
                                    dir / "config", "--repro", dir / "repro.c"});
  EXPECT_EQ(out.exit_status, 1) << out.output;
  EXPECT_NE(out.output.find("building reproducer " + (dir / "repro.c")), std::string::npos)
      << out.output;
  EXPECT_NE(out.output.find("culprit: the reproducer does not compile: " + (dir / "repro.c")),
            std::string::npos)
      << out.output;
  EXPECT_EQ(out.output.find("testing commit"), std::string::npos) << out.output;
  EXPECT_FALSE(fs::exists(dir / "state.db.d/job-1/build"));
}

TEST(KernelCliTest, MissingQemuNamesThePackage) {
  TempDir dir;
  write_file(dir / "config", good_config());
  write_file(dir / "repro.c", "int main(void) { return 0; }\n");
  CommandOutput out = culprit(dir,
                              {"--kernel", "--repo", dir.path(), "--bad", "main", "--config",
                               dir / "config", "--repro", dir / "repro.c"},
                              dir / "empty-path");
  EXPECT_EQ(out.exit_status, 1) << out.output;
  EXPECT_NE(out.output.find("cannot run qemu-system-x86_64 (install the qemu-system-x86 package)"),
            std::string::npos)
      << out.output;
}

TEST(KernelCliTest, MissingKernelOptions) {
  TempDir dir;
  CommandOutput no_config = culprit(dir, {"--kernel", "--bad", "main", "--repro", "x.c"});
  EXPECT_EQ(no_config.exit_status, 1);
  EXPECT_NE(no_config.output.find("--kernel needs --config FILE"), std::string::npos)
      << no_config.output;
  write_file(dir / "config", good_config());
  CommandOutput no_repro = culprit(dir, {"--kernel", "--bad", "main", "--config", dir / "config"});
  EXPECT_NE(no_repro.output.find("exactly one of --repro FILE.c and --repro-bin FILE"),
            std::string::npos)
      << no_repro.output;
  CommandOutput bad_memory = culprit(dir, {"--kernel", "--bad", "main", "--config", dir / "config",
                                           "--repro", "x.c", "--vm-memory", "lots"});
  EXPECT_NE(bad_memory.output.find("bad memory size `lots`"), std::string::npos)
      << bad_memory.output;
}

// The job file gives every option; flags override it; too many VMs for the memory are lowered.
// The fake kernel then fails to build, so the job ends at its first commit.
TEST(KernelCliTest, JobFileWithFlagOverridesAndMemoryLimit) {
  TempDir dir;
  std::string repo = make_fake_kernel(dir, "\t@true\n");
  fs::create_directories(dir / "job");
  write_file(dir / "job/config", good_config());
  write_file(dir / "job/repro.c", "int main(void) { return 0; }\n");
  write_file(dir / "job/job.toml",
             "kernel = true\nrepo = \"../linux\"\nbad = \"main\"\n"
             "config = \"config\"\nrepro = \"repro.c\"\n"
             "vms = 3\nvm-memory = \"100G\"\nrun-time = 4\n"
             "cmdline = \"panic_on_warn=1\"\nstrategy = \"classic\"\n");
  CommandOutput out =
      culprit(dir, {"--job", dir / "job/job.toml", "--vm-memory", "1G", "--vms", "1000"});
  EXPECT_NE(out.output.find("building reproducer " + (dir / "job/repro.c")), std::string::npos)
      << out.output;
  EXPECT_NE(out.output.find("not enough memory for 1000 VMs of 1024 MiB"), std::string::npos)
      << out.output;
  EXPECT_NE(out.output.find("culprit_run_time=4 panic_on_warn=1"), std::string::npos) << out.output;
  // The build of the fake tree fails with its root cause, so the start commit cannot be tested.
  EXPECT_NE(out.output.find("failed building"), std::string::npos) << out.output;
  EXPECT_NE(out.output.find("fake.c:1:1: error: not a real kernel"), std::string::npos)
      << out.output;
  EXPECT_EQ(out.exit_status, 1) << out.output;
}

TEST(KernelCliTest, JobFileErrorsNameFileAndKey) {
  TempDir dir;
  write_file(dir / "unknown.toml", "kernel = true\nbad = \"main\"\nvm-cpus = 4\n");
  CommandOutput unknown = culprit(dir, {"--job", dir / "unknown.toml"});
  EXPECT_EQ(unknown.exit_status, 2);
  EXPECT_NE(unknown.output.find("job file " + (dir / "unknown.toml") + ": unknown key `vm-cpus`"),
            std::string::npos)
      << unknown.output;
  write_file(dir / "broken.toml", "kernel = true\nbad = \n");
  CommandOutput broken = culprit(dir, {"--job", dir / "broken.toml"});
  EXPECT_EQ(broken.exit_status, 2);
  EXPECT_NE(broken.output.find("job file " + (dir / "broken.toml") + ":2:"), std::string::npos)
      << broken.output;
  write_file(dir / "invalid.toml", "vms = 0\n");
  CommandOutput invalid = culprit(dir, {"--job", dir / "invalid.toml", "--bad", "x"});
  EXPECT_EQ(invalid.exit_status, 2);
  EXPECT_NE(invalid.output.find("`vms`"), std::string::npos) << invalid.output;
}

}  // namespace
}  // namespace culprit::testing
