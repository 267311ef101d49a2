// `culprit serve` through its HTTP API, with a real client over loopback: the token guards every
// change (401, nothing created), a job's life (queued, running, done) with its result, bad job
// files, cancel, the event stream resumed from Last-Event-ID, retry reusing the recorded runs,
// marking a result invalid, files outside a job refused, and a kill -9 of the service in the
// middle of a job: nothing keeps running, and the next start resumes the job from its records.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "support/culprit_service.h"
#include "support/history.h"
#include "support/test_support.h"

namespace culprit::testing {
namespace {

using nlohmann::json;
constexpr int kCulprit = 9;

class ServeApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    hashes_ = write_history(make_linear_history(16), dir_ / "repo");
    // Each run appends "CONTENT RUN" to a file, so the test sees which runs really ran (results
    // are kept by tree, and the checkout's files are what tells trees apart here: a revert made
    // again by another session is another commit of the same tree).
    write_test_script(0.05);
  }
  void write_test_script(double sleep_s, const std::string& name = "test.sh",
                         const std::string& runs_file = "runs.txt") {
    write_file(dir_ / name, "#!/bin/sh\necho \"$(ls f* | md5sum | cut -c1-16) $CULPRIT_RUN\" >> " +
                                (dir_ / runs_file) + "\nsleep " + std::to_string(sleep_s) +
                                "\nif [ -e f" + std::to_string(kCulprit) +
                                " ]; then echo 'BUG: planted crash in f" +
                                std::to_string(kCulprit) + "'; exit 1; fi\n");
    std::filesystem::permissions(dir_ / name, std::filesystem::perms::owner_all);
  }
  // A job file with paths relative to the test folder (the submitter's).
  std::string job_toml(const std::string& test = "./test.sh") const {
    return "repo = \"repo\"\nbad = \"" + hashes_.back() + "\"\ngood = [\"" + hashes_.front() +
           "\"]\ntest = \"" + test + "\"\nruns = 3\njobs = 1\n";
  }
  std::vector<std::string> runs_ran() const {
    std::vector<std::string> lines;
    std::istringstream in(read_file(dir_ / "runs.txt"));
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }

  TempDir dir_;
  std::vector<std::string> hashes_;
};

TEST_F(ServeApiTest, ChangesNeedTheTokenAndNothingIsCreatedWithoutIt) {
  CulpritService service(dir_ / "state");
  ASSERT_TRUE(service.up());
  struct stat info {};
  ASSERT_EQ(::stat((dir_ / "state/token").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_EQ(service.token().size(), 64u);

  httplib::Client client = service.client();
  auto none = client.Post("/api/jobs", job_toml(), "application/toml");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  auto wrong = client.Post("/api/jobs", {{"Authorization", "Bearer " + std::string(64, '0')}},
                           job_toml(), "application/toml");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  // The login cookie alone is not enough for a change: a form on another site could send it.
  const httplib::Headers cookie = {{"Cookie", "culprit_token=" + service.token()}};
  auto cookie_only = client.Post("/api/jobs", cookie, job_toml(), "application/toml");
  ASSERT_TRUE(cookie_only);
  EXPECT_EQ(cookie_only->status, 401);
  EXPECT_EQ(client.Post("/api/jobs/1/cancel")->status, 401);
  EXPECT_EQ(client.Post("/api/jobs/1/retry")->status, 401);
  EXPECT_EQ(client.Post("/api/jobs/1/invalid", "{\"reason\":\"x\"}", "application/json")->status,
            401);
  // Reading needs it too by default; the page sends the visitor to the login form.
  EXPECT_EQ(client.Get("/api/jobs")->status, 401);
  auto page = client.Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 303);
  EXPECT_EQ(page->get_header_value("Location"), "/login");

  // Nothing was queued or run.
  auto listed = client.Get("/api/jobs", service.auth());
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->status, 200);
  EXPECT_TRUE(json::parse(listed->body)["jobs"].empty()) << listed->body;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "state/jobs"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "runs.txt"));

  // The login form sets an HttpOnly cookie; with it (and the page's header) changes work.
  auto bad_login = client.Post("/login", "token=nope", "application/x-www-form-urlencoded");
  ASSERT_TRUE(bad_login);
  EXPECT_EQ(bad_login->get_header_value("Location"), "/login?failed=1");
  EXPECT_TRUE(bad_login->get_header_value("Set-Cookie").empty());
  auto login =
      client.Post("/login", "token=" + service.token(), "application/x-www-form-urlencoded");
  ASSERT_TRUE(login);
  EXPECT_EQ(login->status, 303);
  const std::string set_cookie = login->get_header_value("Set-Cookie");
  EXPECT_NE(set_cookie.find("culprit_token=" + service.token()), std::string::npos);
  EXPECT_NE(set_cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(set_cookie.find("SameSite=Strict"), std::string::npos);
  EXPECT_EQ(client.Get("/", cookie)->status, 200);
  httplib::Headers page_request = cookie;
  page_request.emplace("X-Culprit-Request", "1");
  page_request.emplace("Culprit-Job-Dir", dir_.path());
  auto submitted = client.Post("/api/jobs", page_request, job_toml(), "application/toml");
  ASSERT_TRUE(submitted);
  EXPECT_EQ(submitted->status, 201) << submitted->body;
}

