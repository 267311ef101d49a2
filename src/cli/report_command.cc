// `culprit report [FILE|-] [--json|--jsonl]`: the crashes found in a console log, printed as the
// log is read (report/console_stream.h): each crash as soon as it is complete, in bounded memory.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "base/interrupt.h"
#include "base/result.h"
#include "cli/subcommand.h"
#include "report/console_stream.h"
#include "report/report.h"

namespace culprit::cli {
namespace {

struct ReportOptions {
  std::string input = "-";
  bool json = false;
  bool jsonl = false;
};

// How much of the log is read at a time.
constexpr std::size_t kReadSize = std::size_t{1} << 20;

// An open console log: standard input, or a file (not a folder).
Result<int> open_input(const std::string& path) {
  if (path == "-") return STDIN_FILENO;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return make_error(fmt::format("cannot read console log {}: {}", path, std::strerror(errno)));
  }
  struct stat info {};
  if (::fstat(fd, &info) == 0 && S_ISDIR(info.st_mode)) {
    ::close(fd);
    return make_error(fmt::format("cannot read console log {}: it is a folder", path));
  }
  return fd;
}

std::string input_name(const std::string& path) {
  return path == "-" ? "standard input" : path;
}

std::string executor_text(const report::CrashReport& crash) {
  if (!crash.executor) return "";
  return fmt::format("proc={}, id={}", crash.executor->proc, crash.executor->id);
}

nlohmann::json to_json(const report::CrashReport& crash) {
  nlohmann::json executor = nullptr;
  if (crash.executor) {
    executor = {{"proc", crash.executor->proc}, {"id", crash.executor->id}};
  }
  return {
      {"title", crash.title},
      {"alt_titles", crash.alt_titles},
      {"type", crash.type},
      {"corrupted", crash.corrupted},
      {"suppressed", crash.suppressed},
      {"panicked", crash.panicked},
      {"executor", executor},
      {"frame", crash.frame},
      {"guilty_file", crash.guilty_file},
      {"start", crash.start},
      {"end", crash.end},
      {"report", crash.report},
  };
}

// `text` with every line but the first indented by two spaces (a JSON value inside an array).
std::string indent_lines(const std::string& text) {
  std::string out = "  ";
  for (char c : text) {
    out += c;
    if (c == '\n') out += "  ";
  }
  return out;
}

void print_text(const report::CrashReport& crash) {
  auto yes_no = [](bool value) { return value ? "yes" : "no"; };
  fmt::print("title: {}\n", crash.title);
  for (const std::string& alt : crash.alt_titles) fmt::print("alt title: {}\n", alt);
  fmt::print("type: {}\n", crash.type.empty() ? "unknown" : crash.type);
  if (crash.corrupted) {
    fmt::print("corrupted: yes ({})\n", crash.corrupted_reason);
  } else {
    fmt::print("corrupted: no\n");
  }
  fmt::print("suppressed: {}\n", yes_no(crash.suppressed));
  fmt::print("panicked: {}\n", yes_no(crash.panicked));
  fmt::print("executor: {}\n", crash.executor ? executor_text(crash) : "none");
  fmt::print("frame: {}\n", crash.frame);
  fmt::print("guilty file: {}\n", crash.guilty_file);
  fmt::print("start: {}\nend: {}\n", crash.start, crash.end);
}

// Prints each crash in the chosen format as it comes.
class CrashPrinter {
 public:
  explicit CrashPrinter(const ReportOptions& options) : options_(options) {}

  void print(const report::CrashReport& crash) {
    // Console logs are bytes; invalid UTF-8 in report text is replaced rather than fatal.
    constexpr auto kReplace = nlohmann::json::error_handler_t::replace;
    if (options_.jsonl) {
      fmt::print("{}\n", to_json(crash).dump(-1, ' ', false, kReplace));
    } else if (options_.json) {
      // The same bytes as one array dumped with an indent of 2, written one element at a time.
      fmt::print("{}{}", count_ == 0 ? "[\n" : ",\n",
                 indent_lines(to_json(crash).dump(2, ' ', false, kReplace)));
    } else {
      if (count_ > 0) fmt::print("\n");
      print_text(crash);
    }
    ++count_;
  }

  void close() {
    if (options_.json && !options_.jsonl) fmt::print("{}\n", count_ == 0 ? "[]" : "\n]");
  }

 private:
  const ReportOptions& options_;
  std::size_t count_ = 0;
};

int run_report(const ReportOptions& options) {
  // Nothing to resume: what was printed is complete crash by crash.
  set_interrupt_note("the crashes printed before it are complete");
  Result<int> fd = open_input(options.input);
  if (!fd.ok()) {
    fmt::print(stderr, "culprit: {}\n", fd.error().message);
    return 1;
  }
  CrashPrinter printer(options);
  report::ConsoleStream stream([&](report::CrashReport crash) { printer.print(crash); });
  std::vector<char> buffer(kReadSize);
  int status = 0;
  for (;;) {
    ssize_t got = ::read(*fd, buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      std::fflush(stdout);
      fmt::print(stderr, "culprit: cannot read console log {}: {}\n", input_name(options.input),
                 std::strerror(errno));
      status = 1;
      break;
    }
    if (got == 0) break;
    stream.feed(std::string_view(buffer.data(), static_cast<std::size_t>(got)));
    std::fflush(stdout);  // the crashes completed by this piece, now
  }
  if (*fd != STDIN_FILENO) ::close(*fd);
  if (status != 0) return status;
  stream.finish();
  printer.close();
  std::fflush(stdout);
  return 0;
}

}  // namespace

Subcommand add_report_command(CLI::App& parent) {
  auto options = std::make_shared<ReportOptions>();
  CLI::App* app = parent.add_subcommand(
      "report", "Print the kernel crashes found in a console log (title, type, flags, position)");
  app->add_option("log", options->input, "console log file, or - for standard input")
      ->default_val("-");
  CLI::Option* json =
      app->add_flag("--json", options->json, "print a JSON array with one object per crash");
  app->add_flag("--jsonl", options->jsonl, "print one JSON object per line for each crash")
      ->excludes(json);
  return Subcommand{app, [options] { return run_report(*options); }};
}

}  // namespace culprit::cli
