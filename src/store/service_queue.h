// ServiceQueue: the bisection service's list of jobs (`culprit serve`), in SQLite at
// `<state-dir>/serve.db`. A row is a submitted job: the job file it came with, where it runs, and
// where it is in its life:
//
//   queued -> running -> done | error | cancelled
//
// (a queued job can also be cancelled before it starts). The bisection itself keeps its builds
// and runs in its own state file (store/store.h); this table only says which jobs exist, which
// process owns a running one, and what people said about the result (retried, marked invalid).
// Every change is its own transaction, so a server killed at any moment restarts from here.
//
// One connection, used from the service's threads under a mutex.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

struct sqlite3;

namespace culprit::store {

struct QueuedJob {
  std::int64_t id = 0;
  std::string state;       // queued, running, done, error, cancelled
  std::string job_toml;    // the job file as submitted
  std::string base_dir;    // where its relative paths start (the submitter's folder)
  std::string state_path;  // the bisection's state file (a retry shares its original's)
  // Options the service adds to the job file's: {"runs": N, "confidence": X} for a retry.
  std::string overrides_json = "{}";
  std::int64_t retry_of = 0;               // the job this one retries; 0: none
  std::string created, started, finished;  // UTC, ISO 8601; "" until it happens
  long pid = 0;                            // the running job's process
  int exit_status = -1;                    // `culprit bisect`'s, when it ended
  std::string error;                       // why it ended in error, one line
  bool cancel_requested = false;
  std::string invalid_reason;  // "": not marked invalid
  std::string invalid_at;
};

class ServiceQueue {
 public:
  // Opens or creates `path`. Error names the file.
  static Result<std::unique_ptr<ServiceQueue>> open(const std::string& path);
  ~ServiceQueue();
  ServiceQueue(const ServiceQueue&) = delete;
  ServiceQueue& operator=(const ServiceQueue&) = delete;

  // Adds `job` in state queued (its id, state and created time are set here); returns its id. A
  // job whose state_path is empty gets `<dir>/jobs/<id>/culprit.db`, `dir` being serve.db's.
  Result<std::int64_t> add(const QueuedJob& job);
  Result<std::vector<QueuedJob>> list() const;  // oldest first
  Result<std::optional<QueuedJob>> get(std::int64_t id) const;
  // The oldest queued job, if any.
  Result<std::optional<QueuedJob>> next_queued() const;

  Status mark_running(std::int64_t id, long pid);
  // Ends a job: `state` is done, error or cancelled.
  Status mark_finished(std::int64_t id, const std::string& state, int exit_status,
                       const std::string& error);
  // A queued job is cancelled at once (true); a running one is flagged (false: the caller stops
  // its process). Error when the job does not exist.
  Result<bool> request_cancel(std::int64_t id);
  Status mark_invalid(std::int64_t id, const std::string& reason);
  // Jobs that were running when the service stopped, to be resumed.
  Result<std::vector<QueuedJob>> running() const;

  // The folder jobs' files live in: `<dir>/jobs/<id>`.
  std::string job_dir(std::int64_t id) const;

 private:
  struct Deleter {
    void operator()(sqlite3* db) const;
  };
  ServiceQueue(std::unique_ptr<sqlite3, Deleter> db, std::string path);
  Result<std::vector<QueuedJob>> select(const std::string& where, std::int64_t arg) const;

  mutable std::mutex mutex_;
  std::unique_ptr<sqlite3, Deleter> db_;
  std::string path_;
};

}  // namespace culprit::store
