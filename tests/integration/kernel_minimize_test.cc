// Config minimization with a real kernel: the bundled example (examples/kernel/make-kernel-repo.sh)
// with its config padded with options its bug does not need (examples/kernel/padding.config:
// file systems, drivers, networking). `culprit bisect --kernel --minimize-config` must drop most
// of them, say so in syzbot's words, and still name the example's culprit with the minimized
// config.
//
// Needs the example made beforehand (about a minute, 2.5 GB): CULPRIT_KERNEL_MINIMIZE_DIR names
// the folder make-kernel-repo.sh wrote (the kernel example's, after scripts/kernel-example.sh ran,
// so that the kernel tree is warm). Skipped without it: a run takes ~25 minutes on 2 cores (1,539 s
// measured, docs/config-minimization.md), more than the README's test command can spend, so it is
// a long run like bench/'s.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "support/test_support.h"

namespace culprit::testing {
namespace {

namespace fs = std::filesystem;

int count_lines_starting(const std::string& text, const std::string& prefix) {
  std::istringstream in(text);
  int count = 0;
  for (std::string line; std::getline(in, line);) count += line.starts_with(prefix) ? 1 : 0;
  return count;
}

TEST(KernelMinimizeTest, PaddedExampleConfigMinimizesAndStillBisectsToTheCulprit) {
  const char* example = std::getenv("CULPRIT_KERNEL_MINIMIZE_DIR");
  if (example == nullptr || !fs::exists(fs::path(example) / "linux/.git")) {
    GTEST_SKIP() << "set CULPRIT_KERNEL_MINIMIZE_DIR to a folder made by "
                    "examples/kernel/make-kernel-repo.sh";
  }
  const std::string dir = example;
  const std::string work = dir + "/minimize-test";
  fs::remove_all(work);
  fs::create_directories(work);
  const std::string padding =
      read_file(std::string(CULPRIT_SOURCE_DIR) + "/examples/kernel/padding.config");
  write_file(work + "/padded.config", read_file(dir + "/kernel.config") + padding);

  CommandOutput out =
      run_command({CULPRIT_BINARY, "bisect", "--job",
                   std::string(CULPRIT_SOURCE_DIR) + "/examples/kernel/job.toml", "--repo",
                   dir + "/linux", "--config", work + "/padded.config", "--minimize-config",
                   "--state", work + "/culprit.db", "--log", work + "/bisect.log"},
                  work);
  const std::string log = read_file(work + "/bisect.log");
  EXPECT_EQ(out.exit_status, 0) << log;
  EXPECT_NE(log.find("\nminimizing kernel config\n"), std::string::npos) << log;
  EXPECT_NE(log.find("\nkconfig minimization: base="), std::string::npos) << log;
  EXPECT_NE(log.find("\nusing the minimized config for every commit\n"), std::string::npos) << log;

  // Most of the padding is gone, and the debug option the bug needs is not.
  const std::string minimized = read_file(work + "/culprit.db.d/minimized.config");
  const std::string report = read_file(work + "/culprit.db.d/minimized.config.log");
  const int padded = count_lines_starting(padding, "CONFIG_");
  int left = 0;
  std::istringstream lines(padding);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("CONFIG_") && minimized.find("\n" + line + "\n") != std::string::npos) {
      ++left;
    }
  }
  EXPECT_LT(left * 4, padded) << "kept " << left << " of " << padded << " padding options\n"
                              << report;
  EXPECT_NE(minimized.find("\nCONFIG_PROVE_LOCKING=y\n"), std::string::npos);
  EXPECT_GT(count_lines_starting(report, "dropped CONFIG_"), padded / 2) << report;

  const std::string bug = read_file(dir + "/bug-commit").substr(0, 40);
  EXPECT_NE(log.find("\nfirst bad commit: " + bug + " "), std::string::npos) << log;
}

}  // namespace
}  // namespace culprit::testing
