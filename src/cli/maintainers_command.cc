// `culprit maintainers FILE... [--repo DIR] [--maintainers FILE] [--console LOG] [--json]`: whom
// to tell about files, like `scripts/get_maintainer.pl -f FILE...` (see vcs/maintainers.h for the
// rules and where they deviate from get_maintainer.pl).
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/files.h"
#include "base/result.h"
#include "cli/subcommand.h"
#include "report/report.h"
#include "vcs/maintainers.h"

namespace culprit::cli {
namespace {

namespace fs = std::filesystem;

struct MaintainersOptions {
  std::vector<std::string> files;
  std::string repo = ".";
  std::string maintainers_path;  // default: REPO/MAINTAINERS
  std::string console_path;
  bool json = false;
};

// A path as get_maintainer.pl wants it: relative to the top of the tree, "/"-separated, with a
// trailing "/" for a directory of the tree.
std::string tree_path(const std::string& path, const fs::path& repo) {
  fs::path given(path);
  std::error_code error;
  if (given.is_absolute()) {
    const fs::path top = fs::weakly_canonical(repo, error);
    const fs::path relative = fs::weakly_canonical(given, error).lexically_relative(top);
    if (!relative.empty() && *relative.begin() != "..") given = relative;
  }
  std::string text = given.lexically_normal().generic_string();
  while (text.starts_with("./")) text.erase(0, 2);
  if (!text.empty() && text.back() != '/' && fs::is_directory(repo / text, error)) text += '/';
  return text;
}

int fail(const std::string& message) {
  fmt::print(stderr, "culprit: {}\n", message);
  return 1;
}

int run_maintainers(const MaintainersOptions& options) {
  const fs::path repo(options.repo);
  const std::string maintainers_path =
      options.maintainers_path.empty() ? (repo / "MAINTAINERS").string() : options.maintainers_path;
  Result<std::string> text = read_file(maintainers_path, "MAINTAINERS file");
  if (!text.ok()) return fail(text.error().message);

  std::vector<std::string> files;
  std::string guilty_file;
  if (!options.console_path.empty()) {
    Result<std::string> log = read_file(options.console_path, "console log");
    if (!log.ok()) return fail(log.error().message);
    std::optional<report::CrashReport> crash = report::parse_first(*log);
    if (!crash) return fail(fmt::format("no crash report in {}", options.console_path));
    if (crash->guilty_file.empty()) {
      return fail(fmt::format("the crash in {} names no guilty file ({})", options.console_path,
                              crash->title));
    }
    guilty_file = crash->guilty_file;
    files.push_back(tree_path(guilty_file, repo));
  }
  for (const std::string& file : options.files) files.push_back(tree_path(file, repo));
  if (files.empty()) {
    fmt::print(stderr, "culprit maintainers: give at least one FILE or --console LOG\n");
    return 2;
  }

  vcs::MaintainersQuery query;
  query.files = files;
  query.is_directory = [repo](const std::string& path) {
    std::error_code error;
    return fs::is_directory(repo / path, error);
  };
  // get_maintainer -f matches K: keywords against the contents of the files it is asked about.
  for (const std::string& file : files) {
    std::error_code error;
    if (file.ends_with('/') || !fs::is_regular_file(repo / file, error)) continue;
    Result<std::string> content = read_file((repo / file).string(), "file");
    if (content.ok()) query.keyword_text += *content + "\n";
  }

  const vcs::Maintainers maintainers = vcs::Maintainers::parse(*text);
  for (const std::string& problem : maintainers.problems()) {
    fmt::print(stderr, "culprit: {}: {}\n", maintainers_path, problem);
  }
  const vcs::MaintainersAnswer answer = maintainers.find(query);

  if (options.json) {
    nlohmann::json contacts = nlohmann::json::array();
    for (const vcs::MaintainerContact& contact : answer.contacts) {
      contacts.push_back({{"name", contact.name},
                          {"email", contact.email},
                          {"role", contact.role},
                          {"section", contact.section},
                          {"to", contact.to}});
    }
    nlohmann::json out = {{"files", files},
                          {"sections", answer.sections},
                          {"contacts", contacts},
                          {"to", answer.to},
                          {"cc", answer.cc}};
    if (!guilty_file.empty()) out["guilty_file"] = guilty_file;
    fmt::print("{}\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    return 0;
  }
  if (!guilty_file.empty()) fmt::print("guilty file: {}\n", guilty_file);
  for (const std::string& section : answer.sections) fmt::print("section: {}\n", section);
  fmt::print("to: {}\n", fmt::join(answer.to, ", "));
  fmt::print("cc: {}\n", fmt::join(answer.cc, ", "));
  return 0;
}

}  // namespace

Subcommand add_maintainers_command(CLI::App& parent) {
  auto options = std::make_shared<MaintainersOptions>();
  CLI::App* app = parent.add_subcommand(
      "maintainers",
      "Whom to tell about files (like get_maintainer.pl -f): MAINTAINERS sections, To and Cc");
  app->add_option("files", options->files, "files or directories, relative to the tree's top");
  app->add_option("--repo", options->repo, "the source tree (its MAINTAINERS and files)")
      ->default_val(".");
  app->add_option("--maintainers", options->maintainers_path,
                  "the MAINTAINERS file to read (default: REPO/MAINTAINERS)");
  app->add_option("--console", options->console_path,
                  "a console log: also ask about the guilty file of its first crash");
  app->add_flag("--json", options->json, "print one JSON object");
  return Subcommand{app, [options] { return run_maintainers(*options); }};
}

}  // namespace culprit::cli
