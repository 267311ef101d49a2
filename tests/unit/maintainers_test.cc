#include "vcs/maintainers.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace culprit::vcs {
namespace {

using Addresses = std::vector<std::string>;

MaintainersAnswer ask(const Maintainers& maintainers, std::vector<std::string> files,
                      std::string keyword_text = "") {
  MaintainersQuery query;
  query.files = std::move(files);
  query.keyword_text = std::move(keyword_text);
  return maintainers.find(query);
}

// A small file in the real format: a preamble whose example lines look like tags (indented),
// then sections using every tag. Not support/maintainers_fixture.h (the file the recipients and
// `culprit maintainers` tests share): the parser's tests need the preamble, every tag, patterns
// and exclusions that overlap, and section line numbers that stay put.
constexpr std::string_view kSmall = R"(List of maintainers
===================

Descriptions of section entries:

	M: *Mail* patches to: FullName <address@domain>
	F: *Files* and directories wildcard patterns.
	   F:	drivers/net/	all files in and below drivers/net

Maintainers List
----------------

.. note:: look for the most precise areas first.

CORE WIDGETS
M:	Wendy Widget <Wendy@Widgets.example>
M:	"Bob O'Brien" <bob@widgets.example>
R:	Rita Reviewer <rita@review.example>
L:	widgets@lists.example
L:	widgets-announce@lists.example (subscribers-only)
S:	Maintained
W:	https://widgets.example
T:	git git://widgets.example/widgets.git
Q:	https://patchwork.widgets.example
B:	https://bugs.widgets.example
C:	irc://irc.example/widgets
P:	Documentation/process/widgets.rst
F:	drivers/widget/
F:	include/linux/widget.h
X:	drivers/widget/legacy/

WIDGET SPINNERS
M:	Sam Spinner <sam@spin.example>
L:	spinners@lists.example (moderated for non-subscribers)
S:	Supported
F:	drivers/widget/spin*.c
F:	drivers/widget/knob?.[ch]

OLD WIDGETS
M:	Olga Odd <olga@odd.example>
S:	Odd Fixes
F:	drivers/widget/legacy

ORPHANED GADGETS
M:	Otto Orphan <otto@orphan.example>
S:	Orphan
F:	drivers/gadget/*

TEGRA THINGS
M:	Tom Tegra <tom@tegra.example>
L:	tegra@lists.example
S:	Maintained
N:	[^a-z]tegra
K:	\btegra_ thing\b

LOCKING
M:	Larry Lock <larry@lock.example>
L:	linux-kernel@vger.kernel.org
S:	Maintained
F:	kernel/locking/

THE REST
M:	Linus Torvalds <torvalds@linux-foundation.org>
L:	linux-kernel@vger.kernel.org
S:	Buried alive in reporters
F:	*
F:	*/
)";

TEST(MaintainersParse, SkipsThePreambleAndReadsEveryTag) {
  const Maintainers maintainers = Maintainers::parse(kSmall);
  ASSERT_EQ(maintainers.sections().size(), 7u);
  EXPECT_TRUE(maintainers.problems().empty());

  const MaintainersSection& core = maintainers.sections()[0];
  EXPECT_EQ(core.title, "CORE WIDGETS");
  EXPECT_EQ(core.maintainers, (Addresses{"Wendy Widget <Wendy@Widgets.example>",
                                         "\"Bob O'Brien\" <bob@widgets.example>"}));
  EXPECT_EQ(core.reviewers, (Addresses{"Rita Reviewer <rita@review.example>"}));
  ASSERT_EQ(core.lists.size(), 2u);
  EXPECT_EQ(core.lists[0].address, "widgets@lists.example");
  EXPECT_EQ(core.lists[0].note, "");
  EXPECT_EQ(core.lists[1].address, "widgets-announce@lists.example");
  EXPECT_EQ(core.lists[1].note, "(subscribers-only)");
  EXPECT_EQ(core.status, "Maintained");
  EXPECT_EQ(core.files, (Addresses{"drivers/widget/", "include/linux/widget.h"}));
  EXPECT_EQ(core.excluded, (Addresses{"drivers/widget/legacy/"}));
  EXPECT_EQ(core.line, 15);

  const MaintainersSection& tegra = maintainers.sections()[4];
  EXPECT_EQ(tegra.name_regexes, (Addresses{"[^a-z]tegra"}));
  EXPECT_EQ(tegra.keywords, (Addresses{"\\btegra_ thing\\b"}));
  EXPECT_EQ(maintainers.sections()[6].title, "THE REST");
}

