#include "search/bayes_strategy.h"

#include <algorithm>
#include <cmath>
#include <limits>
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
    : options_(options), model_(model), grid_(model.rates), older_prior_(model.older_prior) {
  options_.parallel = std::clamp(options_.parallel, 1, kMaxParallel);
  options_.kept_builds = std::max(options_.kept_builds, options_.parallel);
  rate_weights_before_range({});
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

std::array<double, 3> BayesStrategy::per_run(const RateGrid::Node& node, bool new_state) const {
  return new_state != options_.fix_mode ? node.present : node.absent;
}

double BayesStrategy::log_likelihood(const Counts& counts, bool new_state,
                                     const RateGrid::Node& node) const {
  const auto& logs = new_state != options_.fix_mode ? node.log_present : node.log_absent;
  return counts.ok * logs[0] + counts.match * logs[1] + counts.other * logs[2];
}

void BayesStrategy::learn_cost(const TestCost& cost, std::size_t batch_runs) {
  if (cost.build_s > 0) {
    build_sum_ += cost.build_s;
    ++build_samples_;
    ++builds_;
  }
  if (cost.runs_s > 0 && batch_runs > 0) {
    round_sum_ += cost.runs_s / rounds(static_cast<int>(batch_runs));
    ++round_samples_;
  }
  spent_s_ += cost.build_s + cost.runs_s;
}

int BayesStrategy::rounds(int runs) const {
  const int slots = options_.run_slots > 0 ? options_.run_slots : std::max(options_.runs, 1);
  return std::max(1, (runs + slots - 1) / slots);
}

std::vector<int> BayesStrategy::batch_sizes() const {
  // Whole rounds only: a half-used round costs as much as a full one.
  const int slots = options_.run_slots;
  if (slots <= 0 || slots >= options_.runs) return {options_.runs};
  std::vector<int> sizes;
  for (int runs = slots; runs < options_.runs; runs += slots) sizes.push_back(runs);
  sizes.push_back(options_.runs);
  return sizes;
}

double BayesStrategy::action_cost(bool needs_build, int runs) const {
  const double round =
      round_samples_ > 0 ? round_sum_ / round_samples_ : 1.0 / rounds(options_.runs);
  const double batch = round * rounds(runs);
  const double build =
      build_samples_ > 0 ? build_sum_ / build_samples_ : round * rounds(options_.runs);
  return std::max(batch, 1e-3) + (needs_build ? std::max(build, 1e-3) : 0.0);
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
  learn_cost(cost, static_cast<std::size_t>(options_.runs));
  ++start_batches_;
  bool crashed = false;
  for (const RunSummary& run : runs) crashed = crashed || run.outcome == RunOutcome::crashed;
  bug_titles_ = bug_titles_from(runs);  // search/bug_evidence.h
  const Counts counts = count(runs);
  VerdictDecision decision = describe(runs, counts);
  if (decision.infra_abort) return decision;
  if (!crashed) {
    if (start_batches_ < model_.max_start_batches) {
      decision.more_runs = options_.runs;
    } else {
      decision.verdict = counts.ok > 0 ? Verdict::good : Verdict::skip;
    }
    return decision;
  }
  // It crashes. Before the search starts, is p known well enough? A crash or two in many runs
  // leaves it so uncertain that every later batch (each with a build) tells much less than it
  // could; a batch here costs no build.
  rate_weights_before_range(counts);
  // And which titles are the bug's? A bug crash and an unrelated one, each seen once, cannot be
  // told apart; taking both would count every later unrelated crash as the bug.
  if (start_batches_ < model_.max_title_batches && bug_titles_ambiguous(runs)) {
    decision.more_runs = options_.runs;
    decision.reason += "; the bug's title is not clear yet";
    return decision;
  }
  if (start_batches_ < model_.max_start_batches) {
    if (rate_efficiency() < model_.start_efficiency) {
      decision.more_runs = options_.runs;
      decision.reason +=
          fmt::format("; the reproducer's crash rate is still uncertain (~{:.2f})", repro_);
      return decision;
    }
  }
  decision.verdict = Verdict::bad;
  runs_ += counts.total();
  // Cause mode: the start commit is newer than every candidate; fix mode: it is the old end.
  if (options_.fix_mode) {
    pending_old_.push_back(counts);
  } else {
    add_above(counts);
  }
  rate_weights_before_range({});
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
    const double miss = chance_all_missed(counts.total(), 1);
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
  learn_cost(cost, static_cast<std::size_t>(options_.runs));
  bool is_bad = false;
  VerdictDecision decision = judge_commit(runs, is_bad);
  if (decision.more_runs > 0 || decision.verdict == Verdict::skip) return decision;
  if (is_bad) {
    add_above(count(runs));
  } else {
    pending_old_.push_back(count(runs));  // it becomes the range's good end
  }
  rate_weights_before_range({});
  return decision;
}

VerdictDecision BayesStrategy::judge_head(std::span<const RunSummary> runs, const TestCost& cost) {
  learn_cost(cost, static_cast<std::size_t>(options_.runs));
  bool is_bad = false;
  VerdictDecision decision = judge_commit(runs, is_bad);
  if (decision.more_runs > 0 || decision.verdict == Verdict::skip) return decision;
  // The fixed head is the range's new end: new under every hypothesis.
  add_above(count(runs));
  rate_weights_before_range({});
  return decision;
}

void BayesStrategy::add_above(const Counts& counts) {
  above_.ok += counts.ok;
  above_.match += counts.match;
  above_.other += counts.other;
  if (graph_ == nullptr) return;  // begin() starts from above_
  for (std::size_t g = 0; g < grid_.size(); ++g) {
    const double in_new = log_likelihood(counts, true, grid_.node(g));
    base_[g] += in_new;
    older_[g] += in_new;
  }
  normalize();
}

void BayesStrategy::rate_weights_before_range(const Counts& extra_present) {
  // Before begin(): the runs of commits newer than the range (and of the start commit still being
  // measured, `extra_present`) and of the old ends judged so far; "older" (prior 0.005) is left
  // out.
  std::vector<double> log_weight(grid_.size());
  for (std::size_t g = 0; g < grid_.size(); ++g) {
    const RateGrid::Node& node = grid_.node(g);
    log_weight[g] = node.log_prior + log_likelihood(above_, true, node) +
                    log_likelihood(extra_present, !options_.fix_mode, node);
    for (const Counts& old_end : pending_old_)
      log_weight[g] += log_likelihood(old_end, false, node);
  }
  const double total = log_sum_exp(log_weight);
  rate_weight_.resize(grid_.size());
  for (std::size_t g = 0; g < grid_.size(); ++g) rate_weight_[g] = std::exp(log_weight[g] - total);
  update_rate_means();
}

void BayesStrategy::update_rate_means() {
  repro_ = unrelated_ = 0;
  for (std::size_t g = 0; g < grid_.size(); ++g) {
    repro_ += rate_weight_[g] * grid_.node(g).repro;
    unrelated_ += rate_weight_[g] * grid_.node(g).unrelated;
  }
}

std::vector<BatchInformation::Component> BayesStrategy::rate_mixture(std::size_t limit) const {
  // The heaviest rate nodes holding all but 1e-6 of the posterior (at most `limit`).
  std::vector<std::size_t> order(grid_.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return rate_weight_[a] > rate_weight_[b]; });
  std::vector<BatchInformation::Component> mixture;
  double covered = 0;
  for (const std::size_t g : order) {
    if (mixture.size() >= limit || covered >= 1 - 1e-6) break;
    covered += rate_weight_[g];
    mixture.push_back(
        {rate_weight_[g], per_run(grid_.node(g), true), per_run(grid_.node(g), false)});
  }
  return mixture;
}

