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
// Every console is saved as JOB_DIR/artifacts/<commit12>/console-<run>.log
// (console-<run>-on-<user@host:port>.log for a run on a VM host: which host ran it).
//
// VM hosts (`hosts`, runner/vm_host.h): their slots add to the local `vms`, and a batch's runs
// are spread over all of them (runner/run_queue.h), one thread per slot. On a host, the same VM
// runs under ssh (`ssh ... -- sh -c 'timeout ... qemu ...'`, runner/vm_host.h), with the kernel
// image and initramfs copied there once (runner/remote_files.h); its console comes back on ssh's
// stdout into the same watch as a local VM's, and is classified the same way. KVM is probed and,
// when it fails, dropped per host, as locally. A run whose host failed under it (ssh exits 255:
// connection refused or lost; the copy failed) is not the commit's doing: it is not reported, but
// given back to the queue for another slot (the failing slot waits a moment first so that another
// takes it), and counts against the host (runner/vm_host_pool.h sets it aside after two in a
// row). When every slot is gone, the runs left are reported as infra_error.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "runner/runner.h"
#include "runner/vm_host.h"
#include "runner/vm_host_pool.h"

namespace culprit::runner {

struct QemuRunConfig {
  std::string qemu = "qemu-system-x86_64";
  // Where the build of a request's checkout left the kernel image.
  std::function<std::string(const RunRequest&)> kernel_image;
  std::string initramfs;  // made by prepare_vm_files() (runner/initramfs.h)
  int vms = 1;            // local VMs at once; may be 0 when there are hosts
  int memory_mb = 512;
  int cpus = 1;
  Accelerator accelerator = Accelerator::automatic;
  std::chrono::seconds run_time{10};
  std::chrono::seconds boot_timeout{120};
  std::chrono::seconds no_output_timeout{60};
  std::chrono::seconds crash_grace{3};  // console kept after the first crash line
  std::string cmdline;                  // appended to the kernel command line
  std::vector<VmHost> hosts;            // VM hosts over ssh; their slots add to `vms`
  RunnerLog log;  // the runner's lines (copies, host faults, hosts set aside); empty: stderr
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

// The seconds a VM on a host may live there (coreutils timeout's limit): the longest the console
// watch keeps a VM (boot, run and no-output timeouts, the crash grace, the wait for QEMU's exit)
// and a minute of slack, so that only a VM whose ssh session is gone meets it.
std::chrono::seconds remote_vm_limit(const QemuRunConfig& config);

class QemuRunner final : public Runner {
 public:
  explicit QemuRunner(QemuRunConfig config);
  ~QemuRunner() override;

  // Probes the VM hosts (runner/vm_host_pool.h): unreachable ones are set aside, a host key not
  // accepted is an error (then, and every time after; run() reports every run as an infra_error
  // with it). run() does it when it was not done.
  Status prepare_hosts();
  // VMs at once: the local ones and the slots of the hosts in use.
  int slots() const;
  // "root@127.0.0.1:2222 (2 slots, TCG), ..."; "" without hosts.
  std::string hosts_summary() const;
  // Copies made to the hosts so far (runner/remote_files.h).
  std::size_t copies() const;
  std::uint64_t bytes_copied() const;

  void run(const RunRequest& request, std::span<const int> indices,
           const std::function<void(const ReproRun&)>& on_done) override;

  // One VM run on the local machine, synchronously.
  ReproRun run_one(const RunRequest& request, int index) const;

 private:
  // Where a run boots: the local machine (nullopt) or host i of the pool.
  using Place = std::optional<std::size_t>;
  // One run at `place`, done again under TCG when KVM fails there. `host_fault` is set when the
  // host failed under it (the run is then no evidence).
  ReproRun run_at(const RunRequest& request, int index, Place place,
                  std::optional<std::string>& host_fault) const;
  ReproRun boot(const RunRequest& request, int index, Place place, bool kvm,
                const std::atomic<int>& kvm_state, bool& kvm_failed,
                std::optional<std::string>& host_fault) const;
  // The argument vector that starts the VM at `place` (copying its files to a host first).
  Result<std::vector<std::string>> vm_argv(const std::string& image, Place place, bool kvm) const;

  QemuRunConfig config_;
  bool use_kvm_ = false;
  mutable std::atomic<int> kvm_state_{0};  // 1: a KVM boot worked, -1: KVM failed, 0: not known
  std::unique_ptr<VmHostPool> hosts_;
  bool hosts_prepared_ = false;
  std::optional<Error> prepare_error_;
};

}  // namespace culprit::runner
