// Focused tests of the console parser: the fields of one report, several reports in one log,
// title normalisation, and robustness against junk, huge lines, truncation and "\r\n" input.
// The full corpus is checked by report_corpus_test.cc, the `culprit report` command by
// integration/report_command_test.cc.
#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>
#include <string_view>

#include "report/report.h"
#include "support/console_logs.h"

namespace {

using culprit::report::contains_crash;
using culprit::report::CrashReport;
using culprit::report::parse_console;
using culprit::report::parse_first;
using culprit::report::starts_crash_report;
using culprit::testing::kCleanLog;
using culprit::testing::kKasanLog;

TEST(ReportParser, CleanLogHasNoCrash) {
  EXPECT_FALSE(contains_crash(kCleanLog));
  EXPECT_FALSE(parse_first(kCleanLog).has_value());
  EXPECT_TRUE(parse_console(kCleanLog).empty());
  EXPECT_TRUE(parse_console("").empty());
}

TEST(ReportParser, StartsCrashReportReadsTheOopsTable) {
  EXPECT_TRUE(starts_crash_report("BUG: KASAN: slab-use-after-free in tcp_close+0x1234/0x1300"));
  EXPECT_TRUE(starts_crash_report("[   10.2][ T5000] WARNING: CPU: 0 PID: 1 at kernel/sys.c:1"));
  EXPECT_TRUE(starts_crash_report("Oops: general protection fault, probably for non-canonical"));
  EXPECT_TRUE(starts_crash_report("watchdog: BUG: soft lockup - CPU#0 stuck for 22s!"));
  EXPECT_TRUE(starts_crash_report("rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:"));
  // Lines with a header that the table knows to be harmless.
  EXPECT_FALSE(starts_crash_report("INFO: lockdep is turned off."));
  EXPECT_FALSE(starts_crash_report("skb_over_panic: text:ffffffff"));
  for (std::string_view line : {"Linux version 6.8.0 (gcc 12.2.0) #1 SMP PREEMPT_DYNAMIC",
                                "Run /sbin/init as init process", ""}) {
    EXPECT_FALSE(starts_crash_report(line)) << line;
  }
}

TEST(ReportParser, ReadsEveryFieldOfAKasanReport) {
  std::string log = kCleanLog + kKasanLog;
  ASSERT_TRUE(contains_crash(log));
  std::optional<CrashReport> report = parse_first(log);
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->title, "KASAN: slab-use-after-free Read in tcp_close");
  EXPECT_EQ(report->alt_titles, std::vector<std::string>{"bad-access in tcp_close"});
  EXPECT_EQ(report->type, "KASAN-USE-AFTER-FREE-READ");
  EXPECT_EQ(report->frame, "tcp_close");
  EXPECT_FALSE(report->corrupted) << report->corrupted_reason;
  EXPECT_FALSE(report->suppressed);
  EXPECT_FALSE(report->panicked);
  ASSERT_TRUE(report->executor.has_value());
  EXPECT_EQ(*report->executor, (culprit::report::ExecutorInfo{5, 7376}));
  std::size_t header = log.find("[   10.200001]");
  EXPECT_EQ(report->start, header);
  EXPECT_EQ(report->end, log.find('\n', header));
  // Console prefixes are stripped; the context lines of the same task come first.
  EXPECT_EQ(report->report.rfind("syz.5.7376: attempting to open /dev/loop0\n", 0), 0u);
  EXPECT_NE(report->report.find("\nBUG: KASAN: slab-use-after-free in tcp_close+0x1234/0x1300\n"),
            std::string::npos);
  EXPECT_EQ(report->report.find("[ T5000]"), std::string::npos);
}

TEST(ReportParser, FindsEveryReportInOrder) {
  std::string warning =
      "------------[ cut here ]------------\n"
      "WARNING: CPU: 0 PID: 42 at net/core/dev.c:1234 dev_close+0x10/0x20\n"
      "Modules linked in:\n"
      "RIP: 0010:dev_close+0x10/0x20\n"
      "Call Trace:\n"
      " dev_close_many+0x10/0x20\n"
      " __x64_sys_ioctl+0x10/0x20\n";
  std::string log = warning + kCleanLog + kKasanLog;
  std::vector<CrashReport> reports = parse_console(log);
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[0].title, "WARNING in dev_close");
  EXPECT_EQ(reports[0].type, "WARNING");
  EXPECT_EQ(reports[1].title, "KASAN: slab-use-after-free Read in tcp_close");
  EXPECT_LT(reports[0].start, reports[1].start);
}

TEST(ReportParser, FlagsComeFromTheWholeLog) {
  std::string log =
      kKasanLog +
      "[   10.300000][ T5000] Kernel panic - not syncing: KASAN: panic_on_warn set ...\n"
      "serialport: VM disconnected.\n";
  std::optional<CrashReport> report = parse_first(log);
  ASSERT_TRUE(report.has_value());
  EXPECT_TRUE(report->panicked);
  EXPECT_TRUE(report->corrupted);  // the console dropped: the report may be cut
  EXPECT_FALSE(report->suppressed);

  std::string oom = kKasanLog + "Out of memory: Kill process 123 (syz-executor) score 900\n";
  report = parse_first(oom);
  ASSERT_TRUE(report.has_value());
  EXPECT_TRUE(report->suppressed);
}

