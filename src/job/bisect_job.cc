#include "job/bisect_job.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>

#include <fmt/format.h>

#include "base/sha256.h"
#include "report/report.h"
#include "search/bisector.h"
#include "search/release_tags.h"
#include "search/verdict_policy.h"
#include "store/store.h"
#include "vcs/repository.h"

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

// One commit's test: its build and runs, and the verdict they gave.
struct TestedCommit {
  std::string commit;
  std::string tree;
  std::string phase;
  bool built = false;
  std::string signature;
  std::vector<store::RunRecord> runs;
  search::VerdictDecision decision;
  Verdict verdict() const { return decision.verdict; }
};

class Driver {
 public:
  Driver(const BisectOptions& options, build::Builder& builder, run::Runner& runner, JobLog& log,
         vcs::Repository repo, store::Store store, store::JobRecord job, std::string job_dir,
         vcs::Worktree worktree, std::unique_ptr<search::VerdictPolicy> policy)
      : options_(options),
        builder_(builder),
        runner_(runner),
        log_(log),
        repo_(std::move(repo)),
        store_(std::move(store)),
        job_(std::move(job)),
        job_dir_(std::move(job_dir)),
        worktree_(std::move(worktree)),
        policy_(std::move(policy)) {
    log_.set_sink([this](const std::string& line) { (void)store_.append_log(job_.id, line); });
  }
  ~Driver() { log_.set_sink(nullptr); }
  Driver(const Driver&) = delete;
  Driver& operator=(const Driver&) = delete;

  BisectResult run(const std::string& bad, std::vector<std::string> goods);

 private:
  bool cause() const { return options_.mode == BisectMode::cause; }
  Result<TestedCommit> test(const std::string& commit, const std::string& phase);
  Result<store::BuildRecord> build_commit(const std::string& commit, const std::string& tree);
  std::map<std::string, std::string> commit_env(const std::string& commit) const;
  Result<std::optional<std::string>> release_walk(std::string& bad, BisectResult& result);
  BisectResult finish(BisectResult result);
  void add_signature_lines(const std::string& culprit, BisectResult& result);
  void update_status(const std::string& commit, std::size_t runs_done);
  nlohmann::json step_json(const TestedCommit& tested) const;

  const BisectOptions& options_;
  build::Builder& builder_;
  run::Runner& runner_;
  JobLog& log_;
  vcs::Repository repo_;
  store::Store store_;
  store::JobRecord job_;
  std::string job_dir_;
  vcs::Worktree worktree_;
  std::unique_ptr<search::VerdictPolicy> policy_;

