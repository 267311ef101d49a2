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
//   noisy_search_bench [--trials 200] [--sizes 1000,15000] [--repro 1,0.8,0.5,0.3,0.1,0.05]
//                      [--unrelated 0,0.02,0.05] [--confidence 0.99] [--parallel 1] [--seed 1]
//   noisy_search_bench --calibration PER_CELL [--out DIR]
// The first prints the table of docs/noisy-search.md ("floor": log2(N) / C(p, f) runs, C the
// capacity of one run; "x flr": bayes's runs over it; misses split into wrong answers, inconclusive
// and not reproduced on the start commit). The second runs PER_CELL bisections for every p, f, N
// and confidence asked for, bins the answers by the confidence they stated and writes
// DIR/calibration.md and DIR/reliability.svg.
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "search/bayes_strategy.h"
#include "search/release_tags.h"
#include "search/strategy.h"
#include "support/synthetic_history.h"

namespace {

using culprit::RunOutcome;
using namespace culprit::search;
using culprit::testing::make_synthetic_history;
using culprit::testing::SyntheticHistoryOptions;

constexpr double kBuildMinutes = 6;
constexpr double kBatchMinutes = 5;
int g_vms = 10;  // --vms: runs at once; a round of up to g_vms runs takes kBatchMinutes
constexpr int kRunsPerBatch = 10;
constexpr int kGraphsPerSize = 8;
constexpr std::size_t kMaxSteps = 2000;

struct Scenario {
  double repro = 1;      // p
  double unrelated = 0;  // f
};

struct Outcome {
  enum class Kind { not_reproduced, found, outside, inconclusive } kind = Kind::not_reproduced;
  bool correct = false;
  double confidence = 0;  // what the strategy stated at the end (found, outside, inconclusive)
  std::size_t builds = 0;
  std::size_t runs = 0;
  double minutes = 0;
};

struct History {
  culprit::vcs::CommitGraph graph;
  std::shared_ptr<const Ancestry> ancestry;
};

// Per node: does it have the bug, i.e. is the culprit one of its ancestors or itself?
std::vector<char> bug_present(const culprit::vcs::CommitGraph& graph, Index culprit) {
  std::vector<char> present(graph.size(), 0);
  for (std::size_t node = culprit; node < graph.size(); ++node) {
    bool bad = node == culprit;
    for (const Index parent : graph.parents(static_cast<Index>(node))) {
      bad = bad || present[parent];
    }
    present[node] = bad;
  }
  return present;
}

// The driver's kept builds, most recent first: testing one of them costs no build.
class KeptBuilds {
 public:
  explicit KeptBuilds(int limit) : limit_(static_cast<std::size_t>(limit)) {}
  // Whether testing `node` needs a build; it becomes the most recent.
  bool needs_build(std::uint64_t node) {
    const auto found = std::find(kept_.begin(), kept_.end(), node);
    const bool needs = found == kept_.end();
    if (!needs) kept_.erase(found);
    kept_.insert(kept_.begin(), node);
    if (kept_.size() > limit_) kept_.pop_back();
    return needs;
  }

 private:
  std::size_t limit_;
  std::vector<std::uint64_t> kept_;
};

// The simulated driver: the bug is present on descendants of the culprit (itself included).
class Simulation {
 public:
  Simulation(const History& history, Index culprit, Scenario scenario, std::uint64_t seed,
             int kept_builds)
      : history_(history),
        scenario_(scenario),
        random_(seed),
        kept_(kept_builds),
        present_(bug_present(history.graph, culprit)) {}

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
    const bool needs = kept_.needs_build(point);
    if (needs) ++outcome_.builds;
    return needs;
  }

