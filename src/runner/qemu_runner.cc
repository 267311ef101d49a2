#include "runner/qemu_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "base/interrupt.h"
#include "base/process.h"
#include "report/report.h"
#include "runner/initramfs.h"
#include "runner/run_queue.h"

extern char** environ;

namespace culprit::runner {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kConsoleLimit = 4u << 20;  // bytes of console kept per run (the tail)
// After the init's "done", QEMU should exit at once (reboot + -no-reboot); past this, it is
// stopped.
constexpr std::chrono::seconds kExitAfterDone{30};
// After a host failed under a run, its slot waits this long before taking another, so that the
// run given back goes to another slot when one is free.
constexpr std::chrono::seconds kRequeuePause{2};
// Under KVM the kernel prints its banner within a second or two; a nested KVM that does not work
// hangs in the firmware or makes QEMU abort. Until one KVM boot has worked, this long without the
// banner means KVM is unusable here and the run is done again under TCG.
constexpr std::chrono::seconds kKvmProbeTimeout{20};
// What QEMU prints when KVM itself fails under a running guest (then it pauses the VM, which would
// otherwise sit until the boot or no-output timeout). Seen here: a KVM that boots the kernel and
// then cannot emulate an XRSTOR ("KVM internal error. Suberror: 1 ... emulation failure"). The
// guest's code is not at fault, so the run is done again under TCG and KVM is not used again.
constexpr std::array<std::string_view, 3> kKvmFailureLines = {
    "KVM internal error.", "KVM: entry failed", "error: kvm run failed"};

bool is_kvm_failure_line(std::string_view line) {
  for (std::string_view prefix : kKvmFailureLines) {
    if (line.starts_with(prefix)) return true;
  }
  return false;
}

double seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

std::string last_nonempty_line(const std::string& text) {
  std::istringstream in(text);
  std::string line, last;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t") != std::string::npos) last = line;
  }
  return last;
}

// A console line without the "[  12.345678]" printk time stamp.
std::string_view without_timestamp(std::string_view line) {
  if (line.starts_with('[')) {
    std::size_t close = line.find(']');
    if (close != std::string_view::npos && close < 20) {
      line.remove_prefix(close + 1);
      while (line.starts_with(' ')) line.remove_prefix(1);
    }
  }
  return line;
}

// The VM's process (QEMU, or ssh running it on a host), started with its stdout and stderr on one
// pipe, in a process group of its own (so the interrupt handler can stop it). With `keep_stdin`,
// its stdin is a pipe held open until the VM is stopped (ssh's session then ends, and the remote
// watcher stops QEMU there); else /dev/null.
struct Vm {
  pid_t pid = -1;
  int output = -1;
  int input = -1;  // our end of its stdin, or -1
};

Result<Vm> start_vm(const std::vector<std::string>& argv, bool keep_stdin) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return make_error(std::string("pipe: ") + std::strerror(errno));
  int input[2] = {-1, -1};
  if (keep_stdin && pipe2(input, O_CLOEXEC) != 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return make_error(std::string("pipe: ") + std::strerror(errno));
  }
  posix_spawnattr_t attr;
  posix_spawn_file_actions_t actions;
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_init(&actions);
  sigset_t all_signals, no_signals;
  sigfillset(&all_signals);
  sigemptyset(&no_signals);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setsigdefault(&attr, &all_signals);
  posix_spawnattr_setsigmask(&attr, &no_signals);
  if (keep_stdin) {
    posix_spawn_file_actions_adddup2(&actions, input[0], STDIN_FILENO);
  } else {
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  }
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
  std::vector<std::string> args = argv;
  std::vector<char*> pointers;
  for (std::string& arg : args) pointers.push_back(arg.data());
  pointers.push_back(nullptr);
  pid_t pid = -1;
  int err = posix_spawnp(&pid, args[0].c_str(), &actions, &attr, pointers.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(fds[1]);
  if (input[0] >= 0) ::close(input[0]);
  if (err != 0) {
    ::close(fds[0]);
    if (input[1] >= 0) ::close(input[1]);
    if (err == ENOENT) {
      return make_error(fmt::format("{} not found (install the {} package)", argv[0],
                                    keep_stdin ? "openssh-client" : "qemu-system-x86"));
    }
    return make_error(fmt::format("cannot start {}: {}", argv[0], std::strerror(err)));
  }
  register_child_group(pid);
  fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
  return Vm{pid, fds[0], input[1]};
}

