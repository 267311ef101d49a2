// Titles' building blocks: filling a title template, and choosing the frame a title names from a
// stack (the top one, or for stalls and hung tasks the one that says where the trouble is).
// Internal to the report module.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "report/compiled_rules.h"

namespace culprit::report::detail {

struct Frame {
  std::string canonical;  // syscall prefixes stripped
  std::string raw;
};

// Fills a title template: {N} is the N-th argument (1-based).
std::string fill_template(std::string_view templ, const std::vector<std::string>& args);

// The frame of `raw` (the stack's frames, outermost last) that a title names, by `stack.pick`;
// empty when none qualifies.
Frame pick_frame(const CompiledStack& stack, const std::vector<std::string>& raw);

}  // namespace culprit::report::detail
