#include "base/phase.h"

namespace culprit {

std::string_view to_string(Phase phase) {
  switch (phase) {
    case Phase::start:
      return "start";
    case Phase::minimize:
      return "minimize";
    case Phase::release:
      return "release";
    case Phase::head:
      return "head";
    case Phase::bisect:
      return "bisect";
    case Phase::merge_base:
      return "merge-base";
    case Phase::verify:
      return "verify";
    case Phase::revert:
      return "revert";
    case Phase::result:
      return "result";
  }
  return "bisect";
}

std::optional<Phase> phase_from_string(std::string_view name) {
  for (Phase phase : {Phase::start, Phase::minimize, Phase::release, Phase::head, Phase::bisect,
                      Phase::merge_base, Phase::verify, Phase::revert, Phase::result}) {
    if (to_string(phase) == name) return phase;
  }
  return std::nullopt;
}

}  // namespace culprit
