// The good end found by the evidence (cause mode without --good): the scale-free prior over where
// the bug came in, the posterior over the intervals between the ends against brute-force
// integration over the rates, and the bayes strategy's choice of ends -- galloping, the good and
// the new end it settles on, the horizon, and ends that do not build.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <random>
#include <set>

#include "search/bayes_strategy.h"
#include "search/end_posterior.h"

namespace culprit::search {
namespace {

constexpr const char* kBugTitle = "KASAN: use-after-free in bug";

std::vector<RunSummary> batch(int ok_runs, int bug, int unrelated = 0) {
  std::vector<RunSummary> runs(static_cast<std::size_t>(ok_runs));
  for (int i = 0; i < bug + unrelated; ++i) {
    RunSummary run;
    run.outcome = RunOutcome::crashed;
    run.title = i < bug ? kBugTitle : "WARNING in something else";
    runs.push_back(run);
  }
  return runs;
}

TEST(EndIntervalPriorTest, EachDoublingOfTheDistanceIsAboutAsLikely) {
  // c = the newest end's distance, 100: the interval (d_{j-1}, d_j] has mass log((d_j + c) /
  // (d_{j-1} + c)); "older than every end" log 2.
  const std::vector<double> distances = {100, 300, 700, 1500, 1500};
  const std::vector<double> log_prior = end_interval_log_prior(distances);
  ASSERT_EQ(log_prior.size(), 6u);
  const double masses[6] = {
      std::log(2.0), std::log(4.0 / 2), std::log(8.0 / 4), std::log(16.0 / 8), 0, std::log(2.0)};
  const double total = std::accumulate(std::begin(masses), std::end(masses), 0.0);
  for (std::size_t j = 0; j < 6; ++j) {
    EXPECT_NEAR(std::exp(log_prior[j]), masses[j] / total, 1e-8) << "interval " << j;
  }
}

// The posterior over (interval, p, f) against brute force: every interval's likelihood integrated
// over the rates under their Beta priors by a 600 x 600 midpoint rule, with the start commit's runs
// and three tested ends (one of them twice, one with an unrelated crash).
TEST(EndPosteriorTest, MatchesBruteForceIntegrationOverTheRates) {
  const BayesModel model;  // p ~ Beta(1, 1), f ~ Beta(1, 49)
  StrategyOptions options;
  options.runs = 10;
  BayesStrategy strategy(options, model);
  ASSERT_EQ(strategy.judge_start(batch(6, 4), {}).verdict, Verdict::bad);
  const std::vector<EndCandidate> ends = {{"v5", 50}, {"v4", 120}, {"v3", 300}, {"v2", 700}};
  strategy.begin_ends(ends);
  struct Tested {
    std::size_t end;
    int ok, match, other;
  };
  const std::vector<Tested> tests = {{0, 7, 3, 0}, {2, 9, 0, 1}, {1, 8, 1, 1}, {2, 10, 0, 0}};
  std::vector<Tested> totals(ends.size(), Tested{0, 0, 0, 0});
  for (const Tested& t : tests) {
    strategy.record_end(t.end, batch(t.ok, t.match, t.other), {});
    totals[t.end].ok += t.ok;
    totals[t.end].match += t.match;
    totals[t.end].other += t.other;
  }
  const EndPosterior& posterior = *strategy.end_posterior();

  std::vector<double> distances;
  for (const EndCandidate& end : ends) distances.push_back(end.distance);
  const std::vector<double> log_prior = end_interval_log_prior(distances);
  constexpr int kCells = 600;
  const double m = model.rates.title_match, u = model.rates.unrelated_match;
  std::vector<double> weights(ends.size() + 1, 0);
  double total = 0;
  for (int a = 0; a < kCells; ++a) {
    const double p = (a + 0.5) / kCells;
    for (int b = 0; b < kCells; ++b) {
      const double f = (b + 0.5) / kCells;
      const double rate_prior = 49 * std::pow(1 - f, 48) / (kCells * kCells);
      const double present[3] = {(1 - p) * (1 - f), p * m + (1 - p) * f * u,
                                 p * (1 - m) + (1 - p) * f * (1 - u)};
      const double absent[3] = {1 - f, f * u, f * (1 - u)};
      auto log_runs = [&](const Tested& t, bool bug) {
        const double* probabilities = bug ? present : absent;
        return t.ok * std::log(probabilities[0]) + t.match * std::log(probabilities[1]) +
               t.other * std::log(probabilities[2]);
      };
      const double start = log_runs({0, 6, 4, 0}, true);
      for (std::size_t j = 0; j <= ends.size(); ++j) {
        double log_l = start;
        for (std::size_t i = 0; i < ends.size(); ++i) log_l += log_runs(totals[i], j > i);
        const double w = rate_prior * std::exp(log_prior[j] + log_l);
        weights[j] += w;
        total += w;
      }
    }
  }
  for (std::size_t j = 0; j <= ends.size(); ++j) {
    EXPECT_NEAR(posterior.interval(j), weights[j] / total, 1e-4) << "interval " << j;
  }
  double beyond_v4 = 0;
  for (std::size_t j = 2; j <= ends.size(); ++j) beyond_v4 += weights[j] / total;
  EXPECT_NEAR(posterior.probability_new(1), beyond_v4, 1e-4);
  // The bug's crashes on v5 and v4 and none in 20 runs of v3: it came in between v4 and v3.
  EXPECT_GT(posterior.interval(2), 0.5);
}

// A simulated walk over 20 releases of 1000 commits with a reproducer that always fires: where
// the bug is, which ends were tested, and what the range search starts from.
struct Walk {
  EndStep last;
  std::set<std::size_t> tested;
  std::size_t batches = 0;
  double older_prior = 0;
};

Walk walk(std::size_t culprit_interval, double repro = 1.0, std::uint64_t seed = 1) {
  StrategyOptions options;
  options.runs = 10;
  BayesStrategy strategy(options);
  std::mt19937_64 random(seed);
  auto runs = [&](bool bug) {
    std::vector<RunSummary> result(10);
    for (RunSummary& run : result) {
      if (bug && std::uniform_real_distribution<double>(0, 1)(random) < repro) {
        run.outcome = RunOutcome::crashed;
        run.title = kBugTitle;
      }
    }
    return result;
  };
  std::vector<RunSummary> start;
  for (;;) {
    const std::vector<RunSummary> more = runs(true);
    start.insert(start.end(), more.begin(), more.end());
    const VerdictDecision decision = strategy.judge_start(start, {600, 300});
    if (decision.more_runs == 0) break;
  }
  std::vector<EndCandidate> ends;
  for (std::size_t i = 0; i < 20; ++i) {
    ends.push_back({"v" + std::to_string(20 - i), 500.0 + 1000.0 * static_cast<double>(i)});
  }
  strategy.begin_ends(ends);
  Walk result;
  for (int step = 0; step < 100; ++step) {
    result.last = strategy.next_end();
    if (result.last.kind != EndStep::Kind::test) break;
    result.tested.insert(result.last.index);
    ++result.batches;
    const bool has_bug = culprit_interval > result.last.index;  // end i has it iff j > i
    strategy.record_end(result.last.index, runs(has_bug), {600, 300});
  }
  result.older_prior = strategy.older_prior();
  return result;
}

// The good end brackets the bug with the new end; the range search then bisects between them by
// the same rule, so stopping at the first end that is surely good loses nothing.
void expect_brackets(const Walk& found, std::size_t culprit_interval) {
  ASSERT_EQ(found.last.kind, EndStep::Kind::good);
  EXPECT_GE(found.last.index, culprit_interval);
  if (found.last.new_end) {
    EXPECT_LT(*found.last.new_end, culprit_interval);
  }
  EXPECT_LE(found.older_prior, 0.01 + 1e-12);
}

TEST(BayesGoodEndTest, GallopsBackToAnOldBugAndBracketsIt) {
  // The bug came in between v11 (end 9) and v10 (end 10): ends 0..9 crash.
  const Walk found = walk(10);
  expect_brackets(found, 10);
  ASSERT_TRUE(found.last.new_end.has_value());
  // syzbot's thinned list tests 0, 1, 2, 3, 5, 7, 9 and 11 before it stops.
  EXPECT_LE(found.tested.size(), 4u);
  std::printf("tested %zu ends in %zu batches; range: end %zu .. end %zu\n", found.tested.size(),
              found.batches, *found.last.new_end, found.last.index);
}

TEST(BayesGoodEndTest, ARecentBugNeedsOneOrTwoEnds) {
  const Walk found = walk(0);
  expect_brackets(found, 0);
  EXPECT_FALSE(found.last.new_end.has_value());
  EXPECT_LE(found.tested.size(), 2u);
}

TEST(BayesGoodEndTest, AFlakyReproducerGetsMoreBatchesAndStillBracketsTheBug) {
  // A clean batch says less when the reproducer fires 1 run in 5: an end is good only once its
  // chance of having the bug is below 1% (BayesModel::end_error), so the bracket nearly always
  // holds.
  constexpr int kWalks = 30;
  int bracketed = 0;
  std::size_t flaky_batches = 0, sure_batches = 0;
  for (int seed = 1; seed <= kWalks; ++seed) {
    const Walk flaky = walk(5, 0.2, static_cast<std::uint64_t>(seed));
    const Walk sure = walk(5, 1.0, static_cast<std::uint64_t>(seed));
    bracketed += flaky.last.kind == EndStep::Kind::good && flaky.last.index >= 5 &&
                 (!flaky.last.new_end || *flaky.last.new_end < 5);
    flaky_batches += flaky.batches;
    sure_batches += sure.batches;
  }
  EXPECT_GE(bracketed, kWalks - 2);
  EXPECT_GT(flaky_batches, sure_batches);
  std::printf("p = 0.2: %d of %d walks bracket the bug; batches %zu (p = 1: %zu)\n", bracketed,
              kWalks, flaky_batches, sure_batches);
}

TEST(BayesGoodEndTest, ABugOlderThanEveryReleaseIsTheHorizon) {
  const Walk found = walk(20);
  ASSERT_EQ(found.last.kind, EndStep::Kind::horizon);
  EXPECT_EQ(found.last.index, 19u);
  EXPECT_GE(found.last.probability, 0.95);
}

TEST(BayesGoodEndTest, AnEndThatDoesNotBuildIsNotAskedForAgain) {
  StrategyOptions options;
  options.runs = 10;
  BayesStrategy strategy(options);
  ASSERT_EQ(strategy.judge_start(batch(0, 10), {}).verdict, Verdict::bad);
  strategy.begin_ends(std::vector<EndCandidate>{{"v3", 100}, {"v2", 200}, {"v1", 400}});
  const EndStep first = strategy.next_end();
  ASSERT_EQ(first.kind, EndStep::Kind::test);
  strategy.record_end_build_failure(first.index, {});
  for (int step = 0; step < 20; ++step) {
    const EndStep next = strategy.next_end();
    if (next.kind != EndStep::Kind::test) break;
    EXPECT_NE(next.index, first.index);
    strategy.record_end(next.index, batch(10, 0), {});
  }
}

}  // namespace
}  // namespace culprit::search
