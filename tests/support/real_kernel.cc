#include "support/real_kernel.h"

#include <cstdlib>

#include "runner/initramfs.h"

namespace culprit::testing {

std::string real_kernel_image() {
  const char* image = std::getenv("CULPRIT_TEST_BZIMAGE");
  return image == nullptr ? "" : image;
}

Result<runner::QemuRunConfig> real_kernel_config(const TempDir& dir, const std::string& image) {
  write_file(dir / "repro.c", "int main(void) { return 0; }\n");
  CULPRIT_ASSIGN_OR_RETURN(const runner::VmFiles files,
                           runner::prepare_vm_files(dir / "vm", dir / "repro.c", ""));
  runner::QemuRunConfig config;
  config.initramfs = files.initramfs;
  config.kernel_image = [image](const runner::RunRequest&) { return image; };
  config.run_time = std::chrono::seconds(2);
  return config;
}

}  // namespace culprit::testing
