// VerdictPolicy: turns the runs of one commit into good / bad / skip. Replaceable, selected by
// `--strategy`; `classic` is syzbot's rule (reference §1.2 items 10-12) when a commit gets 10 or
// more runs, and git-bisect-run's (any crash is bad, all OK is good) with fewer.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/run_outcome.h"
#include "base/verdict.h"

namespace culprit::search {

using culprit::Verdict;  // base/verdict.h

// What a policy needs to know of one run.
struct RunSummary {
  RunOutcome outcome = RunOutcome::ok;
  std::string title;                    // for crashed runs
  std::string type;                     // crash type from the report parser ("" when unknown)
  std::vector<std::string> alt_titles;  // other names the parser gives the same crash
};

struct VerdictDecision {
  Verdict verdict = Verdict::skip;
  bool infra_abort = false;  // too many infra errors to trust anything: the job fails
  std::string reason;        // why, for the log ("unable to determine the verdict: 1 bad, ...")
  // How each run counts, in run order, for the log: "OK", "crashed: TITLE", "ignore: ...",
  // "skip: ...", "infra: ...".
  std::vector<std::string> run_labels;
  double bad_ratio = 0;       // bad / (bad + good)
  double false_negative = 0;  // for GOOD: chance that a bad commit looked this good
  int more_runs = 0;          // > 0: run the commit this many more times before deciding
};

class VerdictPolicy {
 public:
  virtual ~VerdictPolicy() = default;
  virtual std::string name() const = 0;
  // The runs of the commit the bisection starts from: learns the bug's crash types and how often
  // it reproduces. Returns the decision for that commit.
  virtual VerdictDecision learn_start(std::span<const RunSummary> runs) = 0;
  virtual VerdictDecision decide(std::span<const RunSummary> runs) const = 0;
  // Called after a bisection step's decision (not for the start commit or release walk), as
  // syzbot's postTestResult: updates flakiness and the accumulated confidence.
  virtual void after_step(const VerdictDecision& decision) = 0;
  virtual bool flaky() const = 0;
  virtual double repro_chance() const = 0;
  virtual double confidence() const = 0;  // product of (1 - false negative) over the steps
};

// "classic" or an error naming the unknown strategy.
Result<std::unique_ptr<VerdictPolicy>> make_verdict_policy(const std::string& strategy);

}  // namespace culprit::search
