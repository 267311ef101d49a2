// The ends of the range, checked before any search: the commit the bisection starts from must
// crash (else there is nothing to bisect), and in fix mode the fixed end must not.
#include "job/phases.h"

namespace culprit::job {

Result<TestedCommit> check_start(JobContext& job) {
  job.events.emit(PhaseStarted{Phase::start, job.start});
  job.events.print("ensuring issue is reproducible on original commit {}", job.start);
  auto first = judge(job, job.start, Phase::start);
  if (!first) return first.error();
  if (!first->built) {
    // Say so: "the crash wasn't reproduced" would send the user after the reproducer.
    std::string why = "build failed";
    if (auto build = job.store.build(job.job.id, first->tree); build && *build) {
      why = (*build)->error.empty() ? std::string(to_string((*build)->status)) : (*build)->error;
    }
    return make_error(
        fmt::format("the original commit {} does not build: {}", short_hash(job.start), why));
  }
  if (first->verdict() != Verdict::bad) {
    return make_error(fmt::format("the crash wasn't reproduced on the original commit {}",
                                  short_hash(job.start)));
  }
  return first;
}

Result<bool> check_fixed_end(JobContext& job, const std::string& fixed, BisectResult& result) {
  job.events.emit(PhaseStarted{Phase::head, fixed});
  job.events.print("testing current HEAD {}", fixed);
  auto head = judge(job, fixed, Phase::head);
  if (!head) return head.error();
  if (head->verdict() == Verdict::good) return true;
  result.kind = BisectResult::Kind::horizon;
  result.candidates = {fixed};
  job.events.line(head->verdict() == Verdict::bad ? "crash still not fixed"
                                                  : "HEAD had build or test errors");
  return false;
}

}  // namespace culprit::job
