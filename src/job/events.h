// Events: what a running job tells the world. The driver emits them as it goes; subscribers turn
// them into output: the syzbot-style log (stdout and --log), the live status line, the store's
// copy of the log, and anything later (a web page). Each event carries what a reader needs to
// draw the job without re-reading the log: the range left at each step, every tested commit's
// builds, runs and titles, and the posterior's leaders.
//
// Delivery is synchronous and in order, on the driver's thread: when emit() returns, every
// subscriber has seen the event. Records that a resume depends on (builds, runs, verdicts) are
// written to the store by the driver itself before their event is emitted, so that no subscriber
// can lose them.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/build_status.h"
#include "base/phase.h"
#include "base/run_outcome.h"
#include "base/verdict.h"

namespace culprit::job {

// A candidate and how likely it is the culprit; `commit` empty: "older than the range".
struct RankedCommit {
  std::string commit;
  double probability = 0;
};

struct JobStarted {
  std::int64_t job = 0;
  std::string state_path;
  std::string mode;      // "cause" or "fix"
  std::string strategy;  // "bayes" or "classic"
  std::string start;     // the commit the bisection starts from
  bool resumed = false;  // a job found in the store, replayed from its records
  // Resumed: the log lines earlier sessions recorded. The job replays them first; a subscriber
  // that keeps a log (a file, the store) need not keep them twice.
  std::vector<std::string> recorded_log;
};

struct PhaseStarted {
  Phase phase = Phase::start;
  std::string commit;  // the commit the phase is about, when it has one
};

// The search picked `commit` to test next.
struct CommitChosen {
  std::string commit;
  std::string subject;
  std::size_t step = 0;             // 1-based step of the range search
  std::size_t steps_total = 0;      // classic's estimate of all steps; 0: unknown
  std::size_t candidates_left = 0;  // candidates (classic) or likely candidates (bayes)
  std::vector<RankedCommit> top;    // the posterior's leaders before this test (bayes)
};

// A batch of runs of one commit begins (after its build).
struct BatchStarted {
  std::string commit;
  std::string subject;  // the commit's subject line
  Phase phase = Phase::start;
  int runs = 0;
  std::size_t step = 0, steps_total = 0, candidates_left = 0;  // as in CommitChosen
  std::optional<double> confidence;                            // when the strategy reports one
};

struct BuildFinished {
  std::string commit;
  std::string tree;
  BuildStatus status = BuildStatus::ok;
  bool reused = false;  // recorded earlier (a resumed job, a tree tested before)
  std::string signature;
  std::string compiler;
  std::string error;  // failed builds: one line
  double duration_s = 0;
  std::vector<std::string> artifacts;  // files kept under the job folder (config, build log)
};

struct RunFinished {
  std::string commit;
  std::string tree;
  int index = 0;
  RunOutcome outcome = RunOutcome::ok;
  std::string title;
  std::vector<std::string> alt_titles;
  double duration_s = 0;
  std::vector<std::string> console_files;  // where the console is kept, under the job folder
  int done = 0, total = 0;                 // runs of this batch finished so far, of all
};

// The runs of a batch, judged.
struct VerdictReached {
  std::string commit;
  Phase phase = Phase::start;
  Verdict verdict = Verdict::skip;
  int first_run = 0;                    // index of the batch's first run
  std::vector<std::string> run_labels;  // how each run of the batch counts
};

// The posterior after a step of a strategy that keeps one.
struct PosteriorUpdated {
  double confidence = 0;
  std::vector<RankedCommit> top;
};

// One line of the syzbot-style log.
struct LogLine {
  std::string text;
};

struct JobFinished {
  std::string result;   // "found", "inconclusive", "horizon", "error", "cancelled"
  nlohmann::json json;  // the --json document
};

using Event = std::variant<JobStarted, PhaseStarted, CommitChosen, BatchStarted, BuildFinished,
                           RunFinished, VerdictReached, PosteriorUpdated, LogLine, JobFinished>;

class EventBus {
 public:
  using Subscriber = std::function<void(const Event&)>;
  // Returns a number for unsubscribe(): a subscriber that captures things shorter-lived than the
  // bus must leave before they go.
  std::size_t subscribe(Subscriber subscriber) {
    subscribers_.push_back(std::move(subscriber));
    return subscribers_.size() - 1;
  }
  void unsubscribe(std::size_t id) { subscribers_.at(id) = nullptr; }
  void emit(const Event& event) const {
    for (const Subscriber& subscriber : subscribers_) {
      if (subscriber) subscriber(event);
    }
  }

  // Log lines.
  void line(std::string text) const { emit(LogLine{std::move(text)}); }
  template <typename... Args>
  void print(fmt::format_string<Args...> format, Args&&... args) const {
    line(fmt::format(format, std::forward<Args>(args)...));
  }

 private:
  std::vector<Subscriber> subscribers_;
};

}  // namespace culprit::job
