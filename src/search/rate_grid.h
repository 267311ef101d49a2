// RateGrid: the two rates the bayes strategy's run model depends on -- the reproducer's crash rate
// p where the bug is present and the unrelated-crash rate f on every run -- are not known. Rather
// than plugging in an estimate (which makes the posterior over culprits surer than the runs allow
// when p rests on a crash or two), the strategy integrates over them. This is the quadrature it
// integrates with: a product grid of nodes (p_i, f_j), evenly spaced in logit(p) and logit(f),
// each weighted by its Beta prior (density times the logit Jacobian, i.e. p^a (1-p)^b). On the
// real line the trapezoid rule converges fast for smooth, decaying integrands, and the logit scale
// puts nodes where the Beta posteriors of rates near 0 or 1 live; docs/noisy-search.md says how
// exact it is.
//
// A prior that is in effect a point mass (a + b above kPinnedPrior) gets a single node at its mean:
// that is how tests pin the rates to write posteriors down by hand.
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <vector>

namespace culprit::search {

// log(sum(exp(values))), computed without overflow; -infinity for no values.
double log_sum_exp(std::span<const double> values);

// Per-run probabilities of {ok, crash with the bug's title, crash with another title}.
using RunOutcomeProbabilities = std::array<double, 3>;

// The run model (bayes_strategy.h, "Evidence"): with the bug present a run crashes with rate p, a
// bug crash carries one of the bug's titles with probability m; an unrelated crash (rate f) does
// with probability u.
RunOutcomeProbabilities run_outcome_probabilities(double p, double f, double m, double u,
                                                  bool bug_present);

struct RateGridShape {
  double repro_alpha = 1, repro_beta = 1;            // Beta prior of p
  double unrelated_alpha = 1, unrelated_beta = 49;   // Beta prior of f
  double title_match = 0.9, unrelated_match = 0.05;  // m, u
  int repro_points = 64;                             // nodes in p
  int unrelated_points = 24;                         // nodes in f
};

class RateGrid {
 public:
  static constexpr double kPinnedPrior = 1e6;

  struct Node {
    double repro = 0, unrelated = 0;  // p, f
    double log_prior = 0;             // log of the normalised quadrature weight
    RunOutcomeProbabilities present{}, absent{};
    std::array<double, 3> log_present{}, log_absent{};
  };

  explicit RateGrid(const RateGridShape& shape);
  std::size_t size() const { return nodes_.size(); }
  const Node& node(std::size_t g) const { return nodes_[g]; }
  const RateGridShape& shape() const { return shape_; }

 private:
  RateGridShape shape_;
  std::vector<Node> nodes_;
};

}  // namespace culprit::search
