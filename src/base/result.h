// Errors as values at module boundaries: a Result<T> holds either a T or an Error.
//
// The message of an Error is one line meant for the user; it names the input that caused it
// ("not a git repository: /tmp/x", "unknown revision: v9.9"). Code that cannot recover passes it up
// unchanged; the CLI prints it and exits.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace culprit {

struct Error {
  std::string message;
};

inline Error make_error(std::string message) {
  return Error{std::move(message)};
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : data_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return data_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(data_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(data_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(data_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<1>(data_);
  }

  // The value, or `fallback` for an error: for callers to whom a failure just means "none".
  T value_or(T fallback) const& { return ok() ? value() : std::move(fallback); }
  T value_or(T fallback) && { return ok() ? std::move(*this).value() : std::move(fallback); }

 private:
  std::variant<T, Error> data_;
};

// Result<void>: success carries nothing.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit by design

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const {
    assert(!ok_);
    return error_;
  }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace culprit

// Early return of an error from a function that returns any Result: for a Status, or a Result
// whose value is not needed.
//
//   CULPRIT_TRY(worktree.checkout(commit));
#define CULPRIT_TRY(expr)                                              \
  do {                                                                 \
    auto&& culprit_try_result_ = (expr);                               \
    if (!culprit_try_result_.ok()) return culprit_try_result_.error(); \
  } while (0)

// Takes the value out of a Result, or returns its error from the enclosing function (which
// returns any Result). `lhs` is a declaration or anything assignable; `...` is the expression
// giving the Result (commas allowed):
//
//   CULPRIT_ASSIGN_OR_RETURN(CommitPtr commit, lookup_commit(repo, revision));
//   CULPRIT_ASSIGN_OR_RETURN(files.init, build_init(dir));
//
// It expands to several statements, so it cannot be the body of an unbraced if or loop.
#define CULPRIT_ASSIGN_OR_RETURN(lhs, ...) \
  CULPRIT_ASSIGN_OR_RETURN_IMPL_(CULPRIT_CONCAT_(culprit_result_, __LINE__), lhs, __VA_ARGS__)

#define CULPRIT_CONCAT_INNER_(a, b) a##b
#define CULPRIT_CONCAT_(a, b) CULPRIT_CONCAT_INNER_(a, b)
#define CULPRIT_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, ...) \
  auto tmp = (__VA_ARGS__);                           \
  if (!tmp.ok()) return tmp.error();                  \
  lhs = std::move(tmp).value()
