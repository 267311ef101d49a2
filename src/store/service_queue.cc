#include "store/service_queue.h"

#include <sqlite3.h>

#include <filesystem>

#include <fmt/format.h>

#include "store/sqlite_statement.h"

namespace culprit::store {

namespace {

constexpr int kBusyTimeoutMs = 10000;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS service_jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  state TEXT NOT NULL,
  job_toml TEXT NOT NULL,
  base_dir TEXT NOT NULL,
  state_path TEXT NOT NULL,
  overrides_json TEXT NOT NULL DEFAULT '{}',
  retry_of INTEGER NOT NULL DEFAULT 0,
  created TEXT NOT NULL,
  started TEXT NOT NULL DEFAULT '',
  finished TEXT NOT NULL DEFAULT '',
  pid INTEGER NOT NULL DEFAULT 0,
  exit_status INTEGER NOT NULL DEFAULT -1,
  error TEXT NOT NULL DEFAULT '',
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  invalid_reason TEXT NOT NULL DEFAULT '',
  invalid_at TEXT NOT NULL DEFAULT ''
);
)sql";

constexpr const char* kNow = "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')";

constexpr const char* kColumns =
    "id, state, job_toml, base_dir, state_path, overrides_json, retry_of, created, started, "
    "finished, pid, exit_status, error, cancel_requested, invalid_reason, invalid_at";

QueuedJob read_row(const SqliteStatement& row) {
  QueuedJob job;
  job.id = row.column_int64(0);
  job.state = row.column_text(1);
  job.job_toml = row.column_text(2);
  job.base_dir = row.column_text(3);
  job.state_path = row.column_text(4);
  job.overrides_json = row.column_text(5);
  job.retry_of = row.column_int64(6);
  job.created = row.column_text(7);
  job.started = row.column_text(8);
  job.finished = row.column_text(9);
  job.pid = static_cast<long>(row.column_int64(10));
  job.exit_status = static_cast<int>(row.column_int64(11));
  job.error = row.column_text(12);
  job.cancel_requested = row.column_int64(13) != 0;
  job.invalid_reason = row.column_text(14);
  job.invalid_at = row.column_text(15);
  return job;
}

}  // namespace

void ServiceQueue::Deleter::operator()(sqlite3* db) const {
  sqlite3_close_v2(db);
}

ServiceQueue::ServiceQueue(std::unique_ptr<sqlite3, Deleter> db, std::string path)
    : db_(std::move(db)), path_(std::move(path)) {}

ServiceQueue::~ServiceQueue() = default;

