// The tests that boot a real kernel when CULPRIT_TEST_BZIMAGE names one (a bootable x86_64 bzImage
// with a serial console and initramfs support): locally (kernel_vm_test) and over SSH
// (vm_hosts_test).
#pragma once

#include <string>

#include "base/result.h"
#include "runner/qemu_runner.h"
#include "support/test_support.h"

namespace culprit::testing {

// CULPRIT_TEST_BZIMAGE, or "" when it is not set.
std::string real_kernel_image();

// A runner config booting `image` with culprit's initramfs around a reproducer that exits at
// once (made in `dir`), for a 2 s run time.
Result<runner::QemuRunConfig> real_kernel_config(const TempDir& dir, const std::string& image);

}  // namespace culprit::testing
