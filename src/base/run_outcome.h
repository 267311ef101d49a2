// How one run of a reproducer ended. Shared vocabulary of run (which produces it), search (whose
// verdict policies read it) and store (which records it by name).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace culprit {

enum class RunOutcome {
  ok,           // the reproducer ran to the end and nothing crashed
  crashed,      // a crash (title says which)
  cannot_test,  // the commit cannot be tested (exit 125, boot failure): says nothing of the bug
  infra_error,  // our side failed (VM did not start, command not found): says nothing either
};

std::string_view to_string(RunOutcome outcome);
std::optional<RunOutcome> run_outcome_from_string(std::string_view name);

}  // namespace culprit
