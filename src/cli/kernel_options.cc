#include "cli/kernel_options.h"

#include <toml++/toml.h>

#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "base/cpu.h"
#include "base/files.h"
#include "base/process.h"
#include "base/sha256.h"
#include "builder/compiler_table.h"
#include "builder/kernel_builder.h"
#include "runner/initramfs.h"
#include "runner/qemu_runner.h"
#include "vcs/repository.h"

namespace culprit::cli {
namespace {

namespace fs = std::filesystem;

// Job file keys whose values are paths: relative ones are taken from the job file's folder.
const std::set<std::string> kPathKeys = {
    "repo", "config", "repro", "repro-bin", "kernel-compilers", "state", "log", "json"};

Result<ProcessResult> run(std::vector<std::string> argv, std::chrono::seconds timeout) {
  ProcessSpec spec;
  spec.argv = std::move(argv);
  spec.timeout = timeout;
  return run_process(spec);
}

bool succeeded(const Result<ProcessResult>& process) {
  return process.ok() && process->end == ProcessResult::End::exited && process->exit_status == 0;
}

// A repository whose `bad` commit has no kernel sources is not a kernel tree. An unknown
// repository or revision is left to the bisection, which names it.
Status check_kernel_repo(const std::string& repo, const std::string& bad) {
  Result<vcs::Repository> opened = vcs::Repository::open(repo);
  if (!opened.ok()) return {};
  Result<std::string> commit = opened->resolve(bad);
  if (!commit.ok()) return {};
  for (const char* file : {"Kconfig", "Makefile", "arch/x86/Makefile"}) {
    Result<bool> found = opened->has_path(*commit, file);
    if (!found.ok() || !*found) {
      return make_error(
          fmt::format("not a Linux kernel tree: {} has no {} at {}", repo, file, bad));
    }
  }
  return {};
}

// Runs olddefconfig on the repository's work tree with `config` in a scratch build folder and
// checks the result still boots in QEMU. Skipped when there is no clean work tree to run it in.
Status check_config(const std::string& repo, const std::string& config, const std::string& scratch,
                    job::JobLog& log) {
  std::string text = read_file(config, "kernel config").value_or("");
  if (text.find("CONFIG_") == std::string::npos) {
    return make_error(fmt::format("not a kernel config: {} has no CONFIG_ lines", config));
  }
  std::error_code ec;
  if (!builder::check_kernel_tree(repo).ok() || fs::exists(fs::path(repo) / ".config", ec) ||
      fs::exists(fs::path(repo) / "include/config", ec)) {
    return {};
  }
  log.print("checking config {} with make olddefconfig", config);
  fs::remove_all(scratch, ec);
  fs::create_directories(scratch, ec);
  fs::copy_file(config, fs::path(scratch) / ".config", fs::copy_options::overwrite_existing, ec);
  if (ec) return make_error(fmt::format("cannot copy {}: {}", config, ec.message()));
  Result<ProcessResult> configured =
      run({"make", "-C", repo, "O=" + fs::absolute(scratch).string(), "olddefconfig"},
          std::chrono::seconds(600));
  if (!configured.ok()) {
    return make_error("cannot run make: " + configured.error().message + " (install make)");
  }
  std::string result = read_file((fs::path(scratch) / ".config").string(), ".config").value_or("");
  fs::remove_all(scratch, ec);
  if (!succeeded(configured)) {
    std::vector<std::string> cause = builder::build_root_cause(configured->output, 5);
    return make_error(fmt::format("make olddefconfig rejects {}: {}", config,
                                  cause.empty()
                                      ? "exit status " + std::to_string(configured->exit_status)
                                      : fmt::format("{}", fmt::join(cause, "; "))));
  }
  for (const std::string& option : builder::required_boot_options()) {
    if (builder::config_value(result, option) != "y") {
      return make_error(fmt::format(
          "config {} gives no CONFIG_{}=y after make olddefconfig; culprit's VMs need it "
          "(with {})",
          config, option, fmt::join(builder::required_boot_options(), ", ")));
    }
  }
  return {};
}

std::string file_digest(const std::string& path) {
  return to_hex(sha256(read_file(path, "file").value_or("")));
}

}  // namespace

void add_kernel_options(CLI::App& bisect, KernelFlags& flags) {
  bisect.add_flag("--kernel", flags.enabled,
                  "Kernel backend: build each commit of a Linux tree with make (bzImage) and run "
                  "the reproducer in QEMU VMs");
  bisect.add_option("--job", flags.job_file,
                    "TOML job file holding any of these options by name (flags override it)");
  bisect.add_option("--config", flags.config,
                    "Kernel: the .config every commit is built with (after make olddefconfig)");
  bisect.add_option("--repro", flags.repro,
                    "Kernel: C reproducer, compiled statically once per job with the host cc");
  bisect.add_option("--repro-bin", flags.repro_bin,
                    "Kernel: static reproducer executable (instead of --repro)");
  bisect.add_option("--vms", flags.vms, "Kernel: VMs at once (default: one per CPU)")
      ->check(CLI::PositiveNumber);
  bisect.add_option("--vm-memory", flags.vm_memory,
                    "Kernel: memory per VM (512M, 1G; default 512M)");
  bisect
      .add_option("--run-time", flags.run_time_s,
                  "Kernel: seconds the reproducer is run again and again in each VM (default 10)")
      ->check(CLI::PositiveNumber);
  bisect
      .add_option("--boot-timeout", flags.boot_timeout_s,
                  "Kernel: seconds for a VM to boot to culprit's init (default 120)")
      ->check(CLI::PositiveNumber);
  bisect
      .add_option("--no-output-timeout", flags.no_output_timeout_s,
                  "Kernel: seconds without console output before a run is a hang (default 60)")
      ->check(CLI::PositiveNumber);
  bisect.add_option("--cmdline", flags.cmdline, "Kernel: extra kernel command line parameters");
  bisect.add_option("--kernel-compilers", flags.compilers,
                    "Kernel: compiler table file (`vX.Y COMPILER` lines, `default COMPILER`); "
                    "default: the system compiler");
  bisect
      .add_option("--vm-accel", flags.accelerator,
                  "Kernel: QEMU accelerator: auto (KVM when /dev/kvm works), kvm or tcg")
      ->check(CLI::IsMember({"auto", "kvm", "tcg"}));
  bisect.add_option("--build-jobs", flags.build_jobs, "Kernel: make -j (default: one per CPU)")
      ->check(CLI::PositiveNumber);
}

Status apply_job_file(CLI::App& app, const std::string& path) {
  if (path.empty()) return {};
  toml::table table;
  try {
    table = toml::parse_file(path);
  } catch (const toml::parse_error& error) {
    return make_error(
        fmt::format("job file {}:{}: {}", path, error.source().begin.line, error.description()));
  }
  std::error_code ec;
  fs::path dir = fs::absolute(path, ec).parent_path();
  for (auto&& [key, node] : table) {
    std::string name(key.str());
    CLI::Option* option = nullptr;
    if (name != "job" && name != "help") {
      try {
        option = app.get_option("--" + name);
      } catch (const CLI::OptionNotFound&) {
      }
    }
    if (option == nullptr) {
      return make_error(fmt::format("job file {}: unknown key `{}`", path, name));
    }
    if (option->count() > 0) continue;  // the command line wins
    std::vector<std::string> values;
    bool bad_value = false;
    auto add = [&](const toml::node& value) {
      if (auto text = value.value_exact<std::string>()) {
        values.push_back(kPathKeys.contains(name) && fs::path(*text).is_relative()
                             ? (dir / *text).lexically_normal().string()
                             : *text);
      } else if (auto flag = value.value_exact<bool>()) {
        values.push_back(*flag ? "true" : "false");
      } else if (auto number = value.value_exact<std::int64_t>()) {
        values.push_back(std::to_string(*number));
      } else if (auto real = value.value_exact<double>()) {
        values.push_back(fmt::format("{}", *real));
      } else {
        bad_value = true;
      }
    };
    if (const toml::array* array = node.as_array()) {
      for (const toml::node& element : *array) add(element);
    } else {
      add(node);
    }
    if (bad_value) {
      return make_error(
          fmt::format("job file {}: `{}` must be a string, number, boolean or a "
                      "list of them",
                      path, name));
    }
    try {
      for (const std::string& value : values) option->add_result(value);
      option->run_callback();
    } catch (const CLI::Error& error) {
      return make_error(fmt::format("job file {}: `{}`: {}", path, name, error.what()));
    }
  }
  return {};
}

Result<int> parse_memory_mb(const std::string& text) {
  std::size_t used = 0;
  long value = 0;
  try {
    value = std::stol(text, &used);
  } catch (const std::exception&) {
    return make_error(fmt::format("bad memory size `{}` (use 512M or 1G)", text));
  }
  std::string unit = text.substr(used);
  long mb = -1;
  if (unit.empty() || unit == "M" || unit == "m" || unit == "MB" || unit == "MiB") mb = value;
  if (unit == "G" || unit == "g" || unit == "GB" || unit == "GiB") mb = value * 1024;
  if (mb < 64 || mb > (1 << 20)) {
    return make_error(fmt::format("bad memory size `{}` (use 512M or 1G, at least 64M)", text));
  }
  return static_cast<int>(mb);
}

Result<KernelBackend> make_kernel_backend(job::BisectOptions& options, const KernelFlags& flags,
                                          job::JobLog& log) {
  if (flags.config.empty()) return make_error("--kernel needs --config FILE (a kernel .config)");
  if (flags.repro.empty() == flags.repro_bin.empty()) {
    return make_error("--kernel needs exactly one of --repro FILE.c and --repro-bin FILE");
  }
  std::error_code ec;
  if (!fs::is_regular_file(flags.config, ec)) {
    return make_error("kernel config not found: " + flags.config);
  }
  Result<int> memory_mb = parse_memory_mb(flags.vm_memory);
  if (!memory_mb) return memory_mb.error();
  std::optional<builder::CompilerTable> compilers;
  if (!flags.compilers.empty()) {
    auto table = builder::CompilerTable::load(flags.compilers);
    if (!table) return table.error();
    compilers = std::move(*table);
  }
  if (Status qemu = runner::check_qemu("qemu-system-x86_64"); !qemu.ok()) return qemu.error();
  if (Status tree = check_kernel_repo(options.repo, options.bad); !tree.ok()) return tree.error();

  const std::string work_dir = options.state_path + ".d";
  if (Status config = check_config(options.repo, flags.config, work_dir + "/config-check", log);
      !config.ok()) {
    return config.error();
  }

  log.print("building reproducer {}", flags.repro.empty() ? flags.repro_bin : flags.repro);
  auto files = runner::prepare_vm_files(work_dir + "/vm", flags.repro, flags.repro_bin);
  if (!files) return files.error();

  runner::QemuRunConfig run_config;
  run_config.kernel_image = [](const runner::RunRequest& request) {
    return builder::KernelBuilder::image_path(request.job_dir, request.checkout_dir);
  };
  run_config.initramfs = files->initramfs;
  run_config.memory_mb = *memory_mb;
  run_config.run_time = std::chrono::seconds(flags.run_time_s);
  run_config.boot_timeout = std::chrono::seconds(flags.boot_timeout_s);
  run_config.no_output_timeout = std::chrono::seconds(flags.no_output_timeout_s);
  run_config.cmdline = flags.cmdline;
  run_config.accelerator = flags.accelerator == "kvm"   ? runner::Accelerator::kvm
                           : flags.accelerator == "tcg" ? runner::Accelerator::tcg
                                                        : runner::Accelerator::automatic;
  int wanted_vms = flags.vms > 0 ? flags.vms : cpu_count();
  long available = runner::available_memory_mb();
  run_config.vms = runner::vms_that_fit(wanted_vms, *memory_mb, available);
  if (run_config.vms < wanted_vms) {
    log.print("not enough memory for {} VMs of {} MiB ({} MiB available): using {} VMs", wanted_vms,
              *memory_mb, available, run_config.vms);
  }
  bool kvm = run_config.accelerator == runner::Accelerator::kvm ||
             (run_config.accelerator == runner::Accelerator::automatic && runner::kvm_usable());
  log.print("VMs: {} at once, {} MiB each, {}; kernel command line: {}", run_config.vms, *memory_mb,
            kvm ? "KVM (TCG if KVM does not boot)" : "TCG", runner::kernel_cmdline(run_config));

  builder::KernelBuildConfig build_config;
  build_config.repo = options.repo;
  build_config.config_path = fs::absolute(flags.config, ec).string();
  build_config.compilers = std::move(compilers);
  build_config.jobs = flags.build_jobs > 0 ? flags.build_jobs : cpu_count();
  build_config.timeout = std::chrono::seconds(flags.build_timeout_s);

  // One build folder per commit tested at once: a kernel checkout and build take gigabytes, and an
  // incremental rebuild in the same folder is cheap.
  options.build_slots = options.parallel;
  options.arch = "x86_64";
  options.backend_key = fmt::format(
      "kernel\nconfig={}\nrepro={}\nrun_time={}\ncmdline={}\ncompilers={}",
      file_digest(flags.config), file_digest(flags.repro.empty() ? flags.repro_bin : flags.repro),
      flags.run_time_s, flags.cmdline, flags.compilers.empty() ? "" : file_digest(flags.compilers));

  KernelBackend backend;
  backend.builder = std::make_unique<builder::KernelBuilder>(std::move(build_config));
  backend.runner = std::make_unique<runner::QemuRunner>(std::move(run_config));
  return backend;
}

}  // namespace culprit::cli
