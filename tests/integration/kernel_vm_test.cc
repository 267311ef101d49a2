// The kernel backend's VM side: the reproducer and init compiled for real, the initramfs packed by
// cpio and read back, QEMU's command line, the console watch helpers, memory sizing, and the runner
// on inputs that cannot boot. Set CULPRIT_TEST_BZIMAGE to a bootable x86_64 bzImage (with a serial
// console and initramfs support) to also boot it for real.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "runner/initramfs.h"
#include "runner/qemu_runner.h"
#include "support/real_kernel.h"
#include "support/test_support.h"

namespace culprit::testing {
namespace {

namespace fs = std::filesystem;

TEST(InitramfsTest, InitSourceCarriesTheMarkersTheRunnerWatches) {
  std::string_view source = runner::init_source();
  for (std::string_view marker : {runner::kBootedMarker, runner::kHeartbeatMarker,
                                  runner::kDoneMarker, runner::kRunTimeParameter}) {
    EXPECT_NE(source.find(marker), std::string_view::npos) << marker;
  }
  EXPECT_EQ(source.find('@'), std::string_view::npos);  // every placeholder replaced
}

TEST(InitramfsTest, ArchiveHoldsInitReproducerAndMountPoints) {
  TempDir dir;
  write_file(dir / "repro.c", "int main(void) { return 0; }\n");
  auto files = runner::prepare_vm_files(dir / "vm", dir / "repro.c", "");
  ASSERT_TRUE(files.ok()) << files.error().message;
  // Both programs are static executables (the initramfs has no libc).
  for (const std::string& binary : {files->init, files->reproducer}) {
    std::string kind = must_run({"file", "-b", binary});
    EXPECT_NE(kind.find("statically linked"), std::string::npos) << binary << ": " << kind;
  }
  std::string listing =
      must_run({"sh", "-c", "cpio -itv --quiet < \"$1\"", "sh", files->initramfs});
  for (const char* entry :
       {" .\n", " dev\n", " proc\n", " sys\n", " tmp\n", " init\n", " repro\n"}) {
    EXPECT_NE((listing + "\n").find(entry), std::string::npos) << entry << " in\n" << listing;
  }
  // Owned by root, executables executable.
  std::istringstream lines(listing);
  for (std::string line; std::getline(lines, line);) {
    EXPECT_NE(line.find(" root "), std::string::npos) << line;
    if (line.ends_with(" init") || line.ends_with(" repro")) {
      EXPECT_EQ(line.substr(0, 4), "-rwx");
    }
  }
  // The init in the archive is the one compiled from init_source().
  TempDir unpacked;
  must_run({"sh", "-c", "cpio -id --quiet < \"$1\"", "sh", files->initramfs}, unpacked.path());
  EXPECT_EQ(read_file(unpacked / "init"), read_file(files->init));
  EXPECT_EQ(read_file(unpacked / "repro"), read_file(files->reproducer));
}

TEST(InitramfsTest, ReproducerThatDoesNotCompileIsAClearError) {
  TempDir dir;
  write_file(dir / "repro.c", "int main(void) { return undefined_thing; }\n");
  auto files = runner::prepare_vm_files(dir / "vm", dir / "repro.c", "");
  ASSERT_FALSE(files.ok());
  const std::string& message = files.error().message;
  EXPECT_TRUE(message.starts_with("the reproducer does not compile: " + (dir / "repro.c")))
      << message;
  EXPECT_NE(message.find("undefined_thing"), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(dir / "vm/initramfs.cpio"));

  auto missing = runner::prepare_vm_files(dir / "vm", dir / "nope.c", "");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message, "reproducer not found: " + (dir / "nope.c"));
  auto missing_binary = runner::prepare_vm_files(dir / "vm", "", dir / "nope");
  ASSERT_FALSE(missing_binary.ok());
  EXPECT_EQ(missing_binary.error().message, "reproducer binary not found: " + (dir / "nope"));
}

TEST(QemuRunnerTest, CommandLineForTcgAndKvm) {
  runner::QemuRunConfig config;
  config.initramfs = "/vm/initramfs.cpio";
  config.memory_mb = 768;
  config.run_time = std::chrono::seconds(7);
  config.cmdline = "panic_on_warn=1";
  EXPECT_EQ(runner::kernel_cmdline(config),
            "console=ttyS0 panic=-1 oops=panic culprit_run_time=7 panic_on_warn=1");
  std::vector<std::string> tcg = runner::qemu_argv(config, "/b/bzImage", false);
  std::vector<std::string> expected = {
      "qemu-system-x86_64",
      "-nographic",
      "-no-reboot",
      "-nic",
      "none",
      "-m",
      "768",
      "-smp",
      "1",
      "-accel",
      "tcg",
      "-kernel",
      "/b/bzImage",
      "-initrd",
      "/vm/initramfs.cpio",
      "-append",
      "console=ttyS0 panic=-1 oops=panic culprit_run_time=7 panic_on_warn=1"};
  EXPECT_EQ(tcg, expected);
  std::vector<std::string> kvm = runner::qemu_argv(config, "/b/bzImage", true);
  auto accel = std::find(kvm.begin(), kvm.end(), "-accel");
  ASSERT_NE(accel, kvm.end());
  EXPECT_EQ(*(accel + 1), "kvm");
  EXPECT_EQ(*(accel + 3), "host");
}

TEST(QemuRunnerTest, RecognizesCrashLinesAndCleansTheConsole) {
  EXPECT_TRUE(runner::is_crash_line("WARNING: possible recursive locking detected"));
  EXPECT_TRUE(runner::is_crash_line("[   12.345678] BUG: KASAN: use-after-free in f+0x1/0x2"));
  EXPECT_TRUE(runner::is_crash_line("kernel BUG at kernel/sys.c:2414!"));
  EXPECT_TRUE(runner::is_crash_line("Kernel panic - not syncing: Fatal exception"));
  EXPECT_FALSE(runner::is_crash_line("Run /init as init process"));
  EXPECT_FALSE(runner::is_crash_line("culprit-init: booted (run time 5s)"));
  EXPECT_FALSE(runner::is_crash_line("  WARNING: indented is a continuation"));
  EXPECT_EQ(runner::clean_console("\x1b"
                                  "c\x1b[?7l\x1b[2JSeaBIOS\r\nLinux version 6.1\r\n"),
            "SeaBIOS\nLinux version 6.1\n");
}

TEST(QemuRunnerTest, VmsAreLoweredToWhatMemoryHolds) {
  EXPECT_EQ(runner::vms_that_fit(4, 512, 24000), 4);
  EXPECT_EQ(runner::vms_that_fit(8, 1024, 3000), 2);  // (3000 - 512) / (1024 + 128)
  EXPECT_EQ(runner::vms_that_fit(4, 4096, 1000), 1);  // never fewer than one
  EXPECT_EQ(runner::vms_that_fit(3, 512, 0), 3);      // unknown: as asked
  EXPECT_GT(runner::available_memory_mb(), 0);
}

TEST(QemuRunnerTest, MissingQemuAndMissingImageAreInfraErrors) {
  EXPECT_EQ(runner::check_qemu("qemu-system-nonexistent").error().message,
            "cannot run qemu-system-nonexistent (install the qemu-system-x86 package)");
  TempDir dir;
  write_file(dir / "bzImage", "not a kernel");
  runner::QemuRunConfig config;
  config.qemu = "qemu-system-nonexistent";
  config.kernel_image = [&](const runner::RunRequest&) { return dir / "bzImage"; };
  runner::QemuRunner runner(config);
  runner::RunRequest request;
  request.job_dir = dir / "job";
  request.commit = std::string(40, 'b');
  runner::ReproRun missing_qemu = runner.run_one(request, 0);
  EXPECT_EQ(missing_qemu.outcome, RunOutcome::infra_error);
  EXPECT_EQ(missing_qemu.error,
            "qemu-system-nonexistent not found (install the qemu-system-x86 package)");

  config.qemu = "qemu-system-x86_64";
  config.kernel_image = [&](const runner::RunRequest&) { return dir / "nothing"; };
  runner::QemuRunner no_image(config);
  runner::ReproRun missing_image = no_image.run_one(request, 3);
  EXPECT_EQ(missing_image.outcome, RunOutcome::infra_error);
  EXPECT_EQ(missing_image.error, "no kernel image at " + (dir / "nothing"));
}

// A runner config that boots `image`, a file in `dir`, with an empty initramfs beside it.
runner::QemuRunConfig config_booting(const TempDir& dir, const std::string& image) {
  write_file(dir / "initramfs.cpio", "");
  runner::QemuRunConfig config;
  config.initramfs = dir / "initramfs.cpio";
  const std::string path = dir / image;
  config.kernel_image = [path](const runner::RunRequest&) { return path; };
  return config;
}

// A request for a made-up commit ("ddd...") with its job folder in `dir`.
runner::RunRequest request_in(const TempDir& dir, char commit) {
  runner::RunRequest request;
  request.job_dir = dir / "job";
  request.commit = std::string(40, commit);
  return request;
}

// A file that is not a kernel: QEMU starts, the firmware runs, no kernel ever prints: that is not
// the commit's fault, and it is reported with QEMU's own words.
TEST(QemuRunnerTest, ImageQemuCannotLoadIsAnInfraErrorWithQemusMessage) {
  if (!runner::check_qemu("qemu-system-x86_64").ok())
    GTEST_SKIP() << "qemu-system-x86 not installed";
  TempDir dir;
  write_file(dir / "bzImage", "not a kernel");
  runner::QemuRunConfig config = config_booting(dir, "bzImage");
  config.accelerator = runner::Accelerator::tcg;
  runner::QemuRunner runner(config);
  runner::ReproRun run = runner.run_one(request_in(dir, 'c'), 1);
  EXPECT_EQ(run.outcome, RunOutcome::infra_error) << run.console;
  EXPECT_NE(run.error.find("qemu-system-x86_64 exited with status 1"), std::string::npos)
      << run.error;
  std::string console = dir / "job/artifacts/cccccccccccc/console-1.log";
  EXPECT_EQ(run.artifacts, std::vector<std::string>{console});
  EXPECT_EQ(read_file(console), run.console);
}

// A machine that starts and never prints (a multiboot image that only loops): the boot timeout
// ends it, and it counts as a commit that cannot be tested, not as a crash or an infra error.
TEST(QemuRunnerTest, VmThatNeverBootsIsASkipAfterTheBootTimeout) {
  if (!runner::check_qemu("qemu-system-x86_64").ok())
    GTEST_SKIP() << "qemu-system-x86 not installed";
  TempDir dir;
  // The multiboot header must lie in the first 8 KiB of the file: at the start of .text.
  write_file(dir / "loop.S",
             ".text\n.globl _start\n.align 4\n.long 0x1BADB002\n.long 0\n"
             ".long -(0x1BADB002)\n_start:\n  jmp _start\n");
  if (run_command({"cc", "-m32", "-c", dir / "loop.S", "-o", dir / "loop.o"}).exit_status != 0 ||
      run_command({"ld", "-m", "elf_i386", "-Ttext=0x100000", "-e", "_start", "-o",
                   dir / "loop.elf", dir / "loop.o"})
              .exit_status != 0) {
    GTEST_SKIP() << "cannot assemble a 32-bit multiboot image here";
  }
  runner::QemuRunConfig config = config_booting(dir, "loop.elf");
  config.accelerator = runner::Accelerator::tcg;
  config.boot_timeout = std::chrono::seconds(3);
  config.no_output_timeout = std::chrono::seconds(2);
  runner::QemuRunner runner(config);
  const auto start = std::chrono::steady_clock::now();
  runner::ReproRun run = runner.run_one(request_in(dir, 'd'), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
  EXPECT_EQ(run.outcome, RunOutcome::cannot_test) << run.title << " " << run.error;
  EXPECT_NE(run.title.find("boot"), std::string::npos) << run.title;
  std::printf("a VM that never boots: %s\n", run.title.c_str());
}

// A KVM that boots the kernel and then fails under it (QEMU prints "KVM internal error" and pauses
// the guest, as on some CI machines) is not the kernel's fault: the run is stopped at once and done
// again under TCG, and later runs go straight to TCG. QEMU is a script here (a fault we cannot
// cause on demand): under -accel kvm it prints QEMU's message and hangs; under tcg it "boots" and
// prints the init's markers.
TEST(QemuRunnerTest, KvmFailingUnderTheGuestIsRedoneUnderTcg) {
  TempDir dir;
  write_file(dir / "image", "a kernel image");
  const fs::path qemu = dir / "qemu";
  write_file(qemu,
             "#!/bin/sh\n"
             "case \" $* \" in\n"
             "*' -accel kvm '*)\n"
             "  echo kvm >>'" +
                 dir / "accel.txt" +
                 "'\n"
                 "  echo 'Linux version 6.1.0-fake'\n"
                 "  echo 'KVM internal error. Suberror: 1' >&2\n"
                 "  echo 'emulation failure' >&2\n"
                 "  exec sleep 600 ;;\n"
                 "*)\n"
                 "  echo tcg >>'" +
                 dir / "accel.txt" +
                 "'\n"
                 "  echo 'Linux version 6.1.0-fake'\n"
                 "  echo '" +
                 std::string(runner::kBootedMarker) +
                 "'\n"
                 "  echo '" +
                 std::string(runner::kDoneMarker) +
                 "'\n"
                 "  exit 0 ;;\n"
                 "esac\n");
  ASSERT_EQ(::chmod(qemu.c_str(), 0755), 0);
  runner::QemuRunConfig config = config_booting(dir, "image");
  config.qemu = qemu;
  config.accelerator = runner::Accelerator::kvm;
  config.boot_timeout = std::chrono::seconds(120);
  runner::QemuRunner runner(config);
  const runner::RunRequest request = request_in(dir, 'e');
  const auto start = std::chrono::steady_clock::now();
  runner::ReproRun first = runner.run_one(request, 0);
  runner::ReproRun second = runner.run_one(request, 1);
  // Far below the 120 s boot timeout the paused guest would otherwise have waited for.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(60));
  EXPECT_EQ(first.outcome, RunOutcome::ok) << first.title << " " << first.error;
  EXPECT_EQ(second.outcome, RunOutcome::ok) << second.title << " " << second.error;
  EXPECT_EQ(first.console.find("KVM internal error"), std::string::npos) << first.console;
  EXPECT_EQ(read_file(dir / "accel.txt"), "kvm\ntcg\ntcg\n");
}

// Boots a real kernel twice in parallel with a reproducer that exits at once: both runs end OK,
// the console shows the kernel and the init's markers.
TEST(QemuRunnerTest, BootsARealKernel) {
  const std::string image = real_kernel_image();
  if (image.empty()) GTEST_SKIP() << "CULPRIT_TEST_BZIMAGE not set";
  TempDir dir;
  Result<runner::QemuRunConfig> config = real_kernel_config(dir, image);
  ASSERT_TRUE(config.ok()) << config.error().message;
  config->vms = 2;
  runner::QemuRunner runner(*config);
  runner::RunRequest request;
  request.job_dir = dir / "job";
  request.commit = std::string(40, 'd');
  std::vector<int> indices = {0, 1};
  std::vector<runner::ReproRun> runs;
  runner.run(request, indices, [&](const runner::ReproRun& run) { runs.push_back(run); });
  ASSERT_EQ(runs.size(), 2u);
  for (const runner::ReproRun& run : runs) {
    EXPECT_EQ(run.outcome, RunOutcome::ok) << run.title << run.error << "\n" << run.console;
    EXPECT_NE(run.console.find("Linux version"), std::string::npos);
    EXPECT_NE(run.console.find(runner::kDoneMarker), std::string::npos);
    EXPECT_EQ(run.console.find('\r'), std::string::npos);
  }
}

}  // namespace
}  // namespace culprit::testing
