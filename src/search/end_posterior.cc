#include "search/end_posterior.h"

#include <algorithm>
#include <cmath>

namespace culprit::search {

std::vector<double> end_interval_log_prior(std::span<const double> distances) {
  // Mass of (d_{j-1}, d_j] under the density 1 / (d + c): log((d_j + c) / (d_{j-1} + c)), d_{-1} =
  // 0; "older than every end" gets log 2, one more doubling. Ends at the same distance (two names
  // of one commit) leave an empty interval: a tiny mass keeps the logs finite.
  constexpr double kEmpty = 1e-9;
  const double scale = distances.empty() ? 1.0 : std::max(1.0, distances.front());
  std::vector<double> log_prior;
  double previous = 0;
  for (const double distance : distances) {
    const double at = std::max(previous, distance);
    log_prior.push_back(std::log(std::max(kEmpty, std::log((at + scale) / (previous + scale)))));
    previous = at;
  }
  log_prior.push_back(std::log(std::log(2.0)));
  const double total = log_sum_exp(log_prior);
  for (double& value : log_prior) value -= total;
  return log_prior;
}

EndPosterior::EndPosterior(std::vector<double> distances, const RateGrid& grid)
    : distances_(std::move(distances)),
      grid_(grid),
      log_prior_(end_interval_log_prior(distances_)),
      common_(grid.size(), 0.0),
      log_new_(distances_.size(), std::vector<double>(grid.size(), 0.0)),
      log_old_(distances_.size(), std::vector<double>(grid.size(), 0.0)) {
  update();
}

void EndPosterior::set_common(std::vector<double> log_likelihood) {
  common_ = std::move(log_likelihood);
}

void EndPosterior::set_runs(std::size_t end, std::vector<double> log_new,
                            std::vector<double> log_old) {
  log_new_[end] = std::move(log_new);
  log_old_[end] = std::move(log_old);
}

void EndPosterior::update() {
  // log w(j, g) = log prior(j) + log prior(g) + common(g) + sum_{i < j} new_i(g) + sum_{i >= j}
  // old_i(g): ends newer than the interval have the bug, the others do not. Walking j upwards
  // moves one end at a time from old to new.
  const std::size_t ends = distances_.size();
  const std::size_t rates = grid_.size();
  std::vector<double> running(rates);
  for (std::size_t g = 0; g < rates; ++g) {
    running[g] = grid_.node(g).log_prior + common_[g];
    for (std::size_t i = 0; i < ends; ++i) running[g] += log_old_[i][g];
  }
  std::vector<std::vector<double>> joint(ends + 1, std::vector<double>(rates));
  std::vector<double> log_mass(ends + 1);
  for (std::size_t j = 0; j <= ends; ++j) {
    if (j > 0) {
      for (std::size_t g = 0; g < rates; ++g) {
        running[g] += log_new_[j - 1][g] - log_old_[j - 1][g];
      }
    }
    for (std::size_t g = 0; g < rates; ++g) joint[j][g] = log_prior_[j] + running[g];
    log_mass[j] = log_sum_exp(joint[j]);
  }
  const double total = log_sum_exp(log_mass);
  interval_.assign(ends + 1, 0.0);
  rate_weight_.assign(rates, 0.0);
  for (std::size_t j = 0; j <= ends; ++j) {
    interval_[j] = std::exp(log_mass[j] - total);
    if (log_mass[j] - total < -60) continue;
    for (std::size_t g = 0; g < rates; ++g) rate_weight_[g] += std::exp(joint[j][g] - total);
  }
}

double EndPosterior::probability_new(std::size_t end) const {
  double mass = 0;
  for (std::size_t j = end + 1; j < interval_.size(); ++j) mass += interval_[j];
  return std::min(1.0, mass);
}

}  // namespace culprit::search
