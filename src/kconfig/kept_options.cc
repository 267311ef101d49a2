#include "kconfig/kept_options.h"

namespace culprit::kconfig {
namespace {

constexpr std::string_view kSanitizer = "a sanitizer: finds the bad access";
constexpr std::string_view kLocking = "lock checking: reports lock-order and context bugs";
constexpr std::string_view kDebug = "a debug check that turns silent corruption into a report";
constexpr std::string_view kHang = "a hang detector: turns a stuck kernel into a report";
constexpr std::string_view kReport = "what crash reports are made of";

constexpr KeptOptionRule kRules[] = {
    {"KASAN", true, kSanitizer},
    {"KFENCE", true, kSanitizer},
    {"KMSAN", true, kSanitizer},
    {"KCSAN", true, kSanitizer},
    {"UBSAN", true, kSanitizer},
    {"SLUB_DEBUG", true, kSanitizer},
    {"LOCKDEP", true, kLocking},
    {"PROVE_LOCKING", false, kLocking},
    {"PROVE_RCU", true, kLocking},
    {"LOCK_STAT", false, kLocking},
    {"DEBUG_KERNEL", false, "the menu every debug option below depends on"},
    {"DEBUG_LOCK_ALLOC", false, kLocking},
    {"DEBUG_SPINLOCK", false, kLocking},
    {"DEBUG_MUTEXES", false, kLocking},
    {"DEBUG_RT_MUTEXES", false, kLocking},
    {"DEBUG_RWSEMS", false, kLocking},
    {"DEBUG_WW_MUTEX_SLOWPATH", false, kLocking},
    {"DEBUG_ATOMIC_SLEEP", false, kLocking},
    {"DEBUG_PREEMPT", false, kLocking},
    {"DEBUG_LIST", false, kDebug},
    {"DEBUG_PLIST", false, kDebug},
    {"DEBUG_SG", false, kDebug},
    {"DEBUG_NOTIFIERS", false, kDebug},
    {"DEBUG_CREDENTIALS", false, kDebug},
    {"DEBUG_OBJECTS", true, kDebug},
    {"DEBUG_VM", true, kDebug},
    {"DEBUG_PAGEALLOC", true, kDebug},
    {"DEBUG_VIRTUAL", false, kDebug},
    {"DEBUG_KMEMLEAK", true, kDebug},
    {"DEBUG_STACK_USAGE", false, kDebug},
    {"FORTIFY_SOURCE", false, kDebug},
    {"HARDENED_USERCOPY", true, kDebug},
    {"REFCOUNT_FULL", false, kDebug},
    {"BUG_ON_DATA_CORRUPTION", false, kDebug},
    {"FAULT_INJECTION", true, "fault injection: the reproducer may depend on it"},
    {"FAILSLAB", false, "fault injection: the reproducer may depend on it"},
    {"DETECT_HUNG_TASK", false, kHang},
    {"LOCKUP_DETECTOR", false, kHang},
    {"SOFTLOCKUP_DETECTOR", false, kHang},
    {"HARDLOCKUP_DETECTOR", false, kHang},
    {"RCU_STALL_COMMON", false, kHang},
    {"WQ_WATCHDOG", false, kHang},
    {"BUG", false, kReport},
    {"KALLSYMS", true, kReport},
    {"STACKTRACE", false, kReport},
    {"FRAME_POINTER", false, kReport},
    {"UNWINDER_", true, kReport},
    {"PRINTK", true, kReport},
    {"PANIC_ON_OOPS", false, kReport},
};

}  // namespace

std::span<const KeptOptionRule> kept_option_rules() {
  return kRules;
}

std::optional<std::string_view> why_kept(std::string_view name) {
  for (const KeptOptionRule& rule : kRules) {
    if (rule.prefix ? name.starts_with(rule.name) : name == rule.name) return rule.why;
  }
  return std::nullopt;
}

}  // namespace culprit::kconfig
