// Small text helpers shared by the modules: console logs, build output, config files and commit
// messages are all read as lines of bytes in no particular encoding.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace culprit {

// The lines of `text`: split at each "\n", without it and without a "\r" before it. A last line
// without "\n" is a line too; an empty text has none. The views point into `text`.
std::vector<std::string_view> split_lines(std::string_view text);

// Everything before the first "\n" (all of `text` when there is none).
std::string first_line(std::string_view text);

// `text` without blanks (spaces, tabs, "\r", "\n") at either end.
std::string_view trim(std::string_view text);

// `text` as a decimal int when all of it is one and it lies in [low, high] (a port, a slot count);
// nothing otherwise.
std::optional<int> parse_int(std::string_view text, int low, int high);

// ASCII letters lower-cased, every other byte as it is (e-mail addresses, trailer keys, names).
std::string lower(std::string_view text);

}  // namespace culprit
