// Internal to src/vcs: what every file that talks to libgit2 needs. Owning handles that free each
// object with its own function, the last libgit2 error as one line, and revision lookup.
#pragma once

#include <git2.h>

#include <memory>
#include <string>

#include "base/result.h"

namespace culprit::vcs::detail {

// libgit2 keeps global state (allocators, caches, TLS for errors) that must exist before any
// other call; call this first from every entry point that may be the first.
void ensure_libgit2_initialized();

// The last libgit2 error as text, for messages about failures that are not the user's input.
std::string libgit2_reason();

template <typename T, void (*Free)(T*)>
struct FreeWith {
  void operator()(T* object) const { Free(object); }
};
using ObjectPtr = std::unique_ptr<git_object, FreeWith<git_object, git_object_free>>;
using CommitPtr = std::unique_ptr<git_commit, FreeWith<git_commit, git_commit_free>>;
using TreePtr = std::unique_ptr<git_tree, FreeWith<git_tree, git_tree_free>>;
using TreeEntryPtr = std::unique_ptr<git_tree_entry, FreeWith<git_tree_entry, git_tree_entry_free>>;
using BlobPtr = std::unique_ptr<git_blob, FreeWith<git_blob, git_blob_free>>;
using DiffPtr = std::unique_ptr<git_diff, FreeWith<git_diff, git_diff_free>>;
using IndexPtr = std::unique_ptr<git_index, FreeWith<git_index, git_index_free>>;
using RevwalkPtr = std::unique_ptr<git_revwalk, FreeWith<git_revwalk, git_revwalk_free>>;
using ReferencePtr = std::unique_ptr<git_reference, FreeWith<git_reference, git_reference_free>>;
using ReferenceIteratorPtr =
    std::unique_ptr<git_reference_iterator,
                    FreeWith<git_reference_iterator, git_reference_iterator_free>>;
using RemotePtr = std::unique_ptr<git_remote, FreeWith<git_remote, git_remote_free>>;
using SignaturePtr = std::unique_ptr<git_signature, FreeWith<git_signature, git_signature_free>>;
using ConflictIteratorPtr =
    std::unique_ptr<git_index_conflict_iterator,
                    FreeWith<git_index_conflict_iterator, git_index_conflict_iterator_free>>;

std::string to_hex(const git_oid& oid);

// Any revision, peeled to the commit it names. Errors: "unknown revision: REV", "revision is not
// a commit: REV".
Result<CommitPtr> lookup_commit(git_repository* repo, const std::string& revision);

}  // namespace culprit::vcs::detail
