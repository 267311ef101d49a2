#include "serve/job_runner.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/files.h"
#include "base/text.h"

namespace culprit::serve {

namespace fs = std::filesystem;

namespace {

constexpr auto kTick = std::chrono::milliseconds(200);

// The last "culprit: ..." line the job printed: its one-line error.
std::string last_error_line(const std::string& output_path) {
  const std::string output = read_file(output_path, "job output").value_or("");
  std::string found;
  for (std::string_view line : split_lines(output)) {
    if (line.starts_with("culprit: ")) found = std::string(line.substr(9));
  }
  return found;
}

bool process_alive(pid_t pid) {
  return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM);
}

// Whether `pid` is a culprit job process (and not a recycled pid of something else).
bool is_culprit_job(pid_t pid) {
  const std::string cmdline =
      read_file(fmt::format("/proc/{}/cmdline", pid), "command line").value_or("");
  return cmdline.find("culprit") != std::string::npos &&
         cmdline.find(std::string("bisect\0", 7)) != std::string::npos;
}

}  // namespace

std::string state_for_exit(int exit_status) {
  switch (exit_status) {
    case 0:
    case 3:
      return "done";
    case 4:
      return "cancelled";
    default:
      return "error";
  }
}

JobRunner::JobRunner(store::ServiceQueue& queue, std::string binary, int max_jobs)
    : queue_(queue), binary_(std::move(binary)), max_jobs_(std::max(1, max_jobs)) {}

JobRunner::~JobRunner() {
  stop();
}

std::vector<std::string> JobRunner::bisect_argv(const store::QueuedJob& job) const {
  const std::string dir = queue_.job_dir(job.id);
  std::vector<std::string> argv = {binary_,      "bisect",
                                   "--job",      dir + "/job.toml",
                                   "--job-base", job.base_dir,
                                   "--state",    job.state_path,
                                   "--json",     dir + "/result.json",
                                   "--events",   dir + "/events.jsonl"};
  const nlohmann::json overrides = nlohmann::json::parse(job.overrides_json, nullptr, false);
  if (overrides.is_object()) {
    if (overrides.contains("runs")) {
      argv.insert(argv.end(), {"--runs", std::to_string(overrides["runs"].get<int>())});
    }
    if (overrides.contains("confidence")) {
      argv.insert(argv.end(),
                  {"--confidence", fmt::format("{}", overrides["confidence"].get<double>())});
    }
  }
  return argv;
}

Status JobRunner::recover() {
  CULPRIT_ASSIGN_OR_RETURN(std::vector<store::QueuedJob> running, queue_.running());
  for (store::QueuedJob& job : running) {
    const pid_t pid = static_cast<pid_t>(job.pid);
    if (process_alive(pid) && is_culprit_job(pid)) {
      // Its group: the job process and anything of its own it had not yet handed to its reaper.
      ::kill(-pid, SIGKILL);
      ::kill(pid, SIGKILL);
      for (int i = 0; i < 100 && process_alive(pid); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    if (job.cancel_requested) {
      CULPRIT_TRY(
          queue_.mark_finished(job.id, "cancelled", 4, "cancelled while the service was down"));
      continue;
    }
    resume_first_.push_back(std::move(job));
  }
  return {};
}

void JobRunner::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { loop(); });
}

void JobRunner::stop() {
  {
    std::lock_guard lock(mutex_);
    if (!thread_.joinable()) return;
    stopping_ = true;
    for (const auto& [pid, id] : children_) ::kill(pid, SIGUSR1);
  }
  wake_.notify_all();
  thread_.join();
}

void JobRunner::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  wake_.notify_all();
}

Status JobRunner::cancel(std::int64_t id) {
  CULPRIT_ASSIGN_OR_RETURN(std::optional<store::QueuedJob> job, queue_.get(id));
  if (!job) return make_error(fmt::format("no job {}", id));
  if (job->state != "queued" && job->state != "running") {
    return make_error(fmt::format("job {} has already ended ({})", id, job->state));
  }
  CULPRIT_ASSIGN_OR_RETURN(bool was_queued, queue_.request_cancel(id));
  if (was_queued) return {};
  std::lock_guard lock(mutex_);
  for (const auto& [pid, child] : children_) {
    if (child == id) ::kill(pid, SIGUSR1);
  }
  return {};
}

