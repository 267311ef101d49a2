// The driver: opens (or resumes) a job and tells its story, phase by phase (job/phases.h).
#include "job/bisect_job.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

#include "base/files.h"
#include "base/sha256.h"
#include "job/log_subscriber.h"
#include "job/phases.h"
#include "store/owner_lock.h"

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
    case BisectResult::Kind::cancelled:
      return "cancelled";
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
    case BisectResult::Kind::cancelled:
      return 4;
  }
  return 1;
}

JobContext::JobContext(const BisectOptions& options, builder::Builder& builder,
                       runner::Runner& runner, EventBus& events, vcs::Repository repo,
                       store::Store store, store::JobRecord job, std::string job_dir,
                       std::string repo_path, vcs::Worktree worktree,
                       std::unique_ptr<search::SearchStrategy> strategy)
    : options(options),
      builder(builder),
      runner(runner),
      events(events),
      repo(std::move(repo)),
      store(std::move(store)),
      job(std::move(job)),
      job_dir(job_dir),
      repo_path(repo_path),
      strategy(std::move(strategy)),
      // classic keeps one build at a time, as git bisect does; bayes a few (see BuildSlots).
      slots(repo_path, job_dir, std::move(worktree), this->strategy->kept_build_limit()) {}

std::string JobContext::point_commit(search::Point point) const {
  if (point < graph->size()) return graph->id(point).hex();
  return range_goods.at(point - graph->size());
}

std::vector<RankedCommit> JobContext::leaders(std::size_t count) const {
  std::vector<RankedCommit> leaders;
  if (!graph) return leaders;
  for (const search::Ranked& ranked : strategy->top(count)) {
    leaders.push_back({ranked.point == search::kOlderThanRange ? "" : point_commit(ranked.point),
                       ranked.probability});
  }
  return leaders;
}

std::string short_hash(const std::string& hash) {
  return hash.substr(0, 12);
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

namespace {

// The story of a bisection, in the order syzbot tells it: the start commit must crash; the other
// end of the range is found (given, walked back to through releases, or fix mode's fixed head);
// the range is searched; a single culprit gets a second look and a report.
BisectResult tell(JobContext& job, const std::vector<std::string>& given_goods) {
  BisectResult result;
  auto fail = [&](const Error& error) {
    // A cancel request surfaces as the error of whatever was running when it was seen.
    result.kind =
        job.cancel_requested() ? BisectResult::Kind::cancelled : BisectResult::Kind::error;
    result.error = error.message;
    return finish(job, std::move(result));
  };

  job.events.emit(JobStarted{job.job.id, job.store.path(), job.cause() ? "cause" : "fix",
                             job.strategy->name(), job.start, job.resumed, job.recorded_log});
  if (job.cause()) {
    job.events.print("bisecting cause commit starting from {}", job.start);
  } else {
    job.events.print("bisecting fixing commit since {}", job.start);
  }
  if (auto first = check_start(job); !first) return fail(first.error());
  if (job.options.minimize.enabled) {
    if (Status minimized = minimize_config(job, result); !minimized.ok()) {
      return fail(minimized.error());
    }
    if (job.options.minimize.only) {
      result.kind = BisectResult::Kind::found;  // found a config; there is no culprit to name
      return finish(job, std::move(result));
    }
  }

  // In git's terms: `bad` is the newer state, `goods` the older one.
  std::string bad;
  std::vector<std::string> goods;
  if (job.cause()) {
    bad = job.start;
    goods = given_goods;
    if (goods.empty()) {
      auto good = walk_releases(job, bad, result);
      if (!good) return fail(good.error());
      if (!*good) return finish(job, std::move(result));
      goods.push_back(**good);
    }
  } else {
    const std::string& fixed = given_goods.front();
    auto fixed_ok = check_fixed_end(job, fixed, result);
    if (!fixed_ok) return fail(fixed_ok.error());
    if (!*fixed_ok) return finish(job, std::move(result));
    bad = fixed;
    goods = {job.start};
  }

  if (Status searched = search_range(job, bad, goods, result); !searched.ok()) {
    return fail(searched.error());
  }
  if (result.kind != BisectResult::Kind::found) return finish(job, std::move(result));

  const std::string culprit = *result.culprit;
  add_signature_lines(job, culprit, result);
  if (!job.options.no_verify) {
    verify(job, culprit, result);
    // The end the culprit was found from: cause mode's start commit, fix mode's fixed end.
    check_revert(job, culprit, job.cause() ? job.start : bad, result);
  }
  if (job.cancel_requested()) return fail(make_error("cancelled"));
  add_doubts_and_recipients(job, culprit, result);
  return finish(job, std::move(result));
}

// The job key: what must be equal for a second invocation to resume the first. `params` gets
// the keyed parameters plus those that may change between invocations (the reporters), which are
// left out of the key so that state files written before they existed still resume.
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
  // bayes' --runs is the size of a batch, not part of what a run means: a job resumed (or
  // retried, by the service) with bigger batches reuses every run it recorded. classic's verdict
  // rule depends on the runs per commit, so there they stay in the key.
  // Config minimization is another job: its candidates and the config the search then builds
  // with differ (the bug's config itself is in the backend key).
  if (options.minimize.enabled) {
    const std::string base =
        options.minimize.base.empty()
            ? std::string("tinyconfig")
            : to_hex(sha256(read_file(options.minimize.base, "base config").value_or("")));
    params["minimize_config"] = {{"base", base},
                                 {"build_budget", options.minimize.build_budget},
                                 {"only", options.minimize.only}};
  }
  nlohmann::json identity = params;
  if (options.strategy == "bayes") identity.erase("runs");
  std::string key = to_hex(sha256(identity.dump()));
  if (!options.reported_by.empty()) params["reported_by"] = options.reported_by;
  if (!options.closes.empty()) params["closes"] = options.closes;
  return key;
}

// A resumed job takes the reporters named this time, when any are.
Status update_reporters(store::Store& store, const store::JobRecord& job,
                        const BisectOptions& options) {
  if (options.reported_by.empty() && options.closes.empty()) return {};
  nlohmann::json params = nlohmann::json::parse(job.params_json, nullptr, false);
  if (!params.is_object()) return {};
  const nlohmann::json before = params;
  if (!options.reported_by.empty()) params["reported_by"] = options.reported_by;
  if (!options.closes.empty()) params["closes"] = options.closes;
  if (params == before) return {};
  return store.set_job_params(job.id, params.dump());
}

}  // namespace