TEST(MaintainersParse, ReportsRegexesThatDoNotCompile) {
  const Maintainers maintainers = Maintainers::parse("BROKEN\nM:\tA <a@x.example>\nN:\tfoo(\n");
  ASSERT_EQ(maintainers.sections().size(), 1u);
  EXPECT_TRUE(maintainers.sections()[0].name_regexes.empty());
  ASSERT_EQ(maintainers.problems().size(), 1u);
  EXPECT_NE(maintainers.problems()[0].find("line 3"), std::string::npos);
  // The section still answers through its other tags (and nothing crashes on the bad one).
  EXPECT_TRUE(ask(maintainers, {"foo.c"}).sections.empty());
}

TEST(MaintainersParse, AcceptsCrlfCommentsAndBlankSeparatedSections) {
  const Maintainers maintainers = Maintainers::parse(
      "# comment\r\nFIRST\r\nM:\tA <a@x.example>\r\nF:\ta/\r\n\r\n"
      "SECOND\r\nM:\tB <b@x.example>\r\nF:      b/\r\n");
  ASSERT_EQ(maintainers.sections().size(), 2u);
  EXPECT_EQ(maintainers.sections()[0].files, (Addresses{"a/"}));
  EXPECT_EQ(maintainers.sections()[1].files, (Addresses{"b/"}));
  EXPECT_EQ(ask(maintainers, {"b/x.c"}).cc, (Addresses{"b@x.example"}));  // no S:: Cc
}

TEST(MaintainersFind, DirectoryPatternCoversEverythingBelow) {
  const Maintainers maintainers = Maintainers::parse(kSmall);
  const MaintainersAnswer answer = ask(maintainers, {"drivers/widget/core/deep/file.c"});
  EXPECT_EQ(answer.sections, (Addresses{"CORE WIDGETS", "THE REST"}));
  EXPECT_EQ(answer.to,
            (Addresses{"bob@widgets.example", "wendy@widgets.example", "widgets@lists.example"}));
  // Reviewers are Cc; LKML is Cc because there is another list; the subscribers-only list and
  // Linus Torvalds (THE REST's M:) are left out, as get_maintainer does by default.
  EXPECT_EQ(answer.cc, (Addresses{"linux-kernel@vger.kernel.org", "rita@review.example"}));
}

TEST(MaintainersFind, GlobsStayInTheirDirectory) {
  const Maintainers maintainers = Maintainers::parse(kSmall);
  // "spin*.c" and "knob?.[ch]" match in drivers/widget/, most specific section first.
  EXPECT_EQ(ask(maintainers, {"drivers/widget/spinner.c"}).sections,
            (Addresses{"WIDGET SPINNERS", "CORE WIDGETS", "THE REST"}));
  EXPECT_EQ(ask(maintainers, {"drivers/widget/knob1.h"}).sections,
            (Addresses{"WIDGET SPINNERS", "CORE WIDGETS", "THE REST"}));
  EXPECT_EQ(ask(maintainers, {"drivers/widget/knob12.h"}).sections,
            (Addresses{"CORE WIDGETS", "THE REST"}));
  EXPECT_EQ(ask(maintainers, {"drivers/widget/knob1.s"}).sections,
            (Addresses{"CORE WIDGETS", "THE REST"}));
  // Not below: "spin*.c" must not reach into a subdirectory.
  EXPECT_EQ(ask(maintainers, {"drivers/widget/sub/spinner.c"}).sections,
            (Addresses{"CORE WIDGETS", "THE REST"}));
  // "drivers/gadget/*" covers the files of the directory only.
  EXPECT_EQ(ask(maintainers, {"drivers/gadget/g.c"}).sections,
            (Addresses{"ORPHANED GADGETS", "THE REST"}));
  EXPECT_EQ(ask(maintainers, {"drivers/gadget/usb/g.c"}).sections, (Addresses{"THE REST"}));
}

