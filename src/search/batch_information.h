// BatchInformation: how much a batch of runs on one commit is expected to tell, in bits, about
// whether that commit is in the new state -- the yardstick by which the bayes strategy chooses its
// next tests (bayes_strategy.h, "Choosing the next test"). A batch's outcome is how many runs were
// ok, crashed with the bug's title, or crashed with another title; the information is the mutual
// information between the commit's state, new with probability q, and that outcome, a concave
// function of q. It is tabulated once per choice, for the current rates, and read by
// interpolation.
#pragma once

#include <array>
#include <vector>

namespace culprit::search {

// Expected information (bits) about a binary state with P(new) = q that a batch of `runs` runs
// gives, with per-run outcome probabilities {ok, matching crash, other crash} in each state.
class BatchInformation {
 public:
  BatchInformation(int runs, const std::array<double, 3>& new_state,
                   const std::array<double, 3>& old_state);
  double operator()(double q) const;  // interpolated from a table
  double exact(double q) const;

 private:
  std::vector<double> p_new_, p_old_;  // outcome distributions
  std::vector<double> table_;
};

}  // namespace culprit::search
