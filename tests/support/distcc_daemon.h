// DistccDaemon: a real distccd for the build farm's tests, on 127.0.0.1 only, stopped (killed and
// reaped, with its workers and the compilers they run) when the object dies:
//
//   distccd --no-detach --daemon --listen 127.0.0.1 --port P --allow 127.0.0.1
//           --log-file F --log-level info --jobs 2
//
// Run as root, distccd drops to the user distccd (or nobody), so its log file is made writable
// by anyone in a folder anyone can enter. Each compile it finishes adds a line to the log
// ("(dcc_job_summary) client: 127.0.0.1:41234 COMPILE_OK exit:0 ... gcc x.c"), which the tests
// count.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>

#include "support/test_support.h"

namespace culprit::testing {

class DistccDaemon {
 public:
  struct Options {
    // distccd's $PATH: where it finds the compilers it runs ("": the test's own). distccd's
    // masquerade whitelist (/usr/lib/distcc) still decides which names it accepts at all.
    std::string path_env;
    int jobs = 2;
  };

  // Started and listening, or an empty pointer with a test failure added (ADD_FAILURE) saying why.
  static std::unique_ptr<DistccDaemon> start(Options options);
  static std::unique_ptr<DistccDaemon> start() { return start(Options{}); }
  ~DistccDaemon();
  DistccDaemon(const DistccDaemon&) = delete;
  DistccDaemon& operator=(const DistccDaemon&) = delete;

  int port() const { return port_; }
  std::string address() const;                 // "127.0.0.1:PORT"
  std::string farm_spec(int slots = 2) const;  // "distcc://127.0.0.1:PORT?slots=N"
  std::string log() const;                     // its log file
  // COMPILE_OK lines in the log, once every job begun has logged how it ended.
  int compiles_ok() const;
  // Waits until at least `count` compiles have finished; false after `timeout`.
  bool wait_for_compiles(int count, std::chrono::milliseconds timeout) const;
  // Kills the daemon and its children now and reaps them (the destructor does it too).
  void stop();
  // The daemon's process group (distccd and its workers), for a test that kills it from afar.
  pid_t process_group() const { return pid_; }

 private:
  DistccDaemon() = default;

  TempDir dir_;
  std::string log_path_;
  int port_ = 0;
  pid_t pid_ = -1;
};

// A free TCP port on 127.0.0.1 (bound, then released: nothing listens on it).
int free_local_port();

}  // namespace culprit::testing
