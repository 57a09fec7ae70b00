// POSIX ucontext: swapcontext() saves and restores the whole register file *and the signal mask*,
// and the signal mask costs a rt_sigprocmask syscall per switch; this mechanism shows that price.
#include <ucontext.h>

#include <cstdint>

#include "mechanisms/cooperative.hpp"
#include "mechanisms/one_thread.hpp"
#include "mechanisms/stacks.hpp"

namespace bench_switch {
namespace {

class UcontextSwitch final : public OneThreadHandoff {
 public:
  explicit UcontextSwitch(const Work& work) : OneThreadHandoff(work) {
    getcontext(&fiber_);
    fiber_.uc_stack.ss_sp = stack_.base();
    fiber_.uc_stack.ss_size = stack_.size();
    fiber_.uc_link = &main_;  // where the fiber goes when its function returns
    // makecontext passes only int arguments: the pointer travels as two halves.
    const auto self = reinterpret_cast<std::uintptr_t>(this);
    makecontext(&fiber_, reinterpret_cast<void (*)()>(&entry), 2, static_cast<unsigned>(self >> 32),
                static_cast<unsigned>(self & 0xffffffffu));
  }
  ~UcontextSwitch() override {
    if (started_) {
      stop_ = true;
      swapcontext(&main_, &fiber_);  // the fiber returns, and uc_link brings us back
    }
  }
  void run(std::uint64_t round_trips) override {
    started_ = true;
    for (std::uint64_t i = 0; i < round_trips; ++i) {
      measuring_send();
      swapcontext(&main_, &fiber_);
      measuring_receive();
    }
  }

 private:
  static void entry(unsigned hi, unsigned lo) {
    auto* self = reinterpret_cast<UcontextSwitch*>((static_cast<std::uintptr_t>(hi) << 32) | lo);
    while (!self->stop_) {
      self->partner_answer();
      swapcontext(&self->fiber_, &self->main_);
    }
  }

  GuardedStack stack_;
  ucontext_t main_{}, fiber_{};
  bool started_ = false, stop_ = false;
};
}  // namespace

std::unique_ptr<Handoff> make_ucontext_switch(const Work& work) { return std::make_unique<UcontextSwitch>(work); }

}  // namespace bench_switch
