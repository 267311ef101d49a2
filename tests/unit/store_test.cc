#include "store/store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace culprit::store {
namespace {

using culprit::testing::read_file;
using culprit::testing::TempDir;
using culprit::testing::write_file;

Store open_or_die(const std::string& path) {
  Result<Store> store = Store::open(path);
  if (!store.ok()) ADD_FAILURE() << store.error().message;
  return std::move(store).value();
}

// Runs one SQL statement on its own raw connection and returns the first column of the first row
// as text: for looking at the file the way another program would.
std::string raw_query(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  std::string value;
  if (sqlite3_step(statement) == SQLITE_ROW && sqlite3_column_text(statement, 0) != nullptr) {
    value = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
  }
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return value;
}

void raw_exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr),
            SQLITE_OK);
  char* message = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message), SQLITE_OK)
      << (message ? message : "");
  sqlite3_free(message);
  sqlite3_close(db);
}

// Every byte value, NULs and invalid UTF-8 included.
std::string all_bytes() {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  return bytes + std::string("\0\xff\xfe\0", 4);
}

RunRecord make_run(const std::string& tree, int index, std::string console) {
  RunRecord run;
  run.tree = tree;
  run.index = index;
  run.outcome = RunOutcome::crashed;
  run.title = "KASAN: use-after-free in foo";
  run.type = "KASAN";
  run.alt_titles = {"KASAN: use-after-free Read in foo", "KASAN: slab-use-after-free in foo"};
  run.exit_status = 139;
  run.duration_s = 1.25 + index;
  run.console = std::move(console);
  return run;
}

// runs() leaves consoles out (a job never holds them all in memory): they come from console().
void expect_same_run(const Store& store, std::int64_t job, const RunRecord& actual,
                     const RunRecord& expected) {
  EXPECT_EQ(actual.tree, expected.tree);
  EXPECT_EQ(actual.index, expected.index);
  EXPECT_EQ(actual.outcome, expected.outcome);
  EXPECT_EQ(actual.title, expected.title);
  EXPECT_EQ(actual.type, expected.type);
  EXPECT_EQ(actual.exit_status, expected.exit_status);
  EXPECT_DOUBLE_EQ(actual.duration_s, expected.duration_s);
  EXPECT_EQ(actual.alt_titles, expected.alt_titles);
  EXPECT_TRUE(actual.console.empty());
  Result<std::string> console = store.console(job, actual.tree, actual.index);
  ASSERT_TRUE(console.ok()) << console.error().message;
  EXPECT_EQ(console->size(), expected.console.size());
  EXPECT_TRUE(*console == expected.console);  // not EXPECT_EQ: a 2 MiB diff is no help
}

