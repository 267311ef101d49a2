#!/usr/bin/env bash
# Makes the bundled example: a small C project's git history with a planted, flaky crash.
#
#   examples/flaky-crash/make-repo.sh DIR
#
# History (31 commits, reproducible hashes): releases v1.0, v1.1, v1.2 and v2.0 on main; a
# topic branch forked from an old commit and merged back; one commit that breaks the build and
# the next that fixes it; and, after v1.2, the commit "parser: reuse the token buffer" that plants
# a use-after-free which crashes the self test in about half of the runs (which runs depends on
# CULPRIT_RUN, as a flaky reproducer depends on timing).
set -euo pipefail
dir=${1:?usage: make-repo.sh DIR}
rm -rf "$dir"
mkdir -p "$dir"
cd "$dir"

export GIT_AUTHOR_NAME="Ada Example" GIT_AUTHOR_EMAIL="ada@example.org"
export GIT_COMMITTER_NAME="Ada Example" GIT_COMMITTER_EMAIL="ada@example.org"
tick=1700000000
commit() {  # commit MESSAGE: commits everything with the next fixed date
  tick=$((tick + 3600))
  export GIT_AUTHOR_DATE="@$tick +0000" GIT_COMMITTER_DATE="@$tick +0000"
  git add -A
  git -c commit.gpgsign=false commit -q -m "$1"
}

git -c init.defaultBranch=main init -q .

cat > Makefile <<'MK'
CFLAGS ?= -O1 -g
app: app.c parser.c parser.h
	$(CC) $(CFLAGS) -o app app.c parser.c
clean:
	rm -f app
MK
cat > parser.h <<'H'
#pragma once
int parse_tokens(const char* text);
H
cat > parser.c <<'C'
#include "parser.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Counts whitespace-separated tokens. */
int parse_tokens(const char* text) {
  int count = 0;
  char* buffer = strdup(text);
  for (char* token = strtok(buffer, " \t\n"); token; token = strtok(NULL, " \t\n")) count++;
  free(buffer);
  return count;
}
C
cat > app.c <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "parser.h"

static int selftest(void) {
  const char* inputs[] = {"a b c", "one", "", "x  y\tz w"};
  const int expected[] = {3, 1, 0, 4};
  for (int i = 0; i < 4; i++) {
    if (parse_tokens(inputs[i]) != expected[i]) {
      fprintf(stderr, "selftest: input %d: wrong count\n", i);
      return 1;
    }
  }
  printf("selftest: ok\n");
  return 0;
}

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "--selftest") == 0) return selftest();
  printf("%d\n", parse_tokens(argc > 1 ? argv[1] : ""));
  return 0;
}
C
echo "# tokens: a tiny tokenizer" > README
commit "Initial import of the tokenizer"

doc() {  # doc N [FILE]: a documentation-only commit
  echo "Note $1: the tokenizer splits on spaces and tabs." >> "${2:-README}"
  commit "docs: add usage note $1"
}
feature() {  # feature NAME: an unrelated code change (a new helper in its own file)
  cat > "util_$1.c" <<C
/* Helper $1, not used by the self test. */
int util_$1(int x) { return x * 3 + ${#1}; }
C
  commit "util: add helper $1"
}

doc 1; feature alpha; doc 2
git tag v1.0
feature beta; doc 3; feature gamma
git tag v1.1
# A topic branch forked from v1.0, merged back later.
git checkout -q -b topic v1.0
feature topic_one; feature topic_two; doc topic NOTES
git checkout -q main
doc 4; feature delta
tick=$((tick + 3600))
GIT_AUTHOR_DATE="@$tick +0000" GIT_COMMITTER_DATE="@$tick +0000" \
  git -c commit.gpgsign=false merge -q --no-ff topic -m "Merge branch 'topic'"
doc 5; feature epsilon
git tag v1.2
feature zeta; doc 6

# The planted bug: the buffer is freed before the count of the last token is taken, and whether
# that read crashes depends on the run (a flaky reproducer).
cat > parser.c <<'C'
#include "parser.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Counts whitespace-separated tokens, reusing one buffer between calls. */
int parse_tokens(const char* text) {
  static int calls;
  int count = 0;
  char* buffer = strdup(text);
  for (char* token = strtok(buffer, " \t\n"); token; token = strtok(NULL, " \t\n")) count++;
  free(buffer);
  /* Bug: after free, the buffer is "reused" when the run's timing says so. */
  const char* run = getenv("CULPRIT_RUN");
  unsigned seed = (unsigned)(run ? atoi(run) : 0) * 2654435761u + (unsigned)calls++;
  if (calls == 3 && (seed >> 7) % 2 == 0) {
    fprintf(stderr, "BUG: use-after-free in parse_tokens\n");
    abort();
  }
  return count;
}
C
commit "parser: reuse the token buffer"
doc 7; feature eta; doc 8
# A commit that breaks the build, and its fix.
echo "int broken(void) { return undefined_symbol; }" > util_broken.c
sed -i 's/app.c parser.c$/app.c parser.c util_broken.c/' Makefile
commit "util: start a half-done helper"
rm util_broken.c
sed -i 's/ util_broken.c$//' Makefile
commit "util: drop the half-done helper"
feature theta; doc 9; feature iota
git tag v2.0
doc 10; feature kappa; doc 11; feature lambda; doc 12
echo "created $(git rev-list --count HEAD) commits in $dir"
