#include "backend/kernel_backend.h"

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "backend/preflight.h"
#include "base/cpu.h"
#include "base/executables.h"
#include "base/files.h"
#include "base/sha256.h"
#include "builder/build_farm.h"
#include "builder/build_farm_check.h"
#include "builder/compiler_table.h"
#include "builder/kernel_builder.h"
#include "runner/initramfs.h"
#include "runner/qemu_runner.h"

namespace culprit::backend {
namespace {

namespace fs = std::filesystem;

std::string file_digest(const std::string& path) {
  return to_hex(sha256(read_file(path, "file").value_or("")));
}

// The local files the hosts' ssh options name must be there (ssh would only warn and go on).
Status check_vm_host_files(const std::vector<runner::VmHost>& hosts) {
  for (const runner::VmHost& host : hosts) {
    for (const auto& [what, path] :
         {std::pair{"identity", &host.identity}, std::pair{"known_hosts", &host.known_hosts}}) {
      std::error_code ec;
      if (!path->empty() && !fs::is_regular_file(*path, ec)) {
        return make_error(
            fmt::format("vm host {}: {} file not found: {}", host.name(), what, *path));
      }
    }
  }
  return {};
}

}  // namespace

Result<Backend> make_kernel_backend(const KernelBackendOptions& options, const BackendLog& log) {
  std::error_code ec;
  if (!fs::is_regular_file(options.config, ec)) {
    return make_error("kernel config not found: " + options.config);
  }
  CULPRIT_ASSIGN_OR_RETURN(const int memory_mb, parse_memory_mb(options.vm_memory));
  CULPRIT_ASSIGN_OR_RETURN(const runner::Accelerator accelerator,
                           runner::parse_accelerator(options.accelerator));
  std::vector<runner::VmHost> hosts;
  if (!options.vm_hosts.empty()) {
    CULPRIT_ASSIGN_OR_RETURN(hosts, runner::parse_vm_hosts(options.vm_hosts));
    CULPRIT_TRY(check_vm_host_files(hosts));
  }
  std::optional<builder::CompilerTable> compilers;
  if (!options.compilers.empty()) {
    CULPRIT_ASSIGN_OR_RETURN(compilers, builder::CompilerTable::load(options.compilers));
  }
  std::optional<builder::BuildFarm> farm;
  if (!options.build_farm.empty()) {
    CULPRIT_ASSIGN_OR_RETURN(farm, builder::BuildFarm::parse(options.build_farm));
  }
  const int build_jobs = options.build_jobs > 0 ? options.build_jobs
                         : farm                 ? farm->make_jobs(cpu_count())
                                                : cpu_count();
  if (farm) {
    builder::FarmCheckOptions check;
    check.compilers = builder::farm_compilers(compilers);
    check.through_ccache = find_executable("ccache").has_value();  // as KernelBuilder's
    check.scratch_dir = options.work_dir + "/farm-check";
    log(fmt::format("build farm: checking {} with {}", farm->distcc_hosts(),
                    fmt::join(check.compilers, ", ")));
    CULPRIT_TRY(builder::check_build_farm(*farm, check));
    log("build farm: " + farm->summary(build_jobs));
  }
  CULPRIT_TRY(runner::check_qemu("qemu-system-x86_64"));
  CULPRIT_TRY(check_kernel_repo(options.repo, options.bad));
  CULPRIT_TRY(
      check_kernel_config(options.repo, options.config, options.work_dir + "/config-check", log));

  const std::string& repro = options.repro.empty() ? options.repro_bin : options.repro;
  log(fmt::format("building reproducer {}", repro));
  CULPRIT_ASSIGN_OR_RETURN(
      const runner::VmFiles files,
      runner::prepare_vm_files(options.work_dir + "/vm", options.repro, options.repro_bin));

  runner::QemuRunConfig run_config;
  run_config.kernel_image = [](const runner::RunRequest& request) {
    return builder::KernelBuilder::image_path(request.job_dir, request.checkout_dir);
  };
  run_config.initramfs = files.initramfs;
  run_config.memory_mb = memory_mb;
  run_config.run_time = std::chrono::seconds(options.run_time_s);
  run_config.boot_timeout = std::chrono::seconds(options.boot_timeout_s);
  run_config.no_output_timeout = std::chrono::seconds(options.no_output_timeout_s);
  run_config.cmdline = options.cmdline;
  run_config.accelerator = accelerator;
  run_config.vms = vms_for_memory(options.vms > 0 ? options.vms : cpu_count(), memory_mb, log);
  bool kvm = run_config.accelerator == runner::Accelerator::kvm ||
             (run_config.accelerator == runner::Accelerator::automatic && runner::kvm_usable());
  log(fmt::format("VMs: {} at once, {} MiB each, {}; kernel command line: {}", run_config.vms,
                  memory_mb, kvm ? "KVM (TCG if KVM does not boot)" : "TCG",
                  runner::kernel_cmdline(run_config)));

  run_config.hosts = std::move(hosts);
  run_config.log = log;
  auto runner = std::make_unique<runner::QemuRunner>(std::move(run_config));
  if (!options.vm_hosts.empty()) {
    CULPRIT_TRY(runner->prepare_hosts());
    const std::string summary = runner->hosts_summary();
    log(fmt::format("VM hosts: {}; runs spread over {} slots", summary.empty() ? "none" : summary,
                    runner->slots()));
  }

  builder::KernelBuildConfig build_config;
  build_config.repo = options.repo;
  build_config.config_path = fs::absolute(options.config, ec).string();
  build_config.compilers = std::move(compilers);
  build_config.jobs = build_jobs;
  build_config.farm = std::move(farm);
  build_config.timeout = std::chrono::seconds(options.build_timeout_s);

  Backend backend;
  // One build folder per commit tested at once: a kernel checkout and build take gigabytes, and an
  // incremental rebuild in the same folder is cheap.
  backend.build_slots = options.parallel;
  backend.run_slots = runner->slots();
  backend.arch = "x86_64";
  // The build farm is not in the key: its hosts run the compilers checked to be the same as
  // here, so what is built is the same.
  backend.key =
      fmt::format("kernel\nconfig={}\nrepro={}\nrun_time={}\ncmdline={}\ncompilers={}",
                  file_digest(options.config), file_digest(repro), options.run_time_s,
                  options.cmdline, options.compilers.empty() ? "" : file_digest(options.compilers));
  backend.builder = std::make_unique<builder::KernelBuilder>(std::move(build_config));
  backend.runner = std::move(runner);
  return backend;
}

}  // namespace culprit::backend
