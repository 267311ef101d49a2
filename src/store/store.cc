#include "store/store.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <string_view>
#include <utility>

#include "store/sqlite_statement.h"

namespace culprit::store {
namespace {

// Marks a SQLite file as ours ("culp"), so that another program's database is refused rather
// than having tables added to it.
constexpr std::int64_t kApplicationId = 0x63756c70;
// Bumped whenever the schema changes; a file with a larger version was written by a newer culprit.
constexpr std::int64_t kSchemaVersion = 2;
// Version 1 lacked runs.alt_titles: opening such a file adds the column (its old runs have none).
constexpr std::string_view kMigrateFrom1 =
    "ALTER TABLE runs ADD COLUMN alt_titles TEXT NOT NULL DEFAULT ''";
// Another culprit process (say `culprit show` during a run) may hold the write lock briefly.
constexpr int kBusyTimeoutMs = 10000;

// The primary keys are the indices: every read is "rows of one job" (optionally of one tree), and
// the keys start with job_id. `jobs.key` is UNIQUE, which indexes job_by_key.
constexpr std::string_view kSchema = R"sql(
CREATE TABLE jobs (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  params_json TEXT NOT NULL,
  state TEXT NOT NULL,
  result_json TEXT NOT NULL DEFAULT '',
  created TEXT NOT NULL
);
CREATE TABLE builds (
  job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  tree TEXT NOT NULL,
  "commit" TEXT NOT NULL,
  status TEXT NOT NULL,
  signature TEXT NOT NULL,
  compiler TEXT NOT NULL,
  duration_s REAL NOT NULL,
  log_tail TEXT NOT NULL,
  error TEXT NOT NULL,
  PRIMARY KEY (job_id, tree)
);
CREATE TABLE runs (
  job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  tree TEXT NOT NULL,
  run_index INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  title TEXT NOT NULL,
  type TEXT NOT NULL,
  exit_status INTEGER NOT NULL,
  duration_s REAL NOT NULL,
  console BLOB NOT NULL,
  alt_titles TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (job_id, tree, run_index)
);
CREATE TABLE steps (
  job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  "commit" TEXT NOT NULL,
  tree TEXT NOT NULL,
  phase TEXT NOT NULL,
  verdict TEXT NOT NULL,
  PRIMARY KEY (job_id, seq)
);
CREATE TABLE log (
  job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  line TEXT NOT NULL,
  PRIMARY KEY (job_id, seq)
);
)sql";

constexpr std::string_view kJobColumns = "id, key, params_json, state, result_json, created";

// Crash titles are single lines: a list of them is kept one per line.
std::string join_titles(const std::vector<std::string>& titles) {
  std::string text;
  for (const std::string& title : titles) {
    if (!text.empty()) text += '\n';
    text += title;
  }
  return text;
}

std::vector<std::string> split_titles(const std::string& text) {
  std::vector<std::string> titles;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    titles.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  return titles;
}

// A name in the store that this culprit does not know: the file was changed by hand or by a
// newer culprit.
template <typename T>
Result<T> known(std::optional<T> value, const std::string& path, std::string_view what,
                const std::string& name) {
  if (!value) {
    return make_error(fmt::format("state file {} has an unknown {} '{}'", path, what, name));
  }
  return *value;
}

JobRecord read_job(const SqliteStatement& row) {
  JobRecord job;
  job.id = row.column_int64(0);
  job.key = row.column_text(1);
  job.params_json = row.column_text(2);
  job.state = row.column_text(3);
  job.result_json = row.column_text(4);
  job.created = row.column_text(5);
  return job;
}

// Runs SQL that takes no values (pragmas, schema); several statements may be given.
Status exec(sqlite3* db, std::string_view sql) {
  std::string text(sql);
  char* message = nullptr;
  if (sqlite3_exec(db, text.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string reason = message != nullptr ? message : sqlite3_errmsg(db);
    sqlite3_free(message);
    return make_error(std::move(reason));
  }
  return {};
}

Result<std::int64_t> query_int(sqlite3* db, std::string_view sql) {
  Result<SqliteStatement> statement = SqliteStatement::prepare(db, sql);
  if (!statement.ok()) return statement.error();
  Result<bool> row = statement->step();
  if (!row.ok()) return row.error();
  return *row ? statement->column_int64(0) : 0;
}

// Turns SQLite's bare reason into the store's one-line message.
Error failure(const std::string& path, std::string_view action, const Error& reason) {
  return make_error(fmt::format("cannot {} in state file {}: {}", action, path, reason.message));
}

Error open_failure(const std::string& path, std::string_view reason) {
  return make_error(fmt::format("cannot open state file {}: {}", path, reason));
}

Error not_ours(const std::string& path, std::string_view why) {
  return make_error(fmt::format("state file {} is not a culprit state database ({})", path, why));
}

// Checks that the file holds our schema, creating it in a file that is still empty. Runs in one
// write transaction so that two processes opening a new file at once do not both create it.
Status check_or_create_schema(sqlite3* db, const std::string& path) {
  if (Status begun = exec(db, "BEGIN IMMEDIATE"); !begun.ok()) {
    return open_failure(path, begun.error().message);
  }
  auto rollback_with = [&](Error error) -> Status {
    // The error being returned says what went wrong; should the rollback fail too, SQLite rolls
    // the transaction back when the connection closes.
    (void)exec(db, "ROLLBACK");
    return error;
  };

  Result<std::int64_t> application_id = query_int(db, "PRAGMA application_id");
  Result<std::int64_t> version = query_int(db, "PRAGMA user_version");
  Result<std::int64_t> objects = query_int(db, "SELECT count(*) FROM sqlite_schema");
  for (const auto* result : {&application_id, &version, &objects}) {
    if (!result->ok()) return rollback_with(open_failure(path, result->error().message));
  }

  if (*application_id == 0 && *version == 0 && *objects == 0) {
    Status created = exec(db, kSchema);
    if (created.ok()) {
      // Constants, not values from outside: pragmas take no bound parameters.
      created = exec(db, fmt::format("PRAGMA application_id = {}; PRAGMA user_version = {};",
                                     kApplicationId, kSchemaVersion));
    }
    if (!created.ok()) return rollback_with(open_failure(path, created.error().message));
  } else if (*application_id != kApplicationId) {
    return rollback_with(not_ours(path, "it is a SQLite database of another program"));
  } else if (*version > kSchemaVersion) {
    return rollback_with(not_ours(
        path, fmt::format("schema version {} is newer than this culprit's {}; upgrade culprit",
                          *version, kSchemaVersion)));
  } else if (*version == 1) {
    Status migrated = exec(db, kMigrateFrom1);
    if (migrated.ok()) {
      migrated = exec(db, fmt::format("PRAGMA user_version = {};", kSchemaVersion));
    }
    if (!migrated.ok()) return rollback_with(open_failure(path, migrated.error().message));
  } else if (*version != kSchemaVersion) {
    return rollback_with(not_ours(path, fmt::format("unknown schema version {}", *version)));
  }

  if (Status committed = exec(db, "COMMIT"); !committed.ok()) {
    return rollback_with(open_failure(path, committed.error().message));
  }
  return {};
}

}  // namespace

void Store::Deleter::operator()(sqlite3* db) const {
  sqlite3_close_v2(db);
}

Store::Store(std::unique_ptr<sqlite3, Deleter> db, std::string path)
    : db_(std::move(db)), path_(std::move(path)) {}

Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&&) noexcept = default;
Store::~Store() = default;

