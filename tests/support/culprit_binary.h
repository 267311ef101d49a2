// Running the real `culprit bisect` binary from a test and reading its --json result: the one way
// the integration tests run a whole bisection.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/test_support.h"

namespace culprit::testing {

struct Bisection {
  CommandOutput output;   // exit status and stdout+stderr
  nlohmann::json result;  // the --json document (null when none was written or it is not JSON)
};

// `culprit bisect ARGS --json JSON_PATH` with the culprit binary of this build (CULPRIT_BINARY,
// set by tests/CMakeLists.txt), run in the current directory; waits for it to exit.
Bisection run_culprit(const std::vector<std::string>& args, const std::string& json_path);

// Writes `job_text` to `job_file` and runs `culprit bisect --job JOB_FILE --state STATE FLAGS` in
// `dir`, with `env` (NAME=VALUE) added to its environment; waits for it to exit.
CommandOutput run_job_file(const std::string& job_file, const std::string& job_text,
                           const std::string& state, const std::vector<std::string>& flags,
                           const std::vector<std::string>& env, const std::string& dir);

// `culprit ARGS` (any subcommand) with the binary of this build; waits for it to exit.
CommandOutput run_culprit_command(const std::vector<std::string>& args);

}  // namespace culprit::testing
