// `culprit report [FILE|-] [--json]`: the crashes found in a console log.
#include <cstdio>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "base/files.h"
#include "base/result.h"
#include "cli/subcommand.h"
#include "report/report.h"

namespace culprit::cli {
namespace {

struct ReportOptions {
  std::string input = "-";
  bool json = false;
};

Result<std::string> read_input(const std::string& path) {
  if (path == "-") {
    std::string data((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    if (std::cin.bad()) return make_error("cannot read console log from standard input");
    return data;
  }
  return read_file(path, "console log");
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

int run_report(const ReportOptions& options) {
  Result<std::string> log = read_input(options.input);
  if (!log.ok()) {
    fmt::print(stderr, "culprit: {}\n", log.error().message);
    return 1;
  }
  std::vector<report::CrashReport> crashes = report::parse_console(*log);
  if (options.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const report::CrashReport& crash : crashes) out.push_back(to_json(crash));
    // Console logs are bytes; invalid UTF-8 in report text is replaced rather than fatal.
    fmt::print("{}\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    return 0;
  }
  for (std::size_t i = 0; i < crashes.size(); ++i) {
    if (i > 0) fmt::print("\n");
    print_text(crashes[i]);
  }
  return 0;
}

}  // namespace

Subcommand add_report_command(CLI::App& parent) {
  auto options = std::make_shared<ReportOptions>();
  CLI::App* app = parent.add_subcommand(
      "report", "Print the kernel crashes found in a console log (title, type, flags, position)");
  app->add_option("log", options->input, "console log file, or - for standard input")
      ->default_val("-");
  app->add_flag("--json", options->json, "print a JSON array with one object per crash");
  return Subcommand{app, [options] { return run_report(*options); }};
}

}  // namespace culprit::cli
