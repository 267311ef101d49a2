#include "report/report_cursor.h"

#include <algorithm>
#include <cstdint>
#include <string_view>

#include "report/compiled_rules.h"
#include "report/regex_util.h"
#include "report/report_builder.h"

namespace culprit::report {
namespace {

using detail::CompiledRules;

// A console takeover cuts a message short and prints it again in full on the next lines.
constexpr std::string_view kReplayedMessage = "** replaying previous printk message **";
// How much more of the console is indexed at a time while no report has been found.
constexpr std::size_t kIndexStep = std::size_t{1} << 20;

std::string_view without_cr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

}  // namespace

ReportCursor::ReportCursor(std::size_t from) : from_(from), indexed_to_(from) {}

void ReportCursor::set_view(std::string_view view, std::size_t base, bool complete) {
  view_ = view;
  base_ = base;
  complete_ = complete;
  indexed_to_ = std::max(indexed_to_, base_);
}

std::size_t ReportCursor::keep_from() const {
  std::size_t anchor = pending_ ? pending_->pos : indexed_to_;
  // A report line found but not yet taken (its next line is still coming) counts too.
  if (!marks_.empty()) anchor = std::min(anchor, marks_.front().pos);
  // One byte more than the lookback: the context lines start after a "\n".
  if (anchor > from_ + kMaxLookback + 1) return anchor - kMaxLookback - 1;
  return from_;
}

void ReportCursor::index_region(std::size_t from, std::size_t to) {
  const CompiledRules& rules = detail::compiled();
  std::string_view region = view_.substr(from - base_, to - from);
  // The line being looked at (relative to `region`), the headers and messages found on it.
  bool any = false;
  std::size_t line_start = 0;
  std::size_t line_end = 0;
  std::uint64_t headers = 0;
  bool info = false;
  auto classify = [&] {
    if (!any) return;
    std::string_view line = without_cr(region.substr(line_start, line_end - line_start));
    Mark mark{.pos = from + line_start, .end = from + line_end};
    if (headers != 0) mark.kind = detail::oops_kind(line, headers);
    mark.ends_report =
        info || (mark.kind != nullptr && !rules.continuation_headers->found_in(line));
    if (mark.kind != nullptr || info) {
      mark.context = detail::context_key(line);
      marks_.push_back(std::move(mark));
    }
    headers = 0;
    info = false;
  };
  rules.scanner->scan(region, [&](unsigned id, std::size_t end) {
    std::size_t at = end - 1;  // last byte of the occurrence
    if (id >= rules.flag_base) {
      std::size_t flag = std::min<std::size_t>(id - rules.flag_base, detail::kSuppression);
      if (flag == detail::kSuppression && id < rules.suppression_regex_base) {
        // The literal a suppression starts with: does the whole pattern match on its line?
        std::size_t newline = region.rfind('\n', at);
        std::size_t start = newline == std::string_view::npos ? 0 : newline + 1;
        std::size_t stop = std::min(region.find('\n', at), region.size());
        if (!contains_match(rules.suppressions.get(), region.substr(start, stop - start))) {
          return true;
        }
      }
      flags_[flag].push_back(from + at);
      return true;
    }
    if (!any || at >= line_end) {
      classify();
      std::size_t newline = at == 0 ? std::string_view::npos : region.rfind('\n', at - 1);
      line_start = newline == std::string_view::npos ? 0 : newline + 1;
      line_end = region.find('\n', at);
      if (line_end == std::string_view::npos) line_end = region.size();
      any = true;
    }
    if (id < rules.info_base) {
      headers |= std::uint64_t{1} << id;
    } else {
      info = true;
    }
    return true;
  });
  classify();
}

bool ReportCursor::index_to(std::size_t limit) {
  std::size_t upto = std::min(limit, view_end());
  if (upto > indexed_to_ && upto < view_end()) {
    // Whole lines only: up to the "\n" at or after `limit`.
    std::size_t newline = view_.find('\n', upto - 1 - base_);
    upto = newline == std::string_view::npos ? view_end() : base_ + newline + 1;
  }
  if (upto == view_end() && !complete_) {
    // The last line may still grow.
    std::size_t newline = view_.rfind('\n');
    upto = newline == std::string_view::npos ? base_ : base_ + newline + 1;
  }
  if (upto <= indexed_to_) return false;
  index_region(indexed_to_, upto);
  indexed_to_ = upto;
  return true;
}

bool ReportCursor::line_is_replayed_message(std::size_t line_start, bool& need_more) const {
  need_more = false;
  if (line_start >= view_end()) {
    need_more = !complete_;
    return false;
  }
  std::size_t newline = view_.find('\n', line_start - base_);
  if (newline == std::string_view::npos) {
    if (!complete_) {
      need_more = true;
      return false;
    }
    newline = view_.size();
  }
  return without_cr(view_.substr(line_start - base_, newline - (line_start - base_))) ==
         kReplayedMessage;
}

ReportCursor::Search ReportCursor::find_oops() {
  for (;;) {
    while (!marks_.empty() && marks_.front().pos < from_) marks_.pop_front();
    for (const Mark& mark : marks_) {
      if (mark.kind == nullptr) continue;
      bool need_more = false;
      if (line_is_replayed_message(mark.end + 1, need_more)) continue;
      if (need_more) return Search::kNeedMore;
      pending_ = mark;
      return Search::kFound;
    }
    if (index_to(indexed_to_ + kIndexStep)) continue;
    // No report starts before indexed_to_: the markers seen so far belong to whichever comes
    // next, and the lines seen so far to none.
    for (int flag = 0; flag < 3; ++flag) {
      while (!flags_[flag].empty() && flags_[flag].front() < from_) flags_[flag].pop_front();
      if (!flags_[flag].empty()) flags_before_[flag] = true;
      flags_[flag].clear();
    }
    marks_.clear();
    return complete_ ? Search::kNone : Search::kNeedMore;
  }
}

std::optional<CrashReport> ReportCursor::next() {
  if (!pending_ && find_oops() != Search::kFound) return std::nullopt;
  const Mark oops = *pending_;
  std::size_t span_end = view_end();
  if (view_end() - oops.pos > kMaxReportSpan) {
    std::size_t newline = view_.find('\n', oops.pos + kMaxReportSpan - base_);
    if (newline != std::string_view::npos) {
      span_end = base_ + newline + 1;
    } else if (!complete_) {
      return std::nullopt;
    }
  } else if (!complete_) {
    return std::nullopt;
  }
  index_to(span_end);

  detail::ReportBounds bounds{.start = oops.pos, .end = oops.end, .kind = oops.kind};
  // Where the text ends (see report_cursor.h).
  std::size_t cut = span_end;
  bounds.next_report = span_end;
  const bool tagged = oops.context.size() > 1;
  int counted = 0;
  int other_callers = 0;
  int repeats = 0;
  for (const Mark& mark : marks_) {
    if (mark.pos <= oops.pos) continue;
    if (mark.pos >= span_end) break;
    if (mark.kind != nullptr) bounds.end = mark.end;
    if (!mark.ends_report || cut != span_end) continue;
    if (bounds.next_report == span_end) bounds.next_report = mark.pos;
    if (tagged && mark.context != oops.context) {
      if (++other_callers == kMaxOtherCallers) cut = mark.pos;
    } else if (tagged && mark.kind == oops.kind && repeats < kMaxRepeats) {
      ++repeats;
    } else if (++counted == kReportsAfter) {
      cut = mark.pos;
    }
  }
  std::size_t floor = from_;
  if (oops.pos > from_ + kMaxLookback + 1) {
    // The first line that starts at or after oops.pos - kMaxLookback.
    floor = base_ + view_.find('\n', oops.pos - kMaxLookback - 1 - base_) + 1;
  }
  bool found[3];
  for (int flag = 0; flag < 3; ++flag) {
    const std::deque<std::size_t>& at = flags_[flag];
    auto first = std::lower_bound(at.begin(), at.end(), from_);
    found[flag] = flags_before_[flag] || (first != at.end() && *first < span_end);
  }
  bounds.text = view_.substr(floor - base_, cut - floor);
  bounds.base = floor;
  lines_.cover(view_, base_, floor, cut);
  bounds.lines = &lines_;
  CrashReport report =
      detail::build_report(bounds, detail::LogFlags{.panicked = found[detail::kPanicMarker],
                                                    .console_hangup = found[detail::kConsoleHangup],
                                                    .suppressed = found[detail::kSuppression]});
  from_ = report.skip;
  pending_.reset();
  for (int flag = 0; flag < 3; ++flag) {
    flags_before_[flag] = false;
    while (!flags_[flag].empty() && flags_[flag].front() < from_) flags_[flag].pop_front();
  }
  return report;
}

bool ReportCursor::contains_oops(std::string_view log) {
  ReportCursor cursor(0);
  cursor.set_view(log, 0, /*complete=*/true);
  return cursor.find_oops() == Search::kFound;
}

}  // namespace culprit::report