  Outcome drive(SearchStrategy& strategy, Index culprit) {
    const auto& graph = history_.graph;
    const Index bad = static_cast<Index>(graph.size() - 1);
    const Point good = static_cast<Point>(graph.size());  // the one old end
    auto batch_minutes = [](int runs) { return kBatchMinutes * ((runs + g_vms - 1) / g_vms); };
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
      outcome_.confidence = strategy.confidence();
      if (next.kind == SearchStep::Kind::found) {
        outcome_.kind = Outcome::Kind::found;
        outcome_.correct = next.point == culprit;
        return outcome_;
      }
      if (next.kind == SearchStep::Kind::outside) outcome_.kind = Outcome::Kind::outside;
      if (next.kind == SearchStep::Kind::inconclusive) {
        outcome_.kind = Outcome::Kind::inconclusive;
        // The leading candidate, stated with its probability.
        const std::vector<Ranked> top = strategy.top(1);
        outcome_.correct = !top.empty() && top[0].point == culprit;
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
  KeptBuilds kept_;
  std::vector<char> present_;
  Outcome outcome_;
};

struct Totals {
  std::size_t trials = 0, correct = 0, builds = 0, runs = 0;
  std::size_t wrong_found = 0, inconclusive = 0, not_reproduced = 0;
  double minutes = 0;
  void add(const Outcome& outcome) {
    ++trials;
    const bool answered = outcome.kind == Outcome::Kind::found;
    correct += answered && outcome.correct ? 1 : 0;
    wrong_found += (answered && !outcome.correct) || outcome.kind == Outcome::Kind::outside;
    inconclusive += outcome.kind == Outcome::Kind::inconclusive;
    not_reproduced += outcome.kind == Outcome::Kind::not_reproduced;
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

std::vector<double> parse_list(const std::string& text) {
  std::vector<double> values;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t comma = text.find(',', at);
    if (comma == std::string::npos) comma = text.size();
    values.push_back(std::stod(text.substr(at, comma - at)));
    at = comma + 1;
  }
  return values;
}

// Capacity (bits per run) of one run of the simulated reproducer as a channel from "bug present"
// to {ok, bug crash, unrelated crash}: max over the prior q of I(S; Y). log2(N) / C is the fewest
// runs any search can need on average (the information floor).
double run_capacity(double p, double f) {
  const double present[3] = {(1 - p) * (1 - f), p, (1 - p) * f};
  const double absent[3] = {1 - f, 0, f};
  double best = 0;
  for (int i = 1; i < 2000; ++i) {
    const double q = i / 2000.0;
    double bits = 0;
    for (int y = 0; y < 3; ++y) {
      const double mixture = q * present[y] + (1 - q) * absent[y];
      if (present[y] > 0) bits += q * present[y] * std::log2(present[y] / mixture);
      if (absent[y] > 0) bits += (1 - q) * absent[y] * std::log2(absent[y] / mixture);
    }
    best = std::max(best, bits);
  }
  return best;
}

struct Trial {
  const History* history;
  Index culprit;
  Scenario scenario;
  std::uint64_t run_seed;
};

Outcome run_trial(const std::string& name, const Trial& trial, int parallel, double confidence) {
  StrategyOptions options;
  options.runs = kRunsPerBatch;
  options.parallel = name == "bayes" ? parallel : 1;
  options.kept_builds = name == "bayes" ? parallel + 2 : 1;
  options.confidence = confidence;
  options.run_slots = g_vms;
  options.budget.runs = 3000;
  auto strategy = make_search_strategy(name, options);
  if (!strategy) std::abort();
  if (auto* bayes_strategy = dynamic_cast<BayesStrategy*>(strategy->get())) {
    bayes_strategy->set_ancestry(trial.history->ancestry);
  }
  Simulation simulation(*trial.history, trial.culprit, trial.scenario, trial.run_seed,
                        options.kept_builds);
  return simulation.drive(**strategy, trial.culprit);
}

std::vector<History> make_histories(std::size_t size, std::uint64_t seed) {
  std::vector<History> histories;
  for (int g = 0; g < kGraphsPerSize; ++g) {
    SyntheticHistoryOptions options;
    options.commits = size;
    options.seed = seed * 1000 + static_cast<std::uint64_t>(g);
    histories.push_back(History{make_synthetic_history(options), nullptr});
  }
  for (History& history : histories) history.ancestry = std::make_shared<Ancestry>(history.graph);
  return histories;
}

Trial make_trial(const std::vector<History>& histories, int t, Scenario scenario,
                 std::uint64_t seed) {
  const History& history = histories[static_cast<std::size_t>(t) % histories.size()];
  std::mt19937_64 pick(seed * 7919 + static_cast<std::uint64_t>(t));
  const auto culprit = static_cast<Index>(pick() % history.graph.size());
  return Trial{&history, culprit, scenario, pick()};
}

// Calibration: bisections spread over p, f, N and the confidence asked for; every answer that
// states a confidence (found, outside, inconclusive with its leading candidate) is binned by it.
struct Bin {
  double low, high;
  std::size_t count = 0, right = 0;
  double stated = 0;
};

void write_reliability_svg(const std::string& path, const std::vector<Bin>& bins) {
  std::FILE* out = std::fopen(path.c_str(), "w");
  if (out == nullptr) {
    std::fprintf(stderr, "noisy_search_bench: cannot write %s\n", path.c_str());
    return;
  }
  const double size = 400, margin = 50;
  auto x = [&](double v) { return margin + v * size; };
  auto y = [&](double v) { return margin + (1 - v) * size; };
  std::fprintf(out,
               "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
               "font-family=\"sans-serif\" font-size=\"12\">\n",
               size + 2 * margin, size + 2 * margin);
  std::fprintf(out, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
  std::fprintf(out,
               "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#999\" "
               "stroke-dasharray=\"4\"/>\n",
               x(0), y(0), x(1), y(1));
  std::fprintf(out,
               "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
               "stroke=\"black\"/>\n",
               x(0), y(1), size, size);
  for (int t = 0; t <= 10; t += 2) {
    const double v = t / 10.0;
    std::fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.1f</text>\n", x(v),
                 y(0) + 16, v);
    std::fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.1f</text>\n", x(0) - 6,
                 y(v) + 4, v);
  }
  std::fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">stated confidence</text>\n",
               x(0.5), y(0) + 34);
  std::fprintf(out,
               "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" transform=\"rotate(-90 %.1f "
               "%.1f)\">fraction right</text>\n",
               x(0) - 34, y(0.5), x(0) - 34, y(0.5));
  std::fprintf(out,
               "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">bayes: reliability "
               "(a larger dot: more results in its bin)</text>\n",
               x(0.5), y(1) - 16);
  std::size_t most = 1;
  for (const Bin& bin : bins) most = std::max(most, bin.count);
  std::string points;
  for (const Bin& bin : bins) {
    if (bin.count == 0) continue;
    const double stated = bin.stated / static_cast<double>(bin.count);
    const double right = static_cast<double>(bin.right) / static_cast<double>(bin.count);
    const double radius = 3 + 9 * std::sqrt(static_cast<double>(bin.count) / most);
    std::fprintf(out,
                 "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"#1f77b4\" "
                 "fill-opacity=\"0.6\"/>\n",
                 x(stated), y(right), radius);
    char point[64];
    std::snprintf(point, sizeof point, "%.1f,%.1f ", x(stated), y(right));
    points += point;
  }
  std::fprintf(out, "<polyline points=\"%s\" fill=\"none\" stroke=\"#1f77b4\"/>\n", points.c_str());
  std::fprintf(out, "</svg>\n");
  std::fclose(out);
}

int calibration(const std::string& out_dir, int per_cell, std::uint64_t seed) {
  const std::vector<double> repro_rates = {1.0, 0.5, 0.3, 0.2, 0.1, 0.05};
  const std::vector<double> unrelated_rates = {0.0, 0.02, 0.05};
  const std::vector<std::size_t> sizes = {300, 1000, 15000};
  const std::vector<double> confidences = {0.6, 0.8, 0.9, 0.95, 0.99};
  std::vector<Bin> bins = {{0.0, 0.5},  {0.5, 0.6},   {0.6, 0.7},   {0.7, 0.8},  {0.8, 0.9},
                           {0.9, 0.95}, {0.95, 0.98}, {0.98, 0.99}, {0.99, 1.01}};
  std::size_t answers = 0, bisections = 0;
  const auto started = std::chrono::steady_clock::now();
  std::map<std::pair<double, double>, std::array<double, 3>> by_rates;  // stated, right, count
  for (const std::size_t size : sizes) {
    const std::vector<History> histories = make_histories(size, seed);
    int t = 0;
    for (const double repro : repro_rates) {
      for (const double unrelated : unrelated_rates) {
        for (const double confidence : confidences) {
          for (int i = 0; i < per_cell; ++i, ++t) {
            const Trial trial = make_trial(histories, t, {repro, unrelated}, seed);
            const Outcome outcome = run_trial("bayes", trial, 1, confidence);
            ++bisections;
            if (outcome.kind == Outcome::Kind::not_reproduced) continue;
            ++answers;
            auto& cell = by_rates[{repro, unrelated}];
            cell[0] += outcome.confidence;
            cell[1] += outcome.correct ? 1 : 0;
            cell[2] += 1;
            for (Bin& bin : bins) {
              if (outcome.confidence >= bin.low && outcome.confidence < bin.high) {
                ++bin.count;
                bin.right += outcome.correct ? 1 : 0;
                bin.stated += outcome.confidence;
                break;
              }
            }
          }
        }
      }
    }
  }
  double error = 0, worst_overclaim = 0;
  std::string table =
      "| stated confidence | results | mean stated | fraction right | gap "
      "|\n|---|---|---|---|---|\n";
  for (const Bin& bin : bins) {
    if (bin.count == 0) continue;
    const double n = static_cast<double>(bin.count);
    const double stated = bin.stated / n, right = static_cast<double>(bin.right) / n;
    error += n / static_cast<double>(answers) * std::abs(stated - right);
    if (bin.count >= 50) worst_overclaim = std::max(worst_overclaim, stated - right);
    char line[160];
    std::snprintf(line, sizeof line, "| %.2f-%.2f | %zu | %.3f | %.3f | %+.3f |\n", bin.low,
                  std::min(bin.high, 1.0), bin.count, stated, right, right - stated);
    table += line;
  }
  table +=
      "\nBy rates (all N and confidence targets):\n\n| p | f | results | mean stated | fraction "
      "right |\n|---|---|---|---|---|\n";
  for (const auto& [rates, cell] : by_rates) {
    char line[128];
    std::snprintf(line, sizeof line, "| %.2f | %.2f | %.0f | %.3f | %.3f |\n", rates.first,
                  rates.second, cell[2], cell[0] / cell[2], cell[1] / cell[2]);
    table += line;
  }
  char summary[256];
  std::snprintf(summary, sizeof summary,
                "\n%zu bisections, %zu with an answer; expected calibration error %.4f; "
                "largest over-claim in a bin of >= 50 results: %.3f\n",
                bisections, answers, error, worst_overclaim);
  table += summary;
  std::printf("%s", table.c_str());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("calibration time: %.0f s\n", seconds);
  if (!out_dir.empty()) {
    std::filesystem::create_directories(out_dir);
    if (std::FILE* out = std::fopen((out_dir + "/calibration.md").c_str(), "w")) {
      std::fputs(table.c_str(), out);
      std::fclose(out);
    }
    write_reliability_svg(out_dir + "/reliability.svg", bins);
    std::printf("wrote %s/calibration.md and %s/reliability.svg\n", out_dir.c_str(),
                out_dir.c_str());
  }
  return 0;
}

// The good end (issue 14): tag histories of kReleases release cycles of kReleaseCommits commits
// each (a synthetic Linux-like DAG, tags on the mainline), the start commit half a cycle after the
// newest tag, and the bug introduced `back` releases back (tags 0 .. back-1, newest first, have
// it; the culprit is a random commit between tag back-1 and tag back). Three ways to a culprit:
//   syzbot + classic   syzbot's thinned walk judged by syzbot's rule, then classic bisection;
//   syzbot + bayes     the same walk judged by bayes (judge_release), then the bayes range search;
//   bayes              the good end chosen by the evidence (begin_ends / next_end), then bayes.
// Builds are counted for the walk and in all, with the same kept-builds model as above.
constexpr std::size_t kReleases = 20;
constexpr std::size_t kReleaseCommits = 1000;

struct TagHistory {
  culprit::vcs::CommitGraph graph;
  std::vector<Index> tags;  // newest first
  std::vector<std::string> names;
};

TagHistory make_tag_history(std::uint64_t seed) {
  SyntheticHistoryOptions options;
  options.commits = kReleases * kReleaseCommits + kReleaseCommits / 2;
  options.seed = seed;
  TagHistory history{make_synthetic_history(options), {}, {}};
  // The mainline, oldest first: the first-parent chain of the last commit.
  std::vector<Index> mainline;
  for (Index at = static_cast<Index>(history.graph.size() - 1);;) {
    mainline.push_back(at);
    const auto parents = history.graph.parents(at);
    if (parents.empty()) break;
    at = parents[0];
  }
  std::reverse(mainline.begin(), mainline.end());
  // Tag the mainline commit nearest below every multiple of kReleaseCommits.
  for (std::size_t release = kReleases; release >= 1; --release) {
    const Index limit = static_cast<Index>(release * kReleaseCommits);
    Index tag = mainline.front();
    for (const Index node : mainline) {
      if (node <= limit) tag = node;
    }
    history.tags.push_back(tag);
    history.names.push_back("v5." + std::to_string(release));
  }
  return history;
}

std::vector<char> ancestors_of(const culprit::vcs::CommitGraph& graph, Index tip) {
  std::vector<char> seen(graph.size(), 0);
  std::vector<Index> stack = {tip};
  while (!stack.empty()) {
    const Index at = stack.back();
    stack.pop_back();
    if (seen[at]) continue;
    seen[at] = 1;
    for (const Index parent : graph.parents(at)) stack.push_back(parent);
  }
  return seen;
}

struct GoodEndOutcome {
  bool correct = false;
  std::size_t walk_builds = 0, builds = 0, runs = 0;
};

class GoodEndSimulation {
 public:
  GoodEndSimulation(const TagHistory& history, Index culprit, double repro, std::uint64_t seed,
                    int kept_builds)
      : history_(history),
        repro_(repro),
        random_(seed),
        kept_(kept_builds),
        culprit_(culprit),
        present_(bug_present(history.graph, culprit)) {}

