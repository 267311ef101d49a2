// BatchInformation (search/batch_information.h): the expected information of a batch of runs
// about one commit's state. The constructor lists every outcome of the batch -- how many runs
// crash with the bug's title, how many with another, the rest ok -- with its multinomial
// probability in each state, and tabulates the mutual information I(S; Y) over P(new) = q on a
// fixed grid; operator() interpolates the table (what the test choice scans every commit with),
// exact() sums over the outcomes.
#include "search/batch_information.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace culprit::search {

namespace {

constexpr std::size_t kInformationTable = 1024;

double clamp(double value, double low, double high) {
  return std::min(high, std::max(low, value));
}

}  // namespace

BatchInformation::BatchInformation(int runs, const std::array<double, 3>& new_state,
                                   const std::array<double, 3>& old_state)
    : BatchInformation(runs, std::array<Component, 1>{Component{1, new_state, old_state}}) {}

BatchInformation::BatchInformation(int runs, std::span<const Component> rates) {
  double total_weight = 0;
  for (const Component& rate : rates) total_weight += rate.weight;
  // Outcomes of a batch: (matching crashes, other crashes), the rest ok; multinomial in each
  // state at each rate, mixed over the rates.
  const double log_runs = std::lgamma(runs + 1.0);
  for (int match = 0; match <= runs; ++match) {
    for (int other = 0; match + other <= runs; ++other) {
      const int ok = runs - match - other;
      const double coefficient =
          log_runs - std::lgamma(ok + 1.0) - std::lgamma(match + 1.0) - std::lgamma(other + 1.0);
      auto probability = [&](const std::array<double, 3>& per_run) {
        double log_p = coefficient;
        for (const auto& [k, p] : {std::pair{ok, per_run[0]}, std::pair{match, per_run[1]},
                                   std::pair{other, per_run[2]}}) {
          if (k == 0) continue;
          if (p <= 0) return 0.0;
          log_p += k * std::log(p);
        }
        return std::exp(log_p);
      };
      double in_new = 0, in_old = 0;
      for (const Component& rate : rates) {
        in_new += rate.weight * probability(rate.new_state);
        in_old += rate.weight * probability(rate.old_state);
      }
      p_new_.push_back(in_new / total_weight);
      p_old_.push_back(in_old / total_weight);
    }
  }
  table_.resize(kInformationTable + 1);
  for (std::size_t i = 0; i <= kInformationTable; ++i) {
    table_[i] = exact(static_cast<double>(i) / kInformationTable);
  }
}

double BatchInformation::exact(double q) const {
  double bits = 0;
  for (std::size_t y = 0; y < p_new_.size(); ++y) {
    const double a = q * p_new_[y];
    const double b = (1 - q) * p_old_[y];
    const double mixture = a + b;
    if (a > 0) bits += a * std::log2(p_new_[y] / mixture);
    if (b > 0) bits += b * std::log2(p_old_[y] / mixture);
  }
  return std::max(0.0, bits);
}

double BatchInformation::operator()(double q) const {
  const double at = clamp(q, 0, 1) * kInformationTable;
  const auto low = std::min<std::size_t>(static_cast<std::size_t>(at), kInformationTable - 1);
  const double fraction = at - static_cast<double>(low);
  return table_[low] * (1 - fraction) + table_[low + 1] * fraction;
}

}  // namespace culprit::search