double BayesStrategy::chance_all_missed(int runs, int outcome) const {
  // P(none of `runs` runs of a commit with the bug has `outcome`), over the rate posterior.
  double chance = 0;
  for (std::size_t g = 0; g < grid_.size(); ++g) {
    chance += rate_weight_[g] * std::pow(1 - grid_.node(g).present[outcome], runs);
  }
  return chance;
}

double BayesStrategy::rate_efficiency() const {
  constexpr std::size_t kComponents = 48;
  const std::vector<BatchInformation::Component> mixture = rate_mixture(kComponents);
  const BatchInformation uncertain(options_.runs, mixture);
  std::vector<BatchInformation> known;
  double total = 0;
  for (const auto& component : mixture) {
    known.emplace_back(options_.runs, component.new_state, component.old_state);
    total += component.weight;
  }
  double best_uncertain = 0, best_known = 0;
  for (const double q : {0.2, 0.3, 0.4, 0.5, 0.6}) {
    double with_known = 0;
    for (std::size_t i = 0; i < mixture.size(); ++i) {
      with_known += mixture[i].weight * known[i].exact(q);
    }
    best_uncertain = std::max(best_uncertain, uncertain.exact(q));
    best_known = std::max(best_known, with_known / total);
  }
  return best_known <= 0 ? 1.0 : best_uncertain / best_known;
}