  Clock::time_point start_time_ = Clock::now();
  std::optional<std::string> built_tree_;  // the tree whose build is in the worktree now
  std::vector<TestedCommit> tested_;
  std::set<std::string> builds_;  // trees built or found built
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

std::map<std::string, std::string> Driver::commit_env(const std::string& commit) const {
  std::map<std::string, std::string> env = {{"CULPRIT_COMMIT", commit},
                                            {"CULPRIT_CHECKOUT", worktree_.dir()}};
  if (!options_.artifact.empty())
    env["CULPRIT_ARTIFACT"] = worktree_.dir() + "/" + options_.artifact;
  return env;
}

// Checks `commit` out into the worktree and builds it; the build is recorded before returning.
Result<store::BuildRecord> Driver::build_commit(const std::string& commit,
                                                const std::string& tree) {
  built_tree_.reset();
  if (Status checked_out = worktree_.checkout(commit); !checked_out.ok()) {
    return checked_out.error();
  }
  build::BuildRequest request;
  request.checkout_dir = worktree_.dir();
  request.commit = commit;
  request.env = commit_env(commit);
  request.job_dir = job_dir_;
  build::BuildResult built = builder_.build(request);
  store::BuildRecord record;
  record.tree = tree;
  record.commit = commit;
  record.status = std::string(build::to_string(built.status));
  record.signature = built.signature;
  record.compiler = built.compiler;
  record.duration_s = built.duration_s;
  record.log_tail = built.log_tail;
  record.error = built.error;
  if (Status stored = store_.put_build(job_.id, record); !stored.ok()) return stored.error();
  build_seconds_ += built.duration_s;
  builds_.insert(tree);
  if (built.status == build::BuildResult::Status::ok) built_tree_ = tree;
  return record;
}

void Driver::update_status(const std::string& commit, std::size_t runs_done) {
  std::string text = fmt::format("[culprit] {} ", short_hash(commit));
  if (bisect_steps_total_ > 0) {
    text += fmt::format("step {} of ~{}, {} candidates left, ", bisect_step_, bisect_steps_total_,
                        candidates_left_);
  }
  text += fmt::format("runs {}/{}", runs_done, options_.runs);
  double confidence = policy_->confidence();
  if (options_.runs >= 10) text += fmt::format(", confidence {:.2f}", confidence);
  log_.status(text);
}

Result<TestedCommit> Driver::test(const std::string& commit, const std::string& phase) {
  auto info = repo_.commit(commit);
  if (!info) return info.error();
  TestedCommit tested;
  tested.commit = commit;
  tested.tree = info->tree;
  tested.phase = phase;
  log_.print("testing commit {}", commit);
  update_status(commit, 0);

  auto recorded_build = store_.build(job_.id, tested.tree);
  if (!recorded_build) return recorded_build.error();
  auto recorded_runs = store_.runs(job_.id, tested.tree);
  if (!recorded_runs) return recorded_runs.error();
  std::map<int, store::RunRecord> runs_by_index;
  for (store::RunRecord& run : *recorded_runs) {
    if (run.index < options_.runs) runs_by_index[run.index] = std::move(run);
  }
  std::vector<int> missing;
  for (int i = 0; i < options_.runs; ++i) {
    if (!runs_by_index.count(i)) missing.push_back(i);
  }

  std::optional<store::BuildRecord> build = *recorded_build;
  bool build_usable = build && build->status == "ok";
  bool build_final = build && (build->status == "failed" || build->status == "timed_out");
  // Build when nothing usable is recorded, or when runs are missing and the worktree holds another
  // build (a resumed job, or two trees tested alternately).
  bool must_build =
      !build_final && (!build_usable || (!missing.empty() && built_tree_ != tested.tree));
  if (must_build) {
    auto built = build_commit(commit, tested.tree);
    if (!built) return built.error();
    build = *built;
  } else if (build) {
    build_seconds_ += build->duration_s;
  }
  builds_.insert(tested.tree);
  if (!build->compiler.empty()) log_.print("compiler: {}", build->compiler);

  if (build->status != "ok") {
    log_.print("failed building {}: {}", commit, build->error);
    for (const std::string& line : last_lines(build->log_tail, 20)) log_.line(line);
    tested.decision.verdict = Verdict::skip;
    tested.decision.reason = "build failed";
  } else {
    tested.built = true;
    tested.signature = build->signature;
    if (!build->signature.empty()) log_.print("kernel signature: {}", build->signature);
    if (!missing.empty()) {
      std::size_t done = options_.runs - missing.size();
      run::RunRequest request;
      request.checkout_dir = worktree_.dir();
      request.commit = commit;
      request.job_dir = job_dir_;
      if (!options_.artifact.empty()) request.artifact = worktree_.dir() + "/" + options_.artifact;
      std::optional<Error> store_error;
      auto batch_start = Clock::now();
      runner_.run(request, missing, [&](const run::ReproRun& run) {
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
        }
        record.duration_s = run.duration_s;
        record.console = run.console;
        if (Status stored = store_.put_run(job_.id, record); !stored.ok() && !store_error) {
          store_error = stored.error();
        }
        runs_by_index[run.index] = std::move(record);
        update_status(commit, ++done);
      });
      test_seconds_ += seconds_since(batch_start);
      if (store_error) return *store_error;
    } else {
      // Recorded runs: count their time as if they had run in the batches they were run in.
      double longest = 0;
      for (const auto& [index, run] : runs_by_index) longest = std::max(longest, run.duration_s);
      test_seconds_ += longest;
    }
    ++revisions_tested_;
    std::vector<search::RunSummary> summaries;
    for (auto& [index, run] : runs_by_index) {
      search::RunSummary summary;
      summary.outcome = run_outcome_from_string(run.outcome).value_or(RunOutcome::infra_error);
      summary.title = run.title;
      summary.type = run.type;
      summaries.push_back(summary);
      tested.runs.push_back(run);
    }
    run_count_ += summaries.size();
    tested.decision =
        phase == "start" ? policy_->learn_start(summaries) : policy_->decide(summaries);
    const auto& labels = tested.decision.run_labels;
    if (!labels.empty() && std::all_of(labels.begin(), labels.end(),
                                       [&](const std::string& l) { return l == labels[0]; })) {
      log_.print("all runs: {}", labels[0]);
    } else {
      for (std::size_t i = 0; i < labels.size(); ++i) log_.print("run #{}: {}", i, labels[i]);
    }
    if (tested.decision.verdict == Verdict::skip && !tested.decision.reason.empty()) {
      log_.line(tested.decision.reason);
    }
    if (tested.decision.verdict == Verdict::good && options_.runs >= 10) {
      log_.print("false negative chance: {:.3f}", tested.decision.false_negative);
    }
  }
  log_.clear_status();

  store::StepRecord step;
  step.seq = ++step_seq_;
  step.commit = commit;
  step.tree = tested.tree;
  step.phase = phase;
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
    return make_error(fmt::format("infrastructure errors testing {}: {}", commit, why));
  }
  return tested;
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
    auto tested = test(commit_of[name], "release");
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
    if (auto built = build_commit(parent->hash, parent->tree); built && built->status == "ok") {
      parent_signature = built->signature;
    }
  }
  if (parent_signature.empty()) return;
  log_.print("culprit signature: {}", (*culprit_build)->signature);
  log_.print("parent  signature: {}", parent_signature);
  if (parent_signature == (*culprit_build)->signature) result.flags.push_back("noop");
}

