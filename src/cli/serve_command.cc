// `culprit serve`: the bisection service (src/serve), and `culprit submit`, its command-line
// client.
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "base/files.h"
#include "base/interrupt.h"
#include "cli/subcommand.h"
#include "serve/access_token.h"
#include "serve/http_service.h"

namespace culprit::cli {

namespace {

// This executable, for the jobs the service starts.
std::string own_binary() {
  std::error_code ec;
  auto path = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("culprit") : path.string();
}

int run_serve(serve::ServiceOptions& options) {
  set_interrupt_note(
      "the jobs that were running stopped with it; start the service again to resume them");
  options.binary = own_binary();
  options.check_job_file = check_bisect_job_file;
  auto service = serve::HttpService::create(options);
  if (!service) {
    std::fprintf(stderr, "culprit: %s\n", service.error().message.c_str());
    return 1;
  }
  std::printf("culprit serve: %s (jobs in %s, token in %s)\n", (*service)->url().c_str(),
              options.state_dir.c_str(), (*service)->token_path().c_str());
  std::fflush(stdout);
  if (Status ran = (*service)->run(); !ran.ok()) {
    std::fprintf(stderr, "culprit: %s\n", ran.error().message.c_str());
    return 1;
  }
  return 0;
}

struct SubmitFlags {
  std::string server = "http://127.0.0.1:8080";
  std::string token_file;
  std::string job_file;
};

int run_submit(const SubmitFlags& flags) {
  auto body = read_file(flags.job_file, "job file");
  if (!body) {
    std::fprintf(stderr, "culprit: %s\n", body.error().message.c_str());
    return 1;
  }
  std::string token;
  if (!flags.token_file.empty()) {
    auto loaded = serve::load_token(flags.token_file, false);
    if (!loaded) {
      std::fprintf(stderr, "culprit: %s\n", loaded.error().message.c_str());
      return 1;
    }
    token = *loaded;
  } else if (const char* env = std::getenv("CULPRIT_TOKEN")) {
    token = env;
  }
  // Relative paths in the job file are the submitter's: from the job file's folder.
  std::error_code ec;
  const std::string base =
      std::filesystem::absolute(flags.job_file, ec).parent_path().lexically_normal().string();
  std::string server = flags.server;
  while (!server.empty() && server.back() == '/') server.pop_back();
  httplib::Client client(server);
  if (!client.is_valid()) {
    std::fprintf(stderr, "culprit: --server %s: not an http:// URL\n", flags.server.c_str());
    return 2;
  }
  client.set_connection_timeout(10);
  httplib::Headers headers = {{"Culprit-Job-Dir", base}};
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  auto response = client.Post("/api/jobs", headers, *body, "application/toml");
  if (!response) {
    std::fprintf(stderr, "culprit: cannot reach %s: %s\n", flags.server.c_str(),
                 httplib::to_string(response.error()).c_str());
    return 1;
  }
  auto answer = nlohmann::json::parse(response->body, nullptr, false);
  if (response->status != 201) {
    const std::string message =
        answer.is_object() ? answer.value("error", response->body) : response->body;
    std::fprintf(stderr, "culprit: %s: %s (HTTP %d)\n", flags.server.c_str(), message.c_str(),
                 response->status);
    return 1;
  }
  std::printf("%s%s\n", server.c_str(), answer.value("url", "").c_str());
  return 0;
}

}  // namespace

Subcommand add_serve_command(CLI::App& parent) {
  auto options = std::make_shared<serve::ServiceOptions>();
  CLI::App* app = parent.add_subcommand(
      "serve", "Run the bisection service: an HTTP API and live web page over a queue of jobs");
  app->add_option("--state-dir", options->state_dir,
                  "Folder for the queue, the token and every job's files")
      ->required();
  app->add_option("--listen", options->listen,
                  "HOST:PORT to listen on (default 127.0.0.1:8080, loopback only; port 0: any)");
  app->add_option("--max-jobs", options->max_jobs, "Jobs run at once (default 1)")
      ->check(kAtLeastOne);
  app->add_option("--token-file", options->token_file,
                  "File holding the bearer token (default: STATE-DIR/token, made on first "
                  "start, mode 0600)");
  app->add_flag("--public-read", options->public_read,
                "Let anyone who can reach the service read its pages and API (changes still "
                "need the token)");
  return {app, [options] { return run_serve(*options); }};
}

Subcommand add_submit_command(CLI::App& parent) {
  auto flags = std::make_shared<SubmitFlags>();
  CLI::App* app = parent.add_subcommand(
      "submit", "Send a job file (as for `culprit bisect --job`) to a `culprit serve`");
  app->add_option("job", flags->job_file, "The TOML job file")->required();
  app->add_option("--server", flags->server, "The service's URL (default http://127.0.0.1:8080)");
  app->add_option("--token-file", flags->token_file,
                  "File holding the service's token (default: $CULPRIT_TOKEN)");
  return {app, [flags] { return run_submit(*flags); }};
}

}  // namespace culprit::cli
