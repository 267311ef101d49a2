// The build farm's pure parts: the --build-farm spec, the make environment and CC it adds, make -j,
// the compilers it checks, the fallback note from distcc's real messages, and .comment reading.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "builder/build_farm.h"
#include "builder/build_farm_check.h"
#include "builder/compiler_table.h"
#include "support/test_support.h"

namespace culprit::testing {
namespace {

using builder::BuildFarm;

std::string parse_error(const std::string& spec) {
  Result<BuildFarm> farm = BuildFarm::parse(spec);
  return farm.ok() ? "(parsed)" : farm.error().message;
}

TEST(BuildFarmSpec, HostsWithDefaultsPortsAndSlots) {
  Result<BuildFarm> farm =
      BuildFarm::parse("distcc://10.0.0.5?slots=8, distcc://build2.lan:3700,distcc://127.0.0.1");
  ASSERT_TRUE(farm.ok()) << farm.error().message;
  ASSERT_EQ(farm->hosts.size(), 3u);
  EXPECT_EQ(farm->hosts[0].host, "10.0.0.5");
  EXPECT_EQ(farm->hosts[0].port, 3632);
  EXPECT_EQ(farm->hosts[0].slots, 8);
  EXPECT_EQ(farm->hosts[1].address(), "build2.lan:3700");
  EXPECT_EQ(farm->hosts[1].slots, 2);
  EXPECT_EQ(farm->slots(), 12);
  EXPECT_EQ(farm->distcc_hosts(), "10.0.0.5:3632/8 build2.lan:3700/2 127.0.0.1:3632/2");
  EXPECT_EQ(farm->make_jobs(2), 14);  // the farm's slots and the local CPUs
  EXPECT_EQ(farm->summary(14), "distcc, 3 hosts, 12 slots, make -j14");
  Result<BuildFarm> one = BuildFarm::parse("distcc://127.0.0.1:3632?slots=4");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->summary(6), "distcc, 1 host, 4 slots, make -j6");
}

TEST(BuildFarmSpec, ErrorsNameTheBadPart) {
  EXPECT_EQ(parse_error("distcc://a,icecc://b"),
            "bad --build-farm `icecc://b`: only distcc:// is supported (icecc needs a scheduler, "
            "chroot'ed compilers and root)");
  EXPECT_EQ(parse_error("10.0.0.5"),
            "bad --build-farm `10.0.0.5`: expected distcc://HOST[:PORT][?slots=N]");
  EXPECT_EQ(parse_error("distcc://h:99999"),
            "bad --build-farm `distcc://h:99999`: the port must be a number from 1 to 65535");
  EXPECT_EQ(parse_error("distcc://h?slots=0"),
            "bad --build-farm `distcc://h?slots=0`: slots must be a number from 1 to 1000");
  EXPECT_EQ(parse_error("distcc://h?jobs=4"),
            "bad --build-farm `distcc://h?jobs=4`: unknown option `jobs=4` (only slots=N)");
  EXPECT_EQ(parse_error("distcc://localhost"),
            "bad --build-farm `distcc://localhost`: use 127.0.0.1 for a distccd on this machine");
  EXPECT_EQ(parse_error("distcc://:3632"), "bad --build-farm `distcc://:3632`: no host");
  EXPECT_EQ(parse_error("distcc://a,,distcc://b"),
            "bad --build-farm `distcc://a,,distcc://b`: empty host entry (expected "
            "distcc://HOST,...)");
  EXPECT_EQ(parse_error("distcc://a,distcc://a:3632"),
            "bad --build-farm `distcc://a:3632`: host listed twice");
  EXPECT_EQ(parse_error("distcc://a/b"),
            "bad --build-farm `distcc://a/b`: expected distcc://HOST[:PORT][?slots=N]");
  EXPECT_EQ(parse_error(""), "bad --build-farm ``: empty host entry (expected distcc://HOST,...)");
}

TEST(BuildFarmSpec, MakeEnvironmentAndCompilerCommand) {
  Result<BuildFarm> farm = BuildFarm::parse("distcc://127.0.0.1?slots=4");
  ASSERT_TRUE(farm.ok());
  const auto env = builder::farm_make_env(*farm, "/state.d/job-1");
  EXPECT_EQ(env.at("DISTCC_HOSTS"), "127.0.0.1:3632/4");  // never localhost
  EXPECT_EQ(env.at("DISTCC_FALLBACK"), "1");
  EXPECT_EQ(env.at("DISTCC_DIR"), "/state.d/job-1/distcc");
  EXPECT_EQ(env.at("CCACHE_PREFIX"), "distcc");
  for (const auto& [name, value] : env) {
    EXPECT_FALSE(contains(value, ",cpp")) << name << ": pump mode";
    EXPECT_NE(name, "INCLUDE_SERVER_PORT");
  }
  EXPECT_EQ(env.size(), 4u);
  EXPECT_EQ(builder::farm_state_dir("/state.d/job-1"), "/state.d/job-1/distcc");

  // ccache in front (a hit never reaches the farm), else distcc; the table's compiler after it.
  EXPECT_EQ(builder::farm_compiler_command("gcc", true), "ccache gcc");
  EXPECT_EQ(builder::farm_compiler_command("gcc", false), "distcc gcc");
  EXPECT_EQ(builder::farm_compiler_command("gcc-12 -fno-pie", false), "distcc gcc-12 -fno-pie");
  EXPECT_EQ(builder::farm_compiler_command("ccache gcc-10", false), "ccache gcc-10");
  EXPECT_EQ(builder::farm_compiler_command("", false), "distcc gcc");
}

TEST(BuildFarmSpec, CompilersToCheckComeFromTheTable) {
  EXPECT_EQ(builder::farm_compilers(std::nullopt), std::vector<std::string>{"gcc"});
  auto table = builder::CompilerTable::parse(
      "v6.1 ccache gcc-12 -O2\nv5.10 gcc-10\nv5.4 gcc-10\ndefault gcc-8\n", "table");
  ASSERT_TRUE(table.ok()) << table.error().message;
  EXPECT_EQ(builder::farm_compilers(*table),
            (std::vector<std::string>{"gcc-12", "gcc-10", "gcc-8"}));
  auto no_default = builder::CompilerTable::parse("v6.1 clang-14\n", "table");
  ASSERT_TRUE(no_default.ok());
  EXPECT_EQ(builder::farm_compilers(*no_default), (std::vector<std::string>{"clang-14", "gcc"}));
}

// distcc 3.4's messages as they appear in make's output (seen with a distccd killed mid-build).
TEST(BuildFarmSpec, FallbackNoteCountsCompilesThatRanLocally) {
  const std::string output =
      "gcc -O2 -c src/file1.c -o obj/file1.o\n"
      "distcc[9389] ERROR: nonblocking connect to 127.0.0.1:36321 failed: Connection refused\n"
      "distcc[9389] Warning: failed to distribute src/file7.c to 127.0.0.1:36321/2, running "
      "locally instead\n"
      "distcc[9395] (dcc_build_somewhere) Warning: failed to distribute, running locally "
      "instead\n"
      "distcc[9401] ERROR: compile src/file9.c on 10.0.0.5:3632/8 failed with exit code 110\n"
      "distcc[9401] (dcc_build_somewhere) Warning: remote compilation of 'src/file9.c' failed, "
      "retrying locally\n"
      "distcc[9399] (dcc_build_somewhere) Warning: failed to distribute, running locally "
      "instead\n";
  EXPECT_EQ(builder::farm_fallback_note(output),
            "build farm: 4 compiles ran locally (distcc: failed to distribute, running locally "
            "instead; host 127.0.0.1:36321: Connection refused; host 10.0.0.5:3632: compile "
            "failed with exit code 110)");
  EXPECT_EQ(builder::farm_fallback_note(
                "distcc[1] (dcc_build_somewhere) Warning: failed to distribute, running locally "
                "instead\n"),
            "build farm: 1 compile ran locally (distcc: failed to distribute, running locally "
            "instead)");
  EXPECT_FALSE(builder::farm_fallback_note("gcc -c a.c\nld -r -o vmlinux a.o\n").has_value());
  // One compile that distcc gives up on twice over ("retrying locally", then "failed to
  // distribute") counts once.
  const std::string twice =
      "distcc[77] (dcc_build_somewhere) Warning: remote compilation of 'a.c' failed, retrying "
      "locally\n"
      "distcc[77] Warning: failed to distribute a.c to 10.0.0.5:3632/2, running locally instead\n";
  EXPECT_EQ(builder::farm_fallback_note(twice),
            "build farm: 1 compile ran locally (distcc: remote compilation of 'a.c' failed, "
            "retrying locally)");
  // Broken code, as the bundled kernel example's broken commit gave it: the host's compile fails,
  // distcc tries here and fails too. That is the build's own error, not the farm's.
  EXPECT_FALSE(builder::farm_fallback_note(
                   "distcc[11574] ERROR: compile ../checkout/lib/cmdline.c on 127.0.0.1:43905/2 "
                   "failed\n"
                   "distcc[11574] (dcc_build_somewhere) Warning: remote compilation of "
                   "'../checkout/lib/cmdline.c' failed, retrying locally\n"
                   "distcc[11574] Warning: failed to distribute ../checkout/lib/cmdline.c to "
                   "127.0.0.1:43905/2, running locally instead\n"
                   "distcc[11574] ERROR: compile ../checkout/lib/cmdline.c on localhost failed\n"
                   "../checkout/lib/cmdline.c:63:14: error: 'cur' undeclared\n")
                   .has_value());
  // A source line that merely mentions distcc is not distcc speaking.
  EXPECT_FALSE(builder::farm_fallback_note("  CC  running locally instead.c\n").has_value());
}

TEST(BuildFarmSpec, ElfCommentIsTheCompilersIdent) {
  TempDir dir;
  write_file(dir / "probe.c", "int probe(void) { return 1; }\n");
  must_run({"cc", "-c", "probe.c", "-o", "probe.o"}, dir.path());
  Result<std::string> comment = builder::elf_comment(dir / "probe.o");
  ASSERT_TRUE(comment.ok()) << comment.error().message;
  EXPECT_EQ(*comment, must_run({"sh", "-c",
                                "readelf -p .comment probe.o | sed -n "
                                "'s/^ *\\[ *[0-9a-f]*\\]  //p' | paste -sd ';' | "
                                "sed 's/;/; /g'"},
                               dir.path()));
  EXPECT_TRUE(comment->starts_with("GCC: (")) << *comment;
  must_run({"cc", "-fno-ident", "-c", "probe.c", "-o", "bare.o"}, dir.path());
  EXPECT_EQ(builder::elf_comment(dir / "bare.o").value_or("(error)"), "");
  EXPECT_FALSE(builder::elf_comment(dir / "probe.c").ok());
  EXPECT_FALSE(builder::elf_comment(dir / "missing.o").ok());
}

}  // namespace
}  // namespace culprit::testing
