#include "support/history.h"

#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "support/test_support.h"

namespace culprit::testing {

History make_linear_history(int size) {
  History history;
  for (int i = 0; i < size; ++i) {
    HistoryCommit commit;
    if (i > 0) commit.parents = {i - 1};
    commit.message = "commit " + std::to_string(i);
    history.commits.push_back(commit);
  }
  history.tip = size - 1;
  return history;
}

History make_merge_history(int size, std::uint32_t seed, int max_fork_age) {
  std::mt19937 rng(seed);
  History history;
  std::vector<int> mainline;
  auto add = [&](std::vector<int> parents, std::string message) {
    history.commits.push_back({std::move(parents), std::move(message), false, ""});
    return static_cast<int>(history.commits.size()) - 1;
  };
  mainline.push_back(add({}, "mainline 0"));
  int topics = 0;
  while (static_cast<int>(history.commits.size()) < size) {
    int roll = static_cast<int>(rng() % 10);
    if (roll < 5 || mainline.size() < 3) {
      mainline.push_back(add({mainline.back()}, "mainline " + std::to_string(mainline.size())));
      continue;
    }
    // One topic branch (or, now and then, three merged at once by an octopus merge).
    int branches = roll == 9 ? 3 : 1;
    std::vector<int> heads;
    for (int b = 0; b < branches; ++b) {
      int age = 1 + static_cast<int>(rng() % std::min<std::size_t>(max_fork_age, mainline.size()));
      int base = mainline[mainline.size() - age];
      int length = 1 + static_cast<int>(rng() % 6);
      int head = base;
      int topic = ++topics;
      for (int k = 0; k < length; ++k) {
        head = add({head}, "topic " + std::to_string(topic) + " commit " + std::to_string(k));
      }
      heads.push_back(head);
    }
    std::vector<int> parents = {mainline.back()};
    parents.insert(parents.end(), heads.begin(), heads.end());
    mainline.push_back(add(parents, branches > 1 ? "octopus merge" : "merge topic"));
  }
  history.tip = mainline.back();
  return history;
}

std::vector<std::string> write_history(const History& history, const std::string& dir) {
  std::filesystem::create_directories(dir);
  git(dir, {"init", "-q", "--initial-branch=main", "."});
  // Each commit adds file f<i>; a merge also brings the files of its other parents' side, so a
  // commit's tree is the union of what its ancestors added.
  std::vector<std::set<int>> files(history.commits.size());
  std::ostringstream stream;
  std::int64_t time = 1600000000;
  for (std::size_t i = 0; i < history.commits.size(); ++i) {
    const HistoryCommit& commit = history.commits[i];
    for (int parent : commit.parents) files[i].insert(files[parent].begin(), files[parent].end());
    files[i].insert(static_cast<int>(i));
    stream << "commit refs/heads/culprit-import\nmark :" << i + 1 << "\n";
    stream << "author Test Author <author@example.org> " << time << " +0000\n";
    stream << "committer Test Committer <committer@example.org> " << time << " +0000\n";
    time += 60;
    stream << "data " << commit.message.size() << "\n" << commit.message << "\n";
    if (commit.parents.empty()) {
      stream << "deleteall\n";
    } else {
      stream << "from :" << commit.parents[0] + 1 << "\n";
      for (std::size_t p = 1; p < commit.parents.size(); ++p) {
        stream << "merge :" << commit.parents[p] + 1 << "\n";
      }
    }
    // Files that the first parent lacks.
    std::set<int> base = commit.parents.empty() ? std::set<int>() : files[commit.parents[0]];
    for (int file : files[i]) {
      if (base.count(file)) continue;
      std::string content = "change " + std::to_string(file) + "\n";
      stream << "M 644 inline f" << file << "\ndata " << content.size() << "\n" << content << "\n";
    }
    if (commit.broken) {
      stream << "M 644 inline broken\ndata 7\nbroken\n\n";
    } else {
      stream << "D broken\n";
    }
    stream << "\n";
  }
  for (std::size_t i = 0; i < history.commits.size(); ++i) {
    if (!history.commits[i].tag.empty()) {
      stream << "reset refs/tags/" << history.commits[i].tag << "\nfrom :" << i + 1 << "\n\n";
    }
  }
  stream << "reset refs/heads/main\nfrom :" << history.tip + 1 << "\n\n";
  write_file(dir + "/.git/culprit-import.stream", stream.str());
  must_run({"sh", "-c",
            "git fast-import --quiet --export-marks=.git/culprit-import.marks "
            "< .git/culprit-import.stream"},
           dir);
  git(dir, {"update-ref", "-d", "refs/heads/culprit-import"});
  git(dir, {"checkout", "-q", "-f", "main"});
  std::vector<std::string> hashes(history.commits.size());
  std::istringstream marks(read_file(dir + "/.git/culprit-import.marks"));
  std::string mark, hash;
  while (marks >> mark >> hash) hashes[std::stoi(mark.substr(1)) - 1] = hash;
  return hashes;
}

}  // namespace culprit::testing
