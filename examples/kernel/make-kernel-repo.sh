#!/usr/bin/env bash
# Makes the bundled kernel example: a real Linux git history with a real kernel bug in it.
#
#   examples/kernel/make-kernel-repo.sh OUT
#
# OUT/linux        git repository: Debian's linux-source-6.1 tree as the base commit (tagged
#                  v6.1.<n>), then 34 commits written here: documentation and unrelated code
#                  changes, a side branch merged back, one commit that breaks the build (fixed two
#                  commits later), a prctl feature ("task tags") and, later, the commit that
#                  introduces a real locking bug in it. The buggy commit's subject starts with
#                  "prctl: task tags: spill"; OUT/bug-commit holds its hash.
# OUT/kernel.config  a tinyconfig-based x86_64 config with lockdep, that boots in QEMU.
#
# The bug: the task tag table has two buckets with one slot each and a hash key chosen at boot.
# The buggy commit makes a full bucket spill into its neighbour, locking the neighbour's spinlock
# while holding the first one: the same lock class taken twice, an ABBA deadlock between two CPUs
# spilling in opposite directions. Lockdep reports it as "possible recursive locking detected".
# examples/kernel/repro.c sets two tags; they share a bucket in about half of the boots, so the
# crash reproduces in about half of the runs.
#
# Needs the linux-source-6.1 package (/usr/src/linux-source-6.1.tar.xz), git, make, gcc, flex,
# bison, bc. Commit dates and authors are fixed, so the hashes are the same on every machine with
# the same linux-source-6.1 package. Takes about a minute.
set -euo pipefail

