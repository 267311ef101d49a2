#include "support/synthetic_history.h"

#include <algorithm>
#include <cstring>
#include <random>
#include <vector>

namespace culprit::testing {

namespace {

using Index = vcs::CommitGraph::Index;

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

vcs::Oid synthetic_oid(std::uint64_t seed, std::size_t node) {
  vcs::Oid oid;
  std::uint64_t state = splitmix64(seed) ^ node;
  for (std::size_t offset = 0; offset < oid.bytes.size(); offset += 8) {
    state = splitmix64(state);
    std::memcpy(oid.bytes.data() + offset, &state,
                std::min<std::size_t>(8, oid.bytes.size() - offset));
  }
  return oid;
}

// Portable draws (the standard distributions differ between library implementations, and a seed
// must give the same history everywhere).
class Random {
 public:
  explicit Random(std::uint64_t seed) : engine_(seed) {}
  std::size_t below(std::size_t bound) { return static_cast<std::size_t>(engine_() % bound); }
  double unit() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

 private:
  std::mt19937_64 engine_;
};

}  // namespace

vcs::CommitGraph make_synthetic_history(const SyntheticHistoryOptions& options) {
  Random random(options.seed);
  vcs::CommitGraph::Builder builder;
  builder.reserve(options.commits, options.commits * 5 / 4);
  std::vector<Index> mainline;
  std::vector<Index> topics;  // tips of the open topic branches
  std::vector<Index> parents;

  std::size_t count = 0;
  auto commit = [&](std::span<const Index> from) {
    const Index node = builder.add_indexed(synthetic_oid(options.seed, count), from,
                                           1'000'000'000 + 60 * static_cast<std::int64_t>(count));
    ++count;
    return node;
  };
  auto take_topic = [&](std::size_t position) {
    const Index tip = topics[position];
    topics[position] = topics.back();
    topics.pop_back();
    return tip;
  };
  auto merge_into_mainline = [&](std::size_t topic_count) {
    parents.assign(1, mainline.back());
    for (std::size_t i = 0; i < topic_count; ++i)
      parents.push_back(take_topic(random.below(topics.size())));
    mainline.push_back(commit(parents));
  };

  while (count < options.commits) {
    const std::size_t remaining = options.commits - count;
    // Room left for a new topic's first commit and one merge per open topic, this one included.
    const bool room_for_topic = remaining >= topics.size() + 2;
    if (mainline.empty()) {
      mainline.push_back(commit({}));
    } else if (!topics.empty() && remaining <= topics.size() + 1) {
      merge_into_mainline(1);  // close every topic so that the last commit reaches everything
    } else if (random.unit() < options.topic_share && (room_for_topic || !topics.empty())) {
      const bool new_topic =
          topics.empty() || (topics.size() < options.max_open_topics && random.unit() < 0.15);
      if (new_topic && room_for_topic) {
        const std::size_t age = random.below(std::min(options.max_fork_age, mainline.size()));
        const Index fork = mainline[mainline.size() - 1 - age];
        topics.push_back(commit(std::span<const Index>(&fork, 1)));
      } else if (!topics.empty()) {
        const std::size_t target = random.below(topics.size());
        parents.assign(1, topics[target]);
        if (topics.size() >= 2 && random.unit() < options.nested_merge_chance) {
          std::size_t absorbed = random.below(topics.size() - 1);
          if (absorbed >= target) ++absorbed;
          parents.push_back(topics[absorbed]);
          topics[target] = commit(parents);
          take_topic(absorbed);
        } else {
          topics[target] = commit(parents);
        }
      } else {
        const Index tip = mainline.back();
        mainline.push_back(commit(std::span<const Index>(&tip, 1)));
      }
    } else if (!topics.empty() && random.unit() < 0.35) {
      std::size_t topic_count = 1;
      if (topics.size() >= 2 && random.unit() < options.octopus_chance) {
        topic_count = 2 + random.below(std::min<std::size_t>(3, topics.size() - 1));
      }
      merge_into_mainline(topic_count);
    } else {
      const Index tip = mainline.back();
      mainline.push_back(commit(std::span<const Index>(&tip, 1)));
    }
  }
  return std::move(builder).build();
}

}  // namespace culprit::testing
