// VM hosts over SSH against a real OpenSSH server on 127.0.0.1 (support/ssh_server.h): the copies
// of the kernel image and initramfs (once per host, never again), arguments that would break an
// unquoted remote shell, a host key that does not match, a host that dies under a run, a host
// unreachable from the start, and the --vm-hosts option and job-file key through the binary.
//
// The host is this machine, so the "remote" files are in a temporary folder (dir=...). The VM is
// a stand-in for QEMU (a shell script printing what a booting kernel and culprit's init print,
// given as the runner's `qemu`): booting a real kernel under TCG for every case would take
// minutes. Everything else is real: sshd, ssh, the copies, the remote shell, the timeout wrapper
// and the faults (sshd and its sessions are killed). Set CULPRIT_TEST_BZIMAGE to also boot a real
// kernel over SSH.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "base/process.h"
#include "runner/initramfs.h"
#include "runner/qemu_runner.h"
#include "runner/vm_host.h"
#include "support/culprit_binary.h"
#include "support/fake_kernel.h"
#include "support/real_kernel.h"
#include "support/ssh_server.h"
#include "support/test_support.h"

namespace culprit::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

#define SKIP_WITHOUT_SSHD()                                                \
  do {                                                                     \
    if (std::string why = SshServer::unavailable_reason(); !why.empty()) { \
      GTEST_SKIP() << why;                                                 \
    }                                                                      \
  } while (0)

// The runner's log lines, collected from its threads.
struct Lines {
  std::mutex mutex;
  std::vector<std::string> lines;
  runner::RunnerLog sink() {
    return [this](const std::string& line) {
      std::lock_guard lock(mutex);
      lines.push_back(line);
    };
  }
  int count(const std::string& part) {
    std::lock_guard lock(mutex);
    return static_cast<int>(std::count_if(lines.begin(), lines.end(), [&](const std::string& l) {
      return l.find(part) != std::string::npos;
    }));
  }
  std::string all() {
    std::lock_guard lock(mutex);
    std::string text;
    for (const std::string& line : lines) text += line + "\n";
    return text;
  }
};

// QEMU's stand-in: checks that the kernel image and initramfs it is given exist (on the host, the
// copies), notes the image's path in `started` (where the run happened), prints the kernel's
// banner and the init's markers with `seconds` of heartbeats between; with `crash`, a crash
// report instead of the end, then it hangs like a panicked VM.
std::string stand_in_qemu(const TempDir& dir, int seconds, bool crash = false) {
  const std::string path = dir / (crash ? "qemu-crash" : "qemu-" + std::to_string(seconds));
  const std::string ending = crash ? "echo 'BUG: unable to handle page fault for address: 0'\n"
                                     "echo ' #PF: supervisor read access in kernel mode'\n"
                                     "exec sleep 300\n"
                                   : "echo '" + std::string(runner::kDoneMarker) + "'\n";
  write_file(
      path,
      "#!/bin/sh\n"
      "kernel=; initrd=\n"
      "while [ $# -gt 0 ]; do\n"
      "  case $1 in -kernel) kernel=$2; shift ;; -initrd) initrd=$2; shift ;; esac\n"
      "  shift\n"
      "done\n"
      "[ -f \"$kernel\" ] && [ -f \"$initrd\" ] || { echo \"no $kernel $initrd\"; exit 1; }\n"
      "echo \"$kernel\" >>'" +
          dir / "started" +
          "'\n"
          "echo 'Linux version 6.1.0-stand-in'\n"
          "echo '" +
          std::string(runner::kBootedMarker) +
          "'\n"
          "i=0\n"
          "while [ $i -lt " +
          std::to_string(seconds) + " ]; do i=$((i+1)); sleep 1; echo \"" +
          std::string(runner::kHeartbeatMarker) + " $i\"; done\n" + ending);
  EXPECT_EQ(::chmod(path.c_str(), 0755), 0);
  return path;
}

