#include "job/bisect_job.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "base/sha256.h"
#include "report/report.h"
#include "search/bisector.h"
#include "search/release_tags.h"
#include "search/strategy.h"
#include "search/verdict_policy.h"
#include "store/store.h"
#include "vcs/diff_classify.h"
#include "vcs/recipients.h"
#include "vcs/repository.h"
#include "vcs/revert.h"

namespace culprit::job {

std::string_view to_string(BisectResult::Kind kind) {
  switch (kind) {
    case BisectResult::Kind::found:
      return "found";
    case BisectResult::Kind::inconclusive:
      return "inconclusive";
    case BisectResult::Kind::horizon:
      return "horizon";
    case BisectResult::Kind::error:
      return "error";
  }
  return "error";
}

Result<search::SearchBudget> parse_budget(const std::string& text) {
  search::SearchBudget budget;
  std::size_t at = 0;
  while (at <= text.size() && !text.empty()) {
    std::size_t comma = text.find(',', at);
    if (comma == std::string::npos) comma = text.size();
    const std::string part = text.substr(at, comma - at);
    at = comma + 1;
    const std::size_t equals = part.find('=');
    const std::string key = part.substr(0, equals);
    std::string value = equals == std::string::npos ? "" : part.substr(equals + 1);
    double scale = 1;
    if (key == "time" && !value.empty()) {
      const char unit = value.back();
      if (unit == 's' || unit == 'm' || unit == 'h') {
        scale = unit == 'h' ? 3600 : unit == 'm' ? 60 : 1;
        value.pop_back();
      }
    }
    char* end = nullptr;
    const double number = value.empty() ? -1 : std::strtod(value.c_str(), &end);
    if (number <= 0 || end == nullptr || *end != '\0' ||
        (key != "builds" && key != "runs" && key != "time")) {
      return make_error(fmt::format(
          "bad --budget part: '{}' (want builds=N, runs=N or time=DURATION like 6h)", part));
    }
    if (key == "builds") budget.builds = static_cast<std::size_t>(number);
    if (key == "runs") budget.runs = static_cast<std::size_t>(number);
    if (key == "time") budget.seconds = number * scale;
  }
  return budget;
}

int exit_status(BisectResult::Kind kind) {
  switch (kind) {
    case BisectResult::Kind::found:
      return 0;
    case BisectResult::Kind::inconclusive:
    case BisectResult::Kind::horizon:
      return 3;
    case BisectResult::Kind::error:
      return 1;
  }
  return 1;
}

namespace {

using Clock = std::chrono::steady_clock;
using search::Verdict;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string short_hash(const std::string& hash) {
  return hash.substr(0, 12);
}

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

// One batch of a commit's test: its build and runs, and the verdict they gave.
struct TestedCommit {
  std::string commit;
  std::string tree;
  std::string phase;
  bool built = false;
  std::string signature;
  std::vector<store::RunRecord> runs;     // this batch's runs
  int first_run = 0;                      // index of this batch's first run
  std::vector<search::RunSummary> batch;  // this batch's runs, for the strategy
  std::vector<search::RunSummary> all;    // every run of the tree so far, this batch included
  search::TestCost cost;
  search::VerdictDecision decision;
  std::vector<std::string> artifacts;  // files the runs kept (consoles), for the JSON result
  Verdict verdict() const { return decision.verdict; }
};

// A folder holding one build: a worktree and, for backends that build out of tree, its own job
// folder (slot 0 is the job folder itself). Bayes keeps a few so that it can come back to a commit
// for more runs without rebuilding it, and builds --parallel commits at once.
struct BuildSlot {
  std::optional<vcs::Worktree> worktree;
  std::string job_dir;
  std::optional<std::string> built_tree;  // the tree whose build the slot holds now
  std::uint64_t last_used = 0;
};

// What the recorded runs of a commit say about the bug being in it (see bug_likelihood_ratio).
struct Presence {
  int runs = 0;              // runs that tested something (ok or crashed)
  int matching = 0;          // crashed with one of the bug's titles
  double probability = 0.5;  // P(the bug is in the commit | these runs)
  double miss = 1;           // P(no crash with the bug's title in these runs | the bug is there)
  bool built = true;
};

class Driver {
 public:
  Driver(const BisectOptions& options, builder::Builder& builder, runner::Runner& runner,
         JobLog& log, vcs::Repository repo, store::Store store, store::JobRecord job,
         std::string job_dir, std::string repo_path, vcs::Worktree worktree,
         std::unique_ptr<search::SearchStrategy> strategy, std::size_t slot_count)
      : options_(options),
        builder_(builder),
        runner_(runner),
        log_(log),
        repo_(std::move(repo)),
        store_(std::move(store)),
        job_(std::move(job)),
        job_dir_(std::move(job_dir)),
        repo_path_(std::move(repo_path)),
        strategy_(std::move(strategy)),
        slot_count_(std::max<std::size_t>(slot_count, 1)),
        // classic gives every commit one batch, shared by commits with the same tree; bayes asks
        // for more runs of a commit, each batch with new run indices.
        adds_runs_(strategy_->name() != "classic") {
    slots_.emplace_back();
    slots_[0].worktree.emplace(std::move(worktree));
    slots_[0].job_dir = job_dir_;
    log_.set_sink([this](const std::string& line) { (void)store_.append_log(job_.id, line); });
  }
  ~Driver() { log_.set_sink(nullptr); }
  Driver(const Driver&) = delete;
  Driver& operator=(const Driver&) = delete;

  BisectResult run(const std::string& bad, std::vector<std::string> goods);

 private:
  bool cause() const { return options_.mode == BisectMode::cause; }
  Result<std::size_t> slot_for(const std::string& tree, const std::set<std::size_t>& busy = {});
  Result<TestedCommit> execute(const std::string& commit, const std::string& phase, int runs,
                               std::optional<int> first_run = std::nullopt);
  Result<TestedCommit> judge(const std::string& commit, const std::string& phase);
  Status conclude(TestedCommit& tested, const search::VerdictDecision& decision);
  Status build_in_parallel(const std::vector<std::string>& commits);
  Result<store::BuildRecord> build_commit(const std::string& commit, const std::string& tree,
                                          std::size_t slot,
                                          const std::string& compiler_commit = "");
  Result<builder::BuildRequest> prepare_build(const std::string& commit, std::size_t slot);
  Result<store::BuildRecord> record_build(const std::string& commit, const std::string& tree,
                                          std::size_t slot, const builder::BuildResult& built);
  std::map<std::string, std::string> commit_env(const std::string& commit, std::size_t slot) const;
  std::string artifact_path(std::size_t slot) const;
  Result<std::optional<std::string>> release_walk(std::string& bad, BisectResult& result);
  BisectResult finish(BisectResult result);
  void add_signature_lines(const std::string& culprit, BisectResult& result);
  void add_doubts_and_recipients(const std::string& culprit, BisectResult& result);
  Result<std::set<std::string>> bug_titles();
  Result<Presence> count_runs(const std::string& tree);
  Result<Presence> presence(const std::string& tree);
  Result<Presence> measure(const std::string& commit, const std::string& phase, int max_batches);
  Result<std::optional<bool>> bug_introduced(const std::string& commit);
  void verify(const std::string& culprit, BisectResult& result);
  search::Recorded not_introduced(const search::TestOrder& order, bool known);
  void update_status(const std::string& commit, std::size_t runs_done, int runs);
  void log_posterior();
  std::string point_commit(search::Point point) const;
  nlohmann::json step_json(const TestedCommit& tested) const;

