#include "support/headless_browser.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace culprit::testing {

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::string base64_decode(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;  // padding and anything else
  };
  std::string bytes;
  bytes.reserve(text.size() * 3 / 4);
  unsigned bits = 0;
  int count = 0;
  for (char c : text) {
    const int v = value(c);
    if (v < 0) continue;
    bits = (bits << 6) | static_cast<unsigned>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      bytes.push_back(static_cast<char>((bits >> count) & 0xff));
    }
  }
  return bytes;
}

bool write_all(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// The text of a Runtime.exceptionThrown's or Runtime.evaluate's exceptionDetails.
std::string exception_text(const json& details) {
  if (details.contains("exception") && details["exception"].contains("description")) {
    return details["exception"]["description"].get<std::string>();
  }
  return details.value("text", "exception");
}

}  // namespace

std::string HeadlessBrowser::find_binary() {
  if (const char* chosen = std::getenv("CULPRIT_CHROMIUM"); chosen && *chosen) return chosen;
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    for (const char* name : {"chromium", "chromium-browser"}) {
      const std::string candidate = dir + "/" + name;
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
  }
  return {};
}

Result<std::unique_ptr<HeadlessBrowser>> HeadlessBrowser::start(int width, int height) {
  const std::string binary = find_binary();
  if (binary.empty()) return make_error("no chromium on PATH (set CULPRIT_CHROMIUM)");
  std::unique_ptr<HeadlessBrowser> browser(new HeadlessBrowser());
  CULPRIT_TRY(browser->launch(binary, width, height));
  // The first command waits for the browser to come up; if it does not, say what it printed.
  auto target = browser->call("Target.createTarget", {{"url", "about:blank"}}, true, 60);
  if (!target) {
    return make_error(target.error().message + "; " + binary +
                      " printed: " + read_file(browser->profile_ / "browser-output.txt"));
  }
  CULPRIT_ASSIGN_OR_RETURN(
      json attached,
      browser->call("Target.attachToTarget",
                    {{"targetId", target->value("targetId", "")}, {"flatten", true}}, true));
  browser->session_ = attached.value("sessionId", "");
  CULPRIT_TRY(browser->call("Page.enable"));
  CULPRIT_TRY(browser->call("Runtime.enable"));
  return browser;
}

Status HeadlessBrowser::launch(const std::string& binary, int width, int height) {
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) {
    return make_error(std::string("pipe: ") + std::strerror(errno));
  }
  std::vector<std::string> args = {
      binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
      "--remote-debugging-pipe", "--user-data-dir=" + profile_.path(), "--no-first-run",
      "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--disable-default-apps", "--mute-audio",
      "--hide-scrollbars",
      // Every name resolves to nothing: the pages can reach the loopback address only.
      "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
      "--window-size=" + std::to_string(width) + "," + std::to_string(height), "about:blank"};
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const std::string log_path = profile_ / "browser-output.txt";
  const int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  pid_ = ::fork();
  if (pid_ < 0) return make_error(std::string("fork: ") + std::strerror(errno));
  if (pid_ == 0) {
    ::setpgid(0, 0);
    // Through fds above 4 first, so that neither end is overwritten before it is moved; dup2
    // clears close-on-exec on the copies.
    const int read_end = ::fcntl(in[0], F_DUPFD, 10);
    const int write_end = ::fcntl(out[1], F_DUPFD, 10);
    ::dup2(read_end, 3);
    ::dup2(write_end, 4);
    ::dup2(log, 1);
    ::dup2(log, 2);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::setpgid(pid_, pid_);  // also here: the group exists whichever process runs first
  ::close(log);
  ::close(in[0]);
  ::close(out[1]);
  to_browser_ = in[1];
  from_browser_ = out[0];
  reader_ = std::thread([this] { read_messages(); });
  return {};
}

HeadlessBrowser::~HeadlessBrowser() {
  stop();
}