  GoodEndOutcome run(SearchStrategy& strategy, bool by_evidence) {
    const auto& graph = history_.graph;
    const Index start = static_cast<Index>(graph.size() - 1);
    const TestCost build_and_batch{kBuildMinutes, kBatchMinutes}, batch{0, kBatchMinutes};
    needs_build(start);
    std::vector<RunSummary> start_runs;
    VerdictDecision decision;
    for (TestCost cost = build_and_batch;; cost = batch) {
      const std::vector<RunSummary> more = runs(true, kRunsPerBatch);
      start_runs.insert(start_runs.end(), more.begin(), more.end());
      decision = strategy.judge_start(start_runs, cost);
      if (decision.more_runs <= 0) break;
    }
    if (decision.verdict != Verdict::bad) return finish();

    std::optional<Index> good, new_end;
    if (by_evidence) {
      std::vector<EndCandidate> ends;
      for (std::size_t i = 0; i < history_.tags.size(); ++i) {
        ends.push_back({history_.names[i],
                        static_cast<double>(start) - static_cast<double>(history_.tags[i])});
      }
      strategy.begin_ends(ends);
      for (std::size_t step = 0; step < kMaxSteps; ++step) {
        const EndStep next = strategy.next_end();
        if (next.kind == EndStep::Kind::good) {
          good = history_.tags[next.index];
          if (next.new_end) new_end = history_.tags[*next.new_end];
        }
        if (next.kind != EndStep::Kind::test) break;
        const Index tag = history_.tags[next.index];
        const TestCost cost = needs_build(tag) ? build_and_batch : batch;
        strategy.record_end(next.index, runs(present_[tag], next.runs), cost);
      }
    } else {
      std::map<std::string, Index> tag_of;
      for (std::size_t i = 0; i < history_.tags.size(); ++i) {
        tag_of[history_.names[i]] = history_.tags[i];
      }
      for (const std::string& name : pick_release_tags(history_.names)) {
        const Index tag = tag_of[name];
        std::vector<RunSummary> tag_runs;
        Verdict verdict = Verdict::skip;
        for (TestCost cost = needs_build(tag) ? build_and_batch : batch;; cost = batch) {
          const std::vector<RunSummary> more = runs(present_[tag], kRunsPerBatch);
          tag_runs.insert(tag_runs.end(), more.begin(), more.end());
          const VerdictDecision judged = strategy.judge_release(tag_runs, cost);
          verdict = judged.verdict;
          if (judged.more_runs <= 0) break;
        }
        if (verdict == Verdict::good) {
          good = tag;
          break;
        }
        if (verdict == Verdict::bad) new_end = tag;
      }
    }
    outcome_.walk_builds = outcome_.builds;
    if (!good) return finish();
    return search(strategy, new_end.value_or(start), *good);
  }

