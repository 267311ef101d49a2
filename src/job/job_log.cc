#include "job/job_log.h"

#include <unistd.h>

#include <cmath>

namespace culprit::job {

JobLog::JobLog(std::FILE* out, const std::string& log_path, bool force_status)
    : out_(out), wants_file_(!log_path.empty()) {
  if (wants_file_) file_ = std::fopen(log_path.c_str(), "a");
  terminal_ = force_status || (out_ != nullptr && isatty(fileno(out_)));
}

JobLog::~JobLog() {
  clear_status_locked();
  if (file_ != nullptr) std::fclose(file_);
}

void JobLog::line(const std::string& text) {
  std::lock_guard lock(mutex_);
  if (out_ != nullptr) {
    if (terminal_ && !status_.empty()) std::fputs("\r\033[K", out_);
    std::fputs(text.c_str(), out_);
    std::fputc('\n', out_);
    if (terminal_ && !status_.empty()) std::fputs(status_.c_str(), out_);
    std::fflush(out_);
  }
  // A resumed job replays its log: lines the file already holds from earlier sessions are not
  // written again, so that the file keeps the job's log once.
  const bool replayed = replay_at_ < replay_.size() && replay_[replay_at_] == text;
  if (replayed) {
    ++replay_at_;
  } else {
    replay_.clear();
    replay_at_ = 0;
  }
  if (file_ != nullptr && !replayed) {
    std::fputs(text.c_str(), file_);
    std::fputc('\n', file_);
    std::fflush(file_);
  }
  if (sink_) sink_(text);
}

void JobLog::status(const std::string& text) {
  std::lock_guard lock(mutex_);
  if (!terminal_ || out_ == nullptr) return;
  status_ = text;
  std::fputs("\r\033[K", out_);
  std::fputs(status_.c_str(), out_);
  std::fflush(out_);
}

void JobLog::clear_status() {
  std::lock_guard lock(mutex_);
  clear_status_locked();
}

void JobLog::clear_status_locked() {
  if (!terminal_ || out_ == nullptr || status_.empty()) return;
  std::fputs("\r\033[K", out_);
  std::fflush(out_);
  status_.clear();
}

std::string format_duration(double seconds) {
  if (seconds < 0) seconds = 0;
  if (seconds < 1) return fmt::format("{}ms", static_cast<long>(std::lround(seconds * 1000)));
  long whole = static_cast<long>(seconds);
  long hours = whole / 3600;
  long minutes = (whole % 3600) / 60;
  double rest = seconds - static_cast<double>(hours * 3600 + minutes * 60);
  std::string text;
  if (hours > 0) text += fmt::format("{}h", hours);
  if (hours > 0 || minutes > 0) text += fmt::format("{}m", minutes);
  // One decimal, without a trailing ".0".
  std::string secs = fmt::format("{:.1f}", std::floor(rest * 10) / 10);
  if (secs.size() > 2 && secs.ends_with(".0")) secs.resize(secs.size() - 2);
  return text + secs + "s";
}

}  // namespace culprit::job
