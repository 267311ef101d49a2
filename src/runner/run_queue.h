// RunQueue: the run numbers of one batch, handed out to the slots that run them (local VMs and
// the VM hosts' slots, one thread each). A run whose host failed under it (not the kernel's doing)
// is given back with requeue() and taken again by another slot; take() waits while runs are in
// flight that may still come back, and says "no more" only when the queue is empty and nothing
// is in flight.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

namespace culprit::runner {

class RunQueue {
 public:
  explicit RunQueue(std::span<const int> indices);

  // The next run to do, counted in flight until finished() or requeue(); nullopt when none is
  // left and none in flight (the slot's thread ends).
  std::optional<int> take();
  // The run taken ended and was reported.
  void finished();
  // The run taken goes back to the front of the queue, for another slot.
  void requeue(int index);
  // The runs nobody took: when every slot is gone (or a stop was asked) before the queue
  // emptied.
  std::vector<int> left();

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<int> queue_;
  std::size_t in_flight_ = 0;
};

}  // namespace culprit::runner
