// JobRunner: runs the service's queued jobs, up to K at once, each as its own
// `culprit bisect --job ...` process: the same driver as the command line, with the job file as
// submitted and the service's files for its state, result and events:
//
//   <state-dir>/jobs/N/job.toml      the job file as submitted
//   <state-dir>/jobs/N/culprit.db    the bisection's state (a retry uses its original's)
//   <state-dir>/jobs/N/events.jsonl  the driver's events (job/event_json.h), what pages draw
//   <state-dir>/jobs/N/result.json   the --json document
//   <state-dir>/jobs/N/output.txt    what the process printed
//
// A process per job keeps one job's crash or memory from taking the service down, and makes
// "one job, one owner" the store's owner lock. Each job process dies with the service (it is
// started with PR_SET_PDEATHSIG), its own orphan reaper then kills its builds and VMs, so a
// `kill -9` of the service leaves nothing running; on the next start, recover() resumes the jobs
// that were running from their recorded builds and runs.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"
#include "store/service_queue.h"

namespace culprit::serve {

class JobRunner {
 public:
  // `binary`: the culprit executable the jobs run (the service's own).
  JobRunner(store::ServiceQueue& queue, std::string binary, int max_jobs);
  ~JobRunner();
  JobRunner(const JobRunner&) = delete;
  JobRunner& operator=(const JobRunner&) = delete;

  // Before start(): the jobs a previous service left running. A process of theirs still alive is
  // killed (it would hold the job's owner lock); a job whose cancel was asked for is recorded as
  // cancelled; the others are started again first, and resume.
  Status recover();
  // Starts the thread that starts, watches and reaps the jobs.
  void start();
  // Stops that thread; running jobs are asked to stop between runs and are waited for.
  void stop();
  // A job was queued: look now rather than at the next tick.
  void wake();

  // Cancels job `id`: a queued one at once, a running one between two runs (SIGUSR1). Error: no
  // such job, or it has already ended.
  Status cancel(std::int64_t id);

  // The command line job `job` runs with.
  std::vector<std::string> bisect_argv(const store::QueuedJob& job) const;

 private:
  void loop();
  void reap();
  void start_queued();
  Result<pid_t> spawn(const store::QueuedJob& job);

  store::ServiceQueue& queue_;
  std::string binary_;
  int max_jobs_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool woken_ = false;
  std::map<pid_t, std::int64_t> children_;  // pid -> job, the jobs this service runs
  std::vector<store::QueuedJob> resume_first_;
  std::thread thread_;
};

// Reads `culprit bisect`'s exit status as the service's job state: done (found, inconclusive,
// horizon), cancelled, or error.
std::string state_for_exit(int exit_status);

}  // namespace culprit::serve