TEST(MaintainersFind, ModeratedListsAreToAndOtherStatusesAreCc) {
  const Maintainers maintainers = Maintainers::parse(kSmall);
  const MaintainersAnswer spinner = ask(maintainers, {"drivers/widget/spinner.c"});
  // Supported -> "supporter" -> To; the moderated list is a list -> To.
  EXPECT_EQ(spinner.to,
            (Addresses{"bob@widgets.example", "sam@spin.example", "spinners@lists.example",
                       "wendy@widgets.example", "widgets@lists.example"}));
  ASSERT_FALSE(spinner.contacts.empty());
  EXPECT_EQ(spinner.contacts[0].role, "supporter");
  EXPECT_EQ(spinner.contacts[0].section, "WIDGET SPINNERS");
  bool saw_moderated = false;
  for (const MaintainerContact& contact : spinner.contacts) {
    if (contact.email == "spinners@lists.example") {
      saw_moderated = contact.role == "moderated list" && contact.to;
    }
  }
  EXPECT_TRUE(saw_moderated);

  // Orphan: the M: is an "orphan minder", Cc; LKML is the only list, so it is To.
  const MaintainersAnswer gadget = ask(maintainers, {"drivers/gadget/g.c"});
  EXPECT_EQ(gadget.to, (Addresses{"linux-kernel@vger.kernel.org"}));
  EXPECT_EQ(gadget.cc, (Addresses{"otto@orphan.example"}));
  EXPECT_EQ(gadget.contacts[0].role, "orphan minder");
}

TEST(MaintainersFind, ExclusionsRemoveASectionAndWildcardFreeDirectoriesMatchBelow) {
  const Maintainers maintainers = Maintainers::parse(kSmall);
  // X: drivers/widget/legacy/ takes CORE WIDGETS away; "F: drivers/widget/legacy" (no slash, no
  // wildcard) is a directory and covers it. Odd Fixes -> "odd fixer" -> Cc.
  const MaintainersAnswer answer = ask(maintainers, {"drivers/widget/legacy/old.c"});
  EXPECT_EQ(answer.sections, (Addresses{"OLD WIDGETS", "THE REST"}));
  EXPECT_EQ(answer.to, (Addresses{"linux-kernel@vger.kernel.org"}));
  EXPECT_EQ(answer.cc, (Addresses{"olga@odd.example"}));
}

TEST(MaintainersFind, WildcardFreeFilePatternsFollowGetMaintainer) {
  const Maintainers maintainers = Maintainers::parse(kSmall);
  EXPECT_EQ(ask(maintainers, {"include/linux/widget.h"}).sections,
            (Addresses{"CORE WIDGETS", "THE REST"}));
  EXPECT_EQ(ask(maintainers, {"include/linux/widgets.h"}).sections,
            (Addresses{"THE REST"}));  // "." is literal: "widget.h" is not "widgets.h"
  // get_maintainer matches a file pattern as a prefix in the same directory...
  EXPECT_EQ(ask(maintainers, {"include/linux/widget.h.orig"}).sections,
            (Addresses{"CORE WIDGETS", "THE REST"}));
  // ...unless the pattern names a directory, which only the tree can tell.
  MaintainersQuery query;
  query.files = {"drivers/widget/legacy2.c"};
  EXPECT_EQ(maintainers.find(query).sections,
            (Addresses{"OLD WIDGETS", "CORE WIDGETS", "THE REST"}));
  query.is_directory = [](const std::string& path) { return path == "drivers/widget/legacy"; };
  EXPECT_EQ(maintainers.find(query).sections, (Addresses{"CORE WIDGETS", "THE REST"}));
}

TEST(MaintainersFind, NameRegexesMatchAnywhereInThePath) {
  const Maintainers maintainers = Maintainers::parse(kSmall);
  EXPECT_EQ(ask(maintainers, {"drivers/clk/tegra/clk.c"}).sections,
            (Addresses{"TEGRA THINGS", "THE REST"}));
  EXPECT_EQ(ask(maintainers, {"drivers/clk/clk-tegra.c"}).sections,
            (Addresses{"TEGRA THINGS", "THE REST"}));
  // "[^a-z]tegra": a letter before it is not a match.
  EXPECT_EQ(ask(maintainers, {"drivers/clk/xtegra.c"}).sections, (Addresses{"THE REST"}));
}

