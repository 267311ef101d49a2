#include "serve/http_service.h"

#include <httplib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "backend/job_file.h"
#include "report/report.h"
#include "serve/access_token.h"
#include "serve/job_runner.h"
#include "serve/job_view.h"
#include "serve/web_assets.h"
#include "store/service_queue.h"
#include "store/store.h"

namespace culprit::serve {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::size_t kMaxRequestBytes = 1u << 20;  // a job file is a few hundred bytes
constexpr std::size_t kMaxFileBytes = 4u << 20;     // consoles are kept bounded (2 MiB)
constexpr std::size_t kMaxReasonBytes = 2000;
constexpr auto kStreamPoll = std::chrono::milliseconds(40);
constexpr auto kStreamHeartbeat = std::chrono::seconds(15);
constexpr const char* kCookie = "culprit_token";

std::string dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

void send_json(httplib::Response& res, const json& body, int status = 200) {
  res.status = status;
  res.set_content(dump(body), "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& message) {
  send_json(res, {{"error", message}}, status);
}

// The value of cookie `name` in a Cookie header.
std::string cookie_value(const std::string& header, std::string_view name) {
  std::size_t at = 0;
  while (at < header.size()) {
    std::size_t end = header.find(';', at);
    if (end == std::string::npos) end = header.size();
    std::string_view part(header.data() + at, end - at);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.size() > name.size() && part.substr(0, name.size()) == name &&
        part[name.size()] == '=') {
      return std::string(part.substr(name.size() + 1));
    }
    at = end + 1;
  }
  return {};
}

// Console bytes as text a browser can index by the parser's byte offsets: one character per
// byte, so bytes that are not printable ASCII become '?' (consoles are ASCII but for noise).
std::string printable(std::string_view bytes) {
  std::string text(bytes);
  for (char& c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x80 || (byte < 0x20 && c != '\n' && c != '\t')) c = '?';
  }
  return text;
}

// A console or log for the page: its text, one character per byte, and the crash reports the
// parser finds in it, by byte offsets into that text.
json console_json(std::string_view bytes) {
  json reports = json::array();
  for (const report::CrashReport& crash : report::parse_console(bytes)) {
    reports.push_back({{"title", crash.title},
                       {"type", crash.type},
                       {"start", crash.start},
                       {"end", crash.end},
                       {"corrupted", crash.corrupted},
                       {"suppressed", crash.suppressed}});
  }
  return {{"text", printable(bytes)}, {"reports", reports}};
}

