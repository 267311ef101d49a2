// Config minimization's pure logic: reading a .config, the diff against the base, the options that
// are always kept, and the delta debugging search driven by scripted outcomes (which options a
// "bug" needs, what olddefconfig drops with them, a flaky verdict, the build budget).
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "kconfig/config_set.h"
#include "kconfig/kept_options.h"
#include "kconfig/minimizer.h"

namespace culprit::kconfig {
namespace {

TEST(ConfigSetTest, ReadsSetOptionsAndIgnoresTheRest) {
  ConfigValues config = parse_config(
      "#\n# Automatically generated file; DO NOT EDIT.\n#\nCONFIG_64BIT=y\nCONFIG_EXT4_FS=m\n"
      "# CONFIG_NET is not set\nCONFIG_LOG_BUF_SHIFT=17\nCONFIG_CMDLINE=\"a b\"\nCONFIG_=y\n"
      "garbage\n");
  EXPECT_EQ(config.size(), 4u);
  EXPECT_EQ(config["CMDLINE"], "\"a b\"");
  EXPECT_TRUE(enabled(config, "64BIT"));
  EXPECT_TRUE(enabled(config, "EXT4_FS"));  // a module is on
  EXPECT_FALSE(enabled(config, "NET"));
  EXPECT_FALSE(enabled(config, "LOG_BUF_SHIFT"));  // a number is not an option that is on
  EXPECT_EQ(count_enabled(config), 2u);
}

TEST(ConfigSetTest, DiffIsWhatFullAddsOverBaseWithoutKeptOptions) {
  ConfigValues base = parse_config("CONFIG_64BIT=y\nCONFIG_TTY=y\n");
  ConfigValues full = parse_config(
      "CONFIG_64BIT=y\nCONFIG_TTY=y\nCONFIG_NET=y\nCONFIG_EXT2_FS=m\nCONFIG_KASAN=y\n"
      "CONFIG_HZ=250\n# CONFIG_MINIX_FS is not set\nCONFIG_BLOCK=y\n");
  auto kept = [](const std::string& name) { return why_kept(name).has_value(); };
  EXPECT_EQ(config_diff(base, full, kept), (std::vector<std::string>{"BLOCK", "EXT2_FS", "NET"}));
}

TEST(ConfigSetTest, DroppingRewritesOnlyThoseLines) {
  const std::string full =
      "# comment\nCONFIG_NET=y\nCONFIG_INET=y\n# CONFIG_EXT2_FS is not set\nCONFIG_HZ=250\n";
  EXPECT_EQ(without_options(full, {"NET", "EXT2_FS", "ABSENT"}),
            "# comment\n# CONFIG_NET is not set\nCONFIG_INET=y\n# CONFIG_EXT2_FS is not set\n"
            "CONFIG_HZ=250\n");
  EXPECT_EQ(missing_options(parse_config(full), {"NET", "EXT2_FS", "INET"}),
            (std::vector<std::string>{"EXT2_FS"}));
}

TEST(KeptOptionsTest, DetectorsAndReportingAreKeptDriversAreNot) {
  for (const char* name :
       {"KASAN", "KASAN_GENERIC", "KFENCE", "UBSAN_BOUNDS", "LOCKDEP", "PROVE_LOCKING",
        "DEBUG_KERNEL", "DEBUG_ATOMIC_SLEEP", "DEBUG_VM_PGFLAGS", "KALLSYMS", "BUG", "UNWINDER_ORC",
        "DETECT_HUNG_TASK"}) {
    EXPECT_TRUE(why_kept(name).has_value()) << name;
  }
  for (const char* name :
       {"NET", "EXT4_FS", "USB", "DEBUG_INFO", "DEBUG_FS", "KASANX_NOT_A_PREFIX_MATCH_X"}) {
    if (std::string(name).starts_with("KASAN")) continue;
    EXPECT_FALSE(why_kept(name).has_value()) << name;
  }
  for (const KeptOptionRule& rule : kept_option_rules()) EXPECT_FALSE(rule.why.empty());
}

// Runs the search to its end against a "kernel" in which the bug shows iff every option of
// `needed` is on; `implied` lists options olddefconfig turns off with another (dependents).
struct Scripted {
  std::set<std::string> needed;
  std::map<std::string, std::string> depends_on;  // option -> what it depends on
  std::function<bool(int)> flaky_miss;            // candidate number -> verdict lost to noise
};

std::vector<std::set<std::string>> run_search(ConfigMinimizer& minimizer, const Scripted& script,
                                              const std::vector<std::string>& diff) {
  std::vector<std::set<std::string>> groups;
  int number = 0;
  while (auto candidate = minimizer.next()) {
    groups.push_back(candidate->group);
    CandidateOutcome outcome;
    for (const std::string& name : diff) {
      bool on = !candidate->drop.count(name);
      auto dep = script.depends_on.find(name);
      if (dep != script.depends_on.end() && candidate->drop.count(dep->second)) on = false;
      if (on) outcome.still_on.insert(name);
    }
    outcome.reproduced = true;
    for (const std::string& name : script.needed) {
      if (!outcome.still_on.count(name)) outcome.reproduced = false;
    }
    if (script.flaky_miss && script.flaky_miss(++number)) outcome.reproduced = false;
    minimizer.record(outcome);
  }
  return groups;
}

Scripted needs(std::set<std::string> needed, std::map<std::string, std::string> depends_on = {},
               std::function<bool(int)> flaky_miss = nullptr) {
  Scripted script;
  script.needed = std::move(needed);
  script.depends_on = std::move(depends_on);
  script.flaky_miss = std::move(flaky_miss);
  return script;
}

std::vector<std::string> options(int count) {
  std::vector<std::string> names;
  for (int i = 0; i < count; ++i) names.push_back("OPT" + std::to_string(100 + i));
  return names;
}

TEST(ConfigMinimizerTest, DropsEverythingWithOneBuildWhenTheBugNeedsNothing) {
  ConfigMinimizer minimizer(options(200), 16);
  auto groups = run_search(minimizer, {}, options(200));
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].size(), 200u);
  EXPECT_TRUE(minimizer.kept().empty());
  EXPECT_EQ(minimizer.dropped().size(), 200u);
  EXPECT_EQ(minimizer.builds(), 1u);
  EXPECT_EQ(minimizer.stop_reason(), "nothing left to drop");
}

