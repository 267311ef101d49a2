#include "search/bayes_strategy.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include <fmt/format.h>

#include "search/bug_evidence.h"

namespace culprit::search {

namespace {

constexpr int kMaxParallel = 8;

double clamp(double value, double low, double high) {
  return std::min(high, std::max(low, value));
}

}  // namespace

BayesStrategy::BayesStrategy(const StrategyOptions& options, BayesModel model)
    : options_(options), model_(model) {
  options_.parallel = std::clamp(options_.parallel, 1, kMaxParallel);
  options_.kept_builds = std::max(options_.kept_builds, options_.parallel);
  repro_ = model_.repro_alpha / (model_.repro_alpha + model_.repro_beta);
  unrelated_ = model_.unrelated_alpha / (model_.unrelated_alpha + model_.unrelated_beta);
}

BayesStrategy::Counts BayesStrategy::count(std::span<const RunSummary> runs) const {
  Counts counts;
  for (const RunSummary& run : runs) {
    if (run.outcome == RunOutcome::ok) ++counts.ok;
    if (run.outcome != RunOutcome::crashed) continue;
    ++(matches_bug(bug_titles_, run) ? counts.match : counts.other);
  }
  return counts;
}

std::array<double, 3> BayesStrategy::outcome_probabilities(bool new_state) const {
  const bool present = new_state != options_.fix_mode;
  const double p = repro_, f = unrelated_, m = model_.title_match, u = model_.unrelated_match;
  if (!present) return {1 - f, f * u, f * (1 - u)};
  return {(1 - p) * (1 - f), p * m + (1 - p) * f * u, p * (1 - m) + (1 - p) * f * (1 - u)};
}

double BayesStrategy::log_likelihood(const Counts& counts, bool new_state) const {
  const auto probabilities = outcome_probabilities(new_state);
  double sum = 0;
  const int ks[3] = {counts.ok, counts.match, counts.other};
  for (int i = 0; i < 3; ++i) {
    if (ks[i] > 0) sum += ks[i] * std::log(std::max(probabilities[i], 1e-300));
  }
  return sum;
}

double BayesStrategy::log_ratio(const Counts& counts) const {
  return log_likelihood(counts, true) - log_likelihood(counts, false);
}

void BayesStrategy::learn_cost(const TestCost& cost) {
  if (cost.build_s > 0) {
    build_sum_ += cost.build_s;
    ++build_samples_;
    ++builds_;
  }
  if (cost.runs_s > 0) {
    runs_sum_ += cost.runs_s;
    ++runs_samples_;
  }
  spent_s_ += cost.build_s + cost.runs_s;
}

double BayesStrategy::action_cost(bool needs_build) const {
  const double runs = runs_samples_ > 0 ? runs_sum_ / runs_samples_ : 1.0;
  const double build = build_samples_ > 0 ? build_sum_ / build_samples_ : runs;
  return std::max(runs, 1e-3) + (needs_build ? std::max(build, 1e-3) : 0.0);
}

VerdictDecision BayesStrategy::describe(std::span<const RunSummary> runs,
                                        const Counts& counts) const {
  VerdictDecision decision;
  int cannot_test = 0, infra = 0;
  for (const RunSummary& run : runs) {
    switch (run.outcome) {
      case RunOutcome::ok:
        decision.run_labels.push_back("OK");
        break;
      case RunOutcome::cannot_test:
        ++cannot_test;
        decision.run_labels.push_back("skip: cannot test");
        break;
      case RunOutcome::infra_error:
        ++infra;
        decision.run_labels.push_back(
            fmt::format("infra: {}", run.title.empty() ? "infrastructure error" : run.title));
        break;
      case RunOutcome::crashed: {
        const bool matches = matches_bug(bug_titles_, run);
        decision.run_labels.push_back(
            fmt::format("crashed: {}{}", run.title, matches ? "" : " (not the bug's title)"));
        break;
      }
    }
  }
  const int crashes = counts.match + counts.other;
  decision.bad_ratio = counts.total() == 0 ? 0 : static_cast<double>(crashes) / counts.total();
  decision.reason = fmt::format("{} bad ({} with the bug's title), {} good, {} skip, {} infra",
                                crashes, counts.match, counts.ok, cannot_test, infra);
  if (counts.total() == 0 && infra > cannot_test) {
    decision.infra_abort = true;
    decision.reason = "unable to determine the verdict because of infra errors: " + decision.reason;
  }
  return decision;
}

VerdictDecision BayesStrategy::judge_start(std::span<const RunSummary> runs, const TestCost& cost) {
  learn_cost(cost);
  ++start_batches_;
  bool crashed = false;
  for (const RunSummary& run : runs) crashed = crashed || run.outcome == RunOutcome::crashed;
  bug_titles_ = bug_titles_from(runs);  // search/bug_evidence.h
  const Counts counts = count(runs);
  VerdictDecision decision = describe(runs, counts);
  if (decision.infra_abort) return decision;
  if (!crashed) {
    if (start_batches_ < model_.start_batches) {
      decision.more_runs = options_.runs;
    } else {
      decision.verdict = counts.ok > 0 ? Verdict::good : Verdict::skip;
    }
    return decision;
  }
  decision.verdict = Verdict::bad;
  runs_ += counts.total();
  // Cause mode: the start commit is newer than every candidate; fix mode: it is the old end.
  if (options_.fix_mode) {
    pending_old_.push_back(counts);
  } else {
    above_.ok += counts.ok;
    above_.match += counts.match;
    above_.other += counts.other;
  }
  reestimate_rates();
  return decision;
}

VerdictDecision BayesStrategy::judge_commit(std::span<const RunSummary> runs, bool& is_bad) {
  ++judge_batches_;
  const Counts counts = count(runs);
  VerdictDecision decision = describe(runs, counts);
  is_bad = counts.match > 0;
  if (decision.infra_abort || counts.total() == 0) {
    judge_batches_ = 0;
    return decision;  // skip
  }
  if (is_bad) {
    decision.verdict = Verdict::bad;
  } else {
    // How likely a commit with the bug would have shown no crash with the bug's title so far.
    const double miss = std::pow(1 - outcome_probabilities(!options_.fix_mode)[1], counts.total());
    if (miss > model_.judge_error && judge_batches_ < model_.judge_batches) {
      decision.more_runs = options_.runs;
      return decision;
    }
    decision.verdict = Verdict::good;
    decision.false_negative = miss;
  }
  judge_batches_ = 0;
  runs_ += counts.total();
  return decision;
}

VerdictDecision BayesStrategy::judge_release(std::span<const RunSummary> runs,
                                             const TestCost& cost) {
  learn_cost(cost);
  bool is_bad = false;
  VerdictDecision decision = judge_commit(runs, is_bad);
  if (decision.more_runs > 0 || decision.verdict == Verdict::skip) return decision;
  const Counts counts = count(runs);
  if (is_bad) {
    above_.ok += counts.ok;
    above_.match += counts.match;
    above_.other += counts.other;
  } else {
    pending_old_.push_back(counts);  // it becomes the range's good end
  }
  reestimate_rates();
  return decision;
}

VerdictDecision BayesStrategy::judge_head(std::span<const RunSummary> runs, const TestCost& cost) {
  learn_cost(cost);
  bool is_bad = false;
  VerdictDecision decision = judge_commit(runs, is_bad);
  if (decision.more_runs > 0 || decision.verdict == Verdict::skip) return decision;
  const Counts counts = count(runs);
  // The fixed head is the range's new end: new under every hypothesis.
  above_.ok += counts.ok;
  above_.match += counts.match;
  above_.other += counts.other;
  reestimate_rates();
  return decision;
}

void BayesStrategy::begin(const vcs::CommitGraph& graph, Index, std::size_t old_ends) {
  graph_ = &graph;
  if (!ancestry_ || &ancestry_->graph() != &graph) ancestry_ = std::make_shared<Ancestry>(graph);
  nodes_ = graph.size();
  const std::size_t points = nodes_ + old_ends;
  counts_.assign(points, Counts{});
  ratio_.assign(points, 0);
  failed_.assign(points, 0);
  ancestors_.assign(nodes_, {});
  tested_.clear();
  recent_.clear();
  for (std::size_t i = 0; i < pending_old_.size() && i < old_ends; ++i) {
    counts_[nodes_ + i] = pending_old_[i];
    tested_.push_back(static_cast<Point>(nodes_ + i));
  }
  pending_old_.clear();
  log_weight_.assign(nodes_ + 1, 0);
  posterior_.assign(nodes_ + 1, 0);
  recompute_posterior();
  if (reestimate_rates()) recompute_posterior();
}

void BayesStrategy::recompute_posterior() {
  const double candidate_prior = std::log((1 - model_.older_prior) / static_cast<double>(nodes_));
  std::fill(log_weight_.begin(), log_weight_.end() - 1, candidate_prior);
  log_weight_.back() = std::log(model_.older_prior);
  for (const Point point : tested_) {
    const double ratio = log_ratio(counts_[point]);
    ratio_[point] = ratio;
    if (point < nodes_) {
      for (const Index candidate : ancestors_[point]) log_weight_[candidate] += ratio;
    }
    log_weight_.back() += ratio;  // "older": every point of the range is new
  }
  normalize();
}

void BayesStrategy::normalize() {
  const double top = *std::max_element(log_weight_.begin(), log_weight_.end());
  double sum = 0;
  for (std::size_t h = 0; h < log_weight_.size(); ++h) {
    posterior_[h] = std::exp(log_weight_[h] - top);
    sum += posterior_[h];
  }
  leader_ = 0;
  for (std::size_t h = 0; h < posterior_.size(); ++h) {
    posterior_[h] /= sum;
    if (posterior_[h] > posterior_[leader_]) leader_ = h;
  }
  // Keep the log weights bounded: they only matter up to a constant.
  for (double& weight : log_weight_) weight -= top;
  refresh_new_mass();
}

void BayesStrategy::refresh_new_mass() {
  ancestry_->ancestor_sums(std::span<const double>(posterior_.data(), nodes_), new_mass_);
}

double BayesStrategy::probability_new(Point point) const {
  if (posterior_.empty()) return 0;
  const double older = posterior_.back();
  return clamp((point < nodes_ ? new_mass_[point] : 0.0) + older, 0, 1);
}

bool BayesStrategy::reestimate_rates() {
  // One EM step: every run counts towards p in proportion to the chance that its commit has the
  // bug, towards f in proportion to the chance that it does not.
  const double p = repro_, f = unrelated_, m = model_.title_match, u = model_.unrelated_match;
  const double bug_given_match = p * m / (p * m + (1 - p) * f * u);
  const double bug_given_other = p * (1 - m) / (p * (1 - m) + (1 - p) * f * (1 - u));
  double p_hits = model_.repro_alpha, p_trials = model_.repro_alpha + model_.repro_beta;
  double f_hits = model_.unrelated_alpha, f_trials = model_.unrelated_alpha + model_.unrelated_beta;
  auto add = [&](const Counts& counts, double present) {
    p_hits += present * (bug_given_match * counts.match + bug_given_other * counts.other);
    p_trials += present * counts.total();
    f_hits += (1 - present) * (counts.match + counts.other);
    f_trials += (1 - present) * counts.total();
  };
  add(above_, options_.fix_mode ? 0 : 1);
  for (const Counts& counts : pending_old_) add(counts, options_.fix_mode ? 1 : 0);
  for (const Point point : tested_) {
    const double is_new = probability_new(point);
    add(counts_[point], options_.fix_mode ? 1 - is_new : is_new);
  }
  repro_ = clamp(p_hits / p_trials, 0.02, 0.995);
  unrelated_ = clamp(f_hits / f_trials, 1e-4, 0.5);
  // Re-weigh the whole posterior only when a rate moved noticeably: that is O(tested x range).
  const bool moved =
      std::abs(repro_ - p) > 0.02 * std::max(p, 0.05) || std::abs(unrelated_ - f) > 0.1 * f;
  if (!moved) {
    repro_ = p;
    unrelated_ = f;
  }
  return moved;
}

void BayesStrategy::touch(Point point) {
  std::erase(recent_, point);
  recent_.insert(recent_.begin(), point);
  if (recent_.size() > static_cast<std::size_t>(options_.kept_builds)) recent_.pop_back();
}

bool BayesStrategy::built(Point point) const {
  return std::find(recent_.begin(), recent_.end(), point) != recent_.end();
}

Recorded BayesStrategy::record(Point point, std::span<const RunSummary> runs,
                               const TestCost& cost) {
  learn_cost(cost);
  touch(point);
  const Counts batch = count(runs);
  runs_ += batch.total();
  Counts& counts = counts_[point];
  if (std::find(tested_.begin(), tested_.end(), point) == tested_.end()) {
    tested_.push_back(point);
    if (point < nodes_) ancestors_[point] = ancestry_->ancestors(point);
  }
  counts.ok += batch.ok;
  counts.match += batch.match;
  counts.other += batch.other;
  const double ratio = log_ratio(counts);
  const double delta = ratio - ratio_[point];
  ratio_[point] = ratio;
  if (point < nodes_) {
    for (const Index candidate : ancestors_[point]) log_weight_[candidate] += delta;
  }
  log_weight_.back() += delta;
  normalize();
  if (reestimate_rates()) recompute_posterior();

  // A batch that tested nothing (every run "cannot test") would be asked for again and again:
  // the commit is as untestable as one that does not build.
  if (batch.total() == 0) failed_[point] = 1;

  Recorded recorded;
  recorded.decision = describe(runs, batch);
  const double is_new = probability_new(point);
  const double present = options_.fix_mode ? 1 - is_new : is_new;
  if (batch.total() > 0) {
    recorded.decision.verdict = present > 0.5 ? Verdict::bad : Verdict::good;
    recorded.mark = is_new > 0.5 ? Mark::bad : Mark::good;
    if (recorded.decision.verdict == Verdict::good) {
      recorded.decision.false_negative = std::pow(1 - repro_, counts.total());
    }
  }
  recorded.decision.reason += fmt::format("; chance the bug is present: {:.3f}", present);
  return recorded;
}

Recorded BayesStrategy::record_build_failure(Point point, const TestCost& cost) {
  learn_cost(cost);
  failed_[point] = 1;
  Recorded recorded;
  recorded.decision.verdict = Verdict::skip;
  recorded.decision.reason = "build failed";
  return recorded;
}

double BayesStrategy::confidence() const {
  return posterior_.empty() ? 0 : posterior_[leader_];
}

std::vector<Ranked> BayesStrategy::top(std::size_t count) const {
  std::vector<std::size_t> order(posterior_.size());
  std::iota(order.begin(), order.end(), 0);
  count = std::min(count, order.size());
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(count), order.end(),
                    [&](std::size_t a, std::size_t b) {
                      return posterior_[a] != posterior_[b] ? posterior_[a] > posterior_[b] : a < b;
                    });
  std::vector<Ranked> ranked;
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t h = order[i];
    ranked.push_back({h == nodes_ ? kOlderThanRange : static_cast<Point>(h), posterior_[h]});
  }
  return ranked;
}

