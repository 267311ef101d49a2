#include "store/owner_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include <fmt/format.h>

namespace culprit::store {
namespace {

std::optional<OwnerLock::Holder> read_holder(int fd) {
  char buffer[256] = {};
  const ssize_t got = pread(fd, buffer, sizeof buffer - 1, 0);
  if (got <= 0) return std::nullopt;
  OwnerLock::Holder holder;
  char since[128] = {};
  if (std::sscanf(buffer, "pid %ld since %127s", &holder.pid, since) != 2) return std::nullopt;
  holder.since = since;
  return holder;
}

std::string now_utc() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

}  // namespace

Result<OwnerLock> OwnerLock::acquire(const std::string& state_path, long job) {
  const std::string path = state_path + ".lock";
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return make_error(fmt::format("cannot create lock file {}: {}", path, std::strerror(errno)));
  }
  int locked;
  do {
    locked = flock(fd, LOCK_EX | LOCK_NB);
  } while (locked != 0 && errno == EINTR);
  if (locked != 0) {
    const int error = errno;
    std::optional<Holder> holder = read_holder(fd);
    close(fd);
    if (error == EWOULDBLOCK) {
      if (holder) {
        return make_error(fmt::format("job {} in {} is running (pid {}, since {})", job, state_path,
                                      holder->pid, holder->since));
      }
      return make_error(
          fmt::format("job {} in {} is running (another process holds {})", job, state_path, path));
    }
    return make_error(fmt::format("cannot lock {}: {}", path, std::strerror(error)));
  }
  OwnerLock lock(fd, path);
  lock.previous_ = read_holder(fd);
  const std::string line = fmt::format("pid {} since {}\n", static_cast<long>(getpid()), now_utc());
  if (ftruncate(fd, 0) != 0 ||
      pwrite(fd, line.data(), line.size(), 0) != static_cast<ssize_t>(line.size())) {
    return make_error(fmt::format("cannot write lock file {}: {}", path, std::strerror(errno)));
  }
  return lock;
}

OwnerLock::OwnerLock(OwnerLock&& other) noexcept
    : fd_(other.fd_), path_(std::move(other.path_)), previous_(std::move(other.previous_)) {
  other.fd_ = -1;
}

OwnerLock& OwnerLock::operator=(OwnerLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = other.fd_;
    path_ = std::move(other.path_);
    previous_ = std::move(other.previous_);
    other.fd_ = -1;
  }
  return *this;
}

OwnerLock::~OwnerLock() {
  if (fd_ < 0) return;
  // Empty on a clean release: a line left in the file means its owner died holding the job.
  if (ftruncate(fd_, 0) != 0) {
    // Nothing to do: the next owner will only say it takes over from this process.
  }
  close(fd_);
}

}  // namespace culprit::store
