// The orphan reaper: every child culprit starts runs in a process group of its own (so that a
// timeout can kill a build with all its compilers, a test with all its helpers). When culprit is
// killed with SIGKILL nothing of culprit runs any more to kill those groups, and they would go on
// re-parented to init (a QEMU VM eating a core and 512 MiB beside the VMs of the resumed job).
//
// So the CLI forks, first thing, a tiny watchdog process. culprit tells it, over a pipe, each
// process group it starts and ends; the watchdog does nothing but read. When the pipe reaches
// end-of-file -- culprit has exited, however it died -- the watchdog kills every group still
// listed with SIGKILL and exits. This needs no privileges and no cgroup, and catches grandchildren
// too (they stay in their parent's group unless they make one of their own, e.g. with setsid).
#pragma once

#include <sys/types.h>

namespace culprit {

// Starts the watchdog. Call before any other thread exists; a second call does nothing. Without
// it (library users, tests) tracking does nothing.
void start_orphan_reaper();

// Called by register_child_group / unregister_child_group (base/interrupt.h).
void reaper_track(pid_t group);
void reaper_untrack(pid_t group);

}  // namespace culprit