void HeadlessBrowser::stop() {
  if (pid_ > 0) {
    // Politely first (the profile is written out), then the whole group whatever happened.
    (void)call("Browser.close", json::object(), true, 3);
    for (auto deadline = Clock::now() + std::chrono::seconds(3); Clock::now() < deadline;) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        ::kill(-pid_, SIGKILL);
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (pid_ > 0) {
      ::kill(-pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  if (reader_.joinable()) reader_.join();
  if (to_browser_ >= 0) ::close(to_browser_);
  if (from_browser_ >= 0) ::close(from_browser_);
  to_browser_ = from_browser_ = -1;
}

void HeadlessBrowser::read_messages() {
  std::string buffer;
  char chunk[65536];
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) break;
    }
    pollfd ready{from_browser_, POLLIN, 0};
    const int polled = ::poll(&ready, 1, 100);
    if (polled < 0 && errno != EINTR) break;
    if (polled <= 0) continue;
    const ssize_t n = ::read(from_browser_, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    buffer.append(chunk, static_cast<std::size_t>(n));
    for (std::size_t end = buffer.find('\0'); end != std::string::npos; end = buffer.find('\0')) {
      json message = json::parse(buffer.substr(0, end), nullptr, false);
      buffer.erase(0, end + 1);
      if (message.is_object()) handle(message);
    }
  }
  std::lock_guard lock(mutex_);
  closed_ = true;
  answered_.notify_all();
}

void HeadlessBrowser::handle(const json& message) {
  std::lock_guard lock(mutex_);
  if (message.contains("id")) {
    answers_[message["id"].get<std::int64_t>()] = message;
    answered_.notify_all();
    return;
  }
  const std::string method = message.value("method", "");
  const json& params = message.contains("params") ? message["params"] : json::object();
  if (method == "Runtime.exceptionThrown") {
    exceptions_.push_back(exception_text(params.value("exceptionDetails", json::object())));
  } else if (method == "Runtime.consoleAPICalled") {
    std::string text = params.value("type", "log") + ":";
    for (const json& arg : params.value("args", json::array())) {
      text += " " + (arg.contains("value") ? arg["value"].dump() : arg.value("description", ""));
    }
    console_.push_back(text);
  }
}

Result<json> HeadlessBrowser::call(const std::string& method, const json& params,
                                   bool browser_level, double timeout_s) {
  std::int64_t id = 0;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return make_error("the browser has gone (" + method + ")");
    id = next_id_++;
  }
  json message = {{"id", id}, {"method", method}, {"params", params}};
  if (!browser_level && !session_.empty()) message["sessionId"] = session_;
  if (!write_all(to_browser_, message.dump() + std::string(1, '\0'))) {
    return make_error("cannot write to the browser (" + method + ")");
  }
  std::unique_lock lock(mutex_);
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(timeout_s));
  if (!answered_.wait_until(lock, deadline, [&] { return closed_ || answers_.count(id) > 0; })) {
    return make_error(method + ": no answer in " + std::to_string(timeout_s) + " s");
  }
  auto answer = answers_.find(id);
  if (answer == answers_.end()) return make_error("the browser has gone (" + method + ")");
  json reply = std::move(answer->second);
  answers_.erase(answer);
  if (reply.contains("error")) {
    return make_error(method + ": " + reply["error"].value("message", reply["error"].dump()));
  }
  return reply.value("result", json::object());
}

Status HeadlessBrowser::navigate(const std::string& url) {
  CULPRIT_ASSIGN_OR_RETURN(json navigated, call("Page.navigate", {{"url", url}}));
  if (navigated.contains("errorText")) {
    return make_error("cannot load " + url + ": " + navigated["errorText"].get<std::string>());
  }
  if (!wait_until("document.readyState === 'complete'", 30)) {
    return make_error(url + " did not finish loading");
  }
  return {};
}

Result<json> HeadlessBrowser::evaluate(const std::string& expression) {
  CULPRIT_ASSIGN_OR_RETURN(json evaluated, call("Runtime.evaluate", {{"expression", expression},
                                                                     {"returnByValue", true},
                                                                     {"awaitPromise", true}}));
  if (evaluated.contains("exceptionDetails")) {
    return make_error(exception_text(evaluated["exceptionDetails"]));
  }
  const json& result = evaluated.value("result", json::object());
  return result.contains("value") ? result["value"] : json();
}

bool HeadlessBrowser::wait_until(const std::string& expression, double timeout_s,
                                 double interval_s) {
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(timeout_s));
  for (;;) {
    // An error (the page between two documents) counts as "not yet".
    auto value = evaluate(expression);
    if (value && *value == true) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::duration<double>(interval_s));
  }
}

Status HeadlessBrowser::add_init_script(const std::string& script) {
  CULPRIT_TRY(call("Page.addScriptToEvaluateOnNewDocument", {{"source", script}}));
  return {};
}

Status HeadlessBrowser::set_viewport(int width, int height, bool mobile) {
  CULPRIT_TRY(
      call("Emulation.setDeviceMetricsOverride",
           {{"width", width}, {"height", height}, {"deviceScaleFactor", 1}, {"mobile", mobile}}));
  return {};
}

Status HeadlessBrowser::screenshot(const std::string& png_path) {
  CULPRIT_ASSIGN_OR_RETURN(json metrics, call("Page.getLayoutMetrics"));
  const json size = metrics.value("cssContentSize", json::object());
  CULPRIT_ASSIGN_OR_RETURN(
      json shot, call("Page.captureScreenshot", {{"format", "png"},
                                                 {"captureBeyondViewport", true},
                                                 {"clip",
                                                  {{"x", 0},
                                                   {"y", 0},
                                                   {"width", size.value("width", 1280.0)},
                                                   {"height", size.value("height", 1000.0)},
                                                   {"scale", 1}}}}));
  const std::string png = base64_decode(shot.value("data", ""));
  if (png.size() < 8 || png.compare(1, 3, "PNG") != 0) return make_error("no PNG from the browser");
  std::filesystem::create_directories(std::filesystem::path(png_path).parent_path());
  std::ofstream file(png_path, std::ios::binary | std::ios::trunc);
  file << png;
  if (!file.flush()) return make_error("cannot write " + png_path);
  return {};
}

std::vector<std::string> HeadlessBrowser::exceptions() const {
  std::lock_guard lock(mutex_);
  return exceptions_;
}

std::vector<std::string> HeadlessBrowser::console_messages() const {
  std::lock_guard lock(mutex_);
  return console_;
}

}  // namespace culprit::testing
