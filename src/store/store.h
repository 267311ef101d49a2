// Store: the job's memory in SQLite (WAL). Every build, run, verdict and log line is written as
// soon as it exists, each in its own transaction, so `kill -9` loses at most the runs in flight
// and running the same job again resumes from what is here.
//
// Results are keyed by git *tree*, not commit: two commits with the same tree are one build and
// share their runs.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/build_status.h"
#include "base/phase.h"
#include "base/result.h"
#include "base/run_outcome.h"
#include "base/verdict.h"

struct sqlite3;

namespace culprit::store {

struct JobRecord {
  std::int64_t id = 0;
  std::string key;          // identity of the job: what must match to resume it
  std::string params_json;  // the job's parameters, for `culprit show`
  std::string state;        // "running", "done", "error"
  std::string result_json;  // the final JSON result, when done
  std::string created;      // UTC, ISO 8601
};

struct BuildRecord {
  std::string tree;
  std::string commit;  // the commit it was built from
  BuildStatus status = BuildStatus::ok;
  std::string signature;
  std::string compiler;
  double duration_s = 0;
  std::string log_tail;
  std::string error;
};

// One run of the reproducer and what the console parser found in it, so that nothing needs to
// parse the console again.
struct RunRecord {
  std::string tree;
  int index = 0;
  RunOutcome outcome = RunOutcome::ok;
  std::string title;
  std::string type;
  std::vector<std::string> alt_titles;  // the parser's other names of the crash
  int exit_status = -1;
  double duration_s = 0;
  // Written by put_run; runs() leaves it empty (consoles are read one at a time by console(), so
  // a job never holds them all in memory).
  std::string console;  // bounded by the runner
};

// One tested commit and the verdict it got, in the order they were decided.
struct StepRecord {
  std::int64_t seq = 0;  // 0 in put_step: the next number
  std::string commit;
  std::string tree;
  Phase phase = Phase::bisect;
  Verdict verdict = Verdict::skip;
};

class Store {
 public:
  // Creates the file and schema if needed. Error names the file: "cannot open state file X: ...".
  static Result<Store> open(const std::string& path);
  // For commands that only read (`jobs`, `show`): never writes to the file (no journal-mode
  // change, no schema), works on a read-only file, and refuses another program's database.
  static Result<Store> open_read_only(const std::string& path);

  Store(Store&&) noexcept;
  Store& operator=(Store&&) noexcept;
  ~Store();

  // The file it was opened from, as given.
  const std::string& path() const { return path_; }

  // Jobs, oldest first; a job is found again by its key (what must match to resume it).
  Result<std::vector<JobRecord>> jobs() const;
  Result<std::optional<JobRecord>> job_by_key(const std::string& key) const;
  Result<std::optional<JobRecord>> job_by_id(std::int64_t id) const;
  // A new job in state "running".
  Result<JobRecord> create_job(const std::string& key, const std::string& params_json);
  // Sets the job's state ("done", "error", "cancelled", or "running" again when resumed) and its
  // result document.
  Status finish_job(std::int64_t job, const std::string& state, const std::string& result_json);
  // Replaces the job's parameters: those that are not part of its key (who reported the bug) may
  // change when it is run again.
  Status set_job_params(std::int64_t job, const std::string& params_json);

  // The job's build of `tree`, if one was recorded; put_build replaces an earlier one (a build
  // that hit an infrastructure error and was tried again).
  Result<std::optional<BuildRecord>> build(std::int64_t job, const std::string& tree) const;
  Status put_build(std::int64_t job, const BuildRecord& build);

  // Every recorded run of `tree`, by run index, without consoles.
  Result<std::vector<RunRecord>> runs(std::int64_t job, const std::string& tree) const;
  // One run's console ("" when there is no such run).
  Result<std::string> console(std::int64_t job, const std::string& tree, int index) const;
  Status put_run(std::int64_t job, const RunRecord& run);

  // The verdicts, in the order the job reached them; put_step with seq 0 appends.
  Result<std::vector<StepRecord>> steps(std::int64_t job) const;
  Status put_step(std::int64_t job, const StepRecord& step);

  // The job's log, line by line, as `culprit show` prints it.
  Status append_log(std::int64_t job, const std::string& line);
  Result<std::vector<std::string>> log(std::int64_t job) const;

 private:
  struct Deleter {
    void operator()(sqlite3* db) const;
  };
  Store(std::unique_ptr<sqlite3, Deleter> db, std::string path);

  std::unique_ptr<sqlite3, Deleter> db_;
  std::string path_;
};

}  // namespace culprit::store