Result<BisectResult> run_bisect(const BisectOptions& options, builder::Builder& builder,
                                runner::Runner& runner, JobLog& log) {
  EventBus events;
  attach_log(events, log);
  return run_bisect(options, builder, runner, events);
}

Result<BisectResult> run_bisect(const BisectOptions& options, builder::Builder& builder,
                                runner::Runner& runner, EventBus& events) {
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
      if (goods[i] == *bad) {
        return make_error(fmt::format("good commit {} and bad commit {} are the same commit {}",
                                      options.good[i], options.bad, short_hash(*bad)));
      }
      if (!*ancestor) {
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
    if (goods[0] == *bad) {
      return make_error(fmt::format("fixed commit {} and crashing commit {} are the same commit {}",
                                    options.good.empty() ? "HEAD" : options.good[0], options.bad,
                                    short_hash(*bad)));
    }
    if (!*descendant) {
      return make_error(fmt::format("fixed commit {} is not a descendant of the crashing commit {}",
                                    options.good.empty() ? "HEAD" : options.good[0], options.bad));
    }
  }
  // Output paths are checked before the work, not after hours of it.
  if (!options.json_path.empty()) {
    std::error_code error;
    const std::filesystem::path parent =
        std::filesystem::absolute(options.json_path, error).parent_path();
    if (!std::filesystem::is_directory(parent, error)) {
      return make_error(fmt::format("cannot write JSON file {}: folder {} does not exist",
                                    options.json_path, parent.string()));
    }
    if (access(parent.c_str(), W_OK) != 0) {
      return make_error(fmt::format("cannot write JSON file {}: folder {} is not writable",
                                    options.json_path, parent.string()));
    }
  }
  search::StrategyOptions strategy_options;
  strategy_options.fix_mode = options.mode == BisectMode::fix;
  strategy_options.runs = options.runs;
  strategy_options.confidence = options.confidence;
  strategy_options.budget = options.budget;
  strategy_options.parallel = options.parallel;
  strategy_options.run_slots = options.run_slots;
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
  // One process runs a job (store/owner_lock.h). A state file holds one job, so a job being
  // created by another process right now will be job 1.
  auto owner = store::OwnerLock::acquire(options.state_path, *existing ? (*existing)->id : 1);
  if (!owner) return owner.error();
  existing = store->job_by_key(key);  // again, now that no one else can create it
  if (!existing) return existing.error();
  store::JobRecord job;
  if (*existing) {
    job = **existing;
    if (Status updated = update_reporters(*store, job, options); !updated.ok()) {
      return updated.error();
    }
    if (owner->previous()) {
      events.print("job {} in {}: its owner (pid {}, since {}) is gone; taking over", job.id,
                   options.state_path, owner->previous()->pid, owner->previous()->since);
    }
    events.print("resuming job {} from {}", job.id, options.state_path);
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

  JobContext context(options, builder, runner, events, std::move(*repo), std::move(*store), job,
                     job_dir, repo_path, std::move(*worktree), std::move(*strategy));
  context.start = *bad;
  // The store keeps the log, so that `culprit show` can print it later. A failure to keep it is
  // told once at the end, in the log that did get out.
  std::optional<Error> log_error;
  // A resumed job replays the log it recorded: those lines are not stored twice.
  std::vector<std::string> recorded_log;
  if (*existing) {
    auto lines = context.store.log(job.id);
    if (!lines) return lines.error();
    recorded_log = std::move(*lines);
  }
  context.recorded_log = recorded_log;
  std::size_t replay_at = 0;
  const std::size_t store_log = events.subscribe([&](const Event& event) {
    const auto* line = std::get_if<LogLine>(&event);
    if (line == nullptr || log_error) return;
    if (replay_at < recorded_log.size() && recorded_log[replay_at] == line->text) {
      ++replay_at;
      return;
    }
    replay_at = recorded_log.size();  // past the replay: every line is new
    if (Status stored = context.store.append_log(context.job.id, line->text); !stored.ok()) {
      log_error = stored.error();
    }
  });
  context.resumed = existing->has_value();
  BisectResult result = tell(context, goods);
  events.unsubscribe(store_log);
  if (log_error)
    events.print("warning: the log is incomplete in the state file: {}", log_error->message);
  return result;
}

}  // namespace culprit::job