TEST_F(ServeApiTest, PublicReadOpensReadingOnly) {
  CulpritService service(dir_ / "state", {"--public-read"});
  ASSERT_TRUE(service.up());
  httplib::Client client = service.client();
  EXPECT_EQ(client.Get("/api/jobs")->status, 200);
  EXPECT_EQ(client.Get("/")->status, 200);
  EXPECT_EQ(client.Post("/api/jobs", job_toml(), "application/toml")->status, 401);
}

TEST_F(ServeApiTest, AJobRunsToItsResultAndBadInputIsRefusedInOneLine) {
  CulpritService service(dir_ / "state");
  ASSERT_TRUE(service.up());
  httplib::Client client = service.client();
  httplib::Headers headers = service.auth();
  headers.emplace("Culprit-Job-Dir", dir_.path());

  // Bad job files: each a 400 with one line naming what is wrong, and no job.
  auto unknown = client.Post("/api/jobs", headers, job_toml() + "bogus = 1\n", "application/toml");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 400);
  EXPECT_NE(json::parse(unknown->body).value("error", "").find("unknown key `bogus`"),
            std::string::npos)
      << unknown->body;
  auto broken = client.Post("/api/jobs", headers, "repo = [\n", "application/toml");
  ASSERT_TRUE(broken);
  EXPECT_EQ(broken->status, 400);
  EXPECT_EQ(json::parse(broken->body).value("error", "").find('\n'), std::string::npos);
  auto no_bad = client.Post("/api/jobs", headers, "test = \"./test.sh\"\n", "application/toml");
  ASSERT_TRUE(no_bad);
  EXPECT_EQ(no_bad->status, 400);
  EXPECT_NE(no_bad->body.find("--bad is required"), std::string::npos) << no_bad->body;
  httplib::Headers nowhere = service.auth();
  nowhere.emplace("Culprit-Job-Dir", dir_ / "no-such-folder");
  auto no_folder = client.Post("/api/jobs", nowhere, job_toml(), "application/toml");
  ASSERT_TRUE(no_folder);
  EXPECT_EQ(no_folder->status, 400);
  EXPECT_NE(no_folder->body.find("no-such-folder: not an absolute path to a folder"),
            std::string::npos)
      << no_folder->body;
  auto huge = client.Post("/api/jobs", headers, std::string(2u << 20, '#'), "application/toml");
  ASSERT_TRUE(huge);
  EXPECT_EQ(huge->status, 413);
  EXPECT_TRUE(json::parse(client.Get("/api/jobs", service.auth())->body)["jobs"].empty());
  EXPECT_EQ(client.Get("/api/jobs/7", service.auth())->status, 404);
  EXPECT_EQ(client.Get("/api/jobs/x", service.auth())->status, 404);

  const long id = service.submit(job_toml(), dir_.path());
  ASSERT_EQ(id, 1);
  json done = service.wait_for(id, "done,error", 120);
  ASSERT_EQ(done.value("state", ""), "done") << done.dump();
  EXPECT_EQ(done["culprit"], hashes_[kCulprit]);
  EXPECT_EQ(done["result"], "found");
  EXPECT_EQ(done["title"], "BUG: planted crash in f9");
  EXPECT_EQ(done["culprit_subject"], "commit 9");
  EXPECT_GE(done["confidence"].get<double>(), 0.99);
  EXPECT_FALSE(done["started"].get<std::string>().empty());
  EXPECT_FALSE(done["finished"].get<std::string>().empty());
  const json& view = done["view"];
  EXPECT_EQ(view["result"]["culprit"], hashes_[kCulprit]);
  EXPECT_EQ(view["status"]["phase"], "finished");
  ASSERT_FALSE(view["tested"].empty());
  EXPECT_EQ(view["tested"][0]["commit"], hashes_.back());
  EXPECT_EQ(view["tested"][0]["phase"], "start");
  EXPECT_EQ(view["tested"][0]["verdict"], "bad");
  EXPECT_FALSE(view["progress"].empty());
  // The candidates fall as the search goes.
  EXPECT_GT(view["progress"].front()["candidates_left"].get<int>(),
            view["progress"].back()["candidates_left"].get<int>());
  // Every run the job recorded ran once (the view counts the runs of the batches).
  int runs_in_view = 0;
  for (const json& row : view["tested"]) runs_in_view += row["total"].get<int>();
  EXPECT_EQ(static_cast<int>(runs_ran().size()), runs_in_view);

  // The list shows it.
  json list = json::parse(client.Get("/api/jobs", service.auth())->body)["jobs"];
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["state"], "done");
  EXPECT_EQ(list[0]["repo"], dir_ / "repo");
  EXPECT_EQ(list[0]["culprit"], hashes_[kCulprit]);

  // A crashed run's console from the store, with the parser's report offsets.
  const json& start = view["tested"][0];
  auto console = client.Get("/api/jobs/1/console?tree=" + start["tree"].get<std::string>() +
                                "&run=" + std::to_string(start["runs"][0]["index"].get<int>()),
                            service.auth());
  ASSERT_TRUE(console);
  ASSERT_EQ(console->status, 200) << console->body;
  json shown = json::parse(console->body);
  ASSERT_EQ(shown["reports"].size(), 1u) << console->body;
  const std::string text = shown["text"];
  const std::size_t begin = shown["reports"][0]["start"], end = shown["reports"][0]["end"];
  EXPECT_EQ(text.substr(begin, end - begin), "BUG: planted crash in f9");
  EXPECT_EQ(client.Get("/api/jobs/1/console?tree=zz&run=0", service.auth())->status, 400);
  auto build_log =
      client.Get("/api/jobs/1/build-log?tree=" + start["tree"].get<std::string>(), service.auth());
  ASSERT_TRUE(build_log);
  EXPECT_EQ(build_log->status, 200) << build_log->body;
  EXPECT_EQ(json::parse(build_log->body)["status"], "ok");
  // A job that fails when it starts ends in error with the job's own one-line message.
  const long failing = service.submit(job_toml("./missing.sh"), dir_.path());
  json failed = service.wait_for(failing, "done,error", 60);
  EXPECT_EQ(failed.value("state", ""), "error") << failed.dump();
  EXPECT_EQ(failed.value("exit_status", 0), 1);
  EXPECT_NE(failed.value("error", "").find("--test ./missing.sh: no such file in"),
            std::string::npos)
      << failed.dump();

  // Files outside the job's folder are refused, however they are named.
  for (const std::string path : {"../../../etc/passwd", "/etc/passwd", "..", "job-1/../../x"}) {
    auto outside = client.Get("/api/jobs/1/file", httplib::Params{{"path", path}}, service.auth());
    ASSERT_TRUE(outside);
    EXPECT_EQ(outside->status, 403) << path;
  }
}