// The lines of `dir`/started: the image path of every VM started so far.
std::vector<std::string> started(const TempDir& dir) {
  std::vector<std::string> lines;
  std::ifstream in(dir / "started");
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Processes whose command line mentions `part` (a stand-in left running).
int processes_mentioning(const std::string& part) {
  int count = 0;
  for (const fs::directory_entry& entry : fs::directory_iterator("/proc")) {
    std::ifstream in(entry.path() / "cmdline");
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (cmdline.find(part) != std::string::npos) ++count;
  }
  return count;
}

// A runner config with a made-up kernel image (`image_bytes` of it) and initramfs in `dir`, the
// stand-in QEMU, TCG, `vms` local VMs and `hosts`.
runner::QemuRunConfig config_in(const TempDir& dir, const std::string& qemu, int vms,
                                std::vector<runner::VmHost> hosts, Lines& lines,
                                std::size_t image_bytes = 2u << 20) {
  if (!fs::exists(dir / "bzImage")) {
    std::string image(image_bytes, '\0');
    for (std::size_t i = 0; i < image.size(); ++i) image[i] = static_cast<char>((i * 7919) >> 3);
    write_file(dir / "bzImage", image);
    write_file(dir / "initramfs.cpio", "an initramfs for " + dir.path());
  }
  runner::QemuRunConfig config;
  config.qemu = qemu;
  const std::string image = dir / "bzImage";
  config.kernel_image = [image](const runner::RunRequest&) { return image; };
  config.initramfs = dir / "initramfs.cpio";
  config.vms = vms;
  config.accelerator = runner::Accelerator::tcg;
  config.boot_timeout = std::chrono::seconds(30);
  config.no_output_timeout = std::chrono::seconds(20);
  config.crash_grace = std::chrono::seconds(1);
  config.hosts = std::move(hosts);
  config.log = lines.sink();
  return config;
}

runner::RunRequest request_in(const TempDir& dir) {
  runner::RunRequest request;
  request.job_dir = dir / "job";
  request.commit = std::string(40, 'a');
  return request;
}

std::vector<runner::ReproRun> run_batch(runner::QemuRunner& runner, const TempDir& dir,
                                        std::vector<int> indices) {
  std::vector<runner::ReproRun> runs;
  runner.run(request_in(dir), indices, [&](const runner::ReproRun& run) { runs.push_back(run); });
  std::sort(runs.begin(), runs.end(),
            [](const runner::ReproRun& a, const runner::ReproRun& b) { return a.index < b.index; });
  return runs;
}

std::set<std::string> listing(const std::string& dir) {
  std::set<std::string> names;
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) {
    names.insert(entry.path().filename());
  }
  return names;
}

std::string sha256_of(const std::string& path) {
  std::string out = must_run({"sha256sum", path});
  return out.substr(0, out.find(' '));
}

