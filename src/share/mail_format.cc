#include "share/mail_format.h"

#include <algorithm>
#include <array>
#include <ctime>
#include <map>

#include <fmt/format.h>

#include "base/text.h"
#include "job/job_log.h"
#include "report/report.h"

namespace culprit::share {
namespace {

constexpr std::size_t kWidth = 72;
// RFC 5322 §2.1.1: header lines should stay within 78 characters.
constexpr std::size_t kHeaderWidth = 78;
// The final crash's report and the trimmed log are quoted in full up to these many lines.
constexpr std::size_t kReportLines = 80;
constexpr std::size_t kLogHead = 40;
constexpr std::size_t kLogTail = 80;

// Day and month names in English whatever the locale: RFC 5322 dates and git's default format.
constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

std::tm utc(std::int64_t seconds) {
  const std::time_t time = static_cast<std::time_t>(seconds);
  std::tm parts{};
  gmtime_r(&time, &parts);
  return parts;
}

// "Tue, 02 Jan 2024 15:04:05 +0000" (RFC 5322 §3.3).
std::string mail_date(std::int64_t seconds) {
  const std::tm t = utc(seconds);
  return fmt::format("{}, {:02} {} {} {:02}:{:02}:{:02} +0000", kDays.at(t.tm_wday), t.tm_mday,
                     kMonths.at(t.tm_mon), t.tm_year + 1900, t.tm_hour, t.tm_min, t.tm_sec);
}

// "Tue Jan 2 15:04:05 2024 +0000", as `git log` shows a date (here always in UTC).
std::string git_date(std::int64_t seconds) {
  const std::tm t = utc(seconds);
  return fmt::format("{} {} {} {:02}:{:02}:{:02} {} +0000", kDays.at(t.tm_wday),
                     kMonths.at(t.tm_mon), t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec,
                     t.tm_year + 1900);
}

std::vector<std::string> words_of(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n') {
      if (!word.empty()) words.push_back(std::move(word));
      word.clear();
    } else {
      word += c;
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

bool is_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

std::string base64(std::string_view bytes) {
  static constexpr char kDigits[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t at = 0; at < bytes.size(); at += 3) {
    const std::size_t left = std::min<std::size_t>(3, bytes.size() - at);
    std::uint32_t group = 0;
    for (std::size_t i = 0; i < 3; ++i) {
      group = group << 8 | (i < left ? static_cast<unsigned char>(bytes[at + i]) : 0u);
    }
    for (std::size_t i = 0; i < 4; ++i) {
      out += i <= left ? kDigits[(group >> (18 - 6 * i)) & 0x3f] : '=';
    }
  }
  return out;
}

// Header text as words that may appear in a header: ASCII as it is, split at blanks (where a long
// header may be folded), anything else as RFC 2047 encoded words of UTF-8 (each at most 75
// characters, split between whole characters).
std::vector<std::string> header_words(std::string_view text) {
  if (is_ascii(text)) return words_of(text);
  std::vector<std::string> words;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = std::min(text.size(), at + 45);  // 45 bytes: 60 base64 digits
    while (end < text.size() && end > at + 1 &&
           (static_cast<unsigned char>(text[end]) & 0xc0) == 0x80) {
      --end;
    }
    words.push_back("=?UTF-8?B?" + base64(text.substr(at, end - at)) + "?=");
    at = end;
  }
  return words;
}

// "Name <address>" with the name encoded when it needs to be; a bare address as it is.
std::string header_address(std::string_view address) {
  const std::size_t open = address.rfind('<');
  if (open == std::string_view::npos || open == 0) return std::string(trim(address));
  const std::string_view name = trim(address.substr(0, open));
  const std::string_view angle = trim(address.substr(open));
  // RFC 5322 §3.2.3: a display name with specials ("Doe, Jane", "J. Doe") is a quoted string.
  if (is_ascii(name) && name.find_first_of("()<>[]:;@\\,.\"") != std::string_view::npos) {
    std::string quoted;
    for (char c : name) quoted += c == '"' || c == '\\' ? std::string{'\\', c} : std::string{c};
    return fmt::format("\"{}\" {}", quoted, angle);
  }
  return fmt::format("{} {}", fmt::join(header_words(name), " "), angle);
}

// "Name: item, item, ..." folded (RFC 5322 §2.2.3) before an item that would pass the width.
std::string header(std::string_view name, const std::vector<std::string>& items,
                   std::string_view separator) {
  std::string out = std::string(name) + ":";
  std::size_t column = out.size();
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string item = items[i] + (i + 1 < items.size() ? std::string(separator) : "");
    if (i > 0 && column + 1 + item.size() > kHeaderWidth) {
      out += "\n";
      column = 0;
    }
    out += " " + item;
    column += 1 + item.size();
  }
  return out + "\n";
}

// "label:" padded to 16 columns and the value wrapped under it, as syzbot lines up its fields.
std::string field(std::string_view label, std::string_view value) {
  const std::string head = fmt::format("{:<16}", std::string(label) + ":");
  std::string wrapped = wrap(value, kWidth, std::string(16, ' '));
  return head + wrapped.substr(std::min<std::size_t>(16, wrapped.size()));
}

// The log as the mail quotes it: each stretch of "run #N: ..." lines counted into one line, the
// posterior lines left out, and a long log cut in the middle.
std::vector<std::string> trimmed_log(const std::vector<std::string>& log) {
  std::vector<std::string> lines;
  std::map<std::string, int> runs;  // "crashed", "OK", ... -> count in the current stretch
  int stretch = 0;
  auto close_stretch = [&] {
    if (stretch == 0) return;
    std::vector<std::string> parts;
    for (const auto& [outcome, count] : runs) parts.push_back(fmt::format("{} {}", count, outcome));
    lines.push_back(fmt::format("{} runs: {}", stretch, fmt::join(parts, ", ")));
    runs.clear();
    stretch = 0;
  };
  for (const std::string& line : log) {
    if (line.rfind("run #", 0) == 0) {
      const std::size_t colon = line.find(": ");
      std::string outcome = colon == std::string::npos ? "other" : line.substr(colon + 2);
      outcome = outcome.substr(0, outcome.find(':'));
      ++runs[outcome];
      ++stretch;
      continue;
    }
    close_stretch();
    if (line.rfind("confidence ", 0) == 0) continue;
    lines.push_back(line);
  }
  close_stretch();
  if (lines.size() <= kLogHead + kLogTail) return lines;
  std::vector<std::string> cut(lines.begin(), lines.begin() + kLogHead);
  cut.push_back(fmt::format("[... {} lines left out ...]", lines.size() - kLogHead - kLogTail));
  cut.insert(cut.end(), lines.end() - kLogTail, lines.end());
  return cut;
}

struct Crash {
  std::string commit;
  std::vector<std::string> report;  // the report's lines, or the console's last lines
};

// The first run of `commit` that crashed with one of the bug's titles (any crash when none
// did), and its report as the parser reads it from the console.
Result<std::optional<Crash>> crash_of(const store::Store& store, const RecordedJob& job,
                                      const std::string& commit,
                                      const std::vector<std::string>& titles) {
  const std::string tree = job.tree_of(commit);
  if (tree.empty()) return std::optional<Crash>();
  CULPRIT_ASSIGN_OR_RETURN(const std::vector<store::RunRecord> runs,
                           store.runs(job.record.id, tree));
  const store::RunRecord* chosen = nullptr;
  for (const store::RunRecord& run : runs) {
    if (run.outcome != RunOutcome::crashed) continue;
    const bool bug = std::find(titles.begin(), titles.end(), run.title) != titles.end();
    if (bug || chosen == nullptr) chosen = &run;
    if (bug) break;
  }
  if (chosen == nullptr) return std::optional<Crash>();
  CULPRIT_ASSIGN_OR_RETURN(const std::string console,
                           store.console(job.record.id, tree, chosen->index));
  Crash crash{commit, {}};
  std::vector<std::string_view> lines;
  std::optional<report::CrashReport> parsed = report::parse_first(console);
  if (parsed && !parsed->report.empty()) {
    lines = split_lines(parsed->report);
  } else {
    lines = split_lines(console);
    if (lines.size() > kReportLines) lines.erase(lines.begin(), lines.end() - kReportLines);
  }
  for (std::size_t i = 0; i < lines.size() && i < kReportLines; ++i) {
    crash.report.emplace_back(lines[i]);
  }
  if (lines.size() > kReportLines) {
    crash.report.push_back(fmt::format("[... {} more lines ...]", lines.size() - kReportLines));
  }
  return std::optional<Crash>(std::move(crash));
}

std::string short_hash(const std::string& hash) {
  return hash.substr(0, 12);
}

// "1 run" / "20 runs".
std::string runs_text(const nlohmann::json& entry) {
  const int runs = entry.value("runs", 0);
  return fmt::format("{} run{}", runs, runs == 1 ? "" : "s");
}

// The second look, in sentences: how the culprit, its parents and its revert did.
std::string verification_words(const nlohmann::json& verification, bool cause) {
  if (!verification.is_object()) return "";
  std::vector<std::string> sentences;
  auto tested = [&](const nlohmann::json& entry, const std::string& who) {
    if (!entry.is_object()) return;
    if (!entry.value("built", true) || entry.value("runs", 0) == 0) {
      sentences.push_back(fmt::format("{} could not be tested.", who));
      return;
    }
    sentences.push_back(fmt::format("{} crashed with the bug's title in {} of {}.", who,
                                    entry.value("crashed_with_title", 0), runs_text(entry)));
  };
  const std::string what = cause ? "The culprit" : "The fix";
  tested(verification.value("culprit", nlohmann::json()), what);
  for (const nlohmann::json& parent : verification.value("parents", nlohmann::json::array())) {
    tested(parent, "Its parent " + short_hash(parent.value("commit", std::string())));
  }
  const std::string result = verification.value("result", std::string());
  if (!result.empty()) {
    sentences.push_back(fmt::format("Verify: {}.", result == "pass"   ? "PASS"
                                                   : result == "fail" ? "FAIL"
                                                                      : "UNTESTED"));
  }
  const nlohmann::json revert = verification.value("revert", nlohmann::json());
  if (revert.is_object()) {
    const std::string onto = short_hash(revert.value("onto", std::string()));
    const std::string outcome = revert.value("result", std::string());
    if (outcome == "pass" || outcome == "fail") {
      sentences.push_back(fmt::format(
          "Reverted on top of {}, it crashed with the bug's title in {} of {}: revert {}.", onto,
          revert.value("crashed_with_title", 0), runs_text(revert),
          outcome == "pass" ? "PASS" : "FAIL"));
    } else if (outcome == "not-applied") {
      sentences.push_back(fmt::format("Its revert does not apply on top of {}.", onto));
    } else if (!outcome.empty()) {
      sentences.push_back(fmt::format("Its revert on top of {} could not be tested.", onto));
    }
  }
  std::string words;
  for (const std::string& sentence : sentences) words += (words.empty() ? "" : " ") + sentence;
  return words;
}

std::string default_from(const vcs::Repository& repo) {
  if (std::optional<vcs::Person> user = repo.configured_identity()) {
    return fmt::format("{} <{}>", user->name, user->email);
  }
  return "culprit <culprit@localhost>";
}

}  // namespace

