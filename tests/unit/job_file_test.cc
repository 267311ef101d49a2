#include "backend/job_file.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "support/test_support.h"

namespace culprit::backend {
namespace {

using testing::TempDir;
using testing::write_file;
using Strings = std::vector<std::string>;

TEST(JobFile, ValuesAsTextWithPathsFromTheFilesFolder) {
  TempDir dir;
  write_file(dir / "jobs/job.toml",
             "kernel = true\nrepo = \"linux\"\nconfig = \"/abs/kernel.config\"\n"
             "bad = \"v6.1\"\ngood = [\"v5.15\", \"v5.10\"]\nvms = 2\nconfidence = 0.9\n");
  Result<std::vector<JobFileSetting>> settings = read_job_file(dir / "jobs/job.toml");
  ASSERT_TRUE(settings.ok()) << settings.error().message;
  std::vector<std::pair<std::string, Strings>> got;
  for (const JobFileSetting& setting : *settings) {
    EXPECT_FALSE(setting.bad_value) << setting.key;
    got.emplace_back(setting.key, setting.values);
  }
  EXPECT_EQ(got, (std::vector<std::pair<std::string, Strings>>{
                     {"bad", {"v6.1"}},
                     {"confidence", {"0.9"}},
                     {"config", {"/abs/kernel.config"}},
                     {"good", {"v5.15", "v5.10"}},
                     {"kernel", {"true"}},
                     {"repo", {dir / "jobs/linux"}},
                     {"vms", {"2"}},
                 }));
}

TEST(JobFile, ATableIsABadValueAndBrokenTomlNamesTheLine) {
  TempDir dir;
  write_file(dir / "table.toml", "vms = { count = 2 }\n");
  Result<std::vector<JobFileSetting>> table = read_job_file(dir / "table.toml");
  ASSERT_TRUE(table.ok()) << table.error().message;
  ASSERT_EQ(table->size(), 1u);
  EXPECT_TRUE((*table)[0].bad_value);

  write_file(dir / "broken.toml", "kernel = true\nvms = \n");
  Result<std::vector<JobFileSetting>> broken = read_job_file(dir / "broken.toml");
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().message.rfind("job file " + (dir / "broken.toml") + ":2: ", 0), 0u)
      << broken.error().message;
}

}  // namespace
}  // namespace culprit::backend
