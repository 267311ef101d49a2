// `culprit jobs` and `culprit show [JOB]`: what the state file remembers. Both only read: a state
// file that does not exist is an error, never created. `show` also writes a job in the formats
// others read (src/share): a bisection mail, KCIDB JSON, a `git bisect log` file.
#include <charconv>
#include <ctime>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/result.h"
#include "cli/subcommand.h"
#include "share/bisect_log_format.h"
#include "share/kcidb_format.h"
#include "share/mail_format.h"
#include "share/recorded_job.h"
#include "store/store.h"

namespace culprit::cli {
namespace {

struct HistoryOptions {
  std::string state_path = "culprit.db";
  std::string job;  // show: the job id, "" for the newest
  bool json = false;
  // show: one of the sharing formats instead of the log and result.
  bool mail = false;
  bool kcidb = false;
  bool git_bisect_log = false;
  std::string repo;  // the repository, when it is no longer where the job found it
  share::MailOptions mail_options;
  share::KcidbOptions kcidb_options;
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

// `show --mail`, `--kcidb`, `--git-bisect-log`: the job in one of the formats of src/share.
int print_shared(const HistoryOptions& options, const store::Store& state,
                 const share::RecordedJob& job) {
  Result<vcs::Repository> repo = share::open_repository(job, options.repo);
  if (!repo.ok()) return fail(repo.error().message);
  if (options.kcidb) {
    Result<nlohmann::json> report = share::kcidb_report(job, state, *repo, options.kcidb_options);
    if (!report.ok()) return fail(report.error().message);
    fmt::print("{}\n", report->dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    return 0;
  }
  Result<std::string> text = make_error("");
  if (options.mail) {
    share::MailOptions mail = options.mail_options;
    mail.date = static_cast<std::int64_t>(std::time(nullptr));
    text = share::bisection_mail(job, state, *repo, mail);
  } else {
    text = share::git_bisect_log(job, *repo);
  }
  if (!text.ok()) return fail(text.error().message);
  fmt::print("{}", *text);
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
  Result<share::RecordedJob> recorded = share::load_job(*state, wanted);
  if (!recorded.ok()) return fail(recorded.error().message);
  if (options.mail || options.kcidb || options.git_bisect_log) {
    return print_shared(options, *state, *recorded);
  }

  const store::JobRecord* job = &recorded->record;
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
  CLI::Option* mail = app->add_flag(
      "--mail", options->mail,
      "print the result as a bisection mail (RFC 5322, like syzbot's) for git send-email or a "
      "mail client; nothing is sent");
  CLI::Option* kcidb = app->add_flag(
      "--kcidb", options->kcidb,
      "print the job as KCIDB v4 JSON: a checkout per tested commit, a build per build, a test "
      "per run");
  CLI::Option* bisect_log = app->add_flag(
      "--git-bisect-log", options->git_bisect_log,
      "print a git bisect log file: `git bisect replay FILE` lands on the same answer");
  mail->excludes(kcidb)->excludes(bisect_log);
  kcidb->excludes(bisect_log);
  for (CLI::Option* format : {mail, kcidb, bisect_log}) format->excludes("--json");
  app->add_option("--repo", options->repo,
                  "the repository, when it has moved since the job (default: the job's)");
  app->add_option("--from", options->mail_options.from,
                  "--mail: the sender, \"Name <address>\" (default: git's user.name and "
                  "user.email)");
  app->add_option("--reported-by", options->mail_options.reported_by,
                  "--mail: Reported-by: tags (repeatable; default: the job's --reported-by)");
  app->add_option("--closes", options->mail_options.closes,
                  "--mail: Closes: tags (repeatable; default: the job's --closes)");
  app->add_option("--origin", options->kcidb_options.origin,
                  "--kcidb: the submitting CI system's name (default: culprit)");
  return Subcommand{app, [options] { return run_show(*options); }};
}

}  // namespace culprit::cli