// (a) Two batches of one build on a host with two slots copy each file once, though both slots
// start at the same moment; a second runner (a job run again) copies nothing.
TEST(VmHostsTest, FilesAreCopiedOnceAndARerunCopiesNothing) {
  SKIP_WITHOUT_SSHD();
  SshServer server;
  TempDir dir;
  Lines lines;
  const std::string remote = server.path("remote files");  // a space: quoted on the way
  const std::string qemu = stand_in_qemu(dir, 0);
  runner::QemuRunConfig config =
      config_in(dir, qemu, 0, {server.host("slots=2&accel=tcg&dir=" + remote)}, lines);
  runner::QemuRunner runner(config);
  ASSERT_TRUE(runner.prepare_hosts().ok());
  EXPECT_EQ(runner.slots(), 2);
  EXPECT_EQ(runner.hosts_summary(),
            "root@127.0.0.1:" + std::to_string(server.port()) + " (2 slots, TCG)");

  for (const std::vector<int>& batch : {std::vector<int>{0, 1}, std::vector<int>{2, 3}}) {
    std::vector<runner::ReproRun> runs = run_batch(runner, dir, batch);
    ASSERT_EQ(runs.size(), 2u);
    for (const runner::ReproRun& run : runs) {
      EXPECT_EQ(run.outcome, RunOutcome::ok) << run.error << "\n" << run.console;
      EXPECT_NE(run.console.find(runner::kDoneMarker), std::string::npos) << run.console;
      ASSERT_EQ(run.artifacts.size(), 1u);
      EXPECT_EQ(fs::path(run.artifacts[0]).filename(),
                fmt::format("console-{}-on-root@127.0.0.1:{}.log", run.index, server.port()));
      EXPECT_EQ(read_file(run.artifacts[0]), run.console);
    }
  }
  const std::uint64_t sizes =
      fs::file_size(dir / "bzImage") + fs::file_size(dir / "initramfs.cpio");
  EXPECT_EQ(runner.copies(), 2u);
  EXPECT_EQ(runner.bytes_copied(), sizes);
  const std::string name = "root@127.0.0.1:" + std::to_string(server.port());
  EXPECT_EQ(lines.count("vm host " + name + ": copied bzImage (2.0 MiB)"), 1) << lines.all();
  EXPECT_EQ(lines.count("vm host " + name + ": copied initramfs ("), 1) << lines.all();
  const std::set<std::string> expected = {sha256_of(dir / "bzImage"),
                                          sha256_of(dir / "initramfs.cpio")};
  EXPECT_EQ(listing(remote), expected);
  // All four VMs booted the copies.
  std::vector<std::string> images = started(dir);
  ASSERT_EQ(images.size(), 4u);
  for (const std::string& image : images)
    EXPECT_EQ(image, remote + "/" + sha256_of(dir / "bzImage"));

  Lines again_lines;
  runner::QemuRunner again(
      config_in(dir, qemu, 0, {server.host("slots=2&accel=tcg&dir=" + remote)}, again_lines));
  ASSERT_TRUE(again.prepare_hosts().ok());
  std::vector<runner::ReproRun> runs = run_batch(again, dir, {0});
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].outcome, RunOutcome::ok) << runs[0].error;
  EXPECT_EQ(again.copies(), 0u);
  EXPECT_EQ(again.bytes_copied(), 0u);
  EXPECT_EQ(again_lines.count("copied"), 0) << again_lines.all();
  EXPECT_EQ(listing(remote), expected);
  std::printf("sshd: %d logins, %d commands\n", server.logins(), server.commands());
  EXPECT_GE(server.commands(), 5);  // probes, checks, copies and VMs all went through this sshd
}

// (b) Arguments that an unquoted remote shell would split, expand or run arrive as they were.
TEST(VmHostsTest, HostileArgumentsArriveIntact) {
  SKIP_WITHOUT_SSHD();
  SshServer server;
  const std::string marker = server.path("pwned");
  const std::vector<std::string> words = {"two words",
                                          "it's",
                                          "'$(touch " + marker + ")'",
                                          "$(touch " + marker + ")",
                                          "`touch " + marker + "`",
                                          "; touch " + marker,
                                          "a\nb",
                                          "$HOME",
                                          "*",
                                          "",
                                          "\\",
                                          "--",
                                          "\"quoted\""};
  std::vector<std::string> remote = {"printf", "%s\\n"};
  remote.insert(remote.end(), words.begin(), words.end());
  ProcessSpec spec;
  spec.argv = runner::ssh_argv(server.host(), remote);
  spec.timeout = std::chrono::seconds(30);
  Result<ProcessResult> result = run_process(spec);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->exit_status, 0) << result->output;
  std::string expected;
  for (const std::string& word : words) expected += word + "\n";
  EXPECT_EQ(result->output, expected);
  EXPECT_FALSE(fs::exists(marker));
  EXPECT_EQ(server.commands(), 1);
}

