// Fix mode's question before a range commit is tested (syzkaller issue 4117, reference §2.1): was
// the bug ever introduced in this commit's history? A commit that never had the bug does not
// crash, and is no fix either.
#include "job/phases.h"

namespace culprit::job {

// A commit reached from a commit that crashed with the bug has it; otherwise its merge bases with
// the start commit decide: a base with the bug means the bug is there, bases that all lack it mean
// it never came in, and a fork from before the bug cannot tell anything about the fix. Nothing:
// unknown (no base could be tested).
Result<std::optional<bool>> bug_introduced(JobContext& job, const std::string& commit) {
  for (const TestedCommit& tested : job.tested) {
    if (tested.verdict() != Verdict::bad) continue;
    auto reached = job.repo.is_ancestor(tested.commit, commit);
    if (!reached) return reached.error();
    if (*reached) return std::optional<bool>(true);
  }
  job.events.line("determine whether the revision contains the guilty commit");
  auto bases = job.repo.merge_bases(commit, job.start);
  if (!bases) return bases.error();
  bool any_known = false;
  for (const std::string& base : *bases) {
    auto known = job.checked_bases.find(base);
    if (known == job.checked_bases.end()) {
      // Measured once: topic branches forked at the same place share the base.
      auto info = job.repo.commit(base);
      if (!info) return info.error();
      auto recorded = presence(job, job.tree_key(info->tree));
      if (!recorded) return recorded.error();
      if (recorded->runs == 0) job.events.print("checking the merge base {}", base);
      auto measured = measure(job, base, Phase::merge_base, 3);
      if (!measured) return measured.error();
      search::BugPresence entry = measured->presence;
      if (!measured->built) entry.runs = 0;  // untestable: tells nothing
      known = job.checked_bases.emplace(base, entry).first;
    }
    const search::BugPresence& measured = known->second;
    if (measured.runs == 0) continue;
    any_known = true;
    if (measured.probability > 0.5) return std::optional<bool>(true);
  }
  if (!any_known) return std::optional<bool>();
  return std::optional<bool>(false);
}

// Without the bug none of the commit's ancestors can be the fix: classic does what syzbot does,
// pretends that it crashed (git "good"); a strategy that revisits (bayes) takes nothing from it,
// since a run there says nothing about the fix, and never asks for it again. Unknown: skipped.
search::Recorded not_introduced(JobContext& job, const search::TestOrder& order, bool known) {
  if (!known) {
    job.events.line("cannot tell whether the bug was introduced: skip");
    return job.strategy->record_build_failure(order.point, {});
  }
  if (job.strategy->revisits()) {
    job.events.line("the bug was not introduced yet; the commit tells nothing about the fix");
    return job.strategy->record_build_failure(order.point, {});
  }
  job.events.line("the bug was not introduced yet; pretend that it crashed");
  std::vector<search::RunSummary> pretended(static_cast<std::size_t>(order.runs));
  const std::string title =
      job.bug_titles && !job.bug_titles->empty() ? *job.bug_titles->begin() : "";
  for (search::RunSummary& run : pretended) {
    run.outcome = RunOutcome::crashed;
    run.title = title;
  }
  return job.strategy->record(order.point, pretended, {});
}

}  // namespace culprit::job