// The event stream: live while the job runs, ended by "end", and resumable from any id.
TEST_F(ServeApiTest, EventsStreamLiveAndResumeFromLastEventId) {
  write_test_script(0.1);
  CulpritService service(dir_ / "state");
  ASSERT_TRUE(service.up());
  const long id = service.submit(job_toml(), dir_.path());
  ASSERT_GT(id, 0);
  // Read the whole stream from the start, while the job runs.
  std::string stream;
  auto first_chunk_at = std::chrono::steady_clock::time_point();
  auto response = service.client().Get("/api/jobs/1/events", service.auth(),
                                       [&](const char* data, std::size_t size) {
                                         if (stream.empty())
                                           first_chunk_at = std::chrono::steady_clock::now();
                                         stream.append(data, size);
                                         return true;
                                       });
  const auto ended_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->get_header_value("Content-Type"), "text/event-stream");
  // Events came while the job ran, not all at its end.
  EXPECT_GT(ended_at - first_chunk_at, std::chrono::seconds(1));
  ASSERT_NE(stream.find("event: end\n"), std::string::npos);
  EXPECT_NE(stream.find("event: job_finished\n"), std::string::npos);
  // Ids are 1, 2, 3, ... each with its event's data line.
  std::map<int, std::string> by_id;
  std::istringstream in(stream);
  int current = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) current = 0;  // the end of an event
    if (line.rfind("id: ", 0) == 0) current = std::stoi(line.substr(4));
    if (line.rfind("data: ", 0) == 0 && current > 0) by_id[current] = line.substr(6);
  }
  ASSERT_GT(by_id.size(), 20u);
  EXPECT_EQ(by_id.begin()->first, 1);
  EXPECT_EQ(by_id.rbegin()->first, static_cast<int>(by_id.size()));
  EXPECT_EQ(json::parse(by_id[1])["type"], "job_started");

  // Resumed after id K: exactly the events after K, the same bytes.
  const int k = static_cast<int>(by_id.size()) / 2;
  httplib::Headers resume = service.auth();
  resume.emplace("Last-Event-ID", std::to_string(k));
  auto again = service.client().Get("/api/jobs/1/events", resume);
  ASSERT_TRUE(again);
  std::istringstream rest(again->body);
  std::vector<int> ids;
  current = 0;
  for (std::string line; std::getline(rest, line);) {
    if (line.empty()) current = 0;
    if (line.rfind("id: ", 0) == 0) ids.push_back(current = std::stoi(line.substr(4)));
    if (line.rfind("data: ", 0) == 0 && current > 0) {
      EXPECT_EQ(line.substr(6), by_id[current]);
    }
  }
  ASSERT_FALSE(ids.empty());
  EXPECT_EQ(ids.front(), k + 1);
  EXPECT_EQ(ids.back(), static_cast<int>(by_id.size()));
}

