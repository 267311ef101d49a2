#include "serve/job_view.h"

#include <fstream>
#include <set>

namespace culprit::serve {

using nlohmann::json;

namespace {

// Reads what was appended to `path` from `offset`: whole lines only.
std::string read_from(const std::string& path, std::size_t offset) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  in.seekg(static_cast<std::streamoff>(offset));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::size_t end = text.rfind('\n');
  text.resize(end == std::string::npos ? 0 : end + 1);
  return text;
}

}  // namespace

void JobView::refresh() {
  const std::string text = read_from(events_path_, read_offset_);
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t end = text.find('\n', at);
    line_offsets_.push_back(read_offset_ + at);
    json event = json::parse(text.begin() + static_cast<std::ptrdiff_t>(at),
                             text.begin() + static_cast<std::ptrdiff_t>(end), nullptr, false);
    if (event.is_object() && event.contains("type")) {
      fold(event);
    } else {
      ++bad_lines_;
    }
    at = end + 1;
  }
  read_offset_ += text.size();
}

std::size_t JobView::offset_of_line(std::size_t n) const {
  if (n == 0) return 0;
  if (n > line_offsets_.size()) return read_offset_;
  return line_offsets_[n - 1];
}

void JobView::start_over() {
  status_ = json::object();
  progress_ = json::array();
  top_ = json::array();
  tested_ = json::array();
  log_.clear();
  result_ = json();
}

json& JobView::batch_row(const std::string& commit) {
  // The newest row of the commit: batches of one commit run one after another.
  for (auto row = tested_.rbegin(); row != tested_.rend(); ++row) {
    if ((*row)["commit"] == commit) return *row;
  }
  tested_.push_back({{"commit", commit},
                     {"subject", subjects_[commit]},
                     {"phase", ""},
                     {"verdict", nullptr},
                     {"runs", json::array()},
                     {"crashed", 0},
                     {"total", 0},
                     {"titles", json::array()}});
  return tested_.back();
}

void JobView::fold(const json& event) {
  const std::string type = event.value("type", "");
  const double time = event.value("time", 0.0);
  last_event_time_ = std::max(last_event_time_, time);
  if (type == "job_started") {
    if (event.value("resumed", false) && !header_.empty()) ++resumes_;
    start_over();
    header_ = {{"job", event.value("job", 0)},
               {"mode", event.value("mode", "")},
               {"strategy", event.value("strategy", "")},
               {"start", event.value("start", "")}};
  } else if (type == "phase_started") {
    status_["phase"] = event.value("phase", "");
  } else if (type == "commit_chosen") {
    const std::string commit = event.value("commit", "");
    subjects_[commit] = event.value("subject", "");
    status_["commit"] = commit;
    status_["subject"] = subjects_[commit];
    status_["step"] = event.value("step", 0);
    status_["steps_total"] = event.value("steps_total", 0);
    status_["candidates_left"] = event.value("candidates_left", 0);
    progress_.push_back({{"step", event.value("step", 0)},
                         {"candidates_left", event.value("candidates_left", 0)},
                         {"confidence", status_.value("confidence", json())},
                         {"time", time}});
    if (!event["top"].empty()) top_ = event["top"];
  } else if (type == "batch_started") {
    const std::string commit = event.value("commit", "");
    if (!event.value("subject", "").empty()) subjects_[commit] = event.value("subject", "");
    tested_.push_back({{"commit", commit},
                       {"subject", subjects_[commit]},
                       {"phase", event.value("phase", "")},
                       {"verdict", nullptr},
                       {"runs", json::array()},
                       {"crashed", 0},
                       {"total", 0},
                       {"planned", event.value("runs", 0)},
                       {"titles", json::array()},
                       {"started", time}});
    status_["phase"] = event.value("phase", "");
    status_["commit"] = commit;
    status_["subject"] = subjects_[commit];
    status_["runs_done"] = 0;
    status_["runs_total"] = event.value("runs", 0);
    if (event.contains("confidence") && !event["confidence"].is_null()) {
      status_["confidence"] = event["confidence"];
    }
  } else if (type == "build_finished") {
    json& row = batch_row(event.value("commit", ""));
    row["tree"] = event.value("tree", "");  // a failed build has no runs to say it
    row["build_status"] = event.value("status", "");
    row["build_reused"] = event.value("reused", false);
    row["build_s"] = event.value("duration_s", 0.0);
    row["signature"] = event.value("signature", "");
    row["compiler"] = event.value("compiler", "");
    row["build_error"] = event.value("error", "");
    row["build_artifacts"] = event.value("artifacts", json::array());
    row["built_at"] = time;
  } else if (type == "run_finished") {
    json& row = batch_row(event.value("commit", ""));
    const std::string outcome = event.value("outcome", "");
    const std::string title = event.value("title", "");
    row["tree"] = event.value("tree", "");
    row["runs"].push_back({{"index", event.value("index", 0)},
                           {"outcome", outcome},
                           {"title", title},
                           {"duration_s", event.value("duration_s", 0.0)},
                           {"console_files", event.value("console_files", json::array())}});
    row["total"] = row["total"].get<int>() + 1;
    if (outcome == "crashed") row["crashed"] = row["crashed"].get<int>() + 1;
    if (!title.empty()) {
      std::set<std::string> titles = row["titles"].get<std::set<std::string>>();
      titles.insert(title);
      row["titles"] = titles;
    }
    status_["runs_done"] = event.value("done", 0);
    status_["runs_total"] = event.value("total", 0);
  } else if (type == "verdict_reached") {
    const std::string commit = event.value("commit", "");
    json& row = batch_row(commit);
    row["verdict"] = event.value("verdict", "");
    row["phase"] = event.value("phase", "");
    // The test time: from the build (or the batch's start) to the verdict, wall clock.
    const double from = row.value("built_at", row.value("started", time));
    row["test_s"] = std::max(0.0, time - from);
  } else if (type == "posterior_updated") {
    status_["confidence"] = event.value("confidence", 0.0);
    top_ = event.value("top", json::array());
    if (!progress_.empty()) progress_.back()["confidence_after"] = status_["confidence"];
  } else if (type == "log") {
    log_.push_back(event.value("text", ""));
  } else if (type == "job_finished") {
    result_ = event.value("json", json::object());
    status_["phase"] = "finished";
    status_["result"] = event.value("result", "");
  }
}

json JobView::document(bool with_log) const {
  json top = json::array();
  for (const json& entry : top_) {
    json ranked = entry;
    const std::string commit = entry.value("commit", "");
    auto subject = subjects_.find(commit);
    ranked["subject"] = subject != subjects_.end() ? subject->second : "";
    top.push_back(std::move(ranked));
  }
  json doc = header_;
  doc["status"] = status_;
  doc["progress"] = progress_;
  doc["top"] = top;
  doc["tested"] = tested_;
  doc["result"] = result_;
  doc["events"] = line_offsets_.size();
  doc["bad_lines"] = bad_lines_;
  doc["last_event_time"] = last_event_time_;
  doc["resumes"] = resumes_;
  if (with_log) doc["log"] = log_;
  return doc;
}

}  // namespace culprit::serve
