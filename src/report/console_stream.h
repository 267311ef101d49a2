// A console log parsed as it arrives: bytes go in as they are read, each crash comes out as soon
// as it is complete, and memory stays bounded (about 1 MiB of console plus what is fed at once)
// whatever the console's size.
//
// A report is complete once the console has gone on ReportCursor::kMaxReportSpan (256 KiB) past
// its first line, or has ended (finish()). Fed whole or in pieces of any size, a console gives the
// same reports as parse_console() (report.h).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string_view>

#include "report/report.h"

namespace culprit::report {

class ReportCursor;

class ConsoleStream {
 public:
  using OnReport = std::function<void(CrashReport)>;
  explicit ConsoleStream(OnReport on_report);
  ~ConsoleStream();
  ConsoleStream(const ConsoleStream&) = delete;
  ConsoleStream& operator=(const ConsoleStream&) = delete;

  // The next bytes of the console; calls on_report for every report they complete.
  void feed(std::string_view bytes);
  // The console has ended: calls on_report for the reports still open. Nothing may be fed after.
  void finish();

  // Bytes of console held now (for tests of the memory bound).
  std::size_t buffered() const { return buffer_.size(); }

 private:
  void drain(bool complete);

  OnReport on_report_;
  std::unique_ptr<ReportCursor> cursor_;
  std::string buffer_;  // console bytes [base_, base_ + buffer_.size())
  std::size_t base_ = 0;
};

}  // namespace culprit::report
