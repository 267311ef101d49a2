#include "support/fake_kernel.h"

#include "builder/kernel_builder.h"

namespace culprit::testing {

std::string good_config() {
  std::string text;
  for (const std::string& option : builder::required_boot_options()) {
    text += "CONFIG_" + option + "=y\n";
  }
  return text;
}

void write_fake_kernel_tree(const std::string& tree, const std::string& makefile) {
  write_file(tree + "/Kconfig", "mainmenu \"fake\"\n");
  write_file(tree + "/arch/x86/Makefile", "\n");
  write_file(tree + "/scripts/kconfig/conf.c", "\n");
  write_file(tree + "/Makefile", makefile);
}

std::string make_fake_kernel(const TempDir& dir, const std::string& olddefconfig_recipe) {
  std::string repo = dir / "linux";
  write_fake_kernel_tree(repo, "olddefconfig:\n" + olddefconfig_recipe +
                                   "bzImage:\n\t@echo 'fake.c:1:1: error: not a real kernel'\n"
                                   "\t@false\n");
  git(repo, {"init", "-q", "-b", "main"});
  git(repo, {"add", "-A"});
  git(repo, {"commit", "-q", "-m", "fake kernel"});
  return repo;
}

}  // namespace culprit::testing