  const BisectOptions& options_;
  builder::Builder& builder_;
  runner::Runner& runner_;
  JobLog& log_;
  vcs::Repository repo_;
  store::Store store_;
  store::JobRecord job_;
  std::string job_dir_;
  std::string repo_path_;
  std::unique_ptr<search::SearchStrategy> strategy_;
  std::size_t slot_count_;
  std::map<std::string, std::vector<std::string>> build_artifacts_;  // tree -> files its build kept
  bool adds_runs_;

  Clock::time_point start_time_ = Clock::now();
  std::vector<BuildSlot> slots_;
  std::uint64_t slot_clock_ = 0;
  std::map<std::string, int> runs_used_;   // tree -> runs handed to the strategy (bayes)
  std::optional<vcs::CommitGraph> graph_;  // the range, once known
  std::vector<std::string> range_goods_;   // its old ends
  std::vector<TestedCommit> tested_;
  std::string start_;  // the commit the bisection started from (it crashed)
  std::optional<std::set<std::string>> bug_titles_;
  std::map<std::string, Presence> checked_bases_;  // fix mode: merge bases measured, by commit
  std::set<std::string> builds_;                   // trees built or found built
  double build_seconds_ = 0;
  double test_seconds_ = 0;
  std::size_t run_count_ = 0;
  std::size_t revisions_tested_ = 0;  // commits that got as far as running
  std::int64_t step_seq_ = 0;
  // For the status line.
  std::size_t bisect_step_ = 0;
  std::size_t bisect_steps_total_ = 0;
  std::size_t candidates_left_ = 0;
};

// The command backend's --artifact in a slot's checkout ("" when there is none).
std::string Driver::artifact_path(std::size_t slot) const {
  if (options_.artifact.empty()) return "";
  return slots_[slot].worktree->dir() + "/" + options_.artifact;
}

std::map<std::string, std::string> Driver::commit_env(const std::string& commit,
                                                      std::size_t slot) const {
  std::map<std::string, std::string> env = {{"CULPRIT_COMMIT", commit},
                                            {"CULPRIT_CHECKOUT", slots_[slot].worktree->dir()}};
  if (!options_.artifact.empty()) env["CULPRIT_ARTIFACT"] = artifact_path(slot);
  return env;
}

// The slot that holds `tree`'s build, else an empty or new one, else the least recently used one
// (not among `busy`).
Result<std::size_t> Driver::slot_for(const std::string& tree, const std::set<std::size_t>& busy) {
  std::optional<std::size_t> pick;
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].built_tree == tree) {
      pick = i;
      break;
    }
  }
  for (std::size_t i = 0; !pick && i < slots_.size(); ++i) {
    if (!slots_[i].built_tree && !busy.count(i)) pick = i;
  }
  if (!pick && slots_.size() < slot_count_) {
    const std::size_t index = slots_.size();
    auto worktree =
        vcs::Worktree::create(repo_path_, fmt::format("{}/checkout-{}", job_dir_, index));
    if (!worktree) return worktree.error();
    BuildSlot slot;
    slot.worktree.emplace(std::move(*worktree));
    slot.job_dir = fmt::format("{}/slot-{}", job_dir_, index);
    std::error_code ignored;
    std::filesystem::create_directories(slot.job_dir, ignored);
    slots_.push_back(std::move(slot));
    pick = index;
  }
  for (std::size_t i = 0; !pick && i < slots_.size(); ++i) {
    if (busy.count(i)) continue;
    if (!pick || slots_[i].last_used < slots_[*pick].last_used) pick = i;
  }
  if (!pick) return make_error("no free build folder");
  slots_[*pick].last_used = ++slot_clock_;
  return *pick;
}

Result<builder::BuildRequest> Driver::prepare_build(const std::string& commit, std::size_t slot) {
  slots_[slot].built_tree.reset();
  if (Status checked_out = slots_[slot].worktree->checkout(commit); !checked_out.ok()) {
    return checked_out.error();
  }
  builder::BuildRequest request;
  request.checkout_dir = slots_[slot].worktree->dir();
  request.commit = commit;
  request.env = commit_env(commit, slot);
  request.job_dir = slots_[slot].job_dir;
  return request;
}

// Records a build as soon as it ends.
Result<store::BuildRecord> Driver::record_build(const std::string& commit, const std::string& tree,
                                                std::size_t slot,
                                                const builder::BuildResult& built) {
  store::BuildRecord record;
  record.tree = tree;
  record.commit = commit;
  record.status = std::string(builder::to_string(built.status));
  record.signature = built.signature;
  record.compiler = built.compiler;
  record.duration_s = built.duration_s;
  record.log_tail = built.log_tail;
  record.error = built.error;
  build_artifacts_[tree] = built.artifacts;
  if (Status stored = store_.put_build(job_.id, record); !stored.ok()) return stored.error();
  build_seconds_ += built.duration_s;
  builds_.insert(tree);
  if (built.status == builder::BuildResult::Status::ok) slots_[slot].built_tree = tree;
  return record;
}

// Checks `commit` out into the slot's worktree and builds it; the build is recorded before
// returning.
Result<store::BuildRecord> Driver::build_commit(const std::string& commit, const std::string& tree,
                                                std::size_t slot,
                                                const std::string& compiler_commit) {
  auto request = prepare_build(commit, slot);
  if (!request) return request.error();
  request->compiler_commit = compiler_commit;
  return record_build(commit, tree, slot, builder_.build(*request));
}

// Builds, at the same time, those of `commits` that have no usable build yet, each in its own
// slot. What fails here is left for execute() to report.
Status Driver::build_in_parallel(const std::vector<std::string>& commits) {
  struct Pending {
    std::string commit;
    std::string tree;
    std::size_t slot = 0;
    builder::BuildRequest request;
  };
  std::vector<Pending> pending;
  std::set<std::size_t> busy;
  for (const std::string& commit : commits) {
    auto info = repo_.commit(commit);
    if (!info) return info.error();
    auto recorded = store_.build(job_.id, info->tree);
    if (!recorded) return recorded.error();
    if (*recorded && (*recorded)->status != "ok") continue;  // failed for good, or infra
    auto slot = slot_for(info->tree, busy);
    if (!slot) return slot.error();
    busy.insert(*slot);
    if (slots_[*slot].built_tree == info->tree) continue;
    auto request = prepare_build(commit, *slot);
    if (!request) return request.error();
    pending.push_back({commit, info->tree, *slot, std::move(*request)});
  }
  if (pending.size() < 2) return {};  // nothing to overlap: execute() builds as usual
  std::vector<std::future<builder::BuildResult>> futures;
  for (Pending& one : pending) {
    futures.push_back(
        std::async(std::launch::async, [this, &one] { return builder_.build(one.request); }));
  }
  log_.print("building {} commits at once", pending.size());
  for (std::size_t i = 0; i < pending.size(); ++i) {
    builder::BuildResult built = futures[i].get();
    auto recorded = record_build(pending[i].commit, pending[i].tree, pending[i].slot, built);
    if (!recorded) return recorded.error();
  }
  return {};
}

