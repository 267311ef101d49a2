// Console parser throughput and memory.
//
//   BM_ParseCorpus      every case file of shared/testdata/{linux,all}/report concatenated
//                       (full of crashes: measures report extraction)
//   BM_ParseCleanLog    a generated boot-and-run log without any crash (measures the scan), and,
//                       in the same run, `grep -c -E '<report headers>'` over the same file
//   BM_CrashDense       the corpus repeated to CULPRIT_BENCH_DENSE_BYTES (default 64 MiB), fed to
//                       report::ConsoleStream in 1 MiB pieces as `culprit report` does; in the same
//                       run a clean log of the same size parsed the same way and `grep -c` of the
//                       report headers over the crash-dense file: MB/s of each and the ratios.
//                       Each is timed CULPRIT_BENCH_ROUNDS times (default 3), in turn, and the
//                       best round counts, in CPU time (the machine may be shared: CPU time is
//                       what the work costs, wall time what the neighbours left of it) and in
//                       wall time (*_wall counters). The patterns are compiled and warmed up on
//                       the corpus first; cold_ms is what that first parse cost.
//   BM_ReportCommandRss `culprit report FILE >/dev/null` on the corpus repeated to
//                       CULPRIT_BENCH_RSS_BYTES (default 1 GiB): peak RSS and MB/s of the process
//
// Environment: CULPRIT_BENCH_LOG_BYTES sets the clean log size (default 1 GiB); logs are
// generated once into $TMPDIR (or /tmp) and reused. CULPRIT_SHARED_DIR overrides the location of
// the shared test data (default: ../shared next to the source tree).
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "report/console_stream.h"
#include "report/oops_table.h"
#include "report/report.h"

