#include "builder/kernel_builder.h"

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include <fmt/format.h>

#include "base/cpu.h"
#include "base/executables.h"
#include "base/files.h"
#include "base/process.h"
#include "base/text.h"
#include "builder/signature.h"
#include "vcs/repository.h"

namespace culprit::builder {
namespace {

namespace fs = std::filesystem;

bool write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  return static_cast<bool>(out);
}

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

// Lines that name the cause of a build failure. Strong ones come from the compiler, assembler,
// linker or kbuild scripts; make's "*** [...] Error 2" only says which target failed.
bool strong_error_line(std::string_view line) {
  static const std::string_view kPatterns[] = {
      "error:",
      "Error:",
      "ERROR:",
      "undefined reference to",
      "multiple definition of",
      "No rule to make target",
      "fatal error",
      "undefined symbol",
      "Segmentation fault",
      "cannot find",
      "not found",
  };
  if (line.starts_with("make") && contains(line, "***")) return false;
  for (std::string_view pattern : kPatterns) {
    if (contains(line, pattern)) return true;
  }
  return false;
}

bool weak_error_line(std::string_view line) {
  return contains(line, "*** ") || contains(line, "Error ");
}

bool in_function_line(std::string_view line) {
  return contains(line, ": In function") || contains(line, ": At top level:");
}

}  // namespace

Status check_kernel_tree(const std::string& dir) {
  for (const char* file : {"Makefile", "Kconfig", "arch/x86/Makefile", "scripts/kconfig/conf.c"}) {
    std::error_code ignored;
    if (!fs::exists(fs::path(dir) / file, ignored)) {
      return make_error(fmt::format("not a Linux kernel tree: {} has no {}", dir, file));
    }
  }
  return {};
}

std::vector<std::string> build_root_cause(const std::string& output, std::size_t limit) {
  std::vector<std::string_view> lines = split_lines(output);
  std::vector<std::string> cause;
  for (std::size_t i = 0; i < lines.size() && cause.size() < limit; ++i) {
    if (!strong_error_line(lines[i])) continue;
    // The compiler's "In function" line before the first error says where.
    if (i > 0 && in_function_line(lines[i - 1]) &&
        (cause.empty() || cause.back() != lines[i - 1]) && cause.size() + 1 < limit) {
      cause.emplace_back(lines[i - 1]);
    }
    cause.emplace_back(lines[i]);
  }
  if (!cause.empty()) return cause;
  for (std::string_view line : lines) {
    if (cause.size() >= limit) break;
    if (weak_error_line(line)) cause.emplace_back(line);
  }
  return cause;
}

bool killed_for_memory(const std::string& output) {
  return contains(output, "Killed signal terminated program") ||
         contains(output, "out of memory") || contains(output, "virtual memory exhausted") ||
         contains(output, "Cannot allocate memory") || contains(output, "Error 137");
}

std::string kernel_compiler_line(const std::string& build_dir) {
  std::string header =
      read_file((fs::path(build_dir) / "include/generated/compile.h").string(), "compile.h")
          .value_or("");
  // "#define LINUX_COMPILER\t\t\"gcc ...\"" (kbuild aligns the values with tabs).
  std::size_t start = header.find("#define LINUX_COMPILER");
  if (start == std::string::npos) return "";
  start = header.find('"', start);
  if (start == std::string::npos || header.find('\n', start) < header.find('"', start + 1))
    return "";
  std::size_t end = header.find('"', ++start);
  return end == std::string::npos ? "" : header.substr(start, end - start);
}

std::optional<std::string> config_value(const std::string& config_text, const std::string& name) {
  const std::string key = "CONFIG_" + name + "=";
  std::istringstream in(config_text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with(key)) return line.substr(key.size());
  }
  return std::nullopt;
}

const std::vector<std::string>& required_boot_options() {
  static const std::vector<std::string> kOptions = {
      "64BIT",      "PRINTK",         "TTY",      "SERIAL_8250", "SERIAL_8250_CONSOLE",
      "BINFMT_ELF", "BLK_DEV_INITRD", "DEVTMPFS",
  };
  return kOptions;
}

std::string KernelBuilder::build_dir(const std::string& job_dir, const std::string& checkout_dir) {
  std::error_code ec;
  fs::path job = fs::absolute(job_dir, ec).lexically_normal();
  std::string name = fs::path(checkout_dir).lexically_normal().filename().string();
  if (name.empty()) name = fs::path(checkout_dir).lexically_normal().parent_path().filename();
  return (job / (name == "checkout" ? std::string("build") : "build-" + name)).string();
}

std::string KernelBuilder::image_path(const std::string& job_dir, const std::string& checkout_dir) {
  return (fs::path(build_dir(job_dir, checkout_dir)) / "arch/x86/boot/bzImage").string();
}

KernelBuilder::KernelBuilder(KernelBuildConfig config) : config_(std::move(config)) {
  if (config_.jobs <= 0) config_.jobs = cpu_count();
  have_ccache_ = config_.use_ccache && find_executable("ccache").has_value();
}

