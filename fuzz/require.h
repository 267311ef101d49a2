// The fuzz targets' assertion: a broken invariant stops the fuzzer with a crash it reports and
// keeps the input for.
#pragma once

inline void require(bool condition) {
  if (!condition) __builtin_trap();
}