bool is_tree(const std::string& text) {
  return text.size() == 40 && text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

std::optional<std::int64_t> parse_id(const std::string& text) {
  try {
    std::size_t used = 0;
    const long long id = std::stoll(text, &used);
    if (used != text.size() || id <= 0) return std::nullopt;
    return id;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

double seconds_between(const std::string& from, const std::string& to) {
  auto parse = [](const std::string& text) -> std::optional<std::time_t> {
    std::tm tm{};
    if (text.empty() || ::strptime(text.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm) == nullptr) {
      return std::nullopt;
    }
    return ::timegm(&tm);
  };
  auto start = parse(from);
  if (!start) return 0;
  auto end = parse(to);
  const std::time_t stop = end ? *end : std::time(nullptr);
  return std::difftime(stop, *start);
}

}  // namespace

struct HttpService::State {
  ServiceOptions options;
  std::string token;
  std::string token_path;
  std::unique_ptr<store::ServiceQueue> queue;
  std::unique_ptr<JobRunner> runner;
  httplib::Server server;
  std::string host;
  int port = 0;
  std::atomic<bool> stopping{false};

  std::mutex views_mutex;
  std::map<std::int64_t, std::unique_ptr<JobView>> views;
  std::map<std::int64_t, std::string> repos;  // job -> its repository, from its job file

  // --- access ---
  // The token as the request carries it: a bearer token, or else (when `cookie_ok`) the login
  // cookie. An Authorization header that is present decides alone.
  bool carries_token(const httplib::Request& req, bool cookie_ok) const {
    const std::string authorization = req.get_header_value("Authorization");
    if (authorization.rfind("Bearer ", 0) == 0) {
      return token_matches(std::string_view(authorization).substr(7), token);
    }
    return cookie_ok && token_matches(cookie_value(req.get_header_value("Cookie"), kCookie), token);
  }
  bool may_read(const httplib::Request& req) const {
    return options.public_read || carries_token(req, true);
  }
  // A change: the bearer token, or the login cookie with the header only the page's own script
  // sends (a form on another site cannot set it).
  bool may_change(const httplib::Request& req) const {
    return carries_token(req, req.has_header("X-Culprit-Request"));
  }

  // --- jobs ---
  json view_document(std::int64_t id, bool with_log) {
    std::lock_guard lock(views_mutex);
    return refreshed_view(id).document(with_log);
  }
  // Job `id`'s view, up to date; views_mutex held.
  JobView& refreshed_view(std::int64_t id) {
    auto& view = views[id];
    if (!view) view = std::make_unique<JobView>(queue->job_dir(id) + "/events.jsonl");
    view->refresh();
    return *view;
  }

  std::string repo_of(const store::QueuedJob& job) {
    std::lock_guard lock(views_mutex);
    auto found = repos.find(job.id);
    if (found != repos.end()) return found->second;
    std::string repo;
    auto settings = backend::parse_job_file(job.job_toml, "job.toml", job.base_dir);
    if (settings) {
      for (const backend::JobFileSetting& setting : *settings) {
        if (setting.key == "repo" && !setting.values.empty()) repo = setting.values.front();
      }
    }
    repos[job.id] = repo;
    return repo;
  }

  json summary(const store::QueuedJob& job, const json& view,
               const std::vector<store::QueuedJob>& all) {
    json retries = json::array();
    for (const store::QueuedJob& other : all) {
      if (other.retry_of == job.id) retries.push_back(other.id);
    }
    const json& result = view["result"];
    std::string title;
    if (result.is_object() && result.contains("bug_titles") && !result["bug_titles"].empty()) {
      title = result["bug_titles"][0].get<std::string>();
    }
    for (const json& row : view["tested"]) {
      if (!title.empty()) break;
      if (row.value("phase", "") != "start") continue;
      for (const json& run : row["runs"]) {
        if (!run.value("title", "").empty()) {
          title = run["title"];
          break;
        }
      }
    }
    json out = {
        {"id", job.id},
        {"state", job.state},
        {"url", fmt::format("/jobs/{}", job.id)},
        {"created", job.created},
        {"started", job.started},
        {"finished", job.finished},
        {"duration_s", job.started.empty() ? 0.0 : seconds_between(job.started, job.finished)},
        {"retry_of", job.retry_of == 0 ? json() : json(job.retry_of)},
        {"retries", retries},
        {"overrides", json::parse(job.overrides_json, nullptr, false)},
        {"invalid", job.invalid_reason.empty()
                        ? json()
                        : json{{"reason", job.invalid_reason}, {"at", job.invalid_at}}},
        {"exit_status", job.exit_status},
        {"error", job.error},
        {"title", title},
        {"repo", repo_of(job)},
        {"mode", view.value("mode", "")},
        {"strategy", view.value("strategy", "")},
        {"result", result.is_object() ? result.value("result", "") : ""},
        {"culprit", result.is_object() ? result.value("culprit", json()) : json()},
        {"culprit_subject", ""},
        {"confidence", result.is_object() && result.contains("confidence")
                           ? result["confidence"]
                           : view["status"].value("confidence", json())},
        {"flags", result.is_object() ? result.value("flags", json::array()) : json::array()},
        {"status", view["status"]}};
    if (result.is_object() && result.contains("culprit_commit")) {
      out["culprit_subject"] = result["culprit_commit"].value("subject", "");
    }
    if (job.state == "error" && out["error"] == "" && result.is_object()) {
      out["error"] = result.value("error", "");
    }
    return out;
  }

  std::optional<store::QueuedJob> find_job(const httplib::Request& req, httplib::Response& res) {
    auto id = parse_id(req.matches[1]);
    if (!id) {
      send_error(res, 404, "no such job");
      return std::nullopt;
    }
    auto job = queue->get(*id);
    if (!job) {
      send_error(res, 500, job.error().message);
      return std::nullopt;
    }
    if (!*job) {
      send_error(res, 404, fmt::format("no job {}", *id));
      return std::nullopt;
    }
    return **job;
  }

  // --- handlers ---
  void submit(const httplib::Request& req, httplib::Response& res) {
    if (!may_change(req)) return send_error(res, 401, "a job needs the service's token");
    if (req.body.empty()) return send_error(res, 400, "empty job file");
    std::string base = req.get_header_value("Culprit-Job-Dir");
    std::error_code ec;
    if (base.empty()) base = fs::current_path(ec).string();
    if (!fs::path(base).is_absolute() || !fs::is_directory(base, ec)) {
      return send_error(res, 400,
                        fmt::format("Culprit-Job-Dir {}: not an absolute path to a folder", base));
    }
    // Checked before anything is queued: a bad job file is the submitter's one-line error.
    const fs::path incoming = fs::path(options.state_dir) / "incoming";
    fs::create_directories(incoming, ec);
    const fs::path check =
        incoming / fmt::format("job-{}-{}.toml", ::getpid(),
                               std::hash<std::thread::id>{}(std::this_thread::get_id()));
    {
      std::ofstream out(check, std::ios::binary);
      out << req.body;
    }
    Status checked =
        options.check_job_file ? options.check_job_file(check.string(), base) : Status{};
    fs::remove(check, ec);
    if (!checked.ok()) {
      std::string message = checked.error().message;
      for (std::size_t at = message.find(check.string()); at != std::string::npos;
           at = message.find(check.string(), at)) {
        message.replace(at, check.string().size(), "(submitted)");
      }
      return send_error(res, 400, message);
    }
    store::QueuedJob job;
    job.job_toml = req.body;
    job.base_dir = base;
    auto id = queue->add(job);
    if (!id) return send_error(res, 500, id.error().message);
    runner->wake();
    send_json(res, {{"id", *id}, {"url", fmt::format("/jobs/{}", *id)}}, 201);
  }

  void cancel(const httplib::Request& req, httplib::Response& res) {
    if (!may_change(req)) return send_error(res, 401, "cancelling needs the service's token");
    auto job = find_job(req, res);
    if (!job) return;
    if (Status cancelled = runner->cancel(job->id); !cancelled.ok()) {
      return send_error(res, 409, cancelled.error().message);
    }
    auto now = queue->get(job->id);
    send_json(res, {{"id", job->id}, {"state", now && *now ? (*now)->state : "cancelled"}});
  }

  void retry(const httplib::Request& req, httplib::Response& res) {
    if (!may_change(req)) return send_error(res, 401, "a retry needs the service's token");
    auto job = find_job(req, res);
    if (!job) return;
    if (job->state == "queued" || job->state == "running") {
      return send_error(res, 409, fmt::format("job {} is still {}", job->id, job->state));
    }
    json asked = req.body.empty() ? json::object() : json::parse(req.body, nullptr, false);
    if (!asked.is_object()) return send_error(res, 400, "retry options must be a JSON object");
    json overrides = json::parse(job->overrides_json, nullptr, false);
    if (!overrides.is_object()) overrides = json::object();
    if (asked.contains("runs") && !asked["runs"].is_null()) {
      if (!asked["runs"].is_number_integer() || asked["runs"].get<int>() < 1 ||
          asked["runs"].get<int>() > 1000) {
        return send_error(res, 400, "runs must be a whole number from 1 to 1000");
      }
      overrides["runs"] = asked["runs"];
    }
    if (asked.contains("confidence") && !asked["confidence"].is_null()) {
      if (!asked["confidence"].is_number() || asked["confidence"].get<double>() < 0.5 ||
          asked["confidence"].get<double>() >= 1) {
        return send_error(res, 400, "confidence must be a number from 0.5 to below 1");
      }
      overrides["confidence"] = asked["confidence"];
    }
    store::QueuedJob again = *job;
    again.overrides_json = overrides.dump();
    again.retry_of = job->id;  // and the same state file: its builds and runs are reused
    auto id = queue->add(again);
    if (!id) return send_error(res, 500, id.error().message);
    runner->wake();
    send_json(res, {{"id", *id}, {"url", fmt::format("/jobs/{}", *id)}}, 201);
  }

  void mark_invalid(const httplib::Request& req, httplib::Response& res) {
    if (!may_change(req)) return send_error(res, 401, "marking a result needs the service's token");
    auto job = find_job(req, res);
    if (!job) return;
    json asked = json::parse(req.body, nullptr, false);
    if (!asked.is_object() || !asked.contains("reason") || !asked["reason"].is_string() ||
        asked["reason"].get<std::string>().empty()) {
      return send_error(res, 400, "give a reason: {\"reason\": \"...\"}");
    }
    std::string reason = asked["reason"];
    if (reason.size() > kMaxReasonBytes) return send_error(res, 400, "the reason is too long");
    if (Status marked = queue->mark_invalid(job->id, reason); !marked.ok()) {
      return send_error(res, 500, marked.error().message);
    }
    send_json(res, {{"id", job->id}, {"invalid", {{"reason", reason}}}});
  }

  void list(const httplib::Request& req, httplib::Response& res) {
    if (!may_read(req)) return send_error(res, 401, "reading needs the service's token");
    auto jobs = queue->list();
    if (!jobs) return send_error(res, 500, jobs.error().message);
    json out = json::array();
    for (auto job = jobs->rbegin(); job != jobs->rend(); ++job) {
      out.push_back(summary(*job, view_document(job->id, false), *jobs));
    }
    send_json(res, {{"jobs", out}});
  }

  void show(const httplib::Request& req, httplib::Response& res) {
    if (!may_read(req)) return send_error(res, 401, "reading needs the service's token");
    auto job = find_job(req, res);
    if (!job) return;
    auto jobs = queue->list();
    if (!jobs) return send_error(res, 500, jobs.error().message);
    const bool with_log = req.get_param_value("log") != "0";
    json view = view_document(job->id, with_log);
    json out = summary(*job, view, *jobs);
    out["view"] = std::move(view);
    out["job_file"] = job->job_toml;
    send_json(res, out);
  }

  void events(const httplib::Request& req, httplib::Response& res) {
    if (!may_read(req)) return send_error(res, 401, "reading needs the service's token");
    auto job = find_job(req, res);
    if (!job) return;
    std::size_t after = 0;
    const std::string last = req.has_header("Last-Event-ID") ? req.get_header_value("Last-Event-ID")
                                                             : req.get_param_value("after");
    if (!last.empty()) {
      if (auto n = parse_id(last)) after = static_cast<std::size_t>(*n);
    }
    const std::int64_t id = job->id;
    res.set_header("Cache-Control", "no-cache");
    res.set_header("X-Accel-Buffering", "no");
    auto next = std::make_shared<std::size_t>(after);
    auto last_write =
        std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::now());
    res.set_chunked_content_provider(
        "text/event-stream", [this, id, next, last_write](std::size_t, httplib::DataSink& sink) {
          if (stopping) return false;
          std::string chunk;
          bool ended = false;
          {
            std::lock_guard lock(views_mutex);
            JobView& view = refreshed_view(id);
            const std::size_t lines = view.lines();
            if (*next < lines) {
              std::ifstream in(view.events_path(), std::ios::binary);
              in.seekg(static_cast<std::streamoff>(view.offset_of_line(*next + 1)));
              std::string line;
              while (*next < lines && std::getline(in, line)) {
                ++*next;
                json event = json::parse(line, nullptr, false);
                const std::string type =
                    event.is_object() ? event.value("type", "message") : "message";
                chunk += fmt::format("id: {}\nevent: {}\ndata: {}\n\n", *next, type, line);
              }
            }
            auto row = queue->get(id);
            ended = row && *row && (*row)->state != "queued" && (*row)->state != "running";
          }
          const auto now = std::chrono::steady_clock::now();
          if (chunk.empty() && now - *last_write > kStreamHeartbeat) chunk = ": alive\n\n";
          if (!chunk.empty()) {
            if (!sink.write(chunk.data(), chunk.size())) return false;
            *last_write = now;
          }
          if (ended && chunk.empty()) {
            // Everything is sent and nothing more will come: say so, and end the stream.
            const std::string done = fmt::format("event: end\ndata: {{\"next\": {}}}\n\n", *next);
            sink.write(done.data(), done.size());
            sink.done();
            return true;
          }
          if (chunk.empty()) std::this_thread::sleep_for(kStreamPoll);
          return sink.is_writable();
        });
  }

  void file(const httplib::Request& req, httplib::Response& res) {
    if (!may_read(req)) return send_error(res, 401, "reading needs the service's token");
    auto job = find_job(req, res);
    if (!job) return;
    const std::string asked = req.get_param_value("path");
    if (asked.empty()) return send_error(res, 400, "give ?path=FILE");
    // Only the files of this job's bisection: its folder beside the state file.
    std::error_code ec;
    const fs::path root = fs::weakly_canonical(job->state_path + ".d", ec);
    const fs::path path =
        fs::weakly_canonical(fs::path(asked).is_absolute() ? fs::path(asked) : root / asked, ec);
    const std::string root_text = root.string() + "/";
    if (ec || path.string().rfind(root_text, 0) != 0) {
      return send_error(res, 403, "that file is not one of this job's");
    }
    if (!fs::is_regular_file(path, ec)) return send_error(res, 404, "no such file");
    std::ifstream in(path, std::ios::binary);
    const auto size = static_cast<std::size_t>(fs::file_size(path, ec));
    std::size_t skipped = 0;
    if (size > kMaxFileBytes) {
      skipped = size - kMaxFileBytes;
      in.seekg(static_cast<std::streamoff>(skipped));
    }
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    json out = console_json(bytes);
    out["path"] = path.string().substr(root_text.size());
    out["skipped_bytes"] = skipped;
    send_json(res, out);
  }

  // The job's bisection store, read-only, and the bisection's id in it.
  std::optional<std::pair<store::Store, std::int64_t>> bisection_store(const store::QueuedJob& job,
                                                                       httplib::Response& res) {
    auto store = store::Store::open_read_only(job.state_path);
    if (!store) {
      send_error(res, 404, store.error().message);
      return std::nullopt;
    }
    std::int64_t bisection = 0;
    {
      std::lock_guard lock(views_mutex);
      bisection = refreshed_view(job.id).bisection_job();
    }
    return std::make_pair(std::move(*store), bisection);
  }

  // One run's console as the bisection's store keeps it (the command backend keeps consoles
  // there, not in files).
  void console(const httplib::Request& req, httplib::Response& res) {
    if (!may_read(req)) return send_error(res, 401, "reading needs the service's token");
    auto job = find_job(req, res);
    if (!job) return;
    const std::string tree = req.get_param_value("tree");
    const std::string run = req.get_param_value("run");
    if (!is_tree(tree) || run.empty() || run.size() > 9 ||
        run.find_first_not_of("0123456789") != std::string::npos) {
      return send_error(res, 400, "give ?tree=TREE&run=INDEX");
    }
    auto store = bisection_store(*job, res);
    if (!store) return;
    const int index = std::stoi(run);
    auto text = store->first.console(store->second, tree, index);
    if (!text) return send_error(res, 500, text.error().message);
    json out = console_json(*text);
    out["tree"] = tree;
    out["run"] = index;
    send_json(res, out);
  }

  // A build's log tail and error as the store keeps them.
  void build_log(const httplib::Request& req, httplib::Response& res) {
    if (!may_read(req)) return send_error(res, 401, "reading needs the service's token");
    auto job = find_job(req, res);
    if (!job) return;
    const std::string tree = req.get_param_value("tree");
    if (!is_tree(tree)) return send_error(res, 400, "give ?tree=TREE");
    auto store = bisection_store(*job, res);
    if (!store) return;
    auto build = store->first.build(store->second, tree);
    if (!build) return send_error(res, 500, build.error().message);
    if (!*build) return send_error(res, 404, "no build of that tree");
    json out = console_json((*build)->log_tail);
    out["tree"] = tree;
    out["status"] = std::string(to_string((*build)->status));
    out["error"] = (*build)->error;
    out["compiler"] = (*build)->compiler;
    send_json(res, out);
  }

  void page(const httplib::Request& req, httplib::Response& res) {
    if (!may_read(req)) {
      res.status = 303;
      res.set_header("Location", "/login");
      return;
    }
    const WebAsset* asset = find_web_asset("index.html");
    if (asset == nullptr) return send_error(res, 500, "the page is missing from this build");
    res.set_content(std::string(asset->body), std::string(asset->content_type));
  }

  void login_form(const httplib::Request& req, httplib::Response& res) {
    const WebAsset* asset = find_web_asset("login.html");
    if (asset == nullptr) return send_error(res, 500, "the login page is missing from this build");
    res.status = req.has_param("failed") ? 401 : 200;
    res.set_content(std::string(asset->body), std::string(asset->content_type));
  }

  void login(const httplib::Request& req, httplib::Response& res) {
    if (!token_matches(req.get_param_value("token"), token)) {
      res.status = 303;
      res.set_header("Location", "/login?failed=1");
      return;
    }
    res.status = 303;
    res.set_header("Set-Cookie",
                   fmt::format("{}={}; Path=/; HttpOnly; SameSite=Strict", kCookie, token));
    res.set_header("Location", "/");
  }

  void routes() {
    server.set_payload_max_length(kMaxRequestBytes);
    // Every page and answer: our own scripts and styles only, no framing, no sniffing.
    server.set_default_headers(
        {{"Content-Security-Policy",
          "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
          "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"},
         {"X-Content-Type-Options", "nosniff"},
         {"Referrer-Policy", "no-referrer"},
         {"Cache-Control", "no-store"}});
    // Streams hold a thread each while they are open.
    server.new_task_queue = [] { return new httplib::ThreadPool(64); };
    using Req = const httplib::Request&;
    using Res = httplib::Response&;
    server.Post("/api/jobs", [this](Req req, Res res) { submit(req, res); });
    server.Post(R"(/api/jobs/([^/]+)/cancel)", [this](Req req, Res res) { cancel(req, res); });
    server.Post(R"(/api/jobs/([^/]+)/retry)", [this](Req req, Res res) { retry(req, res); });
    server.Post(R"(/api/jobs/([^/]+)/invalid)",
                [this](Req req, Res res) { mark_invalid(req, res); });
    server.Get("/api/jobs", [this](Req req, Res res) { list(req, res); });
    server.Get(R"(/api/jobs/([^/]+))", [this](Req req, Res res) { show(req, res); });
    server.Get(R"(/api/jobs/([^/]+)/events)", [this](Req req, Res res) { events(req, res); });
    server.Get(R"(/api/jobs/([^/]+)/file)", [this](Req req, Res res) { file(req, res); });
    server.Get(R"(/api/jobs/([^/]+)/console)", [this](Req req, Res res) { console(req, res); });
    server.Get(R"(/api/jobs/([^/]+)/build-log)", [this](Req req, Res res) { build_log(req, res); });
    server.Get("/", [this](Req req, Res res) { page(req, res); });
    server.Get(R"(/jobs/(\d+))", [this](Req req, Res res) { page(req, res); });
    server.Get("/login", [this](Req req, Res res) { login_form(req, res); });
    server.Post("/login", [this](Req req, Res res) { login(req, res); });
    server.Get(R"(/static/([A-Za-z0-9_.-]+))", [](Req req, Res res) {
      const WebAsset* asset = find_web_asset(req.matches[1].str());
      if (asset == nullptr || asset->name.ends_with(".html")) {
        return send_error(res, 404, "no such file");
      }
      res.set_content(std::string(asset->body), std::string(asset->content_type));
    });
  }
};

HttpService::HttpService(std::unique_ptr<State> state) : state_(std::move(state)) {}

HttpService::~HttpService() {
  stop();
}

Result<std::unique_ptr<HttpService>> HttpService::create(const ServiceOptions& options) {
  auto state = std::make_unique<State>();
  state->options = options;
  std::error_code ec;
  // Absolute: jobs run from their submitters' folders and get these paths.
  state->options.state_dir = fs::absolute(options.state_dir, ec).lexically_normal().string();
  fs::create_directories(options.state_dir, ec);
  if (ec) {
    return make_error(
        fmt::format("cannot create state folder {}: {}", options.state_dir, ec.message()));
  }
  const bool own_token = options.token_file.empty();
  state->token_path = own_token ? state->options.state_dir + "/token" : options.token_file;
  CULPRIT_ASSIGN_OR_RETURN(state->token, load_token(state->token_path, own_token));
  CULPRIT_ASSIGN_OR_RETURN(state->queue,
                           store::ServiceQueue::open(state->options.state_dir + "/serve.db"));
  const std::size_t colon = options.listen.rfind(':');
  if (colon == std::string::npos) {
    return make_error(fmt::format("--listen {}: give HOST:PORT", options.listen));
  }
  state->host = options.listen.substr(0, colon);
  if (state->host.size() > 2 && state->host.front() == '[') {
    state->host = state->host.substr(1, state->host.size() - 2);
  }
  auto port = parse_id(options.listen.substr(colon + 1));
  const bool any_port = options.listen.substr(colon + 1) == "0";
  if (!any_port && (!port || *port > 65535)) {
    return make_error(fmt::format("--listen {}: bad port", options.listen));
  }
  state->runner = std::make_unique<JobRunner>(*state->queue, options.binary, options.max_jobs);
  CULPRIT_TRY(state->runner->recover());
  state->routes();
  if (any_port) {
    state->port = state->server.bind_to_any_port(state->host);
  } else {
    state->port = state->server.bind_to_port(state->host, static_cast<int>(*port))
                      ? static_cast<int>(*port)
                      : -1;
  }
  if (state->port <= 0) {
    return make_error(fmt::format("cannot listen on {}: {}", options.listen, std::strerror(errno)));
  }
  state->runner->start();
  return std::unique_ptr<HttpService>(new HttpService(std::move(state)));
}

std::string HttpService::url() const {
  const bool v6 = state_->host.find(':') != std::string::npos;
  return v6 ? fmt::format("http://[{}]:{}/", state_->host, state_->port)
            : fmt::format("http://{}:{}/", state_->host, state_->port);
}

const std::string& HttpService::token_path() const {
  return state_->token_path;
}

Status HttpService::run() {
  if (!state_->server.listen_after_bind() && !state_->stopping) {
    return make_error(fmt::format("the service on {} stopped", url()));
  }
  return {};
}

void HttpService::stop() {
  if (!state_) return;
  state_->stopping = true;
  state_->server.stop();
  state_->runner->stop();
}

}  // namespace culprit::serve
