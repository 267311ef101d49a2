// VM hosts: other machines that boot the kernel backend's VMs, reached over SSH
// (`--vm-hosts ssh://[user@]host[:port][?slots=N&memory=M&identity=FILE&known_hosts=FILE&
// accel=auto|kvm|tcg&dir=REMOTE_DIR],...`). This file holds what is pure text: the host list's
// parser, ssh's argument vector, and the POSIX shell quoting of the remote command. Running VMs
// there is QemuRunner's (runner/qemu_runner.h); copying the files, runner/remote_files.h.
//
// Choices, and why:
//   - `memory` is what the host gives all of culprit's VMs together; each VM counts as
//     --vm-memory (the guest's RAM; QEMU's own overhead is the host owner's margin, as it is
//     when they decide what to give). Slots are capped to memory / vm-memory; a host where not
//     even one VM fits is an error, since the user asked for it and it could never run anything.
//     Without `memory`, `slots` stands as given (default 1).
//   - ssh always runs with BatchMode=yes (no password prompt can hang a job) and
//     StrictHostKeyChecking=yes: a host's key must already be in known_hosts (the user's, or the
//     `known_hosts` file given). culprit never adds or skips a host key: the kernel images and
//     reproducers it sends, and the consoles it believes, must come from the machine the user
//     meant.
//   - ConnectTimeout and ServerAlive* bound how long a dead host or network goes unnoticed
//     (kSshConnectTimeout, kSshAliveInterval x kSshAliveCount).
//   - The remote side of ssh is always a shell reading one command line: every word culprit sends
//     is quoted by shell_quote() (and joined by remote_command()), never pasted.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "base/process.h"
#include "base/result.h"

namespace culprit::runner {

enum class Accelerator { automatic, kvm, tcg };

inline constexpr std::string_view kDefaultRemoteDir = ".cache/culprit/vm";
inline constexpr std::chrono::seconds kSshConnectTimeout{10};
inline constexpr std::chrono::seconds kSshAliveInterval{5};
inline constexpr int kSshAliveCount = 3;
// The exit status ssh gives when ssh itself failed (connection refused, lost, host key rejected).
inline constexpr int kSshFailureStatus = 255;

struct VmHost {
  std::string user;  // empty: ssh's default (the local user, or ~/.ssh/config's)
  std::string host;
  int port = 22;
  int slots = 1;            // VMs at once there, before the memory cap
  int memory_mb = 0;        // memory for all of culprit's VMs there; 0: not limited
  std::string identity;     // ssh -i; empty: ssh's default keys
  std::string known_hosts;  // ssh -o UserKnownHostsFile=; empty: ssh's default
  Accelerator accelerator = Accelerator::automatic;
  std::string dir = std::string(kDefaultRemoteDir);  // relative: to the remote home

  // "user@host:port" (user@ only when given): how logs and consoles name the host.
  std::string name() const;
};

// "512", "512M", "2G" -> MiB. Error: "bad memory size `TEXT` (use 512M or 1G)".
Result<int> parse_memory_mb(const std::string& text);

// "auto", "kvm" or "tcg". Error: "bad accelerator `TEXT` (use auto, kvm or tcg)".
Result<Accelerator> parse_accelerator(std::string_view text);

// Parses the comma-separated --vm-hosts list. An error is one line naming the bad entry and
// what is wrong with it: "bad --vm-hosts entry `ssh://h?slots=0`: slots must be 1 to 256".
Result<std::vector<VmHost>> parse_vm_hosts(std::string_view text);

// VMs at once on `host` when each has `vm_memory_mb`: its slots, capped by its memory. An error
// names the host when not one VM fits.
Result<int> vm_host_slots(const VmHost& host, int vm_memory_mb);

// `word` as one POSIX shell word: in single quotes, each ' written as '\''. Nothing inside single
// quotes is special to the shell ($, `, \, ;, newlines), so the word arrives as it was.
std::string shell_quote(std::string_view word);

// argv as one shell command line, every word quoted: what ssh hands to the remote shell.
std::string remote_command(const std::vector<std::string>& argv);

// The ssh argument vector that runs `remote_argv` on `host`: the options of this file's header,
// -p, -i and UserKnownHostsFile when given, then "--", the destination and the quoted command.
std::vector<std::string> ssh_argv(const VmHost& host, const std::vector<std::string>& remote_argv);

// What ssh's failure was, in one line: the host key rejected (naming the known_hosts file it was
// checked against), a timeout, or ssh's last line ("connect to host h port 22: Connection
// refused").
std::string ssh_failure(const VmHost& host, const ProcessResult& result);

// Whether ssh's output says the host's key was not accepted (unknown or changed).
bool is_host_key_failure(std::string_view ssh_output);

// The remote command that runs a VM: `qemu_argv` under coreutils `timeout --kill-after=10
// LIMIT`, so that QEMU never outlives a lost connection by more than `limit`, and stopped at once
// when the connection closes (a watcher reads ssh's stdin, which culprit keeps open while the VM
// runs; its end of file means the ssh session is gone).
std::vector<std::string> remote_vm_command(std::chrono::seconds limit,
                                           const std::vector<std::string>& qemu_argv);

}  // namespace culprit::runner
