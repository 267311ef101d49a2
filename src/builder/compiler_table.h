// CompilerTable: which compiler builds a kernel commit, chosen by the newest release tag reachable
// from it (syzbot's idea, reference §3.3: old kernels do not build with new compilers).
//
// File format, one entry a line, `#` starts a comment:
//
//   # from release   compiler command (the rest of the line, passed as make's CC=)
//   v6.1             gcc-12
//   v5.10            gcc-10
//   default          gcc
//
// An entry applies to commits whose newest reachable release tag is at least its version and
// below the next entry's. `default` applies to commits older than every entry or with no release
// tag at all; without a `default` line (and without a file) it is the system compiler ("").
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/release_version.h"
#include "base/result.h"

namespace culprit::builder {

class CompilerTable {
 public:
  struct Entry {
    ReleaseVersion from;
    std::string tag;       // as written in the file
    std::string compiler;  // command, may hold arguments ("ccache gcc-12")
  };

  static Result<CompilerTable> parse(std::string_view text, const std::string& source_name);
  static Result<CompilerTable> load(const std::string& path);

  // The compiler for a commit whose reachable tags are `tags` (any names; non-releases are
  // ignored). "" means the system compiler.
  std::string compiler_for(const std::vector<std::string>& tags) const;
  // The newest release among `tags`, or nothing.
  static std::optional<std::string> newest_release(const std::vector<std::string>& tags);

  const std::vector<Entry>& entries() const { return entries_; }  // newest first
  const std::string& default_compiler() const { return default_; }

 private:
  std::vector<Entry> entries_;
  std::string default_;
};

}  // namespace culprit::builder
