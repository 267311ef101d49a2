// The job driver on its own, in-process: a real git history and a real store, with a builder and
// a runner faked so that build times and crashes are exact. Pins what the binary-level tests
// cannot see: how builds are billed (to the totals and to the strategy's budget), the events a
// subscriber gets, cancellation between runs and resuming after it, and --no-verify.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>

#include "job/bisect_job.h"
#include "job/events.h"
#include "store/store.h"
#include "support/history.h"
#include "support/test_support.h"

namespace culprit::job {
namespace {

using testing::TempDir;

constexpr double kBuildSeconds = 100;
constexpr char kTitle[] = "BUG: unable to handle page fault in task_tags_spill";

// Every build succeeds in exactly kBuildSeconds.
class FakeBuilder final : public builder::Builder {
 public:
  builder::BuildResult build(const builder::BuildRequest&) override {
    ++calls;
    builder::BuildResult result;
    result.duration_s = kBuildSeconds;
    return result;
  }
  std::atomic<int> calls{0};
};

// A run crashes, with the bug's report on its console, iff the commit is the culprit or one of
// its descendants (a linear history: index >= culprit's).
class FakeRunner final : public runner::Runner {
 public:
  FakeRunner(std::map<std::string, int> index_of, int culprit)
      : index_of_(std::move(index_of)), culprit_(culprit) {}
  void run(const runner::RunRequest& request, std::span<const int> indices,
           const std::function<void(const runner::ReproRun&)>& on_done) override {
    for (int index : indices) {
      if (request.stop_requested && request.stop_requested()) return;
      runner::ReproRun run;
      run.index = index;
      run.duration_s = 1;
      // Commits outside the history (the culprit's revert) do not crash.
      auto known = index_of_.find(request.commit);
      if (known != index_of_.end() && known->second >= culprit_) {
        run.outcome = RunOutcome::crashed;
        run.title = "crashed (exit status 1)";
        run.console = std::string("[   12.3] ") + kTitle + "\n";
      }
      ++calls;
      {
        std::lock_guard lock(mutex_);
        if (!executed_.insert({request.commit, index}).second) ++repeated;
      }
      on_done(run);
      if (after_run) after_run();
    }
  }
  std::atomic<int> calls{0};
  std::atomic<int> repeated{0};  // runs of a (commit, index) done before
  std::function<void()> after_run;

