// VM hosts' pure parts: the --vm-hosts parser and its one-line errors, slots capped by memory,
// the ssh argument vector, the shell quoting (checked by a real sh), the run queue that gives a
// failed host's run to another slot, and the host pool's "set aside after two in a row".
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "runner/run_queue.h"
#include "runner/vm_host.h"
#include "runner/vm_host_pool.h"
#include "support/test_support.h"

namespace culprit::runner {
namespace {

using culprit::testing::CommandOutput;
using culprit::testing::run_command;

TEST(VmHostSpec, ParsesEveryPart) {
  auto hosts = parse_vm_hosts(
      "ssh://root@10.0.0.5:2222?slots=4&memory=3G&identity=/k/id&known_hosts=/k/kh&accel=tcg&"
      "dir=/srv/culprit, ssh://runner-2.example.org");
  ASSERT_TRUE(hosts.ok()) << hosts.error().message;
  ASSERT_EQ(hosts->size(), 2u);
  const VmHost& first = (*hosts)[0];
  EXPECT_EQ(first.user, "root");
  EXPECT_EQ(first.host, "10.0.0.5");
  EXPECT_EQ(first.port, 2222);
  EXPECT_EQ(first.slots, 4);
  EXPECT_EQ(first.memory_mb, 3072);
  EXPECT_EQ(first.identity, "/k/id");
  EXPECT_EQ(first.known_hosts, "/k/kh");
  EXPECT_EQ(first.accelerator, Accelerator::tcg);
  EXPECT_EQ(first.dir, "/srv/culprit");
  EXPECT_EQ(first.name(), "root@10.0.0.5:2222");
  const VmHost& second = (*hosts)[1];
  EXPECT_EQ(second.user, "");
  EXPECT_EQ(second.port, 22);
  EXPECT_EQ(second.slots, 1);
  EXPECT_EQ(second.memory_mb, 0);
  EXPECT_EQ(second.accelerator, Accelerator::automatic);
  EXPECT_EQ(second.dir, ".cache/culprit/vm");
  EXPECT_EQ(second.name(), "runner-2.example.org:22");
}

TEST(VmHostSpec, BadTextIsOneLineNamingTheBadPart) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"http://h", "bad --vm-hosts entry `http://h`: must start with ssh://"},
      {"ssh://h?slots=0", "bad --vm-hosts entry `ssh://h?slots=0`: slots must be 1 to 256"},
      {"ssh://h:99999", "bad --vm-hosts entry `ssh://h:99999`: bad port `99999` (1 to 65535)"},
      {"ssh://h:", "bad --vm-hosts entry `ssh://h:`: bad port `` (1 to 65535)"},
      {"ssh://-oProxyCommand=x",
       "bad --vm-hosts entry `ssh://-oProxyCommand=x`: bad host name "
       "`-oProxyCommand=x`"},
      {"ssh://a;b@h", "bad --vm-hosts entry `ssh://a;b@h`: bad user `a;b`"},
      {"ssh://h?memory=lots",
       "bad --vm-hosts entry `ssh://h?memory=lots`: bad memory size `lots` (use 512M or 1G)"},
      {"ssh://h?accel=fast",
       "bad --vm-hosts entry `ssh://h?accel=fast`: bad accelerator `fast` (use auto, kvm or tcg)"},
      {"ssh://h?color=red",
       "bad --vm-hosts entry `ssh://h?color=red`: unknown key `color` "
       "(slots, memory, identity, known_hosts, accel, dir)"},
      {"ssh://h?slots", "bad --vm-hosts entry `ssh://h?slots`: `slots` needs a value (key=value)"},
      {"ssh://h?slots=1&slots=2",
       "bad --vm-hosts entry `ssh://h?slots=1&slots=2`: `slots` given twice"},
      {"ssh://h,ssh://h:22", "bad --vm-hosts entry `ssh://h:22`: h:22 given twice"},
      {" , ", "--vm-hosts names no host (ssh://[user@]host[:port],...)"},
  };
  for (const auto& [text, message] : cases) {
    auto hosts = parse_vm_hosts(text);
    ASSERT_FALSE(hosts.ok()) << text;
    EXPECT_EQ(hosts.error().message, message);
    EXPECT_EQ(hosts.error().message.find('\n'), std::string::npos);
  }
}

