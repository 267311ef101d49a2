#include "job/build_slots.h"

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

namespace culprit::job {

BuildSlots::BuildSlots(std::string repo_path, std::string job_dir, vcs::Worktree first,
                       std::size_t limit)
    : repo_path_(std::move(repo_path)),
      job_dir_(std::move(job_dir)),
      limit_(std::max<std::size_t>(limit, 1)) {
  BuildSlot slot;
  slot.worktree.emplace(std::move(first));
  slot.job_dir = job_dir_;
  slots_.push_back(std::move(slot));
}

Result<std::size_t> BuildSlots::slot_for(const std::string& tree, const std::set<std::size_t>& busy,
                                         const std::set<std::string>& keep) {
  std::optional<std::size_t> pick;
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].built_tree == tree) {
      pick = i;
      break;
    }
  }
  for (std::size_t i = 0; !pick && i < slots_.size(); ++i) {
    if (!slots_[i].built_tree && !busy.count(i)) pick = i;
  }
  if (!pick && slots_.size() < limit_) {
    const std::size_t index = slots_.size();
    auto worktree =
        vcs::Worktree::create(repo_path_, fmt::format("{}/checkout-{}", job_dir_, index));
    if (!worktree) return worktree.error();
    BuildSlot slot;
    slot.worktree.emplace(std::move(*worktree));
    slot.job_dir = fmt::format("{}/slot-{}", job_dir_, index);
    std::error_code error;
    std::filesystem::create_directories(slot.job_dir, error);
    if (error) {
      return make_error(
          fmt::format("cannot create build folder {}: {}", slot.job_dir, error.message()));
    }
    slots_.push_back(std::move(slot));
    pick = index;
  }
  // Evict the least recently used build, sparing those the strategy still counts on.
  for (bool spare : {true, false}) {
    if (pick) break;
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      if (busy.count(i)) continue;
      if (spare && slots_[i].built_tree && keep.count(*slots_[i].built_tree)) continue;
      if (!pick || slots_[i].last_used < slots_[*pick].last_used) pick = i;
    }
  }
  if (!pick) return make_error("no free build folder");
  slots_[*pick].last_used = ++clock_;
  return *pick;
}

}  // namespace culprit::job