namespace {

namespace fs = std::filesystem;

fs::path shared_dir() {
  if (const char* env = std::getenv("CULPRIT_SHARED_DIR")) return env;
  return fs::path(__FILE__).parent_path().parent_path().parent_path() / "shared";
}

std::string read_bytes(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream data;
  data << file.rdbuf();
  return std::move(data).str();
}

const std::string& corpus() {
  static const std::string data = [] {
    std::string all;
    for (const char* dir : {"testdata/linux/report", "testdata/all/report"}) {
      fs::path path = shared_dir() / dir;
      if (!fs::is_directory(path)) continue;
      for (const auto& entry : fs::directory_iterator(path)) all += read_bytes(entry.path());
    }
    return all;
  }();
  return data;
}

std::size_t size_from_env(const char* name, std::size_t fallback) {
  if (const char* env = std::getenv(name)) return std::stoull(env);
  return fallback;
}

fs::path temp_path(const std::string& name) {
  const char* tmp = std::getenv("TMPDIR");
  return fs::path(tmp != nullptr ? tmp : "/tmp") / name;
}

// The corpus repeated (whole case files) until the file has `size` bytes.
fs::path dense_log_file(std::size_t size) {
  fs::path path = temp_path("culprit-report-bench-dense-" + std::to_string(size) + ".log");
  std::error_code error;
  if (fs::exists(path, error) && fs::file_size(path, error) == size) return path;
  const std::string& data = corpus();
  if (data.empty()) return {};
  std::FILE* out = std::fopen(path.c_str(), "wb");
  if (out == nullptr) return {};
  for (std::size_t written = 0; written < size;) {
    std::size_t length = std::min(data.size(), size - written);
    std::fwrite(data.data(), 1, length, out);
    written += length;
  }
  std::fclose(out);
  return path;
}

// Writes a plausible console log of a booting and fuzzing VM (timestamps, caller tags, audit,
// file system, network and executor messages) without any report header.
fs::path clean_log_file(std::size_t size) {
  fs::path path = temp_path("culprit-report-bench-" + std::to_string(size) + ".log");
  std::error_code error;
  if (fs::exists(path, error) && fs::file_size(path, error) == size) return path;
  static const char* const kMessages[] = {
      "audit: type=1400 audit(%u.%03u:%u): avc:  denied  { read } for  pid=%u comm=\"syz.%u.%u\" "
      "name=\"loop%u\" dev=\"devtmpfs\" ino=%u scontext=root:sysadm_r:sysadm_t tclass=blk_file",
      "EXT4-fs (loop%u): mounted filesystem %08x-0000-0000-0000-%012x r/w without journal. "
      "Quota mode: none. (pid %u, syz.%u.%u)",
      "netdevsim netdevsim%u netdevsim%u: set [1, 0] type 2 family 0 port %u - 0",
      "loop%u: detected capacity change from 0 to %u",
      "bridge0: port %u(bridge_slave_%u) entered forwarding state (pid %u, id %u)",
      "syz.%u.%u: attempt to access beyond end of device loop%u: rw=0, sector=%u, nr_sectors = %u",
      "IPv6: ADDRCONF(NETDEV_CHANGE): veth%u: link becomes ready (%u %u %u)",
      "random: crng reseeded on system resumption after %u.%u seconds (%u %u)",
      "usb %u-1: new high-speed USB device number %u using dummy_hcd (%u %u)",
      "kworker/%u:%u: slow path taken for request %u of %u",
  };
  std::mt19937 random(42);
  std::FILE* out = std::fopen(path.c_str(), "wb");
  if (out == nullptr) return {};
  std::size_t written = 0;
  double clock = 0.5;
  char line[512];
  while (written < size) {
    clock += (random() % 1000) / 100000.0;
    int head = std::snprintf(line, sizeof(line), "[%6u.%06u][ T%5u] ", static_cast<unsigned>(clock),
                             static_cast<unsigned>((clock - static_cast<unsigned>(clock)) * 1e6),
                             static_cast<unsigned>(random() % 30000));
    const char* message = kMessages[random() % std::size(kMessages)];
    unsigned a[8];
    for (unsigned& value : a) value = random() % 100000;
    int body = std::snprintf(line + head, sizeof(line) - head, message, a[0], a[1], a[2], a[3],
                             a[4], a[5], a[6], a[7]);
    std::size_t length = static_cast<std::size_t>(head + body);
    line[length++] = '\n';
    if (written + length > size) {
      // Pad the end so the file has exactly the requested size.
      length = size - written;
      if (length > 0) line[length - 1] = '\n';
    }
    std::fwrite(line, 1, length, out);
    written += length;
  }
  std::fclose(out);
  return path;
}

// An extended regular expression matching any report header of the parser's table.
std::string header_alternation() {
  std::string pattern;
  for (const culprit::report::OopsKind& kind : culprit::report::console_rules().kinds) {
    if (!pattern.empty()) pattern += '|';
    for (char c : kind.header) {
      if (std::string_view(".[]()*+?{}|^$\\").find(c) != std::string_view::npos) pattern += '\\';
      pattern += c;
    }
  }
  return pattern;
}

// Seconds of wall and CPU time.
struct Timing {
  double wall = 0;
  double cpu = 0;
};

// The better of two timings, each measure on its own.
Timing best_of(const Timing& a, const Timing& b) {
  return {std::min(a.wall, b.wall), std::min(a.cpu, b.cpu)};
}

double thread_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

// `grep -c -E <headers> file` (output discarded): its wall time, and its CPU time (user and
// system) from its rusage.
Timing time_grep(const fs::path& file) {
  std::string pattern = header_alternation();
  auto started = std::chrono::steady_clock::now();
  pid_t child = fork();
  if (child == 0) {
    std::FILE* null = std::freopen("/dev/null", "w", stdout);
    (void)null;
    execlp("grep", "grep", "-c", "-E", pattern.c_str(), file.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  rusage usage{};
  wait4(child, &status, 0, &usage);
  auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6;
  };
  return {std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
          seconds(usage.ru_utime) + seconds(usage.ru_stime)};
}

void BM_ParseCorpus(benchmark::State& state) {
  const std::string& log = corpus();
  if (log.empty()) {
    state.SkipWithError("corpus not found; set CULPRIT_SHARED_DIR");
    return;
  }
  std::size_t reports = 0;
  for (auto _ : state) {
    std::vector<culprit::report::CrashReport> found = culprit::report::parse_console(log);
    reports = found.size();
    benchmark::DoNotOptimize(found);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * log.size()));
  state.counters["reports"] = static_cast<double>(reports);
}
BENCHMARK(BM_ParseCorpus)->Unit(benchmark::kMillisecond);

void BM_ParseCleanLog(benchmark::State& state) {
  fs::path file = clean_log_file(size_from_env("CULPRIT_BENCH_LOG_BYTES", std::size_t{1} << 30));
  if (file.empty()) {
    state.SkipWithError("cannot write the generated log");
    return;
  }
  const std::string log = read_bytes(file);
  double grep_seconds = time_grep(file).wall;
  std::size_t reports = 0;
  auto started = std::chrono::steady_clock::now();
  for (auto _ : state) {
    std::vector<culprit::report::CrashReport> found = culprit::report::parse_console(log);
    reports += found.size();
    benchmark::DoNotOptimize(found);
  }
  double ours = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() /
                static_cast<double>(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * log.size()));
  state.counters["false_reports"] = static_cast<double>(reports);
  state.counters["grep_MB/s"] = static_cast<double>(log.size()) / 1e6 / grep_seconds;
  // Below 1: faster than grep over the same file.
  state.counters["time_vs_grep"] = ours / grep_seconds;
}
BENCHMARK(BM_ParseCleanLog)->Unit(benchmark::kMillisecond)->Iterations(3);

// Time to parse `log` with a ConsoleStream fed 1 MiB at a time; `reports` gets the count.
Timing stream_time(std::string_view log, std::size_t& reports) {
  reports = 0;
  auto started = std::chrono::steady_clock::now();
  double cpu_started = thread_cpu_seconds();
  culprit::report::ConsoleStream stream([&](culprit::report::CrashReport report) {
    ++reports;
    benchmark::DoNotOptimize(report);
  });
  constexpr std::size_t kPiece = std::size_t{1} << 20;
  for (std::size_t pos = 0; pos < log.size(); pos += kPiece) stream.feed(log.substr(pos, kPiece));
  stream.finish();
  return {std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
          thread_cpu_seconds() - cpu_started};
}

