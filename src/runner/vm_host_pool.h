// VmHostPool: the VM hosts of one job as they are while it runs: how many VMs each takes at once,
// whether it has KVM, and whether it is still used.
//
// prepare() asks each host once, over ssh, whether QEMU and coreutils' timeout are there and
// (unless its accel is tcg) whether /dev/kvm is usable. A host that cannot be reached, or lacks
// QEMU, is set aside for the job with a log line; the job goes on with the other slots. A host
// whose key is not accepted (unknown, or changed since it was added to known_hosts) is an error
// that ends the job before it starts: that is a setup mistake (or someone else answering for
// the host) that only the user can settle, like a wrong path; running on without it would hide
// it and run the job slower than asked.
//
// While the job runs, a run whose host failed under it (ssh lost the connection, the copy of
// the kernel failed) counts against the host; kFailuresInARow of them with no good run between
// set the host aside ("vm host H set aside for this job: 2 failures in a row (last: ...)").
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/result.h"
#include "runner/remote_files.h"
#include "runner/vm_host.h"

namespace culprit::runner {

inline constexpr int kFailuresInARow = 2;

class VmHostPool {
 public:
  VmHostPool(std::vector<VmHost> hosts, RunnerLog log);

  // Caps each host's slots to its memory (an error when not one VM of `vm_memory_mb` fits), then
  // probes every host at once (see the header). Errors: a host key not accepted.
  Status prepare(const std::string& qemu, int vm_memory_mb);

  std::size_t size() const { return hosts_.size(); }
  const VmHost& host(std::size_t i) const { return hosts_[i]->host; }
  int slots(std::size_t i) const { return hosts_[i]->slots; }
  bool kvm(std::size_t i) const { return hosts_[i]->kvm; }
  // Per host as QemuRunner keeps it for the local machine: 1 a KVM boot worked there, -1 KVM
  // failed there (TCG from then on), 0 not known yet.
  std::atomic<int>& kvm_state(std::size_t i) { return hosts_[i]->kvm_state; }
  bool usable(std::size_t i) const { return !hosts_[i]->set_aside.load(); }
  // VMs at once on the hosts still in use.
  int usable_slots() const;

  // A run ended on host i without a fault of the host's.
  void record_success(std::size_t i);
  // A run failed on host i because of the host; sets it aside (and logs it) after
  // kFailuresInARow in a row. Returns whether the host is still in use.
  bool record_failure(std::size_t i, const std::string& why);
  // Sets host i aside at once, logging `why`.
  void set_aside(std::size_t i, const std::string& why);
  // Why the last host was set aside, naming it ("" when none was).
  std::string last_failure() const;

  // "root@127.0.0.1:2222 (2 slots, TCG), ..." for the hosts still in use.
  std::string summary() const;

  RemoteFiles& files() { return files_; }
  const RunnerLog& log() const { return log_; }

 private:
  struct State {
    VmHost host;
    int slots = 0;
    bool kvm = false;
    std::atomic<int> kvm_state{0};
    std::atomic<bool> set_aside{false};
    int failures_in_a_row = 0;  // guarded by mutex_
  };
  void log(const std::string& line) const;

  std::vector<std::unique_ptr<State>> hosts_;
  RunnerLog log_;
  RemoteFiles files_;
  mutable std::mutex mutex_;
  std::string last_failure_;
};

}  // namespace culprit::runner