void BayesStrategy::begin(const vcs::CommitGraph& graph, Index, std::size_t old_ends) {
  graph_ = &graph;
  if (!ancestry_ || &ancestry_->graph() != &graph) ancestry_ = std::make_shared<Ancestry>(graph);
  nodes_ = graph.size();
  const std::size_t points = nodes_ + old_ends;
  const std::size_t rates = grid_.size();
  counts_.assign(points, Counts{});
  failed_.assign(points, 0);
  ancestors_.assign(nodes_, {});
  tested_.clear();
  tested_index_.assign(points, kUntested);
  recent_.clear();
  applied_new_.clear();
  applied_old_.clear();
  classes_.assign(1, CulpritClass{nodes_, std::vector<double>(rates, 0), {}});
  class_of_.assign(nodes_, 0);
  base_.assign(rates, 0);
  older_.assign(rates, 0);
  for (std::size_t g = 0; g < rates; ++g) {
    base_[g] = older_[g] = log_likelihood(above_, true, grid_.node(g));
  }
  posterior_.assign(nodes_ + 1, 0);
  for (std::size_t i = 0; i < pending_old_.size() && i < old_ends; ++i) {
    const auto point = static_cast<Point>(nodes_ + i);
    start_tracking(point);
    counts_[point] = pending_old_[i];
    apply_counts(point);
  }
  pending_old_.clear();
  normalize();
}

void BayesStrategy::start_tracking(Point point) {
  tested_index_[point] = tested_.size();
  tested_.push_back(point);
  applied_new_.emplace_back(grid_.size(), 0);
  applied_old_.emplace_back(grid_.size(), 0);
  for (CulpritClass& culprits : classes_) culprits.below.push_back(0);
  if (point < nodes_) {
    ancestors_[point] = ancestry_->ancestors(point);
    split_classes(point);
  }
}

void BayesStrategy::split_classes(Point point) {
  // The candidates below `point` leave their class for one that also has `point` above it (its
  // runs are not applied yet, so the copy's ratios are right as they are).
  constexpr auto kNone = std::numeric_limits<std::uint32_t>::max();
  const std::size_t index = tested_index_[point];
  std::vector<std::uint32_t> moved_to(classes_.size(), kNone);
  for (const Index candidate : ancestors_[point]) {
    const std::uint32_t from = class_of_[candidate];
    if (moved_to[from] == kNone) {
      moved_to[from] = static_cast<std::uint32_t>(classes_.size());
      CulpritClass split = classes_[from];
      split.size = 0;
      split.below[index] = 1;
      classes_.push_back(std::move(split));
    }
    const std::uint32_t to = moved_to[from];
    --classes_[from].size;
    ++classes_[to].size;
    class_of_[candidate] = to;
  }
  compact_classes();
}

void BayesStrategy::compact_classes() {
  std::size_t empty = 0;
  for (const CulpritClass& culprits : classes_) empty += culprits.size == 0 ? 1 : 0;
  if (empty < 16 || 2 * empty < classes_.size()) return;
  std::vector<std::uint32_t> renumber(classes_.size(), 0);
  std::vector<CulpritClass> kept;
  for (std::size_t k = 0; k < classes_.size(); ++k) {
    if (classes_[k].size == 0) continue;
    renumber[k] = static_cast<std::uint32_t>(kept.size());
    kept.push_back(std::move(classes_[k]));
  }
  classes_ = std::move(kept);
  for (std::uint32_t& k : class_of_) k = renumber[k];
}

