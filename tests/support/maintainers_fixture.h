// A small MAINTAINERS file shared by the tests that look people up in one (vcs/recipients for a
// culprit commit, `culprit maintainers` for files and crashes), so that they agree on who answers
// for what.
#pragma once

#include <string_view>

namespace culprit::testing {

// Three sections in the real format, after the "Maintainers List" heading:
//   WIDGETS         F: drivers/widget/ -- maintainer wendy@widgets.example, reviewer
//                   rita@review.example, list widgets@lists.example;
//   FROBNICATOR API K: \bfrobnicate_\w+\( (a keyword, matched against file contents, changed lines
//                   and commit messages) -- fred@frob.example, frob@lists.example;
//   THE REST        F: * and */ -- Linus (left out, as get_maintainer leaves him out) and
//                   linux-kernel@vger.kernel.org.
// The parser's own tests (unit/maintainers_test.cc) use a larger file with every tag.
inline constexpr std::string_view kMaintainers = R"(Maintainers List
----------------

WIDGETS
M:	Wendy Widget <wendy@widgets.example>
R:	Rita Reviewer <rita@review.example>
L:	widgets@lists.example
S:	Maintained
F:	drivers/widget/

FROBNICATOR API
M:	Fred Frob <fred@frob.example>
L:	frob@lists.example
S:	Supported
K:	\bfrobnicate_\w+\(

THE REST
M:	Linus Torvalds <torvalds@linux-foundation.org>
L:	linux-kernel@vger.kernel.org
S:	Buried alive in reporters
F:	*
F:	*/
)";

}  // namespace culprit::testing
