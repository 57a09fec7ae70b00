// A POSIX ucontext ping-pong, set up as a user would: set MXCSR, getcontext (which saves it) and
// makecontext the fiber, then swapcontext back and forth. glibc's swapcontext saves and loads
// MXCSR (and the signal mask, a syscall) per context, so a caller set to another value after the
// fiber was made keeps the two sides apart. Nothing else runs per switch.
#include <ucontext.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <vector>

#include "bare_loops/bare_loop.hpp"
#include "bare_loops/fp_control.hpp"

namespace bench_switch::bare {
namespace {

class UcontextPingPong final : public BareLoop {
 public:
  UcontextPingPong(std::uint32_t fiber_mxcsr, std::uint32_t caller_mxcsr)
      : caller_mxcsr_(caller_mxcsr), stack_(64 * 1024) {
    const std::uint32_t own = fp_control_get();
    fp_control_set(fiber_mxcsr);
    if (getcontext(&fiber_) != 0) throw std::runtime_error("getcontext failed");
    fp_control_set(own);
    fiber_.uc_stack.ss_sp = stack_.data();
    fiber_.uc_stack.ss_size = stack_.size();
    fiber_.uc_link = &caller_;  // where the fiber goes when its function returns
    // makecontext passes only int arguments: the pointer travels as two halves.
    const auto self = reinterpret_cast<std::uintptr_t>(this);
    makecontext(&fiber_, reinterpret_cast<void (*)()>(&entry), 2, static_cast<unsigned>(self >> 32),
                static_cast<unsigned>(self & 0xffffffffu));
  }
  ~UcontextPingPong() override {
    if (!started_) return;
    stop_ = true;
    swapcontext(&caller_, &fiber_);  // the fiber returns, and uc_link brings this side back
  }
  double round_trips_ns(std::uint64_t round_trips) override {
    started_ = true;
    const std::uint32_t own = fp_control_get();
    fp_control_set(caller_mxcsr_);
    const std::uint64_t t0 = bare_now_ns();
    for (std::uint64_t i = 0; i < round_trips; ++i) swapcontext(&caller_, &fiber_);
    const std::uint64_t t1 = bare_now_ns();
    fp_control_set(own);
    return static_cast<double>(t1 - t0);
  }

 private:
  static void entry(unsigned hi, unsigned lo) {
    auto* self = reinterpret_cast<UcontextPingPong*>((static_cast<std::uintptr_t>(hi) << 32) | lo);
    while (!self->stop_) swapcontext(&self->fiber_, &self->caller_);
  }

  std::uint32_t caller_mxcsr_;
  std::vector<char> stack_;
  ucontext_t caller_{}, fiber_{};
  bool started_ = false, stop_ = false;
};
}  // namespace

std::unique_ptr<BareLoop> make_ucontext_pingpong(std::uint32_t fiber_mxcsr, std::uint32_t caller_mxcsr) {
  return std::make_unique<UcontextPingPong>(fiber_mxcsr, caller_mxcsr);
}

}  // namespace bench_switch::bare