TEST(MaintainersFind, KeywordsMatchTheGivenTextWithBlanksIgnored) {
  const Maintainers maintainers = Maintainers::parse(kSmall);
  // Perl's /x: "\btegra_ thing\b" means "\btegra_thing\b".
  const MaintainersAnswer answer =
      ask(maintainers, {"lib/sort.c"}, "+\tstruct tegra_thing *thing = NULL;\n");
  EXPECT_EQ(answer.sections, (Addresses{"TEGRA THINGS", "THE REST"}));
  EXPECT_EQ(answer.to, (Addresses{"tegra@lists.example", "tom@tegra.example"}));
  EXPECT_EQ(ask(maintainers, {"lib/sort.c"}, "tegra_things\n").sections, (Addresses{"THE REST"}));
  EXPECT_EQ(ask(maintainers, {"lib/sort.c"}).sections, (Addresses{"THE REST"}));
}

TEST(MaintainersFind, LinuxKernelListIsToOnlyWhenItIsTheOnlyList) {
  const Maintainers maintainers = Maintainers::parse(kSmall);
  const MaintainersAnswer alone = ask(maintainers, {"kernel/locking/mutex.c"});
  EXPECT_EQ(alone.to, (Addresses{"larry@lock.example", "linux-kernel@vger.kernel.org"}));
  EXPECT_TRUE(alone.cc.empty());
  const MaintainersAnswer with_other =
      ask(maintainers, {"kernel/locking/mutex.c", "drivers/widget/a.c"});
  EXPECT_EQ(with_other.cc, (Addresses{"linux-kernel@vger.kernel.org", "rita@review.example"}));
  // Top-level files belong to THE REST alone ("F: *").
  const MaintainersAnswer top = ask(maintainers, {"Makefile"});
  EXPECT_EQ(top.sections, (Addresses{"THE REST"}));
  EXPECT_EQ(top.to, (Addresses{"linux-kernel@vger.kernel.org"}));
}

TEST(MaintainersFind, DeduplicatesByAddressAndNameAndToWins) {
  const Maintainers maintainers = Maintainers::parse(
      "SPECIFIC\nR:\tAnn Example <ann@work.example>\nR:\tNXP Team <team@nxp.example>\n"
      "S:\tMaintained\nF:\tdrivers/x/y/\n\n"
      "GENERAL\nM:\tAnn Example <ann@home.example>\nM:\tBen <BEN@x.example>\nM:\tben@x.example\n"
      "L:\tteam@nxp.example\nS:\tMaintained\nF:\tdrivers/x/\n");
  const MaintainersAnswer answer = ask(maintainers, {"drivers/x/y/z.c"});
  // Ann is known by name: her second address is dropped, and her role becomes the stronger
  // (maintainer, To). team@nxp is a reviewer in one section and a list in another: To.
  EXPECT_EQ(answer.to, (Addresses{"ann@work.example", "ben@x.example", "team@nxp.example"}));
  EXPECT_TRUE(answer.cc.empty());
  EXPECT_EQ(answer.contacts.size(), 3u);
}

TEST(MaintainersFind, AcceptsDirectoriesAndDotSlashPaths) {
  const Maintainers maintainers = Maintainers::parse(kSmall);
  EXPECT_EQ(ask(maintainers, {"drivers/widget/"}).sections,
            (Addresses{"CORE WIDGETS", "THE REST"}));
  EXPECT_EQ(ask(maintainers, {"./drivers/widget/spin.c"}).sections,
            (Addresses{"WIDGET SPINNERS", "CORE WIDGETS", "THE REST"}));
}

TEST(EmailAddress, ExtractsAndLowercases) {
  EXPECT_EQ(email_address("\"Theodore Ts'o\" <TYTSO@mit.edu>"), "tytso@mit.edu");
  EXPECT_EQ(email_address("Boqun Feng <boqun.feng@gmail.com> (LOCKDEP)"), "boqun.feng@gmail.com");
  EXPECT_EQ(email_address(" stable@vger.kernel.org # 5.10.x"), "stable@vger.kernel.org");
  EXPECT_EQ(email_address("nic_swsd@realtek.com"), "nic_swsd@realtek.com");
  EXPECT_EQ(email_address("Nobody"), "");
  EXPECT_EQ(email_address("Broken <no-at-sign>"), "");
}

