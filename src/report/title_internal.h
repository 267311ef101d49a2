// Internal helpers of src/report shared between the parser and the title code.
#pragma once

#include <string>
#include <string_view>

namespace culprit::report {

// The guilty function named by a normalised title: the identifier after its last " in ".
std::string title_frame(std::string_view title);

}  // namespace culprit::report
