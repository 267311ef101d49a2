#include "report/regex_util.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>

#include "report/oops_table.h"

namespace culprit::report {

RE2::Options pattern_options() {
  RE2::Options options;
  options.set_encoding(RE2::Options::EncodingLatin1);
  options.set_log_errors(false);
  options.set_max_mem(64 << 20);
  return options;
}

std::unique_ptr<RE2> compile_pattern(std::string_view pattern) {
  auto re = std::make_unique<RE2>(expand_macros(pattern), pattern_options());
  if (!re->ok()) {
    std::fprintf(stderr, "culprit: invalid report pattern %s: %s\n", re->pattern().c_str(),
                 re->error().c_str());
    std::abort();
  }
  return re;
}

std::string literal_prefix(std::string_view pattern) {
  constexpr std::string_view kOperators = ".[](){}*+?|^$\\";
  constexpr std::string_view kQuantifiers = "*+?{";
  std::string prefix;
  std::size_t i = 0;
  while (i < pattern.size()) {
    char c = pattern[i];
    std::size_t next = i + 1;
    if (c == '\\') {
      // Only escaped punctuation stands for itself (\d, \b, \x41 ... do not).
      if (next >= pattern.size()) break;
      c = pattern[next];
      if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) break;
      ++next;
    } else if (kOperators.find(c) != std::string_view::npos) {
      break;
    }
    if (next < pattern.size() && kQuantifiers.find(pattern[next]) != std::string_view::npos) break;
    prefix += c;
    i = next;
  }
  // An alternation anywhere makes the prefix optional.
  if (pattern.find('|') != std::string_view::npos) return "";
  return prefix;
}

namespace {

// A recursive-descent reading of the patterns literal_alternatives() takes:
//   alternation := sequence ("|" sequence)*
//   sequence    := (byte | "\" punctuation | "(" ["?:"] alternation ")")*
class LiteralReader {
 public:
  LiteralReader(std::string_view pattern, std::size_t max_count)
      : pattern_(pattern), max_count_(max_count) {}

  std::optional<std::vector<std::string>> read() {
    std::optional<std::vector<std::string>> out = alternation();
    if (!out || pos_ != pattern_.size()) return std::nullopt;
    return out;
  }

 private:
  std::optional<std::vector<std::string>> alternation() {
    std::optional<std::vector<std::string>> out = sequence();
    while (out && pos_ < pattern_.size() && pattern_[pos_] == '|') {
      ++pos_;
      std::optional<std::vector<std::string>> more = sequence();
      if (!more || out->size() + more->size() > max_count_) return std::nullopt;
      out->insert(out->end(), more->begin(), more->end());
    }
    return out;
  }

  std::optional<std::vector<std::string>> sequence() {
    std::vector<std::string> out = {""};
    while (pos_ < pattern_.size() && pattern_[pos_] != '|' && pattern_[pos_] != ')') {
      std::vector<std::string> next;
      char c = pattern_[pos_];
      if (c == '(') {
        ++pos_;
        if (pattern_.substr(pos_, 2) == "?:") pos_ += 2;
        std::optional<std::vector<std::string>> group = alternation();
        if (!group || pos_ >= pattern_.size() || pattern_[pos_] != ')') return std::nullopt;
        ++pos_;
        next = std::move(*group);
      } else if (c == '\\') {
        // Only escaped punctuation stands for itself (\d, \b, \x41 ... do not).
        if (pos_ + 1 >= pattern_.size() ||
            std::isalnum(static_cast<unsigned char>(pattern_[pos_ + 1]))) {
          return std::nullopt;
        }
        next = {std::string(1, pattern_[pos_ + 1])};
        pos_ += 2;
      } else if (std::string_view(".[]{}*+?^$").find(c) != std::string_view::npos) {
        return std::nullopt;
      } else {
        next = {std::string(1, c)};
        ++pos_;
      }
      if (out.size() * next.size() > max_count_) return std::nullopt;
      std::vector<std::string> product;
      for (const std::string& head : out) {
        for (const std::string& tail : next) product.push_back(head + tail);
      }
      out = std::move(product);
    }
    return out;
  }

  std::string_view pattern_;
  std::size_t max_count_;
  std::size_t pos_ = 0;
};

}  // namespace

std::optional<std::vector<std::string>> literal_alternatives(std::string_view pattern,
                                                             std::size_t max_count) {
  return LiteralReader(pattern, max_count).read();
}

std::unique_ptr<RE2> compile_any(const std::vector<std::string_view>& patterns) {
  if (patterns.empty()) return nullptr;
  std::string joined;
  for (std::string_view pattern : patterns) {
    if (!joined.empty()) joined += '|';
    joined += "(?:";
    joined += pattern;
    joined += ')';
  }
  return compile_pattern(joined);
}

AnyPattern::AnyPattern(const std::vector<std::string_view>& patterns) {
  if (patterns.empty()) return;
  std::string joined;
  for (std::string_view pattern : patterns) {
    if (!joined.empty()) joined += '|';
    joined += "(?:" + std::string(pattern) + ")";
  }
  if (auto literals = literal_alternatives(expand_macros(joined))) {
    literals_ = std::move(*literals);
  } else {
    any_ = compile_pattern(joined);
  }
}

bool AnyPattern::found_in(std::string_view text) const {
  if (any_ != nullptr) return contains_match(any_.get(), text);
  for (const std::string& literal : literals_) {
    if (text.find(literal) != std::string_view::npos) return true;
  }
  return false;
}

std::optional<Groups> search(const RE2& re, std::string_view text) {
  // A null data pointer would make an empty participating group look like a missing one.
  if (text.data() == nullptr) text = std::string_view("", 0);
  int count = re.NumberOfCapturingGroups() + 1;
  // Most searches fail: no allocation for those.
  thread_local std::vector<re2::StringPiece> pieces;
  if (pieces.size() < static_cast<std::size_t>(count)) pieces.resize(count);
  if (!re.Match(re2::StringPiece(text.data(), text.size()), 0, text.size(), RE2::UNANCHORED,
                pieces.data(), count)) {
    return std::nullopt;
  }
  Groups groups;
  groups.reserve(count);
  for (int i = 0; i < count; ++i) {
    const re2::StringPiece& piece = pieces[i];
    if (piece.data() == nullptr) {
      groups.emplace_back(std::nullopt);
    } else {
      groups.emplace_back(std::string_view(piece.data(), piece.size()));
    }
  }
  return groups;
}

}  // namespace culprit::report