TEST(StoreTest, OpenCreatesTheFileInWalMode) {
  TempDir dir;
  std::string path = dir / "state.db";
  ASSERT_FALSE(std::filesystem::exists(path));
  Store store = open_or_die(path);
  EXPECT_EQ(store.path(), path);
  EXPECT_TRUE(std::filesystem::exists(path));
  // journal_mode=WAL is a property of the file, visible to any other connection.
  EXPECT_EQ(raw_query(path, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(raw_query(path, "PRAGMA user_version"), "2");
  EXPECT_EQ(raw_query(path,
                      "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN "
                      "('jobs', 'builds', 'runs', 'steps', 'log')"),
            "5");
}

TEST(StoreTest, JobsRoundTrip) {
  TempDir dir;
  Store store = open_or_die(dir / "state.db");

  Result<JobRecord> first = store.create_job("key-one", R"({"repo":"/src/linux"})");
  ASSERT_TRUE(first.ok()) << first.error().message;
  Result<JobRecord> second = store.create_job("key-two", "{}");
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_GT(second->id, first->id);
  EXPECT_EQ(first->key, "key-one");
  EXPECT_EQ(first->params_json, R"({"repo":"/src/linux"})");
  EXPECT_EQ(first->state, "running");
  EXPECT_EQ(first->result_json, "");
  EXPECT_TRUE(std::regex_match(first->created, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")))
      << first->created;

  ASSERT_TRUE(store.finish_job(first->id, "done", R"({"culprit":"abc"})").ok());

  Result<std::vector<JobRecord>> jobs = store.jobs();
  ASSERT_TRUE(jobs.ok()) << jobs.error().message;
  ASSERT_EQ(jobs->size(), 2u);
  EXPECT_EQ((*jobs)[0].id, first->id);
  EXPECT_EQ((*jobs)[0].state, "done");
  EXPECT_EQ((*jobs)[0].result_json, R"({"culprit":"abc"})");
  EXPECT_EQ((*jobs)[0].created, first->created);
  EXPECT_EQ((*jobs)[1].id, second->id);
  EXPECT_EQ((*jobs)[1].state, "running");

  Result<std::optional<JobRecord>> by_key = store.job_by_key("key-two");
  ASSERT_TRUE(by_key.ok()) << by_key.error().message;
  ASSERT_TRUE(by_key->has_value());
  EXPECT_EQ((*by_key)->id, second->id);
  EXPECT_EQ((*by_key)->params_json, "{}");

  Result<std::optional<JobRecord>> missing_key = store.job_by_key("key-three");
  ASSERT_TRUE(missing_key.ok()) << missing_key.error().message;
  EXPECT_FALSE(missing_key->has_value());

  Result<std::optional<JobRecord>> by_id = store.job_by_id(first->id);
  ASSERT_TRUE(by_id.ok()) << by_id.error().message;
  ASSERT_TRUE(by_id->has_value());
  EXPECT_EQ((*by_id)->key, "key-one");
  EXPECT_EQ((*by_id)->state, "done");

  Result<std::optional<JobRecord>> missing_id = store.job_by_id(second->id + 100);
  ASSERT_TRUE(missing_id.ok()) << missing_id.error().message;
  EXPECT_FALSE(missing_id->has_value());
}

TEST(StoreTest, KeysAreValuesNotSql) {
  TempDir dir;
  Store store = open_or_die(dir / "state.db");
  const std::string key = "x'); DROP TABLE jobs; --";
  ASSERT_TRUE(store.create_job(key, "{}").ok());
  Result<std::optional<JobRecord>> found = store.job_by_key(key);
  ASSERT_TRUE(found.ok()) << found.error().message;
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->key, key);
}

TEST(StoreTest, DuplicateKeyAndUnknownJobAreErrorsNamingTheFile) {
  TempDir dir;
  std::string path = dir / "state.db";
  Store store = open_or_die(path);
  ASSERT_TRUE(store.create_job("same", "{}").ok());

  Result<JobRecord> duplicate = store.create_job("same", "{}");
  ASSERT_FALSE(duplicate.ok());
  EXPECT_NE(duplicate.error().message.find(path), std::string::npos) << duplicate.error().message;
  EXPECT_EQ(duplicate.error().message.find('\n'), std::string::npos);

  Status unknown = store.finish_job(4242, "done", "{}");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find(path), std::string::npos) << unknown.error().message;

  // foreign_keys=ON: rows for a job that does not exist are refused.
  Status orphan = store.put_run(4242, make_run("tree", 0, "x"));
  ASSERT_FALSE(orphan.ok());
  EXPECT_NE(orphan.error().message.find(path), std::string::npos) << orphan.error().message;
  EXPECT_NE(orphan.error().message.find("FOREIGN KEY"), std::string::npos)
      << orphan.error().message;
}

TEST(StoreTest, BuildsRoundTripAndReplace) {
  TempDir dir;
  Store store = open_or_die(dir / "state.db");
  std::int64_t job = store.create_job("k", "{}")->id;

  Result<std::optional<BuildRecord>> absent = store.build(job, "tree-a");
  ASSERT_TRUE(absent.ok()) << absent.error().message;
  EXPECT_FALSE(absent->has_value());

  BuildRecord build;
  build.tree = "tree-a";
  build.commit = "1111111111111111111111111111111111111111";
  build.status = BuildStatus::failed;
  build.signature = "sig";
  build.compiler = "gcc (Debian 12.2.0-14) 12.2.0";
  build.duration_s = 12.5;
  build.log_tail = "error: \xff\xfe not utf-8\nline two\n";
  build.error = "make exited with status 2";
  ASSERT_TRUE(store.put_build(job, build).ok());

  Result<std::optional<BuildRecord>> read = store.build(job, "tree-a");
  ASSERT_TRUE(read.ok()) << read.error().message;
  ASSERT_TRUE(read->has_value());
  const BuildRecord& got = **read;
  EXPECT_EQ(got.tree, build.tree);
  EXPECT_EQ(got.commit, build.commit);
  EXPECT_EQ(got.status, build.status);
  EXPECT_EQ(got.signature, build.signature);
  EXPECT_EQ(got.compiler, build.compiler);
  EXPECT_DOUBLE_EQ(got.duration_s, build.duration_s);
  EXPECT_EQ(got.log_tail, build.log_tail);
  EXPECT_EQ(got.error, build.error);

  build.status = BuildStatus::ok;
  build.error = "";
  ASSERT_TRUE(store.put_build(job, build).ok());
  read = store.build(job, "tree-a");
  ASSERT_TRUE(read.ok() && read->has_value());
  EXPECT_EQ((*read)->status, BuildStatus::ok);
  EXPECT_EQ((*read)->error, "");

  // Builds belong to their job.
  std::int64_t other_job = store.create_job("other", "{}")->id;
  Result<std::optional<BuildRecord>> other = store.build(other_job, "tree-a");
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->has_value());
}

TEST(StoreTest, RunsRoundTripBinaryAndLargeConsoles) {
  TempDir dir;
  Store store = open_or_die(dir / "state.db");
  std::int64_t job = store.create_job("k", "{}")->id;

  std::string large(2 * 1024 * 1024, '\0');
  for (std::size_t i = 0; i < large.size(); ++i) large[i] = static_cast<char>((i * 131) % 256);
  std::vector<RunRecord> written = {make_run("tree-a", 2, large),
                                    make_run("tree-a", 0, all_bytes()), make_run("tree-a", 1, "")};
  written[2].outcome = RunOutcome::ok;
  written[2].title = "";
  written[2].alt_titles = {};
  written[2].exit_status = 0;
  for (const RunRecord& run : written) {
    Status put = store.put_run(job, run);
    ASSERT_TRUE(put.ok()) << put.error().message;
  }
  ASSERT_TRUE(store.put_run(job, make_run("tree-b", 0, "other tree")).ok());

  Result<std::vector<RunRecord>> runs = store.runs(job, "tree-a");
  ASSERT_TRUE(runs.ok()) << runs.error().message;
  ASSERT_EQ(runs->size(), 3u);
  expect_same_run(store, job, (*runs)[0], written[1]);  // ordered by index
  expect_same_run(store, job, (*runs)[1], written[2]);
  expect_same_run(store, job, (*runs)[2], written[0]);

  // The console is a BLOB, so other readers (sqlite3 CLI, scripts) see bytes, not text.
  EXPECT_EQ(raw_query(store.path(), "SELECT DISTINCT typeof(console) FROM runs"), "blob");

  // Replacing a run keeps one row per index.
  ASSERT_TRUE(store.put_run(job, make_run("tree-a", 1, "second try")).ok());
  runs = store.runs(job, "tree-a");
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 3u);
  EXPECT_EQ(*store.console(job, "tree-a", 1), "second try");
  EXPECT_EQ(*store.console(job, "tree-a", 9), "");  // no such run

  Result<std::vector<RunRecord>> none = store.runs(job, "tree-c");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST(StoreTest, StepsAreNumberedInOrder) {
  TempDir dir;
  Store store = open_or_die(dir / "state.db");
  std::int64_t job = store.create_job("k", "{}")->id;
  std::int64_t other_job = store.create_job("other", "{}")->id;

  const std::vector<std::pair<Phase, Verdict>> decided = {{Phase::start, Verdict::bad},
                                                          {Phase::release, Verdict::good},
                                                          {Phase::bisect, Verdict::skip},
                                                          {Phase::bisect, Verdict::bad}};
  for (std::size_t i = 0; i < decided.size(); ++i) {
    StepRecord step;
    step.commit = "commit" + std::to_string(i);
    step.tree = "tree" + std::to_string(i);
    step.phase = decided[i].first;
    step.verdict = decided[i].second;
    ASSERT_TRUE(store.put_step(job, step).ok());
  }
  // Another job's steps neither disturb nor continue this job's numbering.
  ASSERT_TRUE(store.put_step(other_job, StepRecord{0, "x", "y", Phase::start, Verdict::good}).ok());

  Result<std::vector<StepRecord>> steps = store.steps(job);
  ASSERT_TRUE(steps.ok()) << steps.error().message;
  ASSERT_EQ(steps->size(), decided.size());
  for (std::size_t i = 0; i < decided.size(); ++i) {
    EXPECT_EQ((*steps)[i].seq, static_cast<std::int64_t>(i + 1));
    EXPECT_EQ((*steps)[i].commit, "commit" + std::to_string(i));
    EXPECT_EQ((*steps)[i].tree, "tree" + std::to_string(i));
    EXPECT_EQ((*steps)[i].phase, decided[i].first);
    EXPECT_EQ((*steps)[i].verdict, decided[i].second);
  }

  Result<std::vector<StepRecord>> other_steps = store.steps(other_job);
  ASSERT_TRUE(other_steps.ok());
  ASSERT_EQ(other_steps->size(), 1u);
  EXPECT_EQ((*other_steps)[0].seq, 1);

  // An explicit seq replaces that step.
  ASSERT_TRUE(
      store.put_step(job, StepRecord{3, "commit2", "tree2", Phase::bisect, Verdict::good}).ok());
  steps = store.steps(job);
  ASSERT_TRUE(steps.ok());
  ASSERT_EQ(steps->size(), decided.size());
  EXPECT_EQ((*steps)[2].verdict, Verdict::good);
}

TEST(StoreTest, LogKeepsLinesInOrderPerJob) {
  TempDir dir;
  Store store = open_or_die(dir / "state.db");
  std::int64_t job = store.create_job("k", "{}")->id;
  std::int64_t other_job = store.create_job("other", "{}")->id;

  std::vector<std::string> lines;
  for (int i = 0; i < 50; ++i) lines.push_back("line " + std::to_string(i));
  lines.push_back("");
  lines.push_back("bytes \xc3\x28 here");
  for (const std::string& line : lines) ASSERT_TRUE(store.append_log(job, line).ok());
  ASSERT_TRUE(store.append_log(other_job, "elsewhere").ok());

  Result<std::vector<std::string>> read = store.log(job);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(*read, lines);
  Result<std::vector<std::string>> other = store.log(other_job);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(*other, std::vector<std::string>{"elsewhere"});
}

TEST(StoreTest, ReopeningResumesFromWhatIsThere) {
  TempDir dir;
  std::string path = dir / "state.db";
  std::int64_t job = 0;
  {
    Store store = open_or_die(path);
    job = store.create_job("resume-me", R"({"n":1})")->id;
    BuildRecord build;
    build.tree = "tree-a";
    build.commit = "c1";
    build.status = BuildStatus::ok;
    ASSERT_TRUE(store.put_build(job, build).ok());
    ASSERT_TRUE(store.put_run(job, make_run("tree-a", 0, all_bytes())).ok());
    ASSERT_TRUE(
        store.put_step(job, StepRecord{0, "c1", "tree-a", Phase::start, Verdict::bad}).ok());
    ASSERT_TRUE(store.append_log(job, "first session").ok());
  }
  Store store = open_or_die(path);
  Result<std::optional<JobRecord>> found = store.job_by_key("resume-me");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->id, job);
  EXPECT_EQ((*found)->params_json, R"({"n":1})");
  Result<std::optional<BuildRecord>> build = store.build(job, "tree-a");
  ASSERT_TRUE(build.ok() && build->has_value());
  EXPECT_EQ((*build)->commit, "c1");
  Result<std::vector<RunRecord>> runs = store.runs(job, "tree-a");
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 1u);
  expect_same_run(store, job, (*runs)[0], make_run("tree-a", 0, all_bytes()));
  Result<std::vector<StepRecord>> steps = store.steps(job);
  ASSERT_TRUE(steps.ok());
  ASSERT_EQ(steps->size(), 1u);
  EXPECT_EQ((*steps)[0].verdict, Verdict::bad);

  // Numbering continues where the first session stopped.
  ASSERT_TRUE(store.append_log(job, "second session").ok());
  Result<std::vector<std::string>> log = store.log(job);
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(*log, (std::vector<std::string>{"first session", "second session"}));
  ASSERT_TRUE(
      store.put_step(job, StepRecord{0, "c2", "tree-b", Phase::bisect, Verdict::good}).ok());
  steps = store.steps(job);
  ASSERT_TRUE(steps.ok());
  ASSERT_EQ(steps->size(), 2u);
  EXPECT_EQ((*steps)[1].seq, 2);
}