std::string KernelBuilder::compiler_command(const std::string& commit) const {
  if (!config_.compilers) return "";
  // The commit's tags named v*, as `git tag --merged COMMIT --list 'v*'`; none when the repository
  // cannot tell, which means the table's default. A handle of its own: builds run side by side.
  std::vector<std::string> names;
  if (Result<vcs::Repository> repo = vcs::Repository::open(config_.repo); repo.ok()) {
    if (Result<std::vector<vcs::Tag>> tags = repo->tags_reachable_from(commit); tags.ok()) {
      for (const vcs::Tag& tag : *tags) {
        if (tag.name.starts_with('v')) names.push_back(tag.name);
      }
    }
  }
  return config_.compilers->compiler_for(names);
}

std::string KernelBuilder::cc_for(const BuildRequest& request) const {
  std::string compiler =
      compiler_command(request.compiler_commit.empty() ? request.commit : request.compiler_commit);
  std::string cc = compiler.empty() ? "gcc" : compiler;
  if (config_.farm) return farm_compiler_command(cc, have_ccache_);
  if (have_ccache_ && !cc.starts_with("ccache ")) cc = "ccache " + cc;
  return cc;
}

std::vector<std::string> KernelBuilder::make_argv(const std::string& checkout,
                                                  const std::string& build_dir,
                                                  const std::string& cc) const {
  return {"make",           "-C",       checkout,
          "O=" + build_dir, "CC=" + cc, "-j" + std::to_string(config_.jobs)};
}

std::map<std::string, std::string> KernelBuilder::make_env(const BuildRequest& request,
                                                           const std::string& job_dir) const {
  std::map<std::string, std::string> env = request.env;
  env["KBUILD_BUILD_TIMESTAMP"] = config_.timestamp;
  env["KBUILD_BUILD_USER"] = "culprit";
  env["KBUILD_BUILD_HOST"] = "culprit";
  env["KBUILD_BUILD_VERSION"] = "1";
  env["LOCALVERSION"] = "-culprit";
  if (have_ccache_) env["CCACHE_BASEDIR"] = job_dir;  // hits across jobs and folders
  if (config_.farm) {
    for (auto& [name, value] : farm_make_env(*config_.farm, job_dir)) env[name] = value;
  }
  return env;
}

Result<std::string> KernelBuilder::resolve_config(const BuildRequest& request,
                                                  const std::string& target,
                                                  const std::string& config_text) {
  std::error_code ec;
  fs::path job_dir = fs::absolute(request.job_dir, ec).lexically_normal();
  fs::path checkout = fs::absolute(request.checkout_dir, ec).lexically_normal();
  fs::path scratch = build_dir(job_dir.string(), checkout.string()) + "-kconfig";
  fs::create_directories(scratch, ec);
  if (!ec && config_.farm) fs::create_directories(farm_state_dir(job_dir.string()), ec);
  if (ec) return make_error(fmt::format("cannot create {}: {}", scratch.string(), ec.message()));
  if (!config_text.empty() && !write_text(scratch / ".config", config_text)) {
    return make_error("cannot write " + (scratch / ".config").string());
  }
  ProcessSpec spec;
  spec.argv = make_argv(checkout.string(), scratch.string(), cc_for(request));
  spec.argv.push_back(target);
  spec.env = make_env(request, job_dir.string());
  spec.timeout = std::chrono::seconds(600);
  spec.output_limit = 1u << 20;
  CULPRIT_ASSIGN_OR_RETURN(const ProcessResult process, run_process(spec));
  if (process.end != ProcessResult::End::exited || process.exit_status != 0) {
    std::vector<std::string> cause = build_root_cause(process.output, 3);
    return make_error(
        fmt::format("make {} failed in {}: {}", target, checkout.string(),
                    cause.empty() ? "no error line" : fmt::format("{}", fmt::join(cause, "; "))));
  }
  return read_file((scratch / ".config").string(), ".config");
}

