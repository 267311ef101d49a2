#include "builder/build_farm_check.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include <fmt/format.h>

#include "base/executables.h"
#include "base/process.h"
#include "base/text.h"

namespace culprit::builder {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kProbeSource =
    "/* culprit's build farm probe: what matters is the .comment its compiler writes. */\n"
    "int culprit_farm_probe(int x) { return x * 3 + 1; }\n";

// The program of a compiler command: "gcc-12" of "ccache gcc-12 -O2".
std::string compiler_program(std::string_view command) {
  command = trim(command);
  if (command.starts_with("ccache ")) command = trim(command.substr(7));
  if (command.empty()) return "gcc";
  return std::string(command.substr(0, command.find_first_of(" \t")));
}

// The first line of `output` holding `part`, "" when none does.
std::string_view line_with(std::string_view output, std::string_view part) {
  for (std::string_view line : split_lines(output)) {
    if (line.find(part) != std::string_view::npos) return line;
  }
  return {};
}

// What a line of distcc's says, without "distcc[PID] (function) ERROR: ".
std::string_view after_level(std::string_view line) {
  std::size_t at = line.find("ERROR: ");
  return at == std::string_view::npos ? trim(line) : line.substr(at + 7);
}

// Why a probe compile through `host` did not give an object: one line.
std::string probe_failure(const FarmHost& host, const std::string& compiler,
                          const ProcessResult& process, std::chrono::seconds timeout) {
  const std::string prefix = "build farm host " + host.address() + ": ";
  if (process.end == ProcessResult::End::timed_out) {
    return fmt::format(
        "{}no answer in {}s compiling with {} (is {} in the host's distcc whitelist, "
        "/usr/lib/distcc?)",
        prefix, timeout.count(), compiler, compiler);
  }
  const std::string_view output = process.output;
  // "nonblocking connect to 127.0.0.1:3633 failed: Connection refused", "failed to resolve host
  // nosuch.invalid port 3632: Name or service not known".
  for (std::string_view part : {"connect to ", "failed to resolve host"}) {
    std::string_view line = line_with(output, part);
    if (line.empty()) continue;
    std::string_view message = after_level(line);
    std::size_t reason = message.rfind(": ");
    return fmt::format("{}cannot connect ({})", prefix,
                       reason == std::string_view::npos ? message : message.substr(reason + 2));
  }
  // distccd's exit code for a compiler it cannot find (EXIT_COMPILER_MISSING).
  if (!line_with(output, "failed with exit code 110").empty()) {
    return fmt::format("{}{} is missing there (distccd cannot run it)", prefix, compiler);
  }
  if (!line_with(output, "server provided no answer").empty()) {
    return fmt::format(
        "{}no answer compiling with {} (does distccd allow this machine, and is {} in its "
        "/usr/lib/distcc whitelist?)",
        prefix, compiler, compiler);
  }
  std::string_view cause = line_with(output, "error");
  if (cause.empty()) cause = line_with(output, "ERROR");
  return fmt::format("{}the probe compile with {} failed: {}", prefix, compiler,
                     cause.empty() ? std::string_view("no error line") : after_level(cause));
}

Result<ProcessResult> compile_probe(std::vector<std::string> argv, const std::string& dir,
                                    std::map<std::string, std::string> env,
                                    std::chrono::seconds timeout) {
  ProcessSpec spec;
  spec.argv = std::move(argv);
  spec.working_dir = dir;
  spec.env = std::move(env);
  spec.timeout = timeout;
  spec.output_limit = 64u << 10;
  return run_process(spec);
}

bool exited_ok(const ProcessResult& process) {
  return process.end == ProcessResult::End::exited && process.exit_status == 0;
}

class ElfFile {
 public:
  explicit ElfFile(const std::string& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (fd_ >= 0) elf_ = elf_begin(fd_, ELF_C_READ, nullptr);
  }
  ~ElfFile() {
    if (elf_ != nullptr) elf_end(elf_);
    if (fd_ >= 0) ::close(fd_);
  }
  ElfFile(const ElfFile&) = delete;
  ElfFile& operator=(const ElfFile&) = delete;
  bool opened() const { return fd_ >= 0; }
  Elf* get() const { return elf_; }

 private:
  int fd_ = -1;
  Elf* elf_ = nullptr;
};

}  // namespace

std::vector<std::string> farm_compilers(const std::optional<CompilerTable>& table) {
  std::vector<std::string> compilers;
  auto add = [&compilers](const std::string& command) {
    std::string program = compiler_program(command);
    if (std::find(compilers.begin(), compilers.end(), program) == compilers.end()) {
      compilers.push_back(std::move(program));
    }
  };
  if (table) {
    for (const CompilerTable::Entry& entry : table->entries()) add(entry.compiler);
    add(table->default_compiler());
  } else {
    add("gcc");
  }
  return compilers;
}

