// OwnerLock: one process at a time runs a job. Two `culprit bisect` of the same job at once would
// share its checkouts and test each other's builds, and their wrong runs would stay in the store.
//
// The lock is an flock(2) on `<state>.lock`, held for as long as the job runs; the file says who
// holds it ("pid P since T"). The kernel drops an flock when its holder dies, however it dies, so
// a job whose owner was killed is free again at once: the next owner finds the dead one's line,
// and says that it takes over.
#pragma once

#include <optional>
#include <string>

#include "base/result.h"

namespace culprit::store {

class OwnerLock {
 public:
  struct Holder {
    long pid = 0;
    std::string since;  // UTC, ISO 8601
  };

  // Takes the lock for `state_path`. Error when another live process holds it: "job N in STATE is
  // running (pid P, since T)" (`job` names it), or when the lock file cannot be made.
  static Result<OwnerLock> acquire(const std::string& state_path, long job);

  OwnerLock(OwnerLock&& other) noexcept;
  OwnerLock& operator=(OwnerLock&& other) noexcept;
  ~OwnerLock();

  // The owner before this one, when it died holding the job (its line was still in the file).
  const std::optional<Holder>& previous() const { return previous_; }

 private:
  OwnerLock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_ = -1;
  std::string path_;
  std::optional<Holder> previous_;
};

}  // namespace culprit::store