Result<pid_t> JobRunner::spawn(const store::QueuedJob& job) {
  const std::string dir = queue_.job_dir(job.id);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return make_error(fmt::format("cannot create job folder {}: {}", dir, ec.message()));
  if (!fs::exists(dir + "/job.toml")) {
    std::ofstream out(dir + "/job.toml", std::ios::binary);
    out << job.job_toml;
    if (!out) return make_error(fmt::format("cannot write {}/job.toml", dir));
  }
  fs::create_directories(fs::path(job.state_path).parent_path(), ec);
  const std::vector<std::string> args = bisect_argv(job);
  std::vector<char*> argv;
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  const std::string output = dir + "/output.txt";
  const int out = ::open(output.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (out < 0) return make_error(fmt::format("cannot open {}: {}", output, std::strerror(errno)));
  const int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t parent = ::getpid();
  const char* base_dir = job.base_dir.c_str();
  const pid_t pid = ::fork();
  if (pid == 0) {
    // Only async-signal-safe calls until exec. Its own process group: a Ctrl-C at the service's
    // terminal is the service's to handle, not each job's.
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the service died before prctl
    sigset_t all;
    sigemptyset(&all);
    ::sigprocmask(SIG_SETMASK, &all, nullptr);
    ::dup2(devnull, 0);
    ::dup2(out, 1);
    ::dup2(out, 2);
    // From the submitter's folder, as if they ran `culprit bisect --job` there: relative
    // commands in the job file are found where they meant them.
    if (::chdir(base_dir) != 0) {
      static const char kMessage[] = "culprit: cannot enter the job's folder\n";
      (void)!::write(2, kMessage, sizeof kMessage - 1);
      ::_exit(1);
    }
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  const int saved = errno;
  ::close(out);
  if (devnull >= 0) ::close(devnull);
  if (pid < 0)
    return make_error(fmt::format("cannot start job {}: {}", job.id, std::strerror(saved)));
  return pid;
}

void JobRunner::reap() {
  std::vector<std::pair<pid_t, std::int64_t>> children;
  bool stopping = false;
  {
    std::lock_guard lock(mutex_);
    children.assign(children_.begin(), children_.end());
    stopping = stopping_;
  }
  // Each known child by its pid: the service has other children (the orphan reaper).
  for (const auto& [pid, id] : children) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) != pid) continue;
    {
      std::lock_guard lock(mutex_);
      children_.erase(pid);
    }
    const std::string output = queue_.job_dir(id) + "/output.txt";
    if (WIFEXITED(status)) {
      const int code = WEXITSTATUS(status);
      const std::string state = state_for_exit(code);
      auto job = queue_.get(id);
      // Stopped because the service stops, not because anyone cancelled it: it stays running,
      // and the next start resumes it.
      if (stopping && state == "cancelled" && job && *job && !(*job)->cancel_requested) continue;
      (void)queue_.mark_finished(id, state, code,
                                 state == "error" ? last_error_line(output) : std::string());
    } else {
      const int signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
      (void)queue_.mark_finished(id, "error", 128 + signal,
                                 fmt::format("the job process was killed by signal {}", signal));
    }
  }
}

void JobRunner::start_queued() {
  std::set<std::string> busy_states;
  std::size_t running = 0;
  {
    std::lock_guard lock(mutex_);
    running = children_.size();
  }
  auto all = queue_.list();
  if (!all) return;
  for (const store::QueuedJob& job : *all) {
    if (job.state == "running") busy_states.insert(job.state_path);
  }
  std::vector<store::QueuedJob> candidates = std::move(resume_first_);
  resume_first_.clear();
  for (const store::QueuedJob& job : *all) {
    if (job.state == "queued") candidates.push_back(job);
  }
  for (const store::QueuedJob& job : candidates) {
    if (running >= static_cast<std::size_t>(max_jobs_)) {
      if (job.state == "running") resume_first_.push_back(job);
      continue;
    }
    const bool resuming = job.state == "running";
    // Two jobs on one state file (a retry and its original) take turns.
    if (!resuming && busy_states.count(job.state_path)) continue;
    auto pid = spawn(job);
    if (!pid) {
      (void)queue_.mark_finished(job.id, "error", -1, pid.error().message);
      continue;
    }
    {
      std::lock_guard lock(mutex_);
      children_[*pid] = job.id;
    }
    (void)queue_.mark_running(job.id, *pid);
    busy_states.insert(job.state_path);
    ++running;
  }
}

void JobRunner::loop() {
  while (true) {
    reap();
    bool stopping = false;
    {
      std::lock_guard lock(mutex_);
      stopping = stopping_;
      if (stopping && children_.empty()) return;
    }
    if (!stopping) start_queued();
    std::unique_lock lock(mutex_);
    // Stopping: look for ended children often; otherwise a tick, or a wake-up.
    wake_.wait_for(lock, stopping ? kTick / 4 : kTick,
                   [&] { return woken_ || (stopping_ && !stopping); });
    woken_ = false;
  }
}

}  // namespace culprit::serve