void BayesStrategy::apply_counts(Point point) {
  // Replace the point's applied log-likelihoods by those of its counts now, at every rate node.
  const std::size_t index = tested_index_[point];
  std::vector<double>& applied_new = applied_new_[index];
  std::vector<double>& applied_old = applied_old_[index];
  std::vector<double> delta(grid_.size());
  for (std::size_t g = 0; g < grid_.size(); ++g) {
    const double in_new = log_likelihood(counts_[point], true, grid_.node(g));
    const double in_old = log_likelihood(counts_[point], false, grid_.node(g));
    base_[g] += in_old - applied_old[g];
    older_[g] += in_new - applied_new[g];
    delta[g] = (in_new - applied_new[g]) - (in_old - applied_old[g]);
    applied_new[g] = in_new;
    applied_old[g] = in_old;
  }
  if (point >= nodes_) return;  // an old end: new only under "older"
  for (CulpritClass& culprits : classes_) {
    if (culprits.size == 0 || !culprits.below[index]) continue;
    for (std::size_t g = 0; g < grid_.size(); ++g) culprits.ratio[g] += delta[g];
  }
}

void BayesStrategy::normalize() {
  // Joint log weight of (class k, rate node g): log(size_k prior) + log prior(g) + base + ratio_k;
  // of ("older", g): log older_prior + log prior(g) + older. Marginals over g and over k.
  const std::size_t rates = grid_.size();
  const double candidate_prior = std::log((1 - older_prior_) / static_cast<double>(nodes_));
  std::vector<double> terms(rates);
  std::vector<double> class_log_mass(classes_.size(), -INFINITY);
  for (std::size_t k = 0; k < classes_.size(); ++k) {
    const CulpritClass& culprits = classes_[k];
    if (culprits.size == 0) continue;
    for (std::size_t g = 0; g < rates; ++g) {
      terms[g] = grid_.node(g).log_prior + base_[g] + culprits.ratio[g];
    }
    class_log_mass[k] =
        std::log(static_cast<double>(culprits.size)) + candidate_prior + log_sum_exp(terms);
  }
  for (std::size_t g = 0; g < rates; ++g) terms[g] = grid_.node(g).log_prior + older_[g];
  const double older_log_mass = std::log(older_prior_) + log_sum_exp(terms);
  std::vector<double> masses = class_log_mass;
  masses.push_back(older_log_mass);
  const double total = log_sum_exp(masses);

  // The rate posterior, and the means the log shows.
  rate_weight_.assign(rates, 0);
  auto add_rates = [&](double log_mass_shift, const std::vector<double>& ratio) {
    for (std::size_t g = 0; g < rates; ++g) {
      rate_weight_[g] += std::exp(log_mass_shift + grid_.node(g).log_prior + base_[g] + ratio[g]);
    }
  };
  for (std::size_t k = 0; k < classes_.size(); ++k) {
    if (classes_[k].size == 0 || class_log_mass[k] - total < -60) continue;
    add_rates(std::log(static_cast<double>(classes_[k].size)) + candidate_prior - total,
              classes_[k].ratio);
  }
  if (older_log_mass - total > -60) {
    std::vector<double> older_ratio(rates);
    for (std::size_t g = 0; g < rates; ++g) older_ratio[g] = older_[g] - base_[g];
    add_rates(std::log(older_prior_) - total, older_ratio);
  }
  const double weight_sum = std::accumulate(rate_weight_.begin(), rate_weight_.end(), 0.0);
  for (double& weight : rate_weight_) weight /= weight_sum;
  update_rate_means();

  for (std::size_t c = 0; c < nodes_; ++c) {
    const std::uint32_t k = class_of_[c];
    posterior_[c] = std::exp(class_log_mass[k] - total) / static_cast<double>(classes_[k].size);
  }
  posterior_.back() = std::exp(older_log_mass - total);
  leader_ = 0;
  for (std::size_t h = 0; h < posterior_.size(); ++h) {
    if (posterior_[h] > posterior_[leader_]) leader_ = h;
  }
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
  learn_cost(cost, runs.size());
  touch(point);
  const Counts batch = count(runs);
  runs_ += batch.total();
  Counts& counts = counts_[point];
  if (tested_index_[point] == kUntested) start_tracking(point);
  counts.ok += batch.ok;
  counts.match += batch.match;
  counts.other += batch.other;
  apply_counts(point);
  normalize();

  // A batch that tested nothing (every run "cannot test") would be asked for again and again:
  // the commit is as untestable as one that does not build.
  if (batch.total() == 0) failed_[point] = 1;

  return describe_batch(runs, batch, counts.total(), probability_new(point));
}

