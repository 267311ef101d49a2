// The service's parts in-process: the events file (job/event_json.h) written by EventFile and
// folded by JobView, including a writer killed mid-line and a resumed job; the service queue's
// life cycle in SQLite; the token file.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "job/event_json.h"
#include "serve/access_token.h"
#include "serve/job_runner.h"
#include "serve/job_view.h"
#include "store/service_queue.h"
#include "support/test_support.h"

namespace culprit {
namespace {

using nlohmann::json;
using testing::TempDir;

void write_job(job::EventFile& file, bool resumed) {
  file.write(job::JobStarted{1, "s.db", "cause", "bayes", "c9", resumed, {}});
  file.write(job::LogLine{"bisecting cause commit starting from c9"});
  file.write(job::BatchStarted{"c9", "tip <b>", Phase::start, 2, 0, 0, 0, std::nullopt});
  file.write(job::BuildFinished{"c9", "t9", BuildStatus::ok, false, "sig9", "gcc 12", "", 1.5, {}});
  file.write(job::RunFinished{"c9", "t9", 0, RunOutcome::crashed, "BUG: x", {}, 0.5, {}, 1, 2});
  file.write(job::RunFinished{"c9", "t9", 1, RunOutcome::ok, "", {}, 0.5, {}, 2, 2});
  file.write(job::VerdictReached{"c9", Phase::start, Verdict::bad, 0, {}});
  file.write(job::CommitChosen{"c4", "middle", 1, 4, 9, {{"c4", 0.3}, {"c5", 0.2}}});
  file.write(job::BatchStarted{"c4", "middle", Phase::bisect, 2, 1, 4, 9, 0.3});
  file.write(job::PosteriorUpdated{0.6, {{"c4", 0.6}}});
  file.write(job::CommitChosen{"c6", "later", 2, 4, 3, {}});
}

TEST(JobViewTest, FoldsTheEventsIntoTheJobsDocument) {
  TempDir dir;
  const std::string path = dir / "events.jsonl";
  {
    auto file = job::EventFile::open(path);
    ASSERT_TRUE(file.ok()) << file.error().message;
    write_job(**file, false);
  }
  serve::JobView view(path);
  view.refresh();
  EXPECT_EQ(view.lines(), 11u);
  json doc = view.document(true);
  EXPECT_EQ(doc["mode"], "cause");
  EXPECT_EQ(doc["start"], "c9");
  ASSERT_EQ(doc["tested"].size(), 2u);
  const json& start = doc["tested"][0];
  EXPECT_EQ(start["subject"], "tip <b>");  // text, kept as it is: the page escapes it
  EXPECT_EQ(start["verdict"], "bad");
  EXPECT_EQ(start["crashed"], 1);
  EXPECT_EQ(start["total"], 2);
  EXPECT_EQ(start["titles"], json::array({"BUG: x"}));
  EXPECT_EQ(start["signature"], "sig9");
  EXPECT_DOUBLE_EQ(start["build_s"].get<double>(), 1.5);
  EXPECT_EQ(doc["tested"][1]["verdict"], nullptr);  // still running
  ASSERT_EQ(doc["progress"].size(), 2u);
  EXPECT_EQ(doc["progress"][0]["candidates_left"], 9);
  EXPECT_EQ(doc["progress"][1]["candidates_left"], 3);
  EXPECT_EQ(doc["status"]["step"], 2);
  EXPECT_EQ(doc["status"]["commit"], "c6");
  EXPECT_DOUBLE_EQ(doc["status"]["confidence"].get<double>(), 0.6);
  ASSERT_EQ(doc["top"].size(), 1u);
  EXPECT_EQ(doc["top"][0]["subject"], "middle");
  EXPECT_EQ(doc["log"], json::array({"bisecting cause commit starting from c9"}));
  EXPECT_FALSE(view.document(false).contains("log"));
  EXPECT_FALSE(view.finished());

  // More events later: only they are read.
  {
    auto file = job::EventFile::open(path);
    ASSERT_TRUE(file.ok());
    (*file)->write(job::JobFinished{"found", json{{"culprit", "c4"}}});
  }
  view.refresh();
  EXPECT_EQ(view.lines(), 12u);
  EXPECT_TRUE(view.finished());
  EXPECT_EQ(view.document(false)["result"]["culprit"], "c4");
  EXPECT_EQ(view.document(false)["status"]["phase"], "finished");
}

TEST(JobViewTest, AKilledWriterAndAResumedJobStartOver) {
  TempDir dir;
  const std::string path = dir / "events.jsonl";
  {
    auto file = job::EventFile::open(path);
    ASSERT_TRUE(file.ok());
    write_job(**file, false);
  }
  {
    std::ofstream half(path, std::ios::app);
    half << "{\"type\": \"run_fini";  // killed in the middle of a line
  }
  serve::JobView view(path);
  view.refresh();
  EXPECT_EQ(view.lines(), 11u);  // the half line is not read yet
  {
    auto file = job::EventFile::open(path);  // the next session ends that line first
    ASSERT_TRUE(file.ok());
    write_job(**file, true);
  }
  view.refresh();
  EXPECT_EQ(view.lines(), 23u);
  json doc = view.document(true);
  EXPECT_EQ(doc["bad_lines"], 1);
  EXPECT_EQ(doc["resumes"], 1);
  EXPECT_EQ(doc["tested"].size(), 2u);  // replayed, not doubled
  EXPECT_EQ(doc["log"].size(), 1u);
  // Streaming resumes by line: line 13 is the resumed session's first event.
  std::ifstream in(path);
  in.seekg(static_cast<std::streamoff>(view.offset_of_line(13)));
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(json::parse(line)["resumed"], true);
}

TEST(EventJsonTest, EveryEventHasItsTypeAndTime) {
  const json event =
      job::event_to_json(job::VerdictReached{"c1", Phase::verify, Verdict::good, 3, {"ok"}});
  EXPECT_EQ(event["type"], "verdict_reached");
  EXPECT_EQ(event["phase"], "verify");
  EXPECT_EQ(event["verdict"], "good");
  EXPECT_GT(event["time"].get<double>(), 1.7e9);
  // Console bytes that are not UTF-8 do not break the line.
  TempDir dir;
  auto file = job::EventFile::open(dir / "e.jsonl");
  ASSERT_TRUE(file.ok());
  (*file)->write(job::LogLine{"bad \xff\xfe bytes"});
  const std::string text = testing::read_file(dir / "e.jsonl");
  EXPECT_TRUE(json::parse(text, nullptr, false).is_object()) << text;
  EXPECT_FALSE(job::EventFile::open(dir / "no/such/dir/e.jsonl").ok());
}

TEST(ServiceQueueTest, JobsGoFromQueuedToTheirEnd) {
  TempDir dir;
  auto queue = store::ServiceQueue::open(dir / "serve.db");
  ASSERT_TRUE(queue.ok()) << queue.error().message;
  store::QueuedJob job;
  job.job_toml = "bad = \"x\"\n";
  job.base_dir = "/base";
  auto first = (*queue)->add(job);
  auto second = (*queue)->add(job);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(*first, 1);
  auto got = (*queue)->get(1);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->state, "queued");
  EXPECT_EQ((*got)->state_path, (*queue)->job_dir(1) + "/culprit.db");
  EXPECT_FALSE((*got)->created.empty());
  EXPECT_EQ((**(*queue)->next_queued()).id, 1);

