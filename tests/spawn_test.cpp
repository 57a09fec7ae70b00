// Family spawn (experiments/spawn.hpp): every spawned task runs to its end and is released (no
// child left, no stack or frame alive). No test asserts a timing.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "experiments/spawn.hpp"
#include "tasks.hpp"

namespace bench_switch {
namespace {

TEST(Spawn, EveryKindRunsItsTaskToTheEndAndReleasesIt) {
  PooledFiberSpawner pooled;
  const std::vector<std::pair<const char*, std::function<bool()>>> kinds = {
      {"thread", spawn_thread},
      {"fork", spawn_fork},
      {"fiber_fixed_stack", spawn_fiber_fixed_stack},
      {"fiber_pooled_stack", [&pooled] { return pooled(); }},
      {"coroutine", spawn_coroutine},
  };
  const std::size_t threads_before = threads_of_this_process();
  for (const auto& [name, spawn] : kinds) {
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(spawn()) << name;
    expect_nothing_alive(name);
  }
  EXPECT_EQ(threads_of_this_process(), threads_before) << "a spawned thread was not joined";
}

TEST(Spawn, PosixSpawnRunsAProgramAndReapsIt) {
  const std::string program = find_program("true");
  if (program.empty()) GTEST_SKIP() << "no 'true' program here";
  EXPECT_EQ(program.front(), '/') << program;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(spawn_posix_spawn(program));
  expect_nothing_alive("posix_spawn");
}

TEST(Spawn, AProgramThatFailsIsReportedAndStillReaped) {
  const std::string program = find_program("false");
  if (program.empty()) GTEST_SKIP() << "no 'false' program here";
  EXPECT_FALSE(spawn_posix_spawn(program));
  EXPECT_FALSE(spawn_posix_spawn("/nonexistent/program"));
  expect_nothing_alive("a failing posix_spawn");
}

TEST(Spawn, FindProgramSaysWhenThereIsNone) {
  EXPECT_EQ(find_program("bench-switch-no-such-program"), "");
}

}  // namespace
}  // namespace bench_switch
