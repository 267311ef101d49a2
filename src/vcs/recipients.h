// Whom to tell about a culprit commit.
//
// Recipients follow syzbot (reference §2.4): To is the commit's author plus every address in its
// Signed-off-by, Reviewed-by, Acked-by and Tested-by trailers (also "Reviewed-and-tested-by" and
// the like), lower-cased and deduplicated, without stable@vger.kernel.org; Cc: trailers are not
// recipients. When that gives two addresses or fewer, the maintainers of the files the commit
// changes are added, from the MAINTAINERS file of the commit's own tree (see maintainers.h), with
// K: keywords matched against the commit message and the changed lines.
//
// What kind of change a commit is (docs only, comments only, ...) is vcs/diff_classify.h.
// Everything is read through libgit2 from the object database; no checkout is needed.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "vcs/maintainers.h"
#include "vcs/repository.h"

namespace culprit::vcs {

struct Recipients {
  std::vector<std::string> to;  // sorted, lower-cased
  std::vector<std::string> cc;  // sorted, lower-cased, none of them in `to`
};

// The trailer recipients of a commit (author and *-by trailers, see above), sorted.
std::vector<std::string> trailer_recipients(const CommitInfo& commit);

// Trailer recipients, plus the MAINTAINERS answer for the changed files when they are two or
// fewer. A tree without a MAINTAINERS file adds nobody.
Result<Recipients> recipients(const Repository& repo, const std::string& commit);

// Paths the commit changes against its first parent (against the empty tree for a root commit):
// old and new paths of every delta, sorted, without duplicates.
Result<std::vector<std::string>> changed_files(const Repository& repo, const std::string& commit);

// The maintainers of the files `commit` changes, read from MAINTAINERS in the commit's tree;
// K: keywords are matched against the commit message and the added and removed lines. An empty
// answer when the tree has no MAINTAINERS file.
Result<MaintainersAnswer> commit_maintainers(const Repository& repo, const std::string& commit);

}  // namespace culprit::vcs