void Driver::update_status(const std::string& commit, std::size_t runs_done, int runs) {
  std::string text = fmt::format("[culprit] {} ", short_hash(commit));
  if (bisect_steps_total_ > 0) {
    text += fmt::format("step {} of ~{}, {} candidates left, ", bisect_step_, bisect_steps_total_,
                        candidates_left_);
  } else if (bisect_step_ > 0) {
    text += fmt::format("step {}, {} likely candidates, ", bisect_step_, candidates_left_);
  }
  text += fmt::format("runs {}/{}", runs_done, runs);
  if (strategy_->reports_confidence()) {
    text += fmt::format(", confidence {:.2f}", strategy_->confidence());
  }
  log_.status(text);
}

// Builds `commit` when needed and runs its next batch of `runs` runs (runs already recorded in the
// store are taken from there). Prints the build and signature lines; the caller judges the runs
// and calls conclude().
Result<TestedCommit> Driver::execute(const std::string& commit, const std::string& phase, int runs,
                                     std::optional<int> first_run) {
  auto info = repo_.commit(commit);
  if (!info) return info.error();
  TestedCommit tested;
  tested.commit = commit;
  tested.tree = info->tree;
  tested.phase = phase;
  tested.first_run = first_run ? *first_run : adds_runs_ ? runs_used_[tested.tree] : 0;
  const int end = tested.first_run + runs;
  log_.print("testing commit {}", commit);
  update_status(commit, 0, runs);

  auto recorded_build = store_.build(job_.id, tested.tree);
  if (!recorded_build) return recorded_build.error();
  auto recorded_runs = store_.runs(job_.id, tested.tree);
  if (!recorded_runs) return recorded_runs.error();
  std::map<int, store::RunRecord> runs_by_index;
  for (store::RunRecord& run : *recorded_runs) {
    if (run.index < end) runs_by_index[run.index] = std::move(run);
  }
  std::vector<int> missing;
  for (int i = tested.first_run; i < end; ++i) {
    if (!runs_by_index.count(i)) missing.push_back(i);
  }

  const bool first_time = !builds_.count(tested.tree);
  std::optional<store::BuildRecord> build = *recorded_build;
  bool build_usable = build && build->status == "ok";
  bool build_final = build && (build->status == "failed" || build->status == "timed_out");
  auto slot = slot_for(tested.tree);
  if (!slot) return slot.error();
  // Build when nothing usable is recorded, or when runs are missing and no slot holds this build
  // (a resumed job, or trees tested alternately).
  bool must_build = !build_final && (!build_usable ||
                                     (!missing.empty() && slots_[*slot].built_tree != tested.tree));
  if (must_build) {
    auto built = build_commit(commit, tested.tree, *slot);
    if (!built) return built.error();
    build = *built;
    tested.cost.build_s = built->duration_s;
  } else if (build) {
    build_seconds_ += build->duration_s;
    if (first_time) tested.cost.build_s = build->duration_s;
  }
  builds_.insert(tested.tree);
  if (!build->compiler.empty()) log_.print("compiler: {}", build->compiler);

  if (build->status != "ok") {
    log_.print("failed building {}: {}", commit, build->error);
    for (const std::string& line : last_lines(build->log_tail, 20)) log_.line(line);
    return tested;
  }
  tested.built = true;
  tested.signature = build->signature;
  if (!build->signature.empty()) log_.print("kernel signature: {}", build->signature);
  if (!missing.empty()) {
    std::size_t done = runs - missing.size();
    const std::string& dir = slots_[*slot].worktree->dir();
    runner::RunRequest request;
    request.checkout_dir = dir;
    request.commit = commit;
    request.job_dir = slots_[*slot].job_dir;
    request.artifact = artifact_path(*slot);
    std::optional<Error> store_error;
    auto batch_start = Clock::now();
    runner_.run(request, missing, [&](const runner::ReproRun& run) {
      store::RunRecord record;
      record.tree = tested.tree;
      record.index = run.index;
      record.outcome = std::string(to_string(run.outcome));
      record.title =
          run.outcome == RunOutcome::infra_error && run.title.empty() ? run.error : run.title;
      record.exit_status = run.exit_status;
      // A crash report on the console names the crash better than an exit status or a timeout.
      if (run.outcome == RunOutcome::crashed) {
        if (auto crash = report::parse_first(run.console)) {
          record.title = crash->title;
          record.type = crash->type;
        }
      } else if (run.outcome == RunOutcome::cannot_test && run.title.starts_with("boot failure")) {
        if (auto crash = report::parse_first(run.console))
          record.title = "boot failure: " + crash->title;
      }
      tested.artifacts.insert(tested.artifacts.end(), run.artifacts.begin(), run.artifacts.end());
      record.duration_s = run.duration_s;
      record.console = run.console;
      if (Status stored = store_.put_run(job_.id, record); !stored.ok() && !store_error) {
        store_error = stored.error();
      }
      runs_by_index[run.index] = std::move(record);
      update_status(commit, ++done, runs);
    });
    tested.cost.runs_s = seconds_since(batch_start);
    test_seconds_ += tested.cost.runs_s;
    if (store_error) return *store_error;
  } else {
    // Recorded runs: count their time as if they had run in the batches they were run in.
    double longest = 0;
    for (int i = tested.first_run; i < end; ++i) {
      longest = std::max(longest, runs_by_index[i].duration_s);
    }
    test_seconds_ += longest;
    tested.cost.runs_s = longest;
  }
  ++revisions_tested_;
  for (auto& [index, run] : runs_by_index) {
    search::RunSummary summary;
    summary.outcome = run_outcome_from_string(run.outcome).value_or(RunOutcome::infra_error);
    summary.title = run.title;
    summary.type = run.type;
    if (adds_runs_ && summary.outcome == RunOutcome::crashed) {
      // The parser's other names of the crash count as the bug's titles too.
      if (auto crash = report::parse_first(run.console)) summary.alt_titles = crash->alt_titles;
    }
    tested.all.push_back(summary);
    if (index >= tested.first_run) {
      tested.batch.push_back(summary);
      tested.runs.push_back(run);
    }
  }
  run_count_ += tested.batch.size();
  if (adds_runs_) runs_used_[tested.tree] = std::max(runs_used_[tested.tree], end);
  return tested;
}