TEST(StoreTest, MovedStoreKeepsWorking) {
  TempDir dir;
  std::string path = dir / "state.db";
  Store first = open_or_die(path);
  Store moved(std::move(first));
  EXPECT_EQ(moved.path(), path);
  ASSERT_TRUE(moved.create_job("a", "{}").ok());

  Store assigned = open_or_die(dir / "other.db");
  assigned = std::move(moved);
  EXPECT_EQ(assigned.path(), path);
  Result<std::vector<JobRecord>> jobs = assigned.jobs();
  ASSERT_TRUE(jobs.ok()) << jobs.error().message;
  EXPECT_EQ(jobs->size(), 1u);
}

TEST(StoreTest, GarbageFileIsRefusedAndLeftAlone) {
  TempDir dir;
  for (std::size_t size : {std::size_t{64}, std::size_t{8192}}) {
    std::string path = dir / ("garbage-" + std::to_string(size));
    std::string garbage;
    for (std::size_t i = 0; i < size; ++i) garbage.push_back(static_cast<char>('a' + i % 26));
    write_file(path, garbage);

    Result<Store> store = Store::open(path);
    ASSERT_FALSE(store.ok()) << "opened a file of " << size << " garbage bytes";
    EXPECT_EQ(
        store.error().message.rfind("state file " + path + " is not a culprit state database", 0),
        0u)
        << store.error().message;
    EXPECT_EQ(store.error().message.find('\n'), std::string::npos);
    EXPECT_EQ(read_file(path), garbage);
  }
}

