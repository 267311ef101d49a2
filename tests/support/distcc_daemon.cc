#include "support/distcc_daemon.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

extern char** environ;

namespace culprit::testing {
namespace {

std::size_t count_of(const std::string& text, const std::string& part) {
  std::size_t count = 0;
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) {
    ++count;
  }
  return count;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The parent of process `pid` from /proc/PID/stat ("PID (COMM) STATE PPID ..."); 0 when gone.
pid_t parent_of(pid_t pid) {
  const std::string stat = slurp("/proc/" + std::to_string(pid) + "/stat");
  const std::size_t comm_end = stat.rfind(')');
  if (comm_end == std::string::npos) return 0;
  std::istringstream fields(stat.substr(comm_end + 1));
  std::string state;
  pid_t parent = 0;
  fields >> state >> parent;
  return parent;
}

// Every process below `root` in the process tree, parents before children.
std::vector<pid_t> descendants_of(pid_t root) {
  std::vector<std::pair<pid_t, pid_t>> processes;  // (pid, parent)
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = std::stoi(name);
    processes.emplace_back(pid, parent_of(pid));
  }
  std::vector<pid_t> found = {root};
  for (std::size_t i = 0; i < found.size(); ++i) {
    for (const auto& [pid, parent] : processes) {
      if (parent == found[i]) found.push_back(pid);
    }
  }
  found.erase(found.begin());
  return found;
}

}  // namespace

int free_local_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t size = sizeof(address);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

std::unique_ptr<DistccDaemon> DistccDaemon::start(Options options) {
  // distccd forks its workers; killed, they would be re-parented to init and linger as zombies.
  // As a subreaper this test process inherits them and reaps them in stop().
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  std::unique_ptr<DistccDaemon> daemon(new DistccDaemon());
  ::chmod(daemon->dir_.path().c_str(), 0755);  // distccd runs as the user distccd
  daemon->log_path_ = daemon->dir_ / "distccd.log";
  // Another process may take the port between free_local_port() and distccd's bind: try again.
  for (int attempt = 0; attempt < 3; ++attempt) {
    daemon->port_ = free_local_port();
    int log_fd = ::open(daemon->log_path_.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0666);
    if (log_fd < 0) break;
    ::fchmod(log_fd, 0666);
    ::close(log_fd);
    const std::vector<std::string> args = {"/usr/bin/distccd",
                                           "--no-detach",
                                           "--daemon",
                                           "--listen",
                                           "127.0.0.1",
                                           "--port",
                                           std::to_string(daemon->port_),
                                           "--allow",
                                           "127.0.0.1",
                                           "--log-file",
                                           daemon->log_path_,
                                           "--log-level",
                                           "info",
                                           "--jobs",
                                           std::to_string(options.jobs)};
    std::vector<char*> argv;
    for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    std::vector<std::string> env_strings;
    for (char** entry = environ; *entry != nullptr; ++entry) {
      if (!options.path_env.empty() && std::strncmp(*entry, "PATH=", 5) == 0) continue;
      env_strings.emplace_back(*entry);
    }
    if (!options.path_env.empty()) env_strings.push_back("PATH=" + options.path_env);
    std::vector<char*> envp;
    for (std::string& entry : env_strings) envp.push_back(entry.data());
    envp.push_back(nullptr);

    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attributes, 0);  // its own group: stop() kills it whole
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    int spawned =
        posix_spawn(&daemon->pid_, argv[0], &actions, &attributes, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (spawned != 0) {
      daemon->pid_ = -1;
      ADD_FAILURE() << "cannot start /usr/bin/distccd: " << std::strerror(spawned)
                    << " (install the distcc package)";
      return nullptr;
    }
    // distccd logs "listening on 127.0.0.1:PORT" once it listens: connections queue from then.
    const std::string listening = "listening on 127.0.0.1:" + std::to_string(daemon->port_);
    for (int wait = 0; wait < 200; ++wait) {
      if (daemon->log().find(listening) != std::string::npos) return daemon;
      int status = 0;
      if (::waitpid(daemon->pid_, &status, WNOHANG) == daemon->pid_) {
        daemon->pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    daemon->stop();
  }
  ADD_FAILURE() << "distccd did not start; its log:\n" << daemon->log();
  return nullptr;
}

DistccDaemon::~DistccDaemon() {
  stop();
}

void DistccDaemon::stop() {
  if (pid_ <= 0) return;
  // The workers share the daemon's group, but each compiler they run gets a group of its own. So:
  // freeze the group (no worker starts another compiler), list every descendant, kill them all.
  ::kill(-pid_, SIGSTOP);
  const std::vector<pid_t> descendants = descendants_of(pid_);
  ::kill(-pid_, SIGKILL);
  for (pid_t pid : descendants) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  // Orphaned by the daemon's death, they are this process's children now (a subreaper).
  for (pid_t pid : descendants) {
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  // Workers of a daemon that someone else killed are this process's already, not the daemon's.
  while (::waitpid(-pid_, &status, 0) > 0 || errno == EINTR) {
  }
  pid_ = -1;
}

std::string DistccDaemon::address() const {
  return "127.0.0.1:" + std::to_string(port_);
}

std::string DistccDaemon::farm_spec(int slots) const {
  return "distcc://" + address() + "?slots=" + std::to_string(slots);
}

std::string DistccDaemon::log() const {
  return slurp(log_path_);
}

int DistccDaemon::compiles_ok() const {
  // A worker logs its job's summary after the client has the result: wait for the summary of
  // every job begun ("compile from x.c to x.o") while the daemon runs, or a count read right
  // after a compile could miss it.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::string text = log();
  while (pid_ > 0 && count_of(text, "(dcc_job_summary)") < count_of(text, " compile from ") &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    text = log();
  }
  return static_cast<int>(count_of(text, " COMPILE_OK "));
}

bool DistccDaemon::wait_for_compiles(int count, std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  // The log as it is, not settled: a busy daemon always has a job begun.
  while (static_cast<int>(count_of(log(), " COMPILE_OK ")) < count) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

}  // namespace culprit::testing
