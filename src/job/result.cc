// The report: signature lines and doubt flags of a single culprit, the people to tell, the log's
// closing lines and the JSON result (reference §1 "Result", §2.4, §5 item 8).
#include <algorithm>

#include "job/phases.h"
#include "search/release_tags.h"
#include "vcs/diff_classify.h"
#include "vcs/recipients.h"

namespace culprit::job {

void add_signature_lines(JobContext& job, const std::string& culprit, BisectResult& result) {
  auto info = job.repo.commit(culprit);
  if (!info) return;
  if (info->parents.size() > 1) result.flags.push_back("merge");
  if (auto tags = job.repo.tags()) {
    for (const vcs::Tag& tag : *tags) {
      if (tag.commit == culprit && search::parse_release_tag(tag.name)) {
        result.flags.push_back("release");
        break;
      }
    }
  }
  auto culprit_build = job.store.build(job.job.id, job.tree_key(info->tree));
  if (!culprit_build || !*culprit_build || (*culprit_build)->signature.empty()) return;
  if (info->parents.size() != 1) return;
  auto parent = job.repo.commit(info->parents[0]);
  if (!parent) return;
  auto parent_build = job.store.build(job.job.id, job.tree_key(parent->tree));
  if (!parent_build) return;
  std::string parent_signature;
  if (*parent_build && (*parent_build)->status == BuildStatus::ok) {
    parent_signature = (*parent_build)->signature;
  } else {
    job.events.print("parent commit {} wasn't tested", parent->hash);
    // With the culprit's compiler: only a change of code may count as "not a no-op".
    if (auto built = build_with_compiler_of(job, parent->hash, culprit);
        built && built->status == BuildStatus::ok) {
      parent_signature = built->signature;
    }
  }
  if (parent_signature.empty()) return;
  job.events.print("culprit signature: {}", (*culprit_build)->signature);
  job.events.print("parent  signature: {}", parent_signature);
  if (parent_signature == (*culprit_build)->signature) result.flags.push_back("noop");
}

// Flags that make a single culprit doubtful beyond its signature (reference §5 item 8, syzkaller
// issue #1271), and the people to tell (reference §2.4).
void add_doubts_and_recipients(JobContext& job, const std::string& culprit, BisectResult& result) {
  if (job.strategy->reports_confidence() && job.strategy->confidence() < job.options.confidence) {
    result.flags.push_back("low-confidence");
  }
  if (auto kinds = vcs::classify_diff(job.repo, culprit, job.options.arch)) {
    for (vcs::DiffFlag kind : *kinds) result.flags.push_back(std::string(vcs::to_string(kind)));
  }
  // A crash on a commit judged good is some other bug, or the reproducer is not what we think.
  for (const TestedCommit& tested : job.tested) {
    if (tested.verdict() != Verdict::good) continue;
    bool crashed = std::any_of(tested.runs.begin(), tested.runs.end(),
                               [](const auto& run) { return run.outcome == RunOutcome::crashed; });
    if (crashed) {
      result.flags.push_back("unrelated-crashes");
      break;
    }
  }
  if (auto recipients = vcs::recipients(job.repo, culprit)) {
    result.recipients_to = recipients->to;
    result.recipients_cc = recipients->cc;
  } else {
    job.events.print("cannot list recipients: {}", recipients.error().message);
  }
}

namespace {

nlohmann::json step_json(const JobContext& job, const TestedCommit& tested) {
  nlohmann::json runs = nlohmann::json::array();
  for (const store::RunRecord& run : tested.runs) {
    runs.push_back({{"outcome", std::string(to_string(run.outcome))}, {"title", run.title}});
  }
  nlohmann::json step = {
      {"commit", tested.commit},
      {"phase", std::string(to_string(tested.phase))},
      {"verdict", std::string(to_string(tested.verdict()))},
      {"signature", tested.signature.empty() ? nlohmann::json() : nlohmann::json(tested.signature)},
      {"runs", runs}};
  std::vector<std::string> artifacts;
  if (auto built = job.build_artifacts.find(tested.tree); built != job.build_artifacts.end()) {
    artifacts = built->second;
  }
  artifacts.insert(artifacts.end(), tested.artifacts.begin(), tested.artifacts.end());
  if (!artifacts.empty()) step["artifacts"] = artifacts;
  return step;
}

}  // namespace

BisectResult finish(JobContext& job, BisectResult result) {
  job.events.emit(PhaseStarted{Phase::result, result.culprit.value_or("")});
  if (job.strategy->flaky()) {
    job.events.print("reproducer is flaky ({:.2f} repro chance estimate)",
                     job.strategy->repro_chance());
  }
  // A job that failed before it had a range has no error probability to speak of.
  const bool searched = job.graph || result.kind != BisectResult::Kind::error;
  if (job.strategy->reports_confidence() && searched) {
    job.events.print("accumulated error probability: {:.2f}", 1 - job.strategy->confidence());
  }
  double total = seconds_since(job.start_time);
  job.events.print("revisions tested: {}, total time: {} (build: {}, test: {})",
                   job.totals.revisions_tested, format_duration(total),
                   format_duration(job.totals.build_s), format_duration(job.totals.test_s));
  switch (result.kind) {
    case BisectResult::Kind::found: {
      if (!result.culprit) {  // `culprit minimize-config`: the config is the result
        job.events.line("kernel config minimized");
        break;
      }
      auto info = job.repo.commit(*result.culprit);
      std::string title = info ? info->title : "";
      job.events.print("first {} commit: {} {}", job.cause() ? "bad" : "good", *result.culprit,
                       title);
      if (!result.flags.empty()) {
        job.events.print("the result is unreliable: {}", fmt::join(result.flags, ", "));
      }
      // Go's %q of a string slice, as syzbot prints them.
      auto quoted = [](const std::vector<std::string>& addresses) {
        std::vector<std::string> items;
        for (const std::string& address : addresses) items.push_back("\"" + address + "\"");
        return fmt::format("[{}]", fmt::join(items, " "));
      };
      job.events.print("recipients (to): {}", quoted(result.recipients_to));
      job.events.print("recipients (cc): {}", quoted(result.recipients_cc));
      break;
    }
    case BisectResult::Kind::inconclusive:
      job.events.print("bisection is inconclusive, the first {} commit could be any of:",
                       job.cause() ? "bad" : "good");
      for (const std::string& hash : result.candidates) job.events.line(hash);
      break;
    case BisectResult::Kind::horizon:
      job.events.line(job.cause()
                          ? "oldest tested release already had the bug or it had test errors"
                          : "crash still not fixed or there were test errors");
      break;
    case BisectResult::Kind::error:
      job.events.print("error: {}", result.error);
      break;
    case BisectResult::Kind::cancelled:
      job.events.line("bisection cancelled; run the same command again to resume it");
      break;
  }

  nlohmann::json steps = nlohmann::json::array();
  for (const TestedCommit& tested : job.tested) steps.push_back(step_json(job, tested));
  nlohmann::json posterior = nlohmann::json::array();
  if (job.graph) {
    for (const search::Ranked& ranked : job.strategy->top(10)) {
      posterior.push_back({{"commit", ranked.point == search::kOlderThanRange
                                          ? nlohmann::json()
                                          : nlohmann::json(job.point_commit(ranked.point))},
                           {"probability", ranked.probability}});
    }
  }
  nlohmann::json& json = result.json;
  json["result"] = std::string(to_string(result.kind));
  json["mode"] = job.cause() ? "cause" : "fix";
  json["strategy"] = job.strategy->name();
  json["culprit"] = result.culprit ? nlohmann::json(*result.culprit) : nlohmann::json();
  // Who and what the culprit is, for readers without the repository (the service's page).
  if (result.culprit) {
    if (auto info = job.repo.commit(*result.culprit)) {
      json["culprit_commit"] = {{"subject", info->title},
                                {"author", info->author.name},
                                {"email", info->author.email},
                                {"date", info->author.time}};
    }
  }
  json["bug_titles"] = job.bug_titles ? nlohmann::json(*job.bug_titles) : nlohmann::json::array();
  json["candidates"] = result.candidates;
  json["flags"] = result.flags;
  json["recipients"] = {{"to", result.recipients_to}, {"cc", result.recipients_cc}};
  json["commits_tested"] = job.tested.size();
  json["builds"] = job.totals.builds.size();
  json["runs"] = job.totals.runs;
  json["time"] = {
      {"total_s", total}, {"build_s", job.totals.build_s}, {"test_s", job.totals.test_s}};
  json["steps"] = steps;
  json["job"] = job.job.id;
  json["state"] = job.store.path();
  if (result.kind == BisectResult::Kind::error) json["error"] = result.error;
  if (job.strategy->reports_confidence()) json["confidence"] = job.strategy->confidence();
  json["posterior"] = posterior;
  const char* state = result.kind == BisectResult::Kind::error       ? "error"
                      : result.kind == BisectResult::Kind::cancelled ? "cancelled"
                                                                     : "done";
  if (Status stored = job.store.finish_job(job.job.id, state, json.dump()); !stored.ok()) {
    job.events.print("cannot record the result: {}", stored.error().message);
  }
  job.events.emit(JobFinished{std::string(to_string(result.kind)), json});
  return result;
}

}  // namespace culprit::job
