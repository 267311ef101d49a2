// The service's web page in a real browser: Debian's headless chromium (support/headless_browser.h)
// signs in, opens the page of a command-backend job while it runs, and watches it without
// reloading: the candidates left fall, the result box appears and names the culprit the API
// names, a commit subject made of markup shows as text (no element, no script, no CSP
// violation), a crashed run's console opens with its crash report marked, a build's log opens,
// the page fits a phone's width, the result is marked invalid and retried from the page, and the
// job list shows all of it. It prints where its screenshots are and the page-update latency it
// measured (from an event's time in the events file to the redraw that showed it).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>

#include "support/culprit_service.h"
#include "support/headless_browser.h"
#include "support/history.h"
#include "support/test_support.h"

namespace culprit::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr int kCommits = 40;
constexpr int kCulprit = 27;
constexpr const char* kEvilSubject = "<img src=x onerror=alert(1)>";

// Installed before the page's own scripts in every document: records what must never happen
// (alert calls, an <img src=x> element ever added, Content-Security-Policy violations such as an
// inline style attribute).
constexpr const char* kWatchers = R"(
window.__alerts = [];
window.alert = (message) => { window.__alerts.push(String(message)); };
window.__evilImages = [];
window.__csp = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__csp.push(event.violatedDirective + " " + event.blockedURI);
});
new MutationObserver((records) => {
  for (const record of records) {
    for (const node of record.addedNodes) {
      if (node.nodeType !== 1) continue;
      if (node.matches('img[src="x"]') || node.querySelector('img[src="x"]')) {
        window.__evilImages.push(node.outerHTML.slice(0, 200));
      }
    }
  }
}).observe(document, {childList: true, subtree: true});
)";

// What the test reads from the job page on each poll.
constexpr const char* kSnapshot = R"((() => {
  const text = (id) => { const node = document.getElementById(id); return node ? node.textContent : ""; };
  const result = document.getElementById("result");
  return {
    left: text("candidates-left"),
    result: Boolean(result && !result.hidden && document.getElementById("culprit-hash")),
    marker: Boolean(window.__pageMarker),
    origin: performance.timeOrigin,
    log: document.querySelectorAll("#log-lines span").length,
  };
})())";

// A deterministic reproducer that takes a while: every run sleeps, prints some noise (markup
// included, which must stay text) and crashes on the commits that have the culprit's file.
std::string test_script() {
  return "#!/bin/sh\nsleep 1.2\necho \"selftest of ${CULPRIT_COMMIT:-?} run ${CULPRIT_RUN:-?}\"\n"
         "echo '<b>markup in a console stays text</b>'\n"
         "if [ -e f" +
         std::to_string(kCulprit) +
         " ]; then\n"
         "  echo 'BUG: planted crash in parse_tokens'\n"
         "  echo 'Call Trace:'\n"
         "  echo ' parse_tokens+0x10/0x20'\n"
         "  exit 1\n"
         "fi\n"
         "echo 'selftest passed'\n";
}