Result<std::unique_ptr<ServiceQueue>> ServiceQueue::open(const std::string& path) {
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  std::unique_ptr<sqlite3, Deleter> db(raw);
  auto failure = [&](std::string_view reason) {
    return make_error(fmt::format("cannot open service queue {}: {}", path, reason));
  };
  if (rc != SQLITE_OK) return failure(db ? sqlite3_errmsg(db.get()) : sqlite3_errstr(rc));
  sqlite3_busy_timeout(db.get(), kBusyTimeoutMs);
  char* message = nullptr;
  const std::string setup =
      std::string("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;") + kSchema;
  if (sqlite3_exec(db.get(), setup.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string reason = message != nullptr ? message : "unknown error";
    sqlite3_free(message);
    return failure(reason);
  }
  return std::unique_ptr<ServiceQueue>(new ServiceQueue(std::move(db), path));
}

std::string ServiceQueue::job_dir(std::int64_t id) const {
  return (std::filesystem::path(path_).parent_path() / "jobs" / std::to_string(id)).string();
}

Result<std::int64_t> ServiceQueue::add(const QueuedJob& job) {
  std::lock_guard lock(mutex_);
  CULPRIT_ASSIGN_OR_RETURN(
      SqliteStatement insert,
      SqliteStatement::prepare(
          db_.get(), fmt::format("INSERT INTO service_jobs (state, job_toml, base_dir, state_path, "
                                 "overrides_json, retry_of, created) VALUES ('queued', ?1, ?2, ?3, "
                                 "?4, ?5, {})",
                                 kNow)));
  insert.bind_text(1, job.job_toml);
  insert.bind_text(2, job.base_dir);
  insert.bind_text(3, job.state_path);
  insert.bind_text(4, job.overrides_json.empty() ? "{}" : job.overrides_json);
  insert.bind_int64(5, job.retry_of);
  CULPRIT_TRY(insert.run());
  const std::int64_t id = sqlite3_last_insert_rowid(db_.get());
  if (job.state_path.empty()) {
    CULPRIT_ASSIGN_OR_RETURN(
        SqliteStatement update,
        SqliteStatement::prepare(db_.get(),
                                 "UPDATE service_jobs SET state_path = ?1 WHERE id = ?2"));
    update.bind_text(1, job_dir(id) + "/culprit.db");
    update.bind_int64(2, id);
    CULPRIT_TRY(update.run());
  }
  return id;
}

Result<std::vector<QueuedJob>> ServiceQueue::select(const std::string& where,
                                                    std::int64_t arg) const {
  std::lock_guard lock(mutex_);
  CULPRIT_ASSIGN_OR_RETURN(
      SqliteStatement query,
      SqliteStatement::prepare(
          db_.get(), fmt::format("SELECT {} FROM service_jobs {} ORDER BY id", kColumns, where)));
  if (where.find("?1") != std::string::npos) query.bind_int64(1, arg);
  std::vector<QueuedJob> jobs;
  while (true) {
    CULPRIT_ASSIGN_OR_RETURN(bool row, query.step());
    if (!row) break;
    jobs.push_back(read_row(query));
  }
  return jobs;
}

Result<std::vector<QueuedJob>> ServiceQueue::list() const {
  return select("", 0);
}

Result<std::optional<QueuedJob>> ServiceQueue::get(std::int64_t id) const {
  CULPRIT_ASSIGN_OR_RETURN(std::vector<QueuedJob> jobs, select("WHERE id = ?1", id));
  if (jobs.empty()) return std::optional<QueuedJob>();
  return std::optional<QueuedJob>(std::move(jobs.front()));
}

Result<std::optional<QueuedJob>> ServiceQueue::next_queued() const {
  CULPRIT_ASSIGN_OR_RETURN(std::vector<QueuedJob> jobs, select("WHERE state = 'queued'", 0));
  if (jobs.empty()) return std::optional<QueuedJob>();
  return std::optional<QueuedJob>(std::move(jobs.front()));
}

Result<std::vector<QueuedJob>> ServiceQueue::running() const {
  return select("WHERE state = 'running'", 0);
}

Status ServiceQueue::mark_running(std::int64_t id, long pid) {
  std::lock_guard lock(mutex_);
  // `started` keeps the first start: a job resumed after a restart has been running since then.
  CULPRIT_ASSIGN_OR_RETURN(
      SqliteStatement update,
      SqliteStatement::prepare(
          db_.get(),
          fmt::format("UPDATE service_jobs SET state = 'running', pid = ?1, started = CASE WHEN "
                      "started = '' THEN {} ELSE started END WHERE id = ?2",
                      kNow)));
  update.bind_int64(1, pid);
  update.bind_int64(2, id);
  return update.run();
}

Status ServiceQueue::mark_finished(std::int64_t id, const std::string& state, int exit_status,
                                   const std::string& error) {
  std::lock_guard lock(mutex_);
  CULPRIT_ASSIGN_OR_RETURN(
      SqliteStatement update,
      SqliteStatement::prepare(db_.get(),
                               fmt::format("UPDATE service_jobs SET state = ?1, exit_status = ?2, "
                                           "error = ?3, pid = 0, finished = {} WHERE id = ?4",
                                           kNow)));
  update.bind_text(1, state);
  update.bind_int64(2, exit_status);
  update.bind_text(3, error);
  update.bind_int64(4, id);
  return update.run();
}

Result<bool> ServiceQueue::request_cancel(std::int64_t id) {
  CULPRIT_ASSIGN_OR_RETURN(std::optional<QueuedJob> job, get(id));
  if (!job) return make_error(fmt::format("no job {}", id));
  std::lock_guard lock(mutex_);
  const bool queued = job->state == "queued";
  CULPRIT_ASSIGN_OR_RETURN(
      SqliteStatement update,
      SqliteStatement::prepare(
          db_.get(),
          fmt::format("UPDATE service_jobs SET cancel_requested = 1, state = CASE WHEN state = "
                      "'queued' THEN 'cancelled' ELSE state END, finished = CASE WHEN state = "
                      "'queued' THEN {} ELSE finished END WHERE id = ?1",
                      kNow)));
  update.bind_int64(1, id);
  CULPRIT_TRY(update.run());
  return queued;
}

Status ServiceQueue::mark_invalid(std::int64_t id, const std::string& reason) {
  std::lock_guard lock(mutex_);
  CULPRIT_ASSIGN_OR_RETURN(
      SqliteStatement update,
      SqliteStatement::prepare(
          db_.get(),
          fmt::format("UPDATE service_jobs SET invalid_reason = ?1, invalid_at = {} WHERE id = ?2",
                      kNow)));
  update.bind_text(1, reason);
  update.bind_int64(2, id);
  return update.run();
}

}  // namespace culprit::store
