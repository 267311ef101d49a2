#include "base/files.h"

#include <gtest/gtest.h>

#include <string>

#include "support/test_support.h"

namespace culprit {
namespace {

using testing::TempDir;
using testing::write_file;

TEST(ReadFile, ReadsEveryByte) {
  TempDir dir;
  write_file(dir / "data", std::string("a\0b\r\n", 5));
  Result<std::string> text = read_file(dir / "data", "test file");
  ASSERT_TRUE(text.ok()) << text.error().message;
  EXPECT_EQ(*text, std::string("a\0b\r\n", 5));
}

TEST(ReadFile, ErrorNamesWhatAndWhichFile) {
  TempDir dir;
  Result<std::string> text = read_file(dir / "missing.log", "console log");
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.error().message,
            "cannot read console log " + (dir / "missing.log") + ": No such file or directory");
  EXPECT_EQ(read_file(dir / "missing.log", "console log").value_or("none"), "none");
}

}  // namespace
}  // namespace culprit
