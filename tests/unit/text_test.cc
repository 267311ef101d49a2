#include "base/text.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace culprit {
namespace {

using Lines = std::vector<std::string_view>;

TEST(SplitLines, LinesWithoutTheirEndsAndNoEmptyLastLine) {
  EXPECT_EQ(split_lines("a\nb\n"), (Lines{"a", "b"}));
  EXPECT_EQ(split_lines("a\r\n\r\nb"), (Lines{"a", "", "b"}));
  EXPECT_EQ(split_lines("\n"), (Lines{""}));
  EXPECT_TRUE(split_lines("").empty());
}

TEST(FirstLine, IsEverythingBeforeTheFirstNewline) {
  EXPECT_EQ(first_line("title\n\nbody\n"), "title");
  EXPECT_EQ(first_line("only"), "only");
  EXPECT_EQ(first_line(""), "");
}

TEST(Trim, RemovesBlanksAtBothEnds) {
  EXPECT_EQ(trim(" \tgcc-12 \r\n"), "gcc-12");
  EXPECT_EQ(trim("a b"), "a b");
  EXPECT_EQ(trim(" \t\r\n"), "");
}

TEST(ParseInt, WholeDecimalNumbersInRangeOnly) {
  EXPECT_EQ(parse_int("3632", 1, 65535), 3632);
  EXPECT_EQ(parse_int("1", 1, 1), 1);
  EXPECT_FALSE(parse_int("0", 1, 65535).has_value());
  EXPECT_FALSE(parse_int("65536", 1, 65535).has_value());
  EXPECT_FALSE(parse_int("12ab", 1, 65535).has_value());
  EXPECT_FALSE(parse_int(" 12", 1, 65535).has_value());
  EXPECT_FALSE(parse_int("", 1, 65535).has_value());
  EXPECT_FALSE(parse_int("99999999999", 1, 65535).has_value());
}

TEST(Lower, LowerCasesAsciiLettersOnly) {
  EXPECT_EQ(lower("Signed-Off-By: Alice@Example.COM"), "signed-off-by: alice@example.com");
  EXPECT_EQ(lower("\xc3\x89"), "\xc3\x89");  // bytes of other encodings stay
}

}  // namespace
}  // namespace culprit