Result<std::string> elf_comment(const std::string& path) {
  if (elf_version(EV_CURRENT) == EV_NONE) {
    return make_error(fmt::format("libelf is out of date: {}", elf_errmsg(-1)));
  }
  ElfFile file(path);
  if (!file.opened()) return make_error("cannot open object file " + path);
  if (file.get() == nullptr || elf_kind(file.get()) != ELF_K_ELF) {
    return make_error("not an ELF object file: " + path);
  }
  std::size_t names = 0;
  if (elf_getshdrstrndx(file.get(), &names) != 0) {
    return make_error(fmt::format("malformed ELF file {}: {}", path, elf_errmsg(-1)));
  }
  std::vector<std::string> strings;
  for (Elf_Scn* section = elf_nextscn(file.get(), nullptr); section != nullptr;
       section = elf_nextscn(file.get(), section)) {
    GElf_Shdr header;
    if (gelf_getshdr(section, &header) == nullptr) continue;
    const char* name = elf_strptr(file.get(), names, header.sh_name);
    if (name == nullptr || std::string_view(name) != ".comment") continue;
    for (Elf_Data* data = elf_getdata(section, nullptr); data != nullptr;
         data = elf_getdata(section, data)) {
      std::string_view bytes(static_cast<const char*>(data->d_buf), data->d_size);
      std::size_t start = 0;
      while (start < bytes.size()) {
        std::size_t end = std::min(bytes.find('\0', start), bytes.size());
        if (end > start) strings.emplace_back(bytes.substr(start, end - start));
        start = end + 1;
      }
    }
  }
  return fmt::format("{}", fmt::join(strings, "; "));
}

Status check_build_farm(const BuildFarm& farm, const FarmCheckOptions& options) {
  if (!find_executable("distcc")) {
    return make_error("--build-farm needs distcc: install the distcc package");
  }
  std::error_code ec;
  const fs::path scratch = options.scratch_dir;
  fs::create_directories(scratch, ec);
  if (ec) return make_error(fmt::format("cannot create {}: {}", scratch.string(), ec.message()));
  {
    std::ofstream probe(scratch / "probe.c", std::ios::binary | std::ios::trunc);
    probe << kProbeSource;
    if (!probe) return make_error("cannot write " + (scratch / "probe.c").string());
  }
  for (const std::string& compiler : options.compilers) {
    std::optional<std::string> local_path = find_executable(compiler);
    if (!local_path) {
      return make_error(fmt::format("build farm: compiler {} is not installed here", compiler));
    }
    fs::remove(scratch / "local.o", ec);
    CULPRIT_ASSIGN_OR_RETURN(
        const ProcessResult local,
        compile_probe({compiler, "-c", "probe.c", "-o", "local.o"}, scratch, {}, options.timeout));
    if (!exited_ok(local)) {
      return make_error(fmt::format("build farm: {} cannot compile here: {}", compiler,
                                    first_line(local.output)));
    }
    CULPRIT_ASSIGN_OR_RETURN(const std::string here, elf_comment((scratch / "local.o").string()));

    const std::string sent = options.through_ccache ? *local_path : compiler;
    for (const FarmHost& host : farm.hosts) {
      fs::remove(scratch / "farm.o", ec);
      // This host alone, no fallback. A fresh state folder: no backoff left over from an earlier
      // probe of the host. (Not DISTCC_BACKOFF_PERIOD=0: then distcc tries a dead host again and
      // again, for seconds, instead of failing.)
      fs::remove_all(scratch / "distcc", ec);
      fs::create_directories(scratch / "distcc", ec);
      std::map<std::string, std::string> env = {
          {"DISTCC_HOSTS", host.address() + "/1"},
          {"DISTCC_FALLBACK", "0"},
          {"DISTCC_SKIP_LOCAL_RETRY", "1"},
          {"DISTCC_DIR", (scratch / "distcc").string()},
      };
      CULPRIT_ASSIGN_OR_RETURN(const ProcessResult remote,
                               compile_probe({"distcc", sent, "-c", "probe.c", "-o", "farm.o"},
                                             scratch, std::move(env), options.timeout));
      if (!exited_ok(remote))
        return make_error(probe_failure(host, compiler, remote, options.timeout));
      CULPRIT_ASSIGN_OR_RETURN(const std::string there, elf_comment((scratch / "farm.o").string()));
      if (there != here) {
        return make_error(fmt::format("build farm host {}: {} differs: `{}` there, `{}` here",
                                      host.address(), compiler, there, here));
      }
    }
  }
  return {};
}

}  // namespace culprit::builder
