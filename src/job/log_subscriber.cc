#include "job/log_subscriber.h"

#include <memory>

namespace culprit::job {

std::string status_text(const BatchStarted& batch, int done) {
  std::string text = fmt::format("[culprit] {} ", batch.commit.substr(0, 12));
  if (batch.steps_total > 0) {
    text += fmt::format("step {} of ~{}, {} candidates left, ", batch.step, batch.steps_total,
                        batch.candidates_left);
  } else if (batch.step > 0) {
    text += fmt::format("step {}, {} likely candidates, ", batch.step, batch.candidates_left);
  }
  text += fmt::format("runs {}/{}", done, batch.runs);
  if (batch.confidence) text += fmt::format(", confidence {:.2f}", *batch.confidence);
  return text;
}

void attach_log(EventBus& events, JobLog& log) {
  auto batch = std::make_shared<BatchStarted>();
  events.subscribe([&log, batch](const Event& event) {
    if (const auto* line = std::get_if<LogLine>(&event)) {
      log.line(line->text);
    } else if (const auto* started = std::get_if<JobStarted>(&event)) {
      log.expect_replay(started->recorded_log);
    } else if (const auto* started = std::get_if<BatchStarted>(&event)) {
      *batch = *started;
      log.status(status_text(*batch, 0));
    } else if (const auto* run = std::get_if<RunFinished>(&event)) {
      if (run->commit == batch->commit) log.status(status_text(*batch, run->done));
    } else if (std::holds_alternative<VerdictReached>(event) ||
               std::holds_alternative<PhaseStarted>(event) ||
               std::holds_alternative<JobFinished>(event)) {
      log.clear_status();
    }
  });
}

}  // namespace culprit::job
