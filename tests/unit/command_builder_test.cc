#include "builder/command_builder.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include "builder/signature.h"
#include "support/test_support.h"

namespace culprit::builder {
namespace {

using namespace std::chrono_literals;
using testing::read_file;
using testing::TempDir;
using testing::write_file;

constexpr char kCommit[] = "0123456789abcdef0123456789abcdef01234567";

BuildRequest request_for(const TempDir& checkout) {
  BuildRequest request;
  request.checkout_dir = checkout.path();
  request.commit = kCommit;
  request.env = {{"CULPRIT_COMMIT", kCommit}};
  return request;
}

CommandBuildConfig config(std::string command, std::string artifact = "") {
  CommandBuildConfig config;
  config.command = std::move(command);
  config.artifact = std::move(artifact);
  return config;
}

BuildResult build_with(const TempDir& checkout, CommandBuildConfig config) {
  CommandBuilder builder(std::move(config));
  return builder.build(request_for(checkout));
}

// Sets an environment variable for the life of the object and puts the old value back.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    setenv(name, value, 1);
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(CommandBuilderTest, EmptyCommandBuildsNothing) {
  TempDir checkout;
  BuildResult result = build_with(checkout, config("", "never-built"));
  EXPECT_EQ(result.status, BuildResult::Status::ok);
  EXPECT_EQ(result.artifact, "");
  EXPECT_EQ(result.signature, "");
  EXPECT_EQ(result.log_tail, "");
  EXPECT_EQ(result.error, "");
}

TEST(CommandBuilderTest, BuildsAndSignsTheArtifact) {
  TempDir checkout;
  write_file(checkout / "main.c", "int main(void) { return 7; }\n");
  BuildResult result = build_with(checkout, config("echo building $CULPRIT_COMMIT; mkdir -p out && "
                                                   "cc -o out/program main.c",
                                                   "out/program"));
  ASSERT_EQ(result.status, BuildResult::Status::ok) << result.error << "\n" << result.log_tail;
  EXPECT_EQ(result.error, "");
  EXPECT_EQ(result.log_tail, std::string("building ") + kCommit + "\n");
  EXPECT_EQ(result.artifact, checkout / "out/program");
  EXPECT_TRUE(std::filesystem::path(result.artifact).is_absolute());
  Result<std::string> signature = artifact_signature(checkout / "out/program");
  ASSERT_TRUE(signature.ok()) << signature.error().message;
  EXPECT_EQ(result.signature, *signature);
  EXPECT_EQ(testing::run_command({checkout / "out/program"}).exit_status, 7);
}

TEST(CommandBuilderTest, RunsInTheCheckout) {
  TempDir checkout;
  BuildResult result = build_with(checkout, config("echo made > made.txt"));
  ASSERT_EQ(result.status, BuildResult::Status::ok) << result.error;
  EXPECT_EQ(read_file(checkout / "made.txt"), "made\n");
}

TEST(CommandBuilderTest, NonZeroExitFailsTheBuild) {
  TempDir checkout;
  BuildResult result = build_with(checkout, config("echo 'main.c:1: error'; exit 2"));
  EXPECT_EQ(result.status, BuildResult::Status::failed);
  EXPECT_EQ(result.error, "build command exited with status 2");
  EXPECT_EQ(result.log_tail, "main.c:1: error\n");
  EXPECT_EQ(result.signature, "");
}

TEST(CommandBuilderTest, SlowBuildTimesOut) {
  TempDir checkout;
  CommandBuildConfig slow = config("echo start; sleep 100");
  slow.timeout = 1s;
  BuildResult result = build_with(checkout, slow);
  EXPECT_EQ(result.status, BuildResult::Status::timed_out);
  EXPECT_EQ(result.error, "build timed out after 1s");
  EXPECT_EQ(result.log_tail, "start\n");
  EXPECT_LT(result.duration_s, 30.0);
}

TEST(CommandBuilderTest, KilledBuildIsAnInfrastructureError) {
  TempDir checkout;
  BuildResult killed = build_with(checkout, config("kill -KILL $$"));
  EXPECT_EQ(killed.status, BuildResult::Status::infra_error);
  EXPECT_EQ(killed.error, "build was killed (out of memory?)");
  // What the shell reports when the compiler it ran was killed.
  BuildResult child_killed = build_with(checkout, config("sh -c 'kill -KILL $$'; exit $?"));
  EXPECT_EQ(child_killed.status, BuildResult::Status::infra_error);
  EXPECT_EQ(child_killed.error, "build was killed (out of memory?)");
}

TEST(CommandBuilderTest, OtherSignalsFailTheBuild) {
  TempDir checkout;
  BuildResult result = build_with(checkout, config("kill -SEGV $$"));
  EXPECT_EQ(result.status, BuildResult::Status::failed);
  EXPECT_EQ(result.error, "build was killed by signal SEGV");
}

TEST(CommandBuilderTest, MissingArtifactFailsTheBuild) {
  TempDir checkout;
  BuildResult result = build_with(checkout, config("true", "out/vmlinux"));
  EXPECT_EQ(result.status, BuildResult::Status::failed);
  EXPECT_EQ(result.error, "build did not produce the artifact: " + checkout / "out/vmlinux");
  EXPECT_EQ(result.signature, "");
}

TEST(CommandBuilderTest, NonElfArtifactIsHashedWhole) {
  TempDir checkout;
  BuildResult result = build_with(checkout, config("printf 'image' > disk.img", "disk.img"));
  ASSERT_EQ(result.status, BuildResult::Status::ok) << result.error;
  EXPECT_EQ(result.signature,
            testing::must_run({"sha256sum", checkout / "disk.img"}).substr(0, 64));
}

TEST(CommandBuilderTest, KeepsTheEndOfTheLog) {
  TempDir checkout;
  CommandBuildConfig chatty = config("seq 1 100000");
  chatty.log_limit = 13;
  BuildResult result = build_with(checkout, chatty);
  ASSERT_EQ(result.status, BuildResult::Status::ok) << result.error;
  EXPECT_EQ(result.log_tail, "99999\n100000\n");
}

TEST(CommandBuilderTest, MissingCheckoutIsAnInfrastructureError) {
  TempDir parent;
  CommandBuilder builder(config("true"));
  BuildRequest request;
  request.checkout_dir = parent / "gone";
  request.commit = kCommit;
  BuildResult result = builder.build(request);
  EXPECT_EQ(result.status, BuildResult::Status::infra_error);
  EXPECT_NE(result.error.find(parent / "gone"), std::string::npos) << result.error;
}

TEST(CommandBuilderTest, MeasuresDuration) {
  TempDir checkout;
  BuildResult result = build_with(checkout, config("sleep 0.2"));
  EXPECT_GE(result.duration_s, 0.2);
}

TEST(CommandBuilderTest, ReportsTheCompiler) {
  std::string cc_version = testing::must_run({"cc", "--version"});
  std::string first_line = cc_version.substr(0, cc_version.find('\n'));
  ASSERT_FALSE(first_line.empty());
  ScopedEnv no_cc("CC", "");
  EXPECT_EQ(detect_compiler(), first_line);
  TempDir checkout;
  EXPECT_EQ(build_with(checkout, config("true")).compiler, first_line);
}

TEST(CommandBuilderTest, CompilerComesFromCC) {
  TempDir dir;
  write_file(dir / "fake-cc", "#!/bin/sh\necho \"fakecc 1.0 $*\"\necho second line\n");
  testing::must_run({"chmod", "+x", dir / "fake-cc"});
  {
    ScopedEnv cc("CC", (dir / "fake-cc -m64").c_str());
    EXPECT_EQ(detect_compiler(), "fakecc 1.0 -m64 --version");
  }
  {
    ScopedEnv cc("CC", (dir / "no-such-compiler").c_str());
    EXPECT_EQ(detect_compiler(), "");
  }
}

}  // namespace
}  // namespace culprit::builder
