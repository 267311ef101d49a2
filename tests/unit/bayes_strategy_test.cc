// The search strategies through their common interface: the bayes posterior on small DAGs against
// hand-written formulas, its exact ancestor sums, its choice of tests and when it stops; the
// classic strategy against the Bisector it wraps.
#include "search/bayes_strategy.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>
#include <set>

#include "job/bisect_job.h"
#include "support/synthetic_history.h"

namespace culprit::search {
namespace {

using testing::make_synthetic_history;
using testing::SyntheticHistoryOptions;
using vcs::CommitGraph;

CommitGraph make_graph(const std::vector<std::vector<Index>>& parents) {
  CommitGraph::Builder builder;
  for (std::size_t i = 0; i < parents.size(); ++i) {
    vcs::Oid oid;
    oid.bytes[0] = static_cast<std::uint8_t>(i + 1);
    builder.add_indexed(oid, parents[i], static_cast<std::int64_t>(i));
  }
  return std::move(builder).build();
}

constexpr const char* kBugTitle = "KASAN: use-after-free in bug";

RunSummary ok() {
  return {};
}
RunSummary crash(const std::string& title = kBugTitle) {
  RunSummary run;
  run.outcome = RunOutcome::crashed;
  run.title = title;
  return run;
}

// A model whose rates do not move (huge Beta priors), so posteriors can be written down by hand.
BayesModel pinned_model(double repro, double unrelated) {
  BayesModel model;
  model.rates.repro_alpha = repro * 1e9;
  model.rates.repro_beta = (1 - repro) * 1e9;
  model.rates.unrelated_alpha = unrelated * 1e9;
  model.rates.unrelated_beta = (1 - unrelated) * 1e9;
  return model;
}

// Per-run probabilities of {ok, crash with the bug's title, other crash} with and without the bug.
struct RunModel {
  double p, f, m, u;
  double with_bug(int outcome) const {
    const double values[3] = {(1 - p) * (1 - f), p * m + (1 - p) * f * u,
                              p * (1 - m) + (1 - p) * f * (1 - u)};
    return values[outcome];
  }
  double without_bug(int outcome) const {
    const double values[3] = {1 - f, f * u, f * (1 - u)};
    return values[outcome];
  }
};

//   0 - 1 ------ 3 - 4        3 merges the side branch 2, forked from 0
//    \          /
//     `-- 2 ---'
const std::vector<std::vector<Index>> kMergeGraph = {{}, {0}, {0}, {1, 2}, {3}};

TEST(BayesStrategyTest, PosteriorOnADagWithASideBranchMatchesTheHandComputation) {
  const CommitGraph graph = make_graph(kMergeGraph);
  const BayesModel model = pinned_model(0.9, 0.01);
  StrategyOptions options;
  options.runs = 2;
  BayesStrategy strategy(options, model);
  EXPECT_EQ(strategy.judge_start({{crash(), crash(), crash()}}, {}).verdict, Verdict::bad);
  EXPECT_EQ(strategy.bug_titles().count(kBugTitle), 1u);
  strategy.begin(graph, 4, 1);

  // The side branch crashes with the bug's title once and runs clean once; the mainline commit 1
  // runs clean twice; the good end (point 5) crashes with another title.
  strategy.record(2, std::vector<RunSummary>{crash(), ok()}, {});
  strategy.record(1, std::vector<RunSummary>{ok(), ok()}, {});
  strategy.record(5, std::vector<RunSummary>{crash("WARNING in something else"), ok()}, {});

  const RunModel run{0.9, 0.01, model.rates.title_match, model.rates.unrelated_match};
  // Likelihood ratios (bug present vs absent) of each tested point.
  const double at2 = run.with_bug(1) * run.with_bug(0) / (run.without_bug(1) * run.without_bug(0));
  const double at1 = std::pow(run.with_bug(0) / run.without_bug(0), 2);
  const double at5 = run.with_bug(2) * run.with_bug(0) / (run.without_bug(2) * run.without_bug(0));
  const double candidate = (1 - model.older_prior) / 5;
  // Under culprit c the bug is present on c's descendants; "older" has it everywhere.
  const double weights[6] = {
      candidate * at1 * at2,  // 0: 1 and 2 descend from it
      candidate * at1,        // 1
      candidate * at2,        // 2
      candidate,              // 3: the merge, nothing tested after it
      candidate,              // 4
      model.older_prior * at1 * at2 * at5,
  };
  double total = 0;
  for (const double weight : weights) total += weight;
  for (Point c = 0; c < 5; ++c) {
    EXPECT_NEAR(strategy.posterior(c), weights[c] / total, 1e-9) << "candidate " << c;
  }
  EXPECT_NEAR(strategy.posterior_older(), weights[5] / total, 1e-9);
  // P(new) at the merge sums every ancestor once: 0, 1, 2, 3 and "older".
  const double older = weights[5] / total;
  EXPECT_NEAR(strategy.probability_new(3),
              (weights[0] + weights[1] + weights[2] + weights[3]) / total + older, 1e-9);
  EXPECT_NEAR(strategy.probability_new(2), (weights[0] + weights[2]) / total + older, 1e-9);
  EXPECT_NEAR(strategy.probability_new(4), 1.0, 1e-9);
  EXPECT_NEAR(strategy.probability_new(5), older, 1e-9);
}

// The posterior integrates over the unknown rates p and f. Against brute force on a small DAG:
// every hypothesis's likelihood integrated over (p, f) under their Beta priors by a fine midpoint
// rule (600 x 600 cells), with the start commit's runs and an old end's. This checks both the
// grouping of candidates into classes and that the quadrature grid is exact enough.
TEST(BayesStrategyTest, PosteriorOverUnknownRatesMatchesBruteForceIntegration) {
  //   0 - 1 ------ 4 - 5 - 6      4 merges the side branch 2 - 3, forked from 0
  //    \          /
  //     `- 2 - 3 -'
  const CommitGraph graph = make_graph({{}, {0}, {0}, {2}, {1, 3}, {4}, {5}});
  const BayesModel model;  // p ~ Beta(1, 1), f ~ Beta(1, 49): not pinned
  StrategyOptions options;
  options.runs = 10;
  BayesStrategy strategy(options, model);
  const std::string other = "WARNING in something else";
  auto batch = [&](int ok_runs, int bug, int unrelated) {
    std::vector<RunSummary> runs;
    for (int i = 0; i < ok_runs; ++i) runs.push_back(ok());
    for (int i = 0; i < bug; ++i) runs.push_back(crash());
    for (int i = 0; i < unrelated; ++i) runs.push_back(crash(other));
    return runs;
  };
  const std::vector<RunSummary> start = batch(6, 4, 0);
  ASSERT_EQ(strategy.judge_start(start, {}).verdict, Verdict::bad);
  strategy.begin(graph, 6, 1);
  struct Tested {
    Point point;
    int ok, match, other;
  };
  const std::vector<Tested> tests = {{3, 7, 2, 1}, {1, 10, 0, 0}, {5, 8, 2, 0},
                                     {3, 9, 1, 0}, {7, 9, 0, 1},  {2, 10, 0, 0}};
  std::map<Point, Tested> totals;
  for (const Tested& t : tests) {
    strategy.record(t.point, batch(t.ok, t.match, t.other), {});
    Tested& total = totals.try_emplace(t.point, Tested{t.point, 0, 0, 0}).first->second;
    total.ok += t.ok;
    total.match += t.match;
    total.other += t.other;
  }

  // Brute force. Hypothesis c in 0..6 (the culprit) or 7 ("older"); point 7 is the old end.
  auto descends = [&](Point x, Point c) {  // is c an ancestor-or-self of x?
    std::vector<Point> stack = {x};
    std::set<Point> seen;
    while (!stack.empty()) {
      const Point at = stack.back();
      stack.pop_back();
      if (at == c) return true;
      if (!seen.insert(at).second) continue;
      for (const Index parent : graph.parents(at)) stack.push_back(parent);
    }
    return false;
  };
  constexpr int kCells = 600;
  std::vector<double> log_terms[8];
  double p_mean_numerator = 0, total = 0;
  const double m = model.rates.title_match, u = model.rates.unrelated_match;
  std::vector<double> weights(8, 0);
  for (int i = 0; i < kCells; ++i) {
    const double p = (i + 0.5) / kCells;
    for (int j = 0; j < kCells; ++j) {
      const double f = (j + 0.5) / kCells;
      const double prior = 49 * std::pow(1 - f, 48) / (kCells * kCells);  // Beta(1,49) x Beta(1,1)
      const RunModel run{p, f, m, u};
      auto log_runs = [&](int k_ok, int k_match, int k_other, bool present) {
        return present
                   ? k_ok * std::log(run.with_bug(0)) + k_match * std::log(run.with_bug(1)) +
                         k_other * std::log(run.with_bug(2))
                   : k_ok * std::log(run.without_bug(0)) + k_match * std::log(run.without_bug(1)) +
                         k_other * std::log(run.without_bug(2));
      };
      const double at_start = log_runs(6, 4, 0, true);
      for (int h = 0; h < 8; ++h) {
        double log_l = at_start;
        for (const auto& [point, t] : totals) {
          const bool present = h == 7 || (point < 7 && descends(point, static_cast<Point>(h)));
          log_l += log_runs(t.ok, t.match, t.other, present);
        }
        const double hypothesis_prior = h == 7 ? model.older_prior : (1 - model.older_prior) / 7;
        const double w = prior * hypothesis_prior * std::exp(log_l);
        weights[h] += w;
        p_mean_numerator += w * p;
        total += w;
      }
    }
  }
  double worst = 0;
  for (int h = 0; h < 7; ++h) {
    const double exact = weights[h] / total;
    EXPECT_NEAR(strategy.posterior(static_cast<Point>(h)), exact, 1e-4) << "candidate " << h;
    worst = std::max(worst, std::abs(strategy.posterior(static_cast<Point>(h)) - exact));
  }
  EXPECT_NEAR(strategy.posterior_older(), weights[7] / total, 1e-4);
  EXPECT_NEAR(strategy.repro_chance(), p_mean_numerator / total, 1e-3);
  // The runs point at 3 (the side branch's second commit: it crashes, its parent 2 does not).
  EXPECT_GT(weights[3] / total, 0.5);
  std::printf(
      "posterior of 3: %.5f (brute force %.5f); largest difference %.2g; mean p %.4f "
      "(brute force %.4f)\n",
      strategy.posterior(3), weights[3] / total, worst, strategy.repro_chance(),
      p_mean_numerator / total);
}

TEST(BayesStrategyTest, FixModeMirrorsCauseMode) {
  // Fix mode: commits at and after the fix do not crash. The fix is 2 on the side branch: 2, 3
  // and 4 are fixed.
  const CommitGraph graph = make_graph(kMergeGraph);
  StrategyOptions options;
  options.runs = 5;
  options.fix_mode = true;
  BayesStrategy strategy(options, pinned_model(1.0 - 1e-9, 1e-6));
  std::vector<RunSummary> crashes(5, crash());
  std::vector<RunSummary> clean(5, ok());
  EXPECT_EQ(strategy.judge_start(crashes, {}).verdict, Verdict::bad);
  EXPECT_EQ(strategy.judge_head(clean, {}).verdict, Verdict::good);
  strategy.begin(graph, 4, 1);
  const Recorded at1 = strategy.record(1, crashes, {});
  EXPECT_EQ(at1.decision.verdict, Verdict::bad);
  EXPECT_EQ(at1.mark, Mark::good);  // still crashing: git's old state
  const Recorded at2 = strategy.record(2, clean, {});
  EXPECT_EQ(at2.mark, Mark::bad);
  const Recorded at0 = strategy.record(0, crashes, {});
  EXPECT_EQ(at0.mark, Mark::good);
  // 2 is fixed and both its parent 0 and the other side 1 are not: only 2 explains it.
  EXPECT_GT(strategy.posterior(2), 0.999);
  const SearchStep step = strategy.next();
  EXPECT_EQ(step.kind, SearchStep::Kind::found);
  EXPECT_EQ(step.point, 2u);
}

TEST(BayesStrategyTest, AncestorSumsAreExactOnMergeHeavyHistories) {
  SyntheticHistoryOptions options;
  options.commits = 400;
  options.seed = 5;
  options.octopus_chance = 0.3;
  options.nested_merge_chance = 0.3;
  const CommitGraph graph = make_synthetic_history(options);
  const Ancestry ancestry(graph);
  std::mt19937 random(3);
  std::vector<double> mass(graph.size());
  for (double& value : mass) value = static_cast<double>(random() % 1000);
  std::vector<double> sums;
  ancestry.ancestor_sums(mass, sums);
  std::size_t merges = 0;
  for (Index node = 0; node < graph.size(); ++node) {
    merges += graph.parents(node).size() >= 2;
    double expected = 0;
    for (const Index ancestor : ancestry.ancestors(node)) expected += mass[ancestor];
    ASSERT_DOUBLE_EQ(sums[node], expected) << "node " << node;
  }
  EXPECT_GT(merges, 20u);
}

TEST(BayesStrategyTest, BatchInformationIsOneBitForAPerfectTestAtEvenOdds) {
  const BatchInformation perfect(1, {0, 1, 0}, {1, 0, 0});
  EXPECT_NEAR(perfect.exact(0.5), 1.0, 1e-12);
  EXPECT_NEAR(perfect(0.5), 1.0, 1e-9);
  EXPECT_NEAR(perfect.exact(0), 0.0, 1e-12);
  EXPECT_NEAR(perfect.exact(1), 0.0, 1e-12);
  // A flaky reproducer (p = 0.3, no false crashes): less than a bit, best below even odds (a
  // clean run says less than a crash).
  const BatchInformation flaky(1, {0.7, 0.3, 0}, {1, 0, 0});
  double best_q = 0, best = 0;
  for (int i = 1; i < 100; ++i) {
    const double q = i / 100.0;
    if (flaky.exact(q) > best) {
      best = flaky.exact(q);
      best_q = q;
    }
  }
  EXPECT_LT(best, 0.2);
  // A clean run says less than a crash: the best test point has the bug with probability ~0.385,
  // not 0.5 (the Z-channel's optimum, bisection-anchors.md section 4.2).
  EXPECT_NEAR(best_q, 0.385, 0.02);
  // Ten runs carry more than one.
  const BatchInformation ten(10, {0.7, 0.3, 0}, {1, 0, 0});
  EXPECT_GT(ten.exact(0.5), 3 * flaky.exact(0.5));
}

TEST(BayesStrategyTest, FirstTestSplitsALinearRangeInHalf) {
  std::vector<std::vector<Index>> chain = {{}};
  for (Index i = 1; i < 15; ++i) chain.push_back({i - 1});
  const CommitGraph graph = make_graph(chain);
  StrategyOptions options;
  BayesModel model = pinned_model(0.999, 1e-4);
  model.older_prior = 1e-6;
  BayesStrategy strategy(options, model);
  strategy.judge_start(std::vector<RunSummary>(10, crash()), {});
  strategy.begin(graph, 14, 1);
  const SearchStep step = strategy.next();
  ASSERT_EQ(step.kind, SearchStep::Kind::test);
  ASSERT_EQ(step.tests.size(), 1u);
  // P(bug present at 6) = 7/15 and at 7 = 8/15: either is an even split.
  EXPECT_TRUE(step.tests[0].point == 6u || step.tests[0].point == 7u) << step.tests[0].point;
  EXPECT_EQ(step.tests[0].runs, 10);
}

// A commit whose runs all say "cannot test" is never asked for again (it used to be asked for
// without end), and a test worth nothing never wins by being cheap.
TEST(BayesStrategyTest, AnUntestableCommitIsNotAskedForAgain) {
  std::vector<std::vector<Index>> chain = {{}};
  for (Index i = 1; i < 15; ++i) chain.push_back({i - 1});
  const CommitGraph graph = make_graph(chain);
  StrategyOptions options;
  BayesStrategy strategy(options, pinned_model(0.999, 1e-4));
  strategy.judge_start(std::vector<RunSummary>(10, crash()), {});
  strategy.begin(graph, 14, 1);
  RunSummary untestable;
  untestable.outcome = RunOutcome::cannot_test;
  std::set<Point> untestable_points;
  for (int step = 0; step < 40; ++step) {
    const SearchStep next = strategy.next();
    if (next.kind != SearchStep::Kind::test) break;
    for (const TestOrder& order : next.tests) {
      ASSERT_FALSE(untestable_points.count(order.point)) << "asked again for " << order.point;
      untestable_points.insert(order.point);
      strategy.record(order.point, std::vector<RunSummary>(10, untestable), {0, 1});
    }
  }
  // Every candidate was tried once at most, then the search gave up.
  EXPECT_LE(untestable_points.size(), 15u);
  EXPECT_NE(strategy.next().kind, SearchStep::Kind::test);
}

TEST(BayesStrategyTest, ReRunsABuiltCommitWhenBuildsAreExpensive) {
  std::vector<std::vector<Index>> chain = {{}};
  for (Index i = 1; i < 15; ++i) chain.push_back({i - 1});
  const CommitGraph graph = make_graph(chain);
  StrategyOptions options;
  options.runs = 2;
  BayesModel model = pinned_model(0.3, 0.001);
  BayesStrategy strategy(options, model);
  // Builds cost 100 times a batch of runs.
  strategy.judge_start(std::vector<RunSummary>{crash(), ok()}, {100, 1});
  strategy.begin(graph, 14, 1);
  const SearchStep first = strategy.next();
  ASSERT_EQ(first.tests.size(), 1u);
  const Point tested = first.tests[0].point;
  strategy.record(tested, std::vector<RunSummary>{ok(), ok()}, {100, 1});
  // Two clean runs with p = 0.3 say little: more runs of the built commit beat a new build.
  const SearchStep second = strategy.next();
  ASSERT_EQ(second.kind, SearchStep::Kind::test);
  EXPECT_EQ(second.tests[0].point, tested);
}

// With fewer run slots than --runs, a batch takes rounds, and its size is chosen by what its runs
// are worth: with a reliable reproducer one round of two runs settles a commit, so a batch of
// ten (five rounds) would spend four rounds for nearly nothing; with a flaky one more runs per
// build are worth their rounds. Sizes are whole rounds.
TEST(BayesStrategyTest, FewerRunSlotsThanRunsSizeTheBatchByTheValueOfItsRuns) {
  std::vector<std::vector<Index>> chain = {{}};
  for (Index i = 1; i < 63; ++i) chain.push_back({i - 1});
  const CommitGraph graph = make_graph(chain);
  auto first_batch = [&](double repro, int run_slots) {
    StrategyOptions options;
    options.runs = 10;
    options.run_slots = run_slots;
    BayesModel model = pinned_model(repro, 1e-3);
    model.older_prior = 1e-6;
    BayesStrategy strategy(options, model);
    // A build costs as much as 4 rounds of runs; 5 rounds of 2 runs took 500 s.
    strategy.judge_start(std::vector<RunSummary>(10, crash()), {400, 500});
    strategy.begin(graph, 62, 1);
    const SearchStep step = strategy.next();
    EXPECT_EQ(step.kind, SearchStep::Kind::test);
    return step.tests.empty() ? 0 : step.tests[0].runs;
  };
  EXPECT_EQ(first_batch(0.99, 0), 10) << "a whole batch at once: nothing to save";
  EXPECT_EQ(first_batch(0.99, 10), 10);
  const int reliable = first_batch(0.99, 2);
  EXPECT_EQ(reliable, 2);
  const int flaky = first_batch(0.2, 2);
  EXPECT_GT(flaky, reliable);
  EXPECT_EQ(flaky % 2, 0);
}

TEST(BayesStrategyTest, ParallelStepsPickDistinctCommitsThatSplitTheRangeJointly) {
  std::vector<std::vector<Index>> chain = {{}};
  for (Index i = 1; i < 31; ++i) chain.push_back({i - 1});
  const CommitGraph graph = make_graph(chain);
  StrategyOptions options;
  options.parallel = 3;
  BayesModel model = pinned_model(0.999, 1e-4);
  model.older_prior = 1e-6;
  BayesStrategy strategy(options, model);
  strategy.judge_start(std::vector<RunSummary>(10, crash()), {6, 5});
  strategy.begin(graph, 30, 1);
  const SearchStep step = strategy.next();
  ASSERT_EQ(step.tests.size(), 3u);
  std::vector<Point> points;
  for (const TestOrder& order : step.tests) points.push_back(order.point);
  std::sort(points.begin(), points.end());
  // Quartiles of 31 candidates: three tests leave at most ~8 of them.
  EXPECT_NEAR(points[0], 7, 2);
  EXPECT_NEAR(points[1], 15, 2);
  EXPECT_NEAR(points[2], 23, 2);
}

TEST(BayesStrategyTest, FindsTheCulpritOfAFlakyReproducerAndStopsAtTheBudget) {
  SyntheticHistoryOptions history;
  history.commits = 300;
  history.seed = 9;
  const CommitGraph graph = make_synthetic_history(history);
  const Index culprit = 171;
  std::vector<char> present(graph.size(), 0);
  for (Index node = culprit; node < graph.size(); ++node) {
    bool bad = node == culprit;
    for (const Index parent : graph.parents(node)) bad = bad || present[parent];
    present[node] = bad;
  }
  std::mt19937_64 random(11);
  auto runs = [&](bool bug, int count) {
    std::vector<RunSummary> result(static_cast<std::size_t>(count));
    for (RunSummary& run : result) {
      if (bug && random() % 10 < 3)
        run = crash();
      else if (random() % 50 == 0)
        run = crash("WARNING in unrelated");
    }
    return result;
  };
  auto drive = [&](BayesStrategy& strategy) {
    std::vector<RunSummary> start;
    for (;;) {
      auto batch = runs(true, 10);
      start.insert(start.end(), batch.begin(), batch.end());
      if (strategy.judge_start(start, {6, 5}).more_runs == 0) break;
    }
    strategy.begin(graph, static_cast<Index>(graph.size() - 1), 1);
    for (int step = 0; step < 500; ++step) {
      const SearchStep next = strategy.next();
      if (next.kind != SearchStep::Kind::test) return next;
      for (const TestOrder& order : next.tests) {
        const bool bug = order.point < graph.size() && present[order.point];
        strategy.record(order.point, runs(bug, order.runs), {6, 5});
      }
    }
    return SearchStep{};
  };
  StrategyOptions options;
  BayesStrategy strategy(options);
  const SearchStep found = drive(strategy);
  EXPECT_EQ(found.kind, SearchStep::Kind::found);
  EXPECT_EQ(found.point, culprit);
  EXPECT_GE(strategy.confidence(), 0.95);
  EXPECT_NEAR(strategy.repro_chance(), 0.3, 0.12);
  const std::vector<Ranked> top = strategy.top(3);
  EXPECT_EQ(top[0].point, culprit);
  EXPECT_GE(top[0].probability, top[1].probability);

  options.budget.runs = 60;
  BayesStrategy limited(options);
  const SearchStep stopped = drive(limited);
  EXPECT_EQ(stopped.kind, SearchStep::Kind::inconclusive);
  EXPECT_NE(stopped.reason.find("budget spent"), std::string::npos) << stopped.reason;
  EXPECT_FALSE(stopped.candidates.empty());
}

// A reproducer that crashed once in ten runs: that crash may be the bug's or an unrelated one, and
// p is anywhere from 0.01 to 0.4. Until one title has been seen three times the start commit gets
// more batches before the search starts; ten crashes in ten do not need any.
TEST(BayesStrategyTest, AStartCommitThatCrashedOnceInTenGetsMoreRuns) {
  StrategyOptions options;
  options.runs = 10;
  BayesStrategy rare(options);
  std::vector<RunSummary> runs(9, ok());
  runs.push_back(crash());
  const VerdictDecision first = rare.judge_start(runs, {});
  std::printf("efficiency after 1 crash in 10: %.3f (%s)\n", rare.rate_efficiency(),
              first.reason.c_str());
  EXPECT_EQ(first.more_runs, 10) << first.reason;
  // Two crashes in twenty: still not; three in thirty: the title is clear.
  std::vector<RunSummary> twenty = runs;
  twenty.insert(twenty.end(), runs.begin(), runs.end());
  EXPECT_EQ(rare.judge_start(twenty, {}).more_runs, 10);
  std::vector<RunSummary> thirty = twenty;
  thirty.insert(thirty.end(), runs.begin(), runs.end());
  const VerdictDecision second = rare.judge_start(thirty, {});
  std::printf("efficiency after 3 crashes in 30: %.3f (%s)\n", rare.rate_efficiency(),
              second.reason.c_str());
  EXPECT_EQ(second.verdict, Verdict::bad) << second.reason;
  EXPECT_GT(rare.rate_efficiency(), 0.5);
  EXPECT_LT(rare.rate_efficiency(), 1.0);

  BayesStrategy reliable(options);
  const VerdictDecision always = reliable.judge_start(std::vector<RunSummary>(10, crash()), {});
  std::printf("efficiency after 10 crashes in 10: %.3f\n", reliable.rate_efficiency());
  EXPECT_EQ(always.more_runs, 0);
  EXPECT_EQ(always.verdict, Verdict::bad);
}

// An unrelated crash seen as often as the bug's on the start commit could be either: more runs.
TEST(BayesStrategyTest, AStartCommitWithTwoTitlesSeenOnceEachGetsMoreRuns) {
  StrategyOptions options;
  options.runs = 10;
  BayesStrategy strategy(options);
  std::vector<RunSummary> runs(10, crash());
  runs[9] = crash("WARNING in something else");
  // Nine of one title and one of another: clear.
  EXPECT_EQ(strategy.judge_start(runs, {}).more_runs, 0);
  BayesStrategy unclear(options);
  std::vector<RunSummary> two(8, ok());
  two.push_back(crash());
  two.push_back(crash("WARNING in something else"));
  const VerdictDecision decision = unclear.judge_start(two, {});
  EXPECT_EQ(decision.more_runs, 10);
  EXPECT_NE(decision.reason.find("title"), std::string::npos) << decision.reason;
}

TEST(ClassicStrategyTest, StepsExactlyAsTheBisectorDoes) {
  SyntheticHistoryOptions history;
  history.commits = 500;
  history.seed = 2;
  const CommitGraph graph = make_synthetic_history(history);
  const Index bad = static_cast<Index>(graph.size() - 1);
  for (const Index culprit : {Index{3}, Index{250}, Index{498}}) {
    std::vector<char> present(graph.size(), 0);
    for (Index node = culprit; node < graph.size(); ++node) {
      bool is_bad = node == culprit;
      for (const Index parent : graph.parents(node)) is_bad = is_bad || present[parent];
      present[node] = is_bad;
    }
    StrategyOptions options;
    options.runs = 1;
    auto strategy = make_search_strategy("classic", options);
    ASSERT_TRUE(strategy.ok());
    ASSERT_EQ((*strategy)->judge_start(std::vector<RunSummary>{crash()}, {}).verdict, Verdict::bad);
    (*strategy)->begin(graph, bad, 1);
    Bisector bisector(graph, bad);
    for (;;) {
      const SearchStep step = (*strategy)->next();
      const BisectStep expected = bisector.next();
      if (expected.kind == BisectStep::Kind::found) {
        ASSERT_EQ(step.kind, SearchStep::Kind::found);
        EXPECT_EQ(step.point, culprit);
        break;
      }
      ASSERT_EQ(step.kind, SearchStep::Kind::test);
      ASSERT_EQ(step.tests[0].point, expected.commit);
      EXPECT_EQ(step.revisions_left, expected.revisions_left);
      const bool crashes = present[expected.commit];
      const Recorded recorded = (*strategy)->record(
          expected.commit, std::vector<RunSummary>{crashes ? crash() : ok()}, {});
      EXPECT_EQ(recorded.mark, crashes ? Mark::bad : Mark::good);
      bisector.mark(expected.commit, crashes ? Mark::bad : Mark::good);
    }
  }
  EXPECT_FALSE(make_search_strategy("nonsense", {}).ok());
}

TEST(BudgetTest, ParsesLimitsAndNamesTheBadPart) {
  auto budget = job::parse_budget("builds=40,runs=600,time=6h");
  ASSERT_TRUE(budget.ok()) << budget.error().message;
  EXPECT_EQ(budget->builds, 40u);
  EXPECT_EQ(budget->runs, 600u);
  EXPECT_DOUBLE_EQ(budget->seconds, 6 * 3600);
  EXPECT_DOUBLE_EQ(job::parse_budget("time=90")->seconds, 90);
  auto bad = job::parse_budget("builds=40,hours=3");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("hours=3"), std::string::npos);
  EXPECT_FALSE(job::parse_budget("runs=-1").ok());
}

}  // namespace
}  // namespace culprit::search
