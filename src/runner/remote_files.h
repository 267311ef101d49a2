// RemoteFiles: the files a VM host boots (the commit's bzImage, the job's initramfs), copied there
// once, content-addressed: each is stored as REMOTE_DIR/<sha256 of its content>, so a file already
// there (from an earlier run, batch or job) is never copied again, and two builds with the same
// image share one copy.
//
// For each file and host: is it known to be there (this process checked or copied it)? Else one
// ssh call asks (`test -f`); only when it is missing is it copied (ssh, `cat` into a temporary
// name in REMOTE_DIR, then `mv` to its final name, so an interrupted copy never leaves a file
// with the right name and the wrong content). Concurrent runs in this process that need the same
// file on the same host wait for one copy (a lock per host and digest); two culprit processes may
// both copy it, and the rename keeps that safe.
//
// Each copy is logged ("vm host root@127.0.0.1:2222: copied bzImage (2.1 MiB)") and counted.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include "base/result.h"
#include "runner/vm_host.h"

namespace culprit::runner {

using RunnerLog = std::function<void(const std::string& line)>;

// The remote path (DIR/HEX) of a file with sha256 `hex` on `host`.
std::string remote_file_path(const VmHost& host, std::string_view hex);

class RemoteFiles {
 public:
  explicit RemoteFiles(RunnerLog log = {});

  // The path on `host` (relative to the remote home unless its dir is absolute) of a copy of
  // `local_path`, copied first when it is not there. `what` names the file in the log and in
  // errors ("bzImage"). Errors (the caller names the host): "cannot copy bzImage: <ssh's last
  // line>", "cannot check for initramfs: ...".
  Result<std::string> ensure(const VmHost& host, const std::string& local_path,
                             std::string_view what);

  std::size_t copies() const { return copies_.load(); }
  std::uint64_t bytes_copied() const { return bytes_copied_.load(); }

 private:
  // The sha256 of a local file, hashed again only when its size or time stamp changed.
  Result<std::string> digest(const std::string& local_path);
  Status copy(const VmHost& host, const std::string& local_path, const std::string& hex,
              std::string_view what, std::uintmax_t size);

  RunnerLog log_;
  std::mutex mutex_;  // guards the maps below
  struct Digest {
    std::uintmax_t size = 0;
    std::int64_t mtime_ns = 0;
    std::string hex;
  };
  std::map<std::string, Digest> digests_;
  std::set<std::string> present_;  // "host name\nhex"
  std::map<std::string, std::shared_ptr<std::mutex>> copy_locks_;
  std::atomic<std::size_t> copies_{0};
  std::atomic<std::uint64_t> bytes_copied_{0};
};

}  // namespace culprit::runner
