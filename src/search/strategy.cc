#include "search/strategy.h"

#include <fmt/format.h>

#include "search/bayes_strategy.h"
#include "search/classic_strategy.h"

namespace culprit::search {

Result<std::unique_ptr<SearchStrategy>> make_search_strategy(const std::string& name,
                                                             const StrategyOptions& options) {
  if (name == "classic") {
    auto policy = make_verdict_policy("classic");
    if (!policy) return policy.error();
    return std::unique_ptr<SearchStrategy>(new ClassicStrategy(options, std::move(*policy)));
  }
  if (name == "bayes") return std::unique_ptr<SearchStrategy>(new BayesStrategy(options));
  return make_error(fmt::format("unknown strategy: {} (known: bayes, classic)", name));
}

}  // namespace culprit::search