Result<Store> Store::open(const std::string& path) {
  if (path.empty()) return open_failure("''", "empty path");

  sqlite3* raw = nullptr;
  // NOMUTEX: the driver uses a Store from one thread at a time, so SQLite's own locking is waste.
  int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<sqlite3, Deleter> db(raw);
  if (rc != SQLITE_OK) {
    return open_failure(path, db ? sqlite3_errmsg(db.get()) : sqlite3_errstr(rc));
  }
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_busy_timeout(db.get(), kBusyTimeoutMs);

  // SQLite reads the file lazily: the first statement is where garbage is noticed.
  if (Result<std::int64_t> probe = query_int(db.get(), "PRAGMA user_version"); !probe.ok()) {
    if ((sqlite3_errcode(db.get()) & 0xff) == SQLITE_NOTADB) {
      return not_ours(path, "not a SQLite database");
    }
    return open_failure(path, probe.error().message);
  }

  // WAL with synchronous=NORMAL: a commit survives the process being killed the moment the
  // statement returns (only a power loss can take back the last commits), at one fsync per
  // checkpoint rather than per statement. journal_mode must be set outside a transaction.
  Status configured = exec(db.get(),
                           "PRAGMA journal_mode = WAL;"
                           "PRAGMA synchronous = NORMAL;"
                           "PRAGMA foreign_keys = ON;");
  if (!configured.ok()) return open_failure(path, configured.error().message);

  CULPRIT_TRY(check_or_create_schema(db.get(), path));
  return Store(std::move(db), path);
}

