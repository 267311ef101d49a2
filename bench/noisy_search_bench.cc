// Simulator benchmark of the search strategies on flaky reproducers (not a Google Benchmark: it
// prints a table). Drives the real strategies (search::make_search_strategy) through the same
// interface as the driver, on generated Linux-like histories (tests/support/synthetic_history.h)
// with a random culprit, a reproducer that fires with probability p where the bug is present and
// an unrelated crash (another title) with probability f on every run.
//
// Cost model (syzbot's logs): a build takes B = 6 min, a batch of up to 10 runs R = 5 min (10 VMs
// in parallel). With --parallel K the builds of one round run at the same time, their batches one
// after another. A build is free while it is among the driver's kept builds (the most recently
// tested commits), as in job/bisect_job.
//
//   noisy_search_bench [--trials 200] [--sizes 1000,15000] [--parallel 1] [--seed 1]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "search/bayes_strategy.h"
#include "search/strategy.h"
#include "support/synthetic_history.h"

namespace {

using culprit::RunOutcome;
using namespace culprit::search;
using culprit::testing::make_synthetic_history;
using culprit::testing::SyntheticHistoryOptions;

constexpr double kBuildMinutes = 6;
constexpr double kBatchMinutes = 5;
constexpr int kVms = 10;
constexpr int kRunsPerBatch = 10;
constexpr int kGraphsPerSize = 8;
constexpr std::size_t kMaxSteps = 2000;

struct Scenario {
  double repro = 1;      // p
  double unrelated = 0;  // f
};

struct Outcome {
  bool correct = false;
  std::size_t builds = 0;
  std::size_t runs = 0;
  double minutes = 0;
};

struct History {
  culprit::vcs::CommitGraph graph;
  std::shared_ptr<const Ancestry> ancestry;
};

// The simulated driver: the bug is present on descendants of the culprit (itself included).
class Simulation {
 public:
  Simulation(const History& history, Index culprit, Scenario scenario, std::uint64_t seed,
             int kept_builds)
      : history_(history), scenario_(scenario), random_(seed), kept_builds_(kept_builds) {
    const auto& graph = history.graph;
    present_.assign(graph.size(), 0);
    for (std::size_t node = culprit; node < graph.size(); ++node) {
      bool bad = node == culprit;
      for (const Index parent : graph.parents(static_cast<Index>(node)))
        bad = bad || present_[parent];
      present_[node] = bad;
    }
  }

  std::vector<RunSummary> runs(bool present, int count) {
    std::vector<RunSummary> result(static_cast<std::size_t>(count));
    for (RunSummary& run : result) {
      if (present && unit() < scenario_.repro) {
        run.outcome = RunOutcome::crashed;
        run.title = "KASAN: use-after-free Read in planted_bug";
      } else if (unit() < scenario_.unrelated) {
        run.outcome = RunOutcome::crashed;
        run.title = "WARNING in unrelated_function_" + std::to_string(random_() % 5);
      }
    }
    outcome_.runs += result.size();
    return result;
  }

  // Whether testing `point` needs a build, updating the kept builds (most recent first).
  bool needs_build(Point point) {
    const auto found = std::find(kept_.begin(), kept_.end(), point);
    const bool needs = found == kept_.end();
    if (!needs) kept_.erase(found);
    kept_.insert(kept_.begin(), point);
    if (kept_.size() > static_cast<std::size_t>(kept_builds_)) kept_.pop_back();
    if (needs) ++outcome_.builds;
    return needs;
  }

  Outcome drive(SearchStrategy& strategy, Index culprit) {
    const auto& graph = history_.graph;
    const Index bad = static_cast<Index>(graph.size() - 1);
    const Point good = static_cast<Point>(graph.size());  // the one old end
    auto batch_minutes = [](int runs) { return kBatchMinutes * ((runs + kVms - 1) / kVms); };
    // The start commit (bad): build, then batches until the strategy decides.
    std::vector<RunSummary> start_runs;
    needs_build(bad);
    TestCost cost{kBuildMinutes, batch_minutes(kRunsPerBatch)};
    outcome_.minutes += cost.build_s + cost.runs_s;
    int more = kRunsPerBatch;
    VerdictDecision decision;
    for (;;) {
      std::vector<RunSummary> batch = runs(true, more);
      start_runs.insert(start_runs.end(), batch.begin(), batch.end());
      decision = strategy.judge_start(start_runs, cost);
      if (decision.more_runs <= 0) break;
      more = decision.more_runs;
      cost = {0, batch_minutes(more)};
      outcome_.minutes += cost.runs_s;
    }
    if (decision.verdict != Verdict::bad) return outcome_;

    strategy.begin(graph, bad, 1);
    for (std::size_t step = 0; step < kMaxSteps; ++step) {
      const SearchStep next = strategy.next();
      if (next.kind == SearchStep::Kind::found) {
        outcome_.correct = next.point == culprit;
        return outcome_;
      }
      if (next.kind != SearchStep::Kind::test) return outcome_;
      bool any_build = false;
      std::vector<TestCost> costs;
      for (const TestOrder& order : next.tests) {
        const bool build = needs_build(order.point);
        any_build = any_build || build;
        costs.push_back({build ? kBuildMinutes : 0.0, batch_minutes(order.runs)});
      }
      outcome_.minutes += any_build ? kBuildMinutes : 0.0;  // builds of a round run at once
      for (std::size_t i = 0; i < next.tests.size(); ++i) {
        const TestOrder& order = next.tests[i];
        const bool present = order.point != good && present_[order.point];
        outcome_.minutes += costs[i].runs_s;
        strategy.record(order.point, runs(present, order.runs), costs[i]);
      }
    }
    return outcome_;
  }

