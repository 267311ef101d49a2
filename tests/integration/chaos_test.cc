// Chaos: `culprit bisect` killed with SIGKILL at random moments -- in the start check, the release
// walk, the search, verification and the revert -- and resumed each time, until it finishes. Then:
//   - the answer equals the one of an uninterrupted run;
//   - no recorded run is ever lost (the runs in the store only grow, kill after kill);
//   - at most the runs in flight at a kill are done again (--jobs 2: two per kill);
//   - the state file passes PRAGMA integrity_check after every kill;
//   - no child process outlives a kill (the orphan reaper, base/orphan_reaper.h).
// CULPRIT_CHAOS_KILLS sets the number of kills (default 8, for the test command); the full run,
// bench/chaos.sh, asks for 100 and writes the figures docs/reliability.md shows.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "support/history.h"
#include "support/test_support.h"

extern char** environ;

namespace culprit::testing {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kCommits = 40;
constexpr int kCulprit = 25;

// Rows of a query on the state file, each row's columns joined by '|'.
std::vector<std::string> query(const std::string& path, const std::string& sql) {
  std::vector<std::string> rows;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return rows;
  }
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) == SQLITE_OK) {
    while (sqlite3_step(statement) == SQLITE_ROW) {
      std::string row;
      for (int i = 0; i < sqlite3_column_count(statement); ++i) {
        if (i > 0) row += '|';
        const auto* text = sqlite3_column_text(statement, i);
        row += text ? reinterpret_cast<const char*>(text) : "";
      }
      rows.push_back(row);
    }
  }
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return rows;
}

// Processes whose environment mentions `marker`: every child culprit starts for a run gets
// CULPRIT_CHECKOUT under the state's folder, and so do their children (the script's `sleep`).
std::vector<std::string> processes_with(const std::string& marker) {
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    auto read = [&](const char* file) {
      std::ifstream in(entry.path() / file, std::ios::binary);
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      for (char& c : text) c = c == '\0' ? ' ' : c;
      return text;
    };
    if (read("environ").find(marker) != std::string::npos) {
      found.push_back(name + ": " + read("cmdline"));
    }
  }
  return found;
}

struct Scenario {
  TempDir dir;
  std::vector<std::string> hashes;
  std::string script;
  std::string executions;  // one line per run the test command started: "COMMIT RUN"

  Scenario() {
    History history = make_linear_history(kCommits);
    for (int i = 0; i < kCommits; i += 10) history.commits[i].tag = "v1." + std::to_string(i / 10);
    hashes = write_history(history, dir / "repo");
    script = dir / "tools/chaos-test.sh";
    executions = dir / "executions";
    std::filesystem::create_directories(dir / "tools");
    write_file(script,
               "#!/bin/sh\n"
               "echo \"$CULPRIT_COMMIT $CULPRIT_RUN\" >> " +
                   executions +
                   "\n"
                   "sleep 0.15\n"
                   "if [ -e f" +
                   std::to_string(kCulprit) +
                   " ]; then echo 'BUG: chaos crash in f'; exit 1; fi\n");
    std::filesystem::permissions(script, std::filesystem::perms::owner_all);
  }

  std::vector<std::string> args(const std::string& state) const {
    return {CULPRIT_BINARY, "bisect",      "--repo", dir / "repo",
            "--bad",        hashes.back(), "--test", script,
            "--runs",       "3",           "--jobs", "2",
            "--state",      state,         "--json", state + ".json"};
  }
};

