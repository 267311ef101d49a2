// JobView: a running or finished job drawn from its events file (job/event_json.h), as the
// service's API and page show it. It folds the events, in order, into one JSON document:
//
//   "status"    where the job is now: phase, commit, step k of ~n, candidates left, runs done,
//               confidence
//   "progress"  one point per search step: candidates left and confidence (the page's chart)
//   "top"       the posterior's leaders, with subjects where known
//   "tested"    one row per batch: commit, subject, phase, verdict, crashed/total runs, titles,
//               build and test time, signature, compiler, and each run with its console files
//   "log"       the syzbot-style log
//   "result"    the --json document, once the job has finished
//   "events", "last_event_time", "resumes"
//
// The file is read incrementally: refresh() folds only what was appended since the last call. A
// job resumed after a kill appends a `job_started` with "resumed": true and replays its search;
// the view starts over there (counting the resume), so it never shows a batch twice.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace culprit::serve {

class JobView {
 public:
  explicit JobView(std::string events_path) : events_path_(std::move(events_path)) {}

  // Folds the complete lines appended to the file since the last call (a missing file is an
  // empty job). Lines that are not JSON (the tail of a writer killed mid-line) are counted and
  // skipped.
  void refresh();

  // The document; `with_log` false leaves out the log (a page that only redraws).
  nlohmann::json document(bool with_log) const;

  // Events folded so far; the SSE stream numbers events by line, from 1.
  std::size_t lines() const { return line_offsets_.size(); }
  // The byte offset where line `n` (1-based) starts, for streaming from a Last-Event-ID.
  std::size_t offset_of_line(std::size_t n) const;
  const std::string& events_path() const { return events_path_; }
  bool finished() const { return !result_.is_null(); }
  // The job's id in its state file (0 until the job has started).
  std::int64_t bisection_job() const { return header_.value("job", std::int64_t{0}); }

 private:
  void fold(const nlohmann::json& event);
  void start_over();
  nlohmann::json& batch_row(const std::string& commit);

  std::string events_path_;
  std::size_t read_offset_ = 0;            // bytes folded so far
  std::vector<std::size_t> line_offsets_;  // where each complete line starts
  std::size_t bad_lines_ = 0;

  nlohmann::json header_ = nlohmann::json::object();  // job, mode, strategy, start
  nlohmann::json status_ = nlohmann::json::object();
  nlohmann::json progress_ = nlohmann::json::array();
  nlohmann::json top_ = nlohmann::json::array();
  nlohmann::json tested_ = nlohmann::json::array();
  std::vector<std::string> log_;
  nlohmann::json result_;
  std::map<std::string, std::string> subjects_;
  double last_event_time_ = 0;
  int resumes_ = 0;
};

}  // namespace culprit::serve
