#include "vcs/repository.h"

#include "vcs/libgit2_handles.h"

#include <git2.h>
#include <git2/sys/repository.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <system_error>
#include <unordered_set>
#include <utility>

#include "base/text.h"

namespace culprit::vcs {

namespace {

using namespace detail;  // NOLINT: the shared libgit2 handles

Oid to_oid(const git_oid& oid) {
  Oid result;
  static_assert(sizeof oid.id == sizeof result.bytes);
  std::copy(std::begin(oid.id), std::end(oid.id), result.bytes.begin());
  return result;
}

Result<git_oid> resolve_oid(git_repository* repo, const std::string& revision) {
  CULPRIT_ASSIGN_OR_RETURN(CommitPtr commit, lookup_commit(repo, revision));
  return *git_commit_id(commit.get());
}

Person to_person(const git_signature* signature) {
  Person person;
  if (signature == nullptr) return person;
  person.name = signature->name != nullptr ? signature->name : "";
  person.email = signature->email != nullptr ? signature->email : "";
  person.time = signature->when.time;
  return person;
}

std::vector<Trailer> parse_trailers(const char* message) {
  std::vector<Trailer> trailers;
  git_message_trailer_array parsed{};
  if (git_message_trailers(&parsed, message) != 0) return trailers;
  trailers.reserve(parsed.count);
  for (std::size_t i = 0; i < parsed.count; ++i) {
    trailers.push_back(Trailer{parsed.trailers[i].key, parsed.trailers[i].value});
  }
  git_message_trailer_array_free(&parsed);
  return trailers;
}

}  // namespace

void Repository::Deleter::operator()(git_repository* repo) const {
  git_repository_free(repo);
}

Repository::Repository(std::unique_ptr<git_repository, Deleter> repo, std::string path)
    : repo_(std::move(repo)), path_(std::move(path)) {}
Repository::Repository(Repository&&) noexcept = default;
Repository& Repository::operator=(Repository&&) noexcept = default;
Repository::~Repository() = default;

Result<Repository> Repository::open(const std::string& path) {
  ensure_libgit2_initialized();
  git_repository* repo = nullptr;
  // No search upwards: a directory that is not itself a repository (or its work tree) must not
  // silently open whatever repository happens to contain it.
  if (path.empty() ||
      git_repository_open_ext(&repo, path.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) != 0) {
    return make_error("not a git repository: " + path);
  }
  return Repository(std::unique_ptr<git_repository, Deleter>(repo), path);
}

Result<std::string> Repository::resolve(const std::string& revision) const {
  CULPRIT_ASSIGN_OR_RETURN(git_oid oid, resolve_oid(raw(), revision));
  return to_hex(oid);
}

Result<CommitInfo> Repository::commit(const std::string& hash) const {
  CULPRIT_ASSIGN_OR_RETURN(CommitPtr found, lookup_commit(raw(), hash));
  git_commit* commit = found.get();

  CommitInfo info;
  info.hash = to_hex(*git_commit_id(commit));
  info.tree = to_hex(*git_commit_tree_id(commit));
  const char* message = git_commit_message(commit);
  info.message = message != nullptr ? message : "";
  info.title = first_line(info.message);
  info.author = to_person(git_commit_author(commit));
  info.committer = to_person(git_commit_committer(commit));
  const unsigned parent_count = git_commit_parentcount(commit);
  for (unsigned i = 0; i < parent_count; ++i) {
    info.parents.push_back(to_hex(*git_commit_parent_id(commit, i)));
  }
  info.trailers = parse_trailers(info.message.c_str());
  return info;
}

Result<bool> Repository::is_ancestor(const std::string& ancestor,
                                     const std::string& descendant) const {
  CULPRIT_ASSIGN_OR_RETURN(git_oid ancestor_oid, resolve_oid(raw(), ancestor));
  CULPRIT_ASSIGN_OR_RETURN(git_oid descendant_oid, resolve_oid(raw(), descendant));
  if (git_oid_equal(&ancestor_oid, &descendant_oid)) return true;
  const int answer = git_graph_descendant_of(raw(), &descendant_oid, &ancestor_oid);
  if (answer < 0) {
    return make_error("cannot tell whether " + ancestor + " is an ancestor of " + descendant +
                      ": " + libgit2_reason());
  }
  return answer == 1;
}

Result<std::vector<std::string>> Repository::merge_bases(const std::string& a,
                                                         const std::string& b) const {
  CULPRIT_ASSIGN_OR_RETURN(git_oid a_oid, resolve_oid(raw(), a));
  CULPRIT_ASSIGN_OR_RETURN(git_oid b_oid, resolve_oid(raw(), b));
  git_oidarray bases{};
  const int status = git_merge_bases(&bases, raw(), &a_oid, &b_oid);
  if (status == GIT_ENOTFOUND) return std::vector<std::string>{};  // unrelated histories
  if (status != 0) {
    return make_error("cannot find the merge bases of " + a + " and " + b + ": " +
                      libgit2_reason());
  }
  std::vector<std::string> hashes;
  hashes.reserve(bases.count);
  for (std::size_t i = 0; i < bases.count; ++i) hashes.push_back(to_hex(bases.ids[i]));
  git_oidarray_dispose(&bases);
  return hashes;
}

Result<std::vector<Tag>> Repository::tags() const {
  git_reference_iterator* raw_iterator = nullptr;
  if (git_reference_iterator_glob_new(&raw_iterator, raw(), "refs/tags/*") != 0) {
    return make_error("cannot list the tags of " + path_ + ": " + libgit2_reason());
  }
  ReferenceIteratorPtr iterator(raw_iterator);
  std::vector<Tag> tags;
  git_reference* raw_reference = nullptr;
  int status = 0;
  while ((status = git_reference_next(&raw_reference, iterator.get())) == 0) {
    ReferencePtr reference(raw_reference);
    git_object* peeled = nullptr;
    // Tags of trees or blobs (and broken ones) have no commit to offer: leave them out.
    if (git_reference_peel(&peeled, reference.get(), GIT_OBJECT_COMMIT) != 0) continue;
    ObjectPtr commit(peeled);
    tags.push_back(Tag{git_reference_shorthand(reference.get()), to_hex(*git_object_id(peeled))});
  }
  if (status != GIT_ITEROVER) {
    return make_error("cannot list the tags of " + path_ + ": " + libgit2_reason());
  }
  std::sort(tags.begin(), tags.end(), [](const Tag& a, const Tag& b) { return a.name < b.name; });
  return tags;
}

Result<std::vector<Tag>> Repository::tags_reachable_from(const std::string& commit) const {
  CULPRIT_ASSIGN_OR_RETURN(std::vector<Tag> all, tags());
  CULPRIT_ASSIGN_OR_RETURN(git_oid start, resolve_oid(raw(), commit));
  std::unordered_set<Oid, OidHash> unseen;  // tagged commits the walk has not reached yet
  for (const Tag& tag : all) {
    if (std::optional<Oid> id = Oid::from_hex(tag.commit)) unseen.insert(*id);
  }
  std::unordered_set<Oid, OidHash> reached;
  git_revwalk* raw_walk = nullptr;
  if (git_revwalk_new(&raw_walk, raw()) != 0) {
    return make_error("cannot walk the history of " + path_ + ": " + libgit2_reason());
  }
  RevwalkPtr walk(raw_walk);
  if (git_revwalk_push(walk.get(), &start) != 0) return make_error("unknown revision: " + commit);
  git_oid oid;
  int status = 0;
  while (!unseen.empty() && (status = git_revwalk_next(&oid, walk.get())) == 0) {
    if (unseen.erase(to_oid(oid)) > 0) reached.insert(to_oid(oid));
  }
  if (!unseen.empty() && status != GIT_ITEROVER) {
    return make_error("cannot walk the history of " + path_ + ": " + libgit2_reason());
  }
  std::vector<Tag> result;
  for (Tag& tag : all) {
    std::optional<Oid> id = Oid::from_hex(tag.commit);
    if (id && reached.count(*id) > 0) result.push_back(std::move(tag));
  }
  return result;
}

Result<std::size_t> Repository::count_commits(const std::string& tip,
                                              const std::string& hidden) const {
  CULPRIT_ASSIGN_OR_RETURN(git_oid from, resolve_oid(raw(), tip));
  CULPRIT_ASSIGN_OR_RETURN(git_oid stop, resolve_oid(raw(), hidden));
  git_revwalk* raw_walk = nullptr;
  if (git_revwalk_new(&raw_walk, raw()) != 0) {
    return make_error("cannot walk the history of " + path_ + ": " + libgit2_reason());
  }
  RevwalkPtr walk(raw_walk);
  if (git_revwalk_push(walk.get(), &from) != 0) return make_error("unknown revision: " + tip);
  if (git_revwalk_hide(walk.get(), &stop) != 0) return make_error("unknown revision: " + hidden);
  std::size_t count = 0;
  git_oid oid;
  int status = 0;
  while ((status = git_revwalk_next(&oid, walk.get())) == 0) ++count;
  if (status != GIT_ITEROVER) {
    return make_error("cannot walk the history of " + path_ + ": " + libgit2_reason());
  }
  return count;
}

Result<std::vector<std::string>> Repository::first_parents(const std::string& commit,
                                                           std::size_t limit) const {
  CULPRIT_ASSIGN_OR_RETURN(git_oid at, resolve_oid(raw(), commit));
  std::vector<std::string> chain;
  while (chain.size() < limit) {
    git_commit* raw_commit = nullptr;
    if (git_commit_lookup(&raw_commit, raw(), &at) != 0) {
      return make_error("cannot read commit " + to_hex(at) + ": " + libgit2_reason());
    }
    CommitPtr found(raw_commit);
    if (git_commit_parentcount(found.get()) == 0) break;
    at = *git_commit_parent_id(found.get(), 0);
    chain.push_back(to_hex(at));
  }
  return chain;
}

Result<bool> Repository::has_path(const std::string& commit, const std::string& path) const {
  CULPRIT_ASSIGN_OR_RETURN(CommitPtr found, lookup_commit(raw(), commit));
  git_tree* raw_tree = nullptr;
  if (git_commit_tree(&raw_tree, found.get()) != 0) {
    return make_error("cannot read the tree of " + commit + ": " + libgit2_reason());
  }
  TreePtr tree(raw_tree);
  git_tree_entry* raw_entry = nullptr;
  const int status = git_tree_entry_bypath(&raw_entry, tree.get(), path.c_str());
  if (status == GIT_ENOTFOUND) return false;
  if (status != 0) {
    return make_error("cannot look up " + path + " in " + commit + ": " + libgit2_reason());
  }
  TreeEntryPtr entry(raw_entry);
  return true;
}

Result<std::optional<std::string>> Repository::remote_url(const std::string& name) const {
  git_remote* raw_remote = nullptr;
  const int status = git_remote_lookup(&raw_remote, raw(), name.c_str());
  if (status == GIT_ENOTFOUND || status == GIT_EINVALIDSPEC) return std::optional<std::string>();
  if (status != 0) {
    return make_error("cannot read remote " + name + " of " + path_ + ": " + libgit2_reason());
  }
  RemotePtr remote(raw_remote);
  const char* url = git_remote_url(remote.get());
  if (url == nullptr) return std::optional<std::string>();
  return std::optional<std::string>(url);
}

std::optional<Person> Repository::configured_identity() const {
  git_signature* raw_signature = nullptr;
  if (git_signature_default(&raw_signature, raw()) != 0) return std::nullopt;
  SignaturePtr signature(raw_signature);
  return Person{signature->name, signature->email, signature->when.time};
}

Result<CommitGraph> Repository::graph(const std::vector<std::string>& tips,
                                      const std::vector<std::string>& hidden) const {
  git_revwalk* raw_walk = nullptr;
  if (git_revwalk_new(&raw_walk, raw()) != 0) {
    return make_error("cannot walk the history of " + path_ + ": " + libgit2_reason());
  }
  RevwalkPtr walk(raw_walk);
  git_revwalk_sorting(walk.get(), GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE);
  for (const std::string& tip : tips) {
    CULPRIT_ASSIGN_OR_RETURN(git_oid oid, resolve_oid(raw(), tip));
    if (git_revwalk_push(walk.get(), &oid) != 0) return make_error("unknown revision: " + tip);
  }
  for (const std::string& revision : hidden) {
    CULPRIT_ASSIGN_OR_RETURN(git_oid oid, resolve_oid(raw(), revision));
    if (git_revwalk_hide(walk.get(), &oid) != 0) {
      return make_error("unknown revision: " + revision);
    }
  }

  CommitGraph::Builder builder;
  // How many parents each commit declares (saturated): where the graph keeps fewer, the others
  // must be outside the walk, which is checked once the graph is built.
  std::vector<std::uint8_t> declared_parents;
  std::vector<Oid> parents;
  git_oid oid;
  int status = 0;
  while ((status = git_revwalk_next(&oid, walk.get())) == 0) {
    git_commit* raw_commit = nullptr;
    if (git_commit_lookup(&raw_commit, raw(), &oid) != 0) {
      return make_error("cannot read commit " + to_hex(oid) + ": " + libgit2_reason());
    }
    CommitPtr commit(raw_commit);
    const unsigned parent_count = git_commit_parentcount(commit.get());
    parents.clear();
    for (unsigned i = 0; i < parent_count; ++i) {
      parents.push_back(to_oid(*git_commit_parent_id(commit.get(), i)));
    }
    builder.add(to_oid(oid), parents, git_commit_time(commit.get()));
    declared_parents.push_back(static_cast<std::uint8_t>(std::min(parent_count, 255u)));
  }
  if (status != GIT_ITEROVER) {
    return make_error("cannot walk the history of " + path_ + ": " + libgit2_reason());
  }
  CommitGraph graph = std::move(builder).build();

  // Defence against a walk order that is not parents-first: the builder would silently drop the
  // edge to a parent that comes later, and the search would then run on a wrong history.
  for (CommitGraph::Index node = 0; node < graph.size(); ++node) {
    if (graph.parents(node).size() >= declared_parents[node]) continue;
    git_oid child;
    std::copy(graph.id(node).bytes.begin(), graph.id(node).bytes.end(), std::begin(child.id));
    git_commit* raw_commit = nullptr;
    if (git_commit_lookup(&raw_commit, raw(), &child) != 0) continue;
    CommitPtr commit(raw_commit);
    for (unsigned i = 0; i < git_commit_parentcount(commit.get()); ++i) {
      const auto parent = graph.find(to_oid(*git_commit_parent_id(commit.get(), i)));
      if (parent && *parent > node) {
        return make_error("history of " + path_ + " was not walked parents first at " +
                          to_hex(child));
      }
    }
  }
  return graph;
}

Worktree::Worktree(Repository repo, std::string dir)
    : repo_(std::make_unique<Repository>(std::move(repo))), dir_(std::move(dir)) {}
Worktree::Worktree(Worktree&&) noexcept = default;
Worktree& Worktree::operator=(Worktree&&) noexcept = default;
Worktree::~Worktree() = default;

Result<Worktree> Worktree::create(const std::string& repository_path, const std::string& dir) {
  std::string directory = dir;
  while (directory.size() > 1 && directory.back() == '/') directory.pop_back();
  if (directory.empty()) return make_error("invalid worktree directory: " + dir);
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) return make_error("cannot create worktree " + directory + ": " + error.message());
  if (!std::filesystem::is_directory(directory)) {
    return make_error("worktree is not a directory: " + directory);
  }

