#include "base/orphan_reaper.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>
#include <string>

namespace culprit {
namespace {

int g_pipe = -1;  // write end, culprit's side
std::mutex g_mutex;

// Messages are "+PGID\n" and "-PGID\n", each written with one write() (under PIPE_BUF bytes, so
// never interleaved).
void send(char sign, pid_t group) {
  std::lock_guard lock(g_mutex);
  if (g_pipe < 0) return;
  char message[32];
  const int length =
      std::snprintf(message, sizeof message, "%c%d\n", sign, static_cast<int>(group));
  ssize_t written;
  do {
    written = write(g_pipe, message, static_cast<std::size_t>(length));
  } while (written < 0 && errno == EINTR);
}

[[noreturn]] void watch(int read_end) {
  // Quiet and detached from culprit's terminal signals: only the pipe ends it.
  signal(SIGINT, SIG_IGN);
  signal(SIGTERM, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGUSR1, SIG_IGN);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  prctl(PR_SET_NAME, "culprit-reaper", 0, 0, 0);
  const int null = open("/dev/null", O_RDWR);
  if (null >= 0) {
    dup2(null, STDIN_FILENO);
    dup2(null, STDOUT_FILENO);
    dup2(null, STDERR_FILENO);
    if (null > STDERR_FILENO) close(null);
  }
  std::set<pid_t> groups;
  std::string pending;
  char buffer[4096];
  for (;;) {
    const ssize_t got = read(read_end, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    pending.append(buffer, static_cast<std::size_t>(got));
    std::size_t end;
    while ((end = pending.find('\n')) != std::string::npos) {
      const std::string line = pending.substr(0, end);
      pending.erase(0, end + 1);
      if (line.size() < 2) continue;
      const pid_t group = static_cast<pid_t>(std::atoi(line.c_str() + 1));
      if (group <= 1) continue;
      if (line[0] == '+') groups.insert(group);
      if (line[0] == '-') groups.erase(group);
    }
  }
  for (pid_t group : groups) kill(-group, SIGKILL);
  _exit(0);
}

}  // namespace

void start_orphan_reaper() {
  std::lock_guard lock(g_mutex);
  if (g_pipe >= 0) return;
  int ends[2];
  if (pipe2(ends, O_CLOEXEC) != 0) return;  // no reaper: children may outlive a SIGKILL
  const pid_t pid = fork();
  if (pid < 0) {
    close(ends[0]);
    close(ends[1]);
    return;
  }
  if (pid == 0) {
    close(ends[1]);
    watch(ends[0]);
  }
  close(ends[0]);
  g_pipe = ends[1];
}

void reaper_track(pid_t group) {
  send('+', group);
}

void reaper_untrack(pid_t group) {
  send('-', group);
}

}  // namespace culprit
