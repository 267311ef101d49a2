// Reproducer for the bundled kernel example (examples/kernel/make-kernel-repo.sh).
//
// Registers two task tags and removes them again. The tag table has two buckets with one slot
// each and a hash key chosen at boot, so the two tags land in the same bucket in about half of
// the boots; only then does the kernel take the "bucket full" path, which (after the buggy commit)
// locks the neighbour bucket while holding the first one and lockdep reports it. Kernels without
// task tags answer EINVAL and nothing happens.
#include <sys/prctl.h>

#define PR_SET_TASK_TAG 0x54414701
#define PR_CLEAR_TASK_TAG 0x54414702

int main(void) {
  prctl(PR_SET_TASK_TAG, 0x1111, 0, 0, 0);
  prctl(PR_SET_TASK_TAG, 0x2222, 0, 0, 0);
  prctl(PR_CLEAR_TASK_TAG, 0x1111, 0, 0, 0);
  prctl(PR_CLEAR_TASK_TAG, 0x2222, 0, 0, 0);
  return 0;
}