Result<Store> Store::open_read_only(const std::string& path) {
  if (path.empty()) return open_failure("''", "empty path");
  sqlite3* raw = nullptr;
  // READONLY: no journal-mode change, no schema, no log line -- the file is only looked at.
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<sqlite3, Deleter> db(raw);
  if (rc != SQLITE_OK) {
    return open_failure(path, db ? sqlite3_errmsg(db.get()) : sqlite3_errstr(rc));
  }
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_busy_timeout(db.get(), kBusyTimeoutMs);
  Result<std::int64_t> application_id = query_int(db.get(), "PRAGMA application_id");
  if (!application_id.ok()) {
    if ((sqlite3_errcode(db.get()) & 0xff) == SQLITE_NOTADB) {
      return not_ours(path, "not a SQLite database");
    }
    return open_failure(path, application_id.error().message);
  }
  Result<std::int64_t> version = query_int(db.get(), "PRAGMA user_version");
  if (!version.ok()) return open_failure(path, version.error().message);
  if (*application_id != kApplicationId) {
    return not_ours(path, *application_id == 0 && *version == 0
                              ? "it holds no culprit schema"
                              : "it is a SQLite database of another program");
  }
  if (*version > kSchemaVersion) {
    return not_ours(
        path, fmt::format("schema version {} is newer than this culprit's {}; upgrade culprit",
                          *version, kSchemaVersion));
  }
  return Store(std::move(db), path);
}

namespace {

// Prepares SQL on a store's connection, with errors already phrased for the user.
Result<SqliteStatement> prepare(sqlite3* db, const std::string& path, std::string_view action,
                                std::string_view sql) {
  if (db == nullptr) return failure(path, action, make_error("the store was moved from"));
  Result<SqliteStatement> statement = SqliteStatement::prepare(db, sql);
  if (!statement.ok()) return failure(path, action, statement.error());
  return statement;
}

}  // namespace

Result<std::vector<JobRecord>> Store::jobs() const {
  constexpr std::string_view kAction = "list jobs";
  Result<SqliteStatement> statement = prepare(
      db_.get(), path_, kAction, fmt::format("SELECT {} FROM jobs ORDER BY id", kJobColumns));
  if (!statement.ok()) return statement.error();
  std::vector<JobRecord> jobs;
  while (true) {
    Result<bool> row = statement->step();
    if (!row.ok()) return failure(path_, kAction, row.error());
    if (!*row) return jobs;
    jobs.push_back(read_job(*statement));
  }
}

Result<std::optional<JobRecord>> Store::job_by_key(const std::string& key) const {
  constexpr std::string_view kAction = "look up job by key";
  Result<SqliteStatement> statement = prepare(
      db_.get(), path_, kAction, fmt::format("SELECT {} FROM jobs WHERE key = ?1", kJobColumns));
  if (!statement.ok()) return statement.error();
  statement->bind_text(1, key);
  Result<bool> row = statement->step();
  if (!row.ok()) return failure(path_, kAction, row.error());
  if (!*row) return std::optional<JobRecord>();
  return std::optional<JobRecord>(read_job(*statement));
}

