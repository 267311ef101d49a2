// Demangling (report/demangle.h): titles use the readable name without parameter lists.
#include "report/demangle.h"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace culprit::report {
namespace {

// Removes a trailing "(params)" (and anything after it, such as " const") at nesting depth 0.
std::string strip_parameters(const std::string& name) {
  int depth = 0;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (c == '<') ++depth;
    if (c == '>' && depth > 0) --depth;
    if (c == '(' && depth == 0 && i > 0) return name.substr(0, i);
  }
  return name;
}

std::optional<std::string> demangle_cxx(std::string_view name) {
  std::string mangled(name);
  int status = 0;
  std::unique_ptr<char, decltype(&std::free)> out(
      abi::__cxa_demangle(mangled.c_str(), nullptr, nullptr, &status), &std::free);
  if (status != 0 || out == nullptr) return std::nullopt;
  return strip_parameters(out.get());
}

// A reader of Rust "v0" mangled names (RFC 2603), enough for the paths found in stack traces:
// crate roots, nested paths, inherent and trait impls, generic arguments and common types.
class RustDemangler {
 public:
  explicit RustDemangler(std::string_view symbol) : text_(symbol) {}

  std::optional<std::string> run() {
    if (!eat_digits_optional()) return std::nullopt;
    std::string out;
    if (!path(out, 0) || failed_) return std::nullopt;
    return out;
  }

