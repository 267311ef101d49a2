// BayesStrategy (`--strategy bayes`): noise-aware search over the commit DAG.
//
// Hypotheses: "candidate c is the culprit" for every node of the range, plus "the change is older
// than the range" (the good end is already in the new state; shown as kOlderThanRange). Under c a
// commit x is in the new state iff c is an ancestor of x or x itself; under "older" every commit of
// the range and every good end is. The prior is uniform over the candidates with
// BayesModel::older_prior on "older".
//
// Evidence. Each run is ok, a crash whose title (or one of the parser's alternative titles) is one
// of the bug's titles -- the titles the start commit crashed with, but not those seen at most half
// as often as the most frequent one -- a crash with another title,
// or nothing (cannot test, infra error). With the bug present a run crashes with the reproducer's
// rate p, and otherwise with an unrelated bug's rate f; a bug crash carries a known title with
// probability m, an unrelated crash with probability u. So a matching crash is strong evidence
// (likelihood ratio ~ p m / f u) and another title weak evidence. p and f are unknown, with Beta
// priors: the posterior is over (culprit, p, f) jointly and every probability the strategy states
// is marginal over the rates, integrated on a quadrature grid (search/rate_grid.h). So a p that
// rests on one crash of ten counts as the doubt it is, and the stated confidence is calibrated.
//
// Exactness on the DAG. log P(c | runs) = log prior(c) + sum over tested x with c <= x of D(x),
// where D(x) is x's log-likelihood ratio new vs old at given rates. Candidates that are ancestors
// of the same tested commits have the same likelihood at every rate: they form one class, and the
// classes (a few per tested commit) carry sum D(x) per grid node. A first batch on x splits the
// classes of x's ancestors (one DFS); later batches add their change of D(x) to the classes below
// x. The marginal over the rates is then a log-sum-exp per class -- exact on the grid, and cheap:
// classes x grid nodes, not candidates x grid nodes. P(x is new) = the
// posterior mass of x's ancestors, for every x at once by one pass in topological order: q(x) =
// pi(x) + q(first parent) + the mass of the ancestors the other parents add (Ancestry's per-merge
// difference lists, computed once: search/ancestry.h) -- exact with merges, side branches and
// octopus merges.
//
// Choosing the next test: the expected information (bits) that a batch of runs on x gives about
// the culprit is I(S_x; Y) (BatchInformation, search/batch_information.h), a concave function of
// q(x) (the batch outcome Y depends on the hypothesis only through x's state S_x); divided by the
// cost of the action -- the build (zero for the `kept_builds` most recently tested commits) plus
// one batch of runs, both learned as the job runs. With fewer run slots than --runs a batch takes
// rounds, and its size (whole rounds) is chosen with the commit by the same ratio: the first runs
// of a batch tell the most. The batch's outcome distributions are mixtures
// over the rate posterior, so a batch is worth less while p is uncertain. The start commit gets
// more batches (no build needed) while that uncertainty costs a future batch more than a fifth of
// what it would tell with the rates known (BayesModel::start_efficiency). With --parallel K the
// batch holds up to K commits chosen greedily: each next one maximises the information it adds
// given the states of those already chosen, per the cost it adds (builds run at the same time, runs
// share the pool).
//
// Stops when the leading hypothesis reaches `confidence`, when the budget is spent, or when no
// test is worth anything (only commits that do not build separate the leaders).
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <vector>

#include "search/ancestry.h"           // Ancestry
#include "search/batch_information.h"  // BatchInformation
#include "search/end_posterior.h"      // EndPosterior
#include "search/rate_grid.h"          // RateGrid
#include "search/strategy.h"

