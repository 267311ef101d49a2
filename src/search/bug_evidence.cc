#include "search/bug_evidence.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace culprit::search {

namespace {

std::set<std::string> names_of(const RunSummary& run) {
  std::set<std::string> names(run.alt_titles.begin(), run.alt_titles.end());
  names.insert(run.title);
  return names;
}

// How often each name (a crash's title or one of its alternative titles) was seen, and the most.
struct TitleCounts {
  std::map<std::string, int> seen;
  int most = 0;
};

TitleCounts count_titles(std::span<const RunSummary> runs) {
  TitleCounts counts;
  for (const RunSummary& run : runs) {
    if (run.outcome != RunOutcome::crashed) continue;
    for (const std::string& name : names_of(run)) ++counts.seen[name];
  }
  for (const auto& [name, times] : counts.seen) counts.most = std::max(counts.most, times);
  return counts;
}

// The titles seen more than half as often as the most frequent one.
BugTitles leading_titles(const TitleCounts& counts) {
  BugTitles titles;
  for (const auto& [name, times] : counts.seen) {
    if (2 * times > counts.most) titles.insert(name);
  }
  return titles;
}

}  // namespace

BugTitles bug_titles_from(std::span<const RunSummary> start_runs) {
  return leading_titles(count_titles(start_runs));
}

bool bug_titles_ambiguous(std::span<const RunSummary> start_runs) {
  const TitleCounts counts = count_titles(start_runs);
  const BugTitles titles = leading_titles(counts);
  if (counts.most < 3) return !counts.seen.empty();  // a crash or two: the bug's, or unrelated?
  for (const auto& [name, times] : counts.seen) {
    // A title left out must be well behind the leader: seen at most a third as often. A title
    // taken must be seen three times too: with a rare reproducer, an unrelated crash seen twice
    // next to the bug's three is as likely as a second title of the bug.
    if (titles.count(name) == 0 ? 3 * times > counts.most : times < 3) return true;
  }
  return false;
}

bool matches_bug(const BugTitles& titles, const RunSummary& run) {
  if (run.outcome != RunOutcome::crashed) return false;
  if (titles.empty() || titles.count(run.title) > 0) return true;
  return std::any_of(run.alt_titles.begin(), run.alt_titles.end(),
                     [&](const std::string& alt) { return titles.count(alt) > 0; });
}

RunTally tally(const BugTitles& titles, std::span<const RunSummary> runs) {
  RunTally counted;
  for (const RunSummary& run : runs) {
    if (run.outcome != RunOutcome::ok && run.outcome != RunOutcome::crashed) continue;
    ++counted.runs;
    if (matches_bug(titles, run)) ++counted.matching;
  }
  return counted;
}

double presence_repro_rate(double strategy_estimate, const RunTally& start) {
  const double observed = (start.matching + 1.0) / (start.runs + 2.0);
  return std::clamp(std::min(strategy_estimate, observed), 0.05, 0.99);
}

BugPresence bug_presence(const RunTally& counted, double repro) {
  BugPresence presence;
  presence.runs = counted.runs;
  presence.matching = counted.matching;
  const double p = repro;
  const int k = counted.matching, n = counted.runs;
  const double log_present = k * std::log(p) + (n - k) * std::log1p(-p);
  const double log_absent = k * std::log(kLookalikeRate) + (n - k) * std::log1p(-kLookalikeRate);
  presence.probability = 1 / (1 + std::exp(log_absent - log_present));
  presence.miss = k > 0 ? 0 : std::pow(1 - p, n);
  return presence;
}

}  // namespace culprit::search
