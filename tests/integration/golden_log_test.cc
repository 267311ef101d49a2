// Golden logs of whole `culprit bisect` runs with the command backend: what the driver
// (job/bisect_job) prints, line for line, and the --json document it writes, compared with files
// under tests/golden/ once times and temporary paths are masked. They pin down what users see, so
// that a change of the driver's code can show it changed none of it.
//
// To regenerate the golden files after an intended change of the output:
//   CULPRIT_UPDATE_GOLDEN=1 build/release/tests/golden_log_test
// then review `git diff tests/golden`.
//
// Every scenario is deterministic: the histories come from git fast-import with fixed names and
// dates (support/history.cc), so commit hashes are the same on every run, and the test commands
// depend only on the checkout and $CULPRIT_RUN. Each scenario runs kRepeats times (a fresh state
// file each time) and must give the same masked output every time before it is compared.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/culprit_binary.h"
#include "support/history.h"
#include "support/test_support.h"

namespace culprit::testing {
namespace {

using nlohmann::json;

constexpr int kRepeats = 3;

// Durations as format_duration prints them ("850ms", "21.4s", "6m12.5s", "2h54m3s") become
// <duration>, the temporary directory <tmp>. Commit hashes are hex, so they never hold an
// "h", "m" or "s" that could be taken for a unit.
std::string mask(const std::string& text, const std::string& temp_dir) {
  std::string masked = text;
  for (std::size_t at = masked.find(temp_dir); at != std::string::npos;
       at = masked.find(temp_dir, at)) {
    masked.replace(at, temp_dir.size(), "<tmp>");
  }
  static const std::regex duration(R"(\b(\d+h)?(\d+m)?\d+(\.\d+)?(ms|s)\b)");
  return std::regex_replace(masked, duration, "<duration>");
}

// The --json document with what varies from run to run masked: the times, and paths (the state
// file lives in the temporary directory). Other numbers are rounded to 6 significant digits, so
// that a last-bit difference of the floating-point math (another compiler, sanitizers) does not
// count, while any change a user could notice does.
json mask_json(const json& document, const std::string& temp_dir) {
  if (document.is_object()) {
    json masked = json::object();
    for (const auto& [key, value] : document.items()) {
      if (key == "time" && value.is_object()) {
        masked[key] = json::object();
        for (const auto& [name, seconds] : value.items()) masked[key][name] = "<duration>";
      } else if (key == "state") {
        masked[key] = "<state>";
      } else {
        masked[key] = mask_json(value, temp_dir);
      }
    }
    return masked;
  }
  if (document.is_array()) {
    json masked = json::array();
    for (const json& item : document) masked.push_back(mask_json(item, temp_dir));
    return masked;
  }
  if (document.is_string()) return mask(document.get<std::string>(), temp_dir);
  if (document.is_number_float()) {
    return std::stod(fmt::format("{:.6g}", document.get<double>()));
  }
  return document;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Where `actual` first departs from `expected`: a few lines of each from there, in the style of a
// unified diff ("-" expected, "+" actual), with the line number.
std::string first_difference(const std::string& expected, const std::string& actual) {
  const std::vector<std::string> want = split_lines(expected);
  const std::vector<std::string> got = split_lines(actual);
  std::size_t line = 0;
  while (line < want.size() && line < got.size() && want[line] == got[line]) ++line;
  constexpr std::size_t kShown = 6;
  std::string diff =
      fmt::format("@@ line {} (expected {} lines, got {}) @@\n", line + 1, want.size(), got.size());
  if (line > 0) diff += " " + want[line - 1] + "\n";
  for (std::size_t i = line; i < want.size() && i < line + kShown; ++i) {
    diff += "-" + want[i] + "\n";
  }
  for (std::size_t i = line; i < got.size() && i < line + kShown; ++i) diff += "+" + got[i] + "\n";
  return diff;
}

bool updating_golden() {
  const char* update = std::getenv("CULPRIT_UPDATE_GOLDEN");
  return update != nullptr && std::string(update) == "1";
}

// Compares `actual` with tests/golden/NAME, or writes it there with CULPRIT_UPDATE_GOLDEN=1.
void expect_golden(const std::string& name, const std::string& actual) {
  const std::string path = std::string(CULPRIT_SOURCE_DIR) + "/tests/golden/" + name;
  if (updating_golden()) {
    write_file(path, actual);
    std::cout << "[ golden ] wrote " << path << "\n";
    return;
  }
  ASSERT_TRUE(std::filesystem::exists(path))
      << path << " is missing; CULPRIT_UPDATE_GOLDEN=1 writes it";
  const std::string expected = read_file(path);
  EXPECT_TRUE(expected == actual) << name << " differs from the golden file " << path
                                  << " (CULPRIT_UPDATE_GOLDEN=1 rewrites it):\n"
                                  << first_difference(expected, actual);
}

// A history and the commits a scenario needs to name.
struct Story {
  History history;
  int bug = 0;    // brings the bug in: the cause culprit
  int fix = -1;   // fix mode: takes it out again
  int start = 0;  // --bad
  int add(std::vector<int> parents, const std::string& message, bool broken = false) {
    history.commits.push_back({std::move(parents), message, broken, ""});
    return static_cast<int>(history.commits.size()) - 1;
  }
  // The test command: `crash` where the checkout has the bug (commit i adds file f<i>) and not
  // the fix, but only on even run indices: a flaky reproducer that is flaky the same way every time
  // (a batch of 4 runs crashes twice). Where the checkout has the file `broken` (for strategies
  // that get that far: the classic scenarios' build fails there), odd runs cannot test (125).
  // Only odd ones: bayes asks again and again for a commit none of whose runs can test, as long as
  // its budget lasts.
  std::string test(const std::string& crash = "echo 'BUG: planted crash'; exit 1") const {
    std::string condition = fmt::format("[ -e f{} ]", bug);
    if (fix >= 0) condition += fmt::format(" && [ ! -e f{} ]", fix);
    return "[ -e broken ] && [ $((CULPRIT_RUN % 2)) = 1 ] && exit 125; if " + condition +
           " && [ $((CULPRIT_RUN % 2)) = 0 ]; then " + crash + "; fi; exit 0";
  }
};

// Cause mode: a topic branch merged before the bug, and a commit that does not build right after
// the bug, where git bisect's second step lands.
//
//   m0 - m1 - m2 - m3 - m4 - m5 - M - m6 - m7 (bug) - m8 (broken) - m9 - m10 - m11 (start)
//          \                     /
//           t1 ----- t2 ----- t3
Story cause_story() {
  Story story;
  const int m1 = story.add({story.add({}, "m0")}, "m1");
  int topic = m1;
  for (int i = 1; i <= 3; ++i) topic = story.add({topic}, "topic commit " + std::to_string(i));
  int head = m1;
  for (int i = 2; i <= 5; ++i) head = story.add({head}, "m" + std::to_string(i));
  head = story.add({head, topic}, "merge topic");
  head = story.add({head}, "m6");
  story.bug = head = story.add({head}, "m7: the bug");
  head = story.add({head}, "m8: breaks the build", true);
  head = story.add({head}, "m9: fixes the build");
  head = story.add({head}, "m10");
  story.start = story.history.tip = story.add({head}, "m11");
  return story;
}

// Fix mode, as in syzkaller issue 4117: a topic branch forked before the bug came in is merged
// after the start commit. Its commits do not crash, but they fix nothing.
//
//   m0 - m1 - m2 (bug) - m3 (start) - m4 - M - m5 - m6 (fix) - m7 - m8
//          \                              /
//           t1 - t2 - t3 - t4 - t5 - t6 --
Story fix_story() {
  Story story;
  const int m1 = story.add({story.add({}, "m0")}, "m1");
  story.bug = story.add({m1}, "m2: the bug");
  int topic = m1;
  for (int i = 1; i <= 6; ++i) topic = story.add({topic}, "topic commit " + std::to_string(i));
  story.start = story.add({story.bug}, "m3");
  const int merge = story.add({story.add({story.start}, "m4"), topic}, "merge topic");
  story.fix = story.add({story.add({merge}, "m5")}, "m6: the fix");
  story.history.tip = story.add({story.add({story.fix}, "m7")}, "m8");
  return story;
}

struct Scenario {
  std::string name;               // golden files tests/golden/NAME.log and NAME.json
  std::vector<std::string> args;  // `culprit bisect` arguments but --state, --log and --json
  int exit_status = 0;
};

// For the bayes scenarios: far more runs than they take (about 40), so that a change that sends
// bayes round in circles ends in a few seconds with a log that differs, rather than in a test that
// hangs. The budget is looked at only when it is spent: it changes nothing else.
constexpr const char* kBayesGuard = "runs=400";

class GoldenLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The command builder prints `$CC --version` as the compiler of every build: a fixed one.
    setenv("CC", "echo golden-cc", 1);
  }

