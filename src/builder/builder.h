// Builder: turns one commit's checkout into something runnable, and says what it built.
//
// The command backend runs the user's build command; the kernel backend (later) runs make. Both
// return a BuildResult; a failed build is not an error of the job, it makes the commit a skip.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "base/build_status.h"
#include "base/result.h"

namespace culprit::builder {

struct BuildRequest {
  std::string checkout_dir;                // the commit's files
  std::string commit;                      // 40 hex digits
  std::map<std::string, std::string> env;  // extra environment (CULPRIT_COMMIT, ...)
  std::string job_dir;  // the job's folder beside the store, for build trees and artifacts
  // Pick the toolchain as for this commit instead of `commit` (empty: `commit`). The no-op check
  // builds a culprit's parent with the culprit's compiler, so that a compiler change at a release
  // tag does not pass for a change of code.
  std::string compiler_commit;
  // Kernel backend: build with this .config instead of the job's (config minimization's
  // candidates, then its result); empty: the job's.
  std::string config_path;
};

struct BuildResult {
  // ok, failed, timed_out, infra_error (base/build_status.h: shared with the store and the job).
  using Status = BuildStatus;
  Status status = Status::ok;
  std::string signature;  // of the artifact; empty when there is none or the build failed
  std::string compiler;   // what compiled it, one line ("gcc (Debian 12.2.0-14) 12.2.0")
  std::string artifact;   // absolute path of the artifact, when there is one
  double duration_s = 0;
  std::string log_tail;  // the end of the build output (bounded)
  std::string error;     // one line: why it failed
  // Files kept for the user under the job folder (the .config used, the build log): listed in
  // the JSON result.
  std::vector<std::string> artifacts;
  // Lines for the job log about how the build went that do not change its status: "build farm:
  // 37 compiles ran locally (...)". Said once, when the build is made (not when it is replayed).
  std::vector<std::string> notes;
};

class Builder {
 public:
  virtual ~Builder() = default;
  virtual BuildResult build(const BuildRequest& request) = 0;
  // Kernel builders: the .config that `make TARGET` makes in the request's checkout, from
  // `config_text` (olddefconfig: what a build of it would really use) or from nothing
  // (tinyconfig). Others have no kernel config to resolve.
  virtual Result<std::string> resolve_config(const BuildRequest& request, const std::string& target,
                                             const std::string& config_text) {
    (void)request;
    (void)target;
    (void)config_text;
    return make_error("config minimization needs the kernel backend (--kernel)");
  }
};

}  // namespace culprit::builder