// The real MAINTAINERS of Debian's linux-source-6.1 (6.1.x), read from the packaged tarball.
// Every expectation was worked out by reading the sections named in the comment (and agrees with
// `scripts/get_maintainer.pl --nogit --nogit-fallback -f FILE` of the same tree, with syzbot's
// role mapping).
constexpr const char* kLinuxSourceTarball = "/usr/src/linux-source-6.1.tar.xz";

struct RealCase {
  std::string file;
  Addresses sections;
  Addresses to;
  Addresses cc;
};

TEST(MaintainersRealFile, LinuxSource61AnswersCheckedByHand) {
  ASSERT_TRUE(std::filesystem::exists(kLinuxSourceTarball))
      << kLinuxSourceTarball
      << " is missing: install the Debian package linux-source-6.1 (scripts/install-deps.sh)";
  testing::TempDir temp;
  testing::must_run(
      {"tar", "-xJf", kLinuxSourceTarball, "-C", temp.path(), "linux-source-6.1/MAINTAINERS"});
  const std::string text = testing::read_file(temp / "linux-source-6.1/MAINTAINERS");
  ASSERT_GT(text.size(), 500000u);
  const Maintainers maintainers = Maintainers::parse(text);
  EXPECT_TRUE(maintainers.problems().empty()) << maintainers.problems()[0];
  EXPECT_GT(maintainers.sections().size(), 2500u);
  EXPECT_EQ(maintainers.sections().front().title, "3C59X NETWORK DRIVER");
  EXPECT_EQ(maintainers.sections().back().title, "THE REST");

  const std::string lkml = "linux-kernel@vger.kernel.org";
  const std::vector<RealCase> cases = {
      // EXT4 FILE SYSTEM (F: fs/ext4/), Maintained, one list.
      {"fs/ext4/inode.c",
       {"EXT4 FILE SYSTEM", "THE REST"},
       {"adilger.kernel@dilger.ca", "linux-ext4@vger.kernel.org", "tytso@mit.edu"},
       {lkml}},
      // NETWORKING [TCP] (F: net/ipv4/tcp*.c), [IPv4/IPv6] (F: net/ipv4/), [GENERAL] (F: net/).
      {"net/ipv4/tcp.c",
       {"NETWORKING [TCP]", "NETWORKING [IPv4/IPv6]", "NETWORKING [GENERAL]", "THE REST"},
       {"davem@davemloft.net", "dsahern@kernel.org", "edumazet@google.com", "kuba@kernel.org",
        "netdev@vger.kernel.org", "pabeni@redhat.com", "yoshfuji@linux-ipv6.org"},
       {lkml}},
      // USB SUBSYSTEM (F: drivers/usb/), Supported: Greg is a supporter, To.
      {"drivers/usb/core/hub.c",
       {"USB SUBSYSTEM", "THE REST"},
       {"gregkh@linuxfoundation.org", "linux-usb@vger.kernel.org"},
       {lkml}},
      // SLAB ALLOCATOR (F: mm/sl?b*) with two reviewers, then MEMORY MANAGEMENT (F: mm/).
      {"mm/slub.c",
       {"SLAB ALLOCATOR", "MEMORY MANAGEMENT", "THE REST"},
       {"akpm@linux-foundation.org", "cl@linux.com", "iamjoonsoo.kim@lge.com", "linux-mm@kvack.org",
        "penberg@kernel.org", "rientjes@google.com", "vbabka@suse.cz"},
       {"42.hyeyoo@gmail.com", lkml, "roman.gushchin@linux.dev"}},
      // LOCKING PRIMITIVES (F: kernel/locking/): its only list is LKML, so LKML is To.
      {"kernel/locking/lockdep.c",
       {"LOCKING PRIMITIVES", "THE REST"},
       {lkml, "mingo@redhat.com", "peterz@infradead.org", "will@kernel.org"},
       {"boqun.feng@gmail.com", "longman@redhat.com"}},
      // X: kernel/locking/locktorture.c in LOCKING PRIMITIVES; TORTURE-TEST MODULES (Supported).
      {"kernel/locking/locktorture.c",
       {"TORTURE-TEST MODULES", "THE REST"},
       {"dave@stgolabs.net", "josh@joshtriplett.org", lkml, "paulmck@kernel.org"},
       {}},
      // No section names include/linux/list.h: THE REST alone, without Linus Torvalds.
      {"include/linux/list.h", {"THE REST"}, {lkml}, {}},
      // SOUND (F: sound/): alsa-devel is moderated for non-subscribers, still a list, To.
      {"sound/core/pcm_native.c",
       {"SOUND", "THE REST"},
       {"alsa-devel@alsa-project.org", "perex@perex.cz", "tiwai@suse.com"},
       {lkml}},
      // 3C59X NETWORK DRIVER is "Odd Fixes": its M: is an odd fixer, Cc.
      {"drivers/net/ethernet/3com/3c59x.c",
       {"3C59X NETWORK DRIVER", "NETWORKING DRIVERS", "THE REST"},
       {"davem@davemloft.net", "edumazet@google.com", "kuba@kernel.org", "netdev@vger.kernel.org",
        "pabeni@redhat.com"},
       {"klassert@kernel.org", lkml}},
      // "F: drivers/scsi/esas2r" names a directory without a trailing slash.
      {"drivers/scsi/esas2r/esas2r_main.c",
       {"ATTO EXPRESSSAS SAS/SATA RAID SCSI DRIVER", "SCSI SUBSYSTEM", "THE REST"},
       {"jejb@linux.ibm.com", "linux-scsi@vger.kernel.org", "linuxdrivers@attotech.com",
        "martin.petersen@oracle.com"},
       {lkml}},
      // ISDN/CMTP OVER BLUETOOTH: Odd Fixes, and its subscribers-only list is left out.
      {"drivers/isdn/capi/kcapi.c",
       {"ISDN/CMTP OVER BLUETOOTH", "THE REST"},
       {"netdev@vger.kernel.org"},
       {"isdn@linux-pingi.de", lkml}},
      // FILESYSTEMS (VFS and infrastructure): "F: fs/*" covers files directly in fs/.
      {"fs/namei.c",
       {"FILESYSTEMS (VFS and infrastructure)", "THE REST"},
       {"linux-fsdevel@vger.kernel.org", "viro@zeniv.linux.org.uk"},
       {lkml}},
      // X86 ARCHITECTURE: x86@kernel.org is an M: too; hpa is a reviewer; LKML its only list.
      {"arch/x86/kernel/cpu/common.c",
       {"X86 ARCHITECTURE (32-BIT AND 64-BIT)", "THE REST"},
       {"bp@alien8.de", "dave.hansen@linux.intel.com", lkml, "mingo@redhat.com",
        "tglx@linutronix.de", "x86@kernel.org"},
       {"hpa@zytor.com"}},
      // ADM1029 HARDWARE MONITOR DRIVER (exact file) before HARDWARE MONITORING (drivers/hwmon/).
      {"drivers/hwmon/adm1029.c",
       {"ADM1029 HARDWARE MONITOR DRIVER", "HARDWARE MONITORING", "THE REST"},
       {"clabbe.montjoie@gmail.com", "jdelvare@suse.com", "linux-hwmon@vger.kernel.org",
        "linux@roeck-us.net"},
       {lkml}},
  };
  for (const RealCase& expected : cases) {
    SCOPED_TRACE(expected.file);
    const MaintainersAnswer answer = ask(maintainers, {expected.file});
    EXPECT_EQ(answer.sections, expected.sections);
    EXPECT_EQ(answer.to, expected.to);
    EXPECT_EQ(answer.cc, expected.cc);
  }

  // K: keywords, as for a patch: HARDWARE MONITORING's K: matches a changed line elsewhere.
  const MaintainersAnswer keyword =
      ask(maintainers, {"drivers/misc/foo.c"}, "+\tdev = devm_hwmon_device_register_with_info(\n");
  ASSERT_FALSE(keyword.sections.empty());
  EXPECT_EQ(keyword.sections.front(), "HARDWARE MONITORING");
  EXPECT_NE(std::find(keyword.to.begin(), keyword.to.end(), "linux@roeck-us.net"),
            keyword.to.end());
}

}  // namespace
}  // namespace culprit::vcs