nlohmann::json Driver::step_json(const TestedCommit& tested) const {
  nlohmann::json runs = nlohmann::json::array();
  for (const store::RunRecord& run : tested.runs) {
    runs.push_back({{"outcome", run.outcome}, {"title", run.title}});
  }
  return {
      {"commit", tested.commit},
      {"phase", tested.phase},
      {"verdict", std::string(search::to_string(tested.verdict()))},
      {"signature", tested.signature.empty() ? nlohmann::json() : nlohmann::json(tested.signature)},
      {"runs", runs}};
}

BisectResult Driver::finish(BisectResult result) {
  log_.clear_status();
  if (policy_->flaky()) {
    log_.print("reproducer is flaky ({:.2f} repro chance estimate)", policy_->repro_chance());
  }
  if (options_.runs >= 10) {
    log_.print("accumulated error probability: {:.2f}", 1 - policy_->confidence());
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
  nlohmann::json& json = result.json;
  json["result"] = std::string(to_string(result.kind));
  json["mode"] = cause() ? "cause" : "fix";
  json["culprit"] = result.culprit ? nlohmann::json(*result.culprit) : nlohmann::json();
  json["candidates"] = result.candidates;
  json["flags"] = result.flags;
  json["commits_tested"] = tested_.size();
  json["builds"] = builds_.size();
  json["runs"] = run_count_;
  json["time"] = {{"total_s", total}, {"build_s", build_seconds_}, {"test_s", test_seconds_}};
  json["steps"] = steps;
  json["job"] = job_.id;
  json["state"] = store_.path();
  if (result.kind == BisectResult::Kind::error) json["error"] = result.error;
  if (options_.runs >= 10) json["confidence"] = policy_->confidence();
  (void)store_.finish_job(job_.id, result.kind == BisectResult::Kind::error ? "error" : "done",
                          json.dump());
  return result;
}

BisectResult Driver::run(const std::string& start, std::vector<std::string> goods) {
  BisectResult result;
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
  auto first = test(start, "start");
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
    auto head = test(fixed, "head");
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
  auto bad_index = graph->find_hex(git_bad);
  if (!bad_index) return fail(make_error("bad commit is not in the bisection graph"));
  search::Bisector bisector(*graph, *bad_index);
  log_.print("# git bisect start {} {}", git_bad, fmt::join(git_goods, " "));

  for (;;) {
    search::BisectStep step = bisector.next();
    if (step.kind == search::BisectStep::Kind::found) {
      std::string culprit = graph->id(step.commit).hex();
      log_.print("{} is the first {} commit", culprit, cause() ? "bad" : "good");
      result.kind = BisectResult::Kind::found;
      result.culprit = culprit;
      result.candidates = {culprit};
      add_signature_lines(culprit, result);
      return finish(std::move(result));
    }
    if (step.kind == search::BisectStep::Kind::only_skipped) {
      log_.line("There are only 'skip'ped commits left to test.");
      result.kind = BisectResult::Kind::inconclusive;
      for (auto index : step.candidates) result.candidates.push_back(graph->id(index).hex());
      return finish(std::move(result));
    }
    std::string commit = graph->id(step.commit).hex();
    ++bisect_step_;
    candidates_left_ = bisector.candidate_count();
    bisect_steps_total_ = bisect_step_ + static_cast<std::size_t>(step.steps_left);
    log_.print("Bisecting: {} revision{} left to test after this (roughly {} step{})",
               step.revisions_left, step.revisions_left == 1 ? "" : "s", step.steps_left,
               step.steps_left == 1 ? "" : "s");
    auto info = repo_.commit(commit);
    log_.print("[{}] {}", commit, info ? info->title : "");
    auto tested = test(commit, "bisect");
    if (!tested) return fail(tested.error());
    policy_->after_step(tested->decision);
    search::Mark mark = search::Mark::skip;
    if (tested->verdict() == Verdict::bad) mark = cause() ? search::Mark::bad : search::Mark::good;
    if (tested->verdict() == Verdict::good) mark = cause() ? search::Mark::good : search::Mark::bad;
    bisector.mark(step.commit, mark);
    log_.print("# git bisect {} {}",
               mark == search::Mark::good  ? "good"
               : mark == search::Mark::bad ? "bad"
                                           : "skip",
               commit);
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

Result<BisectResult> run_bisect(const BisectOptions& options, build::Builder& builder,
                                run::Runner& runner, JobLog& log) {
  if (options.runs < 1) return make_error("--runs must be at least 1");
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
  auto policy = search::make_verdict_policy(options.strategy);
  if (!policy) return policy.error();

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

  std::string job_dir = fmt::format("{}.d/job-{}", options.state_path, job.id);
  auto worktree = vcs::Worktree::create(repo_path, job_dir + "/checkout");
  if (!worktree) return worktree.error();

  Driver driver(options, builder, runner, log, std::move(*repo), std::move(*store), job, job_dir,
                std::move(*worktree), std::move(*policy));
  return driver.run(*bad, goods);
}

}  // namespace culprit::job
