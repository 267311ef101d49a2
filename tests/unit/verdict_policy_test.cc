#include "search/verdict_policy.h"

#include <gtest/gtest.h>

#include <cmath>

namespace culprit::search {
namespace {

RunSummary ok() {
  return {RunOutcome::ok, "", "", {}};
}
RunSummary crash(const std::string& title, const std::string& type = "KASAN") {
  return {RunOutcome::crashed, title, type, {}};
}
RunSummary cannot_test() {
  return {RunOutcome::cannot_test, "boot failed", "", {}};
}
RunSummary infra(const std::string& why = "VM did not start") {
  return {RunOutcome::infra_error, why, "", {}};
}

// `count` copies of `run` appended to `runs`.
std::vector<RunSummary>& add(std::vector<RunSummary>& runs, std::size_t count,
                             const RunSummary& run) {
  runs.insert(runs.end(), count, run);
  return runs;
}

std::vector<RunSummary> runs_of(std::size_t crashes, std::size_t oks, std::size_t skips = 0,
                                std::size_t infras = 0) {
  std::vector<RunSummary> runs;
  add(runs, crashes, crash("KASAN: use-after-free in foo"));
  add(runs, oks, ok());
  add(runs, skips, cannot_test());
  add(runs, infras, infra());
  return runs;
}

std::unique_ptr<VerdictPolicy> classic() {
  auto policy = make_verdict_policy("classic");
  EXPECT_TRUE(policy.ok());
  return std::move(policy).value();
}

TEST(VerdictPolicy, FactoryKnowsClassicOnly) {
  EXPECT_EQ(classic()->name(), "classic");
  const auto unknown = make_verdict_policy("bayes");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().message, "unknown strategy: bayes (known: classic)");
}

TEST(VerdictPolicy, VerdictNames) {
  EXPECT_EQ(to_string(Verdict::good), "good");
  EXPECT_EQ(to_string(Verdict::bad), "bad");
  EXPECT_EQ(to_string(Verdict::skip), "skip");
}

TEST(ClassicPolicy, TenRunThresholds) {
  auto policy = classic();
  // wantBad = max(2, 10/6) = 2, wantGood = wantTotal = 5.
  EXPECT_EQ(policy->decide(runs_of(0, 10)).verdict, Verdict::good);
  EXPECT_EQ(policy->decide(runs_of(0, 5, 5)).verdict, Verdict::good);
  EXPECT_EQ(policy->decide(runs_of(0, 4, 6)).verdict, Verdict::skip);
  EXPECT_EQ(policy->decide(runs_of(2, 8)).verdict, Verdict::bad);
  EXPECT_EQ(policy->decide(runs_of(10, 0)).verdict, Verdict::bad);
  EXPECT_EQ(policy->decide(runs_of(2, 3, 5)).verdict, Verdict::bad);
  EXPECT_EQ(policy->decide(runs_of(2, 2, 6)).verdict, Verdict::skip);  // too few tested
  // One crash in ten is neither good nor bad.
  const VerdictDecision one_crash = policy->decide(runs_of(1, 9));
  EXPECT_EQ(one_crash.verdict, Verdict::skip);
  EXPECT_FALSE(one_crash.infra_abort);
  EXPECT_EQ(one_crash.reason.rfind("unable to determine the verdict: ", 0), 0u) << one_crash.reason;
}

TEST(ClassicPolicy, TwentyRunsWantThreeCrashes) {
  auto policy = classic();
  EXPECT_EQ(policy->decide(runs_of(2, 18)).verdict, Verdict::skip);
  EXPECT_EQ(policy->decide(runs_of(3, 17)).verdict, Verdict::bad);
  // Infra errors do not count towards wantBad's base: (20 - 8) / 6 = 2.
  EXPECT_EQ(policy->decide(runs_of(2, 10, 0, 8)).verdict, Verdict::bad);
}

TEST(ClassicPolicy, InfraErrorsAbortOnlyWhenTheyOutnumberSkips) {
  auto policy = classic();
  const VerdictDecision infra_heavy = policy->decide(runs_of(0, 2, 2, 6));
  EXPECT_EQ(infra_heavy.verdict, Verdict::skip);
  EXPECT_TRUE(infra_heavy.infra_abort);
  const VerdictDecision skip_heavy = policy->decide(runs_of(0, 2, 6, 2));
  EXPECT_EQ(skip_heavy.verdict, Verdict::skip);
  EXPECT_FALSE(skip_heavy.infra_abort);
}

TEST(ClassicPolicy, FewRunsAreDeterministic) {
  auto policy = classic();
  EXPECT_EQ(policy->decide(runs_of(1, 0)).verdict, Verdict::bad);
  EXPECT_EQ(policy->decide(runs_of(1, 5)).verdict, Verdict::bad);
  EXPECT_EQ(policy->decide(runs_of(0, 1)).verdict, Verdict::good);
  EXPECT_EQ(policy->decide(runs_of(0, 1, 3, 3)).verdict, Verdict::good);
  const VerdictDecision untestable = policy->decide(runs_of(0, 0, 1));
  EXPECT_EQ(untestable.verdict, Verdict::skip);
  EXPECT_FALSE(untestable.infra_abort);
  const VerdictDecision infra_only = policy->decide(runs_of(0, 0, 0, 1));
  EXPECT_EQ(infra_only.verdict, Verdict::skip);
  EXPECT_TRUE(infra_only.infra_abort);
  EXPECT_EQ(policy->decide(runs_of(0, 0, 1, 1)).verdict, Verdict::skip);
  EXPECT_FALSE(policy->decide(runs_of(0, 0, 1, 1)).infra_abort);
}

TEST(ClassicPolicy, RunLabelsInRunOrder) {
  auto policy = classic();
  const std::vector<RunSummary> runs{ok(), crash("WARNING in bar"), cannot_test(),
                                     infra("qemu exited with status 1")};
  const VerdictDecision decision = policy->decide(runs);
  EXPECT_EQ(decision.run_labels,
            (std::vector<std::string>{"OK", "crashed: WARNING in bar", "skip: cannot test",
                                      "infra: qemu exited with status 1"}));
  EXPECT_DOUBLE_EQ(decision.bad_ratio, 0.5);
}

TEST(ClassicPolicy, TransientCrashesAreIgnoredOnceStartTypesAreKnown) {
  auto policy = classic();
  std::vector<RunSummary> mixed;
  add(mixed, 3, crash("lost connection to test machine", "LOST_CONNECTION"));
  add(mixed, 7, ok());
  // Before learning the start commit, every crash counts.
  EXPECT_EQ(policy->decide(mixed).verdict, Verdict::bad);

  const VerdictDecision start = policy->learn_start(runs_of(10, 10));
  EXPECT_EQ(start.verdict, Verdict::bad);
  const VerdictDecision later = policy->decide(mixed);
  EXPECT_EQ(later.verdict, Verdict::good);
  EXPECT_EQ(later.run_labels[0], "ignore: lost connection to test machine");
  std::vector<RunSummary> syz_failure;
  add(syz_failure, 5, crash("SYZFAIL: failed to recv rpc", "SYZ_FAILURE"));
  add(syz_failure, 5, ok());
  EXPECT_EQ(policy->decide(syz_failure).verdict, Verdict::good);
  // Other crash types still count, whatever their title.
  std::vector<RunSummary> other;
  add(other, 2, crash("general protection fault in baz", "GPF"));
  add(other, 8, ok());
  EXPECT_EQ(policy->decide(other).verdict, Verdict::bad);
}

TEST(ClassicPolicy, TransientTypeOfTheStartCommitCounts) {
  auto policy = classic();
  std::vector<RunSummary> start;
  add(start, 12, crash("lost connection to test machine", "LOST_CONNECTION"));
  add(start, 8, ok());
  ASSERT_EQ(policy->learn_start(start).verdict, Verdict::bad);
  std::vector<RunSummary> later;
  add(later, 3, crash("lost connection to test machine", "LOST_CONNECTION"));
  add(later, 7, ok());
  EXPECT_EQ(policy->decide(later).verdict, Verdict::bad);
}

TEST(ClassicPolicy, StartCommitSetsReproChanceAndFlakiness) {
  auto policy = classic();
  const VerdictDecision start = policy->learn_start(runs_of(4, 16));
  EXPECT_EQ(start.verdict, Verdict::bad);
  EXPECT_DOUBLE_EQ(policy->repro_chance(), 0.2);
  EXPECT_TRUE(policy->flaky());
  // Flaky: GOOD needs 3/4 of the runs (10 * 3 / 4 = 7).
  EXPECT_EQ(policy->decide(runs_of(0, 6, 4)).verdict, Verdict::skip);
  EXPECT_EQ(policy->decide(runs_of(0, 7, 3)).verdict, Verdict::good);

  auto steady = classic();
  steady->learn_start(runs_of(20, 0));
  EXPECT_DOUBLE_EQ(steady->repro_chance(), 1.0);
  EXPECT_FALSE(steady->flaky());
  EXPECT_EQ(steady->decide(runs_of(0, 6, 4)).verdict, Verdict::good);
}

TEST(ClassicPolicy, ConfidenceAndReproChanceFollowTheSteps) {
  auto policy = classic();
  policy->learn_start(runs_of(15, 5));  // repro chance 0.75
  EXPECT_DOUBLE_EQ(policy->repro_chance(), 0.75);
  EXPECT_DOUBLE_EQ(policy->confidence(), 1.0);

  const VerdictDecision good = policy->decide(runs_of(0, 2, 8));  // 10 runs, 2 good: too few
  EXPECT_EQ(good.verdict, Verdict::skip);
  const VerdictDecision good5 = policy->decide(runs_of(0, 5, 5));
  ASSERT_EQ(good5.verdict, Verdict::good);
  EXPECT_DOUBLE_EQ(good5.false_negative, std::pow(0.25, 5));
  policy->after_step(good5);
  EXPECT_DOUBLE_EQ(policy->confidence(), 1 - std::pow(0.25, 5));

  // A BAD with ratio 0.25 lowers the repro chance to the mean, and marks the bug flaky.
  const VerdictDecision bad = policy->decide(runs_of(2, 6, 2));
  ASSERT_EQ(bad.verdict, Verdict::bad);
  EXPECT_DOUBLE_EQ(bad.bad_ratio, 0.25);
  policy->after_step(bad);
  EXPECT_DOUBLE_EQ(policy->repro_chance(), 0.5);
  EXPECT_TRUE(policy->flaky());
  EXPECT_DOUBLE_EQ(policy->confidence(), 1 - std::pow(0.25, 5));  // BAD steps keep it

  // A BAD that reproduces more often never raises the repro chance.
  policy->after_step(policy->decide(runs_of(10, 0)));
  EXPECT_DOUBLE_EQ(policy->repro_chance(), 0.5);

  const VerdictDecision good10 = policy->decide(runs_of(0, 10));
  EXPECT_DOUBLE_EQ(good10.false_negative, std::pow(0.5, 10));
  policy->after_step(good10);
  EXPECT_DOUBLE_EQ(policy->confidence(), (1 - std::pow(0.25, 5)) * (1 - std::pow(0.5, 10)));
}

}  // namespace
}  // namespace culprit::search
