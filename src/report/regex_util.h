// Small RE2 helpers shared by the report parser (internal to src/report).
#pragma once

#include <re2/re2.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace culprit::report {

// The options every report pattern is compiled with: raw bytes (Latin-1), no logging.
RE2::Options pattern_options();

// Compiles a pattern (macros expanded) for matching raw bytes: logs are not necessarily UTF-8, so
// every byte is one character. Aborts on an invalid pattern: all patterns are compiled-in data.
std::unique_ptr<RE2> compile_pattern(std::string_view pattern);

// The literal text every match of `pattern` starts with ("" if none): its leading characters up
// to the first operator, escaped punctuation unescaped, less a last character that a quantifier
// makes optional.
std::string literal_prefix(std::string_view pattern);

// The strings `pattern` (macros expanded) matches when it is only literals, escaped punctuation
// and groups of alternatives ("(?:Call (?:T|t)race:)|(?:Backtrace:)" gives "Call Trace:",
// "Call trace:", "Backtrace:"); nullopt for any other pattern, or for one with more than
// `max_count` strings.
std::optional<std::vector<std::string>> literal_alternatives(std::string_view pattern,
                                                             std::size_t max_count = 16);

// One alternation of all `patterns` ("matches any of them"); nullptr when the list is empty.
std::unique_ptr<RE2> compile_any(const std::vector<std::string_view>& patterns);

// A list of patterns searched as one ("does the text hold any of them"): with find() when they
// only match literals (literal_alternatives), which skips to the bytes equal to a literal's
// first where RE2's DFA reads every byte; else with one RE2 alternation.
class AnyPattern {
 public:
  explicit AnyPattern(const std::vector<std::string_view>& patterns);
  bool found_in(std::string_view text) const;

 private:
  std::unique_ptr<RE2> any_;  // nullptr when the literals stand for the patterns, or none
  std::vector<std::string> literals_;
};

// A successful search: group 0 is the whole match; a group that did not take part is nullopt.
using Groups = std::vector<std::optional<std::string_view>>;

// The leftmost match of `re` in `text`, or nullopt.
std::optional<Groups> search(const RE2& re, std::string_view text);

inline bool contains_match(const RE2* re, std::string_view text) {
  return re != nullptr && RE2::PartialMatch(text, *re);
}

}  // namespace culprit::report
