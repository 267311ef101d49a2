#include "vcs/recipients.h"

#include <git2.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "base/text.h"
#include "vcs/commit_diff.h"
#include "vcs/libgit2_handles.h"

namespace culprit::vcs {
namespace {

using namespace detail;  // NOLINT: the shared libgit2 handles

constexpr std::string_view kStableList = "stable@vger.kernel.org";
// Keyword matching reads the changed lines; a first-parent diff of a huge merge is cut here.
constexpr std::size_t kMaxKeywordText = 32u << 20;

// Trailer keys whose addresses are recipients (syzbot's list).
bool is_recipient_key(std::string_view key) {
  const std::string k = lower(key);
  if (k == "signed-off-by") return true;
  for (std::string_view kind : {"reviewed-", "acked-", "tested-"}) {
    if (k.starts_with(kind)) return true;
    if (k.find(fmt::format("-and-{}", kind)) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

std::vector<std::string> trailer_recipients(const CommitInfo& commit) {
  std::set<std::string> addresses;
  auto add = [&](std::string_view text) {
    const std::string address = email_address(text);
    if (!address.empty() && address != kStableList) addresses.insert(address);
  };
  add("<" + commit.author.email + ">");
  std::string_view message = commit.message;
  while (!message.empty()) {
    const std::size_t end = message.find('\n');
    std::string_view line = message.substr(0, end);
    message = end == std::string_view::npos ? std::string_view() : message.substr(end + 1);
    // "Key: value" at the start of a line; indented lines are quotations, not trailers.
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) continue;
    const std::string_view key = line.substr(0, colon);
    const bool key_like = std::all_of(key.begin(), key.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-';
    });
    if (key_like && is_recipient_key(key)) add(line.substr(colon + 1));
  }
  return {addresses.begin(), addresses.end()};
}

Result<std::vector<std::string>> changed_files(const Repository& repo, const std::string& commit) {
  CULPRIT_ASSIGN_OR_RETURN(const CommitDiff diff, diff_first_parent(repo, commit));
  return delta_paths(diff.diff.get());
}

Result<MaintainersAnswer> commit_maintainers(const Repository& repo, const std::string& commit) {
  CULPRIT_ASSIGN_OR_RETURN(const CommitDiff diff, diff_first_parent(repo, commit));

  git_tree_entry* raw_entry = nullptr;
  if (git_tree_entry_bypath(&raw_entry, diff.tree.get(), "MAINTAINERS") != 0) {
    return MaintainersAnswer{};
  }
  TreeEntryPtr entry(raw_entry);
  if (git_tree_entry_type(entry.get()) != GIT_OBJECT_BLOB) return MaintainersAnswer{};
  CULPRIT_ASSIGN_OR_RETURN(const std::string text,
                           blob_text(repo, *git_tree_entry_id(entry.get())));
  const Maintainers maintainers = Maintainers::parse(text);

  MaintainersQuery query;
  query.files = delta_paths(diff.diff.get());
  git_tree* tree = diff.tree.get();
  git_tree* parent_tree = diff.parent_tree.get();
  query.is_directory = [tree, parent_tree](const std::string& path) {
    for (git_tree* side : {tree, parent_tree}) {
      if (side == nullptr) continue;
      git_tree_entry* found = nullptr;
      if (git_tree_entry_bypath(&found, side, path.c_str()) != 0) continue;
      TreeEntryPtr owned(found);
      return git_tree_entry_type(found) == GIT_OBJECT_TREE;
    }
    return false;
  };

  // As `git show | get_maintainer.pl`: keywords may match the message or a changed line.
  query.keyword_text = git_commit_message(diff.commit.get());
  query.keyword_text += '\n';
  auto collect = [](const git_diff_delta*, const git_diff_hunk*, const git_diff_line* line,
                    void* payload) -> int {
    auto* text = static_cast<std::string*>(payload);
    if (line->origin != GIT_DIFF_LINE_ADDITION && line->origin != GIT_DIFF_LINE_DELETION) return 0;
    if (text->size() + line->content_len + 2 > kMaxKeywordText) return 1;  // enough
    *text += line->origin;
    text->append(line->content, line->content_len);
    if (text->back() != '\n') *text += '\n';
    return 0;
  };
  const int printed =
      git_diff_print(diff.diff.get(), GIT_DIFF_FORMAT_PATCH, collect, &query.keyword_text);
  if (printed < 0) {
    return make_error(fmt::format("cannot read the diff of {}: {}", commit, libgit2_reason()));
  }
  return maintainers.find(query);
}

Result<Recipients> recipients(const Repository& repo, const std::string& commit) {
  CULPRIT_ASSIGN_OR_RETURN(const CommitInfo info, repo.commit(commit));
  Recipients result;
  result.to = trailer_recipients(info);
  if (result.to.size() > 2) return result;

  CULPRIT_ASSIGN_OR_RETURN(const MaintainersAnswer maintainers,
                           commit_maintainers(repo, info.hash));
  std::set<std::string> to(result.to.begin(), result.to.end());
  to.insert(maintainers.to.begin(), maintainers.to.end());
  result.to.assign(to.begin(), to.end());
  for (const std::string& address : maintainers.cc) {
    if (to.count(address) == 0) result.cc.push_back(address);
  }
  return result;
}

}  // namespace culprit::vcs
