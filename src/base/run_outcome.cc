#include "base/run_outcome.h"

namespace culprit {

std::string_view to_string(RunOutcome outcome) {
  switch (outcome) {
    case RunOutcome::ok:
      return "ok";
    case RunOutcome::crashed:
      return "crashed";
    case RunOutcome::cannot_test:
      return "cannot-test";
    case RunOutcome::infra_error:
      return "infra-error";
  }
  return "infra-error";
}

std::optional<RunOutcome> run_outcome_from_string(std::string_view name) {
  for (RunOutcome outcome :
       {RunOutcome::ok, RunOutcome::crashed, RunOutcome::cannot_test, RunOutcome::infra_error}) {
    if (to_string(outcome) == name) return outcome;
  }
  return std::nullopt;
}

}  // namespace culprit
