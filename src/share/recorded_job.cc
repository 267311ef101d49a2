#include "share/recorded_job.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

namespace culprit::share {
namespace {

nlohmann::json parse_or(const std::string& text, nlohmann::json fallback) {
  if (text.empty()) return fallback;
  nlohmann::json document = nlohmann::json::parse(text, nullptr, false);
  return document.is_discarded() ? fallback : document;
}

std::vector<std::string> strings_at(const nlohmann::json& list) {
  std::vector<std::string> out;
  if (!list.is_array()) return out;
  for (const nlohmann::json& item : list) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

}  // namespace

bool RecordedJob::cause() const {
  return params.value("mode", std::string("cause")) != "fix";
}

std::string RecordedJob::kind() const {
  return result.is_object() ? result.value("result", std::string()) : std::string();
}

std::optional<std::string> RecordedJob::culprit() const {
  if (kind() != "found") return std::nullopt;
  auto it = result.find("culprit");
  if (it == result.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::string RecordedJob::start() const {
  return params.value("bad", std::string());
}

std::vector<std::string> RecordedJob::result_strings(const std::string& path) const {
  if (!result.is_object()) return {};
  const nlohmann::json::json_pointer pointer(path);
  return result.contains(pointer) ? strings_at(result.at(pointer)) : std::vector<std::string>{};
}

std::vector<std::string> RecordedJob::param_strings(const std::string& key) const {
  auto it = params.find(key);
  return it == params.end() ? std::vector<std::string>{} : strings_at(*it);
}

std::string RecordedJob::tree_of(const std::string& commit) const {
  for (const store::StepRecord& step : steps) {
    if (step.commit == commit) return step.tree;
  }
  return "";
}

Result<RecordedJob> load_job(const store::Store& store, std::optional<std::int64_t> id) {
  RecordedJob job;
  if (id) {
    CULPRIT_ASSIGN_OR_RETURN(std::optional<store::JobRecord> found, store.job_by_id(*id));
    if (!found) return make_error(fmt::format("no such job: {} in {}", *id, store.path()));
    job.record = std::move(*found);
  } else {
    CULPRIT_ASSIGN_OR_RETURN(std::vector<store::JobRecord> jobs, store.jobs());
    if (jobs.empty()) return make_error(fmt::format("no jobs in {}", store.path()));
    job.record = std::move(jobs.back());  // jobs() is ordered by id: the newest is last
  }
  job.params = parse_or(job.record.params_json, nlohmann::json::object());
  if (!job.params.is_object()) job.params = nlohmann::json::object();
  job.result = parse_or(job.record.result_json, nullptr);
  CULPRIT_ASSIGN_OR_RETURN(job.steps, store.steps(job.record.id));
  return job;
}

Result<vcs::Repository> open_repository(const RecordedJob& job, const std::string& path) {
  if (!path.empty()) return vcs::Repository::open(path);
  const std::string recorded = job.params.value("repo", std::string());
  if (recorded.empty()) {
    return make_error(fmt::format("job {} records no repository; give --repo", job.record.id));
  }
  return vcs::Repository::open(recorded);
}

Result<std::vector<std::string>> bug_titles(const store::Store& store, const RecordedJob& job) {
  const std::string tree = job.tree_of(job.start());
  std::vector<std::string> titles;
  if (tree.empty()) return titles;
  CULPRIT_ASSIGN_OR_RETURN(const std::vector<store::RunRecord> runs,
                           store.runs(job.record.id, tree));
  std::map<std::string, int> counts;
  for (const store::RunRecord& run : runs) {
    if (run.outcome == RunOutcome::crashed && !run.title.empty()) ++counts[run.title];
  }
  for (const auto& [title, count] : counts) titles.push_back(title);
  std::stable_sort(titles.begin(), titles.end(), [&](const std::string& a, const std::string& b) {
    return counts[a] > counts[b];
  });
  return titles;
}

}  // namespace culprit::share
