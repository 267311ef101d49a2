// The signature of a build artifact, what syzbot prints as `kernel signature:`.
//
// For an ELF file: SHA-256 over the SHA-256 digests of every section that is allocated
// (SHF_ALLOC), not NOBITS and not NOTE, in section-header order: it changes when the loaded code
// or data changes and not for debug info, so two commits that compile to the same kernel have the
// same signature. For any other file: SHA-256 of its bytes. Lower-case hex.
#pragma once

#include <string>

#include "base/result.h"

namespace culprit::builder {

Result<std::string> artifact_signature(const std::string& path);

}  // namespace culprit::builder
