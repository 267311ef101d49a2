// JobLog: the bisection log, syzbot's wording, one line at a time, to stdout, to `--log FILE`
// and into the store (so `culprit show` can print it later). On a terminal it also keeps a live
// status line under the log (current commit, step k of about n, candidates left, runs done),
// erased before each log line and redrawn after it. Safe to call from several threads (the kernel
// backend's runner logs from its VM slots while the job logs their runs).
#pragma once

#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace culprit::job {

class JobLog {
 public:
  // `log_path` empty: no file. `out` is usually stdout; status lines are drawn only when `out` is
  // a terminal (or when forced, for tests).
  JobLog(std::FILE* out, const std::string& log_path, bool force_status = false);
  ~JobLog();
  JobLog(const JobLog&) = delete;
  JobLog& operator=(const JobLog&) = delete;

  bool file_ok() const { return file_ != nullptr || !wants_file_; }
  // Where every line goes besides the console and file (the store), set once the job is known.
  void set_sink(std::function<void(const std::string&)> sink) { sink_ = std::move(sink); }

  void line(const std::string& text);
  template <typename... Args>
  void print(fmt::format_string<Args...> format, Args&&... args) {
    line(fmt::format(format, std::forward<Args>(args)...));
  }

  // The lines earlier sessions of this job logged: while the job replays them they go to the
  // console only, not to the file again.
  void expect_replay(std::vector<std::string> lines) {
    std::lock_guard lock(mutex_);
    replay_ = std::move(lines);
    replay_at_ = 0;
  }

  // Replaces the live status line (no-op when not on a terminal).
  void status(const std::string& text);
  void clear_status();

 private:
  void clear_status_locked();
  std::mutex mutex_;  // one line at a time, whole, in order
  std::FILE* out_;
  std::FILE* file_ = nullptr;
  bool wants_file_ = false;
  bool terminal_ = false;
  std::string status_;
  std::function<void(const std::string&)> sink_;
  std::vector<std::string> replay_;
  std::size_t replay_at_ = 0;
};

// Go-style durations as syzbot prints them: "2h54m3s", "6m12.5s", "850ms".
std::string format_duration(double seconds);

}  // namespace culprit::job