std::vector<TestOrder> BayesStrategy::choose_tests(double& best_gain) {
  const BatchInformation information(options_.runs, outcome_probabilities(true),
                                     outcome_probabilities(false));
  const std::size_t points = counts_.size();
  const double older = posterior_.back();
  std::vector<TestOrder> chosen;
  std::vector<char> taken(points, 0);

  // The first commit: most information per cost. The table's interpolation shortlists, the exact
  // information decides among the shortlist (near even odds the values differ by less than the
  // interpolation error).
  double gain = 0, cost = 0;
  bool building = false;
  {
    constexpr std::size_t kShortlist = 16;
    std::vector<std::pair<double, Point>> shortlist;  // (information per cost, point), a min-heap
    auto worse = [](const auto& a, const auto& b) { return a > b; };
    for (Point point = 0; point < points; ++point) {
      if (failed_[point]) continue;
      // A test worth nothing must not win by being cheap (a kept build tested again when runs
      // cost next to nothing): it would stop the search while new builds still tell a lot.
      const double bits = information(probability_new(point));
      if (bits <= model_.min_gain_bits) continue;
      const double ratio = bits / action_cost(!built(point));
      if (shortlist.size() < kShortlist) {
        shortlist.emplace_back(ratio, point);
        std::push_heap(shortlist.begin(), shortlist.end(), worse);
      } else if (ratio > shortlist.front().first) {
        std::pop_heap(shortlist.begin(), shortlist.end(), worse);
        shortlist.back() = {ratio, point};
        std::push_heap(shortlist.begin(), shortlist.end(), worse);
      }
    }
    if (shortlist.empty()) {
      best_gain = 0;
      return chosen;
    }
    double best_ratio = -1;
    Point best = 0;
    std::sort(shortlist.begin(), shortlist.end(),
              [](const auto& a, const auto& b) { return a.second < b.second; });
    for (const auto& [ratio, point] : shortlist) {
      const double g = information.exact(probability_new(point));
      const double c = action_cost(!built(point));
      // Near-ties go to the older commit, as in git (worth less than 0.01% of a bit per cost).
      if (g / c > best_ratio * (1 + 1e-4)) {
        best_ratio = g / c;
        best = point;
        gain = g;
        cost = c;
      }
    }
    chosen.push_back({best, options_.runs});
    taken[best] = 1;
    building = !built(best);
  }
  best_gain = gain;

  // More commits, each scored by what it adds once the chosen ones' states are known: the
  // hypotheses split into patterns (which chosen commits are new under them).
  std::vector<std::uint8_t> pattern(nodes_ + 1, 0);
  auto add_pattern_bit = [&](Point point, int bit) {
    if (point < nodes_) {
      for (const Index a : ancestry_->ancestors(point)) pattern[a] |= std::uint8_t(1u << bit);
    }
    pattern[nodes_] |= std::uint8_t(1u << bit);
  };
  add_pattern_bit(chosen[0].point, 0);
  std::vector<double> masked(nodes_);
  std::vector<std::vector<double>> sums;
  for (int bit = 1; bit < options_.parallel; ++bit) {
    const std::size_t patterns = std::size_t{1} << bit;
    sums.resize(patterns);
    std::vector<double> pattern_mass(patterns, 0);
    for (std::size_t s = 0; s < patterns; ++s) {
      for (std::size_t h = 0; h < nodes_; ++h) masked[h] = pattern[h] == s ? posterior_[h] : 0;
      ancestry_->ancestor_sums(masked, sums[s]);
      pattern_mass[s] = std::accumulate(masked.begin(), masked.end(), 0.0);
    }
    const std::size_t older_pattern = pattern[nodes_];
    pattern_mass[older_pattern] += older;
    // The user asked for K at once: add the commit that adds most per cost, as long as it adds.
    double best_ratio = 0;
    Point best = 0;
    bool found = false;
    double best_g = 0, best_c = 0;
    for (Point point = 0; point < points; ++point) {
      if (failed_[point] || taken[point]) continue;
      double g = 0;
      for (std::size_t s = 0; s < patterns; ++s) {
        if (pattern_mass[s] <= 0) continue;
        double mass = (point < nodes_ ? sums[s][point] : 0.0) + (s == older_pattern ? older : 0.0);
        g += pattern_mass[s] * information(mass / pattern_mass[s]);
      }
      const bool needs_build = !built(point);
      const double c = action_cost(false) +
                       (needs_build && !building ? action_cost(true) - action_cost(false) : 0.0);
      if (g > model_.min_gain_bits && g / c > best_ratio) {
        best_ratio = g / c;
        best = point;
        best_g = g;
        best_c = c;
        found = true;
      }
    }
    if (!found) break;
    chosen.push_back({best, options_.runs});
    taken[best] = 1;
    building = building || !built(best);
    gain += best_g;
    cost += best_c;
    add_pattern_bit(best, bit);
  }
  return chosen;
}