TEST(StoreTest, OtherSqliteDatabasesAreRefused) {
  TempDir dir;
  std::string path = dir / "someone-elses.db";
  raw_exec(path, "CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('keep me');");

  Result<Store> store = Store::open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().message.find("state file " + path + " is not a culprit state database"),
            std::string::npos)
      << store.error().message;
  EXPECT_EQ(raw_query(path, "SELECT count(*) FROM sqlite_schema"), "1");
}

TEST(StoreTest, NewerSchemaIsRefused) {
  TempDir dir;
  std::string path = dir / "state.db";
  { open_or_die(path); }
  raw_exec(path, "PRAGMA user_version = 99");

  Result<Store> store = Store::open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().message.find(path), std::string::npos) << store.error().message;
  EXPECT_NE(store.error().message.find("99"), std::string::npos) << store.error().message;
}

// A state file written by the culprit of schema 1 (runs without alt_titles) still resumes: opening
// it adds the column, and its runs come back with no alternative titles.
TEST(StoreTest, SchemaOneIsMigrated) {
  TempDir dir;
  std::string path = dir / "state.db";
  std::int64_t job = 0;
  {
    Store store = open_or_die(path);
    job = store.create_job("old", "{}")->id;
    RunRecord run = make_run("tree", 0, "console");
    run.alt_titles.clear();
    ASSERT_TRUE(store.put_run(job, run).ok());
  }
  raw_exec(path, "ALTER TABLE runs DROP COLUMN alt_titles");
  raw_exec(path, "PRAGMA user_version = 1");

  Store store = open_or_die(path);
  EXPECT_EQ(raw_query(path, "PRAGMA user_version"), "2");
  Result<std::vector<RunRecord>> runs = store.runs(job, "tree");
  ASSERT_TRUE(runs.ok()) << runs.error().message;
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_TRUE((*runs)[0].alt_titles.empty());
  EXPECT_EQ((*runs)[0].title, "KASAN: use-after-free in foo");
  ASSERT_TRUE(store.put_run(job, make_run("tree", 1, "")).ok());
  runs = store.runs(job, "tree");
  ASSERT_TRUE(runs.ok());
  EXPECT_EQ((*runs)[1].alt_titles, make_run("tree", 1, "").alt_titles);
}

