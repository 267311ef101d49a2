#include "share/kcidb_format.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "report/report.h"

namespace culprit::share {
namespace {

// The schema's bound on every log_excerpt; a run that did not crash gets a shorter tail.
constexpr std::size_t kExcerptLimit = 16384;
constexpr std::size_t kQuietTail = 2048;

// The last `limit` bytes of `text`, starting at a whole UTF-8 character.
std::string tail(const std::string& text, std::size_t limit) {
  if (text.size() <= limit) return text;
  std::size_t at = text.size() - limit;
  while (at < text.size() && (static_cast<unsigned char>(text[at]) & 0xc0) == 0x80) ++at;
  return text.substr(at);
}

// The first `limit` bytes of `text`, ending before a character cut in two.
std::string head(const std::string& text, std::size_t limit) {
  if (text.size() <= limit) return text;
  std::size_t at = limit;
  while (at > 0 && (static_cast<unsigned char>(text[at]) & 0xc0) == 0x80) --at;
  return text.substr(0, at);
}

bool valid_origin(const std::string& origin) {
  return !origin.empty() && std::all_of(origin.begin(), origin.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::string_view test_status(RunOutcome outcome) {
  switch (outcome) {
    case RunOutcome::ok:
      return "PASS";
    case RunOutcome::crashed:
      return "FAIL";
    case RunOutcome::cannot_test:
      return "SKIP";
    case RunOutcome::infra_error:
      return "ERROR";
  }
  return "ERROR";
}

// What a tested commit was to the job: its phases and verdicts, in order.
struct Tested {
  std::string commit;
  std::string tree;
  std::vector<std::string> phases;
  std::vector<std::string> verdicts;
};

std::vector<Tested> tested_commits(const RecordedJob& job) {
  std::vector<Tested> tested;
  for (const store::StepRecord& step : job.steps) {
    auto it = std::find_if(tested.begin(), tested.end(),
                           [&](const Tested& seen) { return seen.commit == step.commit; });
    if (it == tested.end())
      it = tested.insert(tested.end(), Tested{step.commit, step.tree, {}, {}});
    const std::string phase(to_string(step.phase));
    if (std::find(it->phases.begin(), it->phases.end(), phase) == it->phases.end()) {
      it->phases.push_back(phase);
    }
    it->verdicts.emplace_back(to_string(step.verdict));
  }
  return tested;
}

// The test's log excerpt: a crash's report as the parser reads it from the console, else the
// console's tail.
std::string run_excerpt(const store::RunRecord& run, const std::string& console) {
  if (run.outcome == RunOutcome::crashed) {
    if (std::optional<report::CrashReport> parsed = report::parse_first(console);
        parsed && !parsed->report.empty()) {
      return head(parsed->report, kExcerptLimit);
    }
    return tail(console, kExcerptLimit);
  }
  return tail(console, kQuietTail);
}

}  // namespace

Result<nlohmann::json> kcidb_report(const RecordedJob& job, const store::Store& store,
                                    const vcs::Repository& repo, const KcidbOptions& options) {
  if (!valid_origin(options.origin)) {
    return make_error(fmt::format(
        "invalid KCIDB origin '{}': lower-case letters, digits and '_' only", options.origin));
  }
  const std::string prefix = fmt::format("{}:{}-", options.origin, job.record.key.substr(0, 16));
  CULPRIT_ASSIGN_OR_RETURN(const std::optional<std::string> remote, repo.remote_url("origin"));
  const bool public_url =
      remote && (remote->rfind("https://", 0) == 0 || remote->rfind("git://", 0) == 0);
  std::map<std::string, std::string> tag_of;  // commit -> a tag naming it
  if (auto tags = repo.tags()) {
    for (const vcs::Tag& tag : *tags) tag_of.emplace(tag.commit, tag.name);
  }
  const std::string backend = job.params.value("backend", std::string());
  const bool kernel = backend.rfind("kernel\n", 0) == 0;
  const std::optional<std::string> culprit = job.culprit();
  std::vector<std::string> answer = job.result_strings("/candidates");
  if (culprit) answer = {*culprit};

  nlohmann::json checkouts = nlohmann::json::array();
  nlohmann::json builds = nlohmann::json::array();
  nlohmann::json tests = nlohmann::json::array();
  std::set<std::string> built_trees;
  for (const Tested& tested : tested_commits(job)) {
    nlohmann::json checkout = {{"id", prefix + tested.commit},
                               {"origin", options.origin},
                               {"git_commit_hash", tested.commit},
                               {"valid", true}};
    if (public_url) checkout["git_repository_url"] = *remote;
    if (auto info = repo.commit(tested.commit)) checkout["comment"] = info->title;
    if (auto tag = tag_of.find(tested.commit); tag != tag_of.end()) {
      checkout["git_commit_name"] = tag->second;
    }
    if (job.record.created.size() == 20) checkout["start_time"] = job.record.created;
    nlohmann::json misc = {
        {"job", job.record.id}, {"phases", tested.phases}, {"verdicts", tested.verdicts}};
    if (std::find(answer.begin(), answer.end(), tested.commit) != answer.end()) {
      misc["result"] = {{"kind", job.kind()},
                        {"mode", job.cause() ? "cause" : "fix"},
                        {"role", culprit ? "culprit" : "candidate"},
                        {"flags", job.result_strings("/flags")}};
      if (job.result.contains("confidence"))
        misc["result"]["confidence"] = job.result["confidence"];
    }
    checkout["misc"] = misc;
    checkouts.push_back(checkout);

    // One build per tree, filed under the commit it was built from.
    if (!built_trees.insert(tested.tree).second) continue;
    CULPRIT_ASSIGN_OR_RETURN(const std::optional<store::BuildRecord> build,
                             store.build(job.record.id, tested.tree));
    if (!build) continue;
    const std::string build_id = prefix + tested.tree;
    nlohmann::json build_json = {{"id", build_id},
                                 {"checkout_id", prefix + build->commit},
                                 {"origin", options.origin},
                                 {"valid", build->status == BuildStatus::ok},
                                 {"duration", build->duration_s}};
    if (!build->compiler.empty()) build_json["compiler"] = build->compiler;
    if (kernel) build_json["architecture"] = "x86_64";
    if (!build->log_tail.empty()) build_json["log_excerpt"] = tail(build->log_tail, kExcerptLimit);
    nlohmann::json build_misc = {{"status", std::string(to_string(build->status))},
                                 {"tree", tested.tree}};
    if (!build->signature.empty()) build_misc["signature"] = build->signature;
    if (!build->error.empty()) build_misc["error"] = build->error;
    build_json["misc"] = build_misc;
    builds.push_back(build_json);

    CULPRIT_ASSIGN_OR_RETURN(const std::vector<store::RunRecord> runs,
                             store.runs(job.record.id, tested.tree));
    for (const store::RunRecord& run : runs) {
      CULPRIT_ASSIGN_OR_RETURN(const std::string console,
                               store.console(job.record.id, tested.tree, run.index));
      nlohmann::json test = {
          {"id", fmt::format("{}-{}", build_id, run.index)},
          {"build_id", build_id},
          {"origin", options.origin},
          {"path", "reproducer"},
          {"status", test_status(run.outcome)},
          {"duration", run.duration_s},
          {"comment", run.title.empty() ? std::string(to_string(run.outcome)) : run.title}};
      const std::string excerpt = run_excerpt(run, console);
      if (!excerpt.empty()) test["log_excerpt"] = excerpt;
      test["misc"] = {{"run", run.index},
                      {"outcome", std::string(to_string(run.outcome))},
                      {"title", run.title},
                      {"alt_titles", run.alt_titles},
                      {"exit_status", run.exit_status}};
      tests.push_back(test);
    }
  }
  return nlohmann::json{{"version", {{"major", 4}, {"minor", 0}}},
                        {"checkouts", checkouts},
                        {"builds", builds},
                        {"tests", tests}};
}

}  // namespace culprit::share
