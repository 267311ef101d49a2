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

CommandOutput run_culprit_command(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {CULPRIT_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv);
}

}  // namespace culprit::testing
