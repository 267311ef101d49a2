// CommandRunner: the command backend's test, `/bin/sh -c TEST` in the checkout, once per run.
// Exit 0: no crash; 125: cannot test (git bisect run's convention); 127 with "not found" in the
// output: infra error (the test command does not exist); anything else, a signal or a timeout:
// crashed.
#pragma once

#include <chrono>
#include <string>

#include "runner/runner.h"

namespace culprit::runner {

struct CommandRunConfig {
  std::string command;
  std::chrono::seconds timeout{600};
  int jobs = 1;                          // runs at once
  std::size_t console_limit = 2u << 20;  // bytes of console kept per run (the tail)
};

class CommandRunner final : public Runner {
 public:
  explicit CommandRunner(CommandRunConfig config);
  void run(const RunRequest& request, std::span<const int> indices,
           const std::function<void(const ReproRun&)>& on_done) override;

 private:
  CommandRunConfig config_;
};

}  // namespace culprit::runner
