// The phases of a bisection job, as the store records each tested commit's step and the events
// name what the job is doing. Shared by the job (which runs them) and the store (which keeps their
// names).
#pragma once

#include <optional>
#include <string_view>

namespace culprit {

enum class Phase {
  start,       // the commit the bisection starts from: it must crash
  minimize,    // the start commit with smaller kernel configs (config minimization)
  release,     // cause mode without --good: a release tag walked back to
  head,        // fix mode: the fixed (newer) commit
  bisect,      // a commit of the range, chosen by the search strategy
  merge_base,  // fix mode: a merge base with the start commit (was the bug ever introduced?)
  verify,      // more runs of the culprit and its parents
  revert,      // the culprit reverted onto the end it was found from
  result,      // the report: signature lines, doubts, recipients (no commit is tested)
};

// The names the store and the JSON use: "start", "minimize", "release", "head", "bisect",
// "merge-base", "verify", "revert", "result".
std::string_view to_string(Phase phase);
std::optional<Phase> phase_from_string(std::string_view name);

}  // namespace culprit
