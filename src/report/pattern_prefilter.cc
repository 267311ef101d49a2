#include "report/pattern_prefilter.h"

#include <limits>
#include <string>

#include "report/literal_scanner.h"
#include "report/oops_table.h"

namespace culprit::report {
namespace {

int on_match(unsigned int id, unsigned long long /*from*/, unsigned long long /*to*/,
             unsigned int /*flags*/, void* context) {
  (*static_cast<std::vector<bool>*>(context))[id] = true;
  return 0;
}

using OnMatch = std::function<void(unsigned id, std::size_t end)>;

int forward_match(unsigned int id, unsigned long long /*from*/, unsigned long long to,
                  unsigned int /*flags*/, void* context) {
  (*static_cast<const OnMatch*>(context))(id, static_cast<std::size_t>(to));
  return 0;
}

}  // namespace

PatternPrefilter::PatternPrefilter(const std::vector<std::string_view>& patterns, Scope scope)
    : scope_(scope), serial_(new_database_serial()) {
  for (std::string_view pattern : patterns) patterns_.push_back(expand_macros(pattern));
}

void PatternPrefilter::build() const {
  if (patterns_.empty()) return;
  std::vector<const char*> expressions;
  std::vector<unsigned> flags;
  std::vector<unsigned> ids;
  for (unsigned i = 0; i < patterns_.size(); ++i) {
    expressions.push_back(patterns_[i].c_str());
    // Where in the lines: every match end, "^" after each "\n" ("." never matches it, as in RE2).
    flags.push_back(scope_ == Scope::kLines
                        ? HS_FLAG_PREFILTER | HS_FLAG_MULTILINE | HS_FLAG_ALLOWEMPTY
                        : HS_FLAG_PREFILTER | HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY);
    ids.push_back(i);
  }
  hs_compile_error_t* error = nullptr;
  if (hs_compile_multi(expressions.data(), flags.data(), ids.data(),
                       static_cast<unsigned>(expressions.size()), HS_MODE_BLOCK, nullptr,
                       &database_, &error) != HS_SUCCESS) {
    // Not a fault: every pattern is then searched for.
    hs_free_compile_error(error);
    database_ = nullptr;
  }
}

PatternPrefilter::~PatternPrefilter() {
  hs_free_database(database_);
}

std::vector<bool> PatternPrefilter::may_occur(std::string_view text) const {
  std::call_once(built_, [this] { build(); });
  const std::size_t count = patterns_.size();
  if (database_ == nullptr || text.size() > std::numeric_limits<unsigned>::max()) {
    return std::vector<bool>(count, true);
  }
  std::vector<bool> out(count, false);
  hs_scan(database_, text.data(), static_cast<unsigned>(text.size()), 0,
          hyperscan_scratch(database_, serial_), on_match, &out);
  return out;
}

bool PatternPrefilter::for_each_match(std::string_view text, const OnMatch& on_match) const {
  std::call_once(built_, [this] { build(); });
  if (database_ == nullptr || text.size() > std::numeric_limits<unsigned>::max()) return false;
  hs_scan(database_, text.data(), static_cast<unsigned>(text.size()), 0,
          hyperscan_scratch(database_, serial_), forward_match, const_cast<OnMatch*>(&on_match));
  return true;
}

}  // namespace culprit::report
