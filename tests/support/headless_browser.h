// A real browser for the tests: Debian's chromium, headless, driven over the Chrome DevTools
// Protocol on a pipe (--remote-debugging-pipe: the browser reads commands on its fd 3 and writes
// answers and events on its fd 4, each message one JSON object ended by a NUL byte). No debugging
// port is opened, and host names resolve to nothing, so the pages a test loads can reach only
// the loopback addresses it gives.
//
// One browser, one tab. The browser runs in a process group of its own with a fresh profile in a
// temporary folder; the destructor closes it, kills the group (renderers, GPU and zygote
// processes included) and removes the profile.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "support/test_support.h"

namespace culprit::testing {

class HeadlessBrowser {
 public:
  // The browser executable: $CULPRIT_CHROMIUM, else `chromium` or `chromium-browser` on PATH.
  // Empty when there is none.
  static std::string find_binary();

  // Starts the browser with a `width` x `height` window and attaches to a new blank tab. Error:
  // no browser, or it did not answer.
  static Result<std::unique_ptr<HeadlessBrowser>> start(int width = 1280, int height = 1000);
  ~HeadlessBrowser();
  HeadlessBrowser(const HeadlessBrowser&) = delete;
  HeadlessBrowser& operator=(const HeadlessBrowser&) = delete;

  // A DevTools command (https://chromedevtools.github.io/devtools-protocol/) to the tab, or to
  // the browser itself with `browser_level`; its "result" object. Error: the protocol's error
  // message, a timeout, or the browser gone.
  Result<nlohmann::json> call(const std::string& method,
                              const nlohmann::json& params = nlohmann::json::object(),
                              bool browser_level = false, double timeout_s = 30);

  // Loads `url` in the tab and waits until its document has loaded.
  Status navigate(const std::string& url);
  // Evaluates a JavaScript expression in the tab, awaiting a promise it returns; its value as
  // JSON. Error: the exception it threw (or the page was between documents).
  Result<nlohmann::json> evaluate(const std::string& expression);
  // Evaluates `expression` every `interval_s` until it is true; false after `timeout_s`.
  bool wait_until(const std::string& expression, double timeout_s, double interval_s = 0.1);
  // Runs `script` in every document the tab loads from now on, before the page's own scripts
  // (hooks a test wants in place from the start, such as a recorder of window.alert calls).
  Status add_init_script(const std::string& script);
  // Emulates a screen of `width` x `height` CSS pixels (a phone with `mobile`).
  Status set_viewport(int width, int height, bool mobile);
  // Saves the whole page, beyond the window, as a PNG file.
  Status screenshot(const std::string& png_path);

  // What the tab's pages reported: uncaught exceptions and console messages, as text.
  std::vector<std::string> exceptions() const;
  std::vector<std::string> console_messages() const;

 private:
  HeadlessBrowser() = default;
  Status launch(const std::string& binary, int width, int height);
  void read_messages();
  void handle(const nlohmann::json& message);
  void stop();

  TempDir profile_;
  pid_t pid_ = -1;
  int to_browser_ = -1;    // our end of the browser's fd 3
  int from_browser_ = -1;  // our end of the browser's fd 4
  std::string session_;    // the tab's session (flattened: the tab's commands carry its id)

  mutable std::mutex mutex_;
  std::condition_variable answered_;
  std::map<std::int64_t, nlohmann::json> answers_;
  std::int64_t next_id_ = 1;
  bool closed_ = false;    // the browser's output ended
  bool stopping_ = false;  // the reader should end
  std::vector<std::string> exceptions_;
  std::vector<std::string> console_;
  std::thread reader_;
};

}  // namespace culprit::testing
