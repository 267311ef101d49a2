// CommandBuilder: the command backend's build, `/bin/sh -c BUILD` in the checkout.
#pragma once

#include <chrono>
#include <string>

#include "builder/builder.h"

namespace culprit::builder {

struct CommandBuildConfig {
  std::string command;   // shell command; empty: nothing to build
  std::string artifact;  // path relative to the checkout; empty: none
  std::chrono::seconds timeout{3600};
  std::size_t log_limit = 64u << 10;  // bytes of build output kept in the result
};

class CommandBuilder final : public Builder {
 public:
  explicit CommandBuilder(CommandBuildConfig config);
  BuildResult build(const BuildRequest& request) override;

 private:
  CommandBuildConfig config_;
  std::string compiler_;  // detected once
};

// The first line of `$CC --version` (or `cc --version`), "" when there is no compiler.
std::string detect_compiler();

}  // namespace culprit::builder
