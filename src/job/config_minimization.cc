// Config minimization (reference §2.2, syzbot's "minimize against the baseline"), with the
// bisection's own noise-aware verdict: a candidate config drops its options only when the start
// commit built with it shows the bug -- one of the start commit's titles -- with P(bug present) >=
// --confidence from its runs (search/bug_evidence.h), after up to kMaxBatches batches of --runs.
// A flaky reproducer that stays quiet for a batch makes a candidate fail, which keeps options
// (safe); it cannot make one pass without crashes that match. The search itself is pure
// (kconfig/minimizer.h); this file resolves, builds and runs its candidates.
//
// Every candidate is the bug's config with some options turned off, resolved by make
// olddefconfig on the start commit, and keyed in the store by the resolved .config's digest
// (JobContext::tree_key), so that a resumed job replays the same candidates from their records
// and two candidates that resolve to the same .config are one.
#include <filesystem>
#include <fstream>

#include "base/files.h"
#include "base/sha256.h"
#include "builder/kernel_builder.h"
#include "job/phases.h"
#include "kconfig/config_set.h"
#include "kconfig/kept_options.h"
#include "kconfig/minimizer.h"

namespace culprit::job {
namespace {

namespace fs = std::filesystem;

// Batches of --runs on a candidate before it counts as not reproducing the bug: with a 1-in-2
// reproducer 30 quiet runs happen once in 10^9, with a 1-in-10 one 4% of the time.
constexpr int kMaxBatches = 3;

bool boot_option(const std::string& name) {
  const std::vector<std::string>& boot = builder::required_boot_options();
  return std::find(boot.begin(), boot.end(), name) != boot.end();
}

bool kept(const std::string& name) {
  return kconfig::why_kept(name).has_value() || boot_option(name);
}

std::string digest_of(const std::string& text) {
  return to_hex(sha256(text)).substr(0, 16);
}

// "A, B, C and 12 more" for a log line.
std::string preview(const std::set<std::string>& names) {
  constexpr std::size_t kShown = 4;
  std::vector<std::string> shown;
  for (const std::string& name : names) {
    if (shown.size() == kShown) break;
    shown.push_back(name);
  }
  std::string text = fmt::format("{}", fmt::join(shown, ", "));
  if (names.size() > kShown) text += fmt::format(" and {} more", names.size() - kShown);
  return text;
}

Status write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) return make_error("cannot write " + path);
  return {};
}

// The base the diff is taken against: the user's, or tinyconfig plus what culprit's VM needs
// (docs/config-minimization.md says why not defconfig), as make olddefconfig resolves it.
Result<std::string> base_config(JobContext& job, const builder::BuildRequest& request) {
  const std::string& path = job.options.minimize.base;
  std::string text;
  if (!path.empty()) {
    CULPRIT_ASSIGN_OR_RETURN(text, read_file(path, "base config"));
  } else {
    CULPRIT_ASSIGN_OR_RETURN(text, job.builder.resolve_config(request, "tinyconfig", ""));
    for (const std::string& option : builder::required_boot_options()) {
      text += "CONFIG_" + option + "=y\n";
    }
  }
  return job.builder.resolve_config(request, "olddefconfig", text);
}

}  // namespace

