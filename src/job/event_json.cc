#include "job/event_json.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include <fmt/format.h>

namespace culprit::job {

namespace {

using nlohmann::json;

json ranked_to_json(const std::vector<RankedCommit>& ranked) {
  json out = json::array();
  for (const RankedCommit& entry : ranked) {
    out.push_back({{"commit", entry.commit}, {"probability", entry.probability}});
  }
  return out;
}

json optional_number(const std::optional<double>& value) {
  return value ? json(*value) : json();
}

struct ToJson {
  json operator()(const JobStarted& e) const {
    return {{"job", e.job},
            {"state_path", e.state_path},
            {"mode", e.mode},
            {"strategy", e.strategy},
            {"start", e.start},
            {"resumed", e.resumed},
            {"recorded_log", e.recorded_log}};
  }
  json operator()(const PhaseStarted& e) const {
    return {{"phase", std::string(to_string(e.phase))}, {"commit", e.commit}};
  }
  json operator()(const CommitChosen& e) const {
    return {{"commit", e.commit},
            {"subject", e.subject},
            {"step", e.step},
            {"steps_total", e.steps_total},
            {"candidates_left", e.candidates_left},
            {"top", ranked_to_json(e.top)}};
  }
  json operator()(const BatchStarted& e) const {
    return {{"commit", e.commit},
            {"subject", e.subject},
            {"phase", std::string(to_string(e.phase))},
            {"runs", e.runs},
            {"step", e.step},
            {"steps_total", e.steps_total},
            {"candidates_left", e.candidates_left},
            {"confidence", optional_number(e.confidence)}};
  }
  json operator()(const BuildFinished& e) const {
    return {{"commit", e.commit},
            {"tree", e.tree},
            {"status", std::string(to_string(e.status))},
            {"reused", e.reused},
            {"signature", e.signature},
            {"compiler", e.compiler},
            {"error", e.error},
            {"duration_s", e.duration_s},
            {"artifacts", e.artifacts}};
  }
  json operator()(const RunFinished& e) const {
    return {{"commit", e.commit},
            {"tree", e.tree},
            {"index", e.index},
            {"outcome", std::string(to_string(e.outcome))},
            {"title", e.title},
            {"alt_titles", e.alt_titles},
            {"duration_s", e.duration_s},
            {"console_files", e.console_files},
            {"done", e.done},
            {"total", e.total}};
  }
  json operator()(const VerdictReached& e) const {
    return {{"commit", e.commit},
            {"phase", std::string(to_string(e.phase))},
            {"verdict", std::string(to_string(e.verdict))},
            {"first_run", e.first_run},
            {"run_labels", e.run_labels}};
  }
  json operator()(const PosteriorUpdated& e) const {
    return {{"confidence", e.confidence}, {"top", ranked_to_json(e.top)}};
  }
  json operator()(const LogLine& e) const { return {{"text", e.text}}; }
  json operator()(const JobFinished& e) const { return {{"result", e.result}, {"json", e.json}}; }
};

struct TypeName {
  std::string_view operator()(const JobStarted&) const { return "job_started"; }
  std::string_view operator()(const PhaseStarted&) const { return "phase_started"; }
  std::string_view operator()(const CommitChosen&) const { return "commit_chosen"; }
  std::string_view operator()(const BatchStarted&) const { return "batch_started"; }
  std::string_view operator()(const BuildFinished&) const { return "build_finished"; }
  std::string_view operator()(const RunFinished&) const { return "run_finished"; }
  std::string_view operator()(const VerdictReached&) const { return "verdict_reached"; }
  std::string_view operator()(const PosteriorUpdated&) const { return "posterior_updated"; }
  std::string_view operator()(const LogLine&) const { return "log"; }
  std::string_view operator()(const JobFinished&) const { return "job_finished"; }
};

}  // namespace

std::string_view event_type(const Event& event) {
  return std::visit(TypeName{}, event);
}

nlohmann::json event_to_json(const Event& event) {
  json out = std::visit(ToJson{}, event);
  out["type"] = std::string(event_type(event));
  out["time"] =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  return out;
}

Result<std::unique_ptr<EventFile>> EventFile::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    return make_error(fmt::format("cannot open events file {}: {}", path, std::strerror(errno)));
  }
  // A writer killed mid-line left no newline: end that line so the next one stands alone.
  struct stat info {};
  char last = '\n';
  if (::fstat(fd, &info) == 0 && info.st_size > 0 && ::pread(fd, &last, 1, info.st_size - 1) == 1 &&
      last != '\n') {
    (void)!::write(fd, "\n", 1);
  }
  return std::unique_ptr<EventFile>(new EventFile(fd));
}

EventFile::~EventFile() {
  if (fd_ >= 0) ::close(fd_);
}

void EventFile::write(const Event& event) {
  // Invalid UTF-8 (a console's bytes in a title) is replaced, never thrown.
  std::string line = event_to_json(event).dump(-1, ' ', false, json::error_handler_t::replace);
  line += '\n';
  std::size_t written = 0;
  while (written < line.size()) {
    const ssize_t n = ::write(fd_, line.data() + written, line.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a full disk must not stop the job: the store has what matters
    written += static_cast<std::size_t>(n);
  }
}

}  // namespace culprit::job
