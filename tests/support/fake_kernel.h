// A git repository that passes for a Linux tree in `culprit bisect --kernel`'s checks (the files
// they look for, a Makefile whose olddefconfig is scripted), for the tests that drive the kernel
// backend through the binary without building a kernel.
#pragma once

#include <string>

#include "support/test_support.h"

namespace culprit::testing {

// A .config holding every option the kernel backend requires for booting.
std::string good_config();

// The files the kernel tree check looks for (Kconfig, arch/x86/Makefile, scripts/kconfig/conf.c)
// in `tree`, with `makefile` as its Makefile, not committed: a stand-in whose olddefconfig and
// bzImage do what the Makefile says.
void write_fake_kernel_tree(const std::string& tree, const std::string& makefile);

// The fake tree at DIR/linux, committed on branch main. `olddefconfig_recipe` is the Makefile
// recipe of olddefconfig (it may rewrite $(O)/.config or fail); bzImage always fails, naming
// "fake.c:1:1: error: not a real kernel".
std::string make_fake_kernel(const TempDir& dir, const std::string& olddefconfig_recipe);

}  // namespace culprit::testing
