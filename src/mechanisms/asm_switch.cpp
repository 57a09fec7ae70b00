// The floor every stackful switch is held against: bs_switch (asm_switch_x86_64.S) saves six
// registers and swaps the stack pointer. bs_switch_fpenv also saves and restores MXCSR and the x87
// control word, as fcontext does; the two side by side show what the floating-point environment
// costs per switch on this machine.
#include "mechanisms/cooperative.hpp"

#if defined(__x86_64__)
#include <cstdint>
#include <cstring>

#include "mechanisms/one_thread.hpp"
#include "mechanisms/stacks.hpp"

extern "C" void bs_switch(void** save_sp, void* load_sp);
extern "C" void bs_switch_fpenv(void** save_sp, void* load_sp);
extern "C" void bs_fiber_start();

namespace bench_switch {
namespace {

// Lays out a new stack so that the first switch into it pops the registers and "returns" into
// bs_fiber_start, which calls fn(arg) with the stack 16-byte aligned at the call, as the ABI wants.
void* prepare_stack(void* top, void (*fn)(void*), void* arg, bool fpenv) {
  auto t = reinterpret_cast<std::uintptr_t>(top) & ~std::uintptr_t{15};
  // After the pops and the ret, rsp = sp + 8 * (6 regs + 1 ret [+ 1 fpenv]); it must be 0 mod 16.
  const std::size_t words = fpenv ? 8 : 7;
  auto* sp = reinterpret_cast<std::uint64_t*>(t - 16 - words * 8);
  std::uint64_t* w = sp;
  if (fpenv) {
    // Start the fiber with the creator's floating-point environment, as Boost.Context does.
    std::uint32_t mxcsr;
    std::uint16_t fcw;
    asm volatile("stmxcsr %0" : "=m"(mxcsr));
    asm volatile("fnstcw %0" : "=m"(fcw));
    std::memcpy(reinterpret_cast<char*>(w), &mxcsr, 4);
    std::memcpy(reinterpret_cast<char*>(w) + 4, &fcw, 2);
    ++w;
  }
  w[0] = 0;                                      // r15
  w[1] = 0;                                      // r14
  w[2] = reinterpret_cast<std::uint64_t>(arg);   // r13
  w[3] = reinterpret_cast<std::uint64_t>(fn);    // r12
  w[4] = 0;                                      // rbx
  w[5] = 0;                                      // rbp
  w[6] = reinterpret_cast<std::uint64_t>(&bs_fiber_start);
  return sp;
}

template <bool SaveFpEnv>
class AsmSwitch final : public OneThreadHandoff {
  static constexpr auto switch_to = SaveFpEnv ? &bs_switch_fpenv : &bs_switch;

 public:
  explicit AsmSwitch(const Work& work) : OneThreadHandoff(work), fiber_sp_(prepare_stack(stack_.top(), &entry, this, SaveFpEnv)) {}
  // The fiber is left suspended for good and its stack unmapped: nothing on that stack has a
  // destructor to run (entry holds only a pointer).
  void run(std::uint64_t round_trips) override {
    for (std::uint64_t i = 0; i < round_trips; ++i) {
      measuring_send();
      switch_to(&main_sp_, fiber_sp_);
      measuring_receive();
    }
  }

 private:
  static void entry(void* arg) {
    auto* self = static_cast<AsmSwitch*>(arg);
    for (;;) {
      self->partner_answer();
      switch_to(&self->fiber_sp_, self->main_sp_);
    }
  }

  GuardedStack stack_;
  void* main_sp_ = nullptr;
  void* fiber_sp_;
};
}  // namespace

std::unique_ptr<Handoff> make_asm_switch(const Work& work) { return std::make_unique<AsmSwitch<false>>(work); }
std::unique_ptr<Handoff> make_asm_switch_fpenv(const Work& work) { return std::make_unique<AsmSwitch<true>>(work); }

}  // namespace bench_switch
#else
namespace bench_switch {
std::unique_ptr<Handoff> make_asm_switch(const Work&) { return nullptr; }
std::unique_ptr<Handoff> make_asm_switch_fpenv(const Work&) { return nullptr; }
}  // namespace bench_switch
#endif