 private:
  GoodEndOutcome finish() { return outcome_; }

  // The range search between `bad` and `good`, on the range's own graph, as the driver builds it.
  GoodEndOutcome search(SearchStrategy& strategy, Index bad, Index good) {
    const auto& graph = history_.graph;
    const std::vector<char> in_bad = ancestors_of(graph, bad);
    const std::vector<char> in_good = ancestors_of(graph, good);
    culprit::vcs::CommitGraph::Builder builder;
    std::vector<Index> range_index(graph.size(), 0), full_index;
    for (Index node = 0; node < graph.size(); ++node) {
      if (!in_bad[node] || in_good[node]) continue;
      std::vector<Index> parents;
      for (const Index parent : graph.parents(node)) {
        if (in_bad[parent] && !in_good[parent]) parents.push_back(range_index[parent]);
      }
      range_index[node] = static_cast<Index>(full_index.size());
      full_index.push_back(node);
      builder.add_indexed(graph.id(node), parents, static_cast<std::int64_t>(node));
    }
    const culprit::vcs::CommitGraph range = std::move(builder).build();
    const Point old_end = static_cast<Point>(range.size());
    strategy.begin(range, static_cast<Index>(range.size() - 1), 1);
    for (std::size_t step = 0; step < kMaxSteps; ++step) {
      const SearchStep next = strategy.next();
      if (next.kind == SearchStep::Kind::found) {
        outcome_.correct = full_index[next.point] == culprit_;
        return outcome_;
      }
      if (next.kind != SearchStep::Kind::test) return outcome_;
      for (const TestOrder& order : next.tests) {
        const Index node = order.point == old_end ? good : full_index[order.point];
        const TestCost cost{needs_build(node) ? kBuildMinutes : 0.0, kBatchMinutes};
        strategy.record(order.point, runs(present_[node], order.runs), cost);
      }
    }
    return outcome_;
  }

