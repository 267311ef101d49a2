#include "runner/initramfs.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include <fmt/format.h>

#include "base/process.h"

namespace culprit::runner {
namespace {

namespace fs = std::filesystem;

// PID 1 of the test VM. Kept free of anything but libc so it links statically everywhere.
constexpr std::string_view kInitSource =
    R"(/* culprit's init: runs /repro repeatedly, then reboots. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(void) {
  mkdir("/dev", 0755);
  mkdir("/proc", 0755);
  mkdir("/sys", 0755);
  mkdir("/tmp", 01777);
  mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
  mount("proc", "/proc", "proc", 0, NULL);
  mount("sysfs", "/sys", "sysfs", 0, NULL);
  int fd = open("/dev/console", O_RDWR);
  if (fd >= 0) {
    dup2(fd, 0);
    dup2(fd, 1);
    dup2(fd, 2);
    if (fd > 2) close(fd);
  }
  setvbuf(stdout, NULL, _IONBF, 0);
  const char *run_time_text = getenv("@RUN_TIME_PARAMETER@");
  double run_time = run_time_text ? atof(run_time_text) : 10;
  printf("\n@BOOTED@ (run time %.0fs)\n", run_time);
  double start = now(), last_beat = start;
  long runs = 0;
  while (now() - start < run_time) {
    pid_t child = fork();
    if (child < 0) {
      printf("culprit-init: fork failed: %s\n", strerror(errno));
      sleep(1);
      continue;
    }
    if (child == 0) {
      setsid();
      if (chdir("/tmp") != 0) _exit(127);
      execl("/repro", "/repro", (char *)NULL);
      printf("culprit-init: cannot run /repro: %s\n", strerror(errno));
      _exit(127);
    }
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    kill(-child, SIGKILL); /* what the reproducer left running */
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
    runs++;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
      printf("culprit-init: reproducer could not start\n");
      break;
    }
    if (now() - last_beat >= 5) {
      last_beat = now();
      printf("@HEARTBEAT@ %ld\n", runs);
    }
  }
  printf("@DONE@ (%ld runs)\n", runs);
  sync();
  reboot(RB_AUTOBOOT);
  printf("culprit-init: reboot failed: %s\n", strerror(errno));
  for (;;) pause();
}
)";

void replace_all(std::string& text, std::string_view from, std::string_view to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at)) {
    text.replace(at, from.size(), to);
    at += to.size();
  }
}

// The first lines of compiler output that report errors, for a one-glance message.
std::string compiler_errors(const std::string& output) {
  std::istringstream in(output);
  std::string line;
  std::vector<std::string> errors;
  while (std::getline(in, line) && errors.size() < 5) {
    if (line.find("error") != std::string::npos) errors.push_back(line);
  }
  if (errors.empty()) {
    std::istringstream again(output);
    while (std::getline(again, line) && errors.size() < 5) errors.push_back(line);
  }
  return fmt::format("{}", fmt::join(errors, "; "));
}

}  // namespace

std::string_view init_source() {
  static const std::string source = [] {
    std::string text(kInitSource);
    replace_all(text, "@RUN_TIME_PARAMETER@", kRunTimeParameter);
    replace_all(text, "@BOOTED@", kBootedMarker);
    replace_all(text, "@HEARTBEAT@", kHeartbeatMarker);
    replace_all(text, "@DONE@", kDoneMarker);
    return text;
  }();
  return source;
}

Status compile_static(const std::string& source_file, const std::string& output) {
  const char* cc = std::getenv("CC");
  std::string compiler = cc != nullptr && *cc != '\0' ? cc : "cc";
  ProcessSpec spec;
  // $CC may carry arguments ("ccache gcc"): split on spaces, never through a shell.
  std::istringstream words(compiler);
  for (std::string word; words >> word;) spec.argv.push_back(word);
  for (const char* arg : {"-static", "-O2", "-pthread", "-o"}) spec.argv.emplace_back(arg);
  spec.argv.push_back(output);
  spec.argv.push_back(source_file);
  spec.timeout = std::chrono::seconds(300);
  Result<ProcessResult> process = run_process(spec);
  if (!process.ok()) {
    return make_error(
        fmt::format("cannot compile {}: {} (install gcc)", source_file, process.error().message));
  }
  if (process->end != ProcessResult::End::exited || process->exit_status != 0) {
    return make_error(fmt::format("{} does not compile with `{} -static`: {}", source_file,
                                  compiler, compiler_errors(process->output)));
  }
  return {};
}

