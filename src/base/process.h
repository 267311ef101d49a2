// Running a child process: an argument vector (never a shell unless the caller asked for one), a
// working directory, extra environment, a timeout, and the combined stdout+stderr captured into a
// bounded buffer that keeps the *last* bytes (a test that floods its console must not exhaust
// memory; the end of a console is where the crash is).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace culprit {

struct ProcessSpec {
  std::vector<std::string> argv;           // argv[0] is looked up in PATH
  std::string working_dir;                 // empty: inherit
  std::map<std::string, std::string> env;  // added to (overriding) the inherited environment
  std::chrono::milliseconds timeout{0};    // 0: none
  std::size_t output_limit = 4u << 20;     // bytes of output kept (the tail)
  std::string stdin_file;                  // the child's stdin; empty: /dev/null
};

struct ProcessResult {
  enum class End { exited, signaled, timed_out };
  End end = End::exited;
  int exit_status = 0;             // valid when end == exited
  int signal = 0;                  // valid when end == signaled (for timed_out: the signal we sent)
  std::string output;              // combined stdout+stderr, at most output_limit bytes: the tail
  std::size_t output_dropped = 0;  // bytes of output dropped from the front
  std::chrono::duration<double> duration{0};
};

// Starts the child in its own process group; on timeout the whole group gets SIGKILL (a build
// that forks compilers must not leave them running). When the child ends, output its background
// children still write is read for a moment, then whatever is left of its group is killed too.
// Safe to call from several threads at once. Returns an Error only when the process could
// not be started at all (the message names argv[0]: "command not found: foo").
Result<ProcessResult> run_process(const ProcessSpec& spec);

// A shell command given by the user, as one string: runs `/bin/sh -c COMMAND`.
std::vector<std::string> shell_argv(const std::string& command);

// Signal name without the SIG prefix ("SEGV"), or the number as text when unknown.
std::string signal_name(int signal);

}  // namespace culprit
