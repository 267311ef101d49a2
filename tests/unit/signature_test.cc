#include "builder/signature.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "base/sha256.h"
#include "support/test_support.h"

namespace culprit::builder {
namespace {

using testing::must_run;
using testing::read_file;
using testing::TempDir;
using testing::write_file;

constexpr char kProgram[] = R"(#include <stdio.h>
static const char greeting[] = "hello";
int counter = 42;
int main(void) {
  printf("%s %d\n", greeting, counter);
  return 0;
}
)";

// Same code, other comments and layout of the source.
constexpr char kProgramWithComments[] = R"(#include <stdio.h>
/* A comment that changes nothing the compiler emits. */
static const char greeting[] = "hello";
int counter = 42;  // the answer
int main(void) {
  printf("%s %d\n", greeting, counter);
  return 0;
}
)";

constexpr char kProgramWithOtherCode[] = R"(#include <stdio.h>
static const char greeting[] = "hello";
int counter = 43;
int main(void) {
  printf("%s %d\n", greeting, counter);
  return 0;
}
)";

std::string compile(const TempDir& dir, const std::string& name, const std::string& source,
                    const std::vector<std::string>& flags) {
  write_file(dir / (name + ".c"), source);
  std::vector<std::string> argv = {"cc", "-O1"};
  argv.insert(argv.end(), flags.begin(), flags.end());
  argv.insert(argv.end(), {"-o", dir / name, dir / (name + ".c")});
  must_run(argv);
  return dir / name;
}

// The signature computed another way: section offsets, sizes and flags as `readelf -S -W` prints
// them, bytes cut out of the file by those offsets.
std::string expected_signature(const std::string& path) {
  std::istringstream table(must_run({"readelf", "-S", "-W", path}));
  const std::string file = read_file(path);
  Sha256 outer;
  int sections = 0;
  std::string line;
  while (std::getline(table, line)) {
    std::size_t close = line.find(']');
    if (line.find("  [") != 0 || close == std::string::npos ||
        line.find("[Nr]") != std::string::npos) {
      continue;
    }
    std::istringstream fields(line.substr(close + 1));
    std::vector<std::string> tokens;
    for (std::string token; fields >> token;) tokens.push_back(token);
    // name type address offset size entsize [flags] link info align
    if (tokens.size() != 10) continue;  // no flags (so not allocated), or the null section
    const std::string& type = tokens[1];
    const std::string& flags = tokens[6];
    if (flags.find('A') == std::string::npos || type == "NOBITS" || type == "NOTE") continue;
    std::size_t offset = std::stoul(tokens[3], nullptr, 16);
    std::size_t size = std::stoul(tokens[4], nullptr, 16);
    EXPECT_LE(offset + size, file.size()) << line;
    outer.update(sha256(std::string_view(file).substr(offset, size)));
    ++sections;
  }
  EXPECT_GT(sections, 0) << "no allocated sections found in " << path;
  return to_hex(outer.finish());
}