TEST(ConfigMinimizerTest, HalvesDownToTheOptionsTheBugNeeds) {
  std::vector<std::string> diff = options(64);
  ConfigMinimizer minimizer(diff, 100);
  run_search(minimizer, needs({"OPT117", "OPT150"}), diff);
  EXPECT_EQ(minimizer.kept(), (std::vector<std::string>{"OPT117", "OPT150"}));
  EXPECT_EQ(minimizer.dropped().size(), 62u);
  EXPECT_EQ(minimizer.stop_reason(), "every option left is needed");
  // Far fewer builds than one per option.
  EXPECT_LT(minimizer.builds(), 40u);
}

TEST(ConfigMinimizerTest, ANeededOptionsDependencyStaysEvenWhenNotNamed) {
  // NET_DRIVER needs NET: dropping NET makes olddefconfig drop NET_DRIVER, and the bug goes.
  std::vector<std::string> diff = {"A_FS", "B_FS", "NET", "NET_DRIVER", "USB", "ZZZ"};
  ConfigMinimizer minimizer(diff, 100);
  run_search(minimizer, needs({"NET_DRIVER"}, {{"NET_DRIVER", "NET"}}), diff);
  EXPECT_EQ(minimizer.kept(), (std::vector<std::string>{"NET", "NET_DRIVER"}));
}

TEST(ConfigMinimizerTest, OptionsOlddefconfigTurnsOffWithAGroupAreDroppedWithIt) {
  // Dropping the group holding BLOCK also turns off EXT2_FS, which sits in another group.
  std::vector<std::string> diff = {"AAA", "BLOCK", "NEEDED", "ZZZ_EXT2_FS"};
  ConfigMinimizer minimizer(diff, 100);
  run_search(minimizer, needs({"NEEDED"}, {{"ZZZ_EXT2_FS", "BLOCK"}}), diff);
  EXPECT_EQ(minimizer.kept(), (std::vector<std::string>{"NEEDED"}));
}

TEST(ConfigMinimizerTest, AMissedVerdictOnlyKeepsOptions) {
  // A flaky reproducer that stays quiet on a candidate costs minimality, never a needed option.
  std::vector<std::string> diff = options(32);
  ConfigMinimizer minimizer(diff, 100);
  run_search(minimizer, needs({"OPT103"}, {}, [](int n) { return n % 3 == 0; }), diff);
  std::vector<std::string> kept = minimizer.kept();
  EXPECT_NE(std::find(kept.begin(), kept.end(), "OPT103"), kept.end());
  EXPECT_LT(kept.size(), 16u);
}

TEST(ConfigMinimizerTest, TheBuildBudgetStopsTheSearchKeepingWhatWasNotDropped) {
  std::vector<std::string> diff = options(64);
  ConfigMinimizer minimizer(diff, 3);
  run_search(minimizer, needs({"OPT101"}), diff);
  EXPECT_EQ(minimizer.builds(), 3u);
  EXPECT_EQ(minimizer.stop_reason(), "build budget spent (3 builds)");
  // All (the bug goes), the half with OPT101 (it goes), the other half (dropped): 3 builds.
  EXPECT_EQ(minimizer.dropped().size(), 32u);
  std::vector<std::string> kept = minimizer.kept();
  EXPECT_NE(std::find(kept.begin(), kept.end(), "OPT101"), kept.end());
}

TEST(ConfigMinimizerTest, CandidatesNotBuiltDoNotSpendTheBudget) {
  std::vector<std::string> diff = options(8);
  ConfigMinimizer minimizer(diff, 1);
  auto first = minimizer.next();
  ASSERT_TRUE(first.has_value());
  CandidateOutcome untestable;
  untestable.built = false;  // olddefconfig lost a kept option: nothing was built
  minimizer.record(untestable);
  EXPECT_EQ(minimizer.builds(), 0u);
  EXPECT_EQ(minimizer.candidates(), 1u);
  auto second = minimizer.next();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->group.size(), 4u);  // split in two after "drop all" failed
  EXPECT_TRUE(minimizer.stop_reason().empty());
}

TEST(ConfigMinimizerTest, EmptyDiffHasNothingToDo) {
  ConfigMinimizer minimizer({}, 16);
  EXPECT_FALSE(minimizer.next().has_value());
  EXPECT_EQ(minimizer.stop_reason(), "nothing left to drop");
}

}  // namespace
}  // namespace culprit::kconfig
