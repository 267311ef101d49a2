// Ctrl-C, SIGTERM and SIGHUP (and SIGUSR1, see on_stop_request). Every child culprit starts runs in
// a process group of its own (so a timeout can kill a whole build with its compilers), which also
// means the terminal's SIGINT never reaches it. So the CLI calls install_interrupt_handling() first
// thing: the signals are blocked in every thread and one thread waits for them; on one it kills the
// process group of every child still running and exits with status 128+signal, saying "culprit:
// interrupted by signal N" and the running command's note (set_interrupt_note). For `culprit
// bisect`, what the store holds stays (every write is its own transaction), and running the same
// command again resumes.
#pragma once

#include <sys/types.h>

#include <functional>

namespace culprit {

// Call before any other thread exists.
void install_interrupt_handling();

// What the interrupt message adds after the signal, e.g. "run the same command to resume" (a
// string literal, or anything that lives as long as the process); nullptr for nothing.
void set_interrupt_note(const char* note);

// SIGUSR1 asks for a graceful stop instead: `handler` is called (on the signal thread) and the
// process goes on, so that a job can stop between runs and record that it was cancelled.
void on_stop_request(std::function<void()> handler);

// Kept by run_process: the process groups of the children running now.
void register_child_group(pid_t group);
void unregister_child_group(pid_t group);

}  // namespace culprit