  // A handle of our own: the redirections below live only in its memory, so the user's
  // repository (its work tree, .git/index, HEAD and refs) is never written.
  CULPRIT_ASSIGN_OR_RETURN(Repository repo, Repository::open(repository_path));
  if (git_repository_set_workdir(repo.raw(), directory.c_str(), /*update_gitlink=*/0) != 0) {
    return make_error("cannot use " + directory + " as a worktree: " + libgit2_reason());
  }
  const std::string index_path = directory + ".index";
  git_index* raw_index = nullptr;
  if (git_index_open(&raw_index, index_path.c_str()) != 0) {
    return make_error("cannot open worktree index " + index_path + ": " + libgit2_reason());
  }
  IndexPtr index(raw_index);
  if (git_repository_set_index(repo.raw(), index.get()) != 0) {
    return make_error("cannot use worktree index " + index_path + ": " + libgit2_reason());
  }
  return Worktree(std::move(repo), directory);
}

Status Worktree::checkout(const std::string& commit) {
  git_repository* repo = repo_->raw();
  CULPRIT_ASSIGN_OR_RETURN(CommitPtr target, lookup_commit(repo, commit));
  const std::string hash = to_hex(*git_commit_id(target.get()));

  git_index* raw_index = nullptr;
  if (git_repository_index(&raw_index, repo) != 0) {
    return make_error("cannot open the index of worktree " + dir_ + ": " + libgit2_reason());
  }
  IndexPtr index(raw_index);

  git_checkout_options options;
  git_checkout_options_init(&options, GIT_CHECKOUT_OPTIONS_VERSION);
  // FORCE makes the directory match the target whatever it holds now; untracked files (build
  // output) stay because REMOVE_UNTRACKED is not set. The baseline is the worktree's own index,
  // i.e. what the previous checkout wrote, not the user's HEAD: tracked files that the target
  // lacks are removed, and the index's stat data lets unchanged files be skipped untouched.
  options.checkout_strategy = GIT_CHECKOUT_FORCE;
  options.baseline_index = index.get();

  current_.reset();
  if (git_checkout_tree(repo, reinterpret_cast<const git_object*>(target.get()), &options) != 0) {
    return make_error("cannot check out " + commit + " in " + dir_ + ": " + libgit2_reason());
  }
  if (git_index_write(index.get()) != 0) {
    return make_error("cannot write the index of worktree " + dir_ + ": " + libgit2_reason());
  }
  current_ = hash;
  return {};
}

}  // namespace culprit::vcs
