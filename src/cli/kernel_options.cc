#include "cli/kernel_options.h"

#include <vector>

#include <fmt/format.h>

#include "backend/job_file.h"
#include "cli/subcommand.h"

namespace culprit::cli {

void add_kernel_options(CLI::App& bisect, KernelFlags& flags) {
  bisect.add_flag("--kernel", flags.enabled,
                  "Kernel backend: build each commit of a Linux tree with make (bzImage) and run "
                  "the reproducer in QEMU VMs");
  bisect.add_option("--job", flags.job_file,
                    "TOML job file holding any of these options by name (flags override it)");
  bisect.add_option("--job-base", flags.job_base,
                    "Folder the job file's relative paths are taken from (default: the job "
                    "file's folder)");
  bisect.add_option("--config", flags.options.config,
                    "Kernel: the .config every commit is built with (after make olddefconfig)");
  bisect.add_option("--repro", flags.options.repro,
                    "Kernel: C reproducer, compiled statically once per job with the host cc");
  bisect.add_option("--repro-bin", flags.options.repro_bin,
                    "Kernel: static reproducer executable (instead of --repro)");
  bisect.add_option("--vms", flags.options.vms, "Kernel: VMs at once (default: one per CPU)")
      ->check(kAtLeastOne);
  bisect.add_option("--vm-memory", flags.options.vm_memory,
                    "Kernel: memory per VM (512M, 1G; default 512M)");
  bisect
      .add_option("--run-time", flags.options.run_time_s,
                  "Kernel: seconds the reproducer is run again and again in each VM (default 10)")
      ->check(kAtLeastOne);
  bisect
      .add_option("--boot-timeout", flags.options.boot_timeout_s,
                  "Kernel: seconds for a VM to boot to culprit's init (default 120)")
      ->check(kAtLeastOne);
  bisect
      .add_option("--no-output-timeout", flags.options.no_output_timeout_s,
                  "Kernel: seconds without console output before a run is a hang (default 60)")
      ->check(kAtLeastOne);
  bisect.add_option("--cmdline", flags.options.cmdline,
                    "Kernel: extra kernel command line parameters");
  bisect.add_option("--kernel-compilers", flags.options.compilers,
                    "Kernel: compiler table file (`vX.Y COMPILER` lines, `default COMPILER`); "
                    "default: the system compiler");
  bisect
      .add_option("--vm-accel", flags.options.accelerator,
                  "Kernel: QEMU accelerator: auto (KVM when /dev/kvm works), kvm or tcg")
      ->check(CLI::IsMember({"auto", "kvm", "tcg"}));
  bisect.add_option("--vm-hosts", flags.options.vm_hosts,
                    "Kernel: VM hosts over ssh, comma-separated: ssh://[user@]host[:port]"
                    "[?slots=N&memory=M&identity=FILE&known_hosts=FILE&accel=auto|kvm|tcg&"
                    "dir=REMOTE_DIR]; their slots add to --vms (docs/farm.md)");
  bisect
      .add_option("--build-jobs", flags.options.build_jobs,
                  "Kernel: make -j (default: one per CPU, plus the build farm's slots)")
      ->check(kAtLeastOne);
  bisect.add_option("--build-farm", flags.options.build_farm,
                    "Kernel: compile on distcc hosts, `distcc://HOST[:PORT][?slots=N]`, "
                    "comma-separated (port 3632, 2 slots by default); checked before the job "
                    "starts, compiles fall back to this machine when a host fails");
}

Status apply_job_file(CLI::App& app, const std::string& path, const std::string& base_dir) {
  if (path.empty()) return {};
  CULPRIT_ASSIGN_OR_RETURN(const std::vector<backend::JobFileSetting> settings,
                           backend::read_job_file(path, base_dir));
  for (const backend::JobFileSetting& setting : settings) {
    const std::string& name = setting.key;
    CLI::Option* option = nullptr;
    if (name != "job" && name != "job-base" && name != "help") {
      try {
        option = app.get_option("--" + name);
      } catch (const CLI::OptionNotFound&) {
      }
    }
    if (option == nullptr) {
      return make_error(fmt::format("job file {}: unknown key `{}`", path, name));
    }
    if (option->count() > 0) continue;  // the command line wins
    if (setting.bad_value) {
      return make_error(
          fmt::format("job file {}: `{}` must be a string, number, boolean or a "
                      "list of them",
                      path, name));
    }
    try {
      for (const std::string& value : setting.values) option->add_result(value);
      option->run_callback();
    } catch (const CLI::Error& error) {
      return make_error(fmt::format("job file {}: `{}`: {}", path, name, error.what()));
    }
  }
  return {};
}

Result<backend::Backend> kernel_backend(const job::BisectOptions& options, const KernelFlags& flags,
                                        job::JobLog& log) {
  if (flags.options.config.empty()) {
    return make_error("--kernel needs --config FILE (a kernel .config)");
  }
  if (flags.options.repro.empty() == flags.options.repro_bin.empty()) {
    return make_error("--kernel needs exactly one of --repro FILE.c and --repro-bin FILE");
  }
  backend::KernelBackendOptions kernel = flags.options;
  kernel.repo = options.repo;
  kernel.bad = options.bad;
  kernel.work_dir = options.state_path + ".d";
  kernel.parallel = options.parallel;
  return backend::make_kernel_backend(kernel, [&log](const std::string& line) { log.line(line); });
}

}  // namespace culprit::cli
