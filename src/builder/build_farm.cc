#include "builder/build_farm.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include <fmt/format.h>

#include "base/text.h"

namespace culprit::builder {
namespace {

constexpr std::string_view kScheme = "distcc://";
constexpr std::string_view kCcachePrefix = "ccache ";

Error bad_spec(std::string_view part, std::string_view why) {
  return make_error(fmt::format("bad --build-farm `{}`: {}", part, why));
}

Result<FarmHost> parse_host(std::string_view part) {
  if (!part.starts_with(kScheme)) {
    if (part.find("://") != std::string_view::npos) {
      return bad_spec(part,
                      "only distcc:// is supported (icecc needs a scheduler, chroot'ed "
                      "compilers and root)");
    }
    return bad_spec(part, "expected distcc://HOST[:PORT][?slots=N]");
  }
  std::string_view rest = part.substr(kScheme.size());
  FarmHost host;
  host.port = BuildFarm::kDefaultPort;
  host.slots = BuildFarm::kDefaultSlots;
  if (std::size_t query = rest.find('?'); query != std::string_view::npos) {
    std::string_view option = rest.substr(query + 1);
    rest = rest.substr(0, query);
    if (!option.starts_with("slots=")) {
      return bad_spec(part, fmt::format("unknown option `{}` (only slots=N)", option));
    }
    std::optional<int> slots = parse_int(option.substr(6), 1, 1000);
    if (!slots) return bad_spec(part, "slots must be a number from 1 to 1000");
    host.slots = *slots;
  }
  if (std::size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
    std::optional<int> port = parse_int(rest.substr(colon + 1), 1, 65535);
    if (!port) return bad_spec(part, "the port must be a number from 1 to 65535");
    host.port = *port;
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) return bad_spec(part, "no host");
  if (rest.find_first_of("/@,[] \t") != std::string_view::npos) {
    return bad_spec(part, "expected distcc://HOST[:PORT][?slots=N]");
  }
  // distcc treats "localhost" as "compile here, without distccd": it would never reach a farm.
  if (rest == "localhost") return bad_spec(part, "use 127.0.0.1 for a distccd on this machine");
  host.host = std::string(rest);
  return host;
}

// "distcc[123] (dcc_build_somewhere) Warning: failed to distribute, running locally instead"
// -> "failed to distribute, running locally instead".
std::string_view distcc_message(std::string_view line) {
  for (std::string_view level : {"Warning: ", "ERROR: "}) {
    if (std::size_t at = line.find(level); at != std::string_view::npos) {
      return line.substr(at + level.size());
    }
  }
  return line;
}

// What a distcc line says about a host: "HOST:PORT: Connection refused" from "nonblocking connect
// to HOST:PORT failed: Connection refused", "HOST:PORT: compile failed" from "compile x.c on
// HOST:PORT/N failed"; "" for lines naming no host.
std::string host_problem(std::string_view message) {
  constexpr std::string_view kConnect = "connect to ";
  if (std::size_t at = message.find(kConnect); at != std::string_view::npos) {
    std::string_view rest = message.substr(at + kConnect.size());
    std::size_t failed = rest.find(" failed: ");
    if (failed != std::string_view::npos) {
      return fmt::format("{}: {}", rest.substr(0, failed), rest.substr(failed + 9));
    }
  }
  if (message.starts_with("compile ")) {
    std::size_t on = message.find(" on ");
    std::size_t failed = message.find(" failed", on == std::string_view::npos ? 0 : on);
    if (on != std::string_view::npos && failed != std::string_view::npos) {
      std::string_view host = message.substr(on + 4, failed - on - 4);
      host = host.substr(0, host.find('/'));
      return fmt::format("{}: compile failed{}", host, message.substr(failed + 7));
    }
  }
  return "";
}

}  // namespace

std::string FarmHost::address() const {
  return fmt::format("{}:{}", host, port);
}

Result<BuildFarm> BuildFarm::parse(std::string_view spec) {
  BuildFarm farm;
  std::set<std::string> seen;
  std::size_t start = 0;
  while (start <= spec.size()) {
    std::size_t comma = std::min(spec.find(',', start), spec.size());
    std::string_view part = trim(spec.substr(start, comma - start));
    start = comma + 1;
    if (part.empty()) return bad_spec(spec, "empty host entry (expected distcc://HOST,...)");
    CULPRIT_ASSIGN_OR_RETURN(FarmHost host, parse_host(part));
    if (!seen.insert(host.address()).second) {
      return bad_spec(part, "host listed twice");
    }
    farm.hosts.push_back(std::move(host));
  }
  return farm;
}

int BuildFarm::slots() const {
  int total = 0;
  for (const FarmHost& host : hosts) total += host.slots;
  return total;
}

std::string BuildFarm::distcc_hosts() const {
  std::vector<std::string> entries;
  for (const FarmHost& host : hosts) {
    entries.push_back(fmt::format("{}/{}", host.address(), host.slots));
  }
  return fmt::format("{}", fmt::join(entries, " "));
}

int BuildFarm::make_jobs(int local_cpus) const {
  return slots() + std::max(1, local_cpus);
}

std::string BuildFarm::summary(int make_jobs) const {
  return fmt::format("distcc, {} host{}, {} slot{}, make -j{}", hosts.size(),
                     hosts.size() == 1 ? "" : "s", slots(), slots() == 1 ? "" : "s", make_jobs);
}

std::string farm_compiler_command(std::string_view compiler, bool through_ccache) {
  if (compiler.starts_with(kCcachePrefix)) {
    compiler = trim(compiler.substr(kCcachePrefix.size()));
    through_ccache = true;
  }
  if (compiler.empty()) compiler = "gcc";
  return fmt::format("{} {}", through_ccache ? "ccache" : "distcc", compiler);
}

std::string farm_state_dir(const std::string& job_dir) {
  return (std::filesystem::path(job_dir) / "distcc").string();
}

std::map<std::string, std::string> farm_make_env(const BuildFarm& farm,
                                                 const std::string& job_dir) {
  // Never pump mode (a ",cpp" host option or distcc-pump's include server): it sends headers to
  // preprocess remotely and guesses which ones from #include lines, which breaks on Kbuild's
  // generated headers and -include flags. Plain distcc preprocesses here, so the host compiles
  // exactly what a local compile would.
  return {
      {"DISTCC_HOSTS", farm.distcc_hosts()},
      {"DISTCC_FALLBACK", "1"},
      {"DISTCC_DIR", farm_state_dir(job_dir)},
      {"CCACHE_PREFIX", "distcc"},
  };
}

std::optional<std::string> farm_fallback_note(std::string_view build_output) {
  // One distcc process per compile, named by its pid. A compile fell back when distcc said so,
  // once or twice: "failed to distribute[ x.c to HOST], running locally instead" (host down or
  // busy), "remote compilation of 'x.c' failed, retrying locally" (the host's compiler failed;
  // distcc cannot tell a broken host from broken code, so it tries here). If the compile then
  // fails here too ("compile x.c on localhost failed") the code is broken, not the farm: the build
  // reports that error itself, and it is no farm fallback.
  constexpr auto npos = std::string_view::npos;
  struct Compile {
    bool fell_back = false;
    bool failed_here = false;
  };
  std::map<std::string_view, Compile> compiles;
  std::string first_warning;
  std::vector<std::string> hosts;
  for (std::string_view line : split_lines(build_output)) {
    if (!line.starts_with("distcc[")) continue;
    std::string_view pid = line.substr(7, line.find(']') - 7);
    std::string_view message = distcc_message(line);
    Compile& compile = compiles[pid];
    if (message.starts_with("compile ") && message.find(" on localhost failed") != npos) {
      compile.failed_here = true;
      continue;
    }
    if (message.find("running locally instead") != npos ||
        message.find("retrying locally") != npos) {
      compile.fell_back = true;
      if (first_warning.empty()) {
        first_warning = message.starts_with("failed to distribute")
                            ? "failed to distribute, running locally instead"
                            : std::string(message);
      }
    }
    std::string problem = host_problem(message);
    if (!problem.empty() && hosts.size() < 3 &&
        std::find(hosts.begin(), hosts.end(), problem) == hosts.end()) {
      hosts.push_back(std::move(problem));
    }
  }
  const auto local = std::count_if(compiles.begin(), compiles.end(), [](const auto& entry) {
    return entry.second.fell_back && !entry.second.failed_here;
  });
  if (local == 0) return std::nullopt;
  std::string why = "distcc: " + first_warning;
  for (const std::string& host : hosts) why += "; host " + host;
  return fmt::format("build farm: {} compile{} ran locally ({})", local, local == 1 ? "" : "s",
                     why);
}

}  // namespace culprit::builder
