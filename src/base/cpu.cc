#include "base/cpu.h"

#include <algorithm>
#include <thread>

namespace culprit {

int cpu_count() {
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

}  // namespace culprit
