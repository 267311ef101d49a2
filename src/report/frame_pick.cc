#include "report/frame_pick.h"

#include <charconv>

#include "report/regex_util.h"

namespace culprit::report::detail {
namespace {

bool contains(std::string_view text, std::string_view what) {
  return text.find(what) != std::string_view::npos;
}

// The frame without the longest syscall prefix it starts with (a view of `frame`).
std::string_view strip_frame_prefix(std::string_view frame) {
  std::string_view best = frame;
  for (std::string_view prefix : console_rules().strip_frame_prefixes) {
    if (frame.starts_with(prefix) && frame.size() - prefix.size() < best.size()) {
      best = frame.substr(prefix.size());
    }
  }
  return best;
}

// Stalls loop across several functions; blame the caller of the first dispatcher frame
// (the syscall, work item, timer, ...) so that one stall gets one title.
std::pair<std::string, int> pick_stall_frame(const std::vector<std::string_view>& frames) {
  const RE2* anchors = compiled().stall_anchors.get();
  for (std::size_t i = 0; i < frames.size(); ++i) {
    if (contains_match(anchors, frames[i])) {
      if (contains(frames[i], "smp_call_function")) {
        return {"smp_call_function", static_cast<int>(i)};
      }
      // The frame before it (the first frame when it is the first).
      std::size_t previous = i == 0 ? 0 : i - 1;
      return {std::string(frames[previous]), static_cast<int>(previous)};
    }
  }
  return {"", -1};
}

// Hung tasks are victims; group the common root causes (RCU, rtnl) and otherwise skip
// scheduling and locking frames.
std::pair<std::string, int> pick_hung_task_frame(const std::vector<std::string_view>& frames) {
  static constexpr std::pair<std::string_view, std::string_view> kAnchors[] = {
      {"rtnl_lock", ""},
      {"synchronize_rcu", "synchronize_rcu"},
      {"synchronize_srcu", "synchronize_rcu"},
      {"synchronize_net", "synchronize_rcu"},
      {"synchronize_sched", "synchronize_rcu"},
  };
  for (std::size_t i = 0; i < frames.size(); ++i) {
    for (const auto& [anchor, replacement] : kAnchors) {
      if (contains(frames[i], anchor)) {
        return {std::string(replacement.empty() ? frames[i] : replacement), static_cast<int>(i)};
      }
    }
  }
  static constexpr std::string_view kSkip[] = {
      "sched",      "_lock", "_slowlock",   "down",           "rwsem",       "completion",
      "kthread",    "wait",  "synchronize", "context_switch", "__switch_to", "cancel_delayed_work",
      "rcu_barrier"};
  for (std::size_t i = 0; i < frames.size(); ++i) {
    bool skipped = false;
    for (std::string_view skip : kSkip) skipped = skipped || contains(frames[i], skip);
    if (!skipped) return {std::string(frames[i]), static_cast<int>(i)};
  }
  return {"", -1};
}

}  // namespace

std::string fill_template(std::string_view templ, const std::vector<std::string>& args) {
  std::string out;
  for (std::size_t i = 0; i < templ.size(); ++i) {
    if (templ[i] == '{') {
      std::size_t close = templ.find('}', i);
      if (close != std::string_view::npos) {
        unsigned index = 0;
        auto digits = templ.substr(i + 1, close - i - 1);
        auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
        if (ec == std::errc() && ptr == digits.data() + digits.size()) {
          if (index >= 1 && index <= args.size()) {
            out += args[index - 1];
          } else {
            out += "%!v(BADINDEX)";
          }
          i = close;
          continue;
        }
      }
    }
    out += templ[i];
  }
  return out;
}

Frame pick_frame(const CompiledStack& stack, const std::vector<std::string>& raw) {
  if (raw.empty()) return {};
  // The top frame needs no other.
  if (stack.pick == FramePick::kTop) return {std::string(strip_frame_prefix(raw[0])), raw[0]};
  std::vector<std::string_view> stripped;
  stripped.reserve(raw.size());
  for (const std::string& frame : raw) stripped.push_back(strip_frame_prefix(frame));
  std::pair<std::string, int> picked;
  switch (stack.pick) {
    case FramePick::kTop:
      return {std::string(stripped[0]), raw[0]};
    case FramePick::kStall:
      picked = pick_stall_frame(stripped);
      break;
    case FramePick::kHungTask:
      picked = pick_hung_task_frame(stripped);
      break;
  }
  if (picked.first.empty()) return {};
  return {picked.first, raw[picked.second]};
}

}  // namespace culprit::report::detail
