// SshServer: a real OpenSSH server for the VM host tests, on 127.0.0.1 only, with keys of its own.
//
// It makes a throwaway host key and client key (ssh-keygen), an authorized_keys with the client's
// key, a known_hosts naming the host key for "[127.0.0.1]:PORT", and its own sshd_config
// (HostKey, AuthorizedKeysFile, PidFile, StrictModes no, PermitRootLogin prohibit-password,
// LogLevel VERBOSE), then runs `/usr/sbin/sshd -D -e -f CONFIG -E LOG` on a free port and waits
// until it accepts connections. kill() ends the listener and every session it started (a host
// that dies under a run); restart() starts it again on the same port. The destructor stops
// everything it started.
//
// Logging in as root is how sshd lets a test log in without a user of its own: the tests need
// root (and /usr/sbin/sshd); unavailable_reason() says why not, for GTEST_SKIP.
#pragma once

#include <sys/types.h>

#include <string>

#include "runner/vm_host.h"
#include "support/test_support.h"

namespace culprit::testing {

class SshServer {
 public:
  // "" when a server can run here; else why not ("not root", "/usr/sbin/sshd missing").
  static std::string unavailable_reason();

  SshServer();  // starts it (a test failure when it does not come up)
  ~SshServer();
  SshServer(const SshServer&) = delete;
  SshServer& operator=(const SshServer&) = delete;

  int port() const { return port_; }
  const std::string& identity() const { return identity_; }
  const std::string& known_hosts() const { return known_hosts_; }
  // A known_hosts file naming another key for this server (a changed or forged host key).
  std::string wrong_known_hosts() const;
  // A scratch folder for the test (the "remote" side's files live there too: it is this machine).
  std::string path(const std::string& name) const { return dir_ / name; }

  // ssh://root@127.0.0.1:PORT?identity=...&known_hosts=...[&extra]
  std::string url(const std::string& extra = "") const;
  // The same, parsed.
  runner::VmHost host(const std::string& extra = "") const;

  // SIGKILL to the listener and all of its sessions (their shells and commands too).
  void kill();
  // Starts it again on the same port; true when it accepts connections.
  bool restart();

  // sshd's log so far, and what it counts.
  std::string log() const;
  int logins() const;    // "Accepted publickey" lines
  int commands() const;  // "Starting session: command" lines

 private:
  bool start();

  TempDir dir_;
  int port_ = 0;
  pid_t sshd_ = -1;
  std::string identity_;
  std::string known_hosts_;
};

}  // namespace culprit::testing
