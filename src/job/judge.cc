// Turning a batch's runs into a verdict: the log's run lines, the step in the store, the event.
#include <algorithm>

#include "job/phases.h"

namespace culprit::job {

Status conclude(JobContext& job, TestedCommit& tested, const search::VerdictDecision& decision) {
  tested.decision = decision;
  std::vector<std::string> labels;
  if (tested.built) {
    // The decision may describe every run of the commit so far: print this batch's.
    const auto& all_labels = tested.decision.run_labels;
    const std::size_t from =
        all_labels.size() > tested.batch.size() ? all_labels.size() - tested.batch.size() : 0;
    labels.assign(all_labels.begin() + static_cast<std::ptrdiff_t>(from), all_labels.end());
    if (!labels.empty() && std::all_of(labels.begin(), labels.end(),
                                       [&](const std::string& l) { return l == labels[0]; })) {
      job.events.print("all runs: {}", labels[0]);
    } else {
      for (std::size_t i = 0; i < labels.size(); ++i) {
        job.events.print("run #{}: {}", tested.first_run + static_cast<int>(i), labels[i]);
      }
    }
    if (tested.decision.verdict == Verdict::skip && !tested.decision.reason.empty() &&
        tested.decision.more_runs == 0) {
      job.events.line(tested.decision.reason);
    }
    if (tested.decision.verdict == Verdict::good && job.strategy->reports_confidence()) {
      job.events.print("false negative chance: {:.3f}", tested.decision.false_negative);
    }
  }
  job.events.emit(
      VerdictReached{tested.commit, tested.phase, tested.verdict(), tested.first_run, labels});

  store::StepRecord step;
  step.seq = ++job.step_seq;
  step.commit = tested.commit;
  step.tree = tested.tree;
  step.phase = tested.phase;
  step.verdict = tested.verdict();
  if (Status stored = job.store.put_step(job.job.id, step); !stored.ok()) return stored.error();
  job.tested.push_back(tested);
  if (tested.decision.infra_abort) {
    std::string why = tested.decision.reason;
    for (const store::RunRecord& run : tested.runs) {
      if (run.outcome == RunOutcome::infra_error && !run.title.empty()) {
        why = run.title;
        break;
      }
    }
    return make_error(fmt::format("infrastructure errors testing {}: {}", tested.commit, why));
  }
  return {};
}

Result<TestedCommit> judge(JobContext& job, const std::string& commit, Phase phase) {
  int runs = job.options.runs;
  for (;;) {
    auto tested = evaluate(job, commit, phase, runs);
    if (!tested) return tested.error();
    search::VerdictDecision decision;
    if (!tested->built) {
      decision.verdict = Verdict::skip;
      decision.reason = "build failed";
    } else if (phase == Phase::start) {
      decision = job.strategy->judge_start(tested->all, tested->cost);
    } else if (phase == Phase::release) {
      decision = job.strategy->judge_release(tested->all, tested->cost);
    } else {
      decision = job.strategy->judge_head(tested->all, tested->cost);
    }
    if (Status concluded = conclude(job, *tested, decision); !concluded.ok()) {
      return concluded.error();
    }
    if (decision.more_runs <= 0) return tested;
    runs = decision.more_runs;
  }
}

}  // namespace culprit::job
