#include "base/build_status.h"

namespace culprit {

std::string_view to_string(BuildStatus status) {
  switch (status) {
    case BuildStatus::ok:
      return "ok";
    case BuildStatus::failed:
      return "failed";
    case BuildStatus::timed_out:
      return "timed_out";
    case BuildStatus::infra_error:
      return "infra_error";
  }
  return "infra_error";
}

std::optional<BuildStatus> build_status_from_string(std::string_view name) {
  for (BuildStatus status :
       {BuildStatus::ok, BuildStatus::failed, BuildStatus::timed_out, BuildStatus::infra_error}) {
    if (to_string(status) == name) return status;
  }
  return std::nullopt;
}

}  // namespace culprit