Result<std::optional<JobRecord>> Store::job_by_id(std::int64_t id) const {
  constexpr std::string_view kAction = "look up job by id";
  Result<SqliteStatement> statement = prepare(
      db_.get(), path_, kAction, fmt::format("SELECT {} FROM jobs WHERE id = ?1", kJobColumns));
  if (!statement.ok()) return statement.error();
  statement->bind_int64(1, id);
  Result<bool> row = statement->step();
  if (!row.ok()) return failure(path_, kAction, row.error());
  if (!*row) return std::optional<JobRecord>();
  return std::optional<JobRecord>(read_job(*statement));
}

Result<JobRecord> Store::create_job(const std::string& key, const std::string& params_json) {
  const std::string action = fmt::format("create job with key {}", key);
  Result<SqliteStatement> statement =
      prepare(db_.get(), path_, action,
              fmt::format("INSERT INTO jobs (key, params_json, state, result_json, created) "
                          "VALUES (?1, ?2, 'running', '', strftime('%Y-%m-%dT%H:%M:%SZ', 'now')) "
                          "RETURNING {}",
                          kJobColumns));
  if (!statement.ok()) return statement.error();
  statement->bind_text(1, key);
  statement->bind_text(2, params_json);
  Result<bool> row = statement->step();
  if (!row.ok()) return failure(path_, action, row.error());
  if (!*row) return failure(path_, action, make_error("no row returned"));
  JobRecord job = read_job(*statement);
  // RETURNING rows are produced before the statement completes; finishing it commits the insert.
  if (Status finished = statement->run(); !finished.ok()) {
    return failure(path_, action, finished.error());
  }
  return job;
}

Status Store::finish_job(std::int64_t job, const std::string& state,
                         const std::string& result_json) {
  const std::string action = fmt::format("finish job {}", job);
  Result<SqliteStatement> statement = prepare(
      db_.get(), path_, action, "UPDATE jobs SET state = ?2, result_json = ?3 WHERE id = ?1");
  if (!statement.ok()) return statement.error();
  statement->bind_int64(1, job);
  statement->bind_text(2, state);
  statement->bind_text(3, result_json);
  if (Status done = statement->run(); !done.ok()) return failure(path_, action, done.error());
  if (sqlite3_changes(db_.get()) == 0) return failure(path_, action, make_error("no such job"));
  return {};
}

Status Store::set_job_params(std::int64_t job, const std::string& params_json) {
  const std::string action = fmt::format("record the parameters of job {}", job);
  Result<SqliteStatement> statement =
      prepare(db_.get(), path_, action, "UPDATE jobs SET params_json = ?2 WHERE id = ?1");
  if (!statement.ok()) return statement.error();
  statement->bind_int64(1, job);
  statement->bind_text(2, params_json);
  if (Status done = statement->run(); !done.ok()) return failure(path_, action, done.error());
  if (sqlite3_changes(db_.get()) == 0) return failure(path_, action, make_error("no such job"));
  return {};
}

Result<std::optional<BuildRecord>> Store::build(std::int64_t job, const std::string& tree) const {
  const std::string action = fmt::format("read build of tree {} for job {}", tree, job);
  Result<SqliteStatement> statement =
      prepare(db_.get(), path_, action,
              "SELECT tree, \"commit\", status, signature, compiler, duration_s, log_tail, error "
              "FROM builds WHERE job_id = ?1 AND tree = ?2");
  if (!statement.ok()) return statement.error();
  statement->bind_int64(1, job);
  statement->bind_text(2, tree);
  Result<bool> row = statement->step();
  if (!row.ok()) return failure(path_, action, row.error());
  if (!*row) return std::optional<BuildRecord>();
  BuildRecord build;
  build.tree = statement->column_text(0);
  build.commit = statement->column_text(1);
  auto status = known(build_status_from_string(statement->column_text(2)), path_, "build status",
                      statement->column_text(2));
  if (!status) return status.error();
  build.status = *status;
  build.signature = statement->column_text(3);
  build.compiler = statement->column_text(4);
  build.duration_s = statement->column_double(5);
  build.log_tail = statement->column_text(6);
  build.error = statement->column_text(7);
  return std::optional<BuildRecord>(std::move(build));
}

