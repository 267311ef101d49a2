#include "search/classic_strategy.h"

#include <utility>

namespace culprit::search {

ClassicStrategy::ClassicStrategy(const StrategyOptions& options,
                                 std::unique_ptr<VerdictPolicy> policy)
    : options_(options), policy_(std::move(policy)) {}

VerdictDecision ClassicStrategy::judge_start(std::span<const RunSummary> runs, const TestCost&) {
  return policy_->learn_start(runs);
}

VerdictDecision ClassicStrategy::judge_release(std::span<const RunSummary> runs, const TestCost&) {
  return policy_->decide(runs);
}

VerdictDecision ClassicStrategy::judge_head(std::span<const RunSummary> runs, const TestCost&) {
  return policy_->decide(runs);
}

EndStep ClassicStrategy::next_end() {
  EndStep step;
  step.reason = "the classic strategy walks syzbot's release list instead";
  return step;
}

Recorded ClassicStrategy::record_end(std::size_t, std::span<const RunSummary> runs,
                                     const TestCost&) {
  Recorded recorded;
  recorded.decision = policy_->decide(runs);
  return recorded;
}

Recorded ClassicStrategy::record_end_build_failure(std::size_t, const TestCost&) {
  Recorded recorded;
  recorded.decision.reason = "build failed";
  return recorded;
}

void ClassicStrategy::begin(const vcs::CommitGraph& graph, Index bad, std::size_t) {
  bisector_ = std::make_unique<Bisector>(graph, bad);
}

SearchStep ClassicStrategy::next() {
  const BisectStep step = bisector_->next();
  SearchStep next;
  next.candidates_left = bisector_->candidate_count();
  switch (step.kind) {
    case BisectStep::Kind::found:
      next.kind = SearchStep::Kind::found;
      next.point = step.commit;
      break;
    case BisectStep::Kind::only_skipped:
      next.kind = SearchStep::Kind::inconclusive;
      next.reason = "There are only 'skip'ped commits left to test.";
      next.candidates.assign(step.candidates.begin(), step.candidates.end());
      break;
    case BisectStep::Kind::test:
      next.kind = SearchStep::Kind::test;
      next.tests = {{step.commit, options_.runs}};
      next.log_git_lines = true;
      next.revisions_left = step.revisions_left;
      next.steps_left = step.steps_left;
      break;
  }
  return next;
}

Recorded ClassicStrategy::record(Point point, std::span<const RunSummary> runs, const TestCost&) {
  Recorded recorded;
  recorded.decision = policy_->decide(runs);
  return mark(point, std::move(recorded));
}

Recorded ClassicStrategy::record_build_failure(Point point, const TestCost&) {
  Recorded recorded;
  recorded.decision.verdict = Verdict::skip;
  recorded.decision.reason = "build failed";
  return mark(point, std::move(recorded));
}

Recorded ClassicStrategy::mark(Point point, Recorded recorded) {
  policy_->after_step(recorded.decision);
  const Verdict verdict = recorded.decision.verdict;
  // A crash is git's "bad" in cause mode; in fix mode the fixed state is git's "bad".
  if (verdict == Verdict::bad) recorded.mark = options_.fix_mode ? Mark::good : Mark::bad;
  if (verdict == Verdict::good) recorded.mark = options_.fix_mode ? Mark::bad : Mark::good;
  if (verdict == Verdict::skip) recorded.mark = Mark::skip;
  bisector_->mark(point, recorded.mark);
  return recorded;
}

}  // namespace culprit::search