TEST(SignatureTest, MatchesTheSectionsReadelfLists) {
  TempDir dir;
  std::string program = compile(dir, "program", kProgram, {});
  Result<std::string> signature = artifact_signature(program);
  ASSERT_TRUE(signature.ok()) << signature.error().message;
  EXPECT_EQ(*signature, expected_signature(program));
  EXPECT_EQ(signature->size(), 64u);
  EXPECT_EQ(signature->find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(SignatureTest, IgnoresCommentsAndDebugInfo) {
  TempDir dir;
  std::string plain = compile(dir, "plain", kProgram, {});
  std::string debug = compile(dir, "debug", kProgramWithComments, {"-g"});
  ASSERT_NE(read_file(plain), read_file(debug));  // the files do differ
  Result<std::string> plain_signature = artifact_signature(plain);
  Result<std::string> debug_signature = artifact_signature(debug);
  ASSERT_TRUE(plain_signature.ok()) << plain_signature.error().message;
  ASSERT_TRUE(debug_signature.ok()) << debug_signature.error().message;
  EXPECT_EQ(*plain_signature, *debug_signature);
}

TEST(SignatureTest, ChangesWithTheCode) {
  TempDir dir;
  Result<std::string> before = artifact_signature(compile(dir, "before", kProgram, {}));
  Result<std::string> after = artifact_signature(compile(dir, "after", kProgramWithOtherCode, {}));
  ASSERT_TRUE(before.ok()) << before.error().message;
  ASSERT_TRUE(after.ok()) << after.error().message;
  EXPECT_NE(*before, *after);
}

TEST(SignatureTest, Reads32BitElf) {
  TempDir dir;
  write_file(dir / "unit.c", kProgram);
  testing::CommandOutput compiled =
      testing::run_command({"cc", "-m32", "-c", "-o", dir / "unit32.o", dir / "unit.c"});
  if (compiled.exit_status != 0) {
    // No 32-bit headers: make the 32-bit object from a 64-bit one.
    must_run({"cc", "-c", "-o", dir / "unit64.o", dir / "unit.c"});
    must_run({"objcopy", "-O", "elf32-i386", dir / "unit64.o", dir / "unit32.o"});
  }
  ASSERT_NE(must_run({"readelf", "-h", dir / "unit32.o"}).find("ELF32"), std::string::npos);
  Result<std::string> signature = artifact_signature(dir / "unit32.o");
  ASSERT_TRUE(signature.ok()) << signature.error().message;
  EXPECT_EQ(*signature, expected_signature(dir / "unit32.o"));
}

TEST(SignatureTest, OtherFilesAreHashedWhole) {
  TempDir dir;
  write_file(dir / "image.bin", "not an ELF file\n");
  Result<std::string> signature = artifact_signature(dir / "image.bin");
  ASSERT_TRUE(signature.ok()) << signature.error().message;
  std::string sha256sum = must_run({"sha256sum", dir / "image.bin"});
  EXPECT_EQ(*signature, sha256sum.substr(0, 64));
}

TEST(SignatureTest, LargeFilesAreHashedWhole) {
  TempDir dir;
  std::string content;
  for (int i = 0; content.size() < (5u << 20); ++i) content += std::to_string(i) + "\n";
  write_file(dir / "big.img", content);
  Result<std::string> signature = artifact_signature(dir / "big.img");
  ASSERT_TRUE(signature.ok()) << signature.error().message;
  EXPECT_EQ(*signature, to_hex(sha256(content)));
}

TEST(SignatureTest, EmptyFileHasTheEmptyHash) {
  TempDir dir;
  write_file(dir / "empty", "");
  Result<std::string> signature = artifact_signature(dir / "empty");
  ASSERT_TRUE(signature.ok()) << signature.error().message;
  EXPECT_EQ(*signature, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(SignatureTest, MissingFileIsAnError) {
  TempDir dir;
  Result<std::string> signature = artifact_signature(dir / "vmlinux");
  ASSERT_FALSE(signature.ok());
  EXPECT_EQ(signature.error().message, "artifact not found: " + dir / "vmlinux");
}

TEST(SignatureTest, TruncatedElfIsAnErrorNamingTheFile) {
  TempDir dir;
  std::string program = read_file(compile(dir, "program", kProgram, {}));
  for (std::size_t size :
       {std::size_t{10}, std::size_t{40}, std::size_t{200}, program.size() / 2}) {
    std::string truncated = dir / ("truncated-" + std::to_string(size));
    write_file(truncated, program.substr(0, size));
    Result<std::string> signature = artifact_signature(truncated);
    ASSERT_FALSE(signature.ok()) << "size " << size;
    EXPECT_NE(signature.error().message.find(truncated), std::string::npos)
        << signature.error().message;
  }
}

}  // namespace
}  // namespace culprit::builder