void BM_CrashDense(benchmark::State& state) {
  std::size_t size = size_from_env("CULPRIT_BENCH_DENSE_BYTES", std::size_t{64} << 20);
  int rounds = static_cast<int>(size_from_env("CULPRIT_BENCH_ROUNDS", 3));
  fs::path dense_file = dense_log_file(size);
  fs::path clean_file = clean_log_file(size);
  if (dense_file.empty() || clean_file.empty()) {
    state.SkipWithError("corpus not found (set CULPRIT_SHARED_DIR) or cannot write the logs");
    return;
  }
  const std::string dense = read_bytes(dense_file);
  const std::string clean = read_bytes(clean_file);
  std::size_t reports = 0;
  std::size_t false_reports = 0;
  // The first parse compiles the patterns a kind of report needs when it is first met: a cost
  // per process, not per byte.
  Timing cold = stream_time(corpus(), reports);
  constexpr double kNever = 1e300;
  Timing dense_best{kNever, kNever};
  Timing clean_best{kNever, kNever};
  Timing grep_best{kNever, kNever};
  for (auto _ : state) {
    for (int round = 0; round < rounds; ++round) {
      dense_best = best_of(dense_best, stream_time(dense, reports));
      clean_best = best_of(clean_best, stream_time(clean, false_reports));
      grep_best = best_of(grep_best, time_grep(dense_file));
    }
  }
  double mb = static_cast<double>(size) / 1e6;
  auto report = [&](const char* suffix, double dense_s, double clean_s, double grep_s) {
    std::string tail(suffix);
    state.counters["dense_MB/s" + tail] = mb / dense_s;
    state.counters["clean_MB/s" + tail] = mb / clean_s;
    state.counters["grep_MB/s" + tail] = mb / grep_s;
    // The crash-dense speed as a fraction of the clean-log speed and of grep's on the same bytes.
    state.counters["dense_vs_clean" + tail] = clean_s / dense_s;
    state.counters["dense_vs_grep" + tail] = grep_s / dense_s;
  };
  report("", dense_best.cpu, clean_best.cpu, grep_best.cpu);
  report("_wall", dense_best.wall, clean_best.wall, grep_best.wall);
  state.counters["cold_ms"] = cold.wall * 1e3;
  state.counters["reports"] = static_cast<double>(reports);
  state.counters["false_reports"] = static_cast<double>(false_reports);
}
BENCHMARK(BM_CrashDense)->Unit(benchmark::kMillisecond)->Iterations(1);

// The peak resident set (VmHWM) of a running `culprit` in bytes; 0 before it has replaced the
// forked copy of this process (whose pages would count) or once it has exited.
double peak_rss_of(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  bool is_culprit = false;
  while (std::getline(status, line)) {
    if (line.rfind("Name:", 0) == 0) is_culprit = line.find("culprit") != std::string::npos;
    if (line.rfind("VmHWM:", 0) == 0 && is_culprit) {
      return std::stod(line.substr(6)) * 1024.0;  // in kB
    }
  }
  return 0;
}

// Runs `culprit report FILE` with its output thrown away: wall seconds and peak RSS in bytes.
// The peak is read from /proc while it runs: the rusage of a child forked from this (large)
// process would count the pages it had before exec.
bool run_report_command(const fs::path& file, double& seconds, double& peak_rss) {
  auto started = std::chrono::steady_clock::now();
  pid_t child = fork();
  if (child == 0) {
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0) dup2(null, STDOUT_FILENO);
    execl(CULPRIT_BINARY, CULPRIT_BINARY, "report", file.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  peak_rss = 0;
  for (;;) {
    pid_t done = waitpid(child, &status, WNOHANG);
    if (done == child) break;
    if (done < 0) return false;
    peak_rss = std::max(peak_rss, peak_rss_of(child));
    usleep(20000);
  }
  seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

void BM_ReportCommandRss(benchmark::State& state) {
  std::size_t size = size_from_env("CULPRIT_BENCH_RSS_BYTES", std::size_t{1} << 30);
  fs::path file = dense_log_file(size);
  if (file.empty()) {
    state.SkipWithError("corpus not found (set CULPRIT_SHARED_DIR) or cannot write the log");
    return;
  }
  double seconds = 0;
  double peak_rss = 0;
  for (auto _ : state) {
    if (!run_report_command(file, seconds, peak_rss)) {
      state.SkipWithError("culprit report failed");
      return;
    }
  }
  state.counters["file_MB"] = static_cast<double>(size) / 1e6;
  state.counters["peak_rss_MiB"] = peak_rss / (1 << 20);
  // Below 1: within the 64 MiB the command promises whatever the file size.
  state.counters["rss_vs_64MiB"] = peak_rss / (64 << 20);
  state.counters["MB/s"] = static_cast<double>(size) / 1e6 / seconds;
}
BENCHMARK(BM_ReportCommandRss)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