// A name this culprit does not know (a file edited by hand) is an error naming the file.
TEST(StoreTest, UnknownRecordedNamesAreErrors) {
  TempDir dir;
  std::string path = dir / "state.db";
  Store store = open_or_die(path);
  std::int64_t job = store.create_job("k", "{}")->id;
  ASSERT_TRUE(store.put_run(job, make_run("tree", 0, "")).ok());
  raw_exec(path, "UPDATE runs SET outcome = 'exploded'");
  Result<std::vector<RunRecord>> runs = store.runs(job, "tree");
  ASSERT_FALSE(runs.ok());
  EXPECT_NE(runs.error().message.find(path), std::string::npos) << runs.error().message;
  EXPECT_NE(runs.error().message.find("exploded"), std::string::npos) << runs.error().message;
}

TEST(StoreTest, UnopenablePathIsAnErrorNamingIt) {
  TempDir dir;
  std::string path = dir / "no-such-dir/state.db";
  Result<Store> store = Store::open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().message.rfind("cannot open state file " + path + ": ", 0), 0u)
      << store.error().message;
}

TEST(StoreTest, TwoConnectionsSeeEachOthersWrites) {
  // `culprit show` reads a state file while a run writes it.
  TempDir dir;
  std::string path = dir / "state.db";
  Store writer = open_or_die(path);
  Store reader = open_or_die(path);
  std::int64_t job = writer.create_job("k", "{}")->id;
  ASSERT_TRUE(writer.put_run(job, make_run("t", 0, "console")).ok());
  Result<std::vector<RunRecord>> runs = reader.runs(job, "t");
  ASSERT_TRUE(runs.ok()) << runs.error().message;
  EXPECT_EQ(runs->size(), 1u);
}

