// Which of a list of regexps may occur in a text, in one pass (Hyperscan in prefilter mode: it may
// say yes for a pattern that does not occur, never no for one that does), so that only those are
// searched for with RE2. Internal to src/report.
#pragma once

#include <hs/hs.h>

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace culprit::report {

class PatternPrefilter {
 public:
  // How the patterns are searched: in the whole text (may_occur: "^" is its start), or in each
  // of its lines (for_each_match: "^" is any line start).
  enum class Scope { kText, kLines };

  // RE2 patterns (macros not yet expanded) searched unanchored in raw bytes. The Hyperscan
  // database is built on first use (a console meets few kinds of report).
  explicit PatternPrefilter(const std::vector<std::string_view>& patterns,
                            Scope scope = Scope::kText);
  ~PatternPrefilter();
  PatternPrefilter(const PatternPrefilter&) = delete;
  PatternPrefilter& operator=(const PatternPrefilter&) = delete;

  // Element i: pattern i may occur in `text`. All true when Hyperscan could not take the patterns.
  std::vector<bool> may_occur(std::string_view text) const;

  // Calls on_match(i, end) for every offset `end` of `text` where a match of pattern i may end;
  // returns false (calling nothing) when Hyperscan could not take the patterns, and then any
  // pattern may match anywhere.
  bool for_each_match(std::string_view text,
                      const std::function<void(unsigned id, std::size_t end)>& on_match) const;

 private:
  void build() const;

  std::vector<std::string> patterns_;  // macros expanded
  Scope scope_;
  mutable std::once_flag built_;
  mutable hs_database_t* database_ = nullptr;
  std::uint64_t serial_ = 0;
};

}  // namespace culprit::report
