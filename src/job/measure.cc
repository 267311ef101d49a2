// Measuring one commit outside the search: batches until its own runs say whether the bug is
// there (verification, the revert, fix mode's merge bases). The evidence rules are the search's
// (search/bug_evidence.h); only the stopping rule is the job's.
#include "job/phases.h"

namespace culprit::job {
namespace {

std::vector<search::RunSummary> summaries(const std::vector<store::RunRecord>& runs) {
  std::vector<search::RunSummary> out;
  for (const store::RunRecord& run : runs) {
    out.push_back({run.outcome, run.title, run.type, run.alt_titles});
  }
  return out;
}

Result<search::RunTally> tally_tree(JobContext& job, const std::string& tree) {
  auto titles = bug_titles(job);
  if (!titles) return titles.error();
  auto runs = job.store.runs(job.job.id, tree);
  if (!runs) return runs.error();
  return search::tally(*titles, summaries(*runs));
}

}  // namespace

Result<search::BugTitles> bug_titles(JobContext& job) {
  if (job.bug_titles) return *job.bug_titles;
  // The start commit's runs with the job's own config: those of other configs (config
  // minimization) are keyed apart (JobContext::tree_key) and never name the bug.
  auto info = job.repo.commit(job.start);
  if (!info) return info.error();
  auto runs = job.store.runs(job.job.id, info->tree);
  if (!runs) return runs.error();
  job.bug_titles = search::bug_titles_from(summaries(*runs));
  return *job.bug_titles;
}

Result<search::BugPresence> presence(JobContext& job, const std::string& tree) {
  auto counted = tally_tree(job, tree);
  if (!counted) return counted.error();
  auto info = job.repo.commit(job.start);
  if (!info) return info.error();
  auto start = info->tree == tree ? counted : tally_tree(job, info->tree);
  if (!start) return start.error();
  return search::bug_presence(*counted,
                              search::presence_repro_rate(job.strategy->repro_chance(), *start));
}

Result<Measured> measure(JobContext& job, const std::string& commit, Phase phase, int max_batches) {
  auto info = job.repo.commit(commit);
  if (!info) return info.error();
  const std::string tree = job.tree_key(info->tree);
  for (int batch = 0;; ++batch) {
    auto build = job.store.build(job.job.id, tree);
    if (!build) return build.error();
    auto now = presence(job, tree);
    if (!now) return now.error();
    if (*build && is_final((*build)->status) && (*build)->status != BuildStatus::ok) {
      return Measured{*now, false};
    }
    const bool sure = std::max(now->probability, 1 - now->probability) >= job.options.confidence;
    if (batch >= max_batches || (now->runs > 0 && sure)) return Measured{*now, true};
    auto recorded = job.store.runs(job.job.id, tree);
    if (!recorded) return recorded.error();
    int next_index = 0;
    for (const store::RunRecord& run : *recorded) next_index = std::max(next_index, run.index + 1);
    if (job.strategy->revisits()) next_index = std::max(next_index, job.runs_used[tree]);
    auto tested = evaluate(job, commit, phase, job.options.runs, next_index);
    if (!tested) return tested.error();
    search::VerdictDecision decision;
    if (!tested->built) {
      decision.reason = "build failed";
    } else {
      auto titles = bug_titles(job);
      if (!titles) return titles.error();
      bool ok = false;
      for (const search::RunSummary& run : tested->batch) {
        if (run.outcome == RunOutcome::ok) {
          ok = true;
          decision.run_labels.push_back("OK");
        } else if (run.outcome == RunOutcome::crashed) {
          decision.run_labels.push_back(
              fmt::format("crashed: {}{}", run.title,
                          search::matches_bug(*titles, run) ? "" : " (not the bug's title)"));
        } else {
          decision.run_labels.push_back(fmt::format("skip: {}", run.title));
        }
      }
      auto after = presence(job, tree);
      if (!after) return after.error();
      const bool crashed = after->matching > now->matching;  // in this batch, alt titles too
      decision.verdict = crashed ? Verdict::bad : ok ? Verdict::good : Verdict::skip;
      decision.false_negative = after->miss;
    }
    if (Status concluded = conclude(job, *tested, decision); !concluded.ok()) {
      return concluded.error();
    }
  }
}

}  // namespace culprit::job