 private:
  std::mutex mutex_;
  std::set<std::pair<std::string, int>> executed_;
  std::map<std::string, int> index_of_;
  int culprit_;
};

struct Fixture {
  Fixture() {
    hashes = testing::write_history(testing::make_linear_history(24), repo.path());
    for (std::size_t i = 0; i < hashes.size(); ++i) index_of[hashes[i]] = static_cast<int>(i);
    options.repo = repo.path();
    options.bad = hashes.back();
    options.good = {hashes.front()};
    options.runs = 4;
    options.state_path = state / "state.db";
    options.backend_key = "fake";
  }
  TempDir repo;
  TempDir state;
  std::vector<std::string> hashes;
  std::map<std::string, int> index_of;
  BisectOptions options;
};

constexpr int kCulprit = 13;

TEST(JobDriverTest, ParallelBuildsAreBilledOnceAndCountAgainstTheBuildBudget) {
  Fixture fixture;
  fixture.options.parallel = 2;
  fixture.options.budget.builds = 3;
  FakeBuilder builder;
  FakeRunner runner(fixture.index_of, kCulprit);
  EventBus events;
  auto result = run_bisect(fixture.options, builder, runner, events);
  ASSERT_TRUE(result.ok()) << result.error().message;
  // The start commit, then one step of two commits built at once: three builds, and the budget
  // of three stops the search there.
  EXPECT_EQ(builder.calls.load(), 3);
  EXPECT_EQ(result->kind, BisectResult::Kind::inconclusive);
  EXPECT_DOUBLE_EQ(result->json["time"]["build_s"].get<double>(), 3 * kBuildSeconds);
  EXPECT_EQ(result->json["builds"].get<int>(), 3);
}

TEST(JobDriverTest, ParallelBisectionBillsEveryBuildOnce) {
  Fixture fixture;
  fixture.options.parallel = 2;
  FakeBuilder builder;
  FakeRunner runner(fixture.index_of, kCulprit);
  EventBus events;
  auto result = run_bisect(fixture.options, builder, runner, events);
  ASSERT_TRUE(result.ok()) << result.error().message;
  ASSERT_EQ(result->kind, BisectResult::Kind::found);
  EXPECT_EQ(*result->culprit, fixture.hashes[kCulprit]);
  EXPECT_DOUBLE_EQ(result->json["time"]["build_s"].get<double>(),
                   builder.calls.load() * kBuildSeconds);
}

TEST(JobDriverTest, SubscribersSeeTheWholeJob) {
  Fixture fixture;
  FakeBuilder builder;
  FakeRunner runner(fixture.index_of, kCulprit);
  EventBus events;
  if (std::getenv("JOB_DRIVER_TEST_LOG")) {
    events.subscribe([](const Event& event) {
      if (const auto* line = std::get_if<LogLine>(&event))
        std::fprintf(stderr, "%s\n", line->text.c_str());
    });
  }
  std::vector<Event> seen;
  events.subscribe([&](const Event& event) { seen.push_back(event); });
  auto result = run_bisect(fixture.options, builder, runner, events);
  ASSERT_TRUE(result.ok()) << result.error().message;
  ASSERT_EQ(result->kind, BisectResult::Kind::found) << result->json.dump(1);

  std::map<std::size_t, int> count;  // by variant index
  for (const Event& event : seen) ++count[event.index()];
  auto count_of = [&]<typename T>() { return count[Event(T{}).index()]; };
  EXPECT_EQ(count_of.operator()<JobStarted>(), 1);
  EXPECT_EQ(count_of.operator()<JobFinished>(), 1);
  EXPECT_EQ(count_of.operator()<RunFinished>(), result->json["runs"].get<int>());
  EXPECT_EQ(count_of.operator()<VerdictReached>(), static_cast<int>(result->json["steps"].size()));
  EXPECT_EQ(count_of.operator()<BuildFinished>(), static_cast<int>(result->json["steps"].size()));
  EXPECT_GE(count_of.operator()<CommitChosen>(), 3);
  EXPECT_GE(count_of.operator()<PosteriorUpdated>(), 3);

  // Crash titles come from the console's report, and the bisection's commits narrow the range.
  std::size_t last_candidates = SIZE_MAX;
  for (const Event& event : seen) {
    if (const auto* run = std::get_if<RunFinished>(&event)) {
      if (run->outcome == RunOutcome::crashed) {
        EXPECT_EQ(run->title, kTitle);
      }
    }
    if (const auto* chosen = std::get_if<CommitChosen>(&event)) {
      EXPECT_FALSE(chosen->top.empty());
      EXPECT_LE(chosen->top.size(), 10u);
      last_candidates = chosen->candidates_left;
    }
  }
  EXPECT_LT(last_candidates, fixture.hashes.size());
  const auto& finished = std::get<JobFinished>(seen.back());
  EXPECT_EQ(finished.result, "found");
  EXPECT_EQ(finished.json["culprit"], fixture.hashes[kCulprit]);
}

TEST(JobDriverTest, CancelStopsBetweenRunsAndResumingFinishesWithoutRedoingRuns) {
  Fixture reference;
  FakeBuilder reference_builder;
  FakeRunner reference_runner(reference.index_of, kCulprit);
  EventBus quiet;
  auto uninterrupted = run_bisect(reference.options, reference_builder, reference_runner, quiet);
  ASSERT_TRUE(uninterrupted.ok()) << uninterrupted.error().message;
  ASSERT_EQ(uninterrupted->kind, BisectResult::Kind::found);

  Fixture fixture;
  auto cancel = std::make_shared<CancelToken>();
  fixture.options.cancel = cancel;
  FakeBuilder builder;
  FakeRunner runner(fixture.index_of, kCulprit);
  runner.after_run = [&] {
    if (runner.calls == 10) cancel->request();
  };
  EventBus events;
  auto stopped = run_bisect(fixture.options, builder, runner, events);
  ASSERT_TRUE(stopped.ok()) << stopped.error().message;
  EXPECT_EQ(stopped->kind, BisectResult::Kind::cancelled);
  EXPECT_EQ(exit_status(stopped->kind), 4);
  EXPECT_EQ(runner.calls.load(), 10);  // stopped right after the run that asked
  {
    auto store = store::Store::open(fixture.options.state_path);
    ASSERT_TRUE(store.ok());
    auto jobs = store->jobs();
    ASSERT_TRUE(jobs.ok());
    ASSERT_EQ(jobs->size(), 1u);
    EXPECT_EQ(jobs->front().state, "cancelled");
  }

  fixture.options.cancel = nullptr;
  runner.after_run = nullptr;
  auto resumed = run_bisect(fixture.options, builder, runner, events);
  ASSERT_TRUE(resumed.ok()) << resumed.error().message;
  EXPECT_EQ(resumed->kind, BisectResult::Kind::found);
  EXPECT_EQ(resumed->culprit, uninterrupted->culprit);
  // Every run the cancelled job recorded was replayed, none redone.
  EXPECT_EQ(runner.repeated.load(), 0);
  EXPECT_GT(runner.calls.load(), 10);
}

TEST(JobDriverTest, NoVerifySkipsTheSecondLook) {
  Fixture fixture;
  fixture.options.no_verify = true;
  FakeBuilder builder;
  FakeRunner runner(fixture.index_of, kCulprit);
  EventBus events;
  std::vector<std::string> lines;
  events.subscribe([&](const Event& event) {
    if (const auto* line = std::get_if<LogLine>(&event)) lines.push_back(line->text);
  });
  auto result = run_bisect(fixture.options, builder, runner, events);
  ASSERT_TRUE(result.ok()) << result.error().message;
  ASSERT_EQ(result->kind, BisectResult::Kind::found);
  EXPECT_EQ(*result->culprit, fixture.hashes[kCulprit]);
  EXPECT_FALSE(result->json.contains("verification"));
  for (const auto& step : result->json["steps"]) {
    EXPECT_NE(step["phase"], "verify");
    EXPECT_NE(step["phase"], "revert");
  }
  for (const std::string& line : lines) EXPECT_EQ(line.find("verify:"), std::string::npos) << line;
}

}  // namespace
}  // namespace culprit::job
