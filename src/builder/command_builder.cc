#include "builder/command_builder.h"

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <utility>

#include "base/process.h"
#include "base/text.h"
#include "builder/signature.h"

namespace culprit::builder {
namespace {

// What a shell reports when its child was killed by SIGKILL (128 + 9): most often the kernel's
// out-of-memory killer, which is our machine's problem rather than the commit's.
constexpr int kShellKilledStatus = 128 + SIGKILL;

}  // namespace

std::string detect_compiler() {
  ProcessSpec spec;
  const char* cc = std::getenv("CC");
  // $CC may carry arguments ("ccache gcc"), so it goes through the shell.
  spec.argv = cc != nullptr && *cc != '\0' ? shell_argv(std::string(cc) + " --version")
                                           : std::vector<std::string>{"cc", "--version"};
  spec.timeout = std::chrono::seconds(30);
  spec.output_limit = 64u << 10;
  Result<ProcessResult> result = run_process(spec);
  if (!result.ok() || result->end != ProcessResult::End::exited || result->exit_status != 0) {
    return "";
  }
  return first_line(result->output);
}

CommandBuilder::CommandBuilder(CommandBuildConfig config)
    : config_(std::move(config)), compiler_(detect_compiler()) {}

BuildResult CommandBuilder::build(const BuildRequest& request) {
  BuildResult result;
  result.compiler = compiler_;
  if (config_.command.empty()) return result;

  ProcessSpec spec;
  spec.argv = shell_argv(config_.command);
  spec.working_dir = request.checkout_dir;
  spec.env = request.env;
  spec.timeout = config_.timeout;
  spec.output_limit = config_.log_limit;
  Result<ProcessResult> process = run_process(spec);
  if (!process.ok()) {
    result.status = BuildResult::Status::infra_error;
    result.error = "cannot run the build: " + process.error().message;
    return result;
  }
  result.duration_s = process->duration.count();
  result.log_tail = std::move(process->output);

  switch (process->end) {
    case ProcessResult::End::timed_out:
      result.status = BuildResult::Status::timed_out;
      result.error = "build timed out after " + std::to_string(config_.timeout.count()) + "s";
      return result;
    case ProcessResult::End::signaled:
      if (process->signal == SIGKILL) {
        result.status = BuildResult::Status::infra_error;
        result.error = "build was killed (out of memory?)";
      } else {
        result.status = BuildResult::Status::failed;
        result.error = "build was killed by signal " + signal_name(process->signal);
      }
      return result;
    case ProcessResult::End::exited:
      if (process->exit_status == kShellKilledStatus) {
        result.status = BuildResult::Status::infra_error;
        result.error = "build was killed (out of memory?)";
        return result;
      }
      if (process->exit_status != 0) {
        result.status = BuildResult::Status::failed;
        result.error = "build command exited with status " + std::to_string(process->exit_status);
        return result;
      }
      break;
  }

  if (config_.artifact.empty()) return result;
  std::error_code ignored;
  std::filesystem::path artifact =
      std::filesystem::absolute(std::filesystem::path(request.checkout_dir) / config_.artifact,
                                ignored)
          .lexically_normal();
  result.artifact = artifact.string();
  if (!std::filesystem::exists(artifact, ignored)) {
    result.status = BuildResult::Status::failed;
    result.error = "build did not produce the artifact: " + result.artifact;
    return result;
  }
  Result<std::string> signature = artifact_signature(result.artifact);
  if (!signature.ok()) {
    result.status = BuildResult::Status::failed;
    result.error = signature.error().message;
    return result;
  }
  result.signature = std::move(*signature);
  return result;
}

}  // namespace culprit::builder