// Prints how the batch's runs count and records the step. An error when infra errors leave
// nothing to trust.
Status Driver::conclude(TestedCommit& tested, const search::VerdictDecision& decision) {
  tested.decision = decision;
  if (tested.built) {
    // The decision may describe every run of the commit so far: print this batch's.
    const auto& all_labels = tested.decision.run_labels;
    const std::size_t from =
        all_labels.size() > tested.batch.size() ? all_labels.size() - tested.batch.size() : 0;
    std::vector<std::string> labels(all_labels.begin() + static_cast<std::ptrdiff_t>(from),
                                    all_labels.end());
    if (!labels.empty() && std::all_of(labels.begin(), labels.end(),
                                       [&](const std::string& l) { return l == labels[0]; })) {
      log_.print("all runs: {}", labels[0]);
    } else {
      for (std::size_t i = 0; i < labels.size(); ++i) {
        log_.print("run #{}: {}", tested.first_run + static_cast<int>(i), labels[i]);
      }
    }
    if (tested.decision.verdict == Verdict::skip && !tested.decision.reason.empty() &&
        tested.decision.more_runs == 0) {
      log_.line(tested.decision.reason);
    }
    if (tested.decision.verdict == Verdict::good && strategy_->reports_confidence()) {
      log_.print("false negative chance: {:.3f}", tested.decision.false_negative);
    }
  }
  log_.clear_status();

  store::StepRecord step;
  step.seq = ++step_seq_;
  step.commit = tested.commit;
  step.tree = tested.tree;
  step.phase = tested.phase;
  step.verdict = std::string(search::to_string(tested.verdict()));
  if (Status stored = store_.put_step(job_.id, step); !stored.ok()) return stored.error();
  tested_.push_back(tested);
  if (tested.decision.infra_abort) {
    std::string why = tested.decision.reason;
    for (const store::RunRecord& run : tested.runs) {
      if (run.outcome == to_string(RunOutcome::infra_error) && !run.title.empty()) {
        why = run.title;
        break;
      }
    }
    return make_error(fmt::format("infrastructure errors testing {}: {}", tested.commit, why));
  }
  return {};
}

// A commit outside the range search (start, release, head): batches until the strategy decides.
Result<TestedCommit> Driver::judge(const std::string& commit, const std::string& phase) {
  int runs = options_.runs;
  for (;;) {
    auto tested = execute(commit, phase, runs);
    if (!tested) return tested.error();
    search::VerdictDecision decision;
    if (!tested->built) {
      decision.verdict = Verdict::skip;
      decision.reason = "build failed";
    } else if (phase == "start") {
      decision = strategy_->judge_start(tested->all, tested->cost);
    } else if (phase == "release") {
      decision = strategy_->judge_release(tested->all, tested->cost);
    } else {
      decision = strategy_->judge_head(tested->all, tested->cost);
    }
    if (Status concluded = conclude(*tested, decision); !concluded.ok()) {
      return concluded.error();
    }
    if (decision.more_runs <= 0) return tested;
    runs = decision.more_runs;
  }
}

// Cause mode without --good: test release tags reachable from `bad`, newest first, until one is
// good. Returns the good tag's commit, or nothing with `result` set (horizon or error).
Result<std::optional<std::string>> Driver::release_walk(std::string& bad, BisectResult& result) {
  auto tags = repo_.tags();
  if (!tags) return tags.error();
  std::map<std::string, std::string> commit_of;  // tag name -> commit
  std::vector<std::string> names;
  for (const vcs::Tag& tag : *tags) {
    if (!search::parse_release_tag(tag.name) || tag.commit == bad) continue;
    auto reachable = repo_.is_ancestor(tag.commit, bad);
    if (!reachable) return reachable.error();
    if (!*reachable) continue;
    commit_of[tag.name] = tag.commit;
    names.push_back(tag.name);
  }
  if (names.empty()) {
    return make_error(fmt::format(
        "no release tags (vX.Y or vX.Y.Z) before {}: give a known good commit with --good",
        short_hash(bad)));
  }
  std::vector<std::string> picked = search::pick_release_tags(names);
  log_.print("picked [{}] out of {} release tags", fmt::join(picked, " "), names.size());
  std::string last_bad = bad;
  Verdict last_verdict = Verdict::bad;
  for (const std::string& name : picked) {
    log_.print("testing release {}", name);
    auto tested = judge(commit_of[name], "release");
    if (!tested) return tested.error();
    last_verdict = tested->verdict();
    if (last_verdict == Verdict::good) {
      bad = last_bad;
      return std::optional<std::string>(commit_of[name]);
    }
    if (last_verdict == Verdict::bad) last_bad = commit_of[name];
  }
  if (last_verdict == Verdict::bad) {
    log_.print("crash still happens on the oldest tested release {}", picked.back());
    result.kind = BisectResult::Kind::horizon;
    result.candidates = {last_bad};
  } else {
    result.kind = BisectResult::Kind::error;
    result.error = fmt::format("oldest tested release {} had build or test errors", picked.back());
  }
  return std::optional<std::string>();
}

void Driver::add_signature_lines(const std::string& culprit, BisectResult& result) {
  auto info = repo_.commit(culprit);
  if (!info) return;
  if (info->parents.size() > 1) result.flags.push_back("merge");
  if (auto tags = repo_.tags()) {
    for (const vcs::Tag& tag : *tags) {
      if (tag.commit == culprit && search::parse_release_tag(tag.name)) {
        result.flags.push_back("release");
        break;
      }
    }
  }
  auto culprit_build = store_.build(job_.id, info->tree);
  if (!culprit_build || !*culprit_build || (*culprit_build)->signature.empty()) return;
  if (info->parents.size() != 1) return;
  auto parent = repo_.commit(info->parents[0]);
  if (!parent) return;
  auto parent_build = store_.build(job_.id, parent->tree);
  if (!parent_build) return;
  std::string parent_signature;
  if (*parent_build && (*parent_build)->status == "ok") {
    parent_signature = (*parent_build)->signature;
  } else {
    log_.print("parent commit {} wasn't tested", parent->hash);
    auto slot = slot_for(parent->tree);
    if (!slot) return;
    // With the culprit's compiler: only a change of code may count as "not a no-op".
    if (auto built = build_commit(parent->hash, parent->tree, *slot, culprit);
        built && built->status == "ok") {
      parent_signature = built->signature;
    }
  }
  if (parent_signature.empty()) return;
  log_.print("culprit signature: {}", (*culprit_build)->signature);
  log_.print("parent  signature: {}", parent_signature);
  if (parent_signature == (*culprit_build)->signature) result.flags.push_back("noop");
}

// Flags that make a single culprit doubtful beyond its signature (reference §5 item 8, syzkaller
// issue #1271), and the people to tell (reference §2.4).
void Driver::add_doubts_and_recipients(const std::string& culprit, BisectResult& result) {
  if (strategy_->reports_confidence() && strategy_->confidence() < options_.confidence) {
    result.flags.push_back("low-confidence");
  }
  if (auto kinds = vcs::classify_diff(repo_, culprit, options_.arch)) {
    for (vcs::DiffFlag kind : *kinds) result.flags.push_back(std::string(vcs::to_string(kind)));
  }
  // A crash on a commit judged good is some other bug, or the reproducer is not what we think.
  for (const TestedCommit& tested : tested_) {
    if (tested.verdict() != Verdict::good) continue;
    bool crashed = std::any_of(tested.runs.begin(), tested.runs.end(), [](const auto& run) {
      return run.outcome == to_string(RunOutcome::crashed);
    });
    if (crashed) {
      result.flags.push_back("unrelated-crashes");
      break;
    }
  }
  if (auto recipients = vcs::recipients(repo_, culprit)) {
    result.recipients_to = recipients->to;
    result.recipients_cc = recipients->cc;
  } else {
    log_.print("cannot list recipients: {}", recipients.error().message);
  }
}

