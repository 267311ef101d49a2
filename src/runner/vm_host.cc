#include "runner/vm_host.h"

#include <algorithm>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "base/text.h"

namespace culprit::runner {
namespace {

constexpr std::string_view kScheme = "ssh://";
constexpr int kMaxSlots = 256;

// The remote wrapper of a VM (remote_vm_command): QEMU under timeout in the background, its stdin
// /dev/null; a watcher that waits for end of file on the session's stdin (fd 3, since background
// commands get /dev/null) and then signals timeout (which passes it on to QEMU) until it is gone,
// once a second (a signal that comes while timeout is still starting may be lost); the script
// exits with QEMU's status.
constexpr std::string_view kVmScript =
    "limit=$1; shift\n"
    "timeout --kill-after=10 \"$limit\" \"$@\" </dev/null &\n"
    "vm=$!\n"
    "exec 3<&0\n"
    "{ cat <&3; while kill $vm; do sleep 1; done; } >/dev/null 2>&1 &\n"
    "watcher=$!\n"
    "exec 3<&-\n"
    "wait $vm\n"
    "status=$?\n"
    "kill $watcher 2>/dev/null\n"
    "exit $status\n";

std::string last_line(std::string_view text) {
  std::string_view last;
  for (std::size_t at; !text.empty();) {
    at = text.find('\n');
    std::string_view line = trim(text.substr(0, at));
    if (!line.empty()) last = line;
    if (at == std::string_view::npos) break;
    text.remove_prefix(at + 1);
  }
  return std::string(last);
}

// Host names, addresses and user names as ssh takes them; never starting with '-', which ssh
// would read as an option (the "--" before the destination guards that too).
bool is_name(std::string_view text, std::string_view also) {
  if (text.empty() || text.front() == '-') return false;
  return std::all_of(text.begin(), text.end(), [also](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           also.find(c) != std::string_view::npos;
  });
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  for (std::size_t at; (at = text.find(separator)) != std::string_view::npos;) {
    parts.push_back(text.substr(0, at));
    text.remove_prefix(at + 1);
  }
  parts.push_back(text);
  return parts;
}

// One entry; errors say what is wrong, the caller names the entry.
Result<VmHost> parse_one(std::string_view entry) {
  if (!entry.starts_with(kScheme)) return make_error("must start with ssh://");
  std::string_view rest = entry.substr(kScheme.size());
  std::string_view query;
  if (std::size_t mark = rest.find('?'); mark != std::string_view::npos) {
    query = rest.substr(mark + 1);
    rest = rest.substr(0, mark);
  }
  VmHost host;
  if (std::size_t at = rest.rfind('@'); at != std::string_view::npos) {
    host.user = std::string(rest.substr(0, at));
    rest = rest.substr(at + 1);
    if (!is_name(host.user, "._-")) return make_error(fmt::format("bad user `{}`", host.user));
  }
  if (std::size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
    std::optional<int> port = parse_int(rest.substr(colon + 1), 1, 65535);
    if (!port) {
      return make_error(fmt::format("bad port `{}` (1 to 65535)", rest.substr(colon + 1)));
    }
    host.port = *port;
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) return make_error("no host name");
  if (!is_name(rest, ".-_")) return make_error(fmt::format("bad host name `{}`", rest));
  host.host = std::string(rest);

  std::map<std::string, std::string, std::less<>> seen;
  for (std::string_view item : split(query, '&')) {
    if (item.empty()) continue;
    std::size_t equals = item.find('=');
    if (equals == std::string_view::npos || equals + 1 == item.size()) {
      return make_error(fmt::format("`{}` needs a value (key=value)", item));
    }
    std::string_view key = item.substr(0, equals);
    std::string value(item.substr(equals + 1));
    if (!seen.emplace(key, value).second) return make_error(fmt::format("`{}` given twice", key));
    if (key == "slots") {
      std::optional<int> slots = parse_int(value, 1, kMaxSlots);
      if (!slots) return make_error(fmt::format("slots must be 1 to {}", kMaxSlots));
      host.slots = *slots;
    } else if (key == "memory") {
      CULPRIT_ASSIGN_OR_RETURN(host.memory_mb, parse_memory_mb(value));
    } else if (key == "identity") {
      host.identity = value;
    } else if (key == "known_hosts") {
      host.known_hosts = value;
    } else if (key == "accel") {
      CULPRIT_ASSIGN_OR_RETURN(host.accelerator, parse_accelerator(value));
    } else if (key == "dir") {
      host.dir = value;
    } else {
      return make_error(
          fmt::format("unknown key `{}` (slots, memory, identity, known_hosts, accel, dir)", key));
    }
  }
  return host;
}

}  // namespace

std::string VmHost::name() const {
  return fmt::format("{}{}{}:{}", user, user.empty() ? "" : "@", host, port);
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

Result<Accelerator> parse_accelerator(std::string_view text) {
  if (text == "auto") return Accelerator::automatic;
  if (text == "kvm") return Accelerator::kvm;
  if (text == "tcg") return Accelerator::tcg;
  return make_error(fmt::format("bad accelerator `{}` (use auto, kvm or tcg)", text));
}

Result<std::vector<VmHost>> parse_vm_hosts(std::string_view text) {
  std::vector<VmHost> hosts;
  for (std::string_view entry : split(text, ',')) {
    entry = trim(entry);
    if (entry.empty()) continue;
    Result<VmHost> host = parse_one(entry);
    if (!host) {
      return make_error(fmt::format("bad --vm-hosts entry `{}`: {}", entry, host.error().message));
    }
    for (const VmHost& other : hosts) {
      if (other.name() == host->name()) {
        return make_error(
            fmt::format("bad --vm-hosts entry `{}`: {} given twice", entry, host->name()));
      }
    }
    hosts.push_back(std::move(*host));
  }
  if (hosts.empty()) return make_error("--vm-hosts names no host (ssh://[user@]host[:port],...)");
  return hosts;
}

Result<int> vm_host_slots(const VmHost& host, int vm_memory_mb) {
  if (host.memory_mb == 0) return host.slots;
  int fit = host.memory_mb / std::max(vm_memory_mb, 1);
  if (fit < 1) {
    return make_error(fmt::format("vm host {}: memory={} MiB holds no VM of {} MiB (--vm-memory)",
                                  host.name(), host.memory_mb, vm_memory_mb));
  }
  return std::min(host.slots, fit);
}

std::string shell_quote(std::string_view word) {
  std::string quoted = "'";
  for (char c : word) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  quoted += '\'';
  return quoted;
}

std::string remote_command(const std::vector<std::string>& argv) {
  std::string line;
  for (const std::string& word : argv) {
    if (!line.empty()) line += ' ';
    line += shell_quote(word);
  }
  return line;
}

std::vector<std::string> ssh_argv(const VmHost& host, const std::vector<std::string>& remote_argv) {
  std::vector<std::string> argv = {"ssh",
                                   "-o",
                                   "BatchMode=yes",
                                   "-o",
                                   "StrictHostKeyChecking=yes",
                                   "-o",
                                   fmt::format("ConnectTimeout={}", kSshConnectTimeout.count()),
                                   "-o",
                                   fmt::format("ServerAliveInterval={}", kSshAliveInterval.count()),
                                   "-o",
                                   fmt::format("ServerAliveCountMax={}", kSshAliveCount),
                                   "-p",
                                   std::to_string(host.port)};
  if (!host.identity.empty()) argv.insert(argv.end(), {"-i", host.identity});
  if (!host.known_hosts.empty()) {
    argv.insert(argv.end(), {"-o", "UserKnownHostsFile=" + host.known_hosts});
  }
  if (!host.user.empty()) argv.insert(argv.end(), {"-l", host.user});
  argv.insert(argv.end(), {"--", host.host, remote_command(remote_argv)});
  return argv;
}

bool is_host_key_failure(std::string_view ssh_output) {
  for (std::string_view sign : {"Host key verification failed", "REMOTE HOST IDENTIFICATION HAS",
                                "No ED25519 host key is known", "host key is known for"}) {
    if (ssh_output.find(sign) != std::string_view::npos) return true;
  }
  return false;
}

std::string ssh_failure(const VmHost& host, const ProcessResult& result) {
  if (is_host_key_failure(result.output)) {
    return fmt::format(
        "the host key of {} is not accepted (checked against {}; check the host's "
        "key fingerprint, then add it there)",
        host.name(), host.known_hosts.empty() ? "~/.ssh/known_hosts" : host.known_hosts);
  }
  if (result.end == ProcessResult::End::timed_out) {
    return fmt::format("ssh timed out after {:.0f}s", result.duration.count());
  }
  std::string line = last_line(result.output);
  if (result.end == ProcessResult::End::signaled) {
    return fmt::format("ssh was killed by signal {}", signal_name(result.signal));
  }
  if (!line.empty()) return line;
  return fmt::format("ssh exited with status {}", result.exit_status);
}

std::vector<std::string> remote_vm_command(std::chrono::seconds limit,
                                           const std::vector<std::string>& qemu_argv) {
  std::vector<std::string> argv = {"sh", "-c", std::string(kVmScript), "culprit-vm",
                                   std::to_string(limit.count())};
  argv.insert(argv.end(), qemu_argv.begin(), qemu_argv.end());
  return argv;
}

}  // namespace culprit::runner
