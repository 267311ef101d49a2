#include "base/process.h"

#include "base/interrupt.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>

extern char** environ;

namespace culprit {
namespace {

using Clock = std::chrono::steady_clock;

// How long we keep reading after the child has exited, for output its background children are
// still writing; past that, the group is killed and whatever is left unread is lost.
constexpr std::chrono::milliseconds kDrainGrace{200};
// Without a pidfd (kernels before 5.3) the child's exit is noticed by polling this often.
constexpr std::chrono::milliseconds kExitPollInterval{20};
constexpr std::size_t kReadChunk = 256u << 10;
// A larger pipe lets a chatty child run with fewer context switches; failure is harmless.
constexpr int kPipeSize = 1 << 20;

// Keeps the last `limit` bytes appended. Trimming moves bytes only once the buffer holds twice the
// limit, so each byte is moved at most once on average however much the child prints.
class TailBuffer {
 public:
  explicit TailBuffer(std::size_t limit) : limit_(limit) {}

  void append(std::string_view bytes) {
    if (bytes.size() >= limit_) {
      dropped_ += data_.size() + bytes.size() - limit_;
      data_.assign(bytes.substr(bytes.size() - limit_));
      return;
    }
    data_.append(bytes);
    if (data_.size() > 2 * limit_ && data_.size() > limit_ + kReadChunk) trim();
  }

  struct Tail {
    std::string bytes;
    std::size_t dropped = 0;
  };
  Tail finish() && {
    trim();
    return {std::move(data_), dropped_};
  }

 private:
  void trim() {
    if (data_.size() <= limit_) return;
    std::size_t excess = data_.size() - limit_;
    data_.erase(0, excess);
    dropped_ += excess;
  }

