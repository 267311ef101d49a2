// The range search: the strategy picks the next commits, evaluation tests them, the strategy
// learns from their runs -- until it names a culprit, gives up, or the job is cancelled.
#include "job/phases.h"

namespace culprit::job {
namespace {

std::string_view mark_name(search::Mark mark) {
  return mark == search::Mark::good ? "good" : mark == search::Mark::bad ? "bad" : "skip";
}

// After each step of a strategy that keeps a posterior: how sure it is and of what.
void log_posterior(JobContext& job) {
  std::vector<std::string> leaders;
  for (const search::Ranked& ranked : job.strategy->top(3)) {
    if (ranked.probability < 0.001 && !leaders.empty()) break;
    leaders.push_back(fmt::format("{} {:.3f}",
                                  ranked.point == search::kOlderThanRange
                                      ? "older-than-range"
                                      : short_hash(job.point_commit(ranked.point)),
                                  ranked.probability));
  }
  job.events.print("confidence {:.3f}, top candidates: {}", job.strategy->confidence(),
                   fmt::join(leaders, ", "));
  job.events.emit(PosteriorUpdated{job.strategy->confidence(), job.leaders(10)});
}

// Tests one commit the strategy asked for and hands it the runs.
Status test_order(JobContext& job, const search::TestOrder& order) {
  const std::string commit = job.point_commit(order.point);
  auto info = job.repo.commit(commit);
  const std::string subject = info ? info->title : "";
  job.events.print("[{}] {}", commit, subject);
  job.events.emit(CommitChosen{
      commit, subject, job.progress.step, job.progress.steps_total, job.progress.candidates_left,
      job.strategy->reports_confidence() ? job.leaders(10) : std::vector<RankedCommit>{}});
  auto print_mark = [&](const search::Recorded& recorded) {
    job.events.print("# git bisect {} {}", mark_name(recorded.mark), commit);
  };
  if (!job.cause() && order.point < job.graph->size()) {
    // A commit whose history never had the bug does not crash, and is no fix either.
    auto introduced = bug_introduced(job, commit);
    if (!introduced) return introduced.error();
    if (!*introduced || !**introduced) {
      print_mark(not_introduced(job, order, introduced->has_value()));
      return {};
    }
  }
  auto tested = evaluate(job, commit, Phase::bisect, order.runs);
  if (!tested) return tested.error();
  search::Recorded recorded = tested->built
                                  ? job.strategy->record(order.point, tested->batch, tested->cost)
                                  : job.strategy->record_build_failure(order.point, tested->cost);
  if (Status concluded = conclude(job, *tested, recorded.decision); !concluded.ok()) {
    return concluded.error();
  }
  print_mark(recorded);
  return {};
}

}  // namespace

Status search_range(JobContext& job, const std::string& bad, const std::vector<std::string>& goods,
                    BisectResult& result) {
  job.events.emit(PhaseStarted{Phase::bisect, bad});
  auto graph = job.repo.graph({bad}, goods);
  if (!graph) return graph.error();
  job.graph = std::move(*graph);
  job.range_goods = goods;
  auto bad_index = job.graph->find_hex(bad);
  if (!bad_index) return make_error("bad commit is not in the bisection graph");
  job.strategy->begin(*job.graph, *bad_index, goods.size());
  job.events.print("# git bisect start {} {}", bad, fmt::join(goods, " "));

  for (;;) {
    if (job.cancel_requested()) return make_error("cancelled");
    search::SearchStep step = job.strategy->next();
    switch (step.kind) {
      case search::SearchStep::Kind::found: {
        std::string culprit = job.point_commit(step.point);
        job.events.print("{} is the first {} commit", culprit, job.cause() ? "bad" : "good");
        result.kind = BisectResult::Kind::found;
        result.culprit = culprit;
        result.candidates = {culprit};
        return {};
      }
      case search::SearchStep::Kind::inconclusive:
        job.events.line(step.reason);
        result.kind = BisectResult::Kind::inconclusive;
        for (search::Point point : step.candidates) {
          result.candidates.push_back(job.point_commit(point));
        }
        return {};
      case search::SearchStep::Kind::outside:
        job.events.line(step.reason);
        result.kind = BisectResult::Kind::horizon;
        result.candidates = goods;
        return {};
      case search::SearchStep::Kind::test:
        break;
    }
    ++job.progress.step;
    job.progress.candidates_left = step.candidates_left;
    if (step.log_git_lines) {
      job.progress.steps_total = job.progress.step + static_cast<std::size_t>(step.steps_left);
      job.events.print("Bisecting: {} revision{} left to test after this (roughly {} step{})",
                       step.revisions_left, step.revisions_left == 1 ? "" : "s", step.steps_left,
                       step.steps_left == 1 ? "" : "s");
    }
    if (step.tests.size() > 1) {
      std::vector<std::string> commits;
      for (const search::TestOrder& order : step.tests) {
        commits.push_back(job.point_commit(order.point));
      }
      if (Status built = build_in_parallel(job, commits); !built.ok()) return built;
    }
    for (const search::TestOrder& order : step.tests) {
      if (Status tested = test_order(job, order); !tested.ok()) return tested;
    }
    if (!step.log_git_lines) log_posterior(job);
  }
}

}  // namespace culprit::job
