// `culprit show --mail`: a recorded job as a plain-text mail in the shape of syzbot's bisection
// mail, for `git send-email` or a mail client (nothing is sent). RFC 5322 headers (From, To and
// Cc from the culprit's recipients, Date, Subject naming the crash title; non-ASCII text as RFC
// 2047 encoded words, long headers folded), then a body whose prose is wrapped at 72 columns:
//
//   - the answer: the culprit with its author, date and subject ("culprit has bisected this issue
//     to:", fix mode "culprit suspects this issue was fixed by commit:"), or the candidates of an
//     inconclusive result, or the oldest commit that still crashed;
//   - the start commit, the git tree, what the search spent and how sure it is;
//   - the second look (verification and revert) and every doubt flag, in words ("the result is
//     unreliable: the culprit is a merge commit; ...");
//   - the tags for the fix: `Fixes: <12-char sha> ("subject")` as `git log --format='%h ("%s")'`
//     with core.abbrev=12 writes it, and the Reported-by: and Closes: the job names;
//   - the final crash: title and report of the crashing run (cause mode: the culprit's; fix mode:
//     the start commit's), verbatim -- wrapping a kernel report breaks the tools that read it;
//   - the bisection log, trimmed: each commit's run lines are counted into one line and the
//     posterior lines left out (the full log is `culprit show`), verbatim too.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "share/recorded_job.h"
#include "store/store.h"
#include "vcs/repository.h"

namespace culprit::share {

struct MailOptions {
  // The From: address, "Name <address>"; empty: the repository's configured user, else
  // "culprit <culprit@localhost>".
  std::string from;
  // Reported-by: and Closes: tags; empty: the ones the job recorded (culprit bisect
  // --reported-by, --closes).
  std::vector<std::string> reported_by;
  std::vector<std::string> closes;
  std::int64_t date = 0;  // the Date: header, seconds since the epoch
};

// The mail for a found, inconclusive or horizon result. Error: "job N has no result to mail
// (...)" for a job still running, cancelled or ended in an error; the store's and the
// repository's errors.
Result<std::string> bisection_mail(const RecordedJob& job, const store::Store& store,
                                   const vcs::Repository& repo, const MailOptions& options);

// `Fixes: 1d89c18a2b3c ("parser: reuse the token buffer")`.
std::string fixes_tag(const vcs::CommitInfo& commit);

// A doubt flag of the result in words ("merge": "the culprit is a merge commit"); unknown flags
// as they are.
std::string flag_in_words(std::string_view flag, bool cause);

// `text` (words separated by blanks) in lines of at most `width` columns, each starting with
// `indent`; a word longer than a line gets a line of its own.
std::string wrap(std::string_view text, std::size_t width, std::string_view indent = "");

}  // namespace culprit::share
