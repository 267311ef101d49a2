// `culprit show --kcidb`: a recorded job as KCIDB v4 report data (kernelci/kcidb-io, schema 4.0),
// the JSON that CI systems submit to KernelCI's common database:
//
//   checkouts  one per tested commit: its hash, subject, release tag, the repository URL (when
//              its "origin" remote is an https:// or git:// URL, as the schema asks), and in
//              `misc` the phases and verdicts culprit gave it; the culprit's (or an inconclusive
//              result's candidates') `misc` also holds the result itself
//   builds     one per built tree: status (valid), duration, compiler, architecture, the
//              kernel signature and the build log's tail
//   tests      one per run of the reproducer (path "reproducer"): FAIL crashed, PASS did not,
//              SKIP could not test, ERROR our side failed; duration, the crash title, and the
//              crash report (or the console's tail) as the log excerpt
//
// IDs are "<origin>:<16 hex of the job's key>-<commit|tree|tree-run>", unique across jobs and
// state files. docs/kcidb-schema.json holds the schema's required fields and property names; the
// integration tests validate this output against it.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "share/recorded_job.h"
#include "store/store.h"
#include "vcs/repository.h"

namespace culprit::share {

struct KcidbOptions {
  // The submitting CI system's name, KCIDB's `origin`: lower-case letters, digits, "_".
  std::string origin = "culprit";
};

// The report data. Errors: an origin the schema does not accept; the store's.
Result<nlohmann::json> kcidb_report(const RecordedJob& job, const store::Store& store,
                                    const vcs::Repository& repo, const KcidbOptions& options);

}  // namespace culprit::share
