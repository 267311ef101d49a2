#include "kconfig/minimizer.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

namespace culprit::kconfig {

ConfigMinimizer::ConfigMinimizer(std::vector<std::string> diff, std::size_t build_budget)
    : diff_(std::move(diff)), current_(diff_), build_budget_(build_budget) {
  std::sort(diff_.begin(), diff_.end());
  current_ = diff_;
}

std::set<std::string> ConfigMinimizer::group(std::size_t index) const {
  // Group i holds current_[i*n/k, (i+1)*n/k): sizes differ by at most one.
  const std::size_t n = current_.size();
  const std::size_t begin = index * n / chunks_;
  const std::size_t end = (index + 1) * n / chunks_;
  return {current_.begin() + static_cast<std::ptrdiff_t>(begin),
          current_.begin() + static_cast<std::ptrdiff_t>(end)};
}

std::optional<MinimizeCandidate> ConfigMinimizer::next() const {
  if (!stop_reason().empty()) return std::nullopt;
  MinimizeCandidate candidate;
  candidate.group = group(next_group_);
  const std::set<std::string> on(current_.begin(), current_.end());
  for (const std::string& name : diff_) {
    if (!on.count(name) || candidate.group.count(name)) candidate.drop.insert(name);
  }
  return candidate;
}

void ConfigMinimizer::record(const CandidateOutcome& outcome) {
  ++candidates_;
  if (outcome.built) ++builds_;
  if (outcome.reproduced) {
    const std::set<std::string> dropped_now = group(next_group_);
    std::vector<std::string> left;
    for (const std::string& name : current_) {
      if (!dropped_now.count(name) && outcome.still_on.count(name)) left.push_back(name);
    }
    current_ = std::move(left);
    // ddmin: after a drop, one group coarser, from the first group again.
    chunks_ = std::max<std::size_t>(chunks_ > 2 ? chunks_ - 1 : 2, 1);
    chunks_ = std::min(chunks_, std::max<std::size_t>(current_.size(), 1));
    next_group_ = 0;
    return;
  }
  if (++next_group_ < chunks_) return;
  // No group at this granularity could go: split finer, until single options were tried.
  if (chunks_ >= current_.size()) {
    exhausted_ = true;
    return;
  }
  chunks_ = std::min(chunks_ * 2, current_.size());
  next_group_ = 0;
}

std::vector<std::string> ConfigMinimizer::dropped() const {
  std::vector<std::string> out;
  std::set_difference(diff_.begin(), diff_.end(), current_.begin(), current_.end(),
                      std::back_inserter(out));
  return out;
}

std::string ConfigMinimizer::stop_reason() const {
  if (current_.empty()) return "nothing left to drop";
  if (exhausted_) return "every option left is needed";
  if (builds_ >= build_budget_) return fmt::format("build budget spent ({} builds)", builds_);
  return "";
}

}  // namespace culprit::kconfig
