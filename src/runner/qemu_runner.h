// QemuRunner: the kernel backend's test. Each run boots the commit's bzImage in its own QEMU VM
// (KVM when /dev/kvm is usable, else TCG) with culprit's initramfs (runner/initramfs.h), which runs
// the reproducer again and again for the run time and then reboots; up to `vms` VMs at once.
//
// The serial console is watched as it arrives:
//   - no kBootedMarker within the boot timeout, or a crash before it: the kernel does not boot,
//     cannot_test ("boot failure: ...");
//   - a crash line ("WARNING:", "BUG:", "Kernel panic", ...) after boot: crashed; the VM is given
//     a few seconds to finish printing the report, then stopped (the report parser names it);
//   - nothing printed for the no-output timeout, or no kDoneMarker by the run timeout: crashed,
//     as a hang ("no output from test machine");
//   - kDoneMarker and QEMU's exit: ok;
//   - QEMU that cannot start, exits with an error or is killed: infra_error;
//   - under KVM, no kernel banner soon, or QEMU's own "KVM internal error": KVM does not work
//     here; the run is done again under TCG, and so are all later runs.
// Every console is saved as JOB_DIR/artifacts/<commit12>/console-<run>.log.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "base/result.h"
#include "runner/runner.h"

namespace culprit::runner {

enum class Accelerator { automatic, kvm, tcg };

struct QemuRunConfig {
  std::string qemu = "qemu-system-x86_64";
  // Where the build of a request's checkout left the kernel image.
  std::function<std::string(const RunRequest&)> kernel_image;
  std::string initramfs;  // made by prepare_vm_files() (runner/initramfs.h)
  int vms = 1;
  int memory_mb = 512;
  int cpus = 1;
  Accelerator accelerator = Accelerator::automatic;
  std::chrono::seconds run_time{10};
  std::chrono::seconds boot_timeout{120};
  std::chrono::seconds no_output_timeout{60};
  std::chrono::seconds crash_grace{3};  // console kept after the first crash line
  std::string cmdline;                  // appended to the kernel command line
};

// An error naming the package to install when `qemu` cannot be run.
Status check_qemu(const std::string& qemu);

// Whether /dev/kvm can be opened for reading and writing.
bool kvm_usable();

// MemAvailable from /proc/meminfo in MiB; 0 when unknown.
long available_memory_mb();
// How many of `vms` VMs of `memory_mb` each fit in `available_mb`, leaving room for QEMU's own
// overhead and the host (at least 1).
int vms_that_fit(int vms, int memory_mb, long available_mb);

// The QEMU argument vector for one VM.
std::vector<std::string> qemu_argv(const QemuRunConfig& config, const std::string& kernel_image,
                                   bool use_kvm);
// The kernel command line: console, panic behaviour, the init's run time, then config.cmdline.
std::string kernel_cmdline(const QemuRunConfig& config);

// Whether a console line (without its line end) starts a kernel crash report: after the printk
// time stamp, a line that is not indented and that report::starts_crash_report() accepts (the
// oops table's headers: "BUG:", "WARNING:", "Kernel panic", ...).
bool is_crash_line(std::string_view line);

// The console without carriage returns and terminal escape sequences (SeaBIOS clears the screen).
std::string clean_console(std::string_view raw);

class QemuRunner final : public Runner {
 public:
  explicit QemuRunner(QemuRunConfig config);
  void run(const RunRequest& request, std::span<const int> indices,
           const std::function<void(const ReproRun&)>& on_done) override;

  // One VM run, synchronously (what run() does for each index).
  ReproRun run_one(const RunRequest& request, int index) const;

 private:
  ReproRun boot(const RunRequest& request, int index, bool kvm, bool& kvm_failed) const;

  QemuRunConfig config_;
  bool use_kvm_ = false;
  mutable std::atomic<int> kvm_state_{0};  // 1: a KVM boot worked, -1: KVM failed, 0: not known
};

}  // namespace culprit::runner
