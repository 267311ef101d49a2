#include "search/bug_evidence.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

namespace culprit::search {

namespace {

std::set<std::string> names_of(const RunSummary& run) {
  std::set<std::string> names(run.alt_titles.begin(), run.alt_titles.end());
  names.insert(run.title);
  return names;
}

}  // namespace

BugTitles bug_titles_from(std::span<const RunSummary> start_runs) {
  std::map<std::string, int> seen;
  for (const RunSummary& run : start_runs) {
    if (run.outcome != RunOutcome::crashed) continue;
    for (const std::string& name : names_of(run)) ++seen[name];
  }
  int most = 0;
  for (const auto& [name, times] : seen) most = std::max(most, times);
  BugTitles titles;
  for (const auto& [name, times] : seen) {
    if (2 * times > most) titles.insert(name);
  }
  return titles;
}

bool bug_titles_ambiguous(std::span<const RunSummary> start_runs) {
  const BugTitles titles = bug_titles_from(start_runs);
  std::map<std::string, int> seen;
  std::vector<std::set<std::string>> crashes;  // the names of the crashes taken as the bug's
  for (const RunSummary& run : start_runs) {
    if (run.outcome != RunOutcome::crashed) continue;
    for (const std::string& name : names_of(run)) ++seen[name];
    if (matches_bug(titles, run)) crashes.push_back(names_of(run));
  }
  // A title left out must be well behind the leader: seen at most a third as often.
  int most = 0;
  for (const auto& [name, times] : seen) most = std::max(most, times);
  if (most < 3) return !seen.empty();  // a crash or two: the bug's, or unrelated ones?
  for (const auto& [name, times] : seen) {
    if (titles.count(name) == 0 && 3 * times > most) return true;
  }
  // Every crash taken as the bug's shares a title with another one.
  if (crashes.size() < 2) return false;
  for (std::size_t i = 0; i < crashes.size(); ++i) {
    bool corroborated = false;
    for (std::size_t j = 0; j < crashes.size() && !corroborated; ++j) {
      if (i == j) continue;
      corroborated = std::any_of(crashes[i].begin(), crashes[i].end(),
                                 [&](const std::string& name) { return crashes[j].count(name); });
    }
    if (!corroborated) return true;
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