TEST_F(ServeApiTest, CancelStopsARunningJobAndAQueuedOneNeverStarts) {
  write_test_script(0.4);
  CulpritService service(dir_ / "state", {"--max-jobs", "1"});
  ASSERT_TRUE(service.up());
  const long running = service.submit(job_toml(), dir_.path());
  write_file(dir_ / "other/placeholder", "");
  const long queued = service.submit(job_toml(), dir_ / "other");
  ASSERT_EQ(queued, 2);
  ASSERT_EQ(service.wait_for(running, "running", 30).value("state", ""), "running");
  // Let it run a little, then cancel both.
  for (int i = 0; i < 100 && runs_ran().size() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(service.job(queued).value("state", ""), "queued");
  auto cancel_queued = service.client().Post("/api/jobs/2/cancel", service.auth());
  ASSERT_TRUE(cancel_queued);
  EXPECT_EQ(cancel_queued->status, 200);
  EXPECT_EQ(json::parse(cancel_queued->body)["state"], "cancelled");
  auto cancel_running = service.client().Post("/api/jobs/1/cancel", service.auth());
  ASSERT_TRUE(cancel_running);
  EXPECT_EQ(cancel_running->status, 200);
  json stopped = service.wait_for(running, "cancelled,done,error", 30);
  EXPECT_EQ(stopped.value("state", ""), "cancelled") << stopped.dump();
  EXPECT_EQ(stopped.value("exit_status", 0), 4);
  EXPECT_EQ(stopped["view"]["status"]["result"], "cancelled");
  // Stopped between runs: no more runs after it ended, and the queued one never ran.
  const std::size_t ran = runs_ran().size();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(runs_ran().size(), ran);
  EXPECT_EQ(service.job(queued).value("state", ""), "cancelled");
  EXPECT_FALSE(std::filesystem::exists(dir_ / "state/jobs/2/events.jsonl"));
  // An ended job cannot be cancelled again.
  EXPECT_EQ(service.client().Post("/api/jobs/1/cancel", service.auth())->status, 409);
}

TEST_F(ServeApiTest, RetryReusesTheRecordedRunsAndAResultCanBeMarkedInvalid) {
  CulpritService service(dir_ / "state");
  ASSERT_TRUE(service.up());
  const long id = service.submit(job_toml(), dir_.path());
  json first = service.wait_for(id, "done,error", 120);
  ASSERT_EQ(first.value("state", ""), "done") << first.dump();
  const std::size_t first_runs = runs_ran().size();
  const int first_total = first["view"]["result"]["runs"].get<int>();

  httplib::Client client = service.client();
  auto bad = client.Post("/api/jobs/1/retry", service.auth(), "{\"runs\": 0}", "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  auto retried = client.Post("/api/jobs/1/retry", service.auth(),
                             "{\"runs\": 6, \"confidence\": 0.9999}", "application/json");
  ASSERT_TRUE(retried);
  ASSERT_EQ(retried->status, 201) << retried->body;
  const long again = json::parse(retried->body)["id"];
  json second = service.wait_for(again, "done,error", 120);
  ASSERT_EQ(second.value("state", ""), "done") << second.dump();
  EXPECT_EQ(second["retry_of"], id);
  EXPECT_EQ(second["overrides"]["runs"], 6);
  EXPECT_EQ(second["culprit"], hashes_[kCulprit]);
  EXPECT_GE(second["confidence"].get<double>(), 0.9999);
  // It started from the first job's runs: it ran more, and no run the first one recorded again.
  EXPECT_GT(runs_ran().size(), first_runs);
  EXPECT_GE(second["view"]["result"]["runs"].get<int>(), first_total);
  std::set<std::string> distinct;
  for (const std::string& run : runs_ran()) EXPECT_TRUE(distinct.insert(run).second) << run;
  json list = json::parse(client.Get("/api/jobs", service.auth())->body)["jobs"];
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[1]["retries"], json::array({again}));

  EXPECT_EQ(client.Post("/api/jobs/1/invalid", service.auth(), "{}", "application/json")->status,
            400);
  auto invalid =
      client.Post("/api/jobs/1/invalid", service.auth(),
                  json{{"reason", "the culprit only touches docs <b>"}}.dump(), "application/json");
  ASSERT_TRUE(invalid);
  EXPECT_EQ(invalid->status, 200);
  json marked = service.job(id);
  EXPECT_EQ(marked["invalid"]["reason"], "the culprit only touches docs <b>");
  EXPECT_FALSE(marked["invalid"]["at"].get<std::string>().empty());
}