out=${1:?usage: make-kernel-repo.sh OUT}
tarball=${LINUX_SOURCE_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
[ -f "$tarball" ] || { echo "no $tarball: install the linux-source-6.1 package" >&2; exit 1; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
repo=$out/linux
rm -rf "$repo"
mkdir -p "$repo"
echo "unpacking $tarball"
tar -xf "$tarball" -C "$repo" --strip-components=1
cd "$repo"

# Debian's .gitignore ends with a section that ignores the whole top level: drop it.
sed -i '/^# Debian packaging/,$d' .gitignore
version=$(make -s kernelversion)

export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
git init -q -b master .
git config user.name "Example Maintainer"
git config user.email "maintainer@example.org"
git config gc.auto 0

# Commit times advance one hour per commit from a fixed start.
tick=0
commit() {  # commit AUTHOR SUBJECT [BODY]
  local author=$1 subject=$2 body=${3:-}
  tick=$((tick + 1))
  local date
  date=$(date -u -d "2025-03-03 09:00:00 UTC + $tick hours" '+%Y-%m-%dT%H:%M:%S+0000')
  git add -A -f .
  GIT_AUTHOR_NAME="${author% <*}" GIT_AUTHOR_EMAIL="${author#*<}" \
    GIT_AUTHOR_DATE="$date" GIT_COMMITTER_DATE="$date" \
    git commit -q --allow-empty -m "$subject" ${body:+-m "$body"}
}
# Strict edits: each must change the file, or the script stops.
insert_after() {  # insert_after FILE ANCHOR  (text on stdin)
  ANCHOR=$2 TEXT=$(cat) perl -0777 -i -pe \
    's/\Q$ENV{ANCHOR}\E/$ENV{ANCHOR}$ENV{TEXT}\n/ or die "anchor not found in $ARGV\n"' "$1"
}
insert_before() {  # insert_before FILE ANCHOR  (text on stdin)
  ANCHOR=$2 TEXT=$(cat) perl -0777 -i -pe \
    's/\Q$ENV{ANCHOR}\E/$ENV{TEXT}\n$ENV{ANCHOR}/ or die "anchor not found in $ARGV\n"' "$1"
}
replace() {  # replace FILE OLD NEW
  OLD=$2 NEW=$3 perl -0777 -i -pe 's/\Q$ENV{OLD}\E/$ENV{NEW}/ or die "text not found in $ARGV\n"' "$1"
}
append() { cat >>"$1"; }  # append FILE  (text on stdin)

ANNA="Anna Schmidt <anna@example.org>"
BORIS="Boris Petrov <boris@example.org>"
CHEN="Chen Wei <chen@example.org>"
DANA="Dana Levi <dana@example.org>"

echo "committing the base tree ($version)"
commit "$ANNA" "Linux $version" "Debian's linux-source-6.1 tree, the base of the example history."
git tag "v$version"

echo "writing the example history"
append Documentation/process/howto.rst <<'EOF'

Bisecting a regression
----------------------

When a change breaks something that used to work, ``git bisect`` finds the commit that did it.
Build and boot each commit it proposes with the same configuration.
EOF
commit "$ANNA" "docs: howto: add a short section on bisecting regressions"

insert_before kernel/fork.c "pid_t kernel_clone(struct kernel_clone_args *args)" <<'EOF'
/*
 * kernel_clone() is the common entry point of fork(), vfork(), clone() and clone3(): every new
 * task, user or kernel, is created here.
 */
EOF
commit "$BORIS" "fork: document kernel_clone() as the common entry point"

# The task tag feature, correct: a full bucket answers ENOSPC.
insert_after kernel/sys.c '#include "uid16.h"' <<'EOF'

#include <linux/siphash.h>

/*
 * Task tags: a small system-wide registry of tags that tasks set with prctl(PR_SET_TASK_TAG)
 * and remove with prctl(PR_CLEAR_TASK_TAG). Tags are spread over the buckets by a keyed hash,
 * with a key chosen when the table is first used.
 */
#define PR_SET_TASK_TAG		0x54414701
#define PR_CLEAR_TASK_TAG	0x54414702

#define TASK_TAG_BUCKETS	2
#define TASK_TAG_SLOTS		1

struct task_tag_bucket {
	spinlock_t lock;
	unsigned int used;
	unsigned long tags[TASK_TAG_SLOTS];
};

static struct task_tag_bucket task_tag_table[TASK_TAG_BUCKETS];
static siphash_key_t task_tag_key;
static DEFINE_MUTEX(task_tag_init_mutex);
static bool task_tag_ready;

static void task_tag_init(void)
{
	int i;

	mutex_lock(&task_tag_init_mutex);
	if (!task_tag_ready) {
		get_random_bytes(&task_tag_key, sizeof(task_tag_key));
		for (i = 0; i < TASK_TAG_BUCKETS; i++)
			spin_lock_init(&task_tag_table[i].lock);
		task_tag_ready = true;
	}
	mutex_unlock(&task_tag_init_mutex);
}

static struct task_tag_bucket *task_tag_bucket(unsigned long tag)
{
	return &task_tag_table[siphash_1u64(tag, &task_tag_key) % TASK_TAG_BUCKETS];
}

static bool task_tag_add(struct task_tag_bucket *b, unsigned long tag)
{
	if (b->used >= TASK_TAG_SLOTS)
		return false;
	b->tags[b->used++] = tag;
	return true;
}

static bool task_tag_remove(struct task_tag_bucket *b, unsigned long tag)
{
	unsigned int i;

	for (i = 0; i < b->used; i++) {
		if (b->tags[i] == tag) {
			b->tags[i] = b->tags[--b->used];
			return true;
		}
	}
	return false;
}

static int task_tag_set(unsigned long tag)
{
	struct task_tag_bucket *b;
	int ret = 0;

	task_tag_init();
	b = task_tag_bucket(tag);
	spin_lock(&b->lock);
	if (!task_tag_add(b, tag))
		ret = -ENOSPC;
	spin_unlock(&b->lock);
	return ret;
}

static int task_tag_clear(unsigned long tag)
{
	struct task_tag_bucket *b;
	bool found;

	task_tag_init();
	b = task_tag_bucket(tag);
	spin_lock(&b->lock);
	found = task_tag_remove(b, tag);
	spin_unlock(&b->lock);
	return found ? 0 : -ENOENT;
}
EOF
insert_after kernel/sys.c '	case PR_SET_VMA:
		error = prctl_set_vma(arg2, arg3, arg4, arg5);
		break;' <<'EOF'
	case PR_SET_TASK_TAG:
		error = task_tag_set(arg2);
		break;
	case PR_CLEAR_TASK_TAG:
		error = task_tag_clear(arg2);
		break;
EOF
commit "$CHEN" "prctl: add task tags" "A small system-wide registry of tags, set and cleared with two new prctl options.
Full buckets answer ENOSPC."

append Documentation/admin-guide/README.rst <<'EOF'

Reporting crashes found by bisection
------------------------------------

Include the first bad commit, the crash report from the console and the .config you used.
EOF
commit "$DANA" "docs: admin-guide: say what a bisected crash report should include"

insert_before mm/memory.c "vm_fault_t handle_mm_fault(" <<'EOF'
/*
 * handle_mm_fault() is called by the architecture's page fault handler with the mmap lock held
 * (or, for the per-VMA path, the VMA locked); it returns VM_FAULT_* flags.
 */
EOF
commit "$BORIS" "mm: document the locking rules of handle_mm_fault()"

append Documentation/process/submitting-patches.rst <<'EOF'

.. note::

   A patch that fixes a bisected regression should say which commit it fixes with a
   ``Fixes:`` tag.
EOF
commit "$ANNA" "docs: submitting-patches: remind to add Fixes: tags to regression fixes"

insert_before lib/string.c "#ifndef __HAVE_ARCH_STRNCPY" <<'EOF'
/*
 * The generic versions below are used only when the architecture has no optimized one.
 */
EOF
commit "$CHEN" "lib/string: explain when the generic helpers are used"

replace init/main.c "static int __ref kernel_init(void *unused)" "/* The first user task: finishes booting and runs the init program. */
static int __ref kernel_init(void *unused)"
commit "$DANA" "init: document kernel_init()"

append Documentation/filesystems/vfs.rst <<'EOF'

.. note::

   Path walking (fs/namei.c) may run under RCU; a filesystem's ->d_revalidate() must be ready
   to be called in that mode and answer -ECHILD when it cannot.
EOF
commit "$BORIS" "docs: vfs: note that ->d_revalidate() may be called in RCU mode"

insert_before fs/namei.c "static int link_path_walk(const char *name, struct nameidata *nd)" <<'EOF'
/*
 * link_path_walk() resolves every component of a path but the last one.
 */
EOF
commit "$ANNA" "namei: document link_path_walk()"

insert_before kernel/exit.c "void __noreturn do_exit(long code)" <<'EOF'
/*
 * do_exit() never returns: the task releases what it holds and schedules away for the last time.
 */
EOF
commit "$BORIS" "exit: document do_exit()"

# A side branch, merged back.
git checkout -q -b docs-update
append Documentation/process/coding-style.rst <<'EOF'

Locking and nesting
-------------------

Taking two locks of the same class needs a nesting annotation (``spin_lock_nested()``) and a
fixed order; lockdep reports anything else as possible recursive locking.
EOF
commit "$DANA" "docs: coding-style: describe lock nesting annotations"
append Documentation/locking/lockdep-design.rst <<'EOF'

Example
-------

Two buckets of a hash table, each with its own spinlock initialised by the same
``spin_lock_init()`` call, share one lock class: holding one while taking the other is
reported unless it is annotated.
EOF
commit "$DANA" "docs: lockdep: add a hash bucket example"
insert_before kernel/locking/lockdep.c "static int validate_chain(struct task_struct *curr," <<'EOF'
/*
 * validate_chain() checks a new lock against every lock the task already holds.
 */
EOF
commit "$ANNA" "lockdep: document validate_chain()"
git checkout -q master
append Documentation/admin-guide/README.rst <<'EOF'

Use the same compiler as the original build when bisecting: old kernels may not build with new
compilers.
EOF
commit "$BORIS" "docs: admin-guide: mention compilers when bisecting"
insert_before kernel/signal.c "int send_sig_info(int sig, struct kernel_siginfo *info, struct task_struct *p)" <<'EOF'
/*
 * send_sig_info() sends a signal to one task; see also group_send_sig_info().
 */
EOF
commit "$CHEN" "signal: document send_sig_info()"
tick=$((tick + 1))
date=$(date -u -d "2025-03-03 09:00:00 UTC + $tick hours" '+%Y-%m-%dT%H:%M:%S+0000')
GIT_AUTHOR_NAME="Example Maintainer" GIT_AUTHOR_EMAIL="maintainer@example.org" \
  GIT_AUTHOR_DATE="$date" GIT_COMMITTER_DATE="$date" \
  git merge -q --no-ff -m "Merge branch 'docs-update'" docs-update

append Documentation/process/howto.rst <<'EOF'

Run a flaky reproducer several times on each commit before calling it good.
EOF
commit "$ANNA" "docs: howto: flaky reproducers need several runs"

# The bug: a full bucket spills into its neighbour, taking the neighbour's lock while holding its
# own (same lock class, no nesting annotation, and an ABBA deadlock between two CPUs).
replace kernel/sys.c "	b = task_tag_bucket(tag);
	spin_lock(&b->lock);
	if (!task_tag_add(b, tag))
		ret = -ENOSPC;
	spin_unlock(&b->lock);
	return ret;" "	b = task_tag_bucket(tag);
	spin_lock(&b->lock);
	if (!task_tag_add(b, tag)) {
		struct task_tag_bucket *next =
			&task_tag_table[(b - task_tag_table + 1) % TASK_TAG_BUCKETS];

		/* The bucket is full: spill into the next one. */
		spin_lock(&next->lock);
		if (!task_tag_add(next, tag))
			ret = -ENOSPC;
		spin_unlock(&next->lock);
	}
	spin_unlock(&b->lock);
	return ret;"
replace kernel/sys.c "	b = task_tag_bucket(tag);
	spin_lock(&b->lock);
	found = task_tag_remove(b, tag);
	spin_unlock(&b->lock);
	return found ? 0 : -ENOENT;" "	b = task_tag_bucket(tag);
	spin_lock(&b->lock);
	found = task_tag_remove(b, tag);
	spin_unlock(&b->lock);
	if (!found) {
		b = &task_tag_table[(b - task_tag_table + 1) % TASK_TAG_BUCKETS];
		spin_lock(&b->lock);
		found = task_tag_remove(b, tag);
		spin_unlock(&b->lock);
	}
	return found ? 0 : -ENOENT;"
commit "$CHEN" "prctl: task tags: spill into the next bucket instead of failing" "A full bucket made PR_SET_TASK_TAG fail with ENOSPC although the other bucket had room.
Put the tag into the next bucket instead."
git rev-parse HEAD >"$out/bug-commit"

break_build() {
# Breaks the build: the variable is renamed in its declaration only.
replace lib/cmdline.c "	char *cur = *str;
	int value;

	if (!cur || !(*cur))" "	char *cursor = *str;
	int value;

	if (!cursor || !(*cursor))"
commit "$CHEN" "lib/cmdline: rename cur to cursor in get_option()"

append Documentation/process/howto.rst <<'EOF'

A commit that does not build cannot be tested: mark it with ``git bisect skip``.
EOF
commit "$DANA" "docs: howto: explain git bisect skip"
}
fix_build() {
replace lib/cmdline.c "	if (*cur == '-')
		value = -simple_strtoull(++cur, str, 0);
	else
		value = simple_strtoull(cur, str, 0);
	if (pint)
		*pint = value;
	if (cur == *str)" "	if (*cursor == '-')
		value = -simple_strtoull(++cursor, str, 0);
	else
		value = simple_strtoull(cursor, str, 0);
	if (pint)
		*pint = value;
	if (cursor == *str)"
commit "$CHEN" "lib/cmdline: fix the build after the rename in get_option()"
}

n=0
for file in kernel/time/timer.c kernel/sched/core.c mm/page_alloc.c fs/open.c fs/read_write.c \
  kernel/pid.c mm/mmap.c fs/exec.c kernel/cred.c kernel/kthread.c; do
  n=$((n + 1))
  printf '\n/* Example history: unrelated change %d. */\n' "$n" >>"$file"
  commit "$( [ $((n % 2)) = 0 ] && echo "$ANNA" || echo "$BORIS")" \
    "$(basename "$(dirname "$file")")/$(basename "$file" .c): tidy up (example change $n)"
  [ $n = 2 ] && break_build
  [ $n = 4 ] && fix_build
  if [ $n = 5 ]; then
    append Documentation/process/howto.rst <<'EOF'

Keep the build folder between bisection steps: only what changed is rebuilt.
EOF
    commit "$DANA" "docs: howto: incremental builds when bisecting"
  fi
done
append Documentation/admin-guide/README.rst <<'EOF'

That's all for this example history.
EOF
commit "$ANNA" "docs: admin-guide: close the example section"

echo "making kernel.config"
build=$(mktemp -d)
make -s O="$build" tinyconfig >/dev/null
cfg="scripts/config --file $build/.config"
# What culprit's VMs need (serial console, initramfs, ELF, devtmpfs), the reports (BUG, KALLSYMS,
# frame pointers for clean stack traces) and the bug's detector (lockdep).
$cfg -e 64BIT -e PRINTK -e TTY -e SERIAL_8250 -e SERIAL_8250_CONSOLE \
  -e BLK_DEV_INITRD -e BINFMT_ELF -e BINFMT_SCRIPT -e DEVTMPFS -e PROC_FS -e SYSFS \
  -e BUG -e KALLSYMS -e EARLY_PRINTK -e MULTIUSER -e FUTEX \
  -d KERNEL_XZ -e KERNEL_GZIP -d UNWINDER_GUESS -e UNWINDER_FRAME_POINTER \
  -e DEBUG_KERNEL -e PROVE_LOCKING -e DEBUG_ATOMIC_SLEEP
make -s O="$build" olddefconfig >/dev/null
cp "$build/.config" "$out/kernel.config"
rm -rf "$build"
git status --short | head -5

echo "done: $repo ($(git rev-list --count HEAD) commits, bug commit $(cat "$out/bug-commit"))"