SearchStep BayesStrategy::next() {
  SearchStep step;
  // Candidates holding 99% of the probability, most likely first.
  std::vector<Ranked> ranked = top(std::min<std::size_t>(posterior_.size(), 64));
  double covered = 0;
  std::vector<Point> likely;
  for (const Ranked& r : ranked) {
    if (covered >= 0.99) break;
    covered += r.probability;
    if (r.point != kOlderThanRange) likely.push_back(r.point);
  }
  step.candidates_left = likely.size();
  if (confidence() >= options_.confidence) {
    step.kind = leader_ == nodes_ ? SearchStep::Kind::outside : SearchStep::Kind::found;
    step.point = static_cast<Point>(leader_);
    if (step.kind == SearchStep::Kind::outside) {
      step.reason =
          fmt::format("the change is older than the range (probability {:.3f})", confidence());
    }
    return step;
  }
  const SearchBudget& budget = options_.budget;
  std::string spent;
  if (budget.builds > 0 && builds_ >= budget.builds) spent = fmt::format("{} builds", builds_);
  if (budget.runs > 0 && runs_ >= budget.runs) spent = fmt::format("{} runs", runs_);
  if (budget.seconds > 0 && spent_s_ >= budget.seconds) spent = fmt::format("{:.0f}s", spent_s_);
  double gain = 0;
  if (spent.empty()) step.tests = choose_tests(gain);
  if (!spent.empty() || step.tests.empty() || gain < model_.min_gain_bits) {
    step.kind = SearchStep::Kind::inconclusive;
    step.tests.clear();
    step.candidates = likely;
    step.reason = spent.empty() ? "no test left that would tell the likely candidates apart"
                                : fmt::format("budget spent ({}) before reaching confidence {:.2f}",
                                              spent, options_.confidence);
    return step;
  }
  step.kind = SearchStep::Kind::test;
  return step;
}

}  // namespace culprit::search
