#include "runner/remote_files.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>

#include <fmt/format.h>

#include "base/files.h"
#include "base/process.h"
#include "base/sha256.h"

namespace culprit::runner {
namespace {

namespace fs = std::filesystem;

constexpr std::chrono::seconds kCheckTimeout{60};
constexpr std::chrono::minutes kCopyTimeout{15};

// Makes REMOTE_DIR, streams stdin into a temporary name there and renames it into place. The
// directory and names are positional parameters, never part of the script's text.
constexpr std::string_view kCopyScript =
    "mkdir -p -- \"$1\" && cat > \"$1/$2\" && mv -f -- \"$1/$2\" \"$1/$3\"";

std::string size_text(std::uintmax_t bytes) {
  if (bytes >= (1u << 20)) return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1 << 20));
  if (bytes >= (1u << 10)) return fmt::format("{:.1f} KiB", static_cast<double>(bytes) / (1 << 10));
  return fmt::format("{} bytes", bytes);
}

}  // namespace

std::string remote_file_path(const VmHost& host, std::string_view hex) {
  return fmt::format("{}/{}", host.dir, hex);
}

RemoteFiles::RemoteFiles(RunnerLog log) : log_(std::move(log)) {}

Result<std::string> RemoteFiles::digest(const std::string& local_path) {
  std::error_code ec;
  const std::uintmax_t size = fs::file_size(local_path, ec);
  if (ec) return make_error(fmt::format("cannot read {}: {}", local_path, ec.message()));
  const auto mtime = fs::last_write_time(local_path, ec);
  const std::int64_t mtime_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(mtime.time_since_epoch()).count();
  {
    std::lock_guard lock(mutex_);
    auto known = digests_.find(local_path);
    if (known != digests_.end() && known->second.size == size &&
        known->second.mtime_ns == mtime_ns) {
      return known->second.hex;
    }
  }
  CULPRIT_ASSIGN_OR_RETURN(const std::string content, read_file(local_path, "VM file"));
  std::string hex = to_hex(sha256(content));
  std::lock_guard lock(mutex_);
  digests_[local_path] = Digest{size, mtime_ns, hex};
  return hex;
}

Result<std::string> RemoteFiles::ensure(const VmHost& host, const std::string& local_path,
                                        std::string_view what) {
  CULPRIT_ASSIGN_OR_RETURN(const std::string hex, digest(local_path));
  const std::string key = host.name() + "\n" + hex;
  std::shared_ptr<std::mutex> copy_lock;
  {
    std::lock_guard lock(mutex_);
    if (present_.count(key)) return remote_file_path(host, hex);
    std::shared_ptr<std::mutex>& slot = copy_locks_[key];
    if (!slot) slot = std::make_shared<std::mutex>();
    copy_lock = slot;
  }
  // One run per host and file asks and copies; the others wait here and find it present.
  std::lock_guard copying(*copy_lock);
  {
    std::lock_guard lock(mutex_);
    if (present_.count(key)) return remote_file_path(host, hex);
  }
  ProcessSpec check;
  check.argv = ssh_argv(host, {"test", "-f", remote_file_path(host, hex)});
  check.timeout = kCheckTimeout;
  Result<ProcessResult> checked = run_process(check);
  if (!checked) return checked.error();
  const bool there = checked->end == ProcessResult::End::exited && checked->exit_status == 0;
  const bool missing = checked->end == ProcessResult::End::exited && checked->exit_status == 1;
  if (!there && !missing) {
    return make_error(fmt::format("cannot check for {}: {}", what, ssh_failure(host, *checked)));
  }
  if (missing) {
    std::error_code ec;
    CULPRIT_TRY(copy(host, local_path, hex, what, fs::file_size(local_path, ec)));
  }
  std::lock_guard lock(mutex_);
  present_.insert(key);
  return remote_file_path(host, hex);
}

Status RemoteFiles::copy(const VmHost& host, const std::string& local_path, const std::string& hex,
                         std::string_view what, std::uintmax_t size) {
  static std::atomic<unsigned> serial{0};
  const std::string temporary = fmt::format(".tmp-{}-{}-{}", hex, ::getpid(), serial.fetch_add(1));
  ProcessSpec spec;
  spec.argv = ssh_argv(
      host, {"sh", "-c", std::string(kCopyScript), "culprit-copy", host.dir, temporary, hex});
  spec.stdin_file = local_path;
  spec.timeout = kCopyTimeout;
  Result<ProcessResult> copied = run_process(spec);
  if (!copied) return copied.error();
  if (copied->end != ProcessResult::End::exited || copied->exit_status != 0) {
    return make_error(fmt::format("cannot copy {}: {}", what, ssh_failure(host, *copied)));
  }
  copies_.fetch_add(1);
  bytes_copied_.fetch_add(size);
  if (log_) log_(fmt::format("vm host {}: copied {} ({})", host.name(), what, size_text(size)));
  return {};
}

}  // namespace culprit::runner
