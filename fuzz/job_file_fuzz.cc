// libFuzzer target for the TOML job file: any bytes must give settings or a one-line error naming
// the file, never a crash or an exception. Built and run by fuzz/build_and_run.sh job_file.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "backend/job_file.h"
#include "require.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto settings = culprit::backend::parse_job_file(text, "/jobs/fuzz.toml");
  if (!settings) {
    const std::string& message = settings.error().message;
    require(message.find("/jobs/fuzz.toml") != std::string::npos);
    return 0;
  }
  // A TOML table holds each key once.
  std::set<std::string> keys;
  for (const auto& setting : *settings) require(keys.insert(setting.key).second);
  return 0;
}
