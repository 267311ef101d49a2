#include "search/verdict_policy.h"

#include <fmt/format.h>
#include <algorithm>
#include <cctype>
#include <cmath>

namespace culprit::search {

namespace {

// syzbot's rule needs enough runs to tell "reproduces sometimes" from "does not reproduce"; below
// this the test is treated as deterministic, like `git bisect run`.
constexpr std::size_t kStatisticalRuns = 10;

// Crash types that say more about the test machinery than about the kernel: a crash of such a
// type on a bisection commit is ignored unless the start commit crashed that way too.
bool is_transient_type(std::string_view type) {
  std::string normalized;
  for (const char c : type) {
    if (c == '_' || c == '-' || c == ' ') continue;
    normalized.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return normalized == "syzfailure" || normalized == "lostconnection";
}

struct Tally {
  std::size_t good = 0;
  std::size_t bad = 0;
  std::size_t infra = 0;
  std::size_t skip = 0;  // cannot-test runs and ignored crashes
  std::vector<std::string> labels;
};

class ClassicPolicy final : public VerdictPolicy {
 public:
  std::string name() const override { return "classic"; }

  VerdictDecision learn_start(std::span<const RunSummary> runs) override {
    start_types_.clear();  // the transient rule is off for the start commit itself
    VerdictDecision decision = decide(runs);
    for (const RunSummary& run : runs) {
      if (run.outcome == RunOutcome::crashed && !run.type.empty() &&
          std::find(start_types_.begin(), start_types_.end(), run.type) == start_types_.end()) {
        start_types_.push_back(run.type);
      }
    }
    repro_chance_ = decision.bad_ratio;
    note_flakiness(decision);
    return decision;
  }

  VerdictDecision decide(std::span<const RunSummary> runs) const override {
    const Tally tally = classify(runs);
    VerdictDecision decision;
    decision.run_labels = tally.labels;
    const std::size_t tested = tally.good + tally.bad;
    decision.bad_ratio = tested == 0 ? 0 : static_cast<double>(tally.bad) / tested;
    const std::string counts = fmt::format("{} bad, {} good, {} skip, {} infra", tally.bad,
                                           tally.good, tally.skip, tally.infra);
    if (runs.size() >= kStatisticalRuns) {
      decide_statistically(runs.size(), tally, counts, decision);
    } else {
      decide_deterministically(tally, counts, decision);
    }
    if (decision.verdict == Verdict::good) {
      decision.false_negative = std::pow(1 - repro_chance_, static_cast<double>(tally.good));
    }
    return decision;
  }

  void after_step(const VerdictDecision& decision) override {
    if (decision.verdict == Verdict::good) confidence_ *= 1 - decision.false_negative;
    if (decision.verdict == Verdict::bad) {
      repro_chance_ = std::min(repro_chance_, (repro_chance_ + decision.bad_ratio) / 2);
    }
    note_flakiness(decision);
  }

  bool flaky() const override { return flaky_; }
  double repro_chance() const override { return repro_chance_; }
  double confidence() const override { return confidence_; }

 private:
  Tally classify(std::span<const RunSummary> runs) const {
    Tally tally;
    for (const RunSummary& run : runs) {
      switch (run.outcome) {
        case RunOutcome::ok:
          ++tally.good;
          tally.labels.push_back("OK");
          break;
        case RunOutcome::cannot_test:
          ++tally.skip;
          tally.labels.push_back("skip: cannot test");
          break;
        case RunOutcome::infra_error:
          ++tally.infra;
          tally.labels.push_back(
              fmt::format("infra: {}", run.title.empty() ? "infrastructure error" : run.title));
          break;
        case RunOutcome::crashed:
          if (!start_types_.empty() && is_transient_type(run.type) &&
              std::find(start_types_.begin(), start_types_.end(), run.type) == start_types_.end()) {
            ++tally.skip;
            tally.labels.push_back(fmt::format("ignore: {}", run.title));
          } else {
            ++tally.bad;
            tally.labels.push_back(fmt::format("crashed: {}", run.title));
          }
          break;
      }
    }
    return tally;
  }

  // syzbot's bisectionDecision (reference §1.2 item 11).
  void decide_statistically(std::size_t total, const Tally& tally, const std::string& counts,
                            VerdictDecision& decision) const {
    const std::size_t want_bad = std::max<std::size_t>(2, (total - tally.infra) / 6);
    const std::size_t want_good = flaky_ ? total * 3 / 4 : total / 2;
    const std::size_t want_total = total / 2;
    if (tally.bad == 0 && tally.good >= want_good) {
      decision.verdict = Verdict::good;
      decision.reason = counts;
    } else if (tally.bad >= want_bad && tally.good + tally.bad >= want_total) {
      decision.verdict = Verdict::bad;
      decision.reason = counts;
    } else if (tally.infra > tally.skip) {
      decision.verdict = Verdict::skip;
      decision.infra_abort = true;
      decision.reason =
          fmt::format("unable to determine the verdict because of infra errors: {}", counts);
    } else {
      decision.verdict = Verdict::skip;
      decision.reason = fmt::format(
          "unable to determine the verdict: {} (wanted {} good and no bad, or {} bad and {} "
          "tested)",
          counts, want_good, want_bad, want_total);
    }
  }

  // Few runs: the test is taken as deterministic, as `git bisect run` does.
  void decide_deterministically(const Tally& tally, const std::string& counts,
                                VerdictDecision& decision) const {
    decision.reason = counts;
    if (tally.bad > 0) {
      decision.verdict = Verdict::bad;
    } else if (tally.good > 0) {
      decision.verdict = Verdict::good;
    } else if (tally.infra > tally.skip) {
      decision.verdict = Verdict::skip;
      decision.infra_abort = true;
      decision.reason =
          fmt::format("unable to determine the verdict because of infra errors: {}", counts);
    } else {
      decision.verdict = Verdict::skip;
      decision.reason = fmt::format("unable to determine the verdict: {}", counts);
    }
  }

  // A bug that shows up in fewer than half of the runs of a bad commit needs more good runs to
  // call a commit good from then on.
  void note_flakiness(const VerdictDecision& decision) {
    if (decision.verdict == Verdict::bad && decision.bad_ratio < 0.5) flaky_ = true;
  }

  std::vector<std::string> start_types_;
  double repro_chance_ = 1;
  double confidence_ = 1;
  bool flaky_ = false;
};

}  // namespace

Result<std::unique_ptr<VerdictPolicy>> make_verdict_policy(const std::string& strategy) {
  if (strategy == "classic") return std::unique_ptr<VerdictPolicy>(new ClassicPolicy());
  return make_error(fmt::format("unknown strategy: {} (known: classic)", strategy));
}

}  // namespace culprit::search