// kill -9 of the service in the middle of a job: its job process dies with it (no runs go on),
// and the next start resumes it from its recorded runs; the queued job stays queued.
TEST_F(ServeApiTest, RestartAfterKill9ResumesTheRunningJobAndKeepsTheQueue) {
  write_test_script(0.25);
  write_test_script(0.05, "queued.sh", "queued-runs.txt");  // the queued job's runs apart
  auto service = std::make_unique<CulpritService>(dir_ / "state");
  ASSERT_TRUE(service->up());
  const long id = service->submit(job_toml(), dir_.path());
  const long queued = service->submit(job_toml("./queued.sh"), dir_.path());
  ASSERT_EQ(queued, 2);
  // Wait until the job has decided a few commits (their runs are in its store).
  for (int i = 0; i < 300; ++i) {
    json job = service->job(id);
    if (job.is_object() && job["view"]["tested"].size() >= 3) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  service->kill9();
  // Nothing of the job goes on running: the runs file stops growing.
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  const std::size_t at_kill = runs_ran().size();
  ASSERT_GT(at_kill, 0u);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(runs_ran().size(), at_kill);

  service = std::make_unique<CulpritService>(dir_ / "state");
  ASSERT_TRUE(service->up());
  EXPECT_EQ(service->job(queued).value("state", ""), "queued");
  json done = service->wait_for(id, "done,error", 180);
  ASSERT_EQ(done.value("state", ""), "done") << done.dump();
  EXPECT_EQ(done["culprit"], hashes_[kCulprit]);
  EXPECT_EQ(done["view"]["resumes"], 1);
  // Nothing recorded was run again: only the run in flight at the kill can repeat.
  std::map<std::string, int> times;
  for (const std::string& run : runs_ran()) ++times[run];
  int repeated = 0;
  for (const auto& [run, count] : times) repeated += count - 1;
  EXPECT_LE(repeated, 1);
  // Then the queued one runs.
  EXPECT_EQ(service->wait_for(queued, "done,error", 180).value("state", ""), "done");
}

}  // namespace
}  // namespace culprit::testing