Status minimize_config(JobContext& job, BisectResult& result) {
  const BisectOptions::ConfigMinimization& options = job.options.minimize;
  job.events.emit(PhaseStarted{Phase::minimize, job.start});
  job.events.line("minimizing kernel config");
  CULPRIT_ASSIGN_OR_RETURN(const std::string full_text, read_file(options.full, "kernel config"));
  CULPRIT_ASSIGN_OR_RETURN(builder::BuildRequest request, checkout_for(job, job.start));
  CULPRIT_ASSIGN_OR_RETURN(const std::string full_resolved,
                           job.builder.resolve_config(request, "olddefconfig", full_text));
  CULPRIT_ASSIGN_OR_RETURN(const std::string base_resolved, base_config(job, request));
  const kconfig::ConfigValues full = kconfig::parse_config(full_resolved);
  const kconfig::ConfigValues base = kconfig::parse_config(base_resolved);
  const std::vector<std::string> diff = kconfig::config_diff(base, full, kept);
  // Kept options the bug's config has on must stay on: a candidate without one is not tested.
  std::vector<std::string> kept_on;
  for (const auto& [name, value] : full) {
    if (kconfig::enabled(full, name) && kept(name)) kept_on.push_back(name);
  }
  // syzbot's wording. culprit reads no Kconfig files, so it cannot tell leaves from the options
  // they depend on: every option of the diff is searched (olddefconfig drops dependents).
  job.events.print("kconfig minimization: base={} full={} leaves diff={}",
                   kconfig::count_enabled(base), kconfig::count_enabled(full), diff.size());

  const fs::path dir = fs::path(job.job_dir) / "minimize";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return make_error(fmt::format("cannot create {}: {}", dir.string(), ec.message()));

  kconfig::ConfigMinimizer minimizer(diff, options.build_budget);
  std::string minimized_text = full_resolved;
  std::optional<JobContext::ConfigOverride> accepted;  // none: the bug's own config
  search::BugPresence accepted_presence;
  if (auto start = presence(job, job.tree_key(job.repo.commit(job.start)->tree))) {
    accepted_presence = *start;
  }
  std::set<std::string> resolved_seen = {digest_of(full_resolved)};
  std::size_t number = 0;
  while (std::optional<kconfig::MinimizeCandidate> candidate = minimizer.next()) {
    if (job.cancel_requested()) return make_error("cancelled");
    ++number;
    const std::string what =
        fmt::format("candidate {}: dropping {} of {} options ({})", number, candidate->group.size(),
                    minimizer.kept().size(), preview(candidate->group));
    CULPRIT_ASSIGN_OR_RETURN(
        request, checkout_for(job, job.start));  // the slot may have moved on: check out again
    CULPRIT_ASSIGN_OR_RETURN(
        const std::string resolved,
        job.builder.resolve_config(request, "olddefconfig",
                                   kconfig::without_options(full_resolved, candidate->drop)));
    const kconfig::ConfigValues values = kconfig::parse_config(resolved);
    kconfig::CandidateOutcome outcome;
    outcome.built = false;
    for (const std::string& name : diff) {
      if (kconfig::enabled(values, name)) outcome.still_on.insert(name);
    }
    const std::vector<std::string> lost = kconfig::missing_options(values, kept_on);
    const std::string digest = digest_of(resolved);
    if (!lost.empty()) {
      job.events.print("{}: not tested, make olddefconfig then also turns off CONFIG_{} (kept)",
                       what, lost.front());
      minimizer.record(outcome);
      continue;
    }
    if (!resolved_seen.insert(digest).second) {
      job.events.print("{}: not tested, make olddefconfig turns it into a config tested before",
                       what);
      minimizer.record(outcome);
      continue;
    }
    job.events.line(what);
    const std::string path = (dir / (digest + ".config")).string();
    CULPRIT_TRY(write_text(path, resolved));
    const std::optional<JobContext::ConfigOverride> before = job.config;
    job.config = JobContext::ConfigOverride{path, "+config-" + digest};
    auto measured = measure(job, job.start, Phase::minimize, kMaxBatches);
    const JobContext::ConfigOverride tried = *job.config;
    job.config = before;
    if (!measured) return measured.error();
    outcome.built = true;
    const search::BugPresence& seen = measured->presence;
    outcome.reproduced = measured->built && seen.probability >= job.options.confidence;
    job.events.print(
        "candidate {}: {} ({} of {} runs crashed with the bug's title, P(bug) = {:.3f}): {}",
        number, measured->built ? "built" : "does not build", seen.matching, seen.runs,
        seen.probability, outcome.reproduced ? "dropped" : "kept");
    if (outcome.reproduced) {
      accepted = tried;
      accepted_presence = seen;
      minimized_text = resolved;
    }
    minimizer.record(outcome);
  }

  const std::vector<std::string> dropped = minimizer.dropped();
  const std::vector<std::string> left = minimizer.kept();
  const kconfig::ConfigValues minimized = kconfig::parse_config(minimized_text);
  const std::string output =
      options.output.empty() ? (fs::path(job.job_dir).parent_path() / "minimized.config").string()
                             : options.output;
  CULPRIT_TRY(write_text(
      output, fmt::format("# Minimized by culprit from {} on commit {}: {} of {} options "
                          "dropped\n{}",
                          options.full, job.start, dropped.size(), diff.size(), minimized_text)));
  // What was dropped and why the rest stayed, one option a line.
  std::string report;
  for (const std::string& name : dropped) report += "dropped CONFIG_" + name + "\n";
  for (const std::string& name : left) report += "kept CONFIG_" + name + ": the bug needs it\n";
  for (const std::string& name : kept_on) {
    std::string why =
        boot_option(name) ? "booting culprit's VM needs it" : std::string(*kconfig::why_kept(name));
    report += "kept CONFIG_" + name + ": " + why + "\n";
  }
  CULPRIT_TRY(write_text(output + ".log", report));

  job.events.print(
      "config minimization: {}; dropped {} of {} options ({} on before, {} after), "
      "{} builds for {} candidates",
      minimizer.stop_reason(), dropped.size(), diff.size(), kconfig::count_enabled(full),
      kconfig::count_enabled(minimized), minimizer.builds(), minimizer.candidates());
  job.events.print(
      "minimized config reproduces the bug with probability {:.3f} ({} of {} runs): {}",
      accepted_presence.probability, accepted_presence.matching, accepted_presence.runs, output);
  if (accepted) {
    job.config = accepted;
    if (!options.only) job.events.print("using the minimized config for every commit");
  }
  result.json["config_minimization"] = {
      {"base_options", kconfig::count_enabled(base)},
      {"full_options", kconfig::count_enabled(full)},
      {"minimized_options", kconfig::count_enabled(minimized)},
      {"diff", diff.size()},
      {"dropped", dropped},
      {"needed", left},
      {"builds", minimizer.builds()},
      {"candidates", minimizer.candidates()},
      {"stop", minimizer.stop_reason()},
      {"confidence", accepted_presence.probability},
      {"config", output},
      {"log", output + ".log"},
  };
  return {};
}

}  // namespace culprit::job
