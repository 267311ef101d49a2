// The second look at a single culprit (reference §4.3, §5 "Check the answer"): with runs up to
// --confidence, the culprit must have the bug and its parents not, each with probability 0.95 at
// least (fix mode: the other way round, for the parents that have the bug at all). Disagreements
// become the verify-failed flag.
#include "job/phases.h"

namespace culprit::job {

void verify(JobContext& job, const std::string& culprit, BisectResult& result) {
  job.events.emit(PhaseStarted{Phase::verify, culprit});
  nlohmann::json verification = nlohmann::json::object();
  auto check = [&](const std::string& commit, const std::string& role,
                   bool expect_bug) -> std::optional<bool> {
    auto measured = measure(job, commit, Phase::verify, 3);
    if (!measured) {
      job.events.print("cannot verify {} {}: {}", role, commit, measured.error().message);
      return std::nullopt;
    }
    const search::BugPresence& presence = measured->presence;
    job.events.print("verifying {} {}: {} runs, {} crashed with the bug's title", role, commit,
                     presence.runs, presence.matching);
    nlohmann::json entry = {{"commit", commit},
                            {"built", measured->built},
                            {"runs", presence.runs},
                            {"crashed_with_title", presence.matching},
                            {"bug_probability", presence.probability}};
    if (!measured->built || presence.runs == 0) {
      job.events.print("{} {} could not be tested", role, commit);
      entry["agrees"] = nullptr;
    } else {
      // The second look spends runs up to --confidence (3 batches at most), and agrees at 0.95:
      // with --confidence 0.99 and a flaky reproducer 3 batches may not reach 0.99 on a commit
      // whose runs all point the right way, and that is no disagreement.
      constexpr double kAgreement = 0.95;
      const double agreement = expect_bug ? presence.probability : 1 - presence.probability;
      entry["agrees"] = agreement >= std::min(job.options.confidence, kAgreement);
    }
    if (role == "culprit") {
      verification["culprit"] = entry;
    } else {
      verification["parents"].push_back(entry);
    }
    if (entry["agrees"].is_null()) return std::nullopt;
    return entry["agrees"].get<bool>();
  };

  auto info = job.repo.commit(culprit);
  if (!info) {
    job.events.print("cannot verify {}: {}", culprit, info.error().message);
    return;
  }
  bool failed = false;
  bool complete = true;
  auto account = [&](std::optional<bool> agrees) {
    if (!agrees) complete = false;
    if (agrees && !*agrees) failed = true;
  };
  account(check(culprit, "culprit", job.cause()));
  verification["parents"] = nlohmann::json::array();
  for (const std::string& parent : info->parents) {
    if (!job.cause()) {
      auto introduced = bug_introduced(job, parent);
      if (introduced && *introduced && !**introduced) {
        job.events.print("parent {} never had the bug: nothing to verify there", parent);
        continue;
      }
    }
    account(check(parent, "parent", !job.cause()));
  }
  const char* verdict = failed ? "fail" : complete ? "pass" : "untested";
  job.events.print("verify: {}", failed ? "FAIL" : complete ? "PASS" : "UNTESTED");
  verification["result"] = verdict;
  if (failed) result.flags.push_back("verify-failed");
  result.json["verification"] = verification;
}

}  // namespace culprit::job
