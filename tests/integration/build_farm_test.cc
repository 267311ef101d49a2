// The build farm against real distccd daemons on 127.0.0.1 (support/distcc_daemon.h): the
// up-front check (a probe through each host, its compiler's .comment compared with a local
// compile's), KernelBuilder building a stand-in kernel of 40 C files through the farm (jobs in
// distccd's log, none on a warm ccache, a daemon killed mid-build falls back to local compiles
// and the build says so, farm-built objects byte-identical to local ones), and `culprit bisect
// --kernel` with the job file's build-farm key.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <future>
#include <string>
#include <vector>

#include "base/cpu.h"
#include "base/executables.h"
#include "builder/build_farm.h"
#include "builder/build_farm_check.h"
#include "builder/kernel_builder.h"
#include "support/culprit_binary.h"
#include "support/distcc_daemon.h"
#include "support/fake_kernel.h"
#include "support/test_support.h"

namespace culprit::testing {
namespace {

namespace fs = std::filesystem;
using builder::BuildFarm;
using builder::BuildResult;
using builder::FarmCheckOptions;

constexpr int kSourceFiles = 40;

BuildFarm farm_of(const std::string& spec) {
  Result<BuildFarm> farm = BuildFarm::parse(spec);
  EXPECT_TRUE(farm.ok()) << farm.error().message;
  return farm.ok() ? *farm : BuildFarm{};
}

FarmCheckOptions check_options(const TempDir& dir, std::vector<std::string> compilers,
                               bool through_ccache = false) {
  FarmCheckOptions options;
  options.compilers = std::move(compilers);
  options.through_ccache = through_ccache;
  options.scratch_dir = dir / "farm-check";
  options.timeout = std::chrono::seconds(30);
  return options;
}

// A folder of links to this machine's programs, for a distccd $PATH that has some compilers and
// not others (gcc finds cc1 beside its real path, but looks `as` up in $PATH).
std::string host_bin(const TempDir& dir, const std::vector<std::string>& programs) {
  const std::string bin = dir / "host-bin";
  fs::create_directories(bin);
  ::chmod(bin.c_str(), 0755);
  ::chmod(dir.path().c_str(), 0755);  // distccd runs as the user distccd
  for (const std::string& program : programs) {
    std::optional<std::string> path = find_executable(program);
    EXPECT_TRUE(path.has_value()) << program << " is not installed";
    if (path) fs::create_symlink(*path, bin + "/" + program);
  }
  return bin;
}

TEST(BuildFarmCheck, ProbePassesAgainstARealDaemon) {
  TempDir dir;
  auto daemon = DistccDaemon::start();
  ASSERT_TRUE(daemon);
  const BuildFarm farm = farm_of(daemon->farm_spec());
  Status plain = builder::check_build_farm(farm, check_options(dir, {"gcc"}));
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  Status through_ccache = builder::check_build_farm(farm, check_options(dir, {"gcc"}, true));
  ASSERT_TRUE(through_ccache.ok()) << through_ccache.error().message;
  // Both probes were compiled by the daemon: distcc ran nothing here (DISTCC_FALLBACK=0).
  EXPECT_EQ(daemon->compiles_ok(), 2) << daemon->log();
  // Without ccache distcc sends the bare name, rewritten to the target's full name; ccache hands
  // it the path it found.
  EXPECT_TRUE(contains(daemon->log(), "COMPILE_OK")) << daemon->log();
  EXPECT_TRUE(contains(daemon->log(), "x86_64-linux-gnu-gcc probe.c")) << daemon->log();
  EXPECT_TRUE(contains(daemon->log(), *find_executable("gcc") + " probe.c")) << daemon->log();
}

TEST(BuildFarmCheck, DeadPortOrUnknownHostCannotConnect) {
  TempDir dir;
  const int port = free_local_port();
  const BuildFarm farm = farm_of("distcc://127.0.0.1:" + std::to_string(port));
  Status checked = builder::check_build_farm(farm, check_options(dir, {"gcc"}));
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(checked.error().message, "build farm host 127.0.0.1:" + std::to_string(port) +
                                         ": cannot connect (Connection refused)");
  // A name that does not resolve (.invalid never does): distcc says "failed to resolve host".
  Status unknown =
      builder::check_build_farm(farm_of("distcc://nosuch.invalid"), check_options(dir, {"gcc"}));
  ASSERT_FALSE(unknown.ok());
  EXPECT_TRUE(
      unknown.error().message.starts_with("build farm host nosuch.invalid:3632: cannot connect ("))
      << unknown.error().message;
}

// distccd finds a compiler in its own $PATH (after checking the name against its masquerade
// whitelist, /usr/lib/distcc, where clang-14 is listed). A daemon whose $PATH has gcc but not
// clang-14 answers a clang-14 compile with exit code 110 (EXIT_COMPILER_MISSING), while gcc goes
// through: the check names the missing compiler.
TEST(BuildFarmCheck, CompilerMissingOnTheHost) {
  if (!find_executable("clang-14")) GTEST_SKIP() << "needs clang-14 here";
  TempDir dir;
  const std::string bin = host_bin(dir, {"gcc", "x86_64-linux-gnu-gcc", "as"});
  auto daemon = DistccDaemon::start({.path_env = bin});
  ASSERT_TRUE(daemon);
  const BuildFarm farm = farm_of(daemon->farm_spec());
  Status checked = builder::check_build_farm(farm, check_options(dir, {"gcc", "clang-14"}));
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(checked.error().message, "build farm host " + daemon->address() +
                                         ": clang-14 is missing there (distccd "
                                         "cannot run it)");
  EXPECT_EQ(daemon->compiles_ok(), 1) << daemon->log();  // gcc's probe
  EXPECT_TRUE(contains(daemon->log(), "failed to exec clang-14")) << daemon->log();
}

// A host whose gcc-12 is another compiler: distcc sends gcc-12 as x86_64-linux-gnu-gcc-12 (its
// whitelist has both), and this daemon's $PATH finds a wrapper of that name that runs clang. The
// probe's .comment is clang's ident then ("Debian clang version 14.0.6"), not GCC's. Through
// ccache the same daemon passes: ccache hands distcc /usr/bin/gcc-12, which the host runs as it
// is, $PATH or not -- so the check sends what builds will send.
TEST(BuildFarmCheck, CompilerThatDiffersOnTheHost) {
  if (!find_executable("gcc-12") || !find_executable("clang")) {
    GTEST_SKIP() << "needs gcc-12 and clang here";
  }
  TempDir dir;
  const std::string bin = host_bin(dir, {});
  write_file(bin + "/x86_64-linux-gnu-gcc-12", "#!/bin/sh\nexec clang \"$@\"\n");
  ::chmod((bin + "/x86_64-linux-gnu-gcc-12").c_str(), 0755);
  auto daemon = DistccDaemon::start({.path_env = bin + ":/usr/bin:/bin"});
  ASSERT_TRUE(daemon);
  const BuildFarm farm = farm_of(daemon->farm_spec());
  Status checked = builder::check_build_farm(farm, check_options(dir, {"gcc-12"}));
  ASSERT_FALSE(checked.ok());
  const std::string& message = checked.error().message;
  EXPECT_TRUE(message.starts_with("build farm host " + daemon->address() +
                                  ": gcc-12 differs: `Debian clang version"))
      << message;
  EXPECT_TRUE(contains(message, "` there, `GCC: (")) << message;
  EXPECT_TRUE(message.ends_with("` here")) << message;
  Status through_ccache = builder::check_build_farm(farm, check_options(dir, {"gcc-12"}, true));
  EXPECT_TRUE(through_ccache.ok()) << through_ccache.error().message;
}

// A stand-in for a Linux tree that KernelBuilder can build: its bzImage compiles 40 C files with
// $(CC) into $(O) and links them into vmlinux (ld -r), copied to arch/x86/boot/bzImage. Each file
// takes a fraction of a second at -O2, so a build lasts long enough to kill a daemon in the
// middle of it.
std::string make_stand_in_kernel(const std::string& root) {
  const std::string tree = root + "/checkout";
  write_fake_kernel_tree(tree,
                         "SOURCES := $(sort $(wildcard src/*.c))\n"
                         "OBJECTS := $(SOURCES:src/%.c=$(O)/obj/%.o)\n"
                         "olddefconfig:\n\t@true\n"
                         "bzImage: $(O)/vmlinux\n"
                         "\t@mkdir -p $(O)/arch/x86/boot\n"
                         "\tcp $(O)/vmlinux $(O)/arch/x86/boot/bzImage\n"
                         "$(O)/vmlinux: $(OBJECTS)\n\tld -r -o $@ $^\n"
                         "$(O)/obj/%.o: src/%.c\n\t@mkdir -p $(@D)\n\t$(CC) -O2 -c $< -o $@\n"
                         ".PHONY: olddefconfig bzImage\n");
  for (int file = 0; file < kSourceFiles; ++file) {
    std::string source = "/* stand-in kernel file " + std::to_string(file) + " */\n";
    for (int function = 0; function < 60; ++function) {
      const std::string name = "f" + std::to_string(file) + "_" + std::to_string(function);
      source += "unsigned long " + name +
                "(unsigned long x, const unsigned char *p, int n) {\n"
                "  unsigned long y = x ^ " +
                std::to_string(function * 7919 + file) +
                "ul;\n"
                "  for (int k = 0; k < n; ++k) {\n"
                "    y = y * 1099511628211ul + p[k];\n"
                "    if (y & " +
                std::to_string(1 << (function % 13)) + ") y ^= y >> " +
                std::to_string(function % 17 + 1) +
                ";\n"
                "  }\n"
                "  return y;\n"
                "}\n";
    }
    write_file(tree + "/src/file" + std::to_string(file) + ".c", source);
  }
  return tree;
}

// A .config with what KernelBuilder requires after olddefconfig, written to `path`.
std::string write_boot_config(const std::string& path) {
  write_file(path, good_config());
  return path;
}

struct StandInBuild {
  BuildResult result;
  std::string build_dir;
  std::string log;  // the build log KernelBuilder keeps
};

// Builds the stand-in kernel in JOB (made under `root`) with `farm` (none: here), ccache on or
// off (its cache in root/ccache).
StandInBuild build_stand_in(const std::string& root, const std::string& job,
                            std::optional<BuildFarm> farm, bool use_ccache) {
  const std::string job_dir = root + "/" + job;
  if (!fs::exists(job_dir + "/checkout")) {
    fs::create_directories(job_dir);
    fs::copy(root + "/tree/checkout", job_dir + "/checkout", fs::copy_options::recursive);
  }
  builder::KernelBuildConfig config;
  config.config_path = write_boot_config(root + "/kernel.config");
  config.use_ccache = use_ccache;
  config.jobs = farm ? farm->make_jobs(cpu_count()) : cpu_count();
  config.timeout = std::chrono::seconds(600);
  config.farm = std::move(farm);
  builder::KernelBuilder builder(std::move(config));
  builder::BuildRequest request;
  request.checkout_dir = job_dir + "/checkout";
  request.commit = std::string(40, 'a');
  request.job_dir = job_dir;
  request.env["CCACHE_DIR"] = root + "/ccache";
  StandInBuild build;
  build.result = builder.build(request);
  build.build_dir = builder::KernelBuilder::build_dir(job_dir, request.checkout_dir);
  build.log =
      read_file(job_dir + "/" + builder::KernelBuilder::kArtifactsDir + "/aaaaaaaaaaaa/build.log");
  return build;
}

class FarmBuild : public ::testing::Test {
 protected:
  void SetUp() override { make_stand_in_kernel(root_ / "tree"); }
  TempDir root_;
};

TEST_F(FarmBuild, CompilesGoToTheFarmAndCcacheHitsDoNot) {
  if (!find_executable("ccache")) GTEST_SKIP() << "needs ccache";
  auto daemon = DistccDaemon::start();
  ASSERT_TRUE(daemon);
  const BuildFarm farm = farm_of(daemon->farm_spec());
  StandInBuild cold = build_stand_in(root_.path(), "job", farm, true);
  ASSERT_EQ(cold.result.status, BuildStatus::ok) << cold.result.error << "\n" << cold.log;
  EXPECT_TRUE(cold.result.notes.empty()) << cold.result.notes.front();
  // Every file went to the farm: ccache missed, ran `distcc gcc` (CCACHE_PREFIX).
  EXPECT_EQ(daemon->compiles_ok(), kSourceFiles) << daemon->log();
  EXPECT_TRUE(contains(cold.log, "CC=ccache gcc")) << cold.log;

  fs::remove_all(cold.build_dir);  // the same job again from a clean build folder
  StandInBuild warm = build_stand_in(root_.path(), "job", farm, true);
  ASSERT_EQ(warm.result.status, BuildStatus::ok) << warm.result.error;
  EXPECT_EQ(daemon->compiles_ok(), kSourceFiles) << "a cache hit went to the farm";
  EXPECT_EQ(warm.result.signature, cold.result.signature);
}

TEST_F(FarmBuild, DaemonStoppedMidBuildFallsBackToLocalCompiles) {
  auto daemon = DistccDaemon::start();
  ASSERT_TRUE(daemon);
  const BuildFarm farm = farm_of(daemon->farm_spec());
  std::future<StandInBuild> build = std::async(
      std::launch::async, [&] { return build_stand_in(root_.path(), "job", farm, false); });
  ASSERT_TRUE(daemon->wait_for_compiles(3, std::chrono::seconds(120))) << daemon->log();
  daemon->stop();
  const int on_farm = daemon->compiles_ok();
  StandInBuild done = build.get();
  ASSERT_EQ(done.result.status, BuildStatus::ok) << done.result.error << "\n" << done.log;
  ASSERT_FALSE(done.result.artifact.empty());
  // distcc's own words in the build output, once per compile that fell back.
  EXPECT_TRUE(contains(done.log, "running locally instead")) << done.log;
  EXPECT_TRUE(contains(done.log, "connect to " + daemon->address() + " failed: Connection refused"))
      << done.log;
  ASSERT_EQ(done.result.notes.size(), 1u);
  const std::string& note = done.result.notes.front();
  RecordProperty("fallback_note", note);  // in --gtest_output=xml's report
  EXPECT_TRUE(note.starts_with("build farm: ")) << note;
  EXPECT_TRUE(contains(note,
                       " ran locally (distcc: failed to distribute, running locally instead; "
                       "host " +
                           daemon->address() + ": Connection refused"))
      << note;
  const int local = std::stoi(note.substr(std::string("build farm: ").size()));
  EXPECT_GE(local, 1) << note;
  EXPECT_LE(local, kSourceFiles - 3) << note;
  // Every compile ran on the farm or here (one killed in flight may be logged by both).
  EXPECT_GE(local + on_farm, kSourceFiles) << note << "\n" << daemon->log();
}

// The stand-in for the kernel signature check: every object compiled by the farm is the same
// bytes as the one compiled here, and so is the linked vmlinux's signature.
TEST_F(FarmBuild, FarmAndLocalObjectsAreByteIdentical) {
  auto daemon = DistccDaemon::start();
  ASSERT_TRUE(daemon);
  StandInBuild local = build_stand_in(root_.path(), "local", std::nullopt, false);
  ASSERT_EQ(local.result.status, BuildStatus::ok) << local.result.error;
  EXPECT_EQ(daemon->compiles_ok(), 0);
  StandInBuild farmed = build_stand_in(root_.path(), "farm", farm_of(daemon->farm_spec()), false);
  ASSERT_EQ(farmed.result.status, BuildStatus::ok) << farmed.result.error;
  EXPECT_EQ(daemon->compiles_ok(), kSourceFiles) << daemon->log();
  EXPECT_TRUE(farmed.result.notes.empty());
  for (int file = 0; file < kSourceFiles; ++file) {
    const std::string object = "/obj/file" + std::to_string(file) + ".o";
    EXPECT_EQ(read_file(farmed.build_dir + object), read_file(local.build_dir + object)) << object;
  }
  EXPECT_FALSE(local.result.signature.empty());
  EXPECT_EQ(farmed.result.signature, local.result.signature);
}

// `culprit bisect --kernel` with a job file: the build-farm key is an option like any other.
// The stand-in's Makefile compiles a few files for bzImage and then fails, so the job ends at its
// first build -- after the farm was checked, logged and used.
class FarmCli : public ::testing::Test {
 protected:
  void SetUp() override {
    repo_ = root_ / "linux";
    write_file(repo_ + "/a.c", "int a(void) { return 1; }\n");
    write_file(repo_ + "/b.c", "int b(void) { return 2; }\n");
    write_fake_kernel_tree(repo_,
                           "olddefconfig:\n\t@true\n"
                           "bzImage:\n\t$(CC) -c a.c -o $(O)/a.o\n"
                           "\t$(if $(KILL_GROUP),kill -KILL -- -$(KILL_GROUP))\n"
                           "\t$(CC) -c b.c -o $(O)/b.o\n"
                           "\t@echo 'stand-in: error: no kernel here'\n\t@false\n");
    git(repo_, {"init", "-q", "-b", "main"});
    git(repo_, {"add", "-A"});
    git(repo_, {"commit", "-q", "-m", "stand-in kernel"});
    write_file(root_ / "job/repro.c", "int main(void) { return 0; }\n");
    write_boot_config(root_ / "job/config");
  }