namespace culprit::search {

// Tunables of the model (see above).
struct BayesModel {
  double older_prior = 0.005;
  // The run model: m, u, the Beta priors of p (1, 1) and f (1, 49: mean 0.02), and the quadrature
  // nodes the posterior integrates them on.
  RateGridShape rates;
  // Batches on the start commit: until it crashes (0.9^60 = 0.2% to miss a 1-in-10 reproducer),
  // and while p or the bug's titles are too uncertain.
  int max_start_batches = 6;
  int max_title_batches = 20;     // while the bug's titles are in doubt (search/bug_evidence.h)
  double start_efficiency = 0.8;  // below: a batch tells too little of what it would, p known
  int judge_batches = 3;          // batches on a release tag or the fixed head before judging it
  double judge_error = 0.05;      // a release or head is good once a bug would have shown by now
  // The good end search: an end is good once it has the bug with at most this chance (what is
  // left becomes the range's prior on "older than the range"); an end has the bug above 1 - it.
  double end_error = 0.01;
  double min_gain_bits = 1e-4;  // below: no test is worth running
};

class BayesStrategy final : public SearchStrategy {
 public:
  explicit BayesStrategy(const StrategyOptions& options, BayesModel model = {});
  // Reuse an Ancestry computed for the same graph (begin() computes one otherwise).
  void set_ancestry(std::shared_ptr<const Ancestry> ancestry) { ancestry_ = std::move(ancestry); }

  std::string name() const override { return "bayes"; }
  VerdictDecision judge_start(std::span<const RunSummary> runs, const TestCost& cost) override;
  VerdictDecision judge_release(std::span<const RunSummary> runs, const TestCost& cost) override;
  VerdictDecision judge_head(std::span<const RunSummary> runs, const TestCost& cost) override;
  // The good end by the evidence (search/end_posterior.h; bayes_good_end.cc): each next end is
  // the one whose batch tells most about the culprit per cost, as in the range search; an end is
  // good once it has the bug with probability below end_error, and the range search then starts
  // with that probability on "older than the range".
  bool chooses_good_end() const override { return true; }
  void begin_ends(std::span<const EndCandidate> ends) override;
  EndStep next_end() override;
  Recorded record_end(std::size_t end, std::span<const RunSummary> runs,
                      const TestCost& cost) override;
  Recorded record_end_build_failure(std::size_t end, const TestCost& cost) override;
  void begin(const vcs::CommitGraph& graph, Index bad, std::size_t old_ends) override;
  SearchStep next() override;
  Recorded record(Point point, std::span<const RunSummary> runs, const TestCost& cost) override;
  Recorded record_build_failure(Point point, const TestCost& cost) override;
  double confidence() const override;
  std::vector<Ranked> top(std::size_t count) const override;
  bool flaky() const override { return repro_ < 0.5; }
  double repro_chance() const override { return repro_; }
  bool reports_confidence() const override { return true; }
  bool revisits() const override { return true; }
  std::size_t kept_build_limit() const override {
    return static_cast<std::size_t>(options_.kept_builds);
  }
  std::vector<Point> kept_builds() const override { return recent_; }

  // For tests and the benchmark.
  double posterior(Point candidate) const { return posterior_[candidate]; }
  double posterior_older() const { return posterior_.back(); }
  double probability_new(Point point) const;  // P(point is in the new state)
  double unrelated_rate() const { return unrelated_; }
  // How much of what a batch would tell with the rates known it tells under today's uncertainty
  // about them (at the best test point; 1 = rates known).
  double rate_efficiency() const;
  const RateGrid& rate_grid() const { return grid_; }
  std::span<const double> rate_posterior() const { return rate_weight_; }
  const std::set<std::string>& bug_titles() const { return bug_titles_; }
  const EndPosterior* end_posterior() const { return end_posterior_.get(); }
  double older_prior() const { return older_prior_; }

