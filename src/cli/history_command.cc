// `culprit jobs` and `culprit show [JOB]`: what the state file remembers. Both only read: a state
// file that does not exist is an error, never created.
#include <charconv>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/result.h"
#include "cli/subcommand.h"
#include "store/store.h"

namespace culprit::cli {
namespace {

struct HistoryOptions {
  std::string state_path = "culprit.db";
  std::string job;  // show: the job id, "" for the newest
  bool json = false;
};

int fail(const std::string& message) {
  fmt::print(stderr, "culprit: {}\n", message);
  return 1;
}

Result<store::Store> open_existing(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    return make_error(fmt::format("no state file {}", path));
  }
  return store::Store::open_read_only(path);
}

// The stored result document; null while the job runs or when it holds no JSON.
nlohmann::json result_document(const store::JobRecord& job) {
  if (job.result_json.empty()) return nullptr;
  nlohmann::json document = nlohmann::json::parse(job.result_json, nullptr, false);
  return document.is_discarded() ? nlohmann::json() : document;
}

std::string text_field(const nlohmann::json& document, const char* key) {
  if (!document.is_object()) return "";
  auto it = document.find(key);
  return it != document.end() && it->is_string() ? it->get<std::string>() : "";
}

nlohmann::json parameters(const store::JobRecord& job) {
  nlohmann::json document = nlohmann::json::parse(job.params_json, nullptr, false);
  return document.is_discarded() ? nlohmann::json(job.params_json) : document;
}

int run_jobs(const HistoryOptions& options) {
  Result<store::Store> state = open_existing(options.state_path);
  if (!state.ok()) return fail(state.error().message);
  Result<std::vector<store::JobRecord>> jobs = state->jobs();
  if (!jobs.ok()) return fail(jobs.error().message);

  if (options.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const store::JobRecord& job : *jobs) {
      const nlohmann::json result = result_document(job);
      const std::string culprit = text_field(result, "culprit");
      out.push_back({{"id", job.id},
                     {"state", job.state},
                     {"created", job.created},
                     {"result", result.is_object() ? result.value("result", nlohmann::json())
                                                   : nlohmann::json()},
                     {"culprit", culprit.empty() ? nlohmann::json() : nlohmann::json(culprit)},
                     {"parameters", parameters(job)}});
    }
    fmt::print("{}\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    return 0;
  }
  if (jobs->empty()) {
    fmt::print("no jobs in {}\n", options.state_path);
    return 0;
  }
  fmt::print("{:<5} {:<8} {:<21} {:<13} {}\n", "ID", "STATE", "CREATED", "RESULT", "CULPRIT");
  for (const store::JobRecord& job : *jobs) {
    const nlohmann::json result = result_document(job);
    const std::string kind = text_field(result, "result");
    const std::string culprit = text_field(result, "culprit");
    fmt::print("{:<5} {:<8} {:<21} {:<13} {}\n", job.id, job.state, job.created,
               kind.empty() ? "-" : kind, culprit.empty() ? "-" : culprit);
  }
  return 0;
}

int run_show(const HistoryOptions& options) {
  std::optional<std::int64_t> wanted;
  if (!options.job.empty()) {
    std::int64_t id = 0;
    const char* end = options.job.data() + options.job.size();
    auto [rest, error] = std::from_chars(options.job.data(), end, id);
    if (error != std::errc() || rest != end || id <= 0) {
      return fail(fmt::format("invalid job id: {}", options.job));
    }
    wanted = id;
  }
  Result<store::Store> state = open_existing(options.state_path);
  if (!state.ok()) return fail(state.error().message);

  std::optional<store::JobRecord> job;
  if (wanted) {
    Result<std::optional<store::JobRecord>> found = state->job_by_id(*wanted);
    if (!found.ok()) return fail(found.error().message);
    if (!*found) return fail(fmt::format("no such job: {} in {}", *wanted, options.state_path));
    job = std::move(**found);
  } else {
    Result<std::vector<store::JobRecord>> jobs = state->jobs();
    if (!jobs.ok()) return fail(jobs.error().message);
    if (jobs->empty()) return fail(fmt::format("no jobs in {}", options.state_path));
    job = std::move(jobs->back());  // jobs() is ordered by id: the newest is last
  }
  Result<std::vector<std::string>> log = state->log(job->id);
  if (!log.ok()) return fail(log.error().message);
  const nlohmann::json result = result_document(*job);

  if (options.json) {
    nlohmann::json out = {{"id", job->id},
                          {"state", job->state},
                          {"created", job->created},
                          {"parameters", parameters(*job)},
                          {"log", *log},
                          {"result", result}};
    fmt::print("{}\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    return 0;
  }
  fmt::print("job: {}\nstate: {}\ncreated: {}\nparameters: {}\n\n", job->id, job->state,
             job->created,
             parameters(*job).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  for (const std::string& line : *log) fmt::print("{}\n", line);
  if (result.is_null()) {
    fmt::print("\nresult: none (job {})\n", job->state);
  } else {
    fmt::print("\nresult:\n{}\n",
               result.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  return 0;
}

void add_state_options(CLI::App* app, HistoryOptions& options) {
  app->add_option("--state", options.state_path, "the state file (SQLite) of the jobs")
      ->default_val("culprit.db");
  app->add_flag("--json", options.json, "print JSON");
}

}  // namespace

Subcommand add_jobs_command(CLI::App& parent) {
  auto options = std::make_shared<HistoryOptions>();
  CLI::App* app = parent.add_subcommand(
      "jobs", "List the jobs in a state file: id, state, creation time, result and culprit");
  add_state_options(app, *options);
  return Subcommand{app, [options] { return run_jobs(*options); }};
}

Subcommand add_show_command(CLI::App& parent) {
  auto options = std::make_shared<HistoryOptions>();
  CLI::App* app =
      parent.add_subcommand("show", "Print a recorded job's log and result (default: the newest)");
  app->add_option("job", options->job, "the job id (see `culprit jobs`)");
  add_state_options(app, *options);
  return Subcommand{app, [options] { return run_show(*options); }};
}

}  // namespace culprit::cli