  // Runs `scenario` kRepeats times, each time with a new state file; checks that the log file and
  // stdout agree and that the masked log and JSON are the same every time; then compares them
  // with the golden files.
  void check(const Scenario& scenario) {
    std::string first_log, first_json;
    for (int repeat = 0; repeat < kRepeats; ++repeat) {
      SCOPED_TRACE(fmt::format("{} run {}", scenario.name, repeat));
      const std::string base = dir_ / fmt::format("{}-{}", scenario.name, repeat);
      std::vector<std::string> args = scenario.args;
      args.insert(args.end(), {"--state", base + ".db", "--log", base + ".log"});
      Bisection bisection = run_culprit(args, base + ".json");
      ASSERT_EQ(bisection.output.exit_status, scenario.exit_status) << bisection.output.output;
      const std::string log = read_file(base + ".log");
      // Not a terminal: stdout (and stderr, which stays empty) is the log, without status lines.
      EXPECT_EQ(bisection.output.output, log);
      ASSERT_TRUE(bisection.result.is_object()) << read_file(base + ".json");
      const std::string masked_log = mask(log, dir_.path());
      const std::string masked_json = mask_json(bisection.result, dir_.path()).dump(2) + "\n";
      if (repeat == 0) {
        first_log = masked_log;
        first_json = masked_json;
        continue;
      }
      ASSERT_TRUE(masked_log == first_log) << "the masked log changed between runs:\n"
                                           << first_difference(first_log, masked_log);
      ASSERT_TRUE(masked_json == first_json) << "the masked JSON changed between runs:\n"
                                             << first_difference(first_json, masked_json);
    }
    expect_golden(scenario.name + ".log", first_log);
    expect_golden(scenario.name + ".json", first_json);
  }

