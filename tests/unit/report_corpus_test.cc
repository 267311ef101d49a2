// The console parser against syzkaller's crash-report corpus (shared/testdata, see FORMAT.md
// there). Every case file is one test; cases listed in report_expected_failures.txt must still
// fail (so the list stays honest) and the list must stay under 3% of the cases. A table of pass
// rates per directory is printed at the end.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "report/report.h"

namespace {

namespace fs = std::filesystem;
using culprit::report::CrashReport;

const fs::path kShared = CULPRIT_SHARED_DIR;
const fs::path kExpectedFailures =
    fs::path(CULPRIT_SOURCE_DIR) / "tests" / "unit" / "report_expected_failures.txt";

std::string read_bytes(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream data;
  data << file.rdbuf();
  return std::move(data).str();
}

struct CorpusCase {
  std::string suite;  // "linux_report", "linux_guilty", "all_report"
  fs::path path;
  std::string name() const { return suite + "_" + path.filename().string(); }
};

// Names printed by gtest for each case.
void PrintTo(const CorpusCase& corpus_case, std::ostream* out) {
  *out << corpus_case.name();
}

std::vector<CorpusCase> list_cases(const std::string& suite, const fs::path& dir) {
  std::vector<CorpusCase> cases;
  if (!fs::is_directory(dir)) return cases;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    // Only decimal names are cases (as upstream).
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    cases.push_back({suite, entry.path()});
  }
  std::sort(cases.begin(), cases.end(), [](const CorpusCase& a, const CorpusCase& b) {
    return std::stoul(a.path.filename().string()) < std::stoul(b.path.filename().string());
  });
  return cases;
}

std::vector<CorpusCase> all_cases() {
  std::vector<CorpusCase> cases = list_cases("linux_report", kShared / "testdata/linux/report");
  for (auto& c : list_cases("linux_guilty", kShared / "testdata/linux/guilty")) cases.push_back(c);
  for (auto& c : list_cases("all_report", kShared / "testdata/all/report")) cases.push_back(c);
  return cases;
}

