// EndPosterior: where the culprit lies relative to a list of older and older commits -- the
// posterior the bayes strategy finds the good end with (cause mode without --good).
//
// The driver offers ends back from the start commit, newest first: the release tags it reaches,
// or, with none, first-parent ancestors at doubling distances (galloping). Each end is an ancestor
// of the one before, so the culprit lies in one of the intervals they cut the history into:
// hypothesis j (0 <= j < K) is "between end j and the next newer one" (j = 0: between the newest
// end and the start commit), and j = K is "older than every end". End i has the bug iff j > i.
//
// Prior. How far back a bug was introduced is unknown over orders of magnitude (last week's merge
// or a release from years ago), so the prior is scale-free: a density 1 / (d + c) in the distance d
// (commits back from the start commit), with c the distance of the newest end -- the bug is as
// likely 1-2 release cycles back as 2-4 or 4-8. "Older than every end" gets the mass of one more
// doubling. Under that prior the most informative tests are spread geometrically, which is
// galloping; the evidence then moves the odds like any batch of the range search.
//
// Runs. Each end's runs enter as log-likelihoods per rate node (search/rate_grid.h), in the new
// and the old state, and the runs of commits newer than every end (the start commit) as a common
// term: the posterior is over (interval, p, f) jointly, marginal over the rates as in the range
// search. K is small (tens of releases), so every update is exact: K x grid nodes.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "search/rate_grid.h"

namespace culprit::search {

// The log prior of each interval (K + 1 values) for ends at `distances` (commits back from the
// start commit, increasing).
std::vector<double> end_interval_log_prior(std::span<const double> distances);

class EndPosterior {
 public:
  EndPosterior(std::vector<double> distances, const RateGrid& grid);

  std::size_t ends() const { return distances_.size(); }
  // Per rate node, the log-likelihood of runs newer than every end (new under every hypothesis).
  void set_common(std::vector<double> log_likelihood);
  // Per rate node, the log-likelihood of end i's runs in the new and in the old state.
  void set_runs(std::size_t end, std::vector<double> log_new, std::vector<double> log_old);
  // Recomputes the posterior after set_common / set_runs.
  void update();

  double interval(std::size_t j) const { return interval_[j]; }  // P(hypothesis j), j <= K
  double older_than_all() const { return interval_.back(); }
  double probability_new(std::size_t end) const;  // P(end has the bug) = P(j > end)
  std::span<const double> rate_posterior() const { return rate_weight_; }

 private:
  std::vector<double> distances_;
  const RateGrid& grid_;
  std::vector<double> log_prior_;                       // per interval
  std::vector<double> common_;                          // per rate node
  std::vector<std::vector<double>> log_new_, log_old_;  // per end, per rate node
  std::vector<double> interval_;                        // posterior, per interval
  std::vector<double> rate_weight_;                     // posterior, per rate node
};

}  // namespace culprit::search
