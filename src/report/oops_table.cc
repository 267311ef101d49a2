// The Linux console formats, as data. See oops_table.h for the meaning of each field and of the
// {PC}/{FUNC}/{SRC}/{RIP} macros.
//
// The titles follow the conventions of syzkaller's crash database (the corpus under
// shared/testdata is the specification): "<what> in <guilty function>".
#include "report/oops_table.h"

#include <string>

namespace culprit::report {
namespace {

// A "Call Trace:" (x86, arm64) or "Backtrace:" (arm) line.
constexpr std::string_view kCallTrace = R"((?:Call (?:T|t)race:)|(?:Backtrace:))";
constexpr std::string_view S = kStackFrames;

// Stack descriptions shared by several formats.
const StackSpec kRipThenStack{.parts = {"{RIP}", kCallTrace, S}};
const StackSpec kCallTraceStack{.parts = {kCallTrace, S}};
const StackSpec kRipOnly{.parts = {"{RIP}"}};

// WARNINGs trap: newer kernels print the stack after the trapping RIP (or a powerpc interrupt
// frame), older ones just print the call trace.
StackSpec warning_stack(std::vector<std::string_view> skip = {}) {
  return StackSpec{.parts = {"(?:{RIP}|--- interrupt: [0-9]+ at {FUNC})", S},
                   .fallback_parts = {kCallTrace, S},
                   .skip = std::move(skip)};
}

const StackSpec kKasanStack{
    .parts = {R"(BUG: KASAN: (?:[a-z\-]+) in {FUNC})", kCallTrace, S},
    // Hardware tag-based KASAN reports go through the arm64 fault path first.
    .skip = {"kernel_fault", "tag_check", "mem_abort", "^el1_", "^el1h_"}};
const StackSpec kKasanFreeStack{
    .parts = {R"(BUG: KASAN: (?:double-free or invalid-free|double-free|invalid-free) in {FUNC})",
              kCallTrace, S},
    .skip = {"slab_", "kfree", "vunmap", "vfree"}};
const StackSpec kKmsanUsbStack{
    .parts = {S, "(Local variable .* created at:|Uninit was created at:)", S},
    .skip = {"alloc_skb", "usb_submit_urb", "usb_start_wait_urb", "usb_bulk_msg",
             "usb_interrupt_msg", "usb_control_msg"}};
const StackSpec kKmsanStack{
    .parts = {S, "(Local variable .* created at:|Uninit was created at:)", S},
    // Generic crypto code is where the bug is hit, not where it is.
    .skip = {"alloc_skb", "netlink_ack", "netlink_rcv_skb", "_encrypt$",
             "^(?:crypto|cipher|drbg|rng)_"}};
const StackSpec kKfenceStack{.parts = {R"(BUG: KFENCE: (?:[a-z\- ]+) in {FUNC})", S}};
const StackSpec kSpinlockStack{.parts = {kCallTrace, S}, .skip = {"spin_", "_lock", "_unlock"}};
const StackSpec kStallStack{.parts = {"{RIP}", kCallTrace, S}, .pick = FramePick::kStall};
const StackSpec kScheduleStack{.parts = {kCallTrace, S}, .skip = {"schedule"}};
const StackSpec kBadUnlockStack{.parts = {"{PC} +{FUNC}", kCallTrace, S}};
const StackSpec kBadPageStack{
    .parts = {"page last allocated", S},
    .skip = {"(free|put|get|update|release)_page", "free_unref", "^_*folio", "truncate_inode_pages",
             "page_frag_free", "alloc", "vmap", "page_owner"}};
const StackSpec kPreemptibleStack{
    .parts = {kCallTrace, S},
    .skip = {"dump_stack", "preemption", "preempt", "debug_", "processor_id", "this_cpu"}};
const StackSpec kLeakStack{.parts = {R"(backtrace(?: \(crc [[:xdigit:]]*\))?:)", S},
                           .skip = {"kmemleak", "mmap", "kmem", "slab", "alloc", "create_object",
                                    "idr_get", "list_lru_init", "kasprintf", "kvasprintf",
                                    "pcpu_create", "strdup", "strndup", "memdup"}};
const StackSpec kWaitContextStack{.parts = {kCallTrace, S}, .skip = {"lock_sock", "release_sock"}};

const StackSpec kWarnOdebug =
    warning_stack({"debug_", "rcu", "hrtimer_", "timer_", "work_", "percpu_", "vunmap", "vfree",
                   "__free_", "debug_check", "kobject_"});
const StackSpec kWarnUsercopy = warning_stack({"usercopy", "__check"});
const StackSpec kWarnKobject = warning_stack({"kobject_"});
const StackSpec kWarnProc = warning_stack({"proc_"});
const StackSpec kWarnRefcount = warning_stack({"refcount", "kobject_"});
const StackSpec kWarnLockdep = warning_stack({"lock_sock", "release_sock"});
const StackSpec kWarnKmalloc = warning_stack({"kmalloc", "krealloc", "slab", "kmem"});
const StackSpec kWarnUrb = warning_stack({"usb_submit_urb", "usb_start_wait_urb", "usb_bulk_msg",
                                          "usb_interrupt_msg", "usb_control_msg"});
const StackSpec kWarnPlain = warning_stack();

const StackSpec kCircularLockStack{
    .parts = {"at: (?:{PC} +)?{FUNC}", "at: (?:{PC} +)?{FUNC}", S},
    // Workqueue flushing takes locks that stand for work items: such deadlocks are about the
    // work item, not about these functions.
    .skip = {"process_one_work", "flush_workqueue", "drain_workqueue", "destroy_workqueue"}};
const StackSpec kLockOrderStack{.parts = {"which became (?:.*) at:", S}};
const StackSpec kRcuUsageStack{.parts = {kCallTrace, S}, .skip = {"rcu", "kmem", "slab"}};
const StackSpec kRcuStallStack{
    .parts = {"apic_timer_interrupt", "{RIP}", S},
    .fallback_parts = {"(?:apic_timer_interrupt|Exception stack|el1h_64_irq)", S},
    .skip = {"apic_timer_interrupt", "rcu"},
    .pick = FramePick::kStall};
const StackSpec kNonStaticKeyStack{.parts = {kCallTrace, S}, .skip = {"stack", "lock", "IRQ"}};
const StackSpec kHungTaskStack{.parts = {kCallTrace, S}, .pick = FramePick::kHungTask};
const StackSpec kStackProtectorStack{.parts = {kCallTrace, S}, .skip = {"stack_chk"}};
const StackSpec kStackEndStack{
    .parts = {kCallTrace, S}, .skip = {"schedule", "retint_kernel"}, .pick = FramePick::kStall};
const StackSpec kStackOverflowStack{
    .parts = {kCallTrace, S}, .skip = {"bad_stack"}, .pick = FramePick::kStall};
const StackSpec kRustPanicStack{.parts = {kCallTrace, S},
                                .skip = {R"(__rustc::rust_begin_unwind)"}};
const StackSpec kUsercopyBugStack{.parts = {kCallTrace, S}, .skip = {"usercopy", "__check"}};
// Many skb helpers BUG_ON() bad arguments; the bug is in their caller.
const StackSpec kKernelBugStack{.parts = {"{RIP}", kCallTrace, S}, .skip = {"^skb_"}};
const StackSpec kUbsanStack{.parts = {kCallTrace, S}, .skip = {"ubsan", "overflow"}};

std::vector<OopsKind> make_kinds() {
  std::vector<OopsKind> kinds;
  kinds.push_back(OopsKind{
      .header = "BUG:",
      .formats =
          {
              {.title = "BUG: KASAN:",
               .report =
                   R"(BUG: KASAN: ([a-z\-]+) in {FUNC}(?:.*\n)+?.*(Read|Write) (?:of size|at addr) (?:[0-9a-f]+))",
               .format = "KASAN: {1} {3} in {4}",
               .alt = {"bad-access in {4}"},
               .stack = &kKasanStack},
              {.title = "BUG: KASAN:",
               .report =
                   "BUG: KASAN: (?:double-free or invalid-free|double-free|invalid-free) in {FUNC}",
               .format = "KASAN: invalid-free in {2}",
               .alt = {"invalid-free in {2}"},
               .stack = &kKasanFreeStack},
              {.title =
                   R"(BUG: KASAN: ([a-z\-]+) on address(?:.*\n)+?.*(Read|Write) of size ([0-9]+))",
               .format = "KASAN: {1} {2}"},
              {.title = "BUG: KASAN: (.*)", .format = "KASAN: {1}", .corrupted = true},
              {.title = "BUG: KMSAN: kernel-usb-infoleak",
               .report = "BUG: KMSAN: kernel-usb-infoleak in {FUNC}",
               .format = "KMSAN: kernel-usb-infoleak in {2}",
               .alt = {"KMSAN origin in {3}"},
               .stack = &kKmsanUsbStack,
               .no_stack_trace = true},
              {.title = "BUG: KMSAN:",
               .report = R"(BUG: KMSAN: ([a-z\-]+) in {FUNC})",
               .format = "KMSAN: {1} in {3}",
               .alt = {"bad-access in {3}"},
               .stack = &kKmsanStack,
               .no_stack_trace = true},
              {.title = "BUG: KCSAN: data-race",
               .report = "BUG: KCSAN: (.*)",
               .format = "KCSAN: {1}",
               .no_stack_trace = true},
              {.title = "BUG: KCSAN:",
               .report = "BUG: KCSAN: (.*)",
               .format = "KCSAN: {1}",
               .no_stack_trace = true},
              {.title = "BUG: KFENCE: (use-after-free|out-of-bounds) (read|write) in {FUNC}",
               .format = "KFENCE: {1} {2} in {4}",
               .alt = {"bad-access in {4}"},
               .stack = &kKfenceStack},
              {.title = "BUG: KFENCE: invalid free in {FUNC}",
               .format = "KFENCE: invalid free in {2}",
               .alt = {"invalid-free in {2}"},
               .stack = &kKfenceStack,
               .no_stack_trace = true},
              {.title = "BUG: KFENCE: invalid (read|write) in {FUNC}",
               .format = "KFENCE: invalid {1} in {3}",
               .alt = {"bad-access in {3}"},
               .stack = &kKfenceStack},
              {.title = "BUG: KFENCE: memory corruption in {FUNC}",
               .format = "KFENCE: memory corruption in {2}",
               .stack = &kKfenceStack,
               .no_stack_trace = true},
              {.title =
                   "BUG: (?:unable to handle kernel paging request|unable to handle page fault "
                   "for address|Unable to handle kernel data access)",
               .format = "BUG: unable to handle kernel paging request in {1}",
               .alt = {"bad-access in {1}"},
               .stack = &kRipThenStack},
              {.title =
                   "BUG: (?:unable to handle kernel NULL pointer dereference|kernel NULL pointer "
                   "dereference|Kernel NULL pointer dereference)",
               .format = "BUG: unable to handle kernel NULL pointer dereference in {1}",
               .alt = {"bad-access in {1}"},
               .stack = &kRipThenStack},
              // The kernel prints the second half of this header with a separate printk, which
              // may be lost.
              {.title = "BUG: (?:unable to handle kernel|Unable to handle kernel)",
               .format = "BUG: unable to handle kernel",
               .corrupted = true},
              {.title = "BUG: (spinlock|rwlock) (lockup suspected|already unlocked|recursion|cpu "
                        "recursion|bad magic|wrong owner|wrong CPU|trylock failure on UP)",
               .format = "BUG: {1} {2} in {3}",
               .stack = &kSpinlockStack},
              {.title = "BUG: soft lockup",
               .format = "BUG: soft lockup in {1}",
               .alt = {"stall in {1}"},
               .stack = &kStallStack},
              {.title = "BUG: .*still has locks held!",
               .report = R"(BUG: .*still has locks held!(?:.*\n)+?.*{PC} +{FUNC})",
               .format = "BUG: still has locks held in {1}"},
              {.title = "BUG: scheduling while atomic",
               .format = "BUG: scheduling while atomic in {1}",
               .stack = &kScheduleStack},
              {.title = "BUG: lock held when returning to user space",
               .report =
                   R"(BUG: lock held when returning to user space(?:.*\n)+?.*leaving the kernel with locks still held(?:.*\n)+?.*at: (?:{PC} +)?{FUNC})",
               .format = "BUG: lock held when returning to user space in {1}",
               .no_stack_trace = true},
              {.title = "BUG: bad unlock balance detected!",
               .format = "BUG: bad unlock balance in {1}",
               .stack = &kBadUnlockStack},
              {.title = "BUG: held lock freed!",
               .report = R"(BUG: held lock freed!(?:.*\n)+?.*{PC} +{FUNC})",
               .format = "BUG: held lock freed in {1}"},
              {.title = "BUG: Bad rss-counter state",
               .format = "BUG: Bad rss-counter state",
               .no_stack_trace = true},
              {.title = "BUG: non-zero nr_ptes on freeing mm",
               .format = "BUG: non-zero nr_ptes on freeing mm",
               .no_stack_trace = true},
              {.title = "BUG: non-zero nr_pmds on freeing mm",
               .format = "BUG: non-zero nr_pmds on freeing mm",
               .no_stack_trace = true},
              // Block device names (loop0, loop1, ...) and file system types would split one bug
              // into many titles.
              {.title = "BUG: Dentry .* still in use",
               .report = R"(BUG: Dentry .* still in use \([0-9]+\) \[(unmount) of ([^\]]+)\])",
               .format = "BUG: Dentry still in use in {1}",
               .alt = {"BUG: Dentry still in use [{1} of {2}]"}},
              {.title = "BUG: Bad page (state|cache)",
               .format = "BUG: Bad page {1} in {2}",
               .stack = &kBadPageStack},
              {.title = "BUG: Bad page map", .format = "BUG: Bad page map"},
              {.title = "BUG: workqueue lockup",
               .format = "BUG: workqueue lockup",
               .no_stack_trace = true},
              {.title = "BUG: sleeping function called from invalid context at (.*)",
               .format = "BUG: sleeping function called from invalid context in {2}",
               .stack = &kCallTraceStack},
              {.title = R"(BUG: using ([a-z_]+)\(\) in preemptible)",
               .format = "BUG: using {1}() in preemptible code in {2}",
               .stack = &kPreemptibleStack},
              {.title = "BUG: workqueue leaked lock or atomic",
               .report =
                   R"(BUG: workqueue leaked lock or atomic(?:.*\n)+?.*last function: ([a-zA-Z0-9_]+)\n)",
               .format = "BUG: workqueue leaked lock or atomic in {1}",
               .no_stack_trace = true},
              {.title = "BUG: memory leak", .format = "memory leak in {1}", .stack = &kLeakStack},
              {.title = "BUG: .*stack guard page was hit at",
               .format = "BUG: stack guard page was hit in {1}",
               .alt = {"stack-overflow in {1}"},
               .stack = &kStallStack},
              // arm64 prints this lockdep splat differently from amd64; use the amd64 title.
              {.title = "BUG: Invalid wait context",
               .format = "WARNING: locking bug in {1}",
               .stack = &kWaitContextStack},
              {.title = R"(BUG:[[:space:]]*(?:\n|$))",
               .format = "BUG: corrupted",
               .corrupted = true},
          },
      .not_oops = {"ODEBUG:", "Boot_DEBUG:", "xlog_status:", "DEBUG:",
                   "BUG: no syscalls can create resource"},
  });
  kinds.push_back(OopsKind{
      .header = "WARNING:",
      .formats =
          {
              {.title = R"(WARNING: .*lib/debugobjects\.c.* (?:debug_print|debug_check|at))",
               .format = "WARNING: ODEBUG bug in {1}",
               .stack = &kWarnOdebug},
              {.title = R"(WARNING: .*mm/usercopy\.c.* (?:usercopy_warn|at))",
               .format = "WARNING: bad usercopy in {1}",
               .stack = &kWarnUsercopy},
              {.title = R"(WARNING: .*lib/kobject\.c.* (?:kobject_|at))",
               .format = "WARNING: kobject bug in {1}",
               .stack = &kWarnKobject},
              {.title = R"(WARNING: .*fs/proc/generic\.c.* (?:proc_register|at))",
               .format = "WARNING: proc registration bug in {1}",
               .stack = &kWarnProc},
              {.title = R"(WARNING: .*lib/refcount\.c.* (?:refcount_|at))",
               .format = "WARNING: refcount bug in {1}",
               .stack = &kWarnRefcount},
              {.title = R"(WARNING: .*kernel/locking/lockdep\.c.*lock_)",
               .format = "WARNING: locking bug in {1}",
               .stack = &kWarnLockdep},
              {.title = "WARNING: .*still has locks held!",
               .report = R"(WARNING: .*still has locks held!(?:.*\n)+?.*at: {FUNC})",
               .format = "WARNING: still has locks held in {1}"},
              {.title = "WARNING: Nested lock was not taken",
               .format = "WARNING: nested lock was not taken in {1}",
               .stack = &kWarnPlain},
              {.title = "WARNING: lock held when returning to user space",
               .report =
                   R"(WARNING: lock held when returning to user space(?:.*\n)+?.*leaving the kernel with locks still held(?:.*\n)+?.*at: (?:{PC} +)?{FUNC})",
               .format = "WARNING: lock held when returning to user space in {1}",
               .no_stack_trace = true},
              {.title = R"(WARNING: .*mm/.*\.c.* k?.?malloc)",
               .format = "WARNING: kmalloc bug in {1}",
               .stack = &kWarnKmalloc},
              {.title = "WARNING: .*mm/vmalloc.c.*__vmalloc_node",
               .format = "WARNING: zero-size vmalloc in {1}",
               .stack = &kWarnPlain},
              {.title = "WARNING: .* usb_submit_urb",
               .format = "WARNING in {1}/usb_submit_urb",
               .stack = &kWarnUrb},
              // Newer kernels print "WARNING: file.c:123 at 0x..., CPU#0".
              {.title = R"(WARNING: {SRC} at 0x\d+, CPU#\d+)",
               .format = "WARNING in {2}",
               .stack = &kWarnPlain},
              {.title = "WARNING: .* at {SRC} {FUNC}",
               .format = "WARNING in {3}",
               .stack = &kWarnPlain},
              {.title = "WARNING: {SRC} at {FUNC}",
               .format = "WARNING in {3}",
               .stack = &kWarnPlain},
              {.title = R"(WARNING: \[.*\] {SRC} at {FUNC}.*)",
               .format = "WARNING in {3}",
               .stack = &kWarnPlain},
              {.title = "WARNING: possible circular locking dependency detected",
               .report =
                   R"(WARNING: possible circular locking dependency detected(?:.*\n)+?.*is trying to acquire lock)",
               .format = "possible deadlock in {1}",
               .stack = &kCircularLockStack},
              {.title = "WARNING: possible irq lock inversion dependency detected",
               .report =
                   R"(WARNING: possible irq lock inversion dependency detected(?:.*\n)+?.*just changed the state of lock(?:.*\n)+?.*at: (?:{PC} +)?{FUNC})",
               .format = "possible deadlock in {1}"},
              {.title = "WARNING: .*-safe -> .*-unsafe lock order detected",
               .format = "possible deadlock in {1}",
               .stack = &kLockOrderStack},
              {.title = "WARNING: possible recursive locking detected",
               .report =
                   R"(WARNING: possible recursive locking detected(?:.*\n)+?.*is trying to acquire lock(?:.*\n)+?.*at: (?:{PC} +)?{FUNC})",
               .format = "possible deadlock in {1}"},
              {.title = "WARNING: inconsistent lock state",
               .report =
                   R"(WARNING: inconsistent lock state(?:.*\n)+?.*takes(?:.*\n)+?.*at: (?:{PC} +)?{FUNC})",
               .format = "inconsistent lock state in {2}",
               .stack = &kCallTraceStack},
              {.title = "WARNING: suspicious RCU usage",
               .report = "WARNING: suspicious RCU usage(?:.*\n)+?.*?{SRC}",
               .format = "WARNING: suspicious RCU usage in {2}",
               .stack = &kRcuUsageStack},
              {.title = "WARNING: kernel stack regs at [0-9a-f]+ in [^ ]* has bad '([^']+)' value",
               .format = "WARNING: kernel stack regs has bad '{1}' value",
               .no_stack_trace = true},
              {.title = "WARNING: kernel stack frame pointer at [0-9a-f]+ in [^ ]* has bad value",
               .format = "WARNING: kernel stack frame pointer has bad value",
               .no_stack_trace = true},
              {.title = "WARNING: bad unlock balance detected!",
               .format = "WARNING: bad unlock balance in {1}",
               .stack = &kBadUnlockStack},
              {.title = "WARNING: held lock freed!",
               .report = R"(WARNING: held lock freed!(?:.*\n)+?.*at:(?: {PC})? +{FUNC})",
               .format = "WARNING: held lock freed in {1}"},
              {.title = "WARNING: kernel stack regs .* has bad 'bp' value",
               .format = "WARNING: kernel stack regs has bad value",
               .no_stack_trace = true},
              {.title = "WARNING: kernel stack frame pointer .* has bad value",
               .format = "WARNING: kernel stack regs has bad value",
               .no_stack_trace = true},
              {.title = R"(WARNING:[[:space:]]*(?:\n|$))",
               .format = "WARNING: corrupted",
               .corrupted = true},
          },
      .not_oops =
          {
              "WARNING: /etc/ssh/moduli does not exist, using fixed modulus",  // sshd
              "WARNING: workqueue cpumask: online intersect > possible intersect",
              "WARNING: [Tt]he mand mount option",
              R"(WARNING: Unsupported flag value\(s\) of 0x%x in DT_FLAGS_1)",  // glibc dump
              "WARNING: Unprivileged eBPF is enabled with eIBRS",
              R"(WARNING: fbcon: Driver '(.*)' missed to adjust virtual screen size (\((?:\d+)x(?:\d+) vs\. (?:\d+)x(?:\d+)\)))",
              "WARNING: See https.* for mitigation options.",
              "WARNING: kernel not compiled with CPU_SRSO",
              R"(EXT4-[Ff][Ss](?: \(.*\))?:)",
              "(?i)warning: .* uses (deprecated v2 capabilities|wireless extensions)",
              R"(XFS \(\w+\): WARNING)",
          },
  });
  kinds.push_back(OopsKind{
      .header = "INFO:",
      .formats =
          {
              {.title = "INFO: possible circular locking dependency detected",
               .report =
                   R"(INFO: possible circular locking dependency detected \](?:.*\n)+?.*is trying to acquire lock(?:.*\n)+?.*at: {PC} +{FUNC})",
               .format = "possible deadlock in {1}"},
              {.title = "INFO: possible irq lock inversion dependency detected",
               .report =
                   R"(INFO: possible irq lock inversion dependency detected \](?:.*\n)+?.*just changed the state of lock(?:.*\n)+?.*at: {PC} +{FUNC})",
               .format = "possible deadlock in {1}"},
              {.title = "INFO: SOFTIRQ-safe -> SOFTIRQ-unsafe lock order detected",
               .report =
                   R"(INFO: SOFTIRQ-safe -> SOFTIRQ-unsafe lock order detected \](?:.*\n)+?.*is trying to acquire(?:.*\n)+?.*at: {PC} +{FUNC})",
               .format = "possible deadlock in {1}"},
              {.title = "INFO: possible recursive locking detected",
               .report =
                   R"(INFO: possible recursive locking detected \](?:.*\n)+?.*is trying to acquire lock(?:.*\n)+?.*at: {PC} +{FUNC})",
               .format = "possible deadlock in {1}"},
              {.title = "INFO: inconsistent lock state",
               .report =
                   R"(INFO: inconsistent lock state \](?:.*\n)+?.*takes(?:.*\n)+?.*at: {PC} +{FUNC})",
               .format = "inconsistent lock state in {1}"},
              {.title =
                   "INFO: rcu_(?:preempt|sched|bh|tasks(?:_trace|_rude)?) (?:self-)?detected(?: "
                   "expedited)? stall",
               .format = "INFO: rcu detected stall in {1}",
               .alt = {"stall in {1}"},
               .stack = &kRcuStallStack},
              {.title = "INFO: trying to register non-static key",
               .format = "INFO: trying to register non-static key in {1}",
               .stack = &kNonStaticKeyStack},
              {.title = "INFO: suspicious RCU usage",
               .report = "INFO: suspicious RCU usage(?:.*\n)+?.*?{SRC}",
               .format = "INFO: suspicious RCU usage in {2}",
               .stack = &kRcuUsageStack},
              // Task names are arbitrary bytes and may contain a line break.
              {.title = "INFO: task [^\\n]*(?:\\n[^\\n]*)? blocked (?:in I/O wait )?for more than "
                        "[0-9]+ seconds",
               .format = "INFO: task hung in {1}",
               .alt = {"hang in {1}"},
               .stack = &kHungTaskStack},
              {.title = "INFO: task .* can't die for more than .* seconds",
               .format = "INFO: task can't die in {1}",
               .alt = {"hang in {1}"},
               .stack = &kScheduleStack},
              // Old-style KASAN reports whose header got lost.
              {.title = "INFO: (Freed|Allocated) in (.*)",
               .format = "INFO: {1} in {2}",
               .corrupted = true},
              {.title = R"(INFO:[[:space:]]*(?:\n|$))",
               .format = "INFO: corrupted",
               .corrupted = true},
          },
      .not_oops = {"INFO: lockdep is turned off", "INFO: Stall ended before state dump start",
                   "INFO: NMI handler", "INFO: recovery required on readonly filesystem",
                   "(handler|interrupt).*took too long",
                   "INFO: sys_.* is not present in /proc/kallsyms",
                   "INFO: no syscalls can create resource",
                   "rmt_storage:INFO:", "_INFO:"},  // "INVALID BTF_INFO:NUM"
  });
  kinds.push_back(OopsKind{
      .header = "Unable to handle kernel",
      .formats = {{.title =
                       "Unable to handle kernel (paging request|NULL pointer dereference|access "
                       "to user memory)",
                   .format = "BUG: unable to handle kernel {1} in {2}",
                   .alt = {"bad-access in {2}"},
                   .stack = &kRipThenStack}},
  });
  kinds.push_back(OopsKind{
      .header = "general protection fault",
      .formats = {{.title = "general protection fault.*:",
                   .format = "general protection fault in {1}",
                   .alt = {"bad-access in {1}"},
                   .stack = &kRipThenStack}},
      .not_oops = {R"(general protection fault .* error:\d+ in )"},  // user-space segfault
  });
  kinds.push_back(OopsKind{
      .header = "stack segment: ",
      .formats = {{.title = "stack segment: ",
                   .format = "stack segment fault in {1}",
                   .stack = &kRipThenStack}},
  });
  kinds.push_back(OopsKind{
      .header = "Kernel panic",
      .formats =
          {
              // With a corrupted stack the kernel may fail to print the function name.
              {.title = "Kernel panic - not syncing: stack-protector:",
               .report = "Kernel panic - not syncing: stack-protector: Kernel stack is corrupted "
                         "in: {FUNC}",
               .format = "kernel panic: stack is corrupted in {1}",
               .no_stack_trace = true},
              {.title = "Kernel panic - not syncing: stack-protector:",
               .report = "Kernel panic - not syncing: stack-protector: Kernel stack is corrupted "
                         "in: [a-f0-9]+",
               .format = "kernel panic: stack is corrupted in {1}",
               .stack = &kStackProtectorStack},
              {.title = "Kernel panic - not syncing: corrupted stack end",
               .report =
                   "Kernel panic - not syncing: corrupted stack end detected inside scheduler",
               .format = "kernel panic: corrupted stack end in {1}",
               .alt = {"stack-overflow in {1}"},
               .stack = &kStackEndStack},
              {.title = "Kernel panic - not syncing: kernel stack overflow",
               .format = "kernel stack overflow in {1}",
               .alt = {"stack-overflow in {1}"},
               .stack = &kStackOverflowStack},
              {.title = "Kernel panic - not syncing: Attempted to kill init!",
               .format = "kernel panic: Attempted to kill init!"},
              {.title = "Kernel panic - not syncing: Couldn't open N_TTY ldisc for [^ ]+ --- error "
                        "-[0-9]+",
               .format = "kernel panic: Couldn't open N_TTY ldisc"},
              // These panics follow a BUG, WARNING or hang report: finding them first means the
              // actual report was lost.
              {.title = "Kernel panic - not syncing: Fatal exception",
               .format = "kernel panic: Fatal exception",
               .corrupted = true},
              {.title = "Kernel panic - not syncing: panic_on_warn set",
               .format = "kernel panic: panic_on_warn set",
               .corrupted = true},
              {.title = "Kernel panic - not syncing: hung_task: blocked tasks",
               .format = "kernel panic: hung_task: blocked tasks",
               .corrupted = true},
              {.title = "Kernel panic - not syncing: (.*)", .format = "kernel panic: {1}"},
          },
  });
  kinds.push_back(OopsKind{
      .header = "PANIC: double fault",
      .formats = {{.title = "PANIC: double fault",
                   .format = "PANIC: double fault in {1}",
                   .stack = &kRipOnly}},
  });
  kinds.push_back(OopsKind{
      .header = "rust_kernel: panicked",
      .formats = {{.title = "rust_kernel: panicked",
                   .report = "rust_kernel: panicked at [^\n]*?\n(.+?)\n",
                   .format = "{1} in {2}",
                   .stack = &kRustPanicStack}},
  });
  kinds.push_back(OopsKind{
      .header = "kernel BUG",
      .formats =
          {
              {.title = "kernel BUG at mm/usercopy.c",
               .format = "BUG: bad usercopy in {1}",
               .stack = &kUsercopyBugStack},
              // List corruption is also a common symptom of memory corruption or races.
              {.title = "kernel BUG at lib/list_debug.c",
               .format = "BUG: corrupted list in {1}",
               .alt = {"bad-access in {1}"},
               .stack = &kCallTraceStack},
              {.title = "kernel BUG at (.*)",
               .format = "kernel BUG in {2}",
               .stack = &kKernelBugStack},
          },
  });
  kinds.push_back(OopsKind{
      .header = "Kernel BUG",
      .formats = {{.title = "Kernel BUG (.*)", .format = "kernel BUG {1}"}},
  });
  kinds.push_back(OopsKind{
      .header = "BUG kmalloc-",
      .formats = {{.title = "BUG kmalloc-.*: Object already free",
                   .format = "BUG: Object already free"}},
  });
  kinds.push_back(OopsKind{
      .header = "divide error:",
      .formats = {{.title = "divide error: ", .format = "divide error in {1}", .stack = &kRipOnly}},
  });
  // A misspelling of the above printed by some kernels.
  kinds.push_back(OopsKind{
      .header = "divide_error:",
      .formats = {{.title = "divide_error: ", .format = "divide error in {1}", .stack = &kRipOnly}},
  });
  kinds.push_back(OopsKind{
      .header = "invalid opcode:",
      .formats =
          {{.title = "invalid opcode: ", .format = "invalid opcode in {1}", .stack = &kRipOnly}},
  });
  kinds.push_back(OopsKind{
      .header = "UBSAN:",
      .formats =
          {
              {.title = "UBSAN:",
               .report = "UBSAN: Undefined behaviour in",
               .format = "UBSAN: undefined-behaviour in {1}",
               .stack = &kUbsanStack},
              {.title = "UBSAN: array-index-out-of-bounds in",
               .format = "UBSAN: array-index-out-of-bounds in {1}",
               .alt = {"bad-access in {1}"},
               .stack = &kUbsanStack},
              {.title = "UBSAN:",
               .report = "UBSAN: (.*?) in",
               .format = "UBSAN: {1} in {2}",
               .stack = &kUbsanStack},
          },
  });
  kinds.push_back(OopsKind{
      .header = "Booting the kernel.",
      .formats = {{.title = "^Booting the kernel",
                   .format = "unexpected kernel reboot",
                   .no_stack_trace = true}},
      // Boot messages read back by the fuzzer and echoed as bad mount options.
      .not_oops = {"Parsing ELF|Decompressing Linux|Unknown parameter '"},
  });
  kinds.push_back(OopsKind{
      .header = "unregister_netdevice: waiting for",
      .formats = {{.title = "unregister_netdevice: waiting for (?:.*) to become free",
                   .format = "unregister_netdevice: waiting for DEV to become free",
                   .no_stack_trace = true}},
  });
  kinds.push_back(OopsKind{
      .header = "VFS: Close: file count is 0",
      .formats = {{.title = "VFS: Close: file count is 0",
                   .format = "VFS: Close: file count is zero (use-after-free)",
                   .no_stack_trace = true}},
  });
  kinds.push_back(OopsKind{
      .header = "VFS: Busy inodes after unmount",
      .formats = {{.title = "VFS: Busy inodes after unmount",
                   .format = "VFS: Busy inodes after unmount (use-after-free)",
                   .no_stack_trace = true}},
  });
  // arm64 reports some faults as "Internal error", arm as "Unhandled fault"; the alternative
  // title merges them with the x86 reports of the same bug.
  kinds.push_back(OopsKind{
      .header = "Internal error:",
      .formats = {{.title = "Internal error:",
                   .format = "Internal error in {1}",
                   .alt = {"bad-access in {1}"},
                   .stack = &kRipThenStack}},
  });
  kinds.push_back(OopsKind{
      .header = "Unhandled fault:",
      .formats = {{.title = "Unhandled fault:",
                   .format = "Unhandled fault in {1}",
                   .alt = {"bad-access in {1}"},
                   .stack = &kRipThenStack}},
  });
  kinds.push_back(OopsKind{
      .header = "Alignment trap:",
      .formats = {{.title = "Alignment trap:",
                   .format = "Alignment trap in {1}",
                   .stack = &kRipThenStack}},
  });
  kinds.push_back(OopsKind{
      .header = "trusty: panic",
      .formats =
          {
              {.title = "trusty: panic.* ASSERT FAILED",
               .report = R"(trusty: panic \(.*?\):(?: DEBUG)? ASSERT FAILED at \(.*?\): (.+))",
               .format = "trusty: ASSERT FAILED: {1}",
               .no_stack_trace = true},
              {.title = "trusty: panic.* ASSERT FAILED.*: *(.*)",
               .format = "trusty: ASSERT FAILED: {1}",
               .corrupted = true},
              {.title = "trusty: panic",
               .report = R"(trusty: panic \(.*?\): (.+))",
               .format = "trusty: panic: {1}",
               .no_stack_trace = true},
          },
  });
  // Go runtime failures of the test harness.
  kinds.push_back(OopsKind{
      .header = "fatal error:",
      .formats = {{.title = "fatal error:", .format = "go runtime error", .no_stack_trace = true}},
      .not_oops = {"ALSA", "fatal error: cannot create timer"},
  });
  // Failures reported by the syzkaller executor and fuzzer themselves.
  kinds.push_back(OopsKind{
      .header = "SYZFAIL:",
      .formats = {{.title = "SYZFAIL:(.*)", .format = "SYZFAIL:{1}", .no_stack_trace = true}},
  });
  kinds.push_back(OopsKind{
      .header = "SYZFATAL:",
      .formats = {{.title = "SYZFATAL:(.*)()",
                   .format = "SYZFATAL:{1}",
                   .alt = {"SYZFATAL{2}"},
                   .no_stack_trace = true}},
  });
  kinds.push_back(OopsKind{
      .header = "panic:",
      .formats =
          {
              {.title = "panic: Sentry detected .* stuck task",
               .format = "panic: Sentry detected stuck tasks",
               .no_stack_trace = true},
              {.title = "panic:(.*)", .format = "panic:{1}", .no_stack_trace = true},
          },
      // Kernel functions such as skb_over_panic, and Android boot noise.
      .not_oops = {"_panic:", "xlog_status:", R"(ddb\.onpanic:)", "evtlog_status:"},
  });
  return kinds;
}

ConsoleRules make_rules() {
  ConsoleRules rules;
  rules.kinds = make_kinds();
  rules.suppressions = {
      "panic: failed to start executor binary",
      "panic: executor failed: pthread_create failed",
      "panic: failed to create temp dir",
      // Out-of-memory of the harness, sometimes seen as SIGBUS.
      "fatal error: unexpected signal during runtime execution",
      "signal SIGBUS: bus error",
      "SYZFAIL: SIGBUS",
      R"(Out of memory: Kill process .* \(syz-executor\))",
      R"(Out of memory: Kill process .* \(sshd\))",
      R"(Killed process .* \(syz-executor\))",
      R"(Killed process .* \(sshd\))",
      "lowmemorykiller: Killing 'syz-executor'",
      "lowmemorykiller: Killing 'sshd'",
      "INIT: PANIC: segmentation violation!",
      R"(\*\*\* stack smashing detected \*\*\*: terminated)",
      // Go runtime out of memory.
      "fatal error: runtime: out of memory",
      "fatal error: runtime: cannot allocate memory",
      "fatal error: out of memory",
      "fatal error: newosproc",
      "panic: .*cannot allocate memory",
  };
  rules.panic_marker = "Kernel panic - not syncing";
  // GCE's serial console prints this when the connection drops, usually mid-report.
  rules.console_hangup = "serialport: VM disconnected.";
  rules.continuation_headers = {"invalid opcode: 0000", "Kernel panic - not syncing",
                                "unregister_netdevice: waiting for",
                                // Double faults happen while handling another fault.
                                "PANIC: double fault", "Internal error:"};
  rules.info_with_stack = {"vmalloc: allocation failure:", "FAULT_INJECTION: forcing a failure",
                           "FAULT_FLAG_ALLOW_RETRY missing"};
  rules.riscv_stack_start = "status: [0-9a-f]{16} badaddr: [0-9a-f]{16} cause: [0-9a-f]{16}";
  rules.stack_starts = {
      "Call (?:T|t)race",
      "Allocated:",
      "Allocated by task [0-9]+:",
      "Freed:",
      "Freed by task [0-9]+:",
      // "backtrace:" of kmemleak (with an optional crc) but not lockdep's "stack backtrace:".
      R"([^k] backtrace(?: \(crc [[:xdigit:]]*\))?:)",
      "Backtrace:",
      "Uninit was stored to memory at",
      rules.riscv_stack_start,
  };
  rules.frame_lines = {
      "^ *(?:{PC} ){0,2}{FUNC}",
      // arm prints "[<pc>] (callee) from [<pc>] (caller+0x...)": both names are frames.
      R"(^ *{PC} \(([a-zA-Z0-9_.]+)\) from {PC} \({FUNC})",
  };
  rules.skip_frames = {
      "__sanitizer", "__asan", "kasan", "hwasan", "__msan", "kmsan", "kcsan_setup_watchpoint",
      "check_memory_region", "check_heap_object", "check_object", "read_word_at_a_time",
      "(read|write)_once_.*nocheck", "print_address_description", "panic", "invalid_op",
      "report_bug", "fixup_bug", "print_report", "print_usage_bug", "do_error", "invalid_op",
      "_trap$|do_trap", "show_stack", "dump_stack", "walk_stack", "dump_backtrace", "warn_slowpath",
      "warn_alloc", "warn_bogus", "__warn", "alloc_page", "k?v?(?:m|z|c)alloc", "krealloc",
      "kmem_cache", "allocate_slab", "__alloc_frozen_pages_noprof", "folio_(?:alloc|unlock)",
      "filemap_alloc_folio", "__filemap_get_folio", "find_or_create_page", "do_read_cache_folio",
      "read_cache_page", "pagecache_get_page", "grab_cache_page_write_begin", "slab_",
      "debug_object", "timer_is_static_object", "work_is_static_object", "__might_fault",
      "print_unlock", "imbalance_bug", "lockdep", "bh_enable", "bh_disable", "perf_trace",
      "lock_acquire", "lock_release", "lock_class", "mark_lock", "(reacquire|mark)_held_locks",
      "raw_spin_rq", "spin_lock", "spin_trylock", "spin_unlock", "read_lock", "read_trylock",
      "write_lock", "write_trylock", "read_unlock", "write_unlock", "^down$", "down_read",
      "down_write", "down_read_trylock", "down_write_trylock", "down_trylock", "up_read",
      "up_write", "^mutex_", "^__mutex_", "^rt_mutex_", "owner_on_cpu", "osq_lock", "osq_unlock",
      "atomic(64)?_(dec|inc|read|set|or|xor|and|add|sub|fetch|xchg|cmpxchg|try)",
      "(set|clear|change|test)_bit", "__wake_up", "^refcount_", "^kref_", "ref_tracker",
      "seqprop_assert", "memcpy", "memcmp", "memset", "memchr", "memmove", "memdup", "strcmp",
      "strncmp", "strcpy", "strlcpy", "strncpy", "strscpy", "strlen", "strstr", "strnstr",
      "strnlen", "strchr", "strdup", "strndup", "copy_to_user", "copy_from_user", "copy_to_iter",
      "copy_from_iter", "copy_page_to_iter", "copy_page_from_iter", "copy_folio_to_iter",
      "^copyin$", "^copyout$", "put_user", "get_user", "might_fault", "might_sleep", "list_add",
      "list_del", "list_replace", "list_move", "list_splice", "^rb_", "^__rb_",
      "_indirect_thunk_",  // retpolines
      "string", "pointer", "snprintf", "scnprintf", "kasprintf", "kvasprintf", "printk",
      "va_format", "dev_info", "dev_notice", "dev_warn", "dev_err", "dev_alert", "dev_crit",
      "dev_emerg", "program_check_exception", "program_check_common", "del_timer", "flush_work",
      "__cancel_work_timer", "cancel_work_sync", "try_to_grab_pending", "flush_workqueue",
      "drain_workqueue", "destroy_workqueue", "queue_work", "finish_wait", "kthread_stop",
      "kobject_", "add_uevent_var", "get_device_parent", "device_add", "device_del",
      "device_unregister", "device_destroy", "device_release", "devres_release_all",
      "hwrng_unregister", "i2c_del_adapter", "__unregister_client", "device_for_each_child",
      "rollback_registered", "unregister_netdev", "sysfs_remove", "device_remove_file",
      "tty_unregister_device", "dummy_urb_enqueue", "usb_kill_urb", "usb_kill_anchored_urbs",
      "usb_control_msg", "usb_hcd_submit_urb", "usb_submit_urb", "^complete$",
      "wait_for_completion", "^kv?free$", "kfree_skb", "readb$", "readw$", "readl$", "readq$",
      "writeb$", "writew$", "writel$", "writeq$", "logic_in", "logic_out", R"(^crc\d+)",
      "crc_itu_t", "__might_resched", "assertfail", "^iput$", "^iput_final$", "^ihold$",
      "hex_dump_to_buffer", "print_hex_dump", "^klist_", "(trace|lockdep)_(hard|soft)irq",
      "^(un)?lock_page", "stack_trace_consume_entry", "arch_stack_walk", "stack_trace_save",
      "insert_work", "__queue_delayed_work", "queue_delayed_work_on", "ida_free",
      // arm64 translation fault handling.
      "do_(kernel|translation)_fault", "do_mem_abort", "el1_abort", "el1h_64_sync(?:_handler)?",
      "print_tainted", "xas_(?:start|load|find)", "find_lock_entries", "truncate_inode_pages_range",
      "__phys_addr", "__fortify_report", "cleanup_srcu_struct", "rhashtable_lookup",
      "extract_(user|iter)_to_sg", "drop_nlink", "^get_taint$", "^put_device$", "lock_timer_base",
      "__timer_delete_sync", "sk_stop_timer_sync", "__mod_timer", "fast_dput", "dput",
      // Warns about a buffer its caller failed to bring up to date.
      "mark_buffer_dirty"};
  // Fault injection prints its own stacks into the middle of reports; symbols may carry suffixes
  // such as ".isra.7" or ".cold".
  rules.corrupted_lines = {
      R"(^( \[\<?(?:0x)?[0-9a-f]+\>?\])? should_fail(slab)?(\.[a-z0-9.]+)?\+0x)"};
  rules.strip_frame_prefixes = {"SYSC_",     "SyS_",      "sys_",         "__x64_",      "__ia32_",
                                "__arm64_",  "____sys_",  "___sys_",      "__sys_",      "__se_",
                                "__se_sys_", "__do_sys_", "compat_SYSC_", "compat_SyS_", "ksys_"};
  rules.stall_anchors = {
      // Generic dispatchers (and some of their callers, in case names change).
      "process_one_work", "do_syscall_", "do_fast_syscall_", "sysenter_dispatch", "tracesys_phase2",
      "el0_svc_handler", "invoke_syscall", "ret_fast_syscall", "netif_receive_skb", "do_softirq",
      "call_timer_fn", "_run_timers", "run_timer_softirq", "hrtimer_run", "run_ksoftirqd",
      "smpboot_thread_fn", "^kthread$", "start_secondary", "cpu_startup_entry", "ret_from_fork",
      // File operations that multiplex many drivers.
      "vfs_write", "vfs_read", "vfs_iter_read", "vfs_iter_write", "do_iter_read", "do_iter_write",
      "call_read_iter", "call_write_iter", "new_sync_read", "new_sync_write", "vfs_ioctl",
      "ksys_ioctl", "compat_ioctl", "compat_sys_ioctl", "blkdev_driver_ioctl", "blkdev_ioctl",
      "^call_read_iter", "^call_write_iter", "do_iter_readv_writev", "^call_mmap", "mmap_region",
      "do_mmap", "do_dentry_open", "vfs_open",
      // Socket operations.
      "^sock_sendmsg", "^sock_recvmsg", "^sock_release", "^__sock_release", "^setsockopt$",
      "kernel_setsockopt", "sock_common_setsockopt", "^listen$", "kernel_listen",
      "sk_common_release", "^sock_mmap", "^accept$", "kernel_accept", "^sock_do_ioctl",
      "^sock_ioctl", "^compat_sock_ioctl", "^nfnetlink_rcv_msg", "^rtnetlink_rcv_msg",
      "^netlink_dump", "^(sys_)?(socketpair|connect|ioctl)",
      // Page faults.
      "__do_fault", "do_page_fault", "^page_fault$",
      // Work done on the way back to user space.
      "__fput", "task_work_run", "exit_to_usermode", "smp_call_function", "tasklet_action",
      "tasklet_hi_action"};
  rules.guilty_file_ignores = {
      R"(.*\.h)",
      "^lib/.*",
      "^virt/lib/.*",
      "^mm/kasan/.*",
      "^mm/kmsan/.*",
      "^kernel/kcov.c",
      "^mm/sl.b.c",
      "^mm/filemap.c",
      "^mm/folio-compat.c",
      "^mm/truncate.c",
      "^mm/memory.c",
      "^mm/percpu.*",
      "^mm/vmalloc.c",
      "^mm/page_alloc.c",
      "^mm/mempool.c",
      "^mm/util.c",
      "^kernel/rcu/.*",
      "^arch/.*/kernel/traps.c",
      "^arch/.*/kernel/unwind.*.c",
      "^arch/.*/mm/fault.c",
      "^arch/.*/mm/physaddr.c",
      "^arch/.*/kernel/stacktrace.c",
      "^arch/.*/kernel/apic/apic.c",
      "^arch/arm64/kernel/entry.*.c",
      R"(^arch/arm64/kernel/process\.c)",
      "^kernel/locking/.*",
      "^kernel/panic.c",
      "^kernel/printk/printk.*.c",
      "^kernel/softirq.c",
      "^kernel/kthread.c",
      "^kernel/sched/.*.c",
      "^kernel/stacktrace.c",
      "^kernel/time/timer.c",
      "^kernel/workqueue.c",
      "^net/core/dev.c",
      "^net/core/sock.c",
      "^net/core/skbuff.c",
      "^fs/proc/generic.c",
      "^trusty/",                 // not in the kernel tree
      "^drivers/usb/core/urb.c",  // a WARNING there is a bug in the driver
      "^arch/.*/lib/crc.*",       // checksum helpers are blamed on their callers
  };
  rules.guilty_line_ignore =
      R"((hardirqs|softirqs)\s+last\s+(enabled|disabled)|^Register r\d+ information)";
  return rules;
}

}  // namespace

const ConsoleRules& console_rules() {
  static const ConsoleRules rules = make_rules();
  return rules;
}

std::string expand_macros(std::string_view pattern) {
  static constexpr std::string_view kRip =
      R"((?:IP|NIP|pc |PC is at):? (?:(?:[0-9]+:)?(?:{PC} +){0,2}{FUNC}|(?:[0-9]+:)?0x[0-9a-f]+|(?:[0-9]+:)?{PC} +\[< *\(null\)>\] +\(null\)|[0-9]+: +\(null\)))";
  struct Macro {
    std::string_view name;
    std::string_view text;
  };
  static constexpr Macro kMacros[] = {
      {"{RIP}", kRip},
      {"{ADDR}", "0x[0-9a-f]+"},
      {"{PC}", R"(\[\<?(?:0x)?[0-9a-f]+\>?\])"},
      {"{FUNC}", R"(([a-zA-Z0-9_]+)(?:\.|\+))"},
      {"{SRC}", R"(([a-zA-Z0-9-_/.]+\.[a-z]+:[0-9]+))"},
  };
  std::string out(pattern);
  for (const Macro& macro : kMacros) {
    for (std::size_t pos = out.find(macro.name); pos != std::string::npos;
         pos = out.find(macro.name, pos + macro.text.size())) {
      out.replace(pos, macro.name.size(), macro.text);
    }
  }
  return out;
}

}  // namespace culprit::report