 private:
  double unit() { return static_cast<double>(random_() >> 11) * 0x1.0p-53; }

  const History& history_;
  Scenario scenario_;
  std::mt19937_64 random_;
  int kept_builds_;
  std::vector<char> present_;
  std::vector<Point> kept_;
  Outcome outcome_;
};

struct Totals {
  std::size_t trials = 0, correct = 0, builds = 0, runs = 0;
  double minutes = 0;
  void add(const Outcome& outcome) {
    ++trials;
    correct += outcome.correct ? 1 : 0;
    builds += outcome.builds;
    runs += outcome.runs;
    minutes += outcome.minutes;
  }
  std::string row() const {
    char text[128];
    const double n = static_cast<double>(trials);
    std::snprintf(text, sizeof text, "%5.3f %7.1f %7.1f %7.2f", static_cast<double>(correct) / n,
                  static_cast<double>(builds) / n, static_cast<double>(runs) / n,
                  minutes / n / 60.0);
    return text;
  }
};

std::vector<std::size_t> parse_sizes(const std::string& text) {
  std::vector<std::size_t> sizes;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t comma = text.find(',', at);
    if (comma == std::string::npos) comma = text.size();
    sizes.push_back(std::stoul(text.substr(at, comma - at)));
    at = comma + 1;
  }
  return sizes;
}

}  // namespace

int main(int argc, char** argv) {
  int trials = 200;
  int parallel = 1;
  std::uint64_t seed = 1;
  std::vector<std::size_t> sizes = {1000, 15000};
  std::vector<double> repro_rates = {1.0, 0.8, 0.5, 0.3, 0.1};
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--trials") trials = std::stoi(value);
    if (flag == "--parallel") parallel = std::stoi(value);
    if (flag == "--seed") seed = std::stoull(value);
    if (flag == "--sizes") sizes = parse_sizes(value);
    if (flag == "--repro") repro_rates = {std::stod(value)};
  }
  const std::vector<double> unrelated_rates = {0.0, 0.02};
  const auto started = std::chrono::steady_clock::now();

  std::printf(
      "B = %.0f min per build, R = %.0f min per batch of %d runs (%d VMs), %d trials, "
      "bayes --parallel %d\n",
      kBuildMinutes, kBatchMinutes, kRunsPerBatch, kVms, trials, parallel);
  std::printf("%6s %4s %5s | %-31s | %-31s\n", "N", "p", "f", "classic (syzbot rule, 10 runs)",
              "bayes (confidence 0.95)");
  std::printf("%6s %4s %5s | %5s %7s %7s %7s | %5s %7s %7s %7s\n", "", "", "", "acc", "builds",
              "runs", "hours", "acc", "builds", "runs", "hours");
  for (const std::size_t size : sizes) {
    std::vector<History> histories;
    for (int g = 0; g < kGraphsPerSize; ++g) {
      SyntheticHistoryOptions options;
      options.commits = size;
      options.seed = seed * 1000 + static_cast<std::uint64_t>(g);
      History history{make_synthetic_history(options), nullptr};
      histories.push_back(std::move(history));
    }
    for (History& history : histories) {
      history.ancestry = std::make_shared<Ancestry>(history.graph);
    }
    for (const double repro : repro_rates) {
      for (const double unrelated : unrelated_rates) {
        Totals classic, bayes;
        for (int t = 0; t < trials; ++t) {
          const History& history = histories[static_cast<std::size_t>(t) % histories.size()];
          std::mt19937_64 pick(seed * 7919 + static_cast<std::uint64_t>(t));
          const auto culprit = static_cast<Index>(pick() % history.graph.size());
          const Scenario scenario{repro, unrelated};
          const std::uint64_t run_seed = pick();
          for (const std::string name : {"classic", "bayes"}) {
            StrategyOptions options;
            options.runs = kRunsPerBatch;
            options.parallel = name == "bayes" ? parallel : 1;
            options.kept_builds = name == "bayes" ? parallel + 2 : 1;
            options.budget.runs = 3000;
            auto strategy = make_search_strategy(name, options);
            if (!strategy) return 1;
            if (auto* bayes_strategy = dynamic_cast<BayesStrategy*>(strategy->get())) {
              bayes_strategy->set_ancestry(history.ancestry);
            }
            Simulation simulation(history, culprit, scenario, run_seed, options.kept_builds);
            const Outcome outcome = simulation.drive(**strategy, culprit);
            (name == std::string("classic") ? classic : bayes).add(outcome);
          }
        }
        std::printf("%6zu %4.1f %5.2f | %s | %s\n", size, repro, unrelated, classic.row().c_str(),
                    bayes.row().c_str());
        std::fflush(stdout);
      }
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("benchmark time: %.0f s\n", seconds);
  return 0;
}
