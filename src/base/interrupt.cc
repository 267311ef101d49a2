#include "base/interrupt.h"

#include <signal.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

#include "base/orphan_reaper.h"

namespace culprit {

namespace {

std::mutex& groups_mutex() {
  static std::mutex mutex;
  return mutex;
}

std::set<pid_t>& groups() {
  static std::set<pid_t> running;
  return running;
}

std::atomic<const char*> interrupt_note{nullptr};

std::function<void()>& stop_handler() {
  static std::function<void()> handler;
  return handler;
}

}  // namespace

void register_child_group(pid_t group) {
  {
    std::lock_guard lock(groups_mutex());
    groups().insert(group);
  }
  reaper_track(group);
}

void unregister_child_group(pid_t group) {
  reaper_untrack(group);
  std::lock_guard lock(groups_mutex());
  groups().erase(group);
}

void set_interrupt_note(const char* note) {
  interrupt_note.store(note);
}

void on_stop_request(std::function<void()> handler) {
  std::lock_guard lock(groups_mutex());
  stop_handler() = std::move(handler);
}

void install_interrupt_handling() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  sigaddset(&signals, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::thread([signals] {
    int received = 0;
    for (;;) {
      if (sigwait(&signals, &received) != 0) continue;
      if (received != SIGUSR1) break;
      std::lock_guard lock(groups_mutex());
      if (stop_handler()) stop_handler()();
    }
    {
      std::lock_guard lock(groups_mutex());
      for (pid_t group : groups()) kill(-group, SIGKILL);
    }
    if (const char* note = interrupt_note.load()) {
      std::fprintf(stderr, "\nculprit: interrupted by signal %d; %s\n", received, note);
    } else {
      std::fprintf(stderr, "\nculprit: interrupted by signal %d\n", received);
    }
    std::_Exit(128 + received);
  }).detach();
}

}  // namespace culprit
