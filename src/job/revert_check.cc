// The revert check: the culprit's change taken back on top of the end it was found from, built
// and tested. In cause mode the start commit without the culprit should no longer crash; in fix
// mode the fixed end without the fix should crash again.
#include "job/phases.h"
#include "vcs/revert.h"

namespace culprit::job {

void check_revert(JobContext& job, const std::string& culprit, const std::string& onto,
                  BisectResult& result) {
  job.events.emit(PhaseStarted{Phase::revert, culprit});
  nlohmann::json revert_json = {{"onto", onto}};
  auto revert = vcs::revert_onto(job.repo, culprit, onto);
  if (!revert) {
    job.events.print("cannot revert {}: {}", culprit, revert.error().message);
    revert_json["result"] = "error";
  } else if (!revert->applied) {
    job.events.print("revert does not apply on {}: conflicts in {}", onto,
                     fmt::join(revert->conflicts, ", "));
    job.events.line("revert: NOT APPLIED");
    revert_json["result"] = "not-applied";
    revert_json["conflicts"] = revert->conflicts;
    result.flags.push_back("revert-not-applied");
  } else {
    job.events.print("testing the revert of {} on top of {}: {}", culprit, onto, revert->commit);
    auto measured = measure(job, revert->commit, Phase::revert, 3);
    revert_json["commit"] = revert->commit;
    if (!measured) {
      job.events.print("cannot test the revert: {}", measured.error().message);
      revert_json["result"] = "error";
    } else if (!measured->built || measured->presence.runs == 0) {
      job.events.line("revert: UNTESTED (it does not build or cannot be tested)");
      revert_json["result"] = "untested";
    } else {
      const search::BugPresence& presence = measured->presence;
      job.events.print("revert: {} runs, {} crashed with the bug's title", presence.runs,
                       presence.matching);
      const bool crashes = presence.probability > 0.5;
      // Cause mode: taking the culprit back must take the crash away; fix mode: taking the fix
      // back must bring it back.
      const bool passes = job.cause() ? !crashes : crashes;
      job.events.print("revert: {}", passes ? "PASS" : "FAIL");
      revert_json["result"] = passes ? "pass" : "fail";
      revert_json["runs"] = presence.runs;
      revert_json["crashed_with_title"] = presence.matching;
      if (!passes) result.flags.push_back(job.cause() ? "revert-still-crashes" : "revert-no-crash");
    }
  }
  result.json["verification"]["revert"] = revert_json;
}

}  // namespace culprit::job
