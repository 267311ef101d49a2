// HttpService: `culprit serve`. An HTTP server (cpp-httplib) over the service queue
// (store/service_queue.h), the job runner (serve/job_runner.h) and the jobs' event files
// (serve/job_view.h). docs/serve.md describes the API; in short:
//
//   POST /api/jobs                 a job file (TOML) -> 201 {"id": N, "url": "/jobs/N"}
//   POST /api/jobs/N/cancel        stop it between runs
//   POST /api/jobs/N/retry         {"runs": R, "confidence": C} -> 201 {"id": M}; reuses N's runs
//   POST /api/jobs/N/invalid       {"reason": "..."}
//   GET  /api/jobs                 the list
//   GET  /api/jobs/N               its state and view (?log=0: without the log)
//   GET  /api/jobs/N/events        Server-Sent Events, resumable with Last-Event-ID
//   GET  /api/jobs/N/file?path=P   a console or build log under the job's folder, with the
//                                  crash reports the parser finds in it
//   GET  /, /jobs/N, /static/...   the web page; GET/POST /login sets the token cookie
//
// Everything that creates or changes something needs the token (serve/access_token.h): as
// `Authorization: Bearer T`, or, from the page, the login cookie plus an `X-Culprit-Request`
// header (which a cross-site form cannot send). Reading needs it too unless `public_read`.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "base/result.h"

namespace culprit::serve {

struct ServiceOptions {
  std::string state_dir;                  // the queue, the token and every job's files
  std::string listen = "127.0.0.1:8080";  // HOST:PORT; port 0 picks a free one
  int max_jobs = 1;                       // jobs run at once
  std::string token_file;                 // "": <state_dir>/token, made on first start
  bool public_read = false;               // pages and GET APIs without the token
  std::string binary;                     // the culprit executable jobs run
  // Checks a submitted job file as `culprit bisect --job PATH --job-base BASE` would read it.
  std::function<Status(const std::string& path, const std::string& base_dir)> check_job_file;
};

class HttpService {
 public:
  // Opens (or creates) the state folder, the queue and the token; resumes jobs a previous
  // service left running; binds the address. Errors name what failed.
  static Result<std::unique_ptr<HttpService>> create(const ServiceOptions& options);
  ~HttpService();

  // The address bound, as a URL ("http://127.0.0.1:8080/").
  std::string url() const;
  const std::string& token_path() const;
  // Serves until stop() (from another thread) or the process ends.
  Status run();
  void stop();

 private:
  struct State;
  explicit HttpService(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace culprit::serve