// (c) A host key that does not match known_hosts: one clear line naming the host and the file,
// fatal before any run; ssh never gets told to skip the check, and known_hosts is left alone.
TEST(VmHostsTest, WrongHostKeyIsAClearError) {
  SKIP_WITHOUT_SSHD();
  SshServer server;
  TempDir dir;
  Lines lines;
  const std::string wrong = server.wrong_known_hosts();
  const std::string before = read_file(wrong);
  runner::VmHost host = server.host("accel=tcg");
  host.known_hosts = wrong;
  for (const std::string& word : runner::ssh_argv(host, {"true"})) {
    EXPECT_EQ(word.find("StrictHostKeyChecking=no"), std::string::npos) << word;
  }
  runner::QemuRunner runner(config_in(dir, stand_in_qemu(dir, 0), 1, {host}, lines));
  Status prepared = runner.prepare_hosts();
  ASSERT_FALSE(prepared.ok());
  const std::string name = "root@127.0.0.1:" + std::to_string(server.port());
  EXPECT_EQ(prepared.error().message, "vm host " + name + ": the host key of " + name +
                                          " is not accepted (checked against " + wrong +
                                          "; check the host's key fingerprint, then add it there)");
  EXPECT_EQ(read_file(wrong), before);
  EXPECT_EQ(server.logins(), 0);
  // A run asked for anyway is an infra error with the same words, never a run on that host.
  std::vector<runner::ReproRun> runs = run_batch(runner, dir, {0});
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].outcome, RunOutcome::infra_error);
  EXPECT_EQ(runs[0].error, prepared.error().message);
  EXPECT_TRUE(started(dir).empty());
}

// (d) The host dies under a run (sshd and all its sessions killed): the run is done again (on the
// local slot, or on the host's slot when it comes first: then it fails again) and only the run
// that ended is reported; after its second failure the host is set aside, and the local slot runs
// the rest. The fault is real; only the VM is a stand-in, for speed.
TEST(VmHostsTest, HostDyingMidRunIsRerunElsewhereAndSetAside) {
  SKIP_WITHOUT_SSHD();
  SshServer server;
  TempDir dir;
  Lines lines;
  const std::string remote = server.path("remote");
  const std::string qemu = stand_in_qemu(dir, 3);
  runner::QemuRunner runner(
      config_in(dir, qemu, 1, {server.host("accel=tcg&dir=" + remote)}, lines));
  ASSERT_TRUE(runner.prepare_hosts().ok());
  EXPECT_EQ(runner.slots(), 2);

  std::vector<runner::ReproRun> runs;
  std::thread batch([&] { runs = run_batch(runner, dir, {0, 1, 2, 3}); });
  // Kill the host as soon as its VM has booted.
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  bool remote_started = false;
  while (!remote_started && Clock::now() < deadline) {
    for (const std::string& image : started(dir)) remote_started |= image.starts_with(remote);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(remote_started);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  server.kill();
  batch.join();

  ASSERT_EQ(runs.size(), 4u) << lines.all();
  for (const runner::ReproRun& run : runs) {
    EXPECT_EQ(run.outcome, RunOutcome::ok) << run.error << "\n" << run.console;
    // Both reported runs are local ones (the console of the host's attempt is not evidence).
    ASSERT_EQ(run.artifacts.size(), 1u);
    EXPECT_EQ(fs::path(run.artifacts[0]).filename(), fmt::format("console-{}.log", run.index));
  }
  for (int i = 0; i < 4; ++i) EXPECT_EQ(runs[i].index, i);
  const std::string name = "root@127.0.0.1:" + std::to_string(server.port());
  EXPECT_EQ(lines.count("vm host " + name + " set aside for this job: 2 failures in a row (last: "),
            1)
      << lines.all();
  EXPECT_EQ(lines.count("vm host " + name + ": run failed there: ssh failed: "), 2) << lines.all();
  EXPECT_EQ(runner.slots(), 1);
  // The attempt on the host was saved under the host's name, cut short.
  int remote_consoles = 0;
  for (const fs::directory_entry& entry :
       fs::directory_iterator(dir / "job/artifacts/aaaaaaaaaaaa")) {
    std::string file = entry.path().filename();
    if (file.find("-on-" + name) == std::string::npos) continue;
    ++remote_consoles;
    std::string console = read_file(entry.path());
    if (console.find(runner::kBootedMarker) != std::string::npos) {
      EXPECT_EQ(console.find(runner::kDoneMarker), std::string::npos) << console;
    }
  }
  EXPECT_GE(remote_consoles, 1);
  EXPECT_EQ(processes_mentioning(qemu), 0);
  std::printf("%s", lines.all().c_str());
}

// A host that cannot be reached at the start is set aside with a log line; the job goes on with
// the other slots.
TEST(VmHostsTest, UnreachableHostAtStartIsSetAside) {
  SKIP_WITHOUT_SSHD();
  SshServer server;
  server.kill();  // its port is now closed
  TempDir dir;
  Lines lines;
  runner::QemuRunner runner(
      config_in(dir, stand_in_qemu(dir, 0), 1, {server.host("slots=3&accel=tcg")}, lines));
  ASSERT_TRUE(runner.prepare_hosts().ok());
  const std::string name = "root@127.0.0.1:" + std::to_string(server.port());
  EXPECT_EQ(lines.count("vm host " + name +
                        " set aside for this job: unreachable (ssh: connect to host 127.0.0.1 "
                        "port " +
                        std::to_string(server.port()) + ": Connection refused)"),
            1)
      << lines.all();
  EXPECT_EQ(runner.slots(), 1);
  EXPECT_EQ(runner.hosts_summary(), "");
  std::vector<runner::ReproRun> runs = run_batch(runner, dir, {0});
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].outcome, RunOutcome::ok) << runs[0].error;
}