// The bug's titles: those the start commit crashed with (and the parser's other names of them),
// but not one seen at most half as often as the most frequent one, as the bayes strategy learns
// them.
Result<std::set<std::string>> Driver::bug_titles() {
  if (bug_titles_) return *bug_titles_;
  auto info = repo_.commit(start_);
  if (!info) return info.error();
  auto runs = store_.runs(job_.id, info->tree);
  if (!runs) return runs.error();
  std::map<std::string, int> seen;
  for (const store::RunRecord& run : *runs) {
    if (run.outcome != to_string(RunOutcome::crashed)) continue;
    std::set<std::string> names = {run.title};
    if (auto crash = report::parse_first(run.console)) {
      names.insert(crash->alt_titles.begin(), crash->alt_titles.end());
    }
    for (const std::string& name : names) ++seen[name];
  }
  int most = 0;
  for (const auto& [name, times] : seen) most = std::max(most, times);
  std::set<std::string> titles;
  for (const auto& [name, times] : seen) {
    if (2 * times > most) titles.insert(name);
  }
  bug_titles_ = titles;
  return titles;
}

// The recorded runs of `tree` that tested something, and how many crashed with the bug's title.
Result<Presence> Driver::count_runs(const std::string& tree) {
  auto titles = bug_titles();
  if (!titles) return titles.error();
  auto runs = store_.runs(job_.id, tree);
  if (!runs) return runs.error();
  Presence presence;
  for (const store::RunRecord& run : *runs) {
    if (run.outcome == to_string(RunOutcome::ok)) {
      ++presence.runs;
    } else if (run.outcome == to_string(RunOutcome::crashed)) {
      ++presence.runs;
      bool matches = titles->empty() || titles->count(run.title) > 0;
      if (!matches) {
        if (auto crash = report::parse_first(run.console)) {
          for (const std::string& alt : crash->alt_titles) matches = matches || titles->count(alt);
        }
      }
      if (matches) ++presence.matching;
    }
  }
  return presence;
}

// Every recorded run of `tree`, whatever phase ran it, weighed as evidence of the bug: a run
// crashes with the bug's title with the reproducer's estimated rate p when the bug is there, and
// with a small rate (another bug that looks the same) when it is not.
Result<Presence> Driver::presence(const std::string& tree) {
  auto counted = count_runs(tree);
  if (!counted) return counted.error();
  Presence presence = *counted;
  // The reproducer's rate: the strategy's estimate, but no more than what the start commit's
  // runs show with a uniform prior (a few crashes out of a few runs do not make it certain).
  auto info = repo_.commit(start_);
  if (!info) return info.error();
  auto start = info->tree == tree ? Result<Presence>(presence) : count_runs(info->tree);
  if (!start) return start.error();
  const double observed = (start->matching + 1.0) / (start->runs + 2.0);
  const double repro = std::min(strategy_->repro_chance(), observed);
  constexpr double kLookalike = 0.01;  // a run without the bug crashing with the bug's title
  const double p = std::clamp(repro, 0.05, 0.99);
  const int k = presence.matching, n = presence.runs;
  const double log_present = k * std::log(p) + (n - k) * std::log1p(-p);
  const double log_absent = k * std::log(kLookalike) + (n - k) * std::log1p(-kLookalike);
  presence.probability = 1 / (1 + std::exp(log_absent - log_present));
  presence.miss = k > 0 ? 0 : std::pow(1 - p, n);
  return presence;
}

// Runs batches on `commit` (reusing every recorded run) until its runs say with --confidence
// whether the bug is there, or `max_batches` new batches were spent. Each batch is a step of
// `phase` in the log and the JSON.
Result<Presence> Driver::measure(const std::string& commit, const std::string& phase,
                                 int max_batches) {
  auto info = repo_.commit(commit);
  if (!info) return info.error();
  for (int batch = 0;; ++batch) {
    auto build = store_.build(job_.id, info->tree);
    if (!build) return build.error();
    auto now = presence(info->tree);
    if (!now) return now.error();
    if (*build && (*build)->status != "ok" && (*build)->status != "infra_error") {
      now->built = false;
      return now;
    }
    const bool sure = std::max(now->probability, 1 - now->probability) >= options_.confidence;
    if (batch >= max_batches || (now->runs > 0 && sure)) return now;
    auto recorded = store_.runs(job_.id, info->tree);
    if (!recorded) return recorded.error();
    int next_index = 0;
    for (const store::RunRecord& run : *recorded) next_index = std::max(next_index, run.index + 1);
    if (adds_runs_) next_index = std::max(next_index, runs_used_[info->tree]);
    auto tested = execute(commit, phase, options_.runs, next_index);
    if (!tested) return tested.error();
    search::VerdictDecision decision;
    if (!tested->built) {
      decision.reason = "build failed";
    } else {
      auto titles = bug_titles();
      if (!titles) return titles.error();
      bool ok = false;
      for (const search::RunSummary& run : tested->batch) {
        if (run.outcome == RunOutcome::ok) {
          ok = true;
          decision.run_labels.push_back("OK");
        } else if (run.outcome == RunOutcome::crashed) {
          bool matches = titles->empty() || titles->count(run.title) > 0;
          for (const std::string& alt : run.alt_titles) matches = matches || titles->count(alt);
          decision.run_labels.push_back(
              fmt::format("crashed: {}{}", run.title, matches ? "" : " (not the bug's title)"));
        } else {
          decision.run_labels.push_back(fmt::format("skip: {}", run.title));
        }
      }
      auto after = presence(info->tree);
      if (!after) return after.error();
      const bool crashed = after->matching > now->matching;  // in this batch, alt titles too
      decision.verdict = crashed ? Verdict::bad : ok ? Verdict::good : Verdict::skip;
      decision.false_negative = after->miss;
    }
    if (Status concluded = conclude(*tested, decision); !concluded.ok()) return concluded.error();
  }
}

// Fix mode: whether the bug was ever introduced in `commit`'s history (syzkaller issue 4117,
// reference §2.1). A commit reached from a commit that crashed with the bug has it; otherwise its
// merge bases with the start commit decide: a base with the bug means the bug is there, bases that
// all lack it mean it never came in, and a fork from before the bug cannot tell anything about
// the fix. Nothing: unknown (no base could be tested).
Result<std::optional<bool>> Driver::bug_introduced(const std::string& commit) {
  for (const TestedCommit& tested : tested_) {
    if (tested.verdict() != Verdict::bad) continue;
    auto reached = repo_.is_ancestor(tested.commit, commit);
    if (!reached) return reached.error();
    if (*reached) return std::optional<bool>(true);
  }
  log_.print("determine whether the revision contains the guilty commit");
  auto bases = repo_.merge_bases(commit, start_);
  if (!bases) return bases.error();
  bool any_known = false;
  for (const std::string& base : *bases) {
    auto known = checked_bases_.find(base);
    if (known == checked_bases_.end()) {
      // Measured once: topic branches forked at the same place share the base.
      auto info = repo_.commit(base);
      if (!info) return info.error();
      auto recorded = presence(info->tree);
      if (!recorded) return recorded.error();
      if (recorded->runs == 0) log_.print("checking the merge base {}", base);
      auto measured = measure(base, "merge-base", 3);
      if (!measured) return measured.error();
      known = checked_bases_.emplace(base, *measured).first;
    }
    const Presence* measured = &known->second;
    if (!measured->built || measured->runs == 0) continue;
    any_known = true;
    if (measured->probability > 0.5) return std::optional<bool>(true);
  }
  if (!any_known) return std::optional<bool>();
  return std::optional<bool>(false);
}