std::string wrap(std::string_view text, std::size_t width, std::string_view indent) {
  std::string out;
  std::string line;
  for (const std::string& word : words_of(text)) {
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      out += line + "\n";
      line.clear();
    }
    line += line.empty() ? std::string(indent) + word : " " + word;
  }
  if (!line.empty()) out += line + "\n";
  return out;
}

std::string fixes_tag(const vcs::CommitInfo& commit) {
  return fmt::format("Fixes: {} (\"{}\")", short_hash(commit.hash), commit.title);
}

std::string flag_in_words(std::string_view flag, bool cause) {
  static const std::map<std::string, std::string, std::less<>> kWords = {
      {"merge", "the culprit is a merge commit"},
      {"release", "the culprit is a release commit"},
      {"noop", "the culprit builds to the same binary as its parent"},
      {"low-confidence", "the search stopped before it was as sure as it was asked to be"},
      {"docs-only", "the culprit changes documentation only"},
      {"comments-only", "the culprit changes comments only"},
      {"other-arch-only", "the culprit changes code of other architectures only"},
      {"tools-only", "the culprit changes tools or selftests only"},
      {"unrelated-crashes",
       "commits judged good crashed too (another bug, or a reproducer that does more than it "
       "seems to)"},
      {"revert-still-crashes",
       "the culprit reverted on top of the start commit still crashes with the bug's title"},
      {"revert-no-crash",
       "the fix reverted on top of the fixed commit does not bring the crash back"},
  };
  if (flag == "verify-failed") {
    return cause ? "more runs of the culprit and its parents do not show the bug in the culprit "
                   "alone"
                 : "more runs of the fix and its parents do not show the bug gone in the fix "
                   "alone";
  }
  if (flag == "revert-not-applied") {
    return cause ? "the culprit's revert does not apply on top of the start commit"
                 : "the fix's revert does not apply on top of the fixed commit";
  }
  auto it = kWords.find(flag);
  return it == kWords.end() ? std::string(flag) : it->second;
}

