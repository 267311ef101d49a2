// The hand-written matchers of report/fast_match.h against RE2 on the patterns they stand for:
// the same answer (match or not, and the same groups) on every line of the report corpus, on its
// suffixes after each console prefix and space (the stack walk and the title read lines from
// there), and on generated lines made of the patterns' pieces.
#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "report/compiled_rules.h"
#include "report/console_lines.h"
#include "report/fast_match.h"
#include "report/oops_table.h"
#include "report/regex_util.h"
#include "support/test_support.h"

namespace {

namespace fs = std::filesystem;
using culprit::report::compile_pattern;
using culprit::report::search;
using culprit::report::detail::FrameNames;

const fs::path kShared = CULPRIT_SHARED_DIR;

// Every case file of the report corpus, whole.
const std::vector<std::string>& corpus_files() {
  static const std::vector<std::string> files = [] {
    std::vector<std::string> out;
    for (const char* dir : {"testdata/linux/report", "testdata/all/report"}) {
      if (!fs::is_directory(kShared / dir)) continue;
      for (const auto& entry : fs::directory_iterator(kShared / dir)) {
        out.push_back(culprit::testing::read_file(entry.path()));
      }
    }
    return out;
  }();
  return files;
}

// Every line of the corpus (without its "\n"), and each of its suffixes that starts after a
// space.
std::vector<std::string> corpus_texts() {
  std::vector<std::string> out;
  for (const std::string& data : corpus_files()) {
    std::istringstream lines(data);
    for (std::string line; std::getline(lines, line);) {
      out.push_back(line);
      for (std::size_t space = line.find(' '); space != std::string::npos;
           space = line.find(' ', space + 1)) {
        out.push_back(line.substr(space + 1));
      }
    }
  }
  return out;
}

// Lines made of the pieces the patterns are made of, at random (fixed seed).
std::vector<std::string> generated_texts() {
  static const char* const kPieces[] = {" ",
                                        "  ",
                                        "[<ffffffff8123abcd>]",
                                        "[ffff0000]",
                                        "[<0x12ab>]",
                                        "[0x]",
                                        "[<>]",
                                        "[",
                                        "]",
                                        "<",
                                        ">",
                                        "(",
                                        ")",
                                        " from ",
                                        ") from ",
                                        " (",
                                        "func",
                                        "foo_bar9",
                                        ".isra.0",
                                        "+0x12/0x40",
                                        ".",
                                        "+",
                                        ":",
                                        "::",
                                        " in ",
                                        "in",
                                        "<T as Tr>",
                                        "<a::b>",
                                        "\n",
                                        "\xff",
                                        "x",
                                        "0x",
                                        "a9",
                                        "_",
                                        "WARNING in",
                                        "in in",
                                        "\r",
                                        "[<0xg>]",
                                        " login: ",
                                        "syzkaller login: ",
                                        "** 12 printk messages dropped ** ",
                                        "<6>",
                                        "[   12.345678][ T100] ",
                                        "[ 1.2] ",
                                        "/",
                                        "a/b.c",
                                        ".h",
                                        "mm/slab.c:12",
                                        "drivers/x-y.h:3",
                                        "..c:1",
                                        "/.c:",
                                        "a.c:x",
                                        "x-.c:1",
                                        "_-.h:2",
                                        "/-.c:3",
                                        "[ T12]",
                                        "[C3]",
                                        "[  12.345]",
                                        "[1.]",
                                        "T",
                                        "C",
                                        "12",
                                        " Comm: syz.",
                                        "1.2 ",
                                        "3",
                                        "Comm: syz.4",
                                        "[<12>",
                                        "[12]>]",
                                        "-"};
  std::mt19937 random(13);
  std::vector<std::string> out;
  for (int i = 0; i < 200000; ++i) {
    std::string text;
    for (int n = static_cast<int>(random() % 12); n >= 0; --n) {
      text += kPieces[random() % std::size(kPieces)];
    }
    out.push_back(std::move(text));
  }
  return out;
}

const std::vector<std::string>& all_texts() {
  static const std::vector<std::string> texts = [] {
    std::vector<std::string> out = corpus_texts();
    std::vector<std::string> generated = generated_texts();
    out.insert(out.end(), generated.begin(), generated.end());
    return out;
  }();
  return texts;
}

// What RE2 gives: the groups of the first pattern that matches, those that took part.
std::optional<std::vector<std::string_view>> re2_frame_line(
    const std::vector<std::unique_ptr<RE2>>& patterns, std::string_view line) {
  for (const auto& pattern : patterns) {
    auto groups = search(*pattern, line);
    if (!groups) continue;
    std::vector<std::string_view> names;
    for (std::size_t i = 1; i < groups->size(); ++i) {
      if ((*groups)[i]) names.push_back(*(*groups)[i]);
    }
    return names;
  }
  return std::nullopt;
}

TEST(ReportFastMatchTest, TableHasTheFrameLinesTheMatcherStandsFor) {
  const auto& table = culprit::report::console_rules().frame_lines;
  ASSERT_EQ(table.size(), culprit::report::detail::kFastFrameLines.size());
  for (std::size_t i = 0; i < table.size(); ++i) {
    EXPECT_EQ(table[i], culprit::report::detail::kFastFrameLines[i]);
  }
}

TEST(ReportFastMatchTest, FrameLinesAsRe2) {
  std::vector<std::unique_ptr<RE2>> patterns;
  for (std::string_view pattern : culprit::report::detail::kFastFrameLines) {
    patterns.push_back(compile_pattern(pattern));
  }
  std::size_t matched = 0;
  for (const std::string& text : all_texts()) {
    auto expected = re2_frame_line(patterns, text);
    std::optional<FrameNames> got = culprit::report::detail::match_frame_line(text);
    ASSERT_EQ(got.has_value(), expected.has_value()) << text;
    if (!got) continue;
    ++matched;
    std::vector<std::string_view> names(got->names.begin(), got->names.begin() + got->count);
    ASSERT_EQ(names, *expected) << text;
    // The same bytes, not only equal ones.
    for (std::size_t i = 0; i < names.size(); ++i)
      ASSERT_EQ(names[i].data(), (*expected)[i].data());
  }
  EXPECT_GT(matched, 10000u);
}

// A matcher that gives group 1 of its pattern's leftmost match against RE2 on its pattern: the
// same bytes (not only equal ones), at least `min_matched` times.
void expect_group_as_re2(std::string_view pattern,
                         std::optional<std::string_view> (*matcher)(std::string_view),
                         std::size_t min_matched) {
  auto re = compile_pattern(pattern);
  std::size_t matched = 0;
  for (const std::string& text : all_texts()) {
    auto groups = search(*re, text);
    std::optional<std::string_view> expected;
    if (groups && (*groups)[1]) expected = *(*groups)[1];
    std::optional<std::string_view> got = matcher(text);
    ASSERT_EQ(got.has_value(), expected.has_value()) << pattern << " on " << text;
    if (!got) continue;
    ++matched;
    ASSERT_EQ(got->data(), expected->data()) << pattern << " on " << text;
    ASSERT_EQ(got->size(), expected->size()) << pattern << " on " << text;
  }
  EXPECT_GT(matched, min_matched) << pattern;
}

TEST(ReportFastMatchTest, FrameInTitleAsRe2) {
  expect_group_as_re2(culprit::report::detail::kFrameInTitle,
                      culprit::report::detail::match_frame_in_title, 10000);
}

// A matcher that says whether the text holds a match against RE2 on its pattern.
void expect_contains_as_re2(std::string_view pattern, bool (*matcher)(std::string_view)) {
  auto re = compile_pattern(pattern);
  std::size_t matched = 0;
  for (const std::string& text : all_texts()) {
    bool expected = RE2::PartialMatch(text, *re);
    ASSERT_EQ(matcher(text), expected) << pattern << " on " << text;
    matched += expected ? 1 : 0;
  }
  EXPECT_GT(matched, 1000u) << pattern;
}

TEST(ReportFastMatchTest, TagsAndTimestampsAsRe2) {
  using namespace culprit::report::detail;
  expect_contains_as_re2(kTaskTag, has_task_tag);
  expect_contains_as_re2(kCpuTag, has_cpu_tag);
  expect_contains_as_re2(kTimestamp, has_timestamp);
}

TEST(ReportFastMatchTest, ExecutorCommAsRe2) {
  auto pattern = compile_pattern(culprit::report::detail::kExecutorComm);
  std::size_t matched = 0;
  for (const std::string& text : all_texts()) {
    auto groups = search(*pattern, text);
    auto got = culprit::report::detail::match_executor_comm(text);
    ASSERT_EQ(got.has_value(), groups.has_value()) << text;
    if (!got) continue;
    ++matched;
    for (std::size_t i = 0; i < 2; ++i) {
      ASSERT_EQ((*got)[i].data(), (*(*groups)[i + 1]).data()) << text;
      ASSERT_EQ((*got)[i].size(), (*(*groups)[i + 1]).size()) << text;
    }
  }
  EXPECT_GT(matched, 100u);
}

TEST(ReportFastMatchTest, FileReferenceAsRe2) {
  expect_group_as_re2(culprit::report::detail::kFileReference,
                      culprit::report::detail::match_file_reference, 1000);
}

TEST(ReportFastMatchTest, ConsolePrefixAsRe2) {
  auto pattern = compile_pattern(culprit::report::detail::kConsolePrefix);
  std::size_t matched = 0;
  for (const std::string& text : all_texts()) {
    auto groups = search(*pattern, text);
    auto got = culprit::report::detail::match_console_prefix(text);
    ASSERT_EQ(got.has_value(), groups.has_value()) << text;
    if (!got) continue;
    ++matched;
    ASSERT_TRUE(got->timestamped);
    std::optional<std::string_view> tag = (*groups)[1];
    ASSERT_EQ(got->tag.data() != nullptr, tag.has_value()) << text;
    if (tag) {
      ASSERT_EQ(got->tag.data(), tag->data()) << text;
      ASSERT_EQ(got->tag.size(), tag->size()) << text;
    }
  }
  EXPECT_GT(matched, 1000u);
}

TEST(ReportFastMatchTest, LiteralAlternatives) {
  using culprit::report::literal_alternatives;
  EXPECT_EQ(literal_alternatives(R"((?:Call (?:T|t)race:)|(?:Backtrace:))"),
            (std::vector<std::string>{"Call Trace:", "Call trace:", "Backtrace:"}));
  EXPECT_EQ(literal_alternatives(R"(a\.b(c|d))"), (std::vector<std::string>{"a.bc", "a.bd"}));
  EXPECT_EQ(literal_alternatives("a.b"), std::nullopt);
  EXPECT_EQ(literal_alternatives("ab?"), std::nullopt);
  EXPECT_EQ(literal_alternatives(R"(a\d)"), std::nullopt);
  EXPECT_EQ(literal_alternatives("(a|b"), std::nullopt);
  EXPECT_EQ(literal_alternatives("(a|b)(c|d)(e|f)", 4), std::nullopt);
  // Searched by their literals or by RE2, the same answers.
  culprit::report::AnyPattern literals({"Kernel panic - not syncing", "PANIC: double fault"});
  culprit::report::AnyPattern regexps({"Kernel panic - not syncing", "PANIC: .* fault"});
  for (std::string_view text : {"x Kernel panic - not syncing: y", "PANIC: double fault", "PANIC",
                                "Kernel panic - not", ""}) {
    EXPECT_EQ(literals.found_in(text), regexps.found_in(text)) << text;
  }
  EXPECT_TRUE(literals.found_in("[ 1.0] PANIC: double fault"));
  EXPECT_FALSE(culprit::report::AnyPattern({}).found_in("anything"));
}

// The stack parts found by their literals start where RE2 finds them, in every case file.
TEST(ReportFastMatchTest, StackPartLiteralsAsRe2) {
  const std::vector<std::string>& texts = corpus_files();
  std::size_t finders = 0;
  for (const auto& stack : culprit::report::detail::compiled().stacks) {
    for (const auto* list : {&stack->parts_in_lines, &stack->fallback_parts_in_lines}) {
      for (const culprit::report::detail::PartFinder& finder : *list) {
        if (finder.literals.empty()) continue;
        ++finders;
        for (const std::string& text : texts) {
          re2::StringPiece match;
          std::size_t expected = std::string_view::npos;
          if (finder.in_lines->Match(text, 0, text.size(), RE2::UNANCHORED, &match, 1)) {
            expected = static_cast<std::size_t>(match.data() - text.data());
          }
          ASSERT_EQ(finder.find(text), expected) << finder.in_lines->pattern();
        }
      }
    }
  }
  EXPECT_GT(finders, 0u);
}

}  // namespace