BuildResult KernelBuilder::build(const BuildRequest& request) {
  BuildResult result;
  std::string log;  // every make's command line and output
  auto start = std::chrono::steady_clock::now();
  auto finish = [&](BuildResult::Status status, std::string error) {
    result.status = status;
    result.error = std::move(error);
    if (config_.farm) {
      if (std::optional<std::string> note = farm_fallback_note(log)) result.notes.push_back(*note);
    }
    result.duration_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
  };

  std::error_code ec;
  fs::path job_dir = fs::absolute(request.job_dir, ec).lexically_normal();
  fs::path checkout = fs::absolute(request.checkout_dir, ec).lexically_normal();
  fs::path build_dir = KernelBuilder::build_dir(job_dir.string(), checkout.string());
  fs::path artifacts = job_dir / kArtifactsDir / request.commit.substr(0, 12);
  fs::create_directories(build_dir, ec);
  if (!ec) fs::create_directories(artifacts, ec);
  if (!ec && config_.farm) fs::create_directories(farm_state_dir(job_dir.string()), ec);
  if (ec) {
    return finish(BuildResult::Status::infra_error,
                  fmt::format("cannot create {}: {}", build_dir.string(), ec.message()));
  }
  if (Status tree = check_kernel_tree(checkout.string()); !tree.ok()) {
    return finish(BuildResult::Status::failed, tree.error().message);
  }
  const std::string& config_path =
      request.config_path.empty() ? config_.config_path : request.config_path;
  std::string user_config = read_file(config_path, "kernel config").value_or("");
  if (user_config.empty()) {
    return finish(BuildResult::Status::infra_error, "cannot read kernel config: " + config_path);
  }
  if (!write_text(build_dir / ".config", user_config)) {
    return finish(BuildResult::Status::infra_error,
                  "cannot write " + (build_dir / ".config").string());
  }

  const std::string cc = cc_for(request);
  const std::map<std::string, std::string> env = make_env(request, job_dir.string());

  fs::path log_path = artifacts / "build.log";
  auto save_log = [&] {
    write_text(log_path, log);
    result.artifacts.push_back(log_path.string());
  };
  auto make = [&](std::vector<std::string> targets) -> Result<ProcessResult> {
    ProcessSpec spec;
    spec.argv = make_argv(checkout.string(), build_dir.string(), cc);
    spec.argv.insert(spec.argv.end(), targets.begin(), targets.end());
    spec.env = env;
    spec.timeout = config_.timeout;
    spec.output_limit = 32u << 20;
    log += fmt::format("$ {}\n", fmt::join(spec.argv, " "));
    Result<ProcessResult> process = run_process(spec);
    if (process.ok()) log += process->output;
    return process;
  };
  // Classifies a make that did not succeed; nothing when it did.
  auto failure = [&](const Result<ProcessResult>& process,
                     const std::string& what) -> std::optional<BuildResult> {
    if (!process.ok()) {
      save_log();
      return finish(BuildResult::Status::infra_error,
                    fmt::format("cannot run make: {} (install make)", process.error().message));
    }
    if (process->end == ProcessResult::End::exited && process->exit_status == 0) {
      return std::nullopt;
    }
    save_log();
    if (process->end == ProcessResult::End::timed_out) {
      return finish(BuildResult::Status::timed_out,
                    fmt::format("{} timed out after {}s", what, config_.timeout.count()));
    }
    bool oom = (process->end == ProcessResult::End::signaled && process->signal == SIGKILL) ||
               killed_for_memory(process->output);
    std::vector<std::string> cause = build_root_cause(process->output);
    result.log_tail = fmt::format("{}", fmt::join(cause, "\n"));
    if (cause.empty())
      result.log_tail =
          process->output.substr(process->output.size() > 4000 ? process->output.size() - 4000 : 0);
    if (oom) {
      return finish(BuildResult::Status::infra_error, what + " was killed (out of memory?)");
    }
    std::string status = process->end == ProcessResult::End::signaled
                             ? "killed by signal " + signal_name(process->signal)
                             : "exited with status " + std::to_string(process->exit_status);
    auto error_line = std::find_if(cause.begin(), cause.end(),
                                   [](const std::string& line) { return !in_function_line(line); });
    return finish(BuildResult::Status::failed, error_line == cause.end()
                                                   ? fmt::format("{} {}", what, status)
                                                   : first_line(*error_line));
  };

  Result<ProcessResult> configured = make({"olddefconfig"});
  if (auto failed = failure(configured, "make olddefconfig")) return *failed;
  std::string final_config = read_file((build_dir / ".config").string(), ".config").value_or("");
  fs::path config_artifact = artifacts / "kernel.config";
  write_text(config_artifact, final_config);
  result.artifacts.push_back(config_artifact.string());
  for (const std::string& option : required_boot_options()) {
    if (config_value(final_config, option) != "y") {
      save_log();
      return finish(BuildResult::Status::failed,
                    fmt::format("the config has no CONFIG_{}=y after olddefconfig (needed to "
                                "boot in QEMU)",
                                option));
    }
  }

  Result<ProcessResult> built = make({"bzImage"});
  if (auto failed = failure(built, "make bzImage")) return *failed;
  save_log();

  result.compiler = kernel_compiler_line(build_dir.string());
  fs::path image = image_path(job_dir.string(), checkout.string());
  fs::path vmlinux = build_dir / "vmlinux";
  if (!fs::exists(image, ec) || !fs::exists(vmlinux, ec)) {
    return finish(BuildResult::Status::failed,
                  "make bzImage did not produce " + image.string() + " and vmlinux");
  }
  result.artifact = image.string();
  Result<std::string> signature = artifact_signature(vmlinux.string());
  if (!signature.ok()) return finish(BuildResult::Status::failed, signature.error().message);
  result.signature = std::move(*signature);
  return finish(BuildResult::Status::ok, "");
}

}  // namespace culprit::builder