int wait_for(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

TEST(ChaosTest, KilledAtRandomAndResumedGivesTheSameAnswerAndLosesNothing) {
  const int kills =
      std::getenv("CULPRIT_CHAOS_KILLS") ? std::atoi(std::getenv("CULPRIT_CHAOS_KILLS")) : 8;
  Scenario scenario;

  // The uninterrupted answer, and how long it takes.
  const std::string reference_state = scenario.dir / "reference.db";
  const auto started = Clock::now();
  pid_t reference = spawn_in_background(scenario.args(reference_state));
  ASSERT_GT(reference, 0);
  int status = wait_for(reference);
  const double reference_s = std::chrono::duration<double>(Clock::now() - started).count();
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  const std::string expected = read_file(reference_state + ".json");
  ASSERT_NE(expected.find(scenario.hashes[kCulprit]), std::string::npos);
  std::filesystem::remove(scenario.executions);

  // Rounds of a fresh job each, killed until it finishes; kills land every ~2/kills of the
  // uninterrupted time, so that they spread over all the phases.
  std::mt19937 random(20261203);
  // Half the kills come soon after a start (the early phases, and replays), half anywhere in an
  // uninterrupted job's time (the later phases: verification and the revert).
  std::uniform_real_distribution<double> soon(0.05, std::max(0.3, 2 * reference_s / kills));
  std::uniform_real_distribution<double> anywhere(0.05, reference_s);
  std::bernoulli_distribution late(0.5);
  auto moment = [&](std::mt19937& random) {
    return late(random) ? anywhere(random) : soon(random);
  };
  int killed = 0, redone = 0, rounds = 0;
  std::size_t recorded_total = 0;
  std::map<std::string, int> phases_hit;
  while (killed < kills) {
    ASSERT_LT(++rounds, kills + 10) << "kills never landed";
    const std::string state = scenario.dir / ("chaos-" + std::to_string(rounds) + ".db");
    std::filesystem::remove(scenario.executions);
    std::set<std::string> recorded;  // "tree|index" of every run in the store so far
    int attempts = 0;
    const int killed_before = killed;
    for (bool finished = false; !finished;) {
      ASSERT_LT(++attempts, kills + 50) << "the job never finished";
      pid_t pid = spawn_in_background(scenario.args(state));
      ASSERT_GT(pid, 0);
      if (killed < kills) {
        std::this_thread::sleep_for(std::chrono::duration<double>(moment(random)));
        kill(pid, SIGKILL);
      }
      status = wait_for(pid);
      if (WIFSIGNALED(status)) {
        ++killed;
        // Where it was: the phase of the last step recorded.
        auto last = query(state, "SELECT phase FROM steps ORDER BY seq DESC LIMIT 1");
        ++phases_hit[last.empty() ? "(none)" : last[0]];
      } else {
        ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
        finished = true;
      }
      // Nothing of the killed process lives on (the reaper acts when culprit's pipe closes).
      std::vector<std::string> left;
      for (int wait = 0; wait < 50; ++wait) {
        left = processes_with("CULPRIT_CHECKOUT=" + scenario.dir.path());
        if (left.empty()) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      EXPECT_TRUE(left.empty()) << "orphans after kill " << killed << ": " << left.front();
      if (std::filesystem::exists(state)) {
        EXPECT_EQ(query(state, "PRAGMA integrity_check"), std::vector<std::string>{"ok"});
        std::vector<std::string> now = query(state, "SELECT tree || '|' || run_index FROM runs");
        std::set<std::string> runs(now.begin(), now.end());
        for (const std::string& run : recorded) {
          EXPECT_TRUE(runs.count(run)) << "run " << run << " was lost at kill " << killed;
        }
        recorded = runs;
      }
    }
    recorded_total += recorded.size();

    // The same answer.
    auto answer = [](const std::string& json) {
      auto at = json.find("\"culprit\"");
      return json.substr(at, json.find('\n', at) - at);
    };
    EXPECT_EQ(answer(read_file(state + ".json")), answer(expected));

    // At most the runs in flight at each kill (--jobs 2) were started again.
    std::map<std::string, int> started_runs;
    std::istringstream lines(read_file(scenario.executions));
    for (std::string line; std::getline(lines, line);) ++started_runs[line];
    int round_redone = 0;
    for (const auto& [run, times] : started_runs) round_redone += times - 1;
    EXPECT_LE(round_redone, 2 * (killed - killed_before));
    redone += round_redone;
  }

  std::string where;
  for (const auto& [phase, times] : phases_hit) where += " " + phase + "=" + std::to_string(times);
  std::printf(
      "chaos: kills %d in %d jobs, runs recorded %zu, runs lost 0, runs redone %d, orphans 0, "
      "uninterrupted job %.1f s; kills after the last step of:%s\n",
      killed, rounds, recorded_total, redone, reference_s, where.c_str());
}

}  // namespace
}  // namespace culprit::testing
