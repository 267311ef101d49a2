#include "backend/kernel_backend.h"

#include <gtest/gtest.h>

#include <string>

namespace culprit::backend {
namespace {

TEST(KernelBackend, MemorySizesInMebibytes) {
  EXPECT_EQ(parse_memory_mb("512").value_or(0), 512);
  EXPECT_EQ(parse_memory_mb("512M").value_or(0), 512);
  EXPECT_EQ(parse_memory_mb("2G").value_or(0), 2048);
  EXPECT_EQ(parse_memory_mb("lots").error().message, "bad memory size `lots` (use 512M or 1G)");
  EXPECT_EQ(parse_memory_mb("32M").error().message,
            "bad memory size `32M` (use 512M or 1G, at least 64M)");
}

TEST(KernelBackend, MissingConfigIsAnErrorBeforeAnyCheck) {
  KernelBackendOptions options;
  options.config = "/nonexistent/kernel.config";
  options.repro = "/nonexistent/repro.c";
  int lines = 0;
  Result<Backend> backend = make_kernel_backend(options, [&](const std::string&) { ++lines; });
  ASSERT_FALSE(backend.ok());
  EXPECT_EQ(backend.error().message, "kernel config not found: /nonexistent/kernel.config");
  EXPECT_EQ(lines, 0);
}

}  // namespace
}  // namespace culprit::backend