  std::string repo() const { return dir_ / "repo"; }
  TempDir dir_;
};

// The masking itself: every form format_duration prints, and the temporary directory, but not
// the hashes and numbers around them.
TEST(GoldenMaskTest, MasksDurationsAndTheTemporaryDirectory) {
  EXPECT_EQ(mask("revisions tested: 9, total time: 2h54m3s (build: 850ms, test: 21.4s)", "/t"),
            "revisions tested: 9, total time: <duration> (build: <duration>, test: <duration>)");
  EXPECT_EQ(mask("6m12.5s 1m0s 0ms 59s", "/t"), "<duration> <duration> <duration> <duration>");
  EXPECT_EQ(mask("resuming job 1 from /tmp/x/s.db", "/tmp/x"), "resuming job 1 from <tmp>/s.db");
  const std::string hash_line = "[5fe82792ee1a1e57ae504d35f1f589378aaa3c5c] m8: 4 runs, 0.004";
  EXPECT_EQ(mask(hash_line, "/t"), hash_line);
}

// Bayes, cause mode: batches of runs on the same commits, false negative chances, the posterior
// after each step, runs that cannot test, a merge in the range, and the culprit's
// verification and revert (both PASS).
//
// No --build: with a build command the strategy weighs a new build by its measured time against
// more runs of a commit already built, and which commit it tests next would follow the machine's
// load. Without one, builds take no time and it weighs a build as one more batch of runs.
TEST_F(GoldenLogTest, CauseBayes) {
  const Story story = cause_story();
  const std::vector<std::string> hashes = write_history(story.history, repo());
  check({"cause_bayes",
         {"--repo", repo(), "--bad", hashes[story.start], "--good", hashes[0], "--runs", "4",
          "--jobs", "1", "--budget", kBayesGuard, "--test", story.test()}});
}

// Classic, cause mode: git bisect's lines, a build that fails (skipped), a merge in the range,
// build signatures of the culprit and its parent, a crash titled by its signal, and the
// verification and revert (both PASS). Classic does not look at times.
TEST_F(GoldenLogTest, CauseClassic) {
  const Story story = cause_story();
  const std::vector<std::string> hashes = write_history(story.history, repo());
  check({"cause_classic",
         {"--strategy", "classic", "--repo", repo(), "--bad", hashes[story.start], "--good",
          hashes[0], "--runs", "4", "--jobs", "1", "--build",
          "if [ -e broken ]; then echo 'error: broken file'; exit 1; fi; cat f* > built",
          "--artifact", "built", "--test", story.test("kill -ABRT $$")}});
}

// Bayes, fix mode: the head is tested first, the topic branch's merge base is measured and its
// commits tell nothing about the fix, and the fix is verified against its parent (no revert in
// fix mode). No --build, as for CauseBayes.
TEST_F(GoldenLogTest, FixBayes) {
  const Story story = fix_story();
  const std::vector<std::string> hashes = write_history(story.history, repo());
  check({"fix_bayes",
         {"--mode", "fix", "--repo", repo(), "--bad", hashes[story.start], "--good",
          hashes[story.history.tip], "--runs", "4", "--jobs", "1", "--budget", kBayesGuard,
          "--test", story.test()}});
}

// Classic, fix mode: commits without the bug are taken as crashing (syzbot's way), and the fix is
// verified.
TEST_F(GoldenLogTest, FixClassic) {
  const Story story = fix_story();
  const std::vector<std::string> hashes = write_history(story.history, repo());
  check({"fix_classic",
         {"--strategy", "classic", "--mode", "fix", "--repo", repo(), "--bad", hashes[story.start],
          "--good", hashes[story.history.tip], "--runs", "4", "--jobs", "1", "--test",
          story.test()}});
}

}  // namespace
}  // namespace culprit::testing
