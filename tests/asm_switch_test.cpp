// The hand-written floor switch preserves every register the ABI says a call preserves: each side
// fills all of them with its own known values (asm_switch_registers_<arch>.S), switches away through
// bs_switch or bs_switch_fpenv, and finds exactly its values again when switched back to, while
// the other side has held different values in the same registers in between.
#include <gtest/gtest.h>

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "arch/current.hpp"
#include "mechanisms/asm_switch.hpp"
#include "mechanisms/stacks.hpp"

extern "C" void bs_test_switch_with_known_registers(void** save_sp, void* load_sp, std::uint64_t seed,
                                                    std::uint64_t* after, void (*sw)(void**, void*));
extern "C" const char bs_test_callee_saved_names[];

namespace bench_switch {
namespace {

std::vector<std::string> register_names() {
  std::istringstream in(bs_test_callee_saved_names);
  std::vector<std::string> names;
  for (std::string n; in >> n;) names.push_back(n);
  return names;
}

constexpr std::uint64_t kMainSeed = 0x1111'0000'0000'0000, kFiberSeed = 0x2222'0000'0000'0000;
constexpr int kRoundTrips = 3;

// Both sides' registers after every switch back to them.
struct Sides {
  using SwitchFn = void (*)(void**, void*);
  SwitchFn sw;
  void* main_sp = nullptr;
  void* fiber_sp = nullptr;
  std::uint64_t main_after[kRoundTrips][32] = {};
  std::uint64_t fiber_after[kRoundTrips][32] = {};
  int fiber_resumed = 0;

  static void fiber(void* arg) {
    auto* s = static_cast<Sides*>(arg);
    // Each time the main side resumes this one: record, and switch back with the same values.
    for (;;) {
      std::uint64_t* after = s->fiber_after[s->fiber_resumed < kRoundTrips ? s->fiber_resumed : kRoundTrips - 1];
      bs_test_switch_with_known_registers(&s->fiber_sp, s->main_sp, kFiberSeed, after, s->sw);
      ++s->fiber_resumed;
    }
  }
};

void expect_preserved(Sides::SwitchFn sw, const char* what) {
  const std::vector<std::string> names = register_names();
  ASSERT_GE(names.size(), 6u);
  ASSERT_LE(names.size(), 32u);
  GuardedStack stack;
  Sides s{sw};
  s.fiber_sp = arch::prepare_switch_stack(stack.top(), &Sides::fiber, &s, sw == &bs_switch_fpenv);
  for (int round = 0; round < kRoundTrips; ++round)
    bs_test_switch_with_known_registers(&s.main_sp, s.fiber_sp, kMainSeed, s.main_after[round], sw);
  // The fiber was resumed from its second switch on: kRoundTrips - 1 times.
  EXPECT_EQ(s.fiber_resumed, kRoundTrips - 1) << what;
  for (int round = 0; round < kRoundTrips; ++round)
    for (std::size_t i = 0; i < names.size(); ++i) {
      EXPECT_EQ(s.main_after[round][i], kMainSeed + i) << what << ": the caller's " << names[i] << ", round trip " << round;
      if (round < kRoundTrips - 1) {
        EXPECT_EQ(s.fiber_after[round][i], kFiberSeed + i) << what << ": the fiber's " << names[i] << ", round trip " << round;
      }
    }
  // The fiber is left suspended for good, as AsmSwitch leaves its own: nothing on its stack needs destroying.
}

TEST(FloorSwitch, PreservesEveryCalleeSavedRegister) { expect_preserved(&bs_switch, "bs_switch"); }
TEST(FloorSwitch, WithTheFpEnvironmentPreservesEveryCalleeSavedRegister) {
  expect_preserved(&bs_switch_fpenv, "bs_switch_fpenv");
}

}  // namespace
}  // namespace bench_switch
