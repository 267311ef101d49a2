#include "report/literal_scanner.h"

#include <cstdio>
#include <cstdlib>
#include <memory>

namespace culprit::report {
namespace {

// Hyperscan takes lengths as unsigned int; larger inputs are scanned in chunks that end at a line
// break (the literals never contain one, so no occurrence is split).
constexpr std::size_t kMaxChunk = std::size_t{1} << 30;

struct ScratchDeleter {
  void operator()(hs_scratch_t* scratch) const { hs_free_scratch(scratch); }
};

// One scratch area per thread, grown to fit every database it is used with.
hs_scratch_t* thread_scratch(const hs_database_t* database) {
  thread_local std::unique_ptr<hs_scratch_t, ScratchDeleter> scratch;
  hs_scratch_t* raw = scratch.release();
  if (hs_alloc_scratch(database, &raw) != HS_SUCCESS) {
    std::fprintf(stderr, "culprit: cannot allocate Hyperscan scratch space\n");
    std::abort();
  }
  scratch.reset(raw);
  return raw;
}

struct ScanContext {
  const std::function<bool(unsigned, std::size_t)>* on_match;
  std::size_t base;
};

int on_hyperscan_match(unsigned int id, unsigned long long /*from*/, unsigned long long to,
                       unsigned int /*flags*/, void* context) {
  auto* scan = static_cast<ScanContext*>(context);
  return (*scan->on_match)(id, scan->base + static_cast<std::size_t>(to)) ? 0 : 1;
}

}  // namespace

LiteralScanner::LiteralScanner(const std::vector<std::string>& literals) {
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
  hs_compile_error_t* error = nullptr;
  if (hs_compile_lit_multi(expressions.data(), flags.data(), ids.data(), lengths.data(),
                           static_cast<unsigned>(literals.size()), HS_MODE_BLOCK, nullptr,
                           &database_, &error) != HS_SUCCESS) {
    // The literals are compiled-in constants: failing here is a programming error.
    std::fprintf(stderr, "culprit: cannot compile report headers: %s\n",
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
  hs_scratch_t* scratch = thread_scratch(database_);
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
