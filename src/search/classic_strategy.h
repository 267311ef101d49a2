// ClassicStrategy (`--strategy classic`): git bisect's stepping (search::Bisector) with syzbot's
// verdict rule (search::VerdictPolicy "classic"). Every commit gets one batch of --runs runs and
// one verdict, never revisited, and the bisector narrows the candidates by it.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "search/bisector.h"
#include "search/strategy.h"
#include "search/verdict_policy.h"

namespace culprit::search {

class ClassicStrategy final : public SearchStrategy {
 public:
  ClassicStrategy(const StrategyOptions& options, std::unique_ptr<VerdictPolicy> policy);

  std::string name() const override { return "classic"; }
  VerdictDecision judge_start(std::span<const RunSummary> runs, const TestCost& cost) override;
  VerdictDecision judge_release(std::span<const RunSummary> runs, const TestCost& cost) override;
  VerdictDecision judge_head(std::span<const RunSummary> runs, const TestCost& cost) override;
  // syzbot's release walk: the driver tests the thinned list itself, with judge_release.
  bool chooses_good_end() const override { return false; }
  void begin_ends(std::span<const EndCandidate>) override {}
  EndStep next_end() override;
  Recorded record_end(std::size_t, std::span<const RunSummary>, const TestCost&) override;
  Recorded record_end_build_failure(std::size_t, const TestCost&) override;
  void begin(const vcs::CommitGraph& graph, Index bad, std::size_t old_ends) override;
  SearchStep next() override;
  Recorded record(Point point, std::span<const RunSummary> runs, const TestCost& cost) override;
  Recorded record_build_failure(Point point, const TestCost& cost) override;
  double confidence() const override { return policy_->confidence(); }
  std::vector<Ranked> top(std::size_t) const override { return {}; }
  bool flaky() const override { return policy_->flaky(); }
  double repro_chance() const override { return policy_->repro_chance(); }
  // Confidence lines only with syzbot's statistical rule (10 runs or more).
  bool reports_confidence() const override { return options_.runs >= 10; }
  // One build at a time, as git bisect does, and one verdict per commit.
  bool revisits() const override { return false; }
  std::size_t kept_build_limit() const override { return 1; }
  std::vector<Point> kept_builds() const override { return {}; }

 private:
  // Applies a verdict: to the policy, and to the bisector as git's mark.
  Recorded mark(Point point, Recorded recorded);

  StrategyOptions options_;
  std::unique_ptr<VerdictPolicy> policy_;
  std::unique_ptr<Bisector> bisector_;
};

}  // namespace culprit::search