// For ASSERT_TRUE(Ok(...)): a failed step's message in the test's output.
template <typename T>
::testing::AssertionResult Ok(const Result<T>& result) {
  if (result.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << result.error().message;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values.empty() ? 0 : values[values.size() / 2];
}

// Where the screenshots go: they must outlive the test's temporary folder to be looked at.
std::filesystem::path screenshot_dir() {
  if (const char* dir = std::getenv("CULPRIT_SCREENSHOT_DIR"); dir && *dir) return dir;
  return std::filesystem::current_path() / "serve-browser-screenshots";
}

std::string quoted(const std::string& text) {
  return json(text).dump();
}

TEST(ServeBrowserTest, JobPageFollowsARunningBisectionToItsResult) {
  if (HeadlessBrowser::find_binary().empty()) {
    GTEST_SKIP() << "no chromium (scripts/install-deps.sh installs it)";
  }
  TempDir dir;
  History history = make_linear_history(kCommits);
  history.commits[kCulprit].message = kEvilSubject;
  // The culprit's parent, tested again by the verification.
  history.commits[kCulprit - 1].message = "parser: <script>alert(2)</script> in a subject";
  const std::vector<std::string> hashes = write_history(history, dir / "repo");
  write_file(dir / "test.sh", test_script());
  const std::string job_toml = "repo = \"repo\"\nbad = \"" + hashes.back() + "\"\ngood = [\"" +
                               hashes.front() +
                               "\"]\nbuild = \"echo building $CULPRIT_COMMIT; cat f* > "
                               "app\"\nartifact = \"app\"\ntest = \"sh " +
                               (dir / "test.sh") + "\"\nruns = 10\njobs = 2\n";

  CulpritService service(dir / "state");
  ASSERT_TRUE(service.up());
  const std::string url = "http://127.0.0.1:" + std::to_string(service.port());
  auto started = HeadlessBrowser::start(1280, 1000);
  ASSERT_TRUE(started) << started.error().message;
  HeadlessBrowser& browser = **started;
  ASSERT_TRUE(Ok(browser.add_init_script(kWatchers)));

  // Signing in: the login form, as a person fills it.
  ASSERT_TRUE(Ok(browser.navigate(url + "/login")));
  ASSERT_TRUE(
      Ok(browser.evaluate("document.getElementById('token').value = " + quoted(service.token()) +
                          "; document.querySelector('form').submit(); true")));
  ASSERT_TRUE(
      browser.wait_until("location.pathname === '/' && document.readyState === 'complete' && "
                         "document.querySelector('table.jobs') !== null",
                         20))
      << "not signed in";

  const long id = service.submit(job_toml, dir.path());
  ASSERT_GT(id, 0);
  ASSERT_TRUE(Ok(browser.navigate(url + "/jobs/" + std::to_string(id))));
  // Gone if the page reloads: the redraws must happen in this one document.
  auto marked = browser.evaluate("window.__pageMarker = {}; performance.timeOrigin");
  ASSERT_TRUE(marked) << marked.error().message;
  const double origin = marked->get<double>();

  // Watch the job run: the candidates left as shown, until the result box appears.
  const std::filesystem::path shots = screenshot_dir();
  const std::string running = (shots / "serve-job-running.png").string();
  bool running_shot = false;
  std::vector<long> candidates_seen;
  int log_lines_seen = 0;
  bool result_shown = false;
  const auto watch_start = Clock::now();
  for (auto deadline = watch_start + std::chrono::seconds(100); Clock::now() < deadline;) {
    auto snapshot = browser.evaluate(kSnapshot);
    ASSERT_TRUE(snapshot) << snapshot.error().message;
    ASSERT_TRUE((*snapshot)["marker"].get<bool>()) << "the page was reloaded";
    ASSERT_EQ((*snapshot)["origin"].get<double>(), origin) << "the page was reloaded";
    const std::string left = (*snapshot)["left"];
    if (!left.empty() && std::isdigit(static_cast<unsigned char>(left[0]))) {
      const long count = std::stol(left);
      if (candidates_seen.empty() || candidates_seen.back() != count) {
        candidates_seen.push_back(count);
      }
    }
    log_lines_seen = (*snapshot)["log"].get<int>();
    if (candidates_seen.size() == 3 && !running_shot) {
      ASSERT_TRUE(Ok(browser.screenshot(running)));
      std::cout << "screenshot (running): " << running << "\n";
      running_shot = true;
    }
    if ((*snapshot)["result"].get<bool>()) {
      result_shown = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  const double watched_s = std::chrono::duration<double>(Clock::now() - watch_start).count();
  std::cout << "job " << id << " watched for " << watched_s << " s; candidates left shown:";
  for (long count : candidates_seen) std::cout << " " << count;
  std::cout << "\n";
  ASSERT_TRUE(result_shown) << "no result box after " << watched_s << " s";
  ASSERT_GE(candidates_seen.size(), 2u) << "the candidates left never changed on the page";
  EXPECT_GT(candidates_seen.front(), candidates_seen.back());
  EXPECT_GT(log_lines_seen, 20) << "the log did not stream";

  // The result box says what the API says.
  const json job = service.wait_for(id, "done", 30);
  ASSERT_EQ(job.value("state", ""), "done") << job.dump();
  EXPECT_EQ(job.value("culprit", json()), hashes[kCulprit]) << job.dump();
  EXPECT_EQ(job.value("culprit_subject", ""), kEvilSubject);
  auto shown = browser.evaluate(R"(({
    hash: document.getElementById("culprit-hash").textContent,
    subject: document.getElementById("culprit-subject").textContent,
    author: document.getElementById("culprit-author").textContent,
    body: document.body.textContent,
  }))");
  ASSERT_TRUE(shown) << shown.error().message;
  EXPECT_EQ((*shown)["hash"], job["culprit"]);
  EXPECT_EQ((*shown)["subject"], kEvilSubject);
  EXPECT_NE((*shown)["author"].get<std::string>().find("author@example.org"), std::string::npos);
  EXPECT_NE((*shown)["body"].get<std::string>().find("<script>alert(2)</script>"),
            std::string::npos);

  // A crashed run's console, with the parser's report marked.
  ASSERT_TRUE(
      Ok(browser.evaluate("document.querySelector('#tested button.run.crashed').click(); true")));
  ASSERT_TRUE(browser.wait_until("document.querySelector('#console mark.report') !== null", 15))
      << "no crash report marked in the console";
  auto console = browser.evaluate(R"(({
    report: document.querySelector("#console mark.report").textContent,
    text: document.querySelector("#console pre").textContent,
    bold: document.querySelectorAll("#console b").length,
  }))");
  ASSERT_TRUE(console) << console.error().message;
  EXPECT_EQ((*console)["report"].get<std::string>().rfind("BUG: planted crash in parse_tokens", 0),
            0u)
      << console->dump();
  EXPECT_NE((*console)["text"].get<std::string>().find("<b>markup in a console stays text</b>"),
            std::string::npos);
  EXPECT_EQ((*console)["bold"], 0);

  // Nothing the job's text holds became markup or ran.
  auto watchers = browser.evaluate(R"(({
    images: document.querySelectorAll('img[src="x"]').length,
    added: window.__evilImages, alerts: window.__alerts, csp: window.__csp,
    latency: window.culpritLatency, log_latency: window.culpritLogLatency,
  }))");
  ASSERT_TRUE(watchers) << watchers.error().message;
  EXPECT_EQ((*watchers)["images"], 0);
  EXPECT_TRUE((*watchers)["added"].empty()) << (*watchers)["added"].dump();
  EXPECT_TRUE((*watchers)["alerts"].empty()) << (*watchers)["alerts"].dump();
  EXPECT_TRUE((*watchers)["csp"].empty()) << (*watchers)["csp"].dump();

  // Event to DOM: how long after the bisection wrote an event the page showed it, in a redraw
  // (the document fetched again) or as a log line (straight from the stream).
  const std::vector<double> latency = (*watchers)["latency"].get<std::vector<double>>();
  const std::vector<double> log_latency = (*watchers)["log_latency"].get<std::vector<double>>();
  ASSERT_FALSE(latency.empty()) << "no redraw was caused by an event";
  ASSERT_FALSE(log_latency.empty()) << "no log line came from the stream";
  const auto print = [](const char* what, const std::vector<double>& seconds) {
    std::cout << "page-update latency (event to DOM), " << what << ": median "
              << median(seconds) * 1000 << " ms, max "
              << *std::max_element(seconds.begin(), seconds.end()) * 1000 << " ms over "
              << seconds.size() << "\n";
  };
  print("redraws", latency);
  print("log lines", log_latency);
  EXPECT_LT(median(latency), 2.0);

  const std::string laptop = (shots / "serve-job.png").string();
  ASSERT_TRUE(Ok(browser.screenshot(laptop)));
  std::cout << "screenshot: " << laptop << "\n";
  if (const char* update = std::getenv("CULPRIT_UPDATE_SCREENSHOT"); update && *update == '1') {
    const std::filesystem::path readme_copy =
        std::filesystem::path(CULPRIT_SOURCE_DIR) / "docs/img/serve-job.png";
    std::filesystem::copy_file(laptop, readme_copy,
                               std::filesystem::copy_options::overwrite_existing);
    std::cout << "screenshot copied to " << readme_copy.string() << "\n";
  }

  // A phone: the page fits its width (tables scroll inside their boxes, if at all).
  ASSERT_TRUE(Ok(browser.set_viewport(390, 844, true)));
  EXPECT_TRUE(
      browser.wait_until("document.documentElement.scrollWidth <= window.innerWidth + 1", 5))
      << "wider than a phone: " << browser.evaluate("document.documentElement.scrollWidth")->dump();
  const std::string phone = (shots / "serve-job-phone.png").string();
  ASSERT_TRUE(Ok(browser.screenshot(phone)));
  std::cout << "screenshot (phone): " << phone << "\n";
  ASSERT_TRUE(Ok(browser.set_viewport(1280, 1000, false)));

  // A build's log, from the same table.
  ASSERT_TRUE(Ok(browser.evaluate("document.querySelector('#tested button.file').click(); true")));
  EXPECT_TRUE(
      browser.wait_until("(document.querySelector('#console pre') || {}).textContent"
                         "?.startsWith('building ')",
                         15))
      << "no build log shown";

  // Acting on the result from the page (its cookie and its request header): mark it invalid,
  // then retry it, which opens the new job's page.
  const std::string reason = "the <b>revert</b> was flaky";
  ASSERT_TRUE(Ok(browser.evaluate(
      "document.querySelector('#invalid-form input[name=reason]').value = " + quoted(reason) +
      "; document.querySelector('#invalid-form button').click(); true")));
  ASSERT_TRUE(
      browser.wait_until("document.getElementById('invalid-reason') !== null && "
                         "document.getElementById('invalid-reason').textContent === " +
                             quoted(reason),
                         15))
      << "the page did not show the job as invalid";
  EXPECT_EQ(service.job(id)["invalid"].value("reason", ""), reason);
  ASSERT_TRUE(
      Ok(browser.evaluate("document.querySelector('#retry-form input[name=runs]').value = '12'; "
                          "document.querySelector('#retry-form button').click(); true")));
  const std::string retry_path = "/jobs/" + std::to_string(id + 1);
  ASSERT_TRUE(browser.wait_until("location.pathname === " + quoted(retry_path), 15))
      << "the retry did not open the new job";
  const json retry = service.job(id + 1);
  EXPECT_EQ(retry.value("retry_of", json()), id) << retry.dump();
  EXPECT_EQ(retry["overrides"].value("runs", 0), 12) << retry.dump();

  // The job list shows the job with its crash title and state, the subject still as text, and
  // both the mark and the retry.
  ASSERT_TRUE(Ok(browser.navigate(url + "/")));
  const std::string row =
      "Array.from(document.querySelectorAll('table.jobs tbody tr'))"
      ".map((tr) => tr.textContent).join('\\n')";
  ASSERT_TRUE(browser.wait_until(row + ".includes(" + quoted("#" + std::to_string(id)) + ")", 15));
  auto listed = browser.evaluate(row);
  ASSERT_TRUE(listed) << listed.error().message;
  const std::string listed_text = *listed;
  EXPECT_NE(listed_text.find(job.value("title", "?")), std::string::npos) << listed_text;
  EXPECT_NE(listed_text.find("done"), std::string::npos) << listed_text;
  EXPECT_NE(listed_text.find(kEvilSubject), std::string::npos) << listed_text;
  EXPECT_NE(listed_text.find("invalid" + reason), std::string::npos) << listed_text;
  EXPECT_NE(listed_text.find("retry of #" + std::to_string(id)), std::string::npos) << listed_text;
  auto list_watchers = browser.evaluate(
      "[document.querySelectorAll('img[src=\"x\"]').length, window.__evilImages.length, "
      "window.__alerts.length, window.__csp.length]");
  ASSERT_TRUE(list_watchers);
  EXPECT_EQ(*list_watchers, json::parse("[0, 0, 0, 0]"));

  EXPECT_TRUE(browser.exceptions().empty()) << json(browser.exceptions()).dump();
}

}  // namespace
}  // namespace culprit::testing
