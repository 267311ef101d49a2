// `culprit show --git-bisect-log`: a recorded job as a `git bisect log` file, so that
// `git bisect replay FILE` in the user's repository lands where culprit did: on the first bad
// commit of a found result ("X is the first bad commit"), on the same candidates for an
// inconclusive one ("There are only 'skip'ped commits left to test ... could be any of").
//
// A noisy search (bayes) may judge one commit both ways -- a batch without a crash on a commit
// that has the bug -- and git keeps every good mark and only the last bad one, so replaying the
// raw verdicts could land elsewhere. The file therefore keeps, for each tested commit in the
// order it was first tested, one verdict that agrees with culprit's answer (cause mode: a commit
// is bad exactly when the culprit is the commit or one of its ancestors) and leaves the others out
// as comments; it ends with the answer itself: the culprit bad and each of its parents good. Git
// then has one candidate left, the culprit, whatever the shape of the history: every ancestor of
// the culprit but itself is an ancestor of a good parent, and every good mark is a commit the
// culprit does not reach.
//
// Fix mode uses git's own terms for it: `git bisect start '--term-new=fixed'
// '--term-old=crashes'`, so that git names the "first fixed commit". A result without an answer
// (horizon, error, cancelled) gives each commit its last verdict, for the record.
#pragma once

#include <string>

#include "base/result.h"
#include "share/recorded_job.h"
#include "vcs/repository.h"

namespace culprit::share {

// The file's text. Errors come from the repository (a commit the job tested that it lacks).
Result<std::string> git_bisect_log(const RecordedJob& job, const vcs::Repository& repo);

}  // namespace culprit::share
