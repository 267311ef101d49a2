// A prepared SQLite statement that finalizes itself. Internal to the store module.
//
// Values only ever enter SQL through bind_*(), never by pasting them into the statement text.
// Bind failures are remembered and reported by the next step(), so call sites can bind a row of
// values without checking each one.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"

namespace culprit::store {

class SqliteStatement {
 public:
  // Error carries SQLite's own message; the store adds which file and what it was doing.
  static Result<SqliteStatement> prepare(sqlite3* db, std::string_view sql) {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &raw, nullptr);
    if (rc != SQLITE_OK) {
      sqlite3_finalize(raw);
      return make_error(sqlite3_errmsg(db));
    }
    return SqliteStatement(db, raw);
  }

  // Parameter indices start at 1, as in SQLite. Text and blobs are copied by SQLite, so
  // temporaries may be bound.
  void bind_int64(int index, std::int64_t value) {
    remember(sqlite3_bind_int64(statement_.get(), index, value));
  }
  void bind_double(int index, double value) {
    remember(sqlite3_bind_double(statement_.get(), index, value));
  }
  void bind_text(int index, std::string_view value) {
    remember(sqlite3_bind_text64(statement_.get(), index, value.data(), value.size(),
                                 SQLITE_TRANSIENT, SQLITE_UTF8));
  }
  // Bytes that may not be UTF-8 or may contain NULs.
  void bind_blob(int index, std::string_view value) {
    // A null pointer would bind SQL NULL; an empty blob is still a blob.
    static const char kEmpty = 0;
    remember(sqlite3_bind_blob64(statement_.get(), index, value.empty() ? &kEmpty : value.data(),
                                 value.size(), SQLITE_TRANSIENT));
  }

  // true: a row is available through column_*(); false: the statement has finished.
  Result<bool> step() {
    if (bind_error_ != SQLITE_OK) return make_error(sqlite3_errstr(bind_error_));
    int rc = sqlite3_step(statement_.get());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return make_error(sqlite3_errmsg(db_));
  }

  // Runs a statement that returns no rows (or whose rows do not matter) to completion.
  Status run() {
    while (true) {
      Result<bool> row = step();
      if (!row.ok()) return row.error();
      if (!*row) return {};
    }
  }

  std::int64_t column_int64(int column) const {
    return sqlite3_column_int64(statement_.get(), column);
  }
  double column_double(int column) const { return sqlite3_column_double(statement_.get(), column); }
  // NULL reads as "". Works for text holding arbitrary bytes, too: SQLite keeps them as given.
  std::string column_text(int column) const {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement_.get(), column));
    if (text == nullptr) return {};
    return std::string(text,
                       static_cast<std::size_t>(sqlite3_column_bytes(statement_.get(), column)));
  }
  std::string column_blob(int column) const {
    const auto* bytes = static_cast<const char*>(sqlite3_column_blob(statement_.get(), column));
    if (bytes == nullptr) return {};
    return std::string(bytes,
                       static_cast<std::size_t>(sqlite3_column_bytes(statement_.get(), column)));
  }

 private:
  struct Finalizer {
    void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
  };

  SqliteStatement(sqlite3* db, sqlite3_stmt* statement) : db_(db), statement_(statement) {}

  void remember(int rc) {
    if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
  }

  sqlite3* db_;
  std::unique_ptr<sqlite3_stmt, Finalizer> statement_;
  int bind_error_ = SQLITE_OK;
};

}  // namespace culprit::store
