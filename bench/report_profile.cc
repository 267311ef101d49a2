// A fixed workload for instruction counts: `report_profile FILE` parses FILE once to compile the
// patterns its kinds of report need (a cost per process), then again in measured_parse(), fed
// to report::ConsoleStream in 1 MiB pieces as `culprit report` does. Under load wall-clock rates
// are noisy; instruction counts of the second parse are not:
//
//   valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*measured_parse*'
//       build/release/bench/report_profile FILE   (one command line)
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "report/console_stream.h"

namespace {

std::size_t parse(std::string_view log) {
  std::size_t reports = 0;
  culprit::report::ConsoleStream stream([&](const culprit::report::CrashReport&) { ++reports; });
  constexpr std::size_t kPiece = std::size_t{1} << 20;
  for (std::size_t pos = 0; pos < log.size(); pos += kPiece) stream.feed(log.substr(pos, kPiece));
  stream.finish();
  return reports;
}

// Not inlined: callgrind collects from its entry to its return.
[[gnu::noinline]] std::size_t measured_parse(std::string_view log) {
  return parse(log);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: report_profile FILE\n");
    return 2;
  }
  std::ifstream file(argv[1], std::ios::binary);
  std::ostringstream data;
  data << file.rdbuf();
  const std::string log = std::move(data).str();
  std::size_t cold = parse(log);
  std::size_t warm = measured_parse(log);
  std::printf("%zu reports (%zu cold)\n", warm, cold);
  return 0;
}
