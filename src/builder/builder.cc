#include "builder/builder.h"

namespace culprit::builder {

std::string_view to_string(BuildResult::Status status) {
  switch (status) {
    case BuildResult::Status::ok:
      return "ok";
    case BuildResult::Status::failed:
      return "failed";
    case BuildResult::Status::timed_out:
      return "timed_out";
    case BuildResult::Status::infra_error:
      return "infra_error";
  }
  return "unknown";
}

}  // namespace culprit::builder
