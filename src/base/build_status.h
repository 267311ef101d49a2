// How one build ended. Shared vocabulary of the builders (which produce it), the store (which
// records it by name) and the job (which decides from it whether a commit can be tested).
#pragma once

#include <optional>
#include <string_view>

namespace culprit {

enum class BuildStatus {
  ok,           // built: the commit can be tested
  failed,       // the build itself failed (non-zero exit): the commit is skipped
  timed_out,    // killed after the build timeout: skipped too
  infra_error,  // could not run the build at all, or killed for memory: worth another try
};

// The names the store keeps: "ok", "failed", "timed_out", "infra_error".
std::string_view to_string(BuildStatus status);
std::optional<BuildStatus> build_status_from_string(std::string_view name);

// Whether a recorded build stands for the rest of the job. Only an infrastructure error is tried
// again: it says nothing about the commit.
inline bool is_final(BuildStatus status) {
  return status != BuildStatus::infra_error;
}

}  // namespace culprit