TEST(VmHostSpec, SlotsAreCappedToWhatTheHostsMemoryHolds) {
  VmHost host;
  host.host = "h";
  host.slots = 8;
  EXPECT_EQ(vm_host_slots(host, 512).value_or(0), 8);  // no memory given: as asked
  host.memory_mb = 2048;
  EXPECT_EQ(vm_host_slots(host, 512).value_or(0), 4);
  EXPECT_EQ(vm_host_slots(host, 700).value_or(0), 2);
  host.slots = 1;
  EXPECT_EQ(vm_host_slots(host, 512).value_or(0), 1);
  host.memory_mb = 256;
  EXPECT_EQ(vm_host_slots(host, 512).error().message,
            "vm host h:22: memory=256 MiB holds no VM of 512 MiB (--vm-memory)");
}

TEST(ShellQuote, EveryWordArrivesIntactThroughARealShell) {
  const std::vector<std::string> words = {"plain",
                                          "two words",
                                          "it's",
                                          "'",
                                          "''",
                                          "$(touch /tmp/culprit-quote-pwned)",
                                          "`id`",
                                          "a; rm -rf /nothing",
                                          "line one\nline two",
                                          "$HOME",
                                          "back\\slash",
                                          "*",
                                          "",
                                          "--",
                                          "-n",
                                          "\"double\"",
                                          "tab\there",
                                          "semi;colon|pipe&amp<less>more"};
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_quote(""), "''");
  std::vector<std::string> argv = {"printf", "%s\\n"};
  argv.insert(argv.end(), words.begin(), words.end());
  // What the remote shell does with the line ssh hands it: sh -c LINE.
  auto out = run_command({"sh", "-c", remote_command(argv)});
  ASSERT_EQ(out.exit_status, 0) << out.output;
  std::string expected;
  for (const std::string& word : words) expected += word + "\n";
  EXPECT_EQ(out.output, expected);
  EXPECT_NE(::access("/tmp/culprit-quote-pwned", F_OK), 0);
}

TEST(SshArgv, AlwaysChecksHostKeysAndNoticesDeadHosts) {
  VmHost host;
  host.user = "ci";
  host.host = "runner1";
  host.port = 2200;
  host.identity = "/keys/id ed25519";
  host.known_hosts = "/keys/known_hosts";
  std::vector<std::string> argv = ssh_argv(host, {"echo", "a b"});
  const std::vector<std::string> expected = {"ssh",
                                             "-o",
                                             "BatchMode=yes",
                                             "-o",
                                             "StrictHostKeyChecking=yes",
                                             "-o",
                                             "ConnectTimeout=10",
                                             "-o",
                                             "ServerAliveInterval=5",
                                             "-o",
                                             "ServerAliveCountMax=3",
                                             "-p",
                                             "2200",
                                             "-i",
                                             "/keys/id ed25519",
                                             "-o",
                                             "UserKnownHostsFile=/keys/known_hosts",
                                             "-l",
                                             "ci",
                                             "--",
                                             "runner1",
                                             "'echo' 'a b'"};
  EXPECT_EQ(argv, expected);
  host.identity.clear();
  host.known_hosts.clear();
  host.user.clear();
  argv = ssh_argv(host, {"true"});
  EXPECT_EQ(std::find(argv.begin(), argv.end(), "-i"), argv.end());
  EXPECT_EQ(std::find(argv.begin(), argv.end(), "-l"), argv.end());
  for (const std::string& word : argv) {
    EXPECT_EQ(word.find("StrictHostKeyChecking=no"), std::string::npos);
    EXPECT_EQ(word.find("accept-new"), std::string::npos);
  }
}

// The remote wrapper, run here by a real sh with its stdin a pipe that stays open for a while
// (what ssh's session gives it while culprit watches the VM).
CommandOutput run_with_open_stdin(const std::vector<std::string>& remote_argv, int open_s) {
  return run_command({"sh", "-c", "sleep \"$1\" | sh -c \"$2\"", "sh", std::to_string(open_s),
                      remote_command(remote_argv)});
}

