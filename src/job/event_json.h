// Events as JSON: one object per driver event (job/events.h), with its "type" ("job_started",
// "phase_started", "commit_chosen", "batch_started", "build_finished", "run_finished",
// "verdict_reached", "posterior_updated", "log", "job_finished"), its fields under their C++ names,
// and "time", the wall-clock second it was written (Unix time, for the page-update latency).
//
// `culprit bisect --events FILE` appends them to FILE one line each (JSON lines); the service
// (src/serve) reads that file to draw a running job and to stream it to browsers. A resumed job
// appends to the same file: its `job_started` has "resumed": true and the job replays its events
// from there, so a reader that starts over at such a line draws the job right.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "job/events.h"

namespace culprit::job {

nlohmann::json event_to_json(const Event& event);
// The "type" name of `event`.
std::string_view event_type(const Event& event);

// Appends each event of a bus to a JSON-lines file, one write(2) per line, so that a reader never
// sees half a line unless the writer was killed in the middle of one; a line left half-written by
// a killed writer is ended before the next one, so readers can skip it as one bad line.
class EventFile {
 public:
  // Opens (creating or appending) `path`. Error names the file.
  static Result<std::unique_ptr<EventFile>> open(const std::string& path);
  ~EventFile();
  EventFile(const EventFile&) = delete;
  EventFile& operator=(const EventFile&) = delete;

  void write(const Event& event);

 private:
  explicit EventFile(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace culprit::job