  ASSERT_TRUE((*queue)->mark_running(1, 4242).ok());
  EXPECT_EQ((**(*queue)->next_queued()).id, 2);
  ASSERT_EQ((*queue)->running()->size(), 1u);
  // Cancelling: a queued job at once, a running one is flagged for its process to stop.
  EXPECT_EQ(*(*queue)->request_cancel(2), true);
  EXPECT_EQ((**(*queue)->get(2)).state, "cancelled");
  EXPECT_EQ(*(*queue)->request_cancel(1), false);
  EXPECT_EQ((**(*queue)->get(1)).state, "running");
  EXPECT_TRUE((**(*queue)->get(1)).cancel_requested);
  EXPECT_FALSE((*queue)->request_cancel(9).ok());
  ASSERT_TRUE((*queue)->mark_finished(1, "cancelled", 4, "").ok());
  ASSERT_TRUE((*queue)->mark_invalid(1, "wrong <b>").ok());

  // All of it survives reopening (a restarted service).
  queue->reset();
  auto again = store::ServiceQueue::open(dir / "serve.db");
  ASSERT_TRUE(again.ok());
  auto jobs = (*again)->list();
  ASSERT_TRUE(jobs.ok());
  ASSERT_EQ(jobs->size(), 2u);
  EXPECT_EQ((*jobs)[0].state, "cancelled");
  EXPECT_EQ((*jobs)[0].exit_status, 4);
  EXPECT_EQ((*jobs)[0].pid, 0);
  EXPECT_EQ((*jobs)[0].invalid_reason, "wrong <b>");
  EXPECT_FALSE((*jobs)[0].finished.empty());
  EXPECT_FALSE((*(*again)->next_queued()).has_value());
  EXPECT_FALSE(store::ServiceQueue::open(dir / "no/such/dir/serve.db").ok());
}

TEST(JobRunnerTest, ExitStatusesAreStatesAndArgumentsAreAVector) {
  EXPECT_EQ(serve::state_for_exit(0), "done");
  EXPECT_EQ(serve::state_for_exit(3), "done");
  EXPECT_EQ(serve::state_for_exit(4), "cancelled");
  EXPECT_EQ(serve::state_for_exit(1), "error");
  EXPECT_EQ(serve::state_for_exit(2), "error");
  TempDir dir;
  auto queue = store::ServiceQueue::open(dir / "serve.db");
  ASSERT_TRUE(queue.ok());
  serve::JobRunner runner(**queue, "/bin/culprit", 1);
  store::QueuedJob job;
  job.id = 3;
  job.base_dir = "/home/a b; rm -rf x";
  job.state_path = "/s/culprit.db";
  job.overrides_json = R"({"runs": 20, "confidence": 0.999})";
  const std::vector<std::string> argv = runner.bisect_argv(job);
  const std::vector<std::string> expected = {"/bin/culprit", "bisect",
                                             "--job",        (*queue)->job_dir(3) + "/job.toml",
                                             "--job-base",   "/home/a b; rm -rf x",
                                             "--state",      "/s/culprit.db",
                                             "--json",       (*queue)->job_dir(3) + "/result.json",
                                             "--events",     (*queue)->job_dir(3) + "/events.jsonl",
                                             "--runs",       "20",
                                             "--confidence", "0.999"};
  EXPECT_EQ(argv, expected);
}

TEST(AccessTokenTest, MadeOnceWithMode0600AndRefusedWhenOthersCanReadIt) {
  TempDir dir;
  const std::string path = dir / "token";
  auto made = serve::load_token(path, true);
  ASSERT_TRUE(made.ok()) << made.error().message;
  EXPECT_EQ(made->size(), 64u);
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  auto again = serve::load_token(path, true);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *made);
  EXPECT_TRUE(serve::token_matches(*made, *made));
  EXPECT_FALSE(serve::token_matches(made->substr(1), *made));
  EXPECT_FALSE(serve::token_matches("", ""));
  ::chmod(path.c_str(), 0644);
  auto open = serve::load_token(path, false);
  ASSERT_FALSE(open.ok());
  EXPECT_NE(open.error().message.find("can be read by others"), std::string::npos);
  EXPECT_FALSE(serve::load_token(dir / "missing", false).ok());
}

}  // namespace
}  // namespace culprit
