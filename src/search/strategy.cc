#include "search/strategy.h"

#include <fmt/format.h>

#include "search/bayes_strategy.h"

namespace culprit::search {

namespace {

// git bisect's stepping with syzbot's verdict rule: every commit gets one batch of --runs runs and
// one verdict, and the bisector narrows the candidates by it.
class ClassicStrategy final : public SearchStrategy {
 public:
  ClassicStrategy(const StrategyOptions& options, std::unique_ptr<VerdictPolicy> policy)
      : options_(options), policy_(std::move(policy)) {}

  std::string name() const override { return "classic"; }

  VerdictDecision judge_start(std::span<const RunSummary> runs, const TestCost&) override {
    return policy_->learn_start(runs);
  }
  VerdictDecision judge_release(std::span<const RunSummary> runs, const TestCost&) override {
    return policy_->decide(runs);
  }
  VerdictDecision judge_head(std::span<const RunSummary> runs, const TestCost&) override {
    return policy_->decide(runs);
  }

  void begin(const vcs::CommitGraph& graph, Index bad, std::size_t) override {
    bisector_ = std::make_unique<Bisector>(graph, bad);
  }

  SearchStep next() override {
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

  Recorded record(Point point, std::span<const RunSummary> runs, const TestCost&) override {
    Recorded recorded;
    recorded.decision = policy_->decide(runs);
    return mark(point, std::move(recorded));
  }

  Recorded record_build_failure(Point point, const TestCost&) override {
    Recorded recorded;
    recorded.decision.verdict = Verdict::skip;
    recorded.decision.reason = "build failed";
    return mark(point, std::move(recorded));
  }

  double confidence() const override { return policy_->confidence(); }
  std::vector<Ranked> top(std::size_t) const override { return {}; }
  bool flaky() const override { return policy_->flaky(); }
  double repro_chance() const override { return policy_->repro_chance(); }
  bool reports_confidence() const override { return options_.runs >= 10; }
  // One build at a time, as git bisect does, and one verdict per commit.
  bool revisits() const override { return false; }
  std::size_t kept_build_limit() const override { return 1; }
  std::vector<Point> kept_builds() const override { return {}; }

 private:
  Recorded mark(Point point, Recorded recorded) {
    policy_->after_step(recorded.decision);
    const Verdict verdict = recorded.decision.verdict;
    // A crash is git's "bad" in cause mode; in fix mode the fixed state is git's "bad".
    if (verdict == Verdict::bad) recorded.mark = options_.fix_mode ? Mark::good : Mark::bad;
    if (verdict == Verdict::good) recorded.mark = options_.fix_mode ? Mark::bad : Mark::good;
    if (verdict == Verdict::skip) recorded.mark = Mark::skip;
    bisector_->mark(point, recorded.mark);
    return recorded;
  }

  StrategyOptions options_;
  std::unique_ptr<VerdictPolicy> policy_;
  std::unique_ptr<Bisector> bisector_;
};

}  // namespace

Result<std::unique_ptr<SearchStrategy>> make_search_strategy(const std::string& name,
                                                             const StrategyOptions& options) {
  if (name == "classic") {
    auto policy = make_verdict_policy("classic");
    if (!policy) return policy.error();
    return std::unique_ptr<SearchStrategy>(new ClassicStrategy(options, std::move(*policy)));
  }
  if (name == "bayes") return std::unique_ptr<SearchStrategy>(new BayesStrategy(options));
  return make_error(fmt::format("unknown strategy: {} (known: bayes, classic)", name));
}

}  // namespace culprit::search
