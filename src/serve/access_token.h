// The service's bearer token. A job runs arbitrary build and test commands, so whoever may submit
// one may run code as the service: every request that creates or changes something carries the
// token (`Authorization: Bearer T`, or the cookie the login form sets). The service makes one on
// first start, 32 random bytes as hex, in `<state-dir>/token` with mode 0600.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace culprit::serve {

// The token in `path`; when `create` and the file does not exist, a new one is written there
// (mode 0600). Error: the file cannot be read or made, is empty, or can be read by others.
Result<std::string> load_token(const std::string& path, bool create);

// Whether `given` is `token`, in time that does not depend on where they differ.
bool token_matches(std::string_view given, const std::string& token);

}  // namespace culprit::serve