 private:
  static constexpr int kMaxDepth = 64;

  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }
  bool eat(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }

  // An optional encoding version (decimal) before the path.
  bool eat_digits_optional() {
    while (!at_end() && peek() >= '0' && peek() <= '9') ++pos_;
    return true;
  }

  std::optional<std::size_t> base62() {
    if (eat('_')) return 0;
    std::size_t value = 0;
    while (!at_end() && peek() != '_') {
      char c = peek();
      int digit;
      if (c >= '0' && c <= '9') {
        digit = c - '0';
      } else if (c >= 'a' && c <= 'z') {
        digit = 10 + (c - 'a');
      } else if (c >= 'A' && c <= 'Z') {
        digit = 36 + (c - 'A');
      } else {
        return std::nullopt;
      }
      value = value * 62 + digit;  // may wrap: only back references use the value
      ++pos_;
    }
    if (!eat('_')) return std::nullopt;
    return value + 1;
  }

  bool disambiguator() {
    if (!eat('s')) return true;
    return base62().has_value();
  }

  std::optional<std::string> identifier() {
    if (!disambiguator()) return std::nullopt;
    bool punycode = eat('u');
    std::size_t length = 0;
    if (at_end() || peek() < '0' || peek() > '9') return std::nullopt;
    while (!at_end() && peek() >= '0' && peek() <= '9') {
      length = length * 10 + (peek() - '0');
      if (length > text_.size()) return std::nullopt;
      ++pos_;
    }
    eat('_');
    if (pos_ + length > text_.size()) return std::nullopt;
    std::string ident(text_.substr(pos_, length));
    pos_ += length;
    if (punycode) return std::nullopt;  // not needed for kernel symbols
    return ident;
  }

  // Follows a back reference and parses `parse` there, then returns to the current position.
  template <typename Parse>
  bool backref(Parse parse) {
    auto target = base62();
    if (!target) return false;
    // Offsets count from the first character after "_R"; `text_` starts there.
    if (*target >= pos_) return false;
    std::size_t saved = pos_;
    pos_ = *target;
    bool ok = parse();
    pos_ = saved;
    return ok;
  }

  bool path(std::string& out, int depth) {
    if (depth > kMaxDepth || at_end()) return false;
    char tag = text_[pos_++];
    switch (tag) {
      case 'C': {
        auto ident = identifier();
        if (!ident) return false;
        out += *ident;
        return true;
      }
      case 'M': {
        if (!disambiguator()) return false;
        std::string ignored;
        if (!path(ignored, depth + 1)) return false;
        out += '<';
        if (!type(out, depth + 1)) return false;
        out += '>';
        return true;
      }
      case 'X': {
        if (!disambiguator()) return false;
        std::string ignored;
        if (!path(ignored, depth + 1)) return false;
        out += '<';
        if (!type(out, depth + 1)) return false;
        out += " as ";
        if (!path(out, depth + 1)) return false;
        out += '>';
        return true;
      }
      case 'Y': {
        out += '<';
        if (!type(out, depth + 1)) return false;
        out += " as ";
        if (!path(out, depth + 1)) return false;
        out += '>';
        return true;
      }
      case 'N': {
        if (at_end()) return false;
        char ns = text_[pos_++];
        if (!path(out, depth + 1)) return false;
        std::size_t disambiguator_value = 0;
        if (peek() == 's') {
          ++pos_;
          auto value = base62();
          if (!value) return false;
          disambiguator_value = *value;
        }
        auto ident = identifier();
        if (!ident) return false;
        if (ns == 'C' || ns == 'S') {
          // Closures and shims have no name of their own: "{closure#0}".
          out.append(ns == 'C' ? "::{closure" : "::{shim");
          if (!ident->empty()) out.append(":").append(*ident);
          out.append("#").append(std::to_string(disambiguator_value)).append("}");
        } else {
          out.append("::").append(*ident);
        }
        return true;
      }
      case 'I': {
        if (!path(out, depth + 1)) return false;
        out += "::<";
        bool first = true;
        while (!eat('E')) {
          if (at_end()) return false;
          if (!first) out += ", ";
          first = false;
          if (!generic_arg(out, depth + 1)) return false;
        }
        out += '>';
        return true;
      }
      case 'B':
        return backref([&] { return path(out, depth + 1); });
      default:
        return false;
    }
  }

  bool generic_arg(std::string& out, int depth) {
    if (eat('L')) return base62().has_value();  // lifetimes are not printed
    if (eat('K')) return constant(out);
    return type(out, depth);
  }

  bool constant(std::string& out) {
    if (eat('p')) {
      out += '_';
      return true;
    }
    if (at_end()) return false;
    ++pos_;  // the type of the constant
    bool negative = eat('n');
    std::size_t start = pos_;
    while (!at_end() && peek() != '_') ++pos_;
    std::string_view hex = text_.substr(start, pos_ - start);
    if (!eat('_')) return false;
    out += negative ? "-0x" : "0x";
    out += hex;
    return true;
  }

  bool type(std::string& out, int depth) {
    if (depth > kMaxDepth || at_end()) return false;
    static constexpr std::string_view kBasic[26] = {
        "i8",    "bool", "char", "f64", "str",  "f32",  "",    "u8", "isize",
        "usize", "",     "i32",  "u32", "i128", "u128", "_",   "",   "",
        "i16",   "u16",  "()",   "...", "",     "i64",  "u64", "!"};
    char tag = peek();
    if (tag >= 'a' && tag <= 'z' && !kBasic[tag - 'a'].empty()) {
      ++pos_;
      out += kBasic[tag - 'a'];
      return true;
    }
    switch (tag) {
      case 'R':
      case 'Q':
        ++pos_;
        if (eat('L') && !base62()) return false;
        out += tag == 'R' ? "&" : "&mut ";
        return type(out, depth + 1);
      case 'P':
      case 'O':
        ++pos_;
        out += tag == 'P' ? "*const " : "*mut ";
        return type(out, depth + 1);
      case 'S':
        ++pos_;
        out += '[';
        if (!type(out, depth + 1)) return false;
        out += ']';
        return true;
      case 'A':
        ++pos_;
        out += '[';
        if (!type(out, depth + 1)) return false;
        out += "; ";
        if (!constant(out)) return false;
        out += ']';
        return true;
      case 'T': {
        ++pos_;
        out += '(';
        bool first = true;
        while (!eat('E')) {
          if (at_end()) return false;
          if (!first) out += ", ";
          first = false;
          if (!type(out, depth + 1)) return false;
        }
        out += ')';
        return true;
      }
      case 'B':
        ++pos_;
        return backref([&] { return type(out, depth + 1); });
      default:
        return path(out, depth + 1);
    }
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  bool failed_ = false;
};

}  // namespace

std::string demangle_symbol(std::string_view name) {
  if (name.size() > 2 && name.substr(0, 2) == "_R") {
    if (auto out = RustDemangler(name.substr(2)).run()) return *out;
    return std::string(name);
  }
  if (name.size() > 2 && name.substr(0, 2) == "_Z") {
    if (auto out = demangle_cxx(name)) return *out;
  }
  return std::string(name);
}

}  // namespace culprit::report
