// The floor every stackful switch is held against: bs_switch (mechanisms/asm_switch.hpp) saves the
// callee-saved registers and swaps the stack pointer. bs_switch_fpenv also saves and restores the
// floating-point control register, as fcontext does; the two side by side show what the
// floating-point environment costs per switch on this machine.
#include "mechanisms/cooperative.hpp"

#include "arch/current.hpp"
#include "mechanisms/asm_switch.hpp"
#include "mechanisms/one_thread.hpp"
#include "mechanisms/stacks.hpp"

namespace bench_switch {
namespace {

template <bool SaveFpEnv>
class AsmSwitch final : public OneThreadHandoff {
  static constexpr auto switch_to = SaveFpEnv ? &bs_switch_fpenv : &bs_switch;

 public:
  explicit AsmSwitch(const Work& work) : OneThreadHandoff(work), fiber_sp_(arch::prepare_switch_stack(stack_.top(), &entry, this, SaveFpEnv)) {}
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
