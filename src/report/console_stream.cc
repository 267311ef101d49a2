#include "report/console_stream.h"

#include <optional>
#include <string>
#include <utility>

#include "report/report_cursor.h"

namespace culprit::report {
namespace {

// Dropped bytes are removed from the buffer's front once they are this many (and at least half
// of it): each byte is moved a bounded number of times.
constexpr std::size_t kCompactAt = std::size_t{1} << 20;

}  // namespace

ConsoleStream::ConsoleStream(OnReport on_report)
    : on_report_(std::move(on_report)), cursor_(std::make_unique<ReportCursor>(0)) {}

ConsoleStream::~ConsoleStream() = default;

void ConsoleStream::feed(std::string_view bytes) {
  buffer_.append(bytes);
  drain(/*complete=*/false);
}

void ConsoleStream::finish() {
  drain(/*complete=*/true);
}

void ConsoleStream::drain(bool complete) {
  cursor_->set_view(buffer_, base_, complete);
  while (std::optional<CrashReport> report = cursor_->next()) on_report_(std::move(*report));
  std::size_t dead = cursor_->keep_from() - base_;
  if (dead >= kCompactAt && dead * 2 >= buffer_.size()) {
    buffer_.erase(0, dead);
    base_ += dead;
  }
}

}  // namespace culprit::report
