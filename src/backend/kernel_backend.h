// The kernel backend (`culprit bisect --kernel`): every commit of a Linux tree is built with make
// (builder::KernelBuilder, one kept build folder per commit tested at once) and the reproducer is
// run in QEMU VMs booting it (runner::QemuRunner), from a culprit-made initramfs.
#pragma once

#include <string>

#include "backend/backend.h"
#include "base/result.h"
#include "runner/vm_host.h"

namespace culprit::backend {

struct KernelBackendOptions {
  // Of the bisection.
  std::string repo = ".";
  std::string bad;       // the commit the bisection starts from, checked to be a kernel tree
  std::string work_dir;  // culprit's folder beside the store (<state>.d): the VM files, scratch
  int parallel = 1;      // commits built and tested at once: one build folder each
  // The kernel's.
  std::string config;     // the .config every commit is built with (after make olddefconfig)
  std::string repro;      // C reproducer, compiled statically once per job ...
  std::string repro_bin;  // ... or a static executable: exactly one of the two
  int vms = 0;            // VMs at once; 0: one per CPU (fewer when memory is short)
  std::string vm_memory = "512M";
  int run_time_s = 10;  // the reproducer runs again and again this long in each VM
  int boot_timeout_s = 120;
  int no_output_timeout_s = 60;
  std::string cmdline;               // extra kernel command line parameters
  std::string compilers;             // compiler table file (builder/compiler_table.h); "": none
  std::string accelerator = "auto";  // "auto" (KVM when /dev/kvm works), "kvm" or "tcg"
  // VM hosts over ssh, `ssh://[user@]host[:port][?slots=N&...],...` (runner/vm_host.h); their
  // slots add to `vms`. Not part of the job's key: where a run boots does not change it.
  std::string vm_hosts;
  int build_jobs = 0;  // make -j; 0: one per CPU (with a farm: its slots too)
  // Compile on distcc hosts (builder/build_farm.h): "distcc://HOST[:PORT][?slots=N],..."; "":
  // here. Not part of the key: a farm-built kernel is the same kernel.
  std::string build_farm;
  int build_timeout_s = 3 * 3600;
};

// "512", "512M", "2G" -> MiB (runner/vm_host.h, which VM hosts' `memory=` shares).
using runner::parse_memory_mb;

// The kernel backend, ready to run: checks the input (the config file, the build farm's hosts and
// compilers, qemu installed, the preflight checks), builds the reproducer and the initramfs, and
// fills the Backend's key (the digests of the config, the reproducer and the compiler table, and
// the settings that change a run), build slots (one per parallel commit), run slots (local VMs and
// the VM hosts' slots) and arch (x86_64). Logs what it does; `log` also gets the runner's lines
// later (copies to VM hosts, hosts set aside), from the runner's threads, so it must be safe to
// call from any thread.
Result<Backend> make_kernel_backend(const KernelBackendOptions& options, const BackendLog& log);

}  // namespace culprit::backend