Result<std::string> bisection_mail(const RecordedJob& job, const store::Store& store,
                                   const vcs::Repository& repo, const MailOptions& options) {
  const std::string kind = job.kind();
  if (kind != "found" && kind != "inconclusive" && kind != "horizon") {
    return make_error(fmt::format("job {} has no result to mail ({})", job.record.id,
                                  kind.empty() ? "state " + job.record.state : kind));
  }
  const bool cause = job.cause();
  CULPRIT_ASSIGN_OR_RETURN(const std::vector<std::string> titles, bug_titles(store, job));
  const std::string title = titles.empty() ? "crash" : titles.front();
  const std::vector<std::string> flags = job.result_strings("/flags");
  const std::optional<std::string> culprit = job.culprit();
  const bool unreliable = culprit && !flags.empty();

  // Headers.
  std::string mail;
  mail += header("From", {header_address(options.from.empty() ? default_from(repo) : options.from)},
                 "");
  const std::vector<std::string> to = job.result_strings("/recipients/to");
  const std::vector<std::string> cc = job.result_strings("/recipients/cc");
  if (!to.empty()) mail += header("To", to, ",");
  if (!cc.empty()) mail += header("Cc", cc, ",");
  mail += header("Date", {mail_date(options.date)}, "");
  const std::string what = kind == "inconclusive" ? "inconclusive bisection"
                           : kind == "horizon"    ? "bisection found no range"
                           : unreliable           ? "unreliable bisection"
                           : cause                ? "bisected"
                                                  : "fix bisected";
  mail += header("Subject", header_words(fmt::format("[culprit] {}: {}", what, title)), "");
  mail +=
      "MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\n"
      "Content-Transfer-Encoding: 8bit\n\n";

  // The answer.
  if (culprit) {
    CULPRIT_ASSIGN_OR_RETURN(const vcs::CommitInfo info, repo.commit(*culprit));
    mail += cause ? "culprit has bisected this issue to:\n\n"
                  : "culprit suspects this issue was fixed by commit:\n\n";
    mail += fmt::format("commit {}\nAuthor: {} <{}>\nDate:   {}\n\n", info.hash, info.author.name,
                        info.author.email, git_date(info.author.time));
    mail += wrap(info.title, kWidth, "    ") + "\n";
  } else if (kind == "inconclusive") {
    mail += wrap(fmt::format("culprit could not narrow this issue down to one commit; the first "
                             "{} commit could be any of:",
                             cause ? "bad" : "fixed"),
                 kWidth);
    mail += "\n";
    std::map<std::string, double> probability;
    if (job.result.is_object()) {
      for (const nlohmann::json& ranked : job.result.value("posterior", nlohmann::json::array())) {
        if (ranked.value("commit", nlohmann::json()).is_string()) {
          probability[ranked["commit"].get<std::string>()] = ranked.value("probability", 0.0);
        }
      }
    }
    for (const std::string& candidate : job.result_strings("/candidates")) {
      CULPRIT_ASSIGN_OR_RETURN(const vcs::CommitInfo info, repo.commit(candidate));
      auto known = probability.find(candidate);
      const std::string line =
          known == probability.end()
              ? fmt::format("{} {}", short_hash(candidate), info.title)
              : fmt::format("{} {:.3f} {}", short_hash(candidate), known->second, info.title);
      mail += wrap(line, kWidth, "  ");
    }
    mail += "\n";
  } else {
    mail += wrap(cause ? "culprit could not bisect this issue: the oldest release it tested "
                         "already crashes, or it could not be tested."
                       : "culprit could not bisect the fix of this issue: the newest commit it "
                         "tested still crashes, or it could not be tested.",
                 kWidth);
    mail += "\n";
  }

  // Where it started and what it spent.
  const std::string start = job.start();
  if (!start.empty()) {
    auto info = repo.commit(start);
    mail += field("start commit",
                  info ? fmt::format("{} {}", short_hash(start), info->title) : short_hash(start));
  }
  CULPRIT_ASSIGN_OR_RETURN(const std::optional<std::string> origin, repo.remote_url("origin"));
  mail += field("git tree", origin ? *origin : repo.path());
  if (job.result.is_object()) {
    const nlohmann::json time = job.result.value("time", nlohmann::json::object());
    std::string spent = fmt::format(
        "{}, {} strategy: {} commits tested, {} builds, {} runs in {}", cause ? "cause" : "fix",
        job.result.value("strategy", std::string("?")), job.result.value("commits_tested", 0),
        job.result.value("builds", 0), job.result.value("runs", 0),
        job::format_duration(time.is_object() ? time.value("total_s", 0.0) : 0.0));
    if (job.result.contains("confidence") && job.result["confidence"].is_number()) {
      spent += fmt::format(", confidence {:.3f}", job.result["confidence"].get<double>());
    }
    mail += field("bisection", spent);
  }
  mail += field("crash title", title);
  mail += "\n";

  // The second look and the doubts.
  if (culprit) {
    const std::string verified =
        verification_words(job.result.value("verification", nlohmann::json()), cause);
    if (!verified.empty()) mail += wrap(verified, kWidth) + "\n";
    if (unreliable) {
      std::vector<std::string> words;
      for (const std::string& flag : flags) words.push_back(flag_in_words(flag, cause));
      mail += wrap(fmt::format("The result is unreliable: {}.", fmt::join(words, "; ")), kWidth);
      mail += "\n";
    }
  }

  // The tags for the fix.
  const std::vector<std::string> reported_by =
      options.reported_by.empty() ? job.param_strings("reported_by") : options.reported_by;
  const std::vector<std::string> closes =
      options.closes.empty() ? job.param_strings("closes") : options.closes;
  if (cause && (culprit || !reported_by.empty() || !closes.empty())) {
    mail += wrap(culprit && unreliable
                     ? "If the culprit is confirmed, please add these tags to the fix:"
                     : "If you fix the issue, please add these tags to the commit:",
                 kWidth);
    if (culprit) {
      CULPRIT_ASSIGN_OR_RETURN(const vcs::CommitInfo info, repo.commit(*culprit));
      mail += fixes_tag(info) + "\n";
    }
    // checkpatch wants each Closes: right after the Reported-by: it belongs to.
    for (std::size_t i = 0; i < std::max(reported_by.size(), closes.size()); ++i) {
      if (i < reported_by.size()) mail += "Reported-by: " + reported_by[i] + "\n";
      if (i < closes.size()) mail += "Closes: " + closes[i] + "\n";
    }
    mail += "\n";
  } else if (!cause && culprit) {
    mail += wrap("If the commit is the fix, the issue can be closed as fixed by it.", kWidth);
    mail += "\n";
  }

  // The final crash, then the log.
  const std::string crash_commit = cause && culprit ? *culprit : start;
  CULPRIT_ASSIGN_OR_RETURN(const std::optional<Crash> crash,
                           crash_of(store, job, crash_commit, titles));
  if (crash) {
    mail += wrap(fmt::format("final crash, on commit {}:", short_hash(crash->commit)), kWidth);
    mail += "\n";
    for (const std::string& line : crash->report) mail += line + "\n";
    mail += "\n";
  }
  CULPRIT_ASSIGN_OR_RETURN(const std::vector<std::string> log, store.log(job.record.id));
  mail += wrap(fmt::format("bisection log (trimmed; all of it: culprit show {} --state {}):",
                           job.record.id, store.path()),
               kWidth);
  mail += "\n";
  for (const std::string& line : trimmed_log(log)) mail += line + "\n";
  return mail;
}

}  // namespace culprit::share
