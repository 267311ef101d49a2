// How many CPUs this machine has, for the default parallelism (make -j, VMs at once).
#pragma once

namespace culprit {

// std::thread::hardware_concurrency(), at least 1 (0 means the number is not known).
int cpu_count();

}  // namespace culprit