  std::vector<RunSummary> runs(bool present, int count) {
    std::vector<RunSummary> result(static_cast<std::size_t>(count));
    for (RunSummary& run : result) {
      if (present && unit() < repro_) {
        run.outcome = RunOutcome::crashed;
        run.title = "KASAN: use-after-free Read in planted_bug";
      }
    }
    outcome_.runs += result.size();
    return result;
  }

  bool needs_build(Index node) {
    const bool needs = kept_.needs_build(node);
    if (needs) ++outcome_.builds;
    return needs;
  }

  double unit() { return static_cast<double>(random_() >> 11) * 0x1.0p-53; }

  const TagHistory& history_;
  double repro_;
  std::mt19937_64 random_;
  KeptBuilds kept_;
  Index culprit_ = 0;
  std::vector<char> present_;
  GoodEndOutcome outcome_;
};

int good_end(int trials, std::uint64_t seed) {
  const auto started = std::chrono::steady_clock::now();
  std::vector<TagHistory> histories;
  for (int g = 0; g < 4; ++g) histories.push_back(make_tag_history(seed * 1000 + 500 + g));
  std::printf(
      "good end: %zu releases of %zu commits, start commit half a cycle past the newest tag, %d "
      "trials per row; builds in the walk / in all, accuracy\n",
      kReleases, kReleaseCommits, trials);
  std::printf("%4s %4s | %-24s | %-24s | %-24s\n", "back", "p", "syzbot walk + classic",
              "syzbot walk + bayes", "bayes (good end by evidence)");
  std::printf("%4s %4s | %6s %7s %9s | %6s %7s %9s | %6s %7s %9s\n", "", "", "walk", "builds",
              "accuracy", "walk", "builds", "accuracy", "walk", "builds", "accuracy");
  for (const double repro : {1.0, 0.3}) {
    for (const std::size_t back : {std::size_t{1}, std::size_t{3}, std::size_t{10}}) {
      struct Sum {
        double walk = 0, builds = 0, correct = 0;
      } sums[3];
      for (int t = 0; t < trials; ++t) {
        const TagHistory& history = histories[static_cast<std::size_t>(t) % histories.size()];
        // The culprit: a random commit that tag back-1 has and tag back has not.
        const std::vector<char> newer = ancestors_of(history.graph, history.tags[back - 1]);
        const std::vector<char> older = ancestors_of(history.graph, history.tags[back]);
        std::vector<Index> between;
        for (Index node = 0; node < history.graph.size(); ++node) {
          if (newer[node] && !older[node]) between.push_back(node);
        }
        std::mt19937_64 pick(seed * 7919 + static_cast<std::uint64_t>(t) + back * 101);
        const Index culprit = between[pick() % between.size()];
        const std::uint64_t run_seed = pick();
        for (int method = 0; method < 3; ++method) {
          const std::string name = method == 0 ? "classic" : "bayes";
          StrategyOptions options;
          options.runs = kRunsPerBatch;
          options.kept_builds = name == "bayes" ? 3 : 1;
          options.budget.runs = 3000;
          auto strategy = make_search_strategy(name, options);
          if (!strategy) std::abort();
          GoodEndSimulation simulation(history, culprit, repro, run_seed, options.kept_builds);
          const GoodEndOutcome outcome = simulation.run(**strategy, method == 2);
          sums[method].walk += static_cast<double>(outcome.walk_builds);
          sums[method].builds += static_cast<double>(outcome.builds);
          sums[method].correct += outcome.correct ? 1 : 0;
        }
      }
      std::printf("%4zu %4.2f", back, repro);
      for (const Sum& sum : sums) {
        std::printf(" | %6.1f %7.1f %9.3f", sum.walk / trials, sum.builds / trials,
                    sum.correct / trials);
      }
      std::printf("\n");
      std::fflush(stdout);
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("good end time: %.0f s\n", seconds);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int trials = 200;
  int parallel = 1;
  std::uint64_t seed = 1;
  std::vector<std::size_t> sizes = {1000, 15000};
  std::vector<double> repro_rates = {1.0, 0.8, 0.5, 0.3, 0.1, 0.05};
  std::vector<double> unrelated_rates = {0.0, 0.02, 0.05};
  std::string calibration_dir;
  int calibration_per_cell = 0;
  int good_end_trials = 0;
  double confidence = StrategyOptions{}.confidence;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--trials") trials = std::stoi(value);
    if (flag == "--parallel") parallel = std::stoi(value);
    if (flag == "--seed") seed = std::stoull(value);
    if (flag == "--sizes") {
      sizes.clear();
      for (const double size : parse_list(value)) sizes.push_back(static_cast<std::size_t>(size));
    }
    if (flag == "--repro") repro_rates = parse_list(value);
    if (flag == "--unrelated") unrelated_rates = parse_list(value);
    if (flag == "--calibration") calibration_per_cell = std::stoi(value);
    if (flag == "--out") calibration_dir = value;
    if (flag == "--confidence") confidence = std::stod(value);
    if (flag == "--good-end") good_end_trials = std::stoi(value);
    if (flag == "--vms") g_vms = std::max(1, std::stoi(value));
  }
  if (calibration_per_cell > 0) return calibration(calibration_dir, calibration_per_cell, seed);
  if (good_end_trials > 0) return good_end(good_end_trials, seed);
  const auto started = std::chrono::steady_clock::now();

  std::printf(
      "B = %.0f min per build, R = %.0f min per batch of %d runs (%d VMs), %d trials, "
      "bayes --parallel %d\n",
      kBuildMinutes, kBatchMinutes, kRunsPerBatch, g_vms, trials, parallel);
  const std::string bayes_title =
      "bayes (confidence " + std::to_string(confidence).substr(0, 4) + ")";
  std::printf("%6s %4s %5s %6s | %-31s | %-31s | %-15s\n", "N", "p", "f", "floor",
              "classic (syzbot rule, 10 runs)", bayes_title.c_str(), "bayes misses");
  std::printf("%6s %4s %5s %6s | %5s %7s %7s %7s | %5s %7s %7s %7s | %5s %4s %4s %5s\n", "", "", "",
              "runs", "acc", "builds", "runs", "hours", "acc", "builds", "runs", "hours", "wrong",
              "inc", "nrep", "x flr");
  for (const std::size_t size : sizes) {
    const std::vector<History> histories = make_histories(size, seed);
    for (const double repro : repro_rates) {
      for (const double unrelated : unrelated_rates) {
        Totals classic, bayes;
        for (int t = 0; t < trials; ++t) {
          const Trial trial = make_trial(histories, t, {repro, unrelated}, seed);
          classic.add(run_trial("classic", trial, 1, confidence));
          bayes.add(run_trial("bayes", trial, parallel, confidence));
        }
        const double floor = std::log2(static_cast<double>(size)) / run_capacity(repro, unrelated);
        std::printf("%6zu %4.2f %5.2f %6.1f | %s | %s | %5zu %4zu %4zu %5.2f\n", size, repro,
                    unrelated, floor, classic.row().c_str(), bayes.row().c_str(), bayes.wrong_found,
                    bayes.inconclusive, bayes.not_reproduced,
                    static_cast<double>(bayes.runs) / bayes.trials / floor);
        std::fflush(stdout);
      }
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("benchmark time: %.0f s\n", seconds);
  return 0;
}
