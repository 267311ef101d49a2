#include "base/verdict.h"

namespace culprit {

std::string_view to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::good:
      return "good";
    case Verdict::bad:
      return "bad";
    case Verdict::skip:
      return "skip";
  }
  return "skip";
}

std::optional<Verdict> verdict_from_string(std::string_view name) {
  for (Verdict verdict : {Verdict::good, Verdict::bad, Verdict::skip}) {
    if (to_string(verdict) == name) return verdict;
  }
  return std::nullopt;
}

}  // namespace culprit