 private:
  struct Counts {
    int ok = 0;
    int match = 0;
    int other = 0;
    int total() const { return ok + match + other; }
  };
  Counts count(std::span<const RunSummary> runs) const;
  double log_likelihood(const Counts& counts, bool new_state, const RateGrid::Node& node) const;
  std::array<double, 3> per_run(const RateGrid::Node& node, bool new_state) const;
  void learn_cost(const TestCost& cost, std::size_t batch_runs);
  int rounds(int runs) const;            // rounds of run slots a batch of `runs` runs takes
  std::vector<int> batch_sizes() const;  // whole rounds of run slots, the last one --runs
  // What a batch of each of batch_sizes() tells, over the rate posterior (one mixture for all).
  std::vector<BatchInformation> information_by_size() const;
  VerdictDecision describe(std::span<const RunSummary> runs, const Counts& counts) const;
  // A recorded batch: its runs described, its verdict from P(new) of the point after it.
  Recorded describe_batch(std::span<const RunSummary> runs, const Counts& batch, int runs_so_far,
                          double is_new) const;
  Recorded build_failed(const TestCost& cost);
  VerdictDecision judge_commit(std::span<const RunSummary> runs, bool& is_bad);
  void rate_weights_before_range(const Counts& extra_present);
  void update_rate_means();  // repro_ and unrelated_ from rate_weight_
  std::vector<BatchInformation::Component> rate_mixture(std::size_t limit) const;
  double chance_all_missed(int runs, int outcome) const;
  void add_above(const Counts& counts);
  void apply_counts(Point point);
  void start_tracking(Point point);
  void split_classes(Point point);
  void compact_classes();
  void normalize();
  void refresh_new_mass();
  void touch(Point point);
  bool built(Point point) const;
  double action_cost(bool needs_build) const { return action_cost(needs_build, options_.runs); }
  double action_cost(bool needs_build, int runs) const;
  std::vector<TestOrder> choose_tests(double& best_gain);
  std::vector<double> log_likelihoods(const Counts& counts, bool new_state) const;  // per node
  void update_end_posterior();
  std::optional<std::string> budget_spent() const;
  void finish_ends(std::size_t good, std::optional<std::size_t> new_end);

  // Candidates that are ancestors of the same tested commits: one likelihood per rate node.
  struct CulpritClass {
    std::size_t size = 0;
    std::vector<double> ratio;  // per rate node: sum of D(x) over the tested commits above
    std::vector<char> below;    // per tested index: are its candidates ancestors of that commit
  };

  StrategyOptions options_;
  BayesModel model_;
  RateGrid grid_;
  std::vector<double> rate_weight_;  // posterior of the rate nodes
  double repro_ = 0.5;               // posterior mean of p
  double unrelated_ = 0.02;          // posterior mean of f
  std::set<std::string> bug_titles_;
  int start_batches_ = 0;
  int judge_batches_ = 0;
  double older_prior_;               // of "older than the range"; the good end search may raise it
  Counts above_;                     // runs of commits newer than every candidate
  std::vector<Counts> pending_old_;  // runs of old ends judged before begin()

  // Costs learned from the tests (seconds).
  double build_sum_ = 0, round_sum_ = 0;  // round_sum_: batch times per round of run slots
  int build_samples_ = 0, round_samples_ = 0;
  std::size_t builds_ = 0, runs_ = 0;
  double spent_s_ = 0;

  // The good end search.
  std::unique_ptr<EndPosterior> end_posterior_;
  std::vector<Counts> end_counts_;
  std::vector<char> end_tested_, end_failed_;
  std::vector<std::size_t> end_recent_;  // most recently tested ends first (kept builds)

  // The range.
  const vcs::CommitGraph* graph_ = nullptr;
  std::shared_ptr<const Ancestry> ancestry_;
  std::size_t nodes_ = 0;                      // candidates; points nodes_.. are old ends
  std::vector<Counts> counts_;                 // per point
  std::vector<char> failed_;                   // per point: did not build
  std::vector<std::vector<Index>> ancestors_;  // per tested node
  std::vector<Point> tested_;                  // points with runs, in first-test order
  static constexpr std::size_t kUntested = static_cast<std::size_t>(-1);
  std::vector<std::size_t> tested_index_;  // per point: its index in tested_, or kUntested
  std::vector<Point> recent_;              // most recently tested first (kept builds)
  // Per tested point and rate node, the log-likelihood of its runs as applied, new and old state.
  std::vector<std::vector<double>> applied_new_, applied_old_;
  std::vector<double> base_;   // per rate node: every candidate's common log-likelihood
  std::vector<double> older_;  // per rate node: the log-likelihood under "older"
  std::vector<CulpritClass> classes_;
  std::vector<std::uint32_t> class_of_;  // per node
  std::vector<double> posterior_;        // per hypothesis (candidates, then older), marginal
  std::vector<double> new_mass_;         // per node: P(new) without the "older" share
  std::size_t leader_ = 0;
};

}  // namespace culprit::search