  std::size_t limit_;
  std::string data_;
  std::size_t dropped_ = 0;
};

// Closes a file descriptor when it goes out of scope.
class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  int get() const { return fd_; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

// The child's environment: ours, with `overrides` replacing or adding variables.
std::vector<std::string> child_environment(const std::map<std::string, std::string>& overrides) {
  std::vector<std::string> env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    std::string_view name = text.substr(0, text.find('='));
    if (!overrides.contains(std::string(name))) env.emplace_back(text);
  }
  for (const auto& [name, value] : overrides) env.push_back(name + "=" + value);
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  pointers.reserve(strings.size() + 1);
  for (std::string& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

// posix_spawn's attributes and file actions, destroyed on every path.
struct SpawnSetup {
  posix_spawnattr_t attr;
  posix_spawn_file_actions_t actions;
  SpawnSetup() {
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_init(&actions);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
};

// Starts the child with stdin from spec.stdin_file (default /dev/null) and stdout+stderr on
// `output_fd`, in a new process group, with default signal dispositions and an empty signal mask
// whatever ours are (a child that inherits an ignored SIGPIPE behaves differently in a pipeline).
Result<pid_t> spawn(const ProcessSpec& spec, int output_fd) {
  SpawnSetup setup;
  sigset_t all_signals;
  sigset_t no_signals;
  sigfillset(&all_signals);
  sigemptyset(&no_signals);
  posix_spawnattr_setflags(&setup.attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  posix_spawnattr_setpgroup(&setup.attr, 0);
  posix_spawnattr_setsigdefault(&setup.attr, &all_signals);
  posix_spawnattr_setsigmask(&setup.attr, &no_signals);

  const std::string stdin_file = spec.stdin_file.empty() ? "/dev/null" : spec.stdin_file;
  posix_spawn_file_actions_addopen(&setup.actions, STDIN_FILENO, stdin_file.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&setup.actions, output_fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&setup.actions, output_fd, STDERR_FILENO);
  // Descriptors we inherited without close-on-exec (from whoever started us) stay ours.
  posix_spawn_file_actions_addclosefrom_np(&setup.actions, STDERR_FILENO + 1);
  if (!spec.working_dir.empty()) {
    posix_spawn_file_actions_addchdir_np(&setup.actions, spec.working_dir.c_str());
  }

  std::vector<std::string> argv = spec.argv;
  std::vector<char*> argv_pointers = c_strings(argv);
  std::vector<std::string> env = child_environment(spec.env);
  std::vector<char*> env_pointers = c_strings(env);

  pid_t pid = -1;
  int err = posix_spawnp(&pid, argv[0].c_str(), &setup.actions, &setup.attr, argv_pointers.data(),
                         env_pointers.data());
  if (err == ENOENT) return make_error("command not found: " + spec.argv[0]);
  if (err != 0) return make_error("cannot run " + spec.argv[0] + ": " + std::strerror(err));
  return pid;
}

// Whether the child has ended, without reaping it: while it is a zombie its pid, and so its
// process group id, cannot be reused, which makes killing the group afterwards safe.
bool has_exited(pid_t pid) {
  siginfo_t info{};
  while (true) {
    if (waitid(P_PID, pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0) return info.si_pid == pid;
    if (errno != EINTR) return true;  // no such child: nothing left to wait for
  }
}

int reap(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

int milliseconds_until(Clock::time_point when) {
  auto left = std::chrono::ceil<std::chrono::milliseconds>(when - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 1 << 30));
}

}  // namespace

Result<ProcessResult> run_process(const ProcessSpec& spec) {
  if (spec.argv.empty() || spec.argv[0].empty()) return make_error("empty command");
  if (!spec.working_dir.empty()) {
    struct stat info {};
    if (::stat(spec.working_dir.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
      return make_error("working directory not found: " + spec.working_dir);
    }
  }

  // Close-on-exec on both ends: children spawned by other threads at the same time must not hold
  // our pipe open (we would never see its end). dup2 onto 1 and 2 clears the flag in our child.
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return make_error(std::string("cannot create a pipe: ") + std::strerror(errno));
  }
  UniqueFd read_end(pipe_fds[0]);
  UniqueFd write_end(pipe_fds[1]);
  fcntl(read_end.get(), F_SETPIPE_SZ, kPipeSize);
  fcntl(read_end.get(), F_SETFL, fcntl(read_end.get(), F_GETFL) | O_NONBLOCK);

  const Clock::time_point start = Clock::now();
  Result<pid_t> spawned = spawn(spec, write_end.get());
  write_end.reset();
  if (!spawned.ok()) return spawned.error();
  const pid_t pid = *spawned;
  register_child_group(pid);

  // A pidfd makes the child's exit wake poll() at once; without one we poll at an interval.
  UniqueFd pid_fd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));

  // A plain time point and a flag rather than std::optional: GCC 12 warns (wrongly) that an
  // optional time point may be read uninitialized.
  const bool has_deadline = spec.timeout.count() > 0;
  const Clock::time_point deadline = has_deadline ? start + spec.timeout : Clock::time_point::max();
  TailBuffer tail(spec.output_limit);
  std::string chunk(kReadChunk, '\0');
  bool pipe_open = true;
  bool exited = false;
  bool timed_out = false;
  Clock::time_point drain_until{};

  while (true) {
    if (!exited && has_exited(pid)) {
      exited = true;
      drain_until = Clock::now() + kDrainGrace;
    }
    if (exited && (!pipe_open || Clock::now() >= drain_until)) break;
    if (!exited && !timed_out && has_deadline && Clock::now() >= deadline) {
      kill(-pid, SIGKILL);
      timed_out = true;
    }

    int wait_ms = -1;
    if (exited) {
      wait_ms = milliseconds_until(drain_until);
    } else {
      if (has_deadline && !timed_out) wait_ms = milliseconds_until(deadline);
      if (pid_fd.get() < 0) {
        int interval = static_cast<int>(kExitPollInterval.count());
        wait_ms = wait_ms < 0 ? interval : std::min(wait_ms, interval);
      }
    }
    pollfd fds[2];
    nfds_t count = 0;
    if (pipe_open) fds[count++] = {read_end.get(), POLLIN, 0};
    if (!exited && pid_fd.get() >= 0) fds[count++] = {pid_fd.get(), POLLIN, 0};
    if (poll(fds, count, wait_ms) < 0 && errno != EINTR) break;

    // Read what is there now; poll again once the pipe is empty.
    while (pipe_open) {
      ssize_t n = ::read(read_end.get(), chunk.data(), chunk.size());
      if (n > 0) {
        tail.append(std::string_view(chunk.data(), static_cast<std::size_t>(n)));
        if (static_cast<std::size_t>(n) < chunk.size()) break;
      } else if (n == 0) {
        pipe_open = false;
      } else if (errno == EINTR) {
        continue;
      } else {
        if (errno != EAGAIN && errno != EWOULDBLOCK) pipe_open = false;
        break;
      }
    }
  }

  // Whatever the child left running in its group goes with it (the zombie keeps the group id ours).
  kill(-pid, SIGKILL);
  unregister_child_group(pid);
  const int status = reap(pid);

  ProcessResult result;
  result.duration = Clock::now() - start;
  if (timed_out) {
    result.end = ProcessResult::End::timed_out;
    result.signal = SIGKILL;
  } else if (WIFSIGNALED(status)) {
    result.end = ProcessResult::End::signaled;
    result.signal = WTERMSIG(status);
  } else {
    result.end = ProcessResult::End::exited;
    result.exit_status = WEXITSTATUS(status);
  }
  TailBuffer::Tail output = std::move(tail).finish();
  result.output = std::move(output.bytes);
  result.output_dropped = output.dropped;
  return result;
}

std::vector<std::string> shell_argv(const std::string& command) {
  return {"/bin/sh", "-c", command};
}

std::string signal_name(int signal) {
  const char* name = sigabbrev_np(signal);
  return name != nullptr ? std::string(name) : std::to_string(signal);
}

}  // namespace culprit