// The second look at a single culprit (reference §4.3, §5 "Check the answer"): with enough runs
// for --confidence, the culprit must have the bug and its parents not (fix mode: the other way
// round, for the parents that have the bug at all); then, in cause mode, the culprit reverted on
// top of the start commit must not crash. Disagreements become flags.
void Driver::verify(const std::string& culprit, BisectResult& result) {
  nlohmann::json verification = nlohmann::json::object();
  auto describe = [](const std::string& commit, const Presence& presence) {
    return nlohmann::json{{"commit", commit},
                          {"built", presence.built},
                          {"runs", presence.runs},
                          {"crashed_with_title", presence.matching},
                          {"bug_probability", presence.probability}};
  };
  auto check = [&](const std::string& commit, const std::string& role,
                   bool expect_bug) -> std::optional<bool> {
    auto measured = measure(commit, "verify", 3);
    if (!measured) {
      log_.print("cannot verify {} {}: {}", role, commit, measured.error().message);
      return std::nullopt;
    }
    log_.print("verifying {} {}: {} runs, {} crashed with the bug's title", role, commit,
               measured->runs, measured->matching);
    nlohmann::json entry = describe(commit, *measured);
    if (!measured->built || measured->runs == 0) {
      log_.print("{} {} could not be tested", role, commit);
      entry["agrees"] = nullptr;
    } else {
      const double agreement = expect_bug ? measured->probability : 1 - measured->probability;
      entry["agrees"] = agreement >= options_.confidence;
    }
    if (role == "culprit") {
      verification["culprit"] = entry;
    } else {
      verification["parents"].push_back(entry);
    }
    if (entry["agrees"].is_null()) return std::nullopt;
    return entry["agrees"].get<bool>();
  };

  auto info = repo_.commit(culprit);
  if (!info) return;
  bool failed = false;
  bool complete = true;
  auto account = [&](std::optional<bool> agrees) {
    if (!agrees) complete = false;
    if (agrees && !*agrees) failed = true;
  };
  account(check(culprit, "culprit", cause()));
  verification["parents"] = nlohmann::json::array();
  for (const std::string& parent : info->parents) {
    if (!cause()) {
      auto introduced = bug_introduced(parent);
      if (introduced && *introduced && !**introduced) {
        log_.print("parent {} never had the bug: nothing to verify there", parent);
        continue;
      }
    }
    account(check(parent, "parent", !cause()));
  }
  const char* verdict = failed ? "fail" : complete ? "pass" : "untested";
  log_.print("verify: {}", failed ? "FAIL" : complete ? "PASS" : "UNTESTED");
  verification["result"] = verdict;
  if (failed) result.flags.push_back("verify-failed");

  if (cause()) {
    nlohmann::json revert_json = {{"onto", start_}};
    auto revert = vcs::revert_onto(repo_, culprit, start_);
    if (!revert) {
      log_.print("cannot revert {}: {}", culprit, revert.error().message);
      revert_json["result"] = "error";
    } else if (!revert->applied) {
      log_.print("revert does not apply on {}: conflicts in {}", start_,
                 fmt::join(revert->conflicts, ", "));
      log_.line("revert: NOT APPLIED");
      revert_json["result"] = "not-applied";
      revert_json["conflicts"] = revert->conflicts;
      result.flags.push_back("revert-not-applied");
    } else {
      log_.print("testing the revert of {} on top of {}: {}", culprit, start_, revert->commit);
      auto measured = measure(revert->commit, "revert", 3);
      revert_json["commit"] = revert->commit;
      if (!measured) {
        log_.print("cannot test the revert: {}", measured.error().message);
        revert_json["result"] = "error";
      } else if (!measured->built || measured->runs == 0) {
        log_.line("revert: UNTESTED (it does not build or cannot be tested)");
        revert_json["result"] = "untested";
      } else {
        log_.print("revert: {} runs, {} crashed with the bug's title", measured->runs,
                   measured->matching);
        const bool still = measured->probability > 0.5;
        log_.print("revert: {}", still ? "FAIL" : "PASS");
        revert_json["result"] = still ? "fail" : "pass";
        revert_json["runs"] = measured->runs;
        revert_json["crashed_with_title"] = measured->matching;
        if (still) result.flags.push_back("revert-still-crashes");
      }
    }
    verification["revert"] = revert_json;
  }
  result.json["verification"] = verification;
}

// Fix mode, a commit of the range without the bug (`known`) or that cannot be told (merge bases
// untestable). Without the bug none of its ancestors can be the fix: classic does what syzbot
// does, pretends that it crashed (git "good"); bayes takes nothing from it, since a run there says
// nothing about the fix, and never asks for it again. Unknown: skipped.
search::Recorded Driver::not_introduced(const search::TestOrder& order, bool known) {
  if (!known) {
    log_.line("cannot tell whether the bug was introduced: skip");
    return strategy_->record_build_failure(order.point, {});
  }
  if (adds_runs_) {
    log_.line("the bug was not introduced yet; the commit tells nothing about the fix");
    return strategy_->record_build_failure(order.point, {});
  }
  log_.line("the bug was not introduced yet; pretend that it crashed");
  std::vector<search::RunSummary> pretended(static_cast<std::size_t>(order.runs));
  const std::string title = bug_titles_ && !bug_titles_->empty() ? *bug_titles_->begin() : "";
  for (search::RunSummary& run : pretended) {
    run.outcome = RunOutcome::crashed;
    run.title = title;
  }
  return strategy_->record(order.point, pretended, {});
}

std::string Driver::point_commit(search::Point point) const {
  if (point < graph_->size()) return graph_->id(point).hex();
  return range_goods_.at(point - graph_->size());
}

// After each step of a strategy that keeps a posterior: how sure it is and of what.
void Driver::log_posterior() {
  std::vector<std::string> leaders;
  for (const search::Ranked& ranked : strategy_->top(3)) {
    if (ranked.probability < 0.001 && !leaders.empty()) break;
    leaders.push_back(fmt::format("{} {:.3f}",
                                  ranked.point == search::kOlderThanRange
                                      ? "older-than-range"
                                      : short_hash(point_commit(ranked.point)),
                                  ranked.probability));
  }
  log_.print("confidence {:.3f}, top candidates: {}", strategy_->confidence(),
             fmt::join(leaders, ", "));
}