// How the VM's run ended, before classification.
enum class Stop {
  exited,
  crash,
  boot_timeout,
  no_output,
  run_timeout,
  done_no_exit,
  kvm_stuck,
  kvm_failed
};

}  // namespace

Status check_qemu(const std::string& qemu) {
  ProcessSpec spec;
  spec.argv = {qemu, "--version"};
  spec.timeout = std::chrono::seconds(30);
  Result<ProcessResult> process = run_process(spec);
  if (!process.ok() || process->end != ProcessResult::End::exited || process->exit_status != 0) {
    return make_error(fmt::format("cannot run {} (install the qemu-system-x86 package)", qemu));
  }
  return {};
}

bool kvm_usable() {
  int fd = ::open("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

long available_memory_mb() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  long value = 0;
  std::string unit;
  while (in >> key >> value >> unit) {
    if (key == "MemAvailable:") return value / 1024;
  }
  return 0;
}

int vms_that_fit(int vms, int memory_mb, long available_mb) {
  constexpr long kQemuOverheadMb = 128;
  constexpr long kHostReserveMb = 512;
  if (available_mb <= 0) return std::max(vms, 1);
  long usable = available_mb - kHostReserveMb;
  long fit = usable / (memory_mb + kQemuOverheadMb);
  return static_cast<int>(std::clamp<long>(fit, 1, std::max(vms, 1)));
}

std::string kernel_cmdline(const QemuRunConfig& config) {
  std::string line = fmt::format("console=ttyS0 panic=-1 oops=panic {}={}", kRunTimeParameter,
                                 config.run_time.count());
  if (!config.cmdline.empty()) line += " " + config.cmdline;
  return line;
}

std::vector<std::string> qemu_argv(const QemuRunConfig& config, const std::string& kernel_image,
                                   bool use_kvm) {
  std::vector<std::string> argv = {config.qemu,
                                   "-nographic",
                                   "-no-reboot",
                                   "-nic",
                                   "none",
                                   "-m",
                                   std::to_string(config.memory_mb),
                                   "-smp",
                                   std::to_string(config.cpus)};
  if (use_kvm) {
    argv.insert(argv.end(), {"-accel", "kvm", "-cpu", "host"});
  } else {
    argv.insert(argv.end(), {"-accel", "tcg"});
  }
  argv.insert(argv.end(), {"-kernel", kernel_image, "-initrd", config.initramfs, "-append",
                           kernel_cmdline(config)});
  return argv;
}

bool is_crash_line(std::string_view line) {
  line = without_timestamp(line);
  // An indented line continues (or quotes) a report; it does not start one.
  if (line.starts_with(' ') || line.starts_with('\t')) return false;
  return report::starts_crash_report(line);
}

std::string clean_console(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '\r') continue;
    if (c == '\x1b') {
      if (i + 1 < raw.size() && raw[i + 1] == '[') {
        std::size_t j = i + 2;  // CSI: parameters, then one final byte in @..~
        while (j < raw.size() && !(raw[j] >= '@' && raw[j] <= '~')) ++j;
        i = j;
      } else {
        ++i;  // a two-byte escape ("ESC c")
      }
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::chrono::seconds remote_vm_limit(const QemuRunConfig& config) {
  return config.boot_timeout + config.run_time + config.no_output_timeout + config.crash_grace +
         kExitAfterDone + std::chrono::seconds(60);
}

QemuRunner::QemuRunner(QemuRunConfig config) : config_(std::move(config)) {
  switch (config_.accelerator) {
    case Accelerator::automatic:
      use_kvm_ = kvm_usable();
      break;
    case Accelerator::kvm:
      use_kvm_ = true;
      break;
    case Accelerator::tcg:
      use_kvm_ = false;
      break;
  }
  hosts_ = std::make_unique<VmHostPool>(config_.hosts, config_.log);
}

QemuRunner::~QemuRunner() = default;

Status QemuRunner::prepare_hosts() {
  if (!hosts_prepared_) {
    hosts_prepared_ = true;
    if (Status prepared = hosts_->prepare(config_.qemu, config_.memory_mb); !prepared.ok()) {
      prepare_error_ = prepared.error();
    }
  }
  if (prepare_error_) return *prepare_error_;
  return {};
}

int QemuRunner::slots() const {
  return config_.vms + hosts_->usable_slots();
}

std::string QemuRunner::hosts_summary() const {
  return hosts_->summary();
}

std::size_t QemuRunner::copies() const {
  return hosts_->files().copies();
}

std::uint64_t QemuRunner::bytes_copied() const {
  return hosts_->files().bytes_copied();
}

ReproRun QemuRunner::run_one(const RunRequest& request, int index) const {
  std::optional<std::string> no_host_fault;
  return run_at(request, index, std::nullopt, no_host_fault);
}

ReproRun QemuRunner::run_at(const RunRequest& request, int index, Place place,
                            std::optional<std::string>& host_fault) const {
  const bool use_kvm = place ? hosts_->kvm(*place) : use_kvm_;
  std::atomic<int>& kvm_state = place ? hosts_->kvm_state(*place) : kvm_state_;
  if (use_kvm && kvm_state.load() >= 0) {
    bool kvm_failed = false;
    ReproRun run = boot(request, index, place, true, kvm_state, kvm_failed, host_fault);
    if (host_fault) return run;
    if (!kvm_failed) {
      kvm_state.store(1);
      return run;
    }
    if (kvm_state.exchange(-1) != -1) {
      std::string line = fmt::format(
          "{}{} ({}); using TCG", place ? "vm host " + hosts_->host(*place).name() + ": " : "",
          run.error.empty() ? "QEMU does not boot with KVM here" : "KVM failed here",
          run.error.empty() ? last_nonempty_line(run.console) : run.error);
      if (place && config_.log) {
        config_.log(line);
      } else {
        std::fprintf(stderr, "culprit: %s\n", line.c_str());
      }
    }
  }
  bool ignored = false;
  return boot(request, index, place, false, kvm_state, ignored, host_fault);
}

Result<std::vector<std::string>> QemuRunner::vm_argv(const std::string& image, Place place,
                                                     bool kvm) const {
  if (!place) return qemu_argv(config_, image, kvm);
  const VmHost& host = hosts_->host(*place);
  CULPRIT_ASSIGN_OR_RETURN(const std::string remote_image,
                           hosts_->files().ensure(host, image, "bzImage"));
  QemuRunConfig remote = config_;
  CULPRIT_ASSIGN_OR_RETURN(remote.initramfs,
                           hosts_->files().ensure(host, config_.initramfs, "initramfs"));
  return ssh_argv(
      host, remote_vm_command(remote_vm_limit(config_), qemu_argv(remote, remote_image, kvm)));
}

ReproRun QemuRunner::boot(const RunRequest& request, int index, Place place, bool kvm,
                          const std::atomic<int>& kvm_state, bool& kvm_failed,
                          std::optional<std::string>& host_fault) const {
  ReproRun run;
  run.index = index;
  std::error_code ec;
  fs::path image = config_.kernel_image ? config_.kernel_image(request) : request.artifact;
  image = fs::absolute(image, ec).lexically_normal();
  if (!fs::exists(image, ec)) {
    run.outcome = RunOutcome::infra_error;
    run.error = "no kernel image at " + image.string();
    return run;
  }
  fs::path artifacts = fs::path(request.job_dir) / "artifacts" / request.commit.substr(0, 12);
  fs::create_directories(artifacts, ec);

  Result<std::vector<std::string>> argv = vm_argv(image.string(), place, kvm);
  if (!argv) {
    // Only a host's copy fails here: the host's fault, not the commit's.
    run.outcome = RunOutcome::infra_error;
    run.error = fmt::format("vm host {}: {}", hosts_->host(*place).name(), argv.error().message);
    host_fault = argv.error().message;
    return run;
  }
  const Clock::time_point start = Clock::now();
  Result<Vm> vm = start_vm(*argv, place.has_value());
  if (!vm) {
    run.outcome = RunOutcome::infra_error;
    run.error = vm.error().message;
    return run;
  }

  std::string raw;
  std::size_t dropped = 0;
  std::string partial;  // the console line being printed
  bool kernel_started = false;
  bool booted = false;
  bool done = false;
  std::optional<std::string> crash_line;
  std::optional<std::string> kvm_failure;  // QEMU's own line
  bool crash_before_boot = false;
  Clock::time_point last_output = start, run_start = start, crash_at{}, done_at{};
  std::optional<Stop> stop;
  bool pipe_open = true;
  char buffer[64 << 10];

  auto on_line = [&](std::string_view line) {
    std::string text = clean_console(line);
    if (kvm && !kvm_failure && is_kvm_failure_line(text)) kvm_failure = text;
    if (!kernel_started && text.find("Linux version") != std::string::npos) kernel_started = true;
    if (!booted && text.find(kBootedMarker) != std::string::npos) {
      booted = true;
      run_start = Clock::now();
    } else if (booted && text.find(kDoneMarker) != std::string::npos) {
      done = true;
      done_at = Clock::now();
    } else if (!crash_line && kernel_started && is_crash_line(text)) {
      // Before the kernel's banner the console is the firmware's and the decompressor's, whose
      // "Booting the kernel." the oops table reads as an unexpected reboot.
      crash_line = std::string(without_timestamp(text));
      crash_before_boot = !booted;
      crash_at = Clock::now();
    }
  };

  while (!stop) {
    pollfd fd{vm->output, POLLIN, 0};
    if (pipe_open && poll(&fd, 1, 200) < 0 && errno != EINTR) break;
    while (pipe_open) {
      ssize_t n = ::read(vm->output, buffer, sizeof buffer);
      if (n > 0) {
        std::string_view chunk(buffer, static_cast<std::size_t>(n));
        raw.append(chunk);
        if (raw.size() > 2 * kConsoleLimit) {
          dropped += raw.size() - kConsoleLimit;
          raw.erase(0, raw.size() - kConsoleLimit);
        }
        last_output = Clock::now();
        for (std::size_t at; (at = chunk.find('\n')) != std::string_view::npos;) {
          partial.append(chunk.substr(0, at));
          on_line(partial);
          partial.clear();
          chunk.remove_prefix(at + 1);
        }
        partial.append(chunk);
      } else if (n == 0) {
        pipe_open = false;
      } else if (errno != EINTR) {
        if (errno != EAGAIN && errno != EWOULDBLOCK) pipe_open = false;
        break;
      }
    }
    if (!pipe_open) {
      if (!partial.empty()) on_line(partial);
      stop = Stop::exited;
      break;
    }
    Clock::time_point now = Clock::now();
    if (kvm_failure) {
      stop = Stop::kvm_failed;
    } else if (kvm && !kernel_started && kvm_state.load() == 0 && now - start >= kKvmProbeTimeout) {
      stop = Stop::kvm_stuck;
    } else if (crash_line) {
      if (now - crash_at >= config_.crash_grace) stop = Stop::crash;
    } else if (!booted) {
      if (now - start >= config_.boot_timeout) stop = Stop::boot_timeout;
    } else if (done) {
      if (now - done_at >= kExitAfterDone) stop = Stop::done_no_exit;
    } else if (now - last_output >= config_.no_output_timeout) {
      stop = Stop::no_output;
    } else if (now - run_start >= config_.run_time + config_.no_output_timeout) {
      stop = Stop::run_timeout;
    }
  }

  ::kill(-vm->pid, SIGKILL);
  int status = 0;
  while (waitpid(vm->pid, &status, 0) < 0 && errno == EINTR) {
  }
  unregister_child_group(vm->pid);
  ::close(vm->output);
  if (vm->input >= 0) ::close(vm->input);
  run.duration_s = seconds(Clock::now() - start);
  run.console = clean_console(raw);
  run.console_dropped = dropped;

  fs::path console_path =
      artifacts / (place ? fmt::format("console-{}-on-{}.log", index, hosts_->host(*place).name())
                         : fmt::format("console-{}.log", index));
  {
    std::ofstream out(console_path, std::ios::trunc);
    out << run.console;
    if (out) run.artifacts.push_back(console_path.string());
  }

  // ssh's own failure (connection refused or lost, host key rejected) before the run came to an
  // end of its own: the host's fault. A crash or the init's "done" already seen stands.
  if (place && stop == Stop::exited && WIFEXITED(status) &&
      WEXITSTATUS(status) == kSshFailureStatus && !done && !crash_line) {
    run.outcome = RunOutcome::infra_error;
    run.error = fmt::format("vm host {}: ssh failed: {}", hosts_->host(*place).name(),
                            last_nonempty_line(run.console));
    host_fault = "ssh failed: " + last_nonempty_line(run.console);
    run.title = run.error;
    return run;
  }
  bool qemu_failed = stop == Stop::exited && WIFEXITED(status) && WEXITSTATUS(status) != 0;
  bool qemu_killed = stop == Stop::exited && WIFSIGNALED(status);
  if (kvm && (!kernel_started || kvm_failure)) {
    kvm_failed = true;
    if (kvm_failure) run.error = *kvm_failure;
    return run;
  }
  if (stop == Stop::exited && WIFEXITED(status)) run.exit_status = WEXITSTATUS(status);
  if (stop == Stop::exited && WIFSIGNALED(status)) run.signal = WTERMSIG(status);

  if (crash_line && crash_before_boot) {
    run.outcome = RunOutcome::cannot_test;
    run.title = "boot failure: " + *crash_line;
  } else if (crash_line) {
    run.outcome = RunOutcome::crashed;
    run.title = *crash_line;
  } else if (qemu_failed || qemu_killed) {
    run.outcome = RunOutcome::infra_error;
    run.error =
        fmt::format("{} {}: {}", config_.qemu,
                    qemu_killed ? "was killed by signal " + signal_name(WTERMSIG(status))
                                : "exited with status " + std::to_string(WEXITSTATUS(status)),
                    last_nonempty_line(run.console));
    run.title = run.error;
  } else if (!booted) {
    if (stop == Stop::exited && !kernel_started) {
      run.outcome = RunOutcome::infra_error;
      run.error = fmt::format("{} printed nothing from the kernel: {}", config_.qemu,
                              last_nonempty_line(run.console));
      run.title = run.error;
    } else {
      run.outcome = RunOutcome::cannot_test;
      run.title = stop == Stop::boot_timeout
                      ? fmt::format("boot failure: no init after {}s", config_.boot_timeout.count())
                      : "boot failure: " + last_nonempty_line(run.console);
    }
  } else if (done) {
    run.outcome = RunOutcome::ok;
  } else if (stop == Stop::no_output || stop == Stop::run_timeout) {
    run.outcome = RunOutcome::crashed;
    run.timed_out = true;
    run.title = "no output from test machine";
  } else {
    // QEMU exited cleanly but the init never finished: the kernel rebooted under it.
    run.outcome = RunOutcome::crashed;
    run.title = "lost connection to test machine";
  }
  return run;
}

void QemuRunner::run(const RunRequest& request, std::span<const int> indices,
                     const std::function<void(const ReproRun&)>& on_done) {
  std::mutex done_mutex;
  auto report = [&](const ReproRun& run) {
    std::lock_guard lock(done_mutex);
    on_done(run);
  };
  if (Status prepared = prepare_hosts(); !prepared.ok()) {
    for (int index : indices) {
      ReproRun run;
      run.index = index;
      run.outcome = RunOutcome::infra_error;
      run.error = prepared.error().message;
      report(run);
    }
    return;
  }
  RunQueue queue(indices);
  std::atomic<bool> stopped{false};
  auto slot = [&](Place place) {
    for (;;) {
      if (place && !hosts_->usable(*place)) return;
      if (request.stop_requested && request.stop_requested()) {
        stopped = true;
        return;
      }
      std::optional<int> index = queue.take();
      if (!index) return;
      // A slot may have waited in take() for a run to come back; the stop or its host being set
      // aside may have come meanwhile.
      if (request.stop_requested && request.stop_requested()) {
        stopped = true;
        queue.requeue(*index);
        return;
      }
      if (place && !hosts_->usable(*place)) {
        queue.requeue(*index);
        return;
      }
      std::optional<std::string> host_fault;
      ReproRun run = run_at(request, *index, place, host_fault);
      if (host_fault) {
        // Not evidence: the run is done again on another slot (waiting threads take it now,
        // while this one waits a moment).
        queue.requeue(*index);
        if (!hosts_->record_failure(*place, *host_fault)) return;
        std::this_thread::sleep_for(kRequeuePause);
        continue;
      }
      if (place) hosts_->record_success(*place);
      report(run);
      queue.finished();
    }
  };
  std::vector<Place> places(static_cast<std::size_t>(std::max(config_.vms, 0)), std::nullopt);
  for (std::size_t host = 0; host < hosts_->size(); ++host) {
    if (!hosts_->usable(host)) continue;
    places.insert(places.end(), static_cast<std::size_t>(hosts_->slots(host)), Place(host));
  }
  // More slots than runs: the first ones (local first) take them, the rest wait in case a run
  // comes back from a failed host.
  std::vector<std::thread> threads;
  for (std::size_t t = 1; t < places.size(); ++t) threads.emplace_back(slot, places[t]);
  if (!places.empty()) slot(places[0]);
  for (std::thread& thread : threads) thread.join();
  if (stopped) return;
  for (int index : queue.left()) {
    ReproRun run;
    run.index = index;
    run.outcome = RunOutcome::infra_error;
    const std::string last = hosts_->last_failure();
    run.error = "no VM slot left: every VM host was set aside" +
                (last.empty() ? std::string() : "; the last: " + last);
    run.title = run.error;
    report(run);
  }
}

}  // namespace culprit::runner
