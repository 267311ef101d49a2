// A job read back from its state file, as the sharing formats (mail_format.h, kcidb_format.h,
// bisect_log_format.h) see it: the record, its parameters and result document parsed, and the
// verdicts in the order the job reached them. Reading only: nothing here writes to the store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "store/store.h"
#include "vcs/repository.h"

namespace culprit::share {

struct RecordedJob {
  store::JobRecord record;
  nlohmann::json params;  // an object; empty when the record holds no readable parameters
  nlohmann::json result;  // the --json document; null while the job runs or when it has none
  std::vector<store::StepRecord> steps;

  bool cause() const;  // the mode: cause (first bad commit) or fix (first good one)
  // "found", "inconclusive", "horizon", "error", "cancelled"; "" without a result.
  std::string kind() const;
  // The single culprit of a found result.
  std::optional<std::string> culprit() const;
  // The commit the bisection started from: the one that crashed.
  std::string start() const;
  // A list of strings from the result (candidates, flags, recipients' to and cc...); missing
  // or mistyped entries read as empty. `path` is a JSON pointer such as "/recipients/to".
  std::vector<std::string> result_strings(const std::string& path) const;
  std::vector<std::string> param_strings(const std::string& key) const;
  // The tree the job recorded for `commit` (from its steps), "" when it never tested it.
  std::string tree_of(const std::string& commit) const;
};

// Job `id` of `store`, or its newest job when there is no id. Errors: "no such job: N in STATE",
// "no jobs in STATE", and the store's own.
Result<RecordedJob> load_job(const store::Store& store, std::optional<std::int64_t> id);

// The repository the job bisected: `path` when given (the repository moved), else the one its
// parameters name. Error: "job N records no repository; give --repo", or vcs's.
Result<vcs::Repository> open_repository(const RecordedJob& job, const std::string& path);

// The crash titles of the start commit's runs, the most frequent first (ties by name): the
// bug's names, the first of them the title a report leads with. Empty when it never crashed.
Result<std::vector<std::string>> bug_titles(const store::Store& store, const RecordedJob& job);

}  // namespace culprit::share
