#include "support/fake_kernel.h"

#include <filesystem>

#include "builder/kernel_builder.h"

namespace culprit::testing {

namespace fs = std::filesystem;

std::string good_config() {
  std::string text;
  for (const std::string& option : builder::required_boot_options()) {
    text += "CONFIG_" + option + "=y\n";
  }
  return text;
}

std::string make_fake_kernel(const TempDir& dir, const std::string& olddefconfig_recipe) {
  std::string repo = dir / "linux";
  fs::create_directories(repo + "/arch/x86");
  fs::create_directories(repo + "/scripts/kconfig");
  write_file(repo + "/Kconfig", "mainmenu \"fake\"\n");
  write_file(repo + "/arch/x86/Makefile", "\n");
  write_file(repo + "/scripts/kconfig/conf.c", "\n");
  write_file(repo + "/Makefile", "olddefconfig:\n" + olddefconfig_recipe +
                                     "bzImage:\n\t@echo 'fake.c:1:1: error: not a real kernel'\n"
                                     "\t@false\n");
  git(repo, {"init", "-q", "-b", "main"});
  git(repo, {"add", "-A"});
  git(repo, {"commit", "-q", "-m", "fake kernel"});
  return repo;
}

}  // namespace culprit::testing
