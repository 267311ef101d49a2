// BatchInformation: how much a batch of runs on one commit is expected to tell, in bits, about
// whether that commit is in the new state -- the yardstick by which the bayes strategy chooses its
// next tests (bayes_strategy.h, "Choosing the next test"). A batch's outcome is how many runs were
// ok, crashed with the bug's title, or crashed with another title; the information is the mutual
// information between the commit's state, new with probability q, and that outcome, a concave
// function of q. The rates are uncertain: the batch's outcome distribution in each state is the
// mixture, over the rate posterior (search/rate_grid.h), of the multinomials at each rate -- runs
// of one batch share one p, so ten clean runs say less when p itself is in doubt. It is tabulated
// once per choice and read by interpolation.
#pragma once

#include <array>
#include <span>
#include <vector>

namespace culprit::search {

// Expected information (bits) about a binary state with P(new) = q that a batch of `runs` runs
// gives, with per-run outcome probabilities {ok, matching crash, other crash} in each state.
class BatchInformation {
 public:
  // One rate hypothesis: its posterior weight and per-run outcome probabilities in each state.
  struct Component {
    double weight = 1;
    std::array<double, 3> new_state{}, old_state{};
  };
  BatchInformation(int runs, std::span<const Component> rates);
  BatchInformation(int runs, const std::array<double, 3>& new_state,
                   const std::array<double, 3>& old_state);
  double operator()(double q) const;  // interpolated from a table
  double exact(double q) const;

 private:
  std::vector<double> p_new_, p_old_;  // outcome distributions
  std::vector<double> table_;
};

}  // namespace culprit::search
