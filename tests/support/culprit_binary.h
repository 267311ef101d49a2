// Running the real `culprit bisect` binary from a test and reading its --json result.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/test_support.h"

namespace culprit::testing {

struct Bisection {
  CommandOutput output;   // exit status and stdout+stderr
  nlohmann::json result;  // the --json document (null when none was written)
};

// `culprit bisect ARGS --json JSON_PATH`, with `binary` the culprit executable.
Bisection run_bisect_binary(const std::string& binary, const std::vector<std::string>& args,
                            const std::string& json_path);

}  // namespace culprit::testing
