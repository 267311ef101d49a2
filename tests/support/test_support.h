// Helpers shared by the tests: temporary directories and building real git repositories with the
// git command line (the code under test reads them through libgit2).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace culprit::testing {

// A fresh directory under $TMPDIR, removed with its contents when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct CommandOutput {
  int exit_status = -1;  // -1: killed by a signal
  std::string output;    // stdout+stderr
};

// Runs argv (no shell) in `dir`, waits, returns exit status and output.
CommandOutput run_command(const std::vector<std::string>& argv, const std::string& dir = "");
// Runs argv and fails the current test (ADD_FAILURE) if it exits non-zero; returns stdout+stderr
// with the trailing newline removed.
std::string must_run(const std::vector<std::string>& argv, const std::string& dir = "");

// Starts argv (no shell) with its output thrown away, without waiting; returns its pid, or -1.
pid_t spawn_in_background(const std::vector<std::string>& args);

// Whether `part` occurs in `text`.
bool contains(const std::string& text, const std::string& part);

void write_file(const std::string& path, const std::string& content);
std::string read_file(const std::string& path);

// git in `repo` with a fixed identity (commit dates are the current time: hashes vary per run).
std::string git(const std::string& repo, const std::vector<std::string>& args);

}  // namespace culprit::testing
