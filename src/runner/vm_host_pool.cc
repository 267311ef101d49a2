#include "runner/vm_host_pool.h"

#include <cstdio>
#include <future>

#include <fmt/format.h>

#include "base/process.h"

namespace culprit::runner {
namespace {

// Run on each host once: QEMU ($1) and timeout must be there; /dev/kvm is looked at unless $2 is
// "tcg". Its answer is one "culprit-probe: ..." line; exit 3 when something is missing.
constexpr std::string_view kProbeScript =
    "command -v \"$1\" >/dev/null 2>&1 || { echo \"culprit-probe: $1 not found\"; exit 3; }\n"
    "command -v timeout >/dev/null 2>&1 || { echo 'culprit-probe: timeout not found'; exit 3; }\n"
    "if [ \"$2\" != tcg ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; then\n"
    "  echo 'culprit-probe: kvm'\n"
    "else\n"
    "  echo 'culprit-probe: tcg'\n"
    "fi\n";
constexpr std::chrono::seconds kProbeTimeout{60};

struct Probe {
  enum class Answer { kvm, tcg, unusable, host_key } answer = Answer::unusable;
  std::string why;
};

Probe probe(const VmHost& host, const std::string& qemu) {
  ProcessSpec spec;
  spec.argv = ssh_argv(host, {"sh", "-c", std::string(kProbeScript), "culprit-probe", qemu,
                              host.accelerator == Accelerator::tcg ? "tcg" : "probe"});
  spec.timeout = kProbeTimeout;
  Result<ProcessResult> result = run_process(spec);
  if (!result) return {Probe::Answer::unusable, result.error().message};
  if (is_host_key_failure(result->output)) {
    return {Probe::Answer::host_key, ssh_failure(host, *result)};
  }
  const bool exited = result->end == ProcessResult::End::exited;
  if (exited && result->exit_status == 0) {
    if (result->output.find("culprit-probe: kvm") != std::string::npos) {
      return {Probe::Answer::kvm, ""};
    }
    if (result->output.find("culprit-probe: tcg") != std::string::npos) {
      return {Probe::Answer::tcg, ""};
    }
  }
  if (exited && result->exit_status == 3) {
    std::size_t at = result->output.find("culprit-probe: ");
    std::string line = result->output.substr(at == std::string::npos ? 0 : at + 15);
    return {Probe::Answer::unusable, std::string(line.substr(0, line.find('\n')))};
  }
  return {Probe::Answer::unusable, "unreachable (" + ssh_failure(host, *result) + ")"};
}

}  // namespace

VmHostPool::VmHostPool(std::vector<VmHost> hosts, RunnerLog log)
    : log_(std::move(log)), files_(log_) {
  for (VmHost& host : hosts) {
    auto state = std::make_unique<State>();
    state->slots = host.slots;
    state->kvm = host.accelerator == Accelerator::kvm;
    state->host = std::move(host);
    hosts_.push_back(std::move(state));
  }
}

void VmHostPool::log(const std::string& line) const {
  if (log_) {
    log_(line);
  } else {
    std::fprintf(stderr, "culprit: %s\n", line.c_str());
  }
}

Status VmHostPool::prepare(const std::string& qemu, int vm_memory_mb) {
  for (auto& state : hosts_) {
    CULPRIT_ASSIGN_OR_RETURN(state->slots, vm_host_slots(state->host, vm_memory_mb));
  }
  std::vector<std::future<Probe>> probes;
  for (auto& state : hosts_) {
    probes.push_back(
        std::async(std::launch::async, [&state, &qemu] { return probe(state->host, qemu); }));
  }
  std::optional<Error> host_key_error;
  for (std::size_t i = 0; i < hosts_.size(); ++i) {
    Probe answer = probes[i].get();
    State& state = *hosts_[i];
    switch (answer.answer) {
      case Probe::Answer::kvm:
        // accel=kvm is used as asked; auto takes KVM where the host has it.
        state.kvm = state.host.accelerator != Accelerator::tcg;
        break;
      case Probe::Answer::tcg:
        // A host without a usable /dev/kvm runs TCG even when kvm was asked: what local runs do
        // when /dev/kvm is missing is an error of QEMU's; here, one host of several, TCG.
        state.kvm = false;
        break;
      case Probe::Answer::unusable:
        set_aside(i, answer.why);
        break;
      case Probe::Answer::host_key:
        if (!host_key_error)
          host_key_error = make_error("vm host " + state.host.name() + ": " + answer.why);
        break;
    }
  }
  if (host_key_error) return *host_key_error;
  return {};
}

int VmHostPool::usable_slots() const {
  int total = 0;
  for (std::size_t i = 0; i < hosts_.size(); ++i) {
    if (usable(i)) total += hosts_[i]->slots;
  }
  return total;
}

void VmHostPool::record_success(std::size_t i) {
  std::lock_guard lock(mutex_);
  hosts_[i]->failures_in_a_row = 0;
}

bool VmHostPool::record_failure(std::size_t i, const std::string& why) {
  int failures = 0;
  {
    std::lock_guard lock(mutex_);
    failures = ++hosts_[i]->failures_in_a_row;
  }
  log(fmt::format("vm host {}: run failed there: {}", hosts_[i]->host.name(), why));
  if (failures >= kFailuresInARow && usable(i)) {
    set_aside(i, fmt::format("{} failures in a row (last: {})", failures, why));
  }
  return usable(i);
}

void VmHostPool::set_aside(std::size_t i, const std::string& why) {
  {
    std::lock_guard lock(mutex_);
    last_failure_ = fmt::format("vm host {}: {}", hosts_[i]->host.name(), why);
  }
  if (hosts_[i]->set_aside.exchange(true)) return;
  log(fmt::format("vm host {} set aside for this job: {}", hosts_[i]->host.name(), why));
}

std::string VmHostPool::last_failure() const {
  std::lock_guard lock(mutex_);
  return last_failure_;
}

std::string VmHostPool::summary() const {
  std::string text;
  for (std::size_t i = 0; i < hosts_.size(); ++i) {
    if (!usable(i)) continue;
    if (!text.empty()) text += ", ";
    text += fmt::format("{} ({} slot{}, {})", hosts_[i]->host.name(), hosts_[i]->slots,
                        hosts_[i]->slots == 1 ? "" : "s",
                        hosts_[i]->kvm ? "KVM (TCG if KVM does not boot)" : "TCG");
  }
  return text;
}

}  // namespace culprit::runner
