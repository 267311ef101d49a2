#include "share/bisect_log_format.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

namespace culprit::share {
namespace {

enum class Mark { old_state, new_state, skip };

// Git's words for the two states: cause mode's good/bad, or the fix-mode terms the start line
// sets (a crashing commit is the old state, a fixed one the new).
struct Terms {
  std::string old_term;
  std::string new_term;
  std::string operator()(Mark mark) const {
    return mark == Mark::old_state ? old_term : mark == Mark::new_state ? new_term : "skip";
  }
};

Mark mark_of(Verdict verdict, bool cause) {
  if (verdict == Verdict::skip) return Mark::skip;
  const bool crashed = verdict == Verdict::bad;
  return crashed == cause ? Mark::new_state : Mark::old_state;
}

// A commit the job tested and what each of its batches said, in the order it was first tested.
struct TestedCommit {
  std::string commit;
  std::vector<Mark> marks;
};

std::vector<TestedCommit> tested_commits(const RecordedJob& job) {
  std::vector<TestedCommit> tested;
  for (const store::StepRecord& step : job.steps) {
    // A revert is a commit culprit made; the user's history does not have it.
    if (step.phase == Phase::revert) continue;
    auto it = std::find_if(tested.begin(), tested.end(),
                           [&](const TestedCommit& seen) { return seen.commit == step.commit; });
    if (it == tested.end()) it = tested.insert(tested.end(), TestedCommit{step.commit, {}});
    it->marks.push_back(mark_of(step.verdict, job.cause()));
  }
  return tested;
}

class LogWriter {
 public:
  LogWriter(const vcs::Repository& repo, Terms terms) : repo_(repo), terms_(std::move(terms)) {}

  // "# bad: [hash] subject" then "git bisect bad hash", as git bisect log writes them.
  Status mark(Mark mark, const std::string& commit) {
    CULPRIT_ASSIGN_OR_RETURN(const std::string described, describe(commit));
    text_ +=
        fmt::format("# {}: {}\ngit bisect {} {}\n", terms_(mark), described, terms_(mark), commit);
    return {};
  }
  Status comment(const std::string& before, const std::string& commit,
                 const std::string& after = "") {
    CULPRIT_ASSIGN_OR_RETURN(const std::string described, describe(commit));
    text_ += fmt::format("# {}{}{}\n", before, described, after);
    return {};
  }
  void line(const std::string& text) { text_ += text + "\n"; }
  const std::string& text() const { return text_; }

 private:
  Result<std::string> describe(const std::string& commit) const {
    CULPRIT_ASSIGN_OR_RETURN(const vcs::CommitInfo info, repo_.commit(commit));
    return fmt::format("[{}] {}", info.hash, info.title);
  }

  const vcs::Repository& repo_;
  Terms terms_;
  std::string text_;
};

// The answer's commits that every other one reaches: the commit git must end on as "bad".
Result<std::optional<std::string>> newest_of(const vcs::Repository& repo,
                                             const std::vector<std::string>& answer) {
  for (const std::string& tip : answer) {
    bool reaches_all = true;
    for (const std::string& other : answer) {
      CULPRIT_ASSIGN_OR_RETURN(const bool reached, repo.is_ancestor(other, tip));
      reaches_all = reaches_all && reached;
    }
    if (reaches_all) return std::optional<std::string>(tip);
  }
  return std::optional<std::string>();
}

}  // namespace

Result<std::string> git_bisect_log(const RecordedJob& job, const vcs::Repository& repo) {
  const bool cause = job.cause();
  const Terms terms = cause ? Terms{"good", "bad"} : Terms{"crashes", "fixed"};
  std::vector<std::string> answer;
  if (std::optional<std::string> culprit = job.culprit()) {
    answer = {*culprit};
  } else if (job.kind() == "inconclusive") {
    answer = job.result_strings("/candidates");
  }
  // In git's terms a commit is in the new state exactly when one of the answer's commits is the
  // commit itself or one of its ancestors.
  auto new_by_answer = [&](const std::string& commit) -> Result<bool> {
    for (const std::string& first : answer) {
      CULPRIT_ASSIGN_OR_RETURN(const bool reached, repo.is_ancestor(first, commit));
      if (reached) return true;
    }
    return false;
  };

  LogWriter log(repo, terms);
  log.line(fmt::format("# culprit job {} ({}), {} bisection starting from {}: {}", job.record.id,
                       job.record.state, cause ? "cause" : "fix", job.start(),
                       job.kind().empty() ? "no result" : job.kind()));
  log.line("# replay in a clone of the repository: git bisect replay FILE");
  log.line(cause ? "git bisect start" : "git bisect start '--term-new=fixed' '--term-old=crashes'");

  const bool answered = !answer.empty();
  std::set<std::string> marked_old;
  for (const TestedCommit& tested : tested_commits(job)) {
    // The answer's own commits are marked last, as the answer.
    if (std::find(answer.begin(), answer.end(), tested.commit) != answer.end()) continue;
    auto decided = std::find_if(tested.marks.rbegin(), tested.marks.rend(),
                                [](Mark mark) { return mark != Mark::skip; });
    if (decided == tested.marks.rend()) {
      CULPRIT_TRY(log.mark(Mark::skip, tested.commit));
      continue;
    }
    Mark chosen = *decided;
    if (answered) {
      CULPRIT_ASSIGN_OR_RETURN(const bool is_new, new_by_answer(tested.commit));
      const Mark wanted = is_new ? Mark::new_state : Mark::old_state;
      if (std::find(tested.marks.begin(), tested.marks.end(), wanted) == tested.marks.end()) {
        CULPRIT_TRY(log.comment(fmt::format("left out: {} ", terms(chosen)), tested.commit,
                                " -- disagrees with the answer"));
        continue;
      }
      chosen = wanted;
    }
    CULPRIT_TRY(log.mark(chosen, tested.commit));
    if (chosen == Mark::old_state) marked_old.insert(tested.commit);
  }
  if (!answered) return log.text();

  CULPRIT_ASSIGN_OR_RETURN(const std::optional<std::string> newest, newest_of(repo, answer));
  if (!newest) {
    log.line("# the candidates are on separate branches: git cannot be left with just them");
    return log.text();
  }
  // The other candidates skipped, the newest one in the new state, and the parents outside the
  // answer in the old one: git's candidates are then the answer's commits and no others.
  for (const std::string& candidate : answer) {
    if (candidate != *newest) CULPRIT_TRY(log.mark(Mark::skip, candidate));
  }
  CULPRIT_TRY(log.mark(Mark::new_state, *newest));
  for (const std::string& candidate : answer) {
    CULPRIT_ASSIGN_OR_RETURN(const vcs::CommitInfo info, repo.commit(candidate));
    for (const std::string& parent : info.parents) {
      if (marked_old.count(parent) > 0) continue;
      if (std::find(answer.begin(), answer.end(), parent) != answer.end()) continue;
      CULPRIT_ASSIGN_OR_RETURN(const bool is_new, new_by_answer(parent));
      if (is_new) continue;
      CULPRIT_TRY(log.mark(Mark::old_state, parent));
      marked_old.insert(parent);
    }
  }
  const std::string first = cause ? "first bad commit" : "first fixed commit";
  if (answer.size() == 1) {
    CULPRIT_TRY(log.comment(first + ": ", answer.front()));
  } else {
    for (const std::string& candidate : answer) {
      CULPRIT_TRY(log.comment("possible " + first + ": ", candidate));
    }
  }
  return log.text();
}

}  // namespace culprit::share