Result<std::string> build_init(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  std::string source = (fs::path(dir) / "init.c").string();
  std::string binary = (fs::path(dir) / "init").string();
  {
    std::ofstream out(source, std::ios::trunc);
    out << init_source();
    if (!out) return make_error("cannot write " + source);
  }
  CULPRIT_TRY(compile_static(source, binary));
  return binary;
}

Status make_initramfs(const std::string& init, const std::string& reproducer,
                      const std::string& staging_dir, const std::string& output) {
  std::error_code ec;
  fs::remove_all(staging_dir, ec);
  fs::path root = fs::path(staging_dir);
  for (const char* dir : {"dev", "proc", "sys", "tmp"}) fs::create_directories(root / dir, ec);
  if (ec) return make_error(fmt::format("cannot create {}: {}", staging_dir, ec.message()));
  const auto executable = fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                          fs::perms::others_read | fs::perms::others_exec;
  for (const auto& [from, to] : {std::pair{init, "init"}, std::pair{reproducer, "repro"}}) {
    fs::copy_file(from, root / to, fs::copy_options::overwrite_existing, ec);
    if (ec) return make_error(fmt::format("cannot copy {}: {}", from, ec.message()));
    fs::permissions(root / to, executable, ec);
  }
  fs::permissions(root / "tmp", fs::perms::all | fs::perms::sticky_bit, ec);
  std::string list = (fs::absolute(staging_dir, ec).parent_path() / "initramfs.list").string();
  {
    std::ofstream out(list, std::ios::trunc);
    for (const char* entry : {".", "dev", "proc", "sys", "tmp", "init", "repro"}) {
      out << entry << "\n";
    }
    if (!out) return make_error("cannot write " + list);
  }
  std::string absolute_output = fs::absolute(output, ec).string();
  ProcessSpec spec;
  // cpio reads its file list on stdin: the shell only redirects, the paths come as arguments.
  spec.argv = {
      "/bin/sh",           "-c", "cpio --quiet -o -H newc -R 0:0 --reproducible < \"$1\" > \"$2\"",
      "culprit-initramfs", list, absolute_output};
  spec.working_dir = staging_dir;
  spec.timeout = std::chrono::seconds(120);
  Result<ProcessResult> process = run_process(spec);
  if (!process.ok()) return make_error("cannot run cpio: " + process.error().message);
  if (process->end != ProcessResult::End::exited || process->exit_status != 0) {
    bool missing = process->exit_status == 127;
    return make_error(missing ? std::string("cpio is not installed (install the cpio package)")
                              : "cpio failed: " + compiler_errors(process->output));
  }
  return {};
}

Result<VmFiles> prepare_vm_files(const std::string& dir, const std::string& repro_source,
                                 const std::string& repro_binary) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return make_error(fmt::format("cannot create {}: {}", dir, ec.message()));
  VmFiles files;
  if (!repro_source.empty()) {
    if (!fs::is_regular_file(repro_source, ec)) {
      return make_error("reproducer not found: " + repro_source);
    }
    files.reproducer = (fs::path(dir) / "repro").string();
    if (Status compiled = compile_static(repro_source, files.reproducer); !compiled.ok()) {
      return make_error("the reproducer does not compile: " + compiled.error().message);
    }
  } else {
    if (!fs::is_regular_file(repro_binary, ec)) {
      return make_error("reproducer binary not found: " + repro_binary);
    }
    files.reproducer = fs::absolute(repro_binary, ec).string();
  }
  CULPRIT_ASSIGN_OR_RETURN(files.init, build_init((fs::path(dir) / "init").string()));
  files.initramfs = (fs::absolute(dir, ec) / "initramfs.cpio").string();
  CULPRIT_TRY(make_initramfs(files.init, files.reproducer, (fs::path(dir) / "initramfs").string(),
                             files.initramfs));
  return files;
}

}  // namespace culprit::runner