Recorded BayesStrategy::describe_batch(std::span<const RunSummary> runs, const Counts& batch,
                                       int runs_so_far, double is_new) const {
  Recorded recorded;
  recorded.decision = describe(runs, batch);
  const double present = options_.fix_mode ? 1 - is_new : is_new;
  if (batch.total() > 0) {
    recorded.decision.verdict = present > 0.5 ? Verdict::bad : Verdict::good;
    recorded.mark = is_new > 0.5 ? Mark::bad : Mark::good;
    if (recorded.decision.verdict == Verdict::good) {
      recorded.decision.false_negative = chance_all_missed(runs_so_far, 1);
    }
  }
  recorded.decision.reason += fmt::format("; chance the bug is present: {:.3f}", present);
  return recorded;
}

Recorded BayesStrategy::build_failed(const TestCost& cost) {
  learn_cost(cost, 0);
  Recorded recorded;
  recorded.decision.verdict = Verdict::skip;
  recorded.decision.reason = "build failed";
  return recorded;
}

Recorded BayesStrategy::record_build_failure(Point point, const TestCost& cost) {
  failed_[point] = 1;
  return build_failed(cost);
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

std::vector<BatchInformation> BayesStrategy::information_by_size() const {
  const std::vector<BatchInformation::Component> mixture = rate_mixture(256);
  std::vector<BatchInformation> by_size;
  for (const int runs : batch_sizes()) by_size.emplace_back(runs, mixture);
  return by_size;
}

std::vector<TestOrder> BayesStrategy::choose_tests(double& best_gain) {
  const std::vector<int> sizes = batch_sizes();
  const std::vector<BatchInformation> by_size = information_by_size();
  const BatchInformation& information = by_size.back();  // a full batch of --runs
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
    // With fewer run slots than --runs a smaller batch costs fewer rounds: each size is scored by
    // what its runs tell per what they cost (the first runs of a batch tell the most).
    int best_runs = options_.runs;
    for (const auto& [ratio, point] : shortlist) {
      const double q = probability_new(point);
      for (std::size_t i = 0; i < sizes.size(); ++i) {
        const double g = by_size[i].exact(q);
        const double c = action_cost(!built(point), sizes[i]);
        // Near-ties go to the older commit, as in git (worth less than 0.01% of a bit per cost),
        // and to the larger batch.
        if (g / c > best_ratio * (1 + 1e-4) ||
            (point == best && sizes[i] > best_runs && g / c >= best_ratio * (1 - 1e-4))) {
          best_ratio = g / c;
          best = point;
          best_runs = sizes[i];
          gain = g;
          cost = c;
        }
      }
    }
    chosen.push_back({best, best_runs});
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

std::optional<std::string> BayesStrategy::budget_spent() const {
  const SearchBudget& budget = options_.budget;
  if (budget.seconds > 0 && spent_s_ >= budget.seconds) return fmt::format("{:.0f}s", spent_s_);
  if (budget.runs > 0 && runs_ >= budget.runs) return fmt::format("{} runs", runs_);
  if (budget.builds > 0 && builds_ >= budget.builds) return fmt::format("{} builds", builds_);
  return std::nullopt;
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
  const std::string spent = budget_spent().value_or("");
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
