// The TOML job file (`culprit bisect --job FILE`): any `culprit bisect` option, one key per long
// option name without the dashes; the command line overrides it. For example:
//
//   kernel = true
//   repo = "linux"                  # paths are relative to the job file
//   bad = "HEAD"
//   good = ["v6.1"]
//   config = "kernel.config"
//   repro = "repro.c"
//   vms = 2
//   vm-memory = "512M"
//   run-time = 10
//
// This reads the file into settings as text; which keys exist and what their values mean is the
// CLI's (cli/kernel_options.h applies them to the options it knows).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace culprit::backend {

struct JobFileSetting {
  std::string key;
  // Each value as text, one per element of a list: strings as they are, but relative paths of
  // keys that name files (repo, config, repro, repro-bin, kernel-compilers, state, log, json)
  // taken from the job file's folder; booleans "true"/"false"; numbers in decimal.
  std::vector<std::string> values;
  bool bad_value = false;  // a value (or list element) that is no string, number or boolean
};

// The settings of the job file at `path`, by key. Relative paths are taken from `base_dir`, or
// from the file's folder when it is empty (a job submitted to `culprit serve` is stored in the
// service's folder, but its paths are the submitter's). Error: a file that cannot be read or is
// not TOML, "job file PATH:LINE: what is wrong".
Result<std::vector<JobFileSetting>> read_job_file(const std::string& path,
                                                  const std::string& base_dir = "");
// The same from the file's text (`path` names it in errors).
Result<std::vector<JobFileSetting>> parse_job_file(std::string_view text, const std::string& path,
                                                   const std::string& base_dir = "");

}  // namespace culprit::backend
