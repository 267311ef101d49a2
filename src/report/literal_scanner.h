// Finds many literal strings (and a few single-line regexps) in a buffer in one pass (Hyperscan),
// so that a console log is read once however many report headers and log-wide markers there are.
// Internal to src/report.
#pragma once

#include <hs/hs.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace culprit::report {

// A Hyperscan scratch area for `database` on this thread (one per thread, grown to fit every
// database it is used with); `serial` names the database (new_database_serial()), since
// addresses can be reused.
hs_scratch_t* hyperscan_scratch(const hs_database_t* database, std::uint64_t serial);
std::uint64_t new_database_serial();

class LiteralScanner {
 public:
  // `literals` must be non-empty and contain no newline; their index is the id reported.
  // `regexes` (RE2 syntax that Hyperscan shares: no anchors, no newline, "." excludes "\n") get
  // the ids after the literals.
  explicit LiteralScanner(const std::vector<std::string>& literals,
                          const std::vector<std::string>& regexes = {});
  ~LiteralScanner();
  LiteralScanner(const LiteralScanner&) = delete;
  LiteralScanner& operator=(const LiteralScanner&) = delete;

  // Calls on_match(id, end) for the occurrences in `text`, with `end` the offset just past the
  // occurrence, in increasing order of `end`. Scanning stops when on_match returns false.
  void scan(std::string_view text,
            const std::function<bool(unsigned id, std::size_t end)>& on_match) const;

 private:
  hs_database_t* database_ = nullptr;
  std::uint64_t serial_ = 0;  // unique per scanner: which databases a thread's scratch fits
};

}  // namespace culprit::report
