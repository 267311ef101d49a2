// A real `culprit serve` for the tests: the binary of this build (CULPRIT_BINARY) started on a
// loopback port of its choosing (--listen 127.0.0.1:0), its output kept in a file, in a process
// group of its own so that the test can kill it as a user would (kill -9 of the service alone)
// and clean everything up afterwards.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

namespace culprit::testing {

class CulpritService {
 public:
  // Starts the service on `state_dir` with `extra` flags and waits for its URL line. Fails the
  // test (ADD_FAILURE) when it does not come up.
  explicit CulpritService(std::string state_dir, std::vector<std::string> extra = {});
  ~CulpritService();  // kills the service's whole group
  CulpritService(const CulpritService&) = delete;
  CulpritService& operator=(const CulpritService&) = delete;

  bool up() const { return port_ > 0; }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& token() const { return token_; }
  std::string output() const;  // what it printed

  // An HTTP client for it; `with_token` adds the bearer token.
  httplib::Client client() const;
  httplib::Headers auth() const { return {{"Authorization", "Bearer " + token_}}; }

  // POST /api/jobs with the token; returns the job id or 0 (and ADD_FAILURE).
  long submit(const std::string& job_toml, const std::string& base_dir) const;
  // GET /api/jobs/ID (with the token, without the log); null on failure.
  nlohmann::json job(long id) const;
  // Polls job ID until its state is one of `states` (comma-separated) or `seconds` pass; returns
  // the last document.
  nlohmann::json wait_for(long id, const std::string& states, double seconds) const;

  // kill -9 of the service process only (not its group), and wait for it.
  void kill9();

 private:
  std::string state_dir_;
  std::string output_path_;
  pid_t pid_ = -1;
  int port_ = 0;
  std::string token_;
};

}  // namespace culprit::testing
