#include "support/ssh_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

namespace culprit::testing {
namespace {

namespace fs = std::filesystem;

constexpr const char* kSshd = "/usr/sbin/sshd";

// A port nobody listens on right now (the kernel's pick for a socket bound to port 0).
int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

bool accepts(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

// The public key line of `pub_file` without its comment: "ssh-ed25519 AAAA...".
std::string public_key(const std::string& pub_file) {
  std::istringstream in(read_file(pub_file));
  std::string type, key;
  in >> type >> key;
  return type + " " + key;
}

// Every process whose parent chain leads to `root` (not `root` itself).
std::set<pid_t> descendants(pid_t root) {
  std::map<pid_t, pid_t> parent;
  for (const fs::directory_entry& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    std::size_t close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    char state = 0;
    pid_t ppid = 0;
    rest >> state >> ppid;
    parent[std::stoi(name)] = ppid;
  }
  std::set<pid_t> found;
  bool grew = true;
  while (grew) {
    grew = false;
    for (const auto& [pid, ppid] : parent) {
      if ((ppid == root || found.count(ppid)) && found.insert(pid).second) grew = true;
    }
  }
  return found;
}

int count_lines_with(const std::string& text, const std::string& part) {
  int count = 0;
  for (std::size_t at = 0; (at = text.find(part, at)) != std::string::npos; at += part.size()) {
    ++count;
  }
  return count;
}

}  // namespace

std::string SshServer::unavailable_reason() {
  if (::geteuid() != 0) return "the VM host tests log in to a local sshd as root: not root";
  if (::access(kSshd, X_OK) != 0) return "/usr/sbin/sshd missing (install openssh-server)";
  if (run_command({"sh", "-c", "command -v ssh && command -v ssh-keygen"}).exit_status != 0) {
    return "ssh or ssh-keygen missing (install openssh-client)";
  }
  return "";
}

SshServer::SshServer() {
  must_run({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "culprit-test-host", "-f",
            dir_ / "host_ed25519"});
  must_run({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "culprit-test-client", "-f",
            dir_ / "client_ed25519"});
  identity_ = dir_ / "client_ed25519";
  write_file(dir_ / "authorized_keys", public_key(identity_ + ".pub") + "\n");
  port_ = free_port();
  known_hosts_ = dir_ / "known_hosts";
  write_file(known_hosts_, "[127.0.0.1]:" + std::to_string(port_) + " " +
                               public_key(dir_ / "host_ed25519.pub") + "\n");
  write_file(dir_ / "sshd_config", "Port " + std::to_string(port_) +
                                       "\n"
                                       "ListenAddress 127.0.0.1\n"
                                       "HostKey " +
                                       dir_ / "host_ed25519" +
                                       "\n"
                                       "AuthorizedKeysFile " +
                                       dir_ / "authorized_keys" +
                                       "\n"
                                       "PidFile " +
                                       dir_ / "sshd.pid" +
                                       "\n"
                                       "StrictModes no\n"
                                       "PermitRootLogin prohibit-password\n"
                                       "PasswordAuthentication no\n"
                                       "KbdInteractiveAuthentication no\n"
                                       "UsePAM no\n"
                                       "LogLevel VERBOSE\n");
  // sshd's privilege separation directory.
  std::error_code ec;
  fs::create_directories("/run/sshd", ec);
  if (!start()) ADD_FAILURE() << "sshd did not come up on 127.0.0.1:" << port_ << "\n" << log();
}

SshServer::~SshServer() {
  kill();
}

bool SshServer::start() {
  sshd_ =
      spawn_in_background({kSshd, "-D", "-e", "-f", dir_ / "sshd_config", "-E", dir_ / "sshd.log"});
  if (sshd_ < 0) return false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (accepts(port_)) return true;
    int status = 0;
    if (::waitpid(sshd_, &status, WNOHANG) == sshd_) {  // it exited: a config error, in its log
      sshd_ = -1;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

void SshServer::kill() {
  if (sshd_ < 0) return;
  // The sessions first, so that none is left behind when the listener goes (they would be
  // reparented and harder to find).
  for (int round = 0; round < 3; ++round) {
    for (pid_t pid : descendants(sshd_)) ::kill(pid, SIGKILL);
  }
  ::kill(sshd_, SIGKILL);
  int status = 0;
  ::waitpid(sshd_, &status, 0);
  sshd_ = -1;
}

bool SshServer::restart() {
  kill();
  return start();
}

std::string SshServer::wrong_known_hosts() const {
  const std::string key = dir_ / "other_ed25519";
  if (!fs::exists(key)) {
    must_run({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "not-the-host", "-f", key});
  }
  const std::string file = dir_ / "wrong_known_hosts";
  write_file(file, "[127.0.0.1]:" + std::to_string(port_) + " " + public_key(key + ".pub") + "\n");
  return file;
}

std::string SshServer::url(const std::string& extra) const {
  return "ssh://root@127.0.0.1:" + std::to_string(port_) + "?identity=" + identity_ +
         "&known_hosts=" + known_hosts_ + (extra.empty() ? "" : "&" + extra);
}

runner::VmHost SshServer::host(const std::string& extra) const {
  auto hosts = runner::parse_vm_hosts(url(extra));
  EXPECT_TRUE(hosts.ok()) << hosts.error().message;
  return hosts.ok() ? (*hosts)[0] : runner::VmHost{};
}

std::string SshServer::log() const {
  std::error_code ec;
  if (!fs::exists(dir_ / "sshd.log", ec)) return "";
  return read_file(dir_ / "sshd.log");
}

int SshServer::logins() const {
  return count_lines_with(log(), "Accepted publickey");
}

int SshServer::commands() const {
  return count_lines_with(log(), "Starting session: command");
}

}  // namespace culprit::testing