TEST(ReportParser, ParseConsoleLooksForMarkersWithinEachReportsSpan) {
  // A panic 300 KiB after a report: the first report of the log is judged on the whole log, each
  // report of parse_console on its own 256 KiB span (the panic is then a report of its own).
  std::string filler;
  while (filler.size() < (std::size_t{300} << 10)) filler += kCleanLog;
  std::string log =
      kKasanLog + filler + "[  400.000000][ T5000] Kernel panic - not syncing: Fatal exception\n";
  std::optional<CrashReport> first = parse_first(log);
  ASSERT_TRUE(first.has_value());
  EXPECT_TRUE(first->panicked);
  std::vector<CrashReport> reports = parse_console(log);
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[0].title, first->title);
  EXPECT_FALSE(reports[0].panicked);
  EXPECT_EQ(reports[1].title, "kernel panic: Fatal exception");
  EXPECT_TRUE(reports[1].panicked);
}

TEST(ReportParser, ReportTextEndsWhereTheSecondReportAfterItStarts) {
  std::string warning =
      "WARNING: CPU: 0 PID: 42 at net/core/dev.c:1234 dev_close+0x10/0x20\n"
      "Call Trace:\n"
      " dev_close_many+0x10/0x20\n";
  std::string gpf =
      "general protection fault, probably for non-canonical address 0xdffffc0000000000: 0000\n"
      "RIP: 0010:tcp_close+0x10/0x20\n";
  std::string log = warning + gpf + warning + gpf;
  std::vector<CrashReport> reports = parse_console(log);
  ASSERT_EQ(reports.size(), 4u);
  // The first WARNING's text holds the fault after it, not the second WARNING; the last fault's
  // text (after its context lines) is its own.
  EXPECT_EQ(reports[0].report, warning + gpf);
  EXPECT_EQ(reports[3].report.substr(reports[3].report_prefix_len), gpf);
}

TEST(ReportParser, TruncatedReportIsCorrupted) {
  // Cut right after the header, and cut before the first frame of the call trace.
  std::size_t after_header = kKasanLog.find("Read of size");
  std::size_t before_frames = kKasanLog.find("[   10.200006]");
  for (std::size_t cut : {after_header, before_frames}) {
    std::string log = kKasanLog.substr(0, cut);
    std::optional<CrashReport> report = parse_first(log);
    ASSERT_TRUE(report.has_value()) << "cut at " << cut;
    EXPECT_TRUE(report->corrupted) << "cut at " << cut << ": " << report->title;
    EXPECT_FALSE(report->title.empty());
  }
  // A general protection fault without its RIP line names no function.
  std::optional<CrashReport> gpf =
      parse_first("general protection fault, probably for non-canonical address 0xdffffc0: 0000\n");
  ASSERT_TRUE(gpf.has_value());
  EXPECT_EQ(gpf->title, "general protection fault in corrupted");
  EXPECT_TRUE(gpf->corrupted);
}

TEST(ReportParser, CrLfInputReadsLikeLf) {
  std::string crlf;
  for (char c : kKasanLog) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  std::optional<CrashReport> lf_report = parse_first(kKasanLog);
  std::optional<CrashReport> crlf_report = parse_first(crlf);
  ASSERT_TRUE(lf_report.has_value());
  ASSERT_TRUE(crlf_report.has_value());
  EXPECT_EQ(crlf_report->title, lf_report->title);
  EXPECT_EQ(crlf_report->alt_titles, lf_report->alt_titles);
  EXPECT_EQ(crlf_report->corrupted, lf_report->corrupted);
  EXPECT_EQ(crlf_report->executor, lf_report->executor);
  EXPECT_EQ(crlf_report->report, lf_report->report);  // no "\r" in the extracted text
  // Offsets refer to the bytes given.
  EXPECT_EQ(crlf_report->start, crlf.find("[   10.200001]"));
}

TEST(ReportParser, SurvivesBinaryJunk) {
  std::mt19937 random(12345);
  const std::string headers[] = {"BUG: ",
                                 "WARNING: ",
                                 "Call Trace:\n",
                                 "RIP: 0010:",
                                 "general protection fault",
                                 "Kernel panic - not syncing: ",
                                 "INFO: task ",
                                 " blocked for more than 120 seconds",
                                 "\n",
                                 "[   1.000000][ T1] ",
                                 "+0x10/0x20\n",
                                 "** replaying previous printk message **\n"};
  for (int round = 0; round < 200; ++round) {
    std::string junk;
    std::size_t length = random() % 4096;
    while (junk.size() < length) {
      if (random() % 8 == 0) {
        junk += headers[random() % std::size(headers)];
      } else {
        junk += static_cast<char>(random() % 256);
      }
    }
    std::vector<CrashReport> reports = parse_console(junk);
    EXPECT_EQ(!reports.empty(), contains_crash(junk));
    for (const CrashReport& report : reports) {
      EXPECT_FALSE(report.title.empty());
      EXPECT_LT(report.start, report.end);
      EXPECT_LE(report.end, junk.size());
      EXPECT_LE(report.title.size(), 120u);
    }
  }
}