  // `env`: NAME=VALUE for culprit's environment (KILL_GROUP=PGID: the stand-in's make kills that
  // process group between its two compiles).
  CommandOutput bisect(const std::string& farm_line, std::vector<std::string> flags = {},
                       std::vector<std::string> env = {}) {
    // A cache of its own, cold: the probe and the stand-in's compiles must reach the daemon.
    env.insert(env.begin(), "CCACHE_DIR=" + (root_ / "ccache"));
    return run_job_file(root_ / "job/job.toml",
                        "kernel = true\nrepo = \"../linux\"\nbad = \"main\"\nconfig = \"config\"\n"
                        "repro = \"repro.c\"\n" +
                            farm_line,
                        root_ / "state.db", flags, env, root_.path());
  }

  TempDir root_;
  std::string repo_;
};

TEST_F(FarmCli, JobFileBuildFarmKeyIsCheckedLoggedAndUsed) {
  auto daemon = DistccDaemon::start();
  ASSERT_TRUE(daemon);
  CommandOutput out =
      bisect("build-farm = \"" + daemon->farm_spec(3) + "\"\n", {"--build-jobs", "5"});
  EXPECT_TRUE(contains(out.output, "build farm: checking " + daemon->address() + "/3 with gcc"))
      << out.output;
  EXPECT_TRUE(contains(out.output, "build farm: distcc, 1 host, 3 slots, make -j5")) << out.output;
  EXPECT_TRUE(contains(out.output, "stand-in: error: no kernel here")) << out.output;
  EXPECT_FALSE(contains(out.output, "ran locally")) << out.output;
  EXPECT_EQ(out.exit_status, 1) << out.output;
  // The probe, then a.c and b.c of the stand-in's build.
  EXPECT_EQ(daemon->compiles_ok(), 3) << daemon->log();
}

// The daemon dies between the stand-in's two compiles: b.c is compiled here, and the job log
// says so right after the build.
TEST_F(FarmCli, CompilesThatFellBackAreInTheJobLog) {
  auto daemon = DistccDaemon::start();
  ASSERT_TRUE(daemon);
  CommandOutput out = bisect("", {"--build-farm", daemon->farm_spec()},
                             {"KILL_GROUP=" + std::to_string(daemon->process_group())});
  EXPECT_TRUE(contains(out.output,
                       "build farm: 1 compile ran locally (distcc: failed to "
                       "distribute, running locally instead; host " +
                           daemon->address() + ": Connection refused)\n"))
      << out.output;
  EXPECT_TRUE(contains(out.output, "stand-in: error: no kernel here")) << out.output;
  EXPECT_EQ(daemon->compiles_ok(), 2) << daemon->log();  // the probe and a.c
}

TEST_F(FarmCli, BadSpecOrDeadHostStopsTheJobBeforeAnyBuild) {
  CommandOutput icecc = bisect("build-farm = \"icecc://10.0.0.1\"\n");
  EXPECT_NE(icecc.exit_status, 0);
  EXPECT_TRUE(contains(icecc.output,
                       "bad --build-farm `icecc://10.0.0.1`: only distcc:// is "
                       "supported"))
      << icecc.output;
  const std::string dead = "127.0.0.1:" + std::to_string(free_local_port());
  CommandOutput unreachable = bisect("", {"--build-farm", "distcc://" + dead});
  EXPECT_NE(unreachable.exit_status, 0);
  EXPECT_TRUE(contains(unreachable.output,
                       "build farm host " + dead + ": cannot connect (Connection refused)"))
      << unreachable.output;
  EXPECT_FALSE(contains(unreachable.output, "testing commit")) << unreachable.output;
}

}  // namespace
}  // namespace culprit::testing
