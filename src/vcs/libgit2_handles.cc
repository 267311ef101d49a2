#include "vcs/libgit2_handles.h"

#include <algorithm>

namespace culprit::vcs::detail {

void ensure_libgit2_initialized() {
  // A function-local static makes the one initialisation thread-safe.
  static const int initialized = git_libgit2_init();
  (void)initialized;
}

std::string libgit2_reason() {
  const git_error* error = git_error_last();
  if (error == nullptr || error->message == nullptr) return "unknown libgit2 error";
  std::string reason = error->message;
  std::replace(reason.begin(), reason.end(), '\n', ' ');
  return reason;
}

std::string to_hex(const git_oid& oid) {
  char text[GIT_OID_HEXSZ + 1];
  git_oid_tostr(text, sizeof text, &oid);
  return text;
}

Result<CommitPtr> lookup_commit(git_repository* repo, const std::string& revision) {
  git_object* object = nullptr;
  if (revision.empty() || git_revparse_single(&object, repo, revision.c_str()) != 0) {
    return make_error("unknown revision: " + revision);
  }
  ObjectPtr named(object);
  git_object* peeled = nullptr;
  if (git_object_peel(&peeled, named.get(), GIT_OBJECT_COMMIT) != 0) {
    return make_error("revision is not a commit: " + revision);
  }
  return CommitPtr(reinterpret_cast<git_commit*>(peeled));
}

}  // namespace culprit::vcs::detail