Status Store::put_build(std::int64_t job, const BuildRecord& build) {
  const std::string action = fmt::format("store build of tree {} for job {}", build.tree, job);
  Result<SqliteStatement> statement = prepare(
      db_.get(), path_, action,
      "INSERT OR REPLACE INTO builds "
      "(job_id, tree, \"commit\", status, signature, compiler, duration_s, log_tail, error) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  if (!statement.ok()) return statement.error();
  statement->bind_int64(1, job);
  statement->bind_text(2, build.tree);
  statement->bind_text(3, build.commit);
  statement->bind_text(4, std::string(to_string(build.status)));
  statement->bind_text(5, build.signature);
  statement->bind_text(6, build.compiler);
  statement->bind_double(7, build.duration_s);
  statement->bind_text(8, build.log_tail);
  statement->bind_text(9, build.error);
  if (Status done = statement->run(); !done.ok()) return failure(path_, action, done.error());
  return {};
}

Result<std::vector<RunRecord>> Store::runs(std::int64_t job, const std::string& tree) const {
  const std::string action = fmt::format("read runs of tree {} for job {}", tree, job);
  Result<SqliteStatement> statement =
      prepare(db_.get(), path_, action,
              "SELECT tree, run_index, outcome, title, type, exit_status, duration_s, alt_titles "
              "FROM runs WHERE job_id = ?1 AND tree = ?2 ORDER BY run_index");
  if (!statement.ok()) return statement.error();
  statement->bind_int64(1, job);
  statement->bind_text(2, tree);
  std::vector<RunRecord> runs;
  while (true) {
    Result<bool> row = statement->step();
    if (!row.ok()) return failure(path_, action, row.error());
    if (!*row) return runs;
    RunRecord& run = runs.emplace_back();
    run.tree = statement->column_text(0);
    run.index = static_cast<int>(statement->column_int64(1));
    auto outcome = known(run_outcome_from_string(statement->column_text(2)), path_, "run outcome",
                         statement->column_text(2));
    if (!outcome) return outcome.error();
    run.outcome = *outcome;
    run.title = statement->column_text(3);
    run.type = statement->column_text(4);
    run.exit_status = static_cast<int>(statement->column_int64(5));
    run.duration_s = statement->column_double(6);
    run.alt_titles = split_titles(statement->column_text(7));
  }
}

Result<std::string> Store::console(std::int64_t job, const std::string& tree, int index) const {
  const std::string action =
      fmt::format("read console of run {} of tree {} for job {}", index, tree, job);
  Result<SqliteStatement> statement =
      prepare(db_.get(), path_, action,
              "SELECT console FROM runs WHERE job_id = ?1 AND tree = ?2 AND run_index = ?3");
  if (!statement.ok()) return statement.error();
  statement->bind_int64(1, job);
  statement->bind_text(2, tree);
  statement->bind_int64(3, index);
  Result<bool> row = statement->step();
  if (!row.ok()) return failure(path_, action, row.error());
  if (!*row) return std::string();
  return statement->column_blob(0);
}

Status Store::put_run(std::int64_t job, const RunRecord& run) {
  const std::string action =
      fmt::format("store run {} of tree {} for job {}", run.index, run.tree, job);
  Result<SqliteStatement> statement =
      prepare(db_.get(), path_, action,
              "INSERT OR REPLACE INTO runs "
              "(job_id, tree, run_index, outcome, title, type, exit_status, duration_s, console, "
              "alt_titles) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  if (!statement.ok()) return statement.error();
  statement->bind_int64(1, job);
  statement->bind_text(2, run.tree);
  statement->bind_int64(3, run.index);
  statement->bind_text(4, std::string(to_string(run.outcome)));
  statement->bind_text(5, run.title);
  statement->bind_text(6, run.type);
  statement->bind_int64(7, run.exit_status);
  statement->bind_double(8, run.duration_s);
  statement->bind_blob(9, run.console);
  statement->bind_text(10, join_titles(run.alt_titles));
  if (Status done = statement->run(); !done.ok()) return failure(path_, action, done.error());
  return {};
}

Result<std::vector<StepRecord>> Store::steps(std::int64_t job) const {
  const std::string action = fmt::format("read steps of job {}", job);
  Result<SqliteStatement> statement =
      prepare(db_.get(), path_, action,
              "SELECT seq, \"commit\", tree, phase, verdict FROM steps WHERE job_id = ?1 "
              "ORDER BY seq");
  if (!statement.ok()) return statement.error();
  statement->bind_int64(1, job);
  std::vector<StepRecord> steps;
  while (true) {
    Result<bool> row = statement->step();
    if (!row.ok()) return failure(path_, action, row.error());
    if (!*row) return steps;
    StepRecord& step = steps.emplace_back();
    step.seq = statement->column_int64(0);
    step.commit = statement->column_text(1);
    step.tree = statement->column_text(2);
    auto phase = known(phase_from_string(statement->column_text(3)), path_, "phase",
                       statement->column_text(3));
    if (!phase) return phase.error();
    step.phase = *phase;
    auto verdict = known(verdict_from_string(statement->column_text(4)), path_, "verdict",
                         statement->column_text(4));
    if (!verdict) return verdict.error();
    step.verdict = *verdict;
  }
}

Status Store::put_step(std::int64_t job, const StepRecord& step) {
  const std::string action = fmt::format("store step at commit {} for job {}", step.commit, job);
  // seq 0 means "next": computed inside the insert, so numbering and writing are one statement.
  Result<SqliteStatement> statement = prepare(
      db_.get(), path_, action,
      "INSERT OR REPLACE INTO steps (job_id, seq, \"commit\", tree, phase, verdict) "
      "VALUES (?1, CASE WHEN ?2 > 0 THEN ?2 ELSE "
      "(SELECT coalesce(max(seq), 0) + 1 FROM steps WHERE job_id = ?1) END, ?3, ?4, ?5, ?6)");
  if (!statement.ok()) return statement.error();
  statement->bind_int64(1, job);
  statement->bind_int64(2, step.seq);
  statement->bind_text(3, step.commit);
  statement->bind_text(4, step.tree);
  statement->bind_text(5, std::string(to_string(step.phase)));
  statement->bind_text(6, std::string(to_string(step.verdict)));
  if (Status done = statement->run(); !done.ok()) return failure(path_, action, done.error());
  return {};
}

Status Store::append_log(std::int64_t job, const std::string& line) {
  const std::string action = fmt::format("append to the log of job {}", job);
  Result<SqliteStatement> statement =
      prepare(db_.get(), path_, action,
              "INSERT INTO log (job_id, seq, line) VALUES "
              "(?1, (SELECT coalesce(max(seq), 0) + 1 FROM log WHERE job_id = ?1), ?2)");
  if (!statement.ok()) return statement.error();
  statement->bind_int64(1, job);
  statement->bind_text(2, line);
  if (Status done = statement->run(); !done.ok()) return failure(path_, action, done.error());
  return {};
}

Result<std::vector<std::string>> Store::log(std::int64_t job) const {
  const std::string action = fmt::format("read the log of job {}", job);
  Result<SqliteStatement> statement =
      prepare(db_.get(), path_, action, "SELECT line FROM log WHERE job_id = ?1 ORDER BY seq");
  if (!statement.ok()) return statement.error();
  statement->bind_int64(1, job);
  std::vector<std::string> lines;
  while (true) {
    Result<bool> row = statement->step();
    if (!row.ok()) return failure(path_, action, row.error());
    if (!*row) return lines;
    lines.push_back(statement->column_text(0));
  }
}

}  // namespace culprit::store