nlohmann::json Driver::step_json(const TestedCommit& tested) const {
  nlohmann::json runs = nlohmann::json::array();
  for (const store::RunRecord& run : tested.runs) {
    runs.push_back({{"outcome", run.outcome}, {"title", run.title}});
  }
  nlohmann::json step = {
      {"commit", tested.commit},
      {"phase", tested.phase},
      {"verdict", std::string(search::to_string(tested.verdict()))},
      {"signature", tested.signature.empty() ? nlohmann::json() : nlohmann::json(tested.signature)},
      {"runs", runs}};
  std::vector<std::string> artifacts;
  if (auto built = build_artifacts_.find(tested.tree); built != build_artifacts_.end()) {
    artifacts = built->second;
  }
  artifacts.insert(artifacts.end(), tested.artifacts.begin(), tested.artifacts.end());
  if (!artifacts.empty()) step["artifacts"] = artifacts;
  return step;
}

BisectResult Driver::finish(BisectResult result) {
  log_.clear_status();
  if (strategy_->flaky()) {
    log_.print("reproducer is flaky ({:.2f} repro chance estimate)", strategy_->repro_chance());
  }
  if (strategy_->reports_confidence()) {
    log_.print("accumulated error probability: {:.2f}", 1 - strategy_->confidence());
  }
  double total = seconds_since(start_time_);
  log_.print("revisions tested: {}, total time: {} (build: {}, test: {})", revisions_tested_,
             format_duration(total), format_duration(build_seconds_),
             format_duration(test_seconds_));
  switch (result.kind) {
    case BisectResult::Kind::found: {
      auto info = repo_.commit(*result.culprit);
      std::string title = info ? info->title : "";
      log_.print("first {} commit: {} {}", cause() ? "bad" : "good", *result.culprit, title);
      if (!result.flags.empty()) {
        log_.print("the result is unreliable: {}", fmt::join(result.flags, ", "));
      }
      // Go's %q of a string slice, as syzbot prints them.
      auto quoted = [](const std::vector<std::string>& addresses) {
        std::vector<std::string> items;
        for (const std::string& address : addresses) items.push_back("\"" + address + "\"");
        return fmt::format("[{}]", fmt::join(items, " "));
      };
      log_.print("recipients (to): {}", quoted(result.recipients_to));
      log_.print("recipients (cc): {}", quoted(result.recipients_cc));
      break;
    }
    case BisectResult::Kind::inconclusive:
      log_.print("bisection is inconclusive, the first {} commit could be any of:",
                 cause() ? "bad" : "good");
      for (const std::string& hash : result.candidates) log_.line(hash);
      break;
    case BisectResult::Kind::horizon:
      log_.line(cause() ? "oldest tested release already had the bug or it had test errors"
                        : "crash still not fixed or there were test errors");
      break;
    case BisectResult::Kind::error:
      log_.print("error: {}", result.error);
      break;
  }

  nlohmann::json steps = nlohmann::json::array();
  for (const TestedCommit& tested : tested_) steps.push_back(step_json(tested));
  nlohmann::json posterior = nlohmann::json::array();
  if (graph_) {
    for (const search::Ranked& ranked : strategy_->top(10)) {
      posterior.push_back({{"commit", ranked.point == search::kOlderThanRange
                                          ? nlohmann::json()
                                          : nlohmann::json(point_commit(ranked.point))},
                           {"probability", ranked.probability}});
    }
  }
  nlohmann::json& json = result.json;
  json["result"] = std::string(to_string(result.kind));
  json["mode"] = cause() ? "cause" : "fix";
  json["strategy"] = strategy_->name();
  json["culprit"] = result.culprit ? nlohmann::json(*result.culprit) : nlohmann::json();
  json["candidates"] = result.candidates;
  json["flags"] = result.flags;
  json["recipients"] = {{"to", result.recipients_to}, {"cc", result.recipients_cc}};
  json["commits_tested"] = tested_.size();
  json["builds"] = builds_.size();
  json["runs"] = run_count_;
  json["time"] = {{"total_s", total}, {"build_s", build_seconds_}, {"test_s", test_seconds_}};
  json["steps"] = steps;
  json["job"] = job_.id;
  json["state"] = store_.path();
  if (result.kind == BisectResult::Kind::error) json["error"] = result.error;
  if (strategy_->reports_confidence()) json["confidence"] = strategy_->confidence();
  json["posterior"] = posterior;
  (void)store_.finish_job(job_.id, result.kind == BisectResult::Kind::error ? "error" : "done",
                          json.dump());
  return result;
}

BisectResult Driver::run(const std::string& start, std::vector<std::string> goods) {
  BisectResult result;
  start_ = start;
  auto fail = [&](const Error& error) {
    result.kind = BisectResult::Kind::error;
    result.error = error.message;
    return finish(std::move(result));
  };

  if (cause()) {
    log_.print("bisecting cause commit starting from {}", start);
  } else {
    log_.print("bisecting fixing commit since {}", start);
  }
  log_.print("ensuring issue is reproducible on original commit {}", start);
  auto first = judge(start, "start");
  if (!first) return fail(first.error());
  if (first->verdict() != Verdict::bad) {
    return fail(make_error(
        fmt::format("the crash wasn't reproduced on the original commit {}", short_hash(start))));
  }

  // In git's terms: `git_bad` is the newer state, `git_goods` the older one.
  std::string git_bad;
  std::vector<std::string> git_goods;
  if (cause()) {
    std::string bad = start;
    if (goods.empty()) {
      auto good = release_walk(bad, result);
      if (!good) return fail(good.error());
      if (!*good) return finish(std::move(result));
      goods.push_back(**good);
    }
    git_bad = bad;
    git_goods = goods;
  } else {
    const std::string& fixed = goods.front();
    log_.print("testing current HEAD {}", fixed);
    auto head = judge(fixed, "head");
    if (!head) return fail(head.error());
    if (head->verdict() != Verdict::good) {
      result.kind = BisectResult::Kind::horizon;
      result.candidates = {fixed};
      log_.line(head->verdict() == Verdict::bad ? "crash still not fixed"
                                                : "HEAD had build or test errors");
      return finish(std::move(result));
    }
    git_bad = fixed;
    git_goods = {start};
  }

  auto graph = repo_.graph({git_bad}, git_goods);
  if (!graph) return fail(graph.error());
  graph_ = std::move(*graph);
  range_goods_ = git_goods;
  auto bad_index = graph_->find_hex(git_bad);
  if (!bad_index) return fail(make_error("bad commit is not in the bisection graph"));
  strategy_->begin(*graph_, *bad_index, git_goods.size());
  log_.print("# git bisect start {} {}", git_bad, fmt::join(git_goods, " "));

  for (;;) {
    search::SearchStep step = strategy_->next();
    if (step.kind == search::SearchStep::Kind::found) {
      std::string culprit = point_commit(step.point);
      log_.print("{} is the first {} commit", culprit, cause() ? "bad" : "good");
      result.kind = BisectResult::Kind::found;
      result.culprit = culprit;
      result.candidates = {culprit};
      add_signature_lines(culprit, result);
      verify(culprit, result);
      add_doubts_and_recipients(culprit, result);
      return finish(std::move(result));
    }
    if (step.kind == search::SearchStep::Kind::inconclusive) {
      log_.line(step.reason);
      result.kind = BisectResult::Kind::inconclusive;
      for (search::Point point : step.candidates) result.candidates.push_back(point_commit(point));
      return finish(std::move(result));
    }
    if (step.kind == search::SearchStep::Kind::outside) {
      log_.line(step.reason);
      result.kind = BisectResult::Kind::horizon;
      result.candidates = git_goods;
      return finish(std::move(result));
    }
    ++bisect_step_;
    candidates_left_ = step.candidates_left;
    if (step.log_git_lines) {
      bisect_steps_total_ = bisect_step_ + static_cast<std::size_t>(step.steps_left);
      log_.print("Bisecting: {} revision{} left to test after this (roughly {} step{})",
                 step.revisions_left, step.revisions_left == 1 ? "" : "s", step.steps_left,
                 step.steps_left == 1 ? "" : "s");
    }
    if (step.tests.size() > 1) {
      std::vector<std::string> commits;
      for (const search::TestOrder& order : step.tests) {
        commits.push_back(point_commit(order.point));
      }
      if (Status built = build_in_parallel(commits); !built.ok()) return fail(built.error());
    }
    for (const search::TestOrder& order : step.tests) {
      std::string commit = point_commit(order.point);
      auto info = repo_.commit(commit);
      log_.print("[{}] {}", commit, info ? info->title : "");
      auto print_mark = [&](const search::Recorded& recorded) {
        log_.print("# git bisect {} {}",
                   recorded.mark == search::Mark::good  ? "good"
                   : recorded.mark == search::Mark::bad ? "bad"
                                                        : "skip",
                   commit);
      };
      if (!cause() && order.point < graph_->size()) {
        // A commit whose history never had the bug does not crash, and is no fix either.
        auto introduced = bug_introduced(commit);
        if (!introduced) return fail(introduced.error());
        if (!*introduced || !**introduced) {
          print_mark(not_introduced(order, introduced->has_value()));
          continue;
        }
      }
      auto tested = execute(commit, "bisect", order.runs);
      if (!tested) return fail(tested.error());
      search::Recorded recorded = tested->built
                                      ? strategy_->record(order.point, tested->batch, tested->cost)
                                      : strategy_->record_build_failure(order.point, tested->cost);
      if (Status concluded = conclude(*tested, recorded.decision); !concluded.ok()) {
        return fail(concluded.error());
      }
      print_mark(recorded);
    }
    if (!step.log_git_lines) log_posterior();
  }
}

