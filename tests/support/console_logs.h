// Console logs shared by the report parser's tests (unit/report_test.cc) and the `culprit report`
// command's (integration/report_command_test.cc).
#pragma once

#include <string>

namespace culprit::testing {

// A KASAN report as printed with printk caller tags, by syzkaller executor proc 5, program 7376.
inline const std::string kKasanLog =
    "[   10.100000][ T5000] syz.5.7376: attempting to open /dev/loop0\n"
    "[   10.200000][ T5000] "
    "==================================================================\n"
    "[   10.200001][ T5000] BUG: KASAN: slab-use-after-free in tcp_close+0x1234/0x1300\n"
    "[   10.200002][ T5000] Read of size 8 at addr ffff888012345678 by task syz.5.7376/5000\n"
    "[   10.200003][ T5000] \n"
    "[   10.200004][ T5000] CPU: 1 UID: 0 PID: 5000 Comm: syz.5.7376 Not tainted 6.8.0 #1\n"
    "[   10.200005][ T5000] Call Trace:\n"
    "[   10.200006][ T5000]  <TASK>\n"
    "[   10.200007][ T5000]  __dump_stack lib/dump_stack.c:88 [inline]\n"
    "[   10.200008][ T5000]  dump_stack_lvl+0x100/0x190\n"
    "[   10.200009][ T5000]  print_report+0xc1/0x5e0\n"
    "[   10.200010][ T5000]  kasan_report+0xd8/0x110\n"
    "[   10.200011][ T5000]  tcp_close+0x1234/0x1300\n"
    "[   10.200012][ T5000]  inet_release+0x12f/0x270\n"
    "[   10.200013][ T5000]  __sock_release+0xb0/0x270\n"
    "[   10.200014][ T5000]  __x64_sys_close+0x7b/0x110\n"
    "[   10.200015][ T5000]  do_syscall_64+0xd2/0x260\n"
    "[   10.200016][ T5000]  </TASK>\n"
    "[   10.200017][ T5000] "
    "==================================================================\n";

// A boot log without a crash.
inline const std::string kCleanLog =
    "[    0.000000][    T0] Linux version 6.8.0 (gcc 12.2.0) #1 SMP PREEMPT_DYNAMIC\n"
    "[    0.000000][    T0] Command line: console=ttyS0 root=/dev/sda1\n"
    "[    1.234567][    T1] Run /sbin/init as init process\n"
    "[    2.345678][  T300] EXT4-fs (sda1): re-mounted. Quota mode: none.\n"
    "syzkaller login: [   12.000000][ T3000] audit: type=1400 audit(1.2:3): avc: denied\n";

}  // namespace culprit::testing
