#include "report/literal_scanner.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

namespace culprit::report {
namespace {

// Hyperscan takes lengths as unsigned int; larger inputs are scanned in chunks that end at a line
// break (the literals never contain one, so no occurrence is split).
constexpr std::size_t kMaxChunk = std::size_t{1} << 30;

struct ScratchDeleter {
  void operator()(hs_scratch_t* scratch) const { hs_free_scratch(scratch); }
};

}  // namespace

// Grown once per database: hs_alloc_scratch costs more than scanning a short report.
hs_scratch_t* hyperscan_scratch(const hs_database_t* database, std::uint64_t serial) {
  thread_local std::unique_ptr<hs_scratch_t, ScratchDeleter> scratch;
  thread_local std::vector<std::uint64_t> fitted;
  if (scratch && std::find(fitted.begin(), fitted.end(), serial) != fitted.end()) {
    return scratch.get();
  }
  fitted.push_back(serial);
  hs_scratch_t* raw = scratch.release();
  if (hs_alloc_scratch(database, &raw) != HS_SUCCESS) {
    std::fprintf(stderr, "culprit: cannot allocate Hyperscan scratch space\n");
    std::abort();
  }
  scratch.reset(raw);
  return raw;
}

std::uint64_t new_database_serial() {
  static std::atomic<std::uint64_t> next_serial{0};
  return ++next_serial;
}

namespace {

struct ScanContext {
  const std::function<bool(unsigned, std::size_t)>* on_match;
  std::size_t base;
};

int on_hyperscan_match(unsigned int id, unsigned long long /*from*/, unsigned long long to,
                       unsigned int /*flags*/, void* context) {
  auto* scan = static_cast<ScanContext*>(context);
  return (*scan->on_match)(id, scan->base + static_cast<std::size_t>(to)) ? 0 : 1;
}

// A literal as a regexp: every byte that is not alphanumeric is written as \xHH.
std::string escape_literal(const std::string& literal) {
  std::string out;
  for (unsigned char c : literal) {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      out += static_cast<char>(c);
    } else {
      char hex[8];
      std::snprintf(hex, sizeof(hex), "\\x%02x", c);
      out += hex;
    }
  }
  return out;
}

}  // namespace

LiteralScanner::LiteralScanner(const std::vector<std::string>& literals,
                               const std::vector<std::string>& regexes) {
  serial_ = new_database_serial();
  hs_compile_error_t* error = nullptr;
  hs_error_t status = HS_SUCCESS;
  if (regexes.empty()) {
    std::vector<const char*> expressions;
    std::vector<std::size_t> lengths;
    std::vector<unsigned> flags;
    std::vector<unsigned> ids;
    for (unsigned i = 0; i < literals.size(); ++i) {
      expressions.push_back(literals[i].data());
      lengths.push_back(literals[i].size());
      flags.push_back(0);
      ids.push_back(i);
    }
    status = hs_compile_lit_multi(expressions.data(), flags.data(), ids.data(), lengths.data(),
                                  static_cast<unsigned>(literals.size()), HS_MODE_BLOCK, nullptr,
                                  &database_, &error);
  } else {
    std::vector<std::string> patterns;
    for (const std::string& literal : literals) patterns.push_back(escape_literal(literal));
    patterns.insert(patterns.end(), regexes.begin(), regexes.end());
    std::vector<const char*> expressions;
    std::vector<unsigned> flags;
    std::vector<unsigned> ids;
    for (unsigned i = 0; i < patterns.size(); ++i) {
      expressions.push_back(patterns[i].c_str());
      flags.push_back(0);
      ids.push_back(i);
    }
    status = hs_compile_multi(expressions.data(), flags.data(), ids.data(),
                              static_cast<unsigned>(patterns.size()), HS_MODE_BLOCK, nullptr,
                              &database_, &error);
  }
  if (status != HS_SUCCESS) {
    // The literals are compiled-in constants: failing here is a programming error.
    std::fprintf(stderr, "culprit: cannot compile report patterns: %s\n",
                 error != nullptr ? error->message : "unknown error");
    hs_free_compile_error(error);
    std::abort();
  }
}

LiteralScanner::~LiteralScanner() {
  hs_free_database(database_);
}

void LiteralScanner::scan(std::string_view text,
                          const std::function<bool(unsigned, std::size_t)>& on_match) const {
  hs_scratch_t* scratch = hyperscan_scratch(database_, serial_);
  std::size_t base = 0;
  while (base < text.size()) {
    std::size_t length = text.size() - base;
    if (length > kMaxChunk) {
      std::size_t cut = text.rfind('\n', base + kMaxChunk - 1);
      length = (cut == std::string_view::npos || cut < base) ? kMaxChunk : cut + 1 - base;
    }
    ScanContext context{&on_match, base};
    hs_error_t status = hs_scan(database_, text.data() + base, static_cast<unsigned>(length), 0,
                                scratch, on_hyperscan_match, &context);
    if (status == HS_SCAN_TERMINATED) return;
    base += length;
  }
}

}  // namespace culprit::report
