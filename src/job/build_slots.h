// BuildSlots: the folders that hold one build each -- a worktree and, for backends that build out
// of tree, a job folder of its own (slot 0 is the job folder itself). A strategy that comes back
// to a commit for more runs (bayes) finds its build still there, and --parallel builds several
// commits at once, each in its own slot.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"
#include "vcs/repository.h"

namespace culprit::job {

struct BuildSlot {
  std::optional<vcs::Worktree> worktree;
  std::string job_dir;
  std::optional<std::string> built_tree;  // the tree whose build the slot holds now
  std::uint64_t last_used = 0;
};

class BuildSlots {
 public:
  // `first` is the job's own checkout; more slots (up to `limit`) are made on demand as
  // `<job_dir>/checkout-N` and `<job_dir>/slot-N`.
  BuildSlots(std::string repo_path, std::string job_dir, vcs::Worktree first, std::size_t limit);

  // The slot that holds `tree`'s build, else an empty or new one, else the least recently used
  // one -- never one in `busy`, and one holding a tree of `keep` only when nothing else is left.
  Result<std::size_t> slot_for(const std::string& tree, const std::set<std::size_t>& busy = {},
                               const std::set<std::string>& keep = {});
  BuildSlot& operator[](std::size_t index) { return slots_[index]; }
  const BuildSlot& operator[](std::size_t index) const { return slots_[index]; }

 private:
  std::string repo_path_;
  std::string job_dir_;
  std::size_t limit_;
  std::vector<BuildSlot> slots_;
  std::uint64_t clock_ = 0;
};

}  // namespace culprit::job