// Case name -> reason, from the checked-in list ("name  reason", "#" comments).
std::map<std::string, std::string> expected_failures() {
  std::map<std::string, std::string> out;
  std::ifstream file(kExpectedFailures);
  std::string line;
  while (std::getline(file, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::size_t space = line.find_first_of(" \t");
    std::string name = line.substr(0, space);
    std::string reason =
        space == std::string::npos ? "" : line.substr(line.find_first_not_of(" \t", space));
    out[name] = reason;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reading report/ case files exactly as FORMAT.md section 1.1 says.

struct ReportCase {
  std::optional<std::string> title;
  std::vector<std::string> alt;
  std::string type;
  std::optional<std::string> frame;
  bool corrupted = false, suppressed = false, panicked = false;
  std::string executor;
  std::optional<std::string> start, end;
  std::string log;
  std::optional<std::string> report;
};

bool parse_flag(const std::string& value, const std::string& key) {
  if (value == "Y") return true;
  if (value == "N") return false;
  ADD_FAILURE() << "bad " << key << " value: " << value;
  return false;
}

ReportCase read_report_case(const fs::path& path) {
  std::string data = read_bytes(path);
  data.erase(std::remove(data.begin(), data.end(), '\r'), data.end());
  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (pos < data.size()) {
    std::size_t newline = data.find('\n', pos);
    if (newline == std::string::npos) newline = data.size();
    lines.push_back(data.substr(pos, newline - pos));
    pos = newline + 1;
  }
  ReportCase out;
  std::size_t i = 0;
  for (; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (line.empty()) {
      ++i;
      break;
    }
    if (line[0] == '#') continue;
    std::size_t colon = line.find(": ");
    std::string key = line.substr(0, colon);
    std::string value = colon == std::string::npos ? "" : line.substr(colon + 2);
    if (colon == std::string::npos && line.back() == ':') key = line.substr(0, line.size() - 1);
    if (key == "TITLE") {
      out.title = value;
    } else if (key == "ALT") {
      out.alt.push_back(value);
    } else if (key == "TYPE") {
      out.type = value;
    } else if (key == "FRAME") {
      out.frame = value;
    } else if (key == "CORRUPTED") {
      out.corrupted = parse_flag(value, key);
    } else if (key == "SUPPRESSED") {
      out.suppressed = parse_flag(value, key);
    } else if (key == "PANICKED") {
      out.panicked = parse_flag(value, key);
    } else if (key == "EXECUTOR") {
      out.executor = value;
    } else if (key == "START") {
      out.start = value;
    } else if (key == "END") {
      out.end = value;
    } else {
      ADD_FAILURE() << "unknown header " << key << " in " << path;
    }
  }
  bool in_report = false;
  for (; i < lines.size(); ++i) {
    if (!in_report && lines[i] == "REPORT:" && i > 0 && lines[i - 1].empty()) {
      in_report = true;
      out.report = "";
      continue;
    }
    std::string& target = in_report ? *out.report : out.log;
    target += lines[i];
    target += '\n';
  }
  if (out.start && !out.end) out.end = out.start;
  return out;
}

std::string executor_string(const CrashReport& report) {
  if (!report.executor) return "";
  return "proc=" + std::to_string(report.executor->proc) +
         ", id=" + std::to_string(report.executor->id);
}

// All differences between what the parser says and what the case expects (empty: pass).
std::vector<std::string> judge_report_case(const ReportCase& expected) {
  std::vector<std::string> problems;
  auto check = [&](bool ok, const std::string& what) {
    if (!ok) problems.push_back(what);
  };
  bool expect_crash = expected.title && !expected.title->empty();
  check(culprit::report::contains_crash(expected.log) == expect_crash,
        std::string("contains_crash should be ") + (expect_crash ? "true" : "false"));
  std::optional<CrashReport> report = culprit::report::parse_first(expected.log);
  if (report && report->title.empty()) problems.push_back("report with an empty title");
  if (!expect_crash) {
    if (report) problems.push_back("unexpected crash: " + report->title);
    return problems;
  }
  CrashReport got = report.value_or(CrashReport{});
  check(got.title == *expected.title,
        "title: got '" + got.title + "' want '" + *expected.title + "'");
  std::vector<std::string> got_alt = got.alt_titles;
  std::vector<std::string> want_alt = expected.alt;
  std::sort(got_alt.begin(), got_alt.end());
  std::sort(want_alt.begin(), want_alt.end());
  if (got_alt != want_alt) {
    std::string text = "alt titles: got [";
    for (const auto& alt : got_alt) text += "'" + alt + "' ";
    text += "] want [";
    for (const auto& alt : want_alt) text += "'" + alt + "' ";
    problems.push_back(text + "]");
  }
  std::string got_type = culprit::report::crash_type(got.title);
  check(got_type == expected.type, "type: got '" + got_type + "' want '" + expected.type + "'");
  check(got.type == got_type, "type field disagrees with the type table");
  check(got.corrupted == expected.corrupted,
        "corrupted: got " + std::to_string(got.corrupted) + " (" + got.corrupted_reason + ")");
  check(got.suppressed == expected.suppressed, "suppressed: got " + std::to_string(got.suppressed));
  check(got.panicked == expected.panicked, "panicked: got " + std::to_string(got.panicked));
  check(executor_string(got) == expected.executor,
        "executor: got '" + executor_string(got) + "' want '" + expected.executor + "'");
  if (expected.frame) {
    check(got.frame == *expected.frame,
          "frame: got '" + got.frame + "' want '" + *expected.frame + "'");
  }
  if (expected.report) check(got.report == *expected.report, "report text differs");
  if (!report) return problems;
  check(!got.report.empty(), "empty report text");
  check(got.start < got.end && got.end <= expected.log.size(), "start/end out of range");
  if (expected.start) {
    std::size_t want_start = expected.log.find(*expected.start);
    std::size_t want_end = expected.log.find(*expected.end) + expected.end->size();
    check(got.start == want_start && got.end == want_end,
          "position: got [" + std::to_string(got.start) + ", " + std::to_string(got.end) +
              ") want [" + std::to_string(want_start) + ", " + std::to_string(want_end) + ")");
  }
  if (got.start != 0) {
    auto again = culprit::report::parse_first(expected.log, got.start);
    check(again && again->title == got.title && again->start == got.start,
          "parsing from the report start does not find the same report");
  }
  auto after = culprit::report::parse_first(expected.log, got.end);
  check(!after || after->title != got.title, "parsing from the report end finds it again");
  return problems;
}

// ---------------------------------------------------------------------------------------------
// guilty/ case files (FORMAT.md section 2).

std::vector<std::string> judge_guilty_case(const fs::path& path) {
  std::string data = read_bytes(path);
  std::size_t split = data.find("\n\n");
  if (split == std::string::npos) return {"no blank line after the header"};
  std::string header = data.substr(0, split);
  std::string input = data.substr(split + 2);
  std::string want;
  std::istringstream header_lines(header);
  std::string line;
  auto trim = [](std::string s) {
    s.erase(0, s.find_first_not_of(" \t"));
    s.erase(s.find_last_not_of(" \t") + 1);
    return s;
  };
  while (std::getline(header_lines, line)) {
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    std::size_t colon = line.find(':');
    if (colon != std::string::npos && trim(line.substr(0, colon)) == "FILE") {
      want = trim(line.substr(colon + 1));
    }
  }
  auto report = culprit::report::parse_first(input);
  if (!report) return {"no crash found in the input"};
  std::string got = report->guilty_file;
  bool suffix =
      input.size() >= report->report.size() &&
      input.compare(input.size() - report->report.size(), std::string::npos, report->report) == 0;
  if (!suffix) {
    // Symbolized input repeats inlined frames, which can end the extracted report early: judge
    // the whole input instead (past the context lines, as upstream).
    std::string_view whole(input);
    got = culprit::report::guilty_file(
        report->title, whole.substr(std::min(report->report_prefix_len, whole.size())));
  }
  if (got != want) return {"guilty file: got '" + got + "' want '" + want + "'"};
  return {};
}

// ---------------------------------------------------------------------------------------------
// Tallies and the pass-rate table.

struct Tally {
  int passed = 0;
  int expected_failures = 0;
  int failed = 0;
};

std::map<std::string, Tally>& tallies() {
  static std::map<std::string, Tally> instance;
  return instance;
}

class PassRateTable : public ::testing::Environment {
 public:
  void TearDown() override {
    if (tallies().empty()) return;
    std::printf("\nReport corpus pass rates:\n");
    std::printf("  %-14s %7s %7s %9s %7s %8s\n", "directory", "cases", "passed", "expected",
                "failed", "rate");
    Tally total;
    int total_cases = 0;
    for (const auto& [suite, tally] : tallies()) {
      int cases = tally.passed + tally.expected_failures + tally.failed;
      total_cases += cases;
      total.passed += tally.passed;
      total.expected_failures += tally.expected_failures;
      total.failed += tally.failed;
      std::printf("  %-14s %7d %7d %9d %7d %7.1f%%\n", suite.c_str(), cases, tally.passed,
                  tally.expected_failures, tally.failed, 100.0 * tally.passed / cases);
    }
    std::printf("  %-14s %7d %7d %9d %7d %7.1f%%\n", "total", total_cases, total.passed,
                total.expected_failures, total.failed, 100.0 * total.passed / total_cases);
  }
};

const auto* const kPassRateTable = ::testing::AddGlobalTestEnvironment(new PassRateTable);

class ReportCorpus : public ::testing::TestWithParam<CorpusCase> {};

TEST_P(ReportCorpus, MatchesExpectations) {
  const CorpusCase& corpus_case = GetParam();
  std::vector<std::string> problems = corpus_case.suite == "linux_guilty"
                                          ? judge_guilty_case(corpus_case.path)
                                          : judge_report_case(read_report_case(corpus_case.path));
  static const std::map<std::string, std::string> known = expected_failures();
  Tally& tally = tallies()[corpus_case.suite];
  auto listed = known.find(corpus_case.name());
  if (listed != known.end()) {
    if (problems.empty()) {
      ++tally.passed;
      ADD_FAILURE() << corpus_case.name() << " passes now: remove it from " << kExpectedFailures;
      return;
    }
    ++tally.expected_failures;
    GTEST_SKIP() << "expected failure (" << listed->second << "): " << problems.front();
  }
  if (problems.empty()) {
    ++tally.passed;
    return;
  }
  ++tally.failed;
  for (const std::string& problem : problems) ADD_FAILURE() << corpus_case.path << ": " << problem;
}

INSTANTIATE_TEST_SUITE_P(Corpus, ReportCorpus, ::testing::ValuesIn(all_cases()),
                         [](const ::testing::TestParamInfo<CorpusCase>& info) {
                           return info.param.name();
                         });

TEST(ReportCorpusInventory, FindsTheWholeCorpus) {
  std::vector<CorpusCase> cases = all_cases();
  std::map<std::string, int> per_suite;
  for (const CorpusCase& c : cases) ++per_suite[c.suite];
  EXPECT_EQ(per_suite["linux_report"], 560);
  EXPECT_EQ(per_suite["linux_guilty"], 51);
  EXPECT_EQ(per_suite["all_report"], 6);
}

TEST(ReportCorpusInventory, ExpectedFailuresStayUnderThreePercent) {
  std::vector<CorpusCase> cases = all_cases();
  std::map<std::string, std::string> known = expected_failures();
  EXPECT_LT(known.size() * 100, cases.size() * 3)
      << known.size() << " expected failures out of " << cases.size() << " cases";
  for (const auto& [name, reason] : known) {
    EXPECT_FALSE(reason.empty()) << name << " needs a reason in " << kExpectedFailures;
    bool exists = std::any_of(cases.begin(), cases.end(),
                              [&](const CorpusCase& c) { return c.name() == name; });
    EXPECT_TRUE(exists) << name << " is not a corpus case";
  }
}

}  // namespace