// The job key: what must be equal for a second invocation to resume the first.
std::string job_key(const BisectOptions& options, const std::string& repo_path,
                    const std::string& bad, const std::vector<std::string>& goods,
                    nlohmann::json& params) {
  params = {{"repo", repo_path},
            {"bad", bad},
            {"good", goods},
            {"mode", options.mode == BisectMode::cause ? "cause" : "fix"},
            {"strategy", options.strategy},
            {"runs", options.runs},
            {"backend", options.backend_key}};
  return to_hex(sha256(params.dump()));
}

}  // namespace

Result<BisectResult> run_bisect(const BisectOptions& options, builder::Builder& builder,
                                runner::Runner& runner, JobLog& log) {
  if (options.runs < 1) return make_error("--runs must be at least 1");
  if (options.parallel < 1 || options.parallel > 8) {
    return make_error("--parallel must be between 1 and 8");
  }
  if (!(options.confidence > 0 && options.confidence < 1)) {
    return make_error("--confidence must be between 0 and 1");
  }
  auto repo = vcs::Repository::open(options.repo);
  if (!repo) return repo.error();
  auto bad = repo->resolve(options.bad);
  if (!bad) return bad.error();
  std::vector<std::string> goods;
  for (const std::string& revision : options.good) {
    auto good = repo->resolve(revision);
    if (!good) return good.error();
    goods.push_back(*good);
  }
  if (options.mode == BisectMode::cause) {
    for (std::size_t i = 0; i < goods.size(); ++i) {
      auto ancestor = repo->is_ancestor(goods[i], *bad);
      if (!ancestor) return ancestor.error();
      if (!*ancestor || goods[i] == *bad) {
        return make_error(fmt::format("good commit {} is not an ancestor of bad commit {}",
                                      options.good[i], options.bad));
      }
    }
  } else {
    if (goods.size() > 1) return make_error("fix mode takes at most one --good (fixed) commit");
    if (goods.empty()) {
      auto head = repo->resolve("HEAD");
      if (!head) return head.error();
      goods.push_back(*head);
    }
    auto descendant = repo->is_ancestor(*bad, goods[0]);
    if (!descendant) return descendant.error();
    if (!*descendant || goods[0] == *bad) {
      return make_error(fmt::format("fixed commit {} is not a descendant of the crashing commit {}",
                                    options.good.empty() ? "HEAD" : options.good[0], options.bad));
    }
  }
  search::StrategyOptions strategy_options;
  strategy_options.fix_mode = options.mode == BisectMode::fix;
  strategy_options.runs = options.runs;
  strategy_options.confidence = options.confidence;
  strategy_options.budget = options.budget;
  strategy_options.parallel = options.parallel;
  strategy_options.kept_builds = options.build_slots > 0
                                     ? std::max(options.build_slots, options.parallel)
                                     : options.parallel + 2;
  auto strategy = search::make_search_strategy(options.strategy, strategy_options);
  if (!strategy) return strategy.error();

  std::error_code ignored;
  std::string repo_path = std::filesystem::absolute(options.repo, ignored).lexically_normal();
  nlohmann::json params;
  std::string key = job_key(options, repo_path, *bad, goods, params);
  auto store = store::Store::open(options.state_path);
  if (!store) return store.error();
  auto existing = store->job_by_key(key);
  if (!existing) return existing.error();
  store::JobRecord job;
  if (*existing) {
    job = **existing;
    log.print("resuming job {} from {}", job.id, options.state_path);
  } else {
    auto jobs = store->jobs();
    if (!jobs) return jobs.error();
    if (!jobs->empty()) {
      return make_error(
          fmt::format("state file {} holds a different job (job {}); use --state FILE for this one",
                      options.state_path, jobs->back().id));
    }
    auto created = store->create_job(key, params.dump());
    if (!created) return created.error();
    job = *created;
  }

  // Absolute: commands run inside the checkout and get paths under the job folder
  // (CULPRIT_CHECKOUT, CULPRIT_ARTIFACT) that must still resolve there.
  std::string job_dir = fmt::format(
      "{}.d/job-{}", std::filesystem::absolute(options.state_path, ignored).string(), job.id);
  auto worktree = vcs::Worktree::create(repo_path, job_dir + "/checkout");
  if (!worktree) return worktree.error();

  // classic keeps one build at a time, as git bisect does; bayes a few (see BuildSlot).
  const std::size_t slots =
      options.strategy == "classic" ? 1 : static_cast<std::size_t>(strategy_options.kept_builds);
  Driver driver(options, builder, runner, log, std::move(*repo), std::move(*store), job, job_dir,
                repo_path, std::move(*worktree), std::move(*strategy), slots);
  return driver.run(*bad, goods);
}

}  // namespace culprit::job
