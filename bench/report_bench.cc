// Console parser throughput.
//
//   BM_ParseCorpus    every case file of shared/testdata/{linux,all}/report concatenated
//                     (full of crashes: measures report extraction)
//   BM_ParseCleanLog  a generated boot-and-run log without any crash (measures the scan), and,
//                     in the same run, `grep -c -E '<report headers>'` over the same file
//
// Environment: CULPRIT_BENCH_LOG_BYTES sets the clean log size (default 1 GiB); the log is
// generated once into $TMPDIR (or /tmp) and reused. CULPRIT_SHARED_DIR overrides the location of
// the shared test data (default: ../shared next to the source tree).
#include <benchmark/benchmark.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

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

std::size_t clean_log_bytes() {
  if (const char* env = std::getenv("CULPRIT_BENCH_LOG_BYTES")) return std::stoull(env);
  return std::size_t{1} << 30;
}

// Writes a plausible console log of a booting and fuzzing VM (timestamps, caller tags, audit,
// file system, network and executor messages) without any report header.
fs::path clean_log_file() {
  std::size_t size = clean_log_bytes();
  const char* tmp = std::getenv("TMPDIR");
  fs::path path = fs::path(tmp != nullptr ? tmp : "/tmp") /
                  ("culprit-report-bench-" + std::to_string(size) + ".log");
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

// Wall time of `grep -c -E <headers> file` in seconds (output discarded).
double time_grep(const fs::path& file) {
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
  waitpid(child, &status, 0);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
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
  fs::path file = clean_log_file();
  if (file.empty()) {
    state.SkipWithError("cannot write the generated log");
    return;
  }
  const std::string log = read_bytes(file);
  double grep_seconds = time_grep(file);
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

}  // namespace

BENCHMARK_MAIN();