// With no local VMs and the only host gone, the runs left are infra errors that say so.
TEST(VmHostsTest, WhenEverySlotIsGoneTheRunsLeftAreInfraErrors) {
  SKIP_WITHOUT_SSHD();
  SshServer server;
  TempDir dir;
  Lines lines;
  runner::QemuRunner runner(config_in(dir, stand_in_qemu(dir, 0), 0,
                                      {server.host("accel=tcg&dir=" + server.path("r"))}, lines));
  ASSERT_TRUE(runner.prepare_hosts().ok());
  server.kill();
  std::vector<runner::ReproRun> runs = run_batch(runner, dir, {0, 1});
  ASSERT_EQ(runs.size(), 2u);
  for (const runner::ReproRun& run : runs) {
    EXPECT_EQ(run.outcome, RunOutcome::infra_error);
    EXPECT_TRUE(run.error.starts_with(
        "no VM slot left: every VM host was set aside; the last: vm host root@127.0.0.1:" +
        std::to_string(server.port()) + ": 2 failures in a row (last: "))
        << run.error;
  }
  EXPECT_EQ(lines.count("set aside for this job"), 1) << lines.all();
}

// A crash ends the run from culprit's side (ssh is killed): the VM on the host is stopped at once
// by the remote wrapper, not left running until its timeout.
TEST(VmHostsTest, StoppingARunStopsItsVmOnTheHost) {
  SKIP_WITHOUT_SSHD();
  SshServer server;
  TempDir dir;
  Lines lines;
  const std::string qemu = stand_in_qemu(dir, 1, /*crash=*/true);
  runner::QemuRunner runner(
      config_in(dir, qemu, 0, {server.host("accel=tcg&dir=" + server.path("r"))}, lines));
  ASSERT_TRUE(runner.prepare_hosts().ok());
  std::vector<runner::ReproRun> runs = run_batch(runner, dir, {0});
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].outcome, RunOutcome::crashed) << runs[0].error << runs[0].console;
  EXPECT_EQ(runs[0].title, "BUG: unable to handle page fault for address: 0");
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (processes_mentioning(qemu) > 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(processes_mentioning(qemu), 0);
}

