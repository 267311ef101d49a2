// The terminal's view of a job: log lines to the JobLog (stdout, --log FILE) and the live status
// line under them (commit, step k of ~n, candidates left, runs done, confidence).
#pragma once

#include "job/events.h"
#include "job/job_log.h"

namespace culprit::job {

// Subscribes `log` to `events`; `log` must outlive the bus.
void attach_log(EventBus& events, JobLog& log);

// The status line for a batch with `done` runs finished.
std::string status_text(const BatchStarted& batch, int done);

}  // namespace culprit::job
