// Cause mode without --good: find a good end. classic walks the release tags reachable from the
// bad commit, newest first, thinned as syzbot does (reference §1.2), until one does not crash.
// bayes lets the strategy choose among all of them by the evidence (search/end_posterior.h), or,
// with no release tags, among first-parent ancestors at doubling distances (galloping).
#include "job/phases.h"
#include "search/release_tags.h"

namespace culprit::job {
namespace {

struct ReleaseTags {
  std::map<std::string, std::string> commit_of;  // tag name -> commit
  std::vector<std::string> names;
};

Result<ReleaseTags> release_tags_before(JobContext& job, const std::string& bad) {
  auto tags = job.repo.tags();
  if (!tags) return tags.error();
  ReleaseTags releases;
  for (const vcs::Tag& tag : *tags) {
    if (!search::parse_release_tag(tag.name) || tag.commit == bad) continue;
    auto reachable = job.repo.is_ancestor(tag.commit, bad);
    if (!reachable) return reachable.error();
    if (!*reachable) continue;
    releases.commit_of[tag.name] = tag.commit;
    releases.names.push_back(tag.name);
  }
  return releases;
}

Error no_release_tags(const std::string& bad) {
  return make_error(fmt::format(
      "no release tags (vX.Y or vX.Y.Z) before {}: give a known good commit with --good",
      short_hash(bad)));
}

// syzbot's walk: the thinned list, newest first, each judged until one is good.
Result<std::optional<std::string>> walk_thinned(JobContext& job, std::string& bad,
                                                const ReleaseTags& releases, BisectResult& result) {
  const std::vector<std::string>& names = releases.names;
  const std::map<std::string, std::string>& commit_of = releases.commit_of;
  std::vector<std::string> picked = search::pick_release_tags(names);
  job.events.print("picked [{}] out of {} release tags", fmt::join(picked, " "), names.size());
  std::string last_bad = bad;
  Verdict last_verdict = Verdict::bad;
  for (const std::string& name : picked) {
    job.events.print("testing release {}", name);
    auto tested = judge(job, commit_of.at(name), Phase::release);
    if (!tested) return tested.error();
    last_verdict = tested->verdict();
    if (last_verdict == Verdict::good) {
      bad = last_bad;
      return std::optional<std::string>(commit_of.at(name));
    }
    if (last_verdict == Verdict::bad) last_bad = commit_of.at(name);
  }
  if (last_verdict == Verdict::bad) {
    job.events.print("crash still happens on the oldest tested release {}", picked.back());
    result.kind = BisectResult::Kind::horizon;
    result.candidates = {last_bad};
  } else {
    result.kind = BisectResult::Kind::error;
    result.error = fmt::format("oldest tested release {} had build or test errors", picked.back());
  }
  return std::optional<std::string>();
}

// The ends the strategy may choose from, newest first, with their distances from `bad`: every
// walkable release tag, or with none the first-parent ancestors 1, 2, 4, 8, ... commits back
// (and the root).
struct Ends {
  std::vector<search::EndCandidate> candidates;
  std::vector<std::string> commits;
  bool releases = true;
};

Result<Ends> ends_before(JobContext& job, const std::string& bad, const ReleaseTags& releases) {
  Ends ends;
  std::string newer = bad;
  double distance = 0;
  for (const std::string& name : search::walkable_release_tags(releases.names)) {
    const std::string& commit = releases.commit_of.at(name);
    // Counted between neighbours, so the whole walk reads the history once.
    auto between = job.repo.count_commits(newer, commit);
    if (!between) return between.error();
    distance += static_cast<double>(*between);
    ends.candidates.push_back({name, distance});
    ends.commits.push_back(commit);
    newer = commit;
  }
  if (!ends.commits.empty()) return ends;
  ends.releases = false;
  constexpr std::size_t kFarthest = std::size_t{1} << 20;
  auto chain = job.repo.first_parents(bad, kFarthest);
  if (!chain) return chain.error();
  for (std::size_t back = 1; back <= chain->size(); back *= 2) {
    ends.candidates.push_back(
        {fmt::format("{}~{}", short_hash(bad), back), static_cast<double>(back)});
    ends.commits.push_back((*chain)[back - 1]);
    if (back < chain->size() && back * 2 > chain->size()) {
      ends.candidates.push_back({fmt::format("{}~{}", short_hash(bad), chain->size()),
                                 static_cast<double>(chain->size())});
      ends.commits.push_back(chain->back());
    }
  }
  return ends;
}

// bayes: the strategy picks which end to test next, from the posterior over where the bug came in.
Result<std::optional<std::string>> choose_good_end(JobContext& job, std::string& bad,
                                                   const ReleaseTags& releases,
                                                   BisectResult& result) {
  auto ends = ends_before(job, bad, releases);
  if (!ends) return ends.error();
  if (ends->commits.empty()) {
    return make_error(fmt::format("{} has no parent: there is no good end to look for", bad));
  }
  const auto& candidates = ends->candidates;
  auto name = [&](std::size_t i) {
    return fmt::format("{} {}", ends->releases ? "release" : "commit", candidates[i].name);
  };
  if (ends->releases) {
    job.events.print("choosing among {} release tag{} by the evidence", candidates.size(),
                     candidates.size() == 1 ? "" : "s");
  } else {
    job.events.print("no release tags before {}: looking back 1, 2, 4, ... {} commits",
                     short_hash(bad), static_cast<std::size_t>(candidates.back().distance));
  }
  job.strategy->begin_ends(candidates);
  for (;;) {
    if (job.cancel_requested()) return make_error("cancelled");
    const search::EndStep step = job.strategy->next_end();
    switch (step.kind) {
      case search::EndStep::Kind::good:
        job.events.print("good end: {} (chance it has the bug {:.3f})", name(step.index),
                         1 - step.probability);
        if (step.new_end) {
          bad = ends->commits[*step.new_end];
          job.events.print("the range ends at {}, which has the bug", name(*step.new_end));
        }
        return std::optional<std::string>(ends->commits[step.index]);
      case search::EndStep::Kind::horizon:
        job.events.print(
            "crash still happens on the oldest tested {} (older than every {}: {:.3f})",
            name(step.index), ends->releases ? "release" : "commit tested", step.probability);
        result.kind = BisectResult::Kind::horizon;
        result.candidates = {ends->commits[step.index]};
        return std::optional<std::string>();
      case search::EndStep::Kind::none:
        result.kind = BisectResult::Kind::error;
        result.error = "no good end found: " + step.reason;
        return std::optional<std::string>();
      case search::EndStep::Kind::test:
        break;
    }
    const std::string& commit = ends->commits[step.index];
    job.events.print("testing {} ({} commits back, chance it has the bug {:.2f})", name(step.index),
                     static_cast<std::size_t>(candidates[step.index].distance), step.probability);
    auto tested = evaluate(job, commit, Phase::release, step.runs);
    if (!tested) return tested.error();
    const search::Recorded recorded =
        tested->built ? job.strategy->record_end(step.index, tested->batch, tested->cost)
                      : job.strategy->record_end_build_failure(step.index, tested->cost);
    if (Status concluded = conclude(job, *tested, recorded.decision); !concluded.ok()) {
      return concluded.error();
    }
  }
}

}  // namespace

Result<std::optional<std::string>> walk_releases(JobContext& job, std::string& bad,
                                                 BisectResult& result) {
  job.events.emit(PhaseStarted{Phase::release, bad});
  auto releases = release_tags_before(job, bad);
  if (!releases) return releases.error();
  if (job.strategy->chooses_good_end()) return choose_good_end(job, bad, *releases, result);
  if (releases->names.empty()) return no_release_tags(bad);
  return walk_thinned(job, bad, *releases, result);
}

}  // namespace culprit::job
