// BugEvidence: what one run says about the bug, in one place for the strategies and the job.
//
// The bug is known by its titles: those the start commit crashed with (with the parser's other
// names of the same crash), but not one seen at most half as often as the most frequent one, which
// is an unrelated crash met on the way. A crash "matches" when its title or one of its alternative
// titles is one of them.
//
// The job's own checks of a single commit (verification, the revert, fix mode's merge bases) need
// a yes/no on "is the bug in this commit?" from its runs alone, without the search's posterior:
// bug_presence() weighs k matching crashes in n runs under "present" (each run shows the bug with
// the reproducer's rate p) against "absent" (a run crashes with a look-alike title with a small
// rate), with a uniform prior on the two.
#pragma once

#include <set>
#include <span>
#include <string>

#include "search/verdict_policy.h"

namespace culprit::search {

using BugTitles = std::set<std::string>;

// The bug's titles from the start commit's runs (crashed ones count; others are ignored).
BugTitles bug_titles_from(std::span<const RunSummary> start_runs);

// Whether the start commit's runs leave the bug's titles in doubt: no title was seen three times
// (a crash or two may be the bug's or unrelated ones), or a title left out was seen more than a
// third as often as the most frequent one. More runs of the start commit settle it.
bool bug_titles_ambiguous(std::span<const RunSummary> start_runs);

// Whether a crashed run shows the bug. With no known titles any crash does.
bool matches_bug(const BugTitles& titles, const RunSummary& run);

// Runs that tested something (ok or crashed) and those that crashed with the bug's title.
struct RunTally {
  int runs = 0;
  int matching = 0;
};
RunTally tally(const BugTitles& titles, std::span<const RunSummary> runs);

struct BugPresence {
  int runs = 0;              // runs that tested something
  int matching = 0;          // crashed with one of the bug's titles
  double probability = 0.5;  // P(the bug is in the commit | these runs)
  double miss = 1;           // P(no matching crash in these runs | the bug is there)
};

// The reproducer's rate to weigh runs with: the strategy's estimate, but no more than what the
// start commit's runs show under a uniform prior (a few crashes in a few runs do not make it
// certain), clamped to [0.05, 0.99].
double presence_repro_rate(double strategy_estimate, const RunTally& start);

// P(the bug is in a commit | `counted`), with reproducer rate `repro` (see above) and a look-alike
// rate of kLookalikeRate when the bug is absent.
inline constexpr double kLookalikeRate = 0.01;
BugPresence bug_presence(const RunTally& counted, double repro);

}  // namespace culprit::search
