#include "runner/run_queue.h"

namespace culprit::runner {

RunQueue::RunQueue(std::span<const int> indices) : queue_(indices.begin(), indices.end()) {}

std::optional<int> RunQueue::take() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return !queue_.empty() || in_flight_ == 0; });
  if (queue_.empty()) return std::nullopt;
  int index = queue_.front();
  queue_.pop_front();
  ++in_flight_;
  return index;
}

void RunQueue::finished() {
  std::lock_guard lock(mutex_);
  --in_flight_;
  changed_.notify_all();
}

void RunQueue::requeue(int index) {
  std::lock_guard lock(mutex_);
  --in_flight_;
  queue_.push_front(index);
  changed_.notify_all();
}

std::vector<int> RunQueue::left() {
  std::lock_guard lock(mutex_);
  std::vector<int> indices(queue_.begin(), queue_.end());
  queue_.clear();
  return indices;
}

}  // namespace culprit::runner
