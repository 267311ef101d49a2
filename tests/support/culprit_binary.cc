#include "support/culprit_binary.h"

#include <fstream>

namespace culprit::testing {

Bisection run_culprit(const std::vector<std::string>& args, const std::string& json_path) {
  std::vector<std::string> argv = {CULPRIT_BINARY, "bisect"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back("--json");
  argv.push_back(json_path);
  Bisection bisection;
  bisection.output = run_command(argv);
  std::ifstream in(json_path);
  if (in) bisection.result = nlohmann::json::parse(in, nullptr, false);
  return bisection;
}

CommandOutput run_job_file(const std::string& job_file, const std::string& job_text,
                           const std::string& state, const std::vector<std::string>& flags,
                           const std::vector<std::string>& env, const std::string& dir) {
  write_file(job_file, job_text);
  std::vector<std::string> argv;
  if (!env.empty()) {
    argv.push_back("env");
    argv.insert(argv.end(), env.begin(), env.end());
  }
  argv.insert(argv.end(), {CULPRIT_BINARY, "bisect", "--job", job_file, "--state", state});
  argv.insert(argv.end(), flags.begin(), flags.end());
  return run_command(argv, dir);
}

CommandOutput run_culprit_command(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {CULPRIT_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv);
}

}  // namespace culprit::testing
