// Evaluation of one commit: checkout -> build -> runs -> parse. Every build and run is written to
// the store as soon as it ends; what the store already holds is replayed instead of redone, which
// is what makes running a job again a resume.
#include <algorithm>
#include <future>

#include "job/phases.h"
#include "report/report.h"

namespace culprit::job {
namespace {

// The last `count` non-empty lines of a build log: where compilers and make say what broke.
std::vector<std::string> last_lines(const std::string& text, std::size_t count) {
  std::vector<std::string> lines;
  std::size_t end = text.size();
  while (end > 0 && lines.size() < count) {
    std::size_t start = text.rfind('\n', end - 1);
    std::size_t from = start == std::string::npos ? 0 : start + 1;
    if (end > from) lines.push_back(text.substr(from, end - from));
    if (start == std::string::npos) break;
    end = start;
  }
  std::reverse(lines.begin(), lines.end());
  return lines;
}

// The command backend's --artifact in a slot's checkout ("" when there is none).
std::string artifact_path(const JobContext& job, std::size_t slot) {
  if (job.options.artifact.empty()) return "";
  return job.slots[slot].worktree->dir() + "/" + job.options.artifact;
}

std::map<std::string, std::string> commit_env(const JobContext& job, const std::string& commit,
                                              std::size_t slot) {
  std::map<std::string, std::string> env = {{"CULPRIT_COMMIT", commit},
                                            {"CULPRIT_CHECKOUT", job.slots[slot].worktree->dir()}};
  if (!job.options.artifact.empty()) env["CULPRIT_ARTIFACT"] = artifact_path(job, slot);
  return env;
}

// The trees whose builds the strategy counts as still there: their slots are evicted last.
std::set<std::string> kept_trees(const JobContext& job) {
  std::set<std::string> trees;
  if (!job.graph) return trees;
  for (search::Point point : job.strategy->kept_builds()) {
    if (auto info = job.repo.commit(job.point_commit(point)))
      trees.insert(job.tree_key(info->tree));
  }
  return trees;
}

Result<std::size_t> slot_for(JobContext& job, const std::string& tree,
                             const std::set<std::size_t>& busy = {}) {
  return job.slots.slot_for(tree, busy, kept_trees(job));
}

Result<builder::BuildRequest> prepare_build(JobContext& job, const std::string& commit,
                                            std::size_t slot) {
  job.slots[slot].built_tree.reset();
  if (Status checked_out = job.slots[slot].worktree->checkout(commit); !checked_out.ok()) {
    return checked_out.error();
  }
  builder::BuildRequest request;
  request.checkout_dir = job.slots[slot].worktree->dir();
  request.commit = commit;
  request.env = commit_env(job, commit, slot);
  request.job_dir = job.slots[slot].job_dir;
  if (job.config) request.config_path = job.config->path;
  return request;
}

// Records a build as soon as it ends, and logs its notes. Its time is billed to the batch that uses
// it (evaluate).
Result<store::BuildRecord> record_build(JobContext& job, const std::string& commit,
                                        const std::string& tree, std::size_t slot,
                                        const builder::BuildResult& built) {
  store::BuildRecord record;
  record.tree = tree;
  record.commit = commit;
  record.status = built.status;
  record.signature = built.signature;
  record.compiler = built.compiler;
  record.duration_s = built.duration_s;
  record.log_tail = built.log_tail;
  record.error = built.error;
  job.build_artifacts[tree] = built.artifacts;
  for (const std::string& note : built.notes) job.events.line(note);
  if (Status stored = job.store.put_build(job.job.id, record); !stored.ok()) return stored.error();
  job.totals.builds.insert(tree);
  if (record.status == BuildStatus::ok) job.slots[slot].built_tree = tree;
  return record;
}

// Checks `commit` out into the slot's worktree and builds it; the build is recorded before
// returning.
Result<store::BuildRecord> build_commit(JobContext& job, const std::string& commit,
                                        const std::string& tree, std::size_t slot,
                                        const std::string& compiler_commit = "") {
  auto request = prepare_build(job, commit, slot);
  if (!request) return request.error();
  request->compiler_commit = compiler_commit;
  return record_build(job, commit, tree, slot, job.builder.build(*request));
}

// Bills a build's time once per job: to the totals, and to the batch's cost when the build was
// made for it (or is met for the first time, replayed from the store), so that the strategy learns
// what builds cost and counts them against --budget builds=N.
void bill_build(JobContext& job, TestedCommit& tested, const store::BuildRecord& build,
                bool built_now) {
  if (built_now) {
    job.totals.build_s += build.duration_s;
    job.billed_builds.insert(tested.tree);
    tested.cost.build_s = build.duration_s;
    return;
  }
  if (auto unbilled = job.unbilled_build_s.find(tested.tree);
      unbilled != job.unbilled_build_s.end()) {
    job.totals.build_s += unbilled->second;
    tested.cost.build_s = unbilled->second;
    job.unbilled_build_s.erase(unbilled);
    job.billed_builds.insert(tested.tree);
    return;
  }
  if (job.billed_builds.insert(tested.tree).second) {
    job.totals.build_s += build.duration_s;
    tested.cost.build_s = build.duration_s;
  }
}

// The console parser's name for a run, stored with it so that nothing parses the console again.
store::RunRecord run_record(const std::string& tree, const runner::ReproRun& run) {
  store::RunRecord record;
  record.tree = tree;
  record.index = run.index;
  record.outcome = run.outcome;
  record.title =
      run.outcome == RunOutcome::infra_error && run.title.empty() ? run.error : run.title;
  record.exit_status = run.exit_status;
  // A crash report on the console names the crash better than an exit status or a timeout.
  if (run.outcome == RunOutcome::crashed) {
    if (auto crash = report::parse_first(run.console)) {
      record.title = crash->title;
      record.type = crash->type;
      record.alt_titles = crash->alt_titles;
    }
  } else if (run.outcome == RunOutcome::cannot_test && run.title.starts_with("boot failure")) {
    if (auto crash = report::parse_first(run.console)) {
      record.title = "boot failure: " + crash->title;
    }
  }
  record.duration_s = run.duration_s;
  record.console = run.console;
  return record;
}

search::RunSummary summary_of(const store::RunRecord& run) {
  search::RunSummary summary;
  summary.outcome = run.outcome;
  summary.title = run.title;
  summary.type = run.type;
  if (run.outcome == RunOutcome::crashed) summary.alt_titles = run.alt_titles;
  return summary;
}

}  // namespace

Result<TestedCommit> evaluate(JobContext& job, const std::string& commit, Phase phase, int runs,
                              std::optional<int> first_run) {
  if (job.cancel_requested()) return make_error("cancelled");
  auto info = job.repo.commit(commit);
  if (!info) return info.error();
  const bool revisits = job.strategy->revisits();
  TestedCommit tested;
  tested.commit = commit;
  tested.tree = job.tree_key(info->tree);
  tested.phase = phase;
  tested.first_run = first_run ? *first_run : revisits ? job.runs_used[tested.tree] : 0;
  const int end = tested.first_run + runs;
  job.events.print("testing commit {}", commit);
  BatchStarted batch{commit,
                     info->title,
                     phase,
                     runs,
                     job.progress.step,
                     job.progress.steps_total,
                     job.progress.candidates_left,
                     std::nullopt};
  if (job.strategy->reports_confidence()) batch.confidence = job.strategy->confidence();
  job.events.emit(batch);

  auto recorded_build = job.store.build(job.job.id, tested.tree);
  if (!recorded_build) return recorded_build.error();
  auto recorded_runs = job.store.runs(job.job.id, tested.tree);
  if (!recorded_runs) return recorded_runs.error();
  std::map<int, store::RunRecord> runs_by_index;
  for (store::RunRecord& run : *recorded_runs) {
    if (run.index < end) runs_by_index[run.index] = std::move(run);
  }
  std::vector<int> missing;
  for (int i = tested.first_run; i < end; ++i) {
    if (!runs_by_index.count(i)) missing.push_back(i);
  }

  std::optional<store::BuildRecord> build = *recorded_build;
  auto slot = slot_for(job, tested.tree);
  if (!slot) return slot.error();
  // Build when nothing final is recorded, or when runs are missing and no slot holds this build
  // (a resumed job, or trees tested alternately).
  const bool usable = build && build->status == BuildStatus::ok;
  const bool must_build =
      !build || !is_final(build->status) ||
      (usable && !missing.empty() && job.slots[*slot].built_tree != tested.tree);
  if (must_build) {
    auto built = build_commit(job, commit, tested.tree, *slot);
    if (!built) return built.error();
    build = *built;
  }
  bill_build(job, tested, *build, must_build);
  job.totals.builds.insert(tested.tree);
  job.events.emit(BuildFinished{commit, tested.tree, build->status, !must_build, build->signature,
                                build->compiler, build->error, build->duration_s,
                                job.build_artifacts[tested.tree]});
  if (!build->compiler.empty()) job.events.print("compiler: {}", build->compiler);

  if (build->status != BuildStatus::ok) {
    job.events.print("failed building {}: {}", commit, build->error);
    for (const std::string& line : last_lines(build->log_tail, 20)) job.events.line(line);
    return tested;
  }
  tested.built = true;
  tested.signature = build->signature;
  if (!build->signature.empty()) job.events.print("kernel signature: {}", build->signature);
  if (!missing.empty()) {
    int done = runs - static_cast<int>(missing.size());
    runner::RunRequest request;
    request.checkout_dir = job.slots[*slot].worktree->dir();
    request.commit = commit;
    request.job_dir = job.slots[*slot].job_dir;
    request.artifact = artifact_path(job, *slot);
    request.stop_requested = [&job] { return job.cancel_requested(); };
    std::optional<Error> store_error;
    auto batch_start = Clock::now();
    job.runner.run(request, missing, [&](const runner::ReproRun& run) {
      store::RunRecord record = run_record(tested.tree, run);
      if (Status stored = job.store.put_run(job.job.id, record); !stored.ok() && !store_error) {
        store_error = stored.error();
      }
      record.console.clear();  // in the store now: the job keeps no console in memory
      tested.artifacts.insert(tested.artifacts.end(), run.artifacts.begin(), run.artifacts.end());
      job.events.emit(RunFinished{commit, tested.tree, record.index, record.outcome, record.title,
                                  record.alt_titles, record.duration_s, run.artifacts, ++done,
                                  runs});
      runs_by_index[run.index] = std::move(record);
    });
    tested.cost.runs_s = seconds_since(batch_start);
    job.totals.test_s += tested.cost.runs_s;
    if (store_error) return *store_error;
    for (int index : missing) {
      if (!runs_by_index.count(index)) return make_error("cancelled");
    }
  } else {
    // Recorded runs: count their time as if they had run in the batches they were run in.
    double longest = 0;
    for (int i = tested.first_run; i < end; ++i) {
      longest = std::max(longest, runs_by_index[i].duration_s);
    }
    job.totals.test_s += longest;
    tested.cost.runs_s = longest;
  }
  ++job.totals.revisions_tested;
  for (auto& [index, run] : runs_by_index) {
    search::RunSummary summary = summary_of(run);
    tested.all.push_back(summary);
    if (index >= tested.first_run) {
      tested.batch.push_back(summary);
      tested.runs.push_back(run);
    }
  }
  job.totals.runs += tested.batch.size();
  if (revisits) job.runs_used[tested.tree] = std::max(job.runs_used[tested.tree], end);
  return tested;
}

Status build_in_parallel(JobContext& job, const std::vector<std::string>& commits) {
  struct Pending {
    std::string commit;
    std::string tree;
    std::size_t slot = 0;
    builder::BuildRequest request;
  };
  std::vector<Pending> pending;
  std::set<std::size_t> busy;
  for (const std::string& commit : commits) {
    auto info = job.repo.commit(commit);
    if (!info) return info.error();
    const std::string tree = job.tree_key(info->tree);
    auto recorded = job.store.build(job.job.id, tree);
    if (!recorded) return recorded.error();
    // A final failure stands; a usable build may still sit in a slot (evaluate() rebuilds
    // otherwise, since runs are missing); an infrastructure error is tried again.
    if (*recorded && is_final((*recorded)->status)) continue;
    auto slot = slot_for(job, tree, busy);
    if (!slot) return slot.error();
    busy.insert(*slot);
    if (job.slots[*slot].built_tree == tree) continue;
    auto request = prepare_build(job, commit, *slot);
    if (!request) return request.error();
    pending.push_back({commit, tree, *slot, std::move(*request)});
  }
  if (pending.size() < 2) return {};  // nothing to overlap: evaluate() builds as usual
  std::vector<std::future<builder::BuildResult>> futures;
  for (Pending& one : pending) {
    futures.push_back(
        std::async(std::launch::async, [&job, &one] { return job.builder.build(one.request); }));
  }
  job.events.print("building {} commits at once", pending.size());
  // Every build is waited for (and recorded) before the first error is returned.
  std::optional<Error> first_error;
  for (std::size_t i = 0; i < pending.size(); ++i) {
    builder::BuildResult built = futures[i].get();
    auto recorded = record_build(job, pending[i].commit, pending[i].tree, pending[i].slot, built);
    if (!recorded && !first_error) first_error = recorded.error();
    // Billed to the batch that runs it (evaluate), once: the builds ran at the same time.
    if (recorded) job.unbilled_build_s[pending[i].tree] = built.duration_s;
  }
  if (first_error) return *first_error;
  return {};
}

Result<builder::BuildRequest> checkout_for(JobContext& job, const std::string& commit) {
  auto info = job.repo.commit(commit);
  if (!info) return info.error();
  auto slot = slot_for(job, job.tree_key(info->tree));
  if (!slot) return slot.error();
  return prepare_build(job, commit, *slot);
}

Result<store::BuildRecord> build_with_compiler_of(JobContext& job, const std::string& commit,
                                                  const std::string& compiler_commit) {
  auto info = job.repo.commit(commit);
  if (!info) return info.error();
  const std::string tree = job.tree_key(info->tree);
  auto slot = slot_for(job, tree);
  if (!slot) return slot.error();
  return build_commit(job, commit, tree, *slot, compiler_commit);
}

}  // namespace culprit::job