// --vm-hosts through the binary and as the job file's `vm-hosts` key: the hosts line, a bad
// entry, a wrong host key; the job key does not change with the hosts (the same job resumes).
TEST(VmHostsTest, CommandLineAndJobFile) {
  SKIP_WITHOUT_SSHD();
  SshServer server;
  TempDir dir;
  make_fake_kernel(dir, "\t@true\n");
  write_file(dir / "config", good_config());
  write_file(dir / "repro.c", "int main(void) { return 0; }\n");
  auto culprit = [&](const std::string& job_file_text, std::vector<std::string> flags) {
    return run_job_file(dir / "job.toml",
                        "kernel = true\nrepo = \"linux\"\nbad = \"main\"\n"
                        "config = \"config\"\nrepro = \"repro.c\"\nvms = 1\n" +
                            job_file_text,
                        dir / "state.db", flags, {}, dir.path());
  };
  const std::string name = "root@127.0.0.1:" + std::to_string(server.port());
  CommandOutput good = culprit("vm-hosts = \"" + server.url("slots=2&accel=tcg") + "\"\n", {});
  EXPECT_NE(good.output.find("VM hosts: " + name + " (2 slots, TCG); runs spread over 3 slots"),
            std::string::npos)
      << good.output;
  EXPECT_NE(good.output.find("failed building"), std::string::npos) << good.output;
  EXPECT_TRUE(fs::exists(dir / "state.db.d/job-1"));

  // The flag overrides the job file; another host list is the same job.
  CommandOutput other = culprit("vm-hosts = \"" + server.url("slots=2&accel=tcg") + "\"\n",
                                {"--vm-hosts", server.url("slots=1&accel=tcg")});
  EXPECT_NE(other.output.find("VM hosts: " + name + " (1 slot, TCG); runs spread over 2 slots"),
            std::string::npos)
      << other.output;
  EXPECT_FALSE(fs::exists(dir / "state.db.d/job-2")) << other.output;

  CommandOutput bad = culprit("vm-hosts = \"ssh://h?slots=0\"\n", {});
  EXPECT_EQ(bad.exit_status, 1);
  EXPECT_NE(bad.output.find("culprit: bad --vm-hosts entry `ssh://h?slots=0`: slots must be 1 to "
                            "256\n"),
            std::string::npos)
      << bad.output;

  const std::string wrong = server.wrong_known_hosts();
  CommandOutput key =
      culprit("", {"--vm-hosts", "ssh://root@127.0.0.1:" + std::to_string(server.port()) +
                                     "?identity=" + server.identity() + "&known_hosts=" + wrong});
  EXPECT_EQ(key.exit_status, 1);
  EXPECT_NE(key.output.find("culprit: vm host " + name + ": the host key of " + name +
                            " is not accepted (checked against " + wrong),
            std::string::npos)
      << key.output;
}

// A real kernel booted on the host over SSH, two VMs at once there.
TEST(VmHostsTest, BootsARealKernelOverSsh) {
  const std::string image = real_kernel_image();
  if (image.empty()) GTEST_SKIP() << "CULPRIT_TEST_BZIMAGE not set";
  SKIP_WITHOUT_SSHD();
  SshServer server;
  TempDir dir;
  Lines lines;
  Result<runner::QemuRunConfig> real = real_kernel_config(dir, image);
  ASSERT_TRUE(real.ok()) << real.error().message;
  runner::QemuRunConfig config = *real;
  config.vms = 0;
  // accel=auto: the host is probed for KVM, and where KVM does not boot (nested KVM here) the
  // runs fall back to TCG on that host.
  config.hosts = {server.host("slots=2&dir=" + server.path("remote"))};
  config.log = lines.sink();
  runner::QemuRunner runner(config);
  ASSERT_TRUE(runner.prepare_hosts().ok());
  std::vector<runner::ReproRun> runs = run_batch(runner, dir, {0, 1});
  ASSERT_EQ(runs.size(), 2u);
  for (const runner::ReproRun& run : runs) {
    EXPECT_EQ(run.outcome, RunOutcome::ok) << run.title << run.error << "\n" << run.console;
    EXPECT_NE(run.console.find("Linux version"), std::string::npos);
    EXPECT_NE(run.console.find(runner::kDoneMarker), std::string::npos);
  }
  EXPECT_EQ(runner.copies(), 2u);
  std::printf("%s", lines.all().c_str());
}

}  // namespace
}  // namespace culprit::testing
