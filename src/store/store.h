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

#include "base/result.h"

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
  std::string commit;     // the commit it was built from
  std::string status;     // builder::to_string(BuildResult::Status)
  std::string signature;
  std::string compiler;
  double duration_s = 0;
  std::string log_tail;
  std::string error;
};

struct RunRecord {
  std::string tree;
  int index = 0;
  std::string outcome;  // to_string(RunOutcome)
  std::string title;
  std::string type;
  int exit_status = -1;
  double duration_s = 0;
  std::string console;  // bounded by the runner
};

// One tested commit and the verdict it got, in the order they were decided.
struct StepRecord {
  std::int64_t seq = 0;
  std::string commit;
  std::string tree;
  std::string phase;    // "start", "release", "bisect"
  std::string verdict;  // "good", "bad", "skip"
};

class Store {
 public:
  // Creates the file and schema if needed. Error names the file: "cannot open state file X: ...".
  static Result<Store> open(const std::string& path);

  Store(Store&&) noexcept;
  Store& operator=(Store&&) noexcept;
  ~Store();

  const std::string& path() const { return path_; }

  Result<std::vector<JobRecord>> jobs() const;
  Result<std::optional<JobRecord>> job_by_key(const std::string& key) const;
  Result<std::optional<JobRecord>> job_by_id(std::int64_t id) const;
  Result<JobRecord> create_job(const std::string& key, const std::string& params_json);
  Status finish_job(std::int64_t job, const std::string& state, const std::string& result_json);

  Result<std::optional<BuildRecord>> build(std::int64_t job, const std::string& tree) const;
  Status put_build(std::int64_t job, const BuildRecord& build);

  Result<std::vector<RunRecord>> runs(std::int64_t job, const std::string& tree) const;
  Status put_run(std::int64_t job, const RunRecord& run);

  Result<std::vector<StepRecord>> steps(std::int64_t job) const;
  Status put_step(std::int64_t job, const StepRecord& step);

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
