// Bisector::next() and mark() on a million-commit Linux-like history (the target: under a second
// per step, under 1 GiB), with one plain DFS over the whole graph as the yardstick.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <cstdlib>
#include <vector>

#include "search/bisector.h"
#include "support/synthetic_history.h"

namespace culprit::search {
namespace {

using testing::make_synthetic_history;
using testing::SyntheticHistoryOptions;

constexpr std::size_t kCommits = 1'000'000;

const CommitGraph& linux_like_history() {
  static const CommitGraph graph = [] {
    SyntheticHistoryOptions options;
    options.commits = kCommits;
    options.seed = 2024;
    options.max_fork_age = 2000;
    options.max_open_topics = 64;
    return make_synthetic_history(options);
  }();
  return graph;
}

Index tip() {
  return static_cast<Index>(linux_like_history().size() - 1);
}

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

void report(benchmark::State& state, const Bisector& bisector, const BisectStep& step) {
  const double total = static_cast<double>(bisector.candidate_count());
  const double weight = static_cast<double>(bisector.weight(step.commit));
  state.counters["candidates"] = total;
  // 0 = exactly halfway; git's own early exit accepts up to ~0.001.
  state.counters["off_halfway"] = std::abs(2 * weight - total) / total;
  state.counters["peak_rss_MiB"] = peak_rss_mib();
}

// Baseline: one DFS counting every ancestor of the tip.
void BM_PlainDfsOverHistory(benchmark::State& state) {
  const CommitGraph& graph = linux_like_history();
  for (auto _ : state) {
    std::vector<bool> seen(graph.size(), false);
    std::vector<Index> stack{tip()};
    seen[tip()] = true;
    std::size_t count = 0;
    while (!stack.empty()) {
      const Index node = stack.back();
      stack.pop_back();
      ++count;
      for (const Index parent : graph.parents(node)) {
        if (!seen[parent]) {
          seen[parent] = true;
          stack.push_back(parent);
        }
      }
    }
    benchmark::DoNotOptimize(count);
  }
  state.counters["peak_rss_MiB"] = peak_rss_mib();
}
BENCHMARK(BM_PlainDfsOverHistory)->Unit(benchmark::kMillisecond);

void BM_NextOnFullRange(benchmark::State& state) {
  const Bisector bisector(linux_like_history(), tip());
  BisectStep step;
  for (auto _ : state) {
    step = bisector.next();
    benchmark::DoNotOptimize(step.commit);
  }
  report(state, bisector, step);
}
BENCHMARK(BM_NextOnFullRange)->Unit(benchmark::kMillisecond);

void BM_NextAfterMarks(benchmark::State& state) {
  Bisector bisector(linux_like_history(), tip());
  const Mark marks[] = {Mark::good, Mark::bad, Mark::skip, Mark::good, Mark::bad};
  for (const Mark mark : marks) bisector.mark(bisector.next().commit, mark);
  BisectStep step;
  for (auto _ : state) {
    step = bisector.next();
    benchmark::DoNotOptimize(step.commit);
  }
  report(state, bisector, step);
}
BENCHMARK(BM_NextAfterMarks)->Unit(benchmark::kMillisecond);

void BM_Mark(benchmark::State& state) {
  const Mark mark = state.range(0) == 0 ? Mark::good : Mark::bad;
  const Bisector start(linux_like_history(), tip());
  const Index chosen = start.next().commit;
  for (auto _ : state) {
    state.PauseTiming();
    Bisector bisector = start;
    state.ResumeTiming();
    bisector.mark(chosen, mark);
    benchmark::DoNotOptimize(bisector.candidate_count());
  }
  state.counters["peak_rss_MiB"] = peak_rss_mib();
}
BENCHMARK(BM_Mark)->Arg(0)->Arg(1)->ArgNames({"bad"})->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace culprit::search

BENCHMARK_MAIN();
