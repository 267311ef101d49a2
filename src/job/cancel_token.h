// CancelToken: a request, from another thread or a signal handler's thread, that a job stop at the
// next point where stopping loses nothing: between runs. The job records that it was cancelled;
// running it again resumes it.
#pragma once

#include <atomic>

namespace culprit::job {

class CancelToken {
 public:
  void request() { requested_.store(true, std::memory_order_relaxed); }
  bool requested() const { return requested_.load(std::memory_order_relaxed); }

 private:
  std::atomic<bool> requested_{false};
};

}  // namespace culprit::job
