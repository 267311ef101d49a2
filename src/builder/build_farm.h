// BuildFarm: kernel compiles spread over other machines with distcc (`--build-farm SPEC`).
//
// The spec is a comma-separated list of hosts:
//
//   distcc://HOST[:PORT][?slots=N]      PORT default 3632 (distccd's), N default 2
//   distcc://10.0.0.5?slots=8,distcc://10.0.0.6:3700
//
// Only distcc is supported: icecc needs a scheduler found by broadcast, chroot'ed compiler
// environments and root (docs/farm.md, "Why distcc").
//
// A farm changes how make compiles, not what: each compile's preprocessed source goes to a host
// that runs the same compiler (check_build_farm, build_farm_check.h, makes sure of that before the
// job starts), so a farm-built kernel is the same kernel and has the same signature; the job's key
// does not name the farm. With ccache in front, a cache hit never reaches the farm:
//
//   ccache: CC="ccache COMPILER"  CCACHE_PREFIX=distcc   (ccache runs `distcc COMPILER` on a miss)
//   else:   CC="distcc COMPILER"
//
// and DISTCC_HOSTS lists only the farm (never "localhost"), so a compile runs here only when
// distcc falls back (DISTCC_FALLBACK=1: a host down or failing); the build still succeeds and
// farm_fallback_note() says how many compiles that was and why.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace culprit::builder {

struct FarmHost {
  std::string host;  // a name or an address, as given
  int port = 3632;
  int slots = 2;  // compiles sent to it at once

  std::string address() const;  // "HOST:PORT"
};

struct BuildFarm {
  static constexpr int kDefaultPort = 3632;
  static constexpr int kDefaultSlots = 2;

  std::vector<FarmHost> hosts;

  // Errors name the bad part: "bad --build-farm `icecc://h`: only distcc:// is supported (...)".
  static Result<BuildFarm> parse(std::string_view spec);

  int slots() const;  // of all hosts
  // DISTCC_HOSTS: "10.0.0.5:3632/8 10.0.0.6:3700/2".
  std::string distcc_hosts() const;
  // make -j: every slot of the farm plus the local CPUs (preprocessing, linking and fallback
  // compiles run here).
  int make_jobs(int local_cpus) const;
  // For the job log: "distcc, 1 host, 4 slots, make -j6".
  std::string summary(int make_jobs) const;
};

// CC for make: "ccache COMPILER" (the environment's CCACHE_PREFIX sends misses to the farm) or
// "distcc COMPILER". `compiler` is the compiler table's command (or "gcc"), arguments kept; a
// leading "ccache " in it counts as `through_ccache`.
std::string farm_compiler_command(std::string_view compiler, bool through_ccache);

// distcc's state folder for the builds of a job folder, JOB_DIR/distcc: its per-host backoff
// (a host that failed is left alone for a while) and its slot locks. It must exist before make
// runs.
std::string farm_state_dir(const std::string& job_dir);

// The environment every make of a farm build adds: DISTCC_HOSTS, DISTCC_FALLBACK=1,
// CCACHE_PREFIX=distcc and DISTCC_DIR=farm_state_dir(JOB_DIR).
std::map<std::string, std::string> farm_make_env(const BuildFarm& farm, const std::string& job_dir);

// The job log line about the compiles of a build that distcc ran here instead of on the farm,
// from the build's output: "build farm: 37 compiles ran locally (distcc: failed to distribute,
// running locally instead; host 127.0.0.1:3632: Connection refused)", one compile per distcc
// process however many warnings it printed. Nothing when every compile went to the farm (or to
// ccache), and a compile that failed here too is left out: that is broken code, not the farm.
std::optional<std::string> farm_fallback_note(std::string_view build_output);

}  // namespace culprit::builder