TEST(RemoteVmCommand, RunsTheVmUnderTimeoutAndReturnsItsStatus) {
  std::vector<std::string> argv = remote_vm_command(
      std::chrono::seconds(30), {"sh", "-c", "printf '%s|' \"$@\"; exit 7", "vm", "a b", "$(x)"});
  EXPECT_EQ(argv[0], "sh");
  EXPECT_EQ(argv[4], "30");
  auto out = run_with_open_stdin(argv, 1);
  EXPECT_EQ(out.exit_status, 7) << out.output;
  EXPECT_EQ(out.output, "a b|$(x)|");
  // A VM that outlives the limit is stopped by timeout (status 124).
  auto slow = run_with_open_stdin(remote_vm_command(std::chrono::seconds(1), {"sleep", "30"}), 3);
  EXPECT_EQ(slow.exit_status, 124) << slow.output;
}

// The session's stdin at its end a second into the run (ssh gone): the VM is stopped at once, long
// before its limit.
TEST(RemoteVmCommand, EndOfTheSessionStopsTheVm) {
  const auto start = std::chrono::steady_clock::now();
  auto out = run_with_open_stdin(remote_vm_command(std::chrono::seconds(60), {"sleep", "30"}), 1);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_EQ(out.exit_status, 128 + SIGTERM) << out.output;
}

TEST(RunQueue, ARequeuedRunIsTakenAgainAndNothingIsLost) {
  const std::vector<int> indices = {0, 1, 2};
  RunQueue queue(indices);
  EXPECT_EQ(queue.take(), 0);
  EXPECT_EQ(queue.take(), 1);
  queue.requeue(0);  // its host failed: back to the front
  EXPECT_EQ(queue.take(), 0);
  queue.finished();
  queue.finished();
  EXPECT_EQ(queue.take(), 2);
  // A slot asking now waits: run 2 is in flight and may come back.
  std::atomic<bool> got_one{false};
  std::optional<int> taken;
  std::thread waiter([&] {
    taken = queue.take();
    got_one = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(got_one.load());
  queue.requeue(2);
  waiter.join();
  EXPECT_EQ(taken, 2);
  queue.finished();
  EXPECT_EQ(queue.take(), std::nullopt);  // empty and nothing in flight
  EXPECT_TRUE(queue.left().empty());
}

TEST(RunQueue, RunsNobodyTookAreLeft) {
  const std::vector<int> indices = {4, 5};
  RunQueue queue(indices);
  EXPECT_EQ(queue.take(), 4);
  queue.requeue(4);
  EXPECT_EQ(queue.left(), (std::vector<int>{4, 5}));
}

TEST(VmHostPool, AHostIsSetAsideAfterTwoFailuresInARow) {
  VmHost first;
  first.host = "h1";
  first.slots = 2;
  VmHost second;
  second.host = "h2";
  second.slots = 3;
  std::vector<std::string> lines;
  VmHostPool pool({first, second}, [&](const std::string& line) { lines.push_back(line); });
  EXPECT_EQ(pool.usable_slots(), 5);
  EXPECT_TRUE(pool.record_failure(0, "ssh: connection lost"));
  pool.record_success(0);  // a good run between: the count starts again
  EXPECT_TRUE(pool.record_failure(0, "ssh: connection lost"));
  EXPECT_FALSE(pool.record_failure(0, "ssh: Connection refused"));
  EXPECT_FALSE(pool.usable(0));
  EXPECT_TRUE(pool.usable(1));
  EXPECT_EQ(pool.usable_slots(), 3);
  EXPECT_EQ(pool.summary(), "h2:22 (3 slots, TCG)");
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back(),
            "vm host h1:22 set aside for this job: 2 failures in a row (last: ssh: Connection "
            "refused)");
  EXPECT_EQ(std::count_if(lines.begin(), lines.end(),
                          [](const std::string& line) {
                            return line.find("set aside") != std::string::npos;
                          }),
            1);
}

}  // namespace
}  // namespace culprit::runner
