// Cause mode without --good: find a good end by testing release tags reachable from the bad
// commit, newest first, thinned as syzbot does (reference §1.2), until one does not crash.
#include "job/phases.h"
#include "search/release_tags.h"

namespace culprit::job {

Result<std::optional<std::string>> walk_releases(JobContext& job, std::string& bad,
                                                 BisectResult& result) {
  job.events.emit(PhaseStarted{Phase::release, bad});
  auto tags = job.repo.tags();
  if (!tags) return tags.error();
  std::map<std::string, std::string> commit_of;  // tag name -> commit
  std::vector<std::string> names;
  for (const vcs::Tag& tag : *tags) {
    if (!search::parse_release_tag(tag.name) || tag.commit == bad) continue;
    auto reachable = job.repo.is_ancestor(tag.commit, bad);
    if (!reachable) return reachable.error();
    if (!*reachable) continue;
    commit_of[tag.name] = tag.commit;
    names.push_back(tag.name);
  }
  if (names.empty()) {
    return make_error(fmt::format(
        "no release tags (vX.Y or vX.Y.Z) before {}: give a known good commit with --good",
        short_hash(bad)));
  }
  std::vector<std::string> picked = search::pick_release_tags(names);
  job.events.print("picked [{}] out of {} release tags", fmt::join(picked, " "), names.size());
  std::string last_bad = bad;
  Verdict last_verdict = Verdict::bad;
  for (const std::string& name : picked) {
    job.events.print("testing release {}", name);
    auto tested = judge(job, commit_of[name], Phase::release);
    if (!tested) return tested.error();
    last_verdict = tested->verdict();
    if (last_verdict == Verdict::good) {
      bad = last_bad;
      return std::optional<std::string>(commit_of[name]);
    }
    if (last_verdict == Verdict::bad) last_bad = commit_of[name];
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

}  // namespace culprit::job
