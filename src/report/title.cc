// Title normalisation and crash categories.
#include <algorithm>
#include <array>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <re2/set.h>

#include "report/fast_match.h"
#include "report/oops_table.h"
#include "report/regex_util.h"
#include "report/report.h"
#include "report/title_internal.h"

namespace culprit::report {
namespace {

struct Rewrite {
  std::unique_ptr<RE2> pattern;
  std::string replacement;  // RE2 rewrite syntax (\1 ...)
};

struct Rewrites {
  std::vector<Rewrite> list;
  // The same patterns, to find in one pass the few that apply to a title (most apply to none).
  // An RE2 set rather than a Hyperscan prefilter: the bounded repeats ({6,}, {1,3}) make
  // Hyperscan take ~60 ms to build it, more than a console's titles take to search.
  std::unique_ptr<RE2::Set> set;
};

// Parts of titles that change from run to run of the same bug, in the order they are rewritten.
const Rewrites& dynamic_parts() {
  static const Rewrites rewrites = [] {
    Rewrites out;
    out.set = std::make_unique<RE2::Set>(pattern_options(), RE2::UNANCHORED);
    auto add = [&](std::string_view pattern, std::string replacement) {
      out.list.push_back(Rewrite{compile_pattern(pattern), std::move(replacement)});
      if (out.set->Add(expand_macros(pattern), nullptr) < 0) std::abort();  // compiled-in data
    };
    add(R"(syz-executor\.?[0-9]+((/|:)[0-9]+)?)", "syz-executor");  // executor pids
    add(R"(syzkaller[0-9]+((/|:)[0-9]+)?)", "syzkaller");
    add(R"(([^a-zA-Z0-9])(?:0x)?[0-9a-f]{6,})", R"(\1ADDR)");  // anything like an address
    add(R"(([0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}))", "IP");
    add(R"((\.\w+)(:[0-9]+)+)", R"(\1:LINE)");
    add(R"(([a-zA-Z][a-zA-Z0-9_.]+)\+0x[0-9a-z]+/0x[0-9a-z]+)", R"(\1)");  // func+off/size
    add(R"(CPU#[0-9]+)", "CPU");
    // Numbers glued to words are often part of a name (cfg80211), unless they are long.
    add(R"((\W)(\d+)(\W|$))", R"(\1NUM\3)");
    add(R"(\d{7,})", "NUM");
    if (!out.set->Compile()) std::abort();
    return out;
  }();
  return rewrites;
}

// Keeps the first 120 bytes, turns TABs into spaces, drops other control and non-ASCII bytes,
// collapses runs of spaces and trims.
std::string sanitize(std::string_view title) {
  constexpr std::size_t kMaxTitle = 120;
  std::string out;
  out.reserve(std::min(title.size(), kMaxTitle));
  char previous = ' ';
  for (std::size_t i = 0; i < title.size() && i < kMaxTitle; ++i) {
    auto c = static_cast<unsigned char>(title[i]);
    if (c == '\t') c = ' ';
    if (c < 0x20 || c >= 0x7f) continue;
    if (c == ' ' && previous == ' ') continue;
    out += static_cast<char>(c);
    previous = static_cast<char>(c);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::vector<std::string> kasan_prefixes(std::initializer_list<std::string_view> kinds,
                                        std::string_view access) {
  std::vector<std::string> out;
  for (std::string_view kind : kinds) {
    out.push_back("KASAN: " + std::string(kind) + " " + std::string(access));
  }
  return out;
}

// Crash categories by title prefix; the first matching row wins, so specific rows come first.
const std::vector<std::pair<std::string, std::vector<std::string>>>& type_rules() {
  static const auto rules = [] {
    std::vector<std::pair<std::string, std::vector<std::string>>> list = {
        {"KFENCE-USE-AFTER-FREE-WRITE", {"KFENCE: use-after-free write"}},
        {"KFENCE-USE-AFTER-FREE-READ", {"KFENCE: use-after-free read", "KFENCE: use-after-free"}},
        {"KFENCE-WRITE", {"KFENCE: invalid write", "KFENCE: out-of-bounds write"}},
        {"KFENCE-READ",
         {"KFENCE: invalid read", "KFENCE: out-of-bounds read", "KFENCE: out-of-bounds"}},
        {"KFENCE-MEMORY-CORRUPTION", {"KFENCE: memory corruption"}},
        {"KFENCE-INVALID-FREE", {"KFENCE: invalid free"}},
        {"KMSAN-UNINIT-VALUE", {"KMSAN: uninit-value"}},
        {"KMSAN-USE-AFTER-FREE-READ",
         {"KMSAN: kernel-infoleak-after-free", "KMSAN: kernel-usb-infoleak-after-free",
          "KMSAN: use-after-free"}},
        {"KMSAN-INFO-LEAK", {"KMSAN: kernel-infoleak", "KMSAN: kernel-usb-infoleak"}},
        {"KASAN-NULL-POINTER-DEREFERENCE-WRITE", {"KASAN: null-ptr-deref Write"}},
        {"KASAN-NULL-POINTER-DEREFERENCE-READ", {"KASAN: null-ptr-deref Read"}},
        {"NULL-POINTER-DEREFERENCE", {"BUG: unable to handle kernel NULL pointer dereference in"}},
        {"KASAN-WRITE",
         kasan_prefixes(
             {"global-out-of-bounds", "out-of-bounds", "slab-out-of-bounds", "stack-out-of-bounds",
              "user-memory-access", "vmalloc-out-of-bounds", "wild-memory-access"},
             "Write")},
        {"KASAN-READ",
         kasan_prefixes({"global-out-of-bounds", "invalid-access", "out-of-bounds",
                         "slab-out-of-bounds", "stack-out-of-bounds", "unknown-crash",
                         "user-memory-access", "vmalloc-out-of-bounds", "wild-memory-access"},
                        "Read")},
        {"KASAN-INVALID-FREE", {"KASAN: double-free or invalid-free", "KASAN: invalid-free"}},
        {"KASAN-USE-AFTER-FREE-WRITE",
         {"KASAN: slab-use-after-free Write", "KASAN: use-after-free Write"}},
        {"KASAN-USE-AFTER-FREE-READ",
         {"KASAN: slab-use-after-free Read", "KASAN: use-after-free Read",
          "KASAN: use-after-free"}},
        {"MEMORY_SAFETY_BUG",
         {"BUG: corrupted list", "BUG: unable to handle kernel paging request"}},
        {"REFCOUNT_WARNING", {"WARNING: refcount bug"}},
        {"MEMORY_SAFETY_UBSAN", {"UBSAN: array-index-out-of-bounds"}},
        {"KCSAN-DATARACE", {"KCSAN: data-race"}},
        {"KCSAN-ASSERT", {"KCSAN: assert: race in"}},
        {"LOCKDEP",
         {"BUG: bad unlock balance in", "BUG: held lock freed in", "BUG: rwlock", "BUG: spinlock",
          "BUG: still has locks held in", "BUG: using", "WARNING: bad unlock balance in",
          "WARNING: held lock freed in", "WARNING: lock held", "WARNING: locking bug in",
          "WARNING: nested lock was not taken in", "WARNING: still has locks held in",
          "WARNING: suspicious RCU usage in", "inconsistent lock state in",
          "possible deadlock in"}},
        {"ATOMIC_SLEEP",
         {"BUG: scheduling while atomic in",
          "BUG: sleeping function called from invalid context in"}},
        {"LEAK", {"memory leak in"}},
        {"BUG", {"BUG: bad usercopy in", "kernel BUG"}},
        {"WARNING", {"WARNING in"}},
        {"",
         {"BUG: stack guard page was hit in", "WARNING: corrupted",
          "WARNING: kernel stack frame pointer has bad value",
          "WARNING: kernel stack regs has bad"}},
        {"HANG",
         {"BUG: soft lockup in", "INFO: rcu detected stall in", "INFO: task can't die in",
          "INFO: task hung in"}},
        {"DoS",
         {"Alignment trap in", "BUG: Object already free", "Internal error in",
          "PANIC: double fault", "Unhandled fault in",
          "VFS: Busy inodes after unmount (use-after-free)",
          "VFS: Close: file count is zero (use-after-free)", "divide error in",
          "general protection fault in", "go runtime error", "int3 in", "invalid opcode in",
          "kernel panic:", "kernel stack overflow", "panic:", "rust_kernel panicked",
          "stack segment fault in",
          "trusty:", "unregister_netdevice: waiting for DEV to become free"}},
        {"NO_OUTPUT", {"no output from test machine"}},
        {"REBOOT", {"unexpected kernel reboot"}},
        {"SYZ_FAILURE", {"SYZFAIL", "SYZFATAL:"}},
        {"WARNING", {"WARNING:"}},
        {"", {"BUG:", "INFO:"}},
        {"KASAN-UNKNOWN", {"KASAN:"}},
        {"KFENCE-UNKNOWN", {"KFENCE:"}},
        {"KMSAN-UNKNOWN", {"KMSAN:"}},
        {"UBSAN", {"UBSAN:"}},
        {"KCSAN-UNKNOWN", {"KCSAN:"}},
    };
    // Bare KASAN kinds without an access direction read as reads.
    for (std::string_view bare :
         {"KASAN: slab-out-of-bounds", "KASAN: stack-out-of-bounds", "KASAN: wild-memory-access"}) {
      for (auto& [type, prefixes] : list) {
        if (type == "KASAN-READ") prefixes.emplace_back(bare);
      }
    }
    return list;
  }();
  return rules;
}

// Whether any rewrite of dynamic_parts() may apply: every one needs a digit but the address
// pattern, which needs six hexadecimal digits in a row (most titles have neither).
bool may_rewrite(std::string_view title) {
  std::size_t hex_run = 0;
  for (char c : title) {
    if (c >= '0' && c <= '9') return true;
    hex_run = c >= 'a' && c <= 'f' ? hex_run + 1 : 0;
    if (hex_run == 6) return true;
  }
  return false;
}

}  // namespace

std::string normalize_title(std::string_view title) {
  if (!may_rewrite(title)) return sanitize(title);
  const Rewrites& rewrites = dynamic_parts();
  std::string text(title);
  // Which rewrites apply to the title as it is now: looked for again once one changed it (all
  // of them if the set could not tell).
  std::vector<int> apply;
  auto find_rewrites = [&] {
    apply.clear();
    RE2::Set::ErrorInfo error{};
    if (!rewrites.set->Match(text, &apply, &error) && error.kind != RE2::Set::kNoError) {
      apply.resize(rewrites.list.size());
      for (std::size_t i = 0; i < apply.size(); ++i) apply[i] = static_cast<int>(i);
    }
    std::sort(apply.begin(), apply.end());
  };
  find_rewrites();
  for (std::size_t i = 0; i < rewrites.list.size() && !apply.empty(); ++i) {
    if (!std::binary_search(apply.begin(), apply.end(), static_cast<int>(i))) continue;
    const Rewrite& rewrite = rewrites.list[i];
    // Until nothing changes (a replacement may make a new match).
    std::string before = text;
    bool changed = false;
    while (RE2::GlobalReplace(&text, *rewrite.pattern, rewrite.replacement) > 0 && text != before) {
      before = text;
      changed = true;
    }
    if (changed) find_rewrites();
  }
  return sanitize(text);
}

std::string crash_type(std::string_view title) {
  for (const auto& [type, prefixes] : type_rules()) {
    for (const std::string& prefix : prefixes) {
      // The first byte rules out most of the ~150 prefixes at the cost of one comparison.
      if (!prefix.empty() && (title.empty() || title[0] != prefix[0])) continue;
      if (title.starts_with(prefix)) return type;
    }
  }
  return "";
}

std::string title_frame(std::string_view title) {
  // kFrameInTitle, matched by hand: RE2 spends ~7k instructions per title on it.
  std::optional<std::string_view> frame = detail::match_frame_in_title(title);
  return frame ? std::string(*frame) : std::string();
}

}  // namespace culprit::report
