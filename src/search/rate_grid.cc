#include "search/rate_grid.h"

#include <algorithm>
#include <cmath>

namespace culprit::search {

double log_sum_exp(std::span<const double> values) {
  if (values.empty()) return -INFINITY;
  const double top = *std::max_element(values.begin(), values.end());
  if (!std::isfinite(top)) return top;
  double sum = 0;
  for (const double value : values) sum += std::exp(value - top);
  return top + std::log(sum);
}

namespace {

// Nodes of one rate: evenly spaced in logit over [low, high], each with log(x^a (1-x)^b) -- the
// Beta(a, b) density times the Jacobian dx/dlogit = x (1-x), up to a constant -- or one node at
// the mean of a prior that is in effect a point mass.
struct Axis {
  std::vector<double> values, log_weights;
};

Axis make_axis(double alpha, double beta, int points, double low_logit, double high_logit) {
  Axis axis;
  if (alpha + beta > RateGrid::kPinnedPrior || points <= 1) {
    axis.values.push_back(alpha / (alpha + beta));
    axis.log_weights.push_back(0);
    return axis;
  }
  for (int i = 0; i < points; ++i) {
    const double logit = low_logit + (high_logit - low_logit) * i / (points - 1);
    const double x = 1 / (1 + std::exp(-logit));
    axis.values.push_back(x);
    axis.log_weights.push_back(alpha * std::log(x) + beta * std::log1p(-x));
  }
  return axis;
}

}  // namespace

RunOutcomeProbabilities run_outcome_probabilities(double p, double f, double m, double u,
                                                  bool bug_present) {
  if (!bug_present) return {1 - f, f * u, f * (1 - u)};
  return {(1 - p) * (1 - f), p * m + (1 - p) * f * u, p * (1 - m) + (1 - p) * f * (1 - u)};
}

RateGrid::RateGrid(const RateGridShape& shape) : shape_(shape) {
  // p from 0.001 to 0.999; f from 1e-5 (a clean lab) to 0.5 (half the runs crash elsewhere).
  const Axis repro = make_axis(shape.repro_alpha, shape.repro_beta, shape.repro_points, -6.9, 6.9);
  const Axis unrelated =
      make_axis(shape.unrelated_alpha, shape.unrelated_beta, shape.unrelated_points, -11.5, 0.0);
  double top = -INFINITY;
  for (std::size_t i = 0; i < repro.values.size(); ++i) {
    for (std::size_t j = 0; j < unrelated.values.size(); ++j) {
      Node node;
      node.repro = repro.values[i];
      node.unrelated = unrelated.values[j];
      node.log_prior = repro.log_weights[i] + unrelated.log_weights[j];
      top = std::max(top, node.log_prior);
      const double m = shape.title_match, u = shape.unrelated_match;
      node.present = run_outcome_probabilities(node.repro, node.unrelated, m, u, true);
      node.absent = run_outcome_probabilities(node.repro, node.unrelated, m, u, false);
      for (int k = 0; k < 3; ++k) {
        node.log_present[k] = std::log(std::max(node.present[k], 1e-300));
        node.log_absent[k] = std::log(std::max(node.absent[k], 1e-300));
      }
      nodes_.push_back(node);
    }
  }
  double sum = 0;
  for (const Node& node : nodes_) sum += std::exp(node.log_prior - top);
  for (Node& node : nodes_) node.log_prior -= top + std::log(sum);
}

}  // namespace culprit::search
