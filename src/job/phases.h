// The phases of a bisection job, each a function of the JobContext, one file each. bisect_job.cc
// ties them together in the order syzbot's bisect.Run does (reference §1):
//
//   start_check      the start commit must crash; in fix mode the fixed end must not
//   config_minimization  kernel: a smaller config on the start commit that still crashes
//   release_walk     cause mode without --good: walk back release tags to a good one
//   search_loop      bisect the range: the strategy picks, evaluation tests, the strategy learns
//   verify           more runs of a single culprit and its parents
//   revert_check     the culprit reverted onto the end it was found from
//   result           signature lines, doubt flags, recipients, the log's last lines and the JSON
//
// and the pieces they share:
//
//   evaluation       one commit: checkout -> build -> runs -> parse, replayed from the store
//   judge            a batch's runs turned into a verdict, logged and recorded as a step
//   measure          batches on one commit until its runs say whether the bug is there
//   merge_base_check fix mode: was the bug ever introduced in a commit's history?
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "job/job_context.h"

namespace culprit::job {

// --- evaluation.cc ---
// Builds `commit` when needed and runs its next batch of `runs` runs (runs already recorded in
// the store are taken from there). Logs the build and signature lines; the caller judges the runs
// (judge.cc). `first_run` overrides where the batch starts (default: after the runs the strategy
// has seen, for a strategy that revisits; else 0).
Result<TestedCommit> evaluate(JobContext& job, const std::string& commit, Phase phase, int runs,
                              std::optional<int> first_run = std::nullopt);
// Builds, at the same time, those of `commits` that have no usable build yet, each in its own
// slot. What fails here is left for evaluate() to report.
Status build_in_parallel(JobContext& job, const std::vector<std::string>& commits);
// `commit` checked out in the slot its build goes to, as a request for the builder's other work
// on it (the kernel builder's config resolution).
Result<builder::BuildRequest> checkout_for(JobContext& job, const std::string& commit);
// Builds `commit` (a parent never tested) with the toolchain chosen for `compiler_commit`.
Result<store::BuildRecord> build_with_compiler_of(JobContext& job, const std::string& commit,
                                                  const std::string& compiler_commit);

// --- judge.cc ---
// Logs how the batch's runs count, records the step and emits the verdict. An error when infra
// errors leave nothing to trust.
Status conclude(JobContext& job, TestedCommit& tested, const search::VerdictDecision& decision);
// A commit outside the range search (start, release, head): batches until the strategy decides.
Result<TestedCommit> judge(JobContext& job, const std::string& commit, Phase phase);

// --- measure.cc ---
// The bug's titles, learned once from the start commit's recorded runs.
Result<search::BugTitles> bug_titles(JobContext& job);
// What every recorded run of `tree` (whatever phase ran it) says about the bug being there.
Result<search::BugPresence> presence(JobContext& job, const std::string& tree);
// Runs batches on `commit` until its runs say with --confidence whether the bug is there, or
// `max_batches` new batches were spent; each batch is a step of `phase`. `built` false: the
// commit does not build.
struct Measured {
  search::BugPresence presence;
  bool built = true;
};
Result<Measured> measure(JobContext& job, const std::string& commit, Phase phase, int max_batches);

// --- merge_base_check.cc ---
// Fix mode: whether the bug was ever introduced in `commit`'s history; nothing: cannot tell.
Result<std::optional<bool>> bug_introduced(JobContext& job, const std::string& commit);
// Fix mode: what a range commit without the bug (`known`) or that cannot be told is to the
// strategy.
search::Recorded not_introduced(JobContext& job, const search::TestOrder& order, bool known);

// --- start_check.cc ---
// Tests the commit the bisection starts from; an error when it does not crash.
Result<TestedCommit> check_start(JobContext& job);
// Fix mode: tests the fixed end. Returns false with `result` set (horizon) when it still crashes.
Result<bool> check_fixed_end(JobContext& job, const std::string& fixed, BisectResult& result);

// --- config_minimization.cc ---
// Kernel backend, right after the start commit crashed: searches the options the bug's config has
// beyond the base for the ones the bug needs (kconfig/minimizer.h), each candidate resolved by
// make olddefconfig, built and measured on the start commit with the bug's titles; writes the
// minimized config and a log of what was dropped, and from then on the job builds with it
// (JobContext::config). Adds "config_minimization" to the JSON.
Status minimize_config(JobContext& job, BisectResult& result);

// --- release_walk.cc ---
// Cause mode without --good: finds a good end among the release tags reachable from `bad` --
// classic: syzbot's thinned list, newest first, until one is good; bayes: chosen by the evidence,
// and with no release tags among first-parent ancestors at doubling distances. Returns the good
// end's commit (and moves `bad` to the oldest end known to crash), or nothing with `result` set
// (horizon or error).
Result<std::optional<std::string>> walk_releases(JobContext& job, std::string& bad,
                                                 BisectResult& result);

// --- search_loop.cc ---
// Bisects between `bad` (the new end) and `goods` (the old ends) until the strategy stops; sets
// `result` (found, inconclusive, horizon).
Status search_range(JobContext& job, const std::string& bad, const std::vector<std::string>& goods,
                    BisectResult& result);

// --- verify.cc ---
// More runs of the culprit and its parents until they agree with --confidence; flags
// verify-failed. Adds "verification" to the JSON.
void verify(JobContext& job, const std::string& culprit, BisectResult& result);

// --- revert_check.cc ---
// The culprit reverted onto the end it was found from: in cause mode onto the start commit (the
// crash should go), in fix mode onto the fixed end (the crash should come back). Flags
// revert-still-crashes / revert-no-crash / revert-not-applied; adds verification.revert.
void check_revert(JobContext& job, const std::string& culprit, const std::string& onto,
                  BisectResult& result);

// --- result.cc ---
// Flags merge/release and, when the parent's build is known or can be made, prints the culprit
// and parent signatures (flag noop when equal).
void add_signature_lines(JobContext& job, const std::string& culprit, BisectResult& result);
// Doubt flags beyond the signature, and the people to tell.
void add_doubts_and_recipients(JobContext& job, const std::string& culprit, BisectResult& result);
// The closing lines of the log, the JSON document, the job's final state in the store.
BisectResult finish(JobContext& job, BisectResult result);

}  // namespace culprit::job
