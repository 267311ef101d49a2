// BayesStrategy's good end search (cause mode without --good): which of the ends the driver offers
// (release tags, or galloping points) to test, from the posterior over the intervals between them
// (search/end_posterior.h), by the same rule as the range search -- expected information per cost.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "search/bayes_strategy.h"

namespace culprit::search {

std::vector<double> BayesStrategy::log_likelihoods(const Counts& counts, bool new_state) const {
  std::vector<double> values(grid_.size());
  for (std::size_t g = 0; g < grid_.size(); ++g) {
    values[g] = log_likelihood(counts, new_state, grid_.node(g));
  }
  return values;
}

void BayesStrategy::begin_ends(std::span<const EndCandidate> ends) {
  std::vector<double> distances;
  for (const EndCandidate& end : ends) distances.push_back(end.distance);
  end_posterior_ = std::make_unique<EndPosterior>(std::move(distances), grid_);
  end_counts_.assign(ends.size(), Counts{});
  end_tested_.assign(ends.size(), 0);
  end_failed_.assign(ends.size(), 0);
  end_recent_.clear();
  update_end_posterior();
}

void BayesStrategy::update_end_posterior() {
  end_posterior_->set_common(log_likelihoods(above_, true));
  for (std::size_t i = 0; i < end_counts_.size(); ++i) {
    if (!end_tested_[i]) continue;
    end_posterior_->set_runs(i, log_likelihoods(end_counts_[i], true),
                             log_likelihoods(end_counts_[i], false));
  }
  end_posterior_->update();
  const std::span<const double> rates = end_posterior_->rate_posterior();
  rate_weight_.assign(rates.begin(), rates.end());
  update_rate_means();
}

EndStep BayesStrategy::next_end() {
  EndStep step;
  const EndPosterior& ends = *end_posterior_;
  if (ends.ends() == 0) {
    step.reason = "no older commit to test";
    return step;
  }
  auto usable = [&](std::size_t i) { return end_tested_[i] && !end_failed_[i]; };
  if (ends.older_than_all() >= options_.confidence) {
    step.kind = EndStep::Kind::horizon;
    step.probability = ends.older_than_all();
    step.index = ends.ends() - 1;
    for (std::size_t i = ends.ends(); i-- > 0;) {
      if (usable(i) && ends.probability_new(i) >= 0.5) {
        step.index = i;  // the oldest end seen crashing
        break;
      }
    }
    return step;
  }
  // The newest tested end that has the bug with probability below end_error is the good end; the
  // oldest tested end newer than it that has the bug with probability above 1 - end_error
  // is the new end (commits newer than it cannot be the culprit under any likely hypothesis).
  for (std::size_t i = 0; i < ends.ends(); ++i) {
    if (!usable(i) || ends.probability_new(i) > model_.end_error) continue;
    step.kind = EndStep::Kind::good;
    step.index = i;
    step.probability = 1 - ends.probability_new(i);
    for (std::size_t newer = 0; newer < i; ++newer) {
      if (usable(newer) && ends.probability_new(newer) >= 1 - model_.end_error) {
        step.new_end = newer;
      }
    }
    finish_ends(step.index, step.new_end);
    return step;
  }
  if (const auto spent = budget_spent()) {
    step.reason = fmt::format("budget spent ({}) before a good end was found", *spent);
    return step;
  }
  // As in the range search: each end, and each batch size in whole rounds of run slots, scored by
  // bits per cost.
  const std::vector<int> sizes = batch_sizes();
  const std::vector<BatchInformation> information = information_by_size();
  double best_ratio = 0, best_bits = 0;
  for (std::size_t i = 0; i < ends.ends(); ++i) {
    if (end_failed_[i]) continue;
    const bool kept = std::find(end_recent_.begin(), end_recent_.end(), i) != end_recent_.end();
    for (std::size_t k = 0; k < sizes.size(); ++k) {
      const double bits = information[k].exact(ends.probability_new(i));
      const double ratio = bits / action_cost(!kept, sizes[k]);
      // Near-ties go to the newer end (a smaller range, and newer code builds more often) and to
      // the smaller batch.
      if (bits > model_.min_gain_bits && ratio > best_ratio * (1 + 1e-4)) {
        best_ratio = ratio;
        best_bits = bits;
        step.index = i;
        step.runs = sizes[k];
      }
    }
  }
  if (best_bits <= model_.min_gain_bits) {
    step.reason = "no end left to test could be told good (they do not build or cannot be tested)";
    return step;
  }
  step.kind = EndStep::Kind::test;
  step.probability = ends.probability_new(step.index);
  return step;
}

Recorded BayesStrategy::record_end(std::size_t end, std::span<const RunSummary> runs,
                                   const TestCost& cost) {
  learn_cost(cost, runs.size());
  std::erase(end_recent_, end);
  end_recent_.insert(end_recent_.begin(), end);
  if (end_recent_.size() > static_cast<std::size_t>(options_.kept_builds)) end_recent_.pop_back();
  const Counts batch = count(runs);
  runs_ += batch.total();
  Counts& counts = end_counts_[end];
  counts.ok += batch.ok;
  counts.match += batch.match;
  counts.other += batch.other;
  end_tested_[end] = 1;
  if (counts.total() == 0) end_failed_[end] = 1;  // no run of it has tested anything
  update_end_posterior();

  // Ends are older than the start commit: only cause mode looks for them, where new = present.
  return describe_batch(runs, batch, counts.total(), end_posterior_->probability_new(end));
}

Recorded BayesStrategy::record_end_build_failure(std::size_t end, const TestCost& cost) {
  end_failed_[end] = 1;
  return build_failed(cost);
}

void BayesStrategy::finish_ends(std::size_t good, std::optional<std::size_t> new_end) {
  // The range search starts with what this search learned: the chance that the bug is older than
  // the good end (all of its evidence, the good end's runs included, is in that number), and the
  // runs of the ends at or above the new end, new under every hypothesis of the range.
  older_prior_ = std::clamp(end_posterior_->probability_new(good), model_.older_prior, 0.5);
  if (new_end) {
    for (std::size_t i = 0; i <= *new_end; ++i) {
      if (end_tested_[i]) add_above(end_counts_[i]);
    }
  }
  rate_weights_before_range({});
}

}  // namespace culprit::search