// The child opens the store, writes `runs` runs and dies without closing anything. Returns how
// the child ended, from waitpid().
int write_runs_then_die(const std::string& path, int runs, bool kill_with_signal) {
  pid_t child = fork();
  if (child == 0) {
    // No gtest assertions here: only the exit status reaches the parent.
    Result<Store> store = Store::open(path);
    if (!store.ok()) _exit(10);
    Result<JobRecord> job = store->create_job("crash", "{}");
    if (!job.ok()) _exit(11);
    for (int i = 0; i < runs; ++i) {
      if (!store->put_run(job->id, make_run("tree", i, all_bytes())).ok()) _exit(12);
    }
    if (kill_with_signal) raise(SIGKILL);
    _exit(0);
  }
  int status = 0;
  waitpid(child, &status, 0);
  return status;
}

void expect_runs_survived(const std::string& path, int count) {
  Store store = open_or_die(path);
  Result<std::optional<JobRecord>> job = store.job_by_key("crash");
  ASSERT_TRUE(job.ok() && job->has_value());
  Result<std::vector<RunRecord>> runs = store.runs((*job)->id, "tree");
  ASSERT_TRUE(runs.ok()) << runs.error().message;
  ASSERT_EQ(runs->size(), static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i)
    expect_same_run(store, (*job)->id, (*runs)[i], make_run("tree", i, all_bytes()));
}

TEST(StoreTest, CompletedRunsSurviveSigkill) {
  TempDir dir;
  std::string path = dir / "state.db";
  int status = write_runs_then_die(path, 25, /*kill_with_signal=*/true);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exit status " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  // Nothing was checkpointed: the rows live only in the write-ahead log, which a new connection
  // must replay.
  ASSERT_TRUE(std::filesystem::exists(path + "-wal"));
  EXPECT_GT(std::filesystem::file_size(path + "-wal"), 0u);
  expect_runs_survived(path, 25);
}

TEST(StoreTest, CompletedRunsSurviveExitWithoutClose) {
  TempDir dir;
  std::string path = dir / "state.db";
  int status = write_runs_then_die(path, 7, /*kill_with_signal=*/false);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  expect_runs_survived(path, 7);
}

}  // namespace
}  // namespace culprit::store
