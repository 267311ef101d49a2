#include "support/culprit_service.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <regex>
#include <thread>

#include "support/test_support.h"

namespace culprit::testing {

namespace {
using Clock = std::chrono::steady_clock;
}

CulpritService::CulpritService(std::string state_dir, std::vector<std::string> extra)
    : state_dir_(std::move(state_dir)) {
  output_path_ = state_dir_ + ".serve-output.txt";
  std::vector<std::string> args = {CULPRIT_BINARY, "serve",    "--state-dir",
                                   state_dir_,     "--listen", "127.0.0.1:0"};
  args.insert(args.end(), extra.begin(), extra.end());
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  // A fresh file: a restarted service's URL line must be the only one.
  const int out = ::open(output_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  pid_ = ::fork();
  if (pid_ == 0) {
    ::setpgid(0, 0);
    ::dup2(out, 1);
    ::dup2(out, 2);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(out);
  const std::regex url(R"(culprit serve: http://127\.0\.0\.1:(\d+)/)");
  for (auto deadline = Clock::now() + std::chrono::seconds(20); Clock::now() < deadline;) {
    std::smatch match;
    const std::string printed = output();
    if (std::regex_search(printed, match, url)) {
      port_ = std::stoi(match[1]);
      break;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (port_ <= 0) {
    ADD_FAILURE() << "culprit serve did not come up: " << output();
    return;
  }
  const std::string token = read_file(state_dir_ + "/token");
  token_ = token.substr(0, token.find('\n'));
}

CulpritService::~CulpritService() {
  if (pid_ > 0) {
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

std::string CulpritService::output() const {
  return read_file(output_path_);
}

httplib::Client CulpritService::client() const {
  httplib::Client client("127.0.0.1", port_);
  client.set_connection_timeout(5);
  client.set_read_timeout(30);
  return client;
}

long CulpritService::submit(const std::string& job_toml, const std::string& base_dir) const {
  httplib::Headers headers = auth();
  headers.emplace("Culprit-Job-Dir", base_dir);
  auto response = client().Post("/api/jobs", headers, job_toml, "application/toml");
  if (!response || response->status != 201) {
    ADD_FAILURE() << "submitting failed: " << (response ? response->body : "no answer");
    return 0;
  }
  return nlohmann::json::parse(response->body).value("id", 0L);
}

nlohmann::json CulpritService::job(long id) const {
  auto response = client().Get("/api/jobs/" + std::to_string(id) + "?log=0", auth());
  if (!response || response->status != 200) return nullptr;
  return nlohmann::json::parse(response->body, nullptr, false);
}

nlohmann::json CulpritService::wait_for(long id, const std::string& states, double seconds) const {
  nlohmann::json last;
  const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  while (Clock::now() < deadline) {
    last = job(id);
    if (last.is_object() &&
        ("," + states + ",").find("," + last.value("state", "") + ",") != std::string::npos) {
      return last;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return last;
}

void CulpritService::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

}  // namespace culprit::testing