TEST(ReportParser, HandlesMegabyteLines) {
  std::string huge(1 << 20, 'x');
  std::string log = huge + "\n" + kKasanLog + huge + "BUG: " + huge + "\n";
  auto started = std::chrono::steady_clock::now();
  std::vector<CrashReport> reports = parse_console(log);
  auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_GE(reports.size(), 2u);
  EXPECT_EQ(reports[0].title, "KASAN: slab-use-after-free Read in tcp_close");
  // The header inside the 1 MB line gives a title cut to 120 bytes.
  EXPECT_LE(reports.back().title.size(), 120u);
  EXPECT_LT(elapsed, std::chrono::seconds(20));
  EXPECT_FALSE(contains_crash(huge + "\n" + huge));
}

TEST(ReportParser, DemanglesRustFrames) {
  std::string log =
      "rust_kernel: panicked at drivers/android/binder/node.rs:877:13:\n"
      "attempt to subtract with overflow\n"
      "CPU: 0 PID: 298 Comm: binder Not tainted 6.12.0\n"
      "Call Trace:\n"
      " <TASK>\n"
      " _RNvCscSpY9Juk0HT_7___rustc17rust_begin_unwind+0x10/0x20\n"
      " _RNvMs3_NtCshgDM7dBCdno_11rust_binder7processNtB5_7Process10update_ref+0x17e5/0x1860\n"
      " </TASK>\n";
  std::optional<CrashReport> report = parse_first(log);
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->title,
            "attempt to subtract with overflow in <rust_binder::process::Process>::update_ref");
  EXPECT_EQ(report->frame, "<rust_binder::process::Process>::update_ref");
}

TEST(ReportTitles, NormalisesRunToRunDetails) {
  using culprit::report::normalize_title;
  EXPECT_EQ(normalize_title("panic: executor 2: failed: event already set (errno 0)"),
            "panic: executor NUM: failed: event already set (errno NUM)");
  EXPECT_EQ(
      normalize_title("SYZFATAL: executor 0 failed 11 times: call 15/15/3356: signal overflow: "
                      "808464432/16776764"),
      "SYZFATAL: executor NUM failed NUM times: call NUM/NUM/NUM: signal overflow: ADDR/ADDR");
  EXPECT_EQ(normalize_title("task syz-executor.4:1234 at fs/file.c:123 on CPU#3"),
            "task syz-executor at fs/file.c:LINE on CPU");
  EXPECT_EQ(normalize_title("bad\tname\x01 \xff  here "), "bad name here");
  EXPECT_EQ(normalize_title(std::string(300, 'a')).size(), 120u);
  // Without digits only six hexadecimal letters in a row can be rewritten (as an address).
  EXPECT_EQ(normalize_title("WARNING in facade_ops"), "WARNING in ADDR_ops");
  EXPECT_EQ(normalize_title("WARNING in facad_ops"), "WARNING in facad_ops");
  EXPECT_EQ(normalize_title("KASAN: use-after-free Read in  tcp_close "),
            "KASAN: use-after-free Read in tcp_close");
}

TEST(ReportTitles, TypeComesFromThePrefixTable) {
  using culprit::report::crash_type;
  EXPECT_EQ(crash_type("KASAN: use-after-free Write in foo"), "KASAN-USE-AFTER-FREE-WRITE");
  EXPECT_EQ(crash_type("KASAN: slab-out-of-bounds in foo"), "KASAN-READ");
  EXPECT_EQ(crash_type("possible deadlock in foo"), "LOCKDEP");
  EXPECT_EQ(crash_type("INFO: task hung in foo"), "HANG");
  EXPECT_EQ(crash_type("BUG: stack guard page was hit in foo"), "");
  EXPECT_EQ(crash_type("WARNING: ODEBUG bug in foo"), "WARNING");
  EXPECT_EQ(crash_type("SYZFATAL: executor failed"), "SYZ_FAILURE");
  EXPECT_EQ(crash_type("something else"), "");
}

TEST(ReportGuiltyFile, SkipsGenericInfrastructure) {
  std::string report =
      "BUG: KASAN: use-after-free in ip6_send_skb+0x2f5/0x330 net/ipv6/ip6_output.c:1748\n"
      "Call Trace:\n"
      " dump_stack+0x292/0x395 lib/dump_stack.c:52\n"
      " kasan_report+0x230/0x340 mm/kasan/report.c:408\n"
      " ip6_send_skb+0x2f5/0x330 net/ipv6/ip6_output.c:1748\n"
      " rawv6_sendmsg+0x2ede/0x4400 net/ipv6/raw.c:932\n";
  EXPECT_EQ(culprit::report::guilty_file("KASAN: use-after-free Read in ip6_send_skb", report),
            "net/ipv6/ip6_output.c");
  EXPECT_EQ(culprit::report::guilty_file("x", "no files here\n"), "");
}

}  // namespace
