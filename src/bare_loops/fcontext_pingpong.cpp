// A Boost.Context fiber ping-pong, set up as a user would: set MXCSR, make the fiber (its context
// copies the value), then resume it in a loop. For two sides apart, the caller sets its own value
// after the fiber was made. Nothing else runs per switch.
#include <boost/context/fiber.hpp>

#include "bare_loops/bare_loop.hpp"
#if defined(__x86_64__)
#include <xmmintrin.h>
#endif

namespace bench_switch::bare {
namespace {
namespace ctx = boost::context;

// The register fcontext keeps per context: MXCSR on x86-64, FPCR on aarch64.
std::uint32_t fcontext_pingpong_get() {
#if defined(__x86_64__)
  return _mm_getcsr();
#else
  std::uint64_t v;
  asm volatile("mrs %0, fpcr" : "=r"(v));
  return static_cast<std::uint32_t>(v);
#endif
}
void fcontext_pingpong_set(std::uint32_t value) {
#if defined(__x86_64__)
  _mm_setcsr(value);
#else
  asm volatile("msr fpcr, %0" : : "r"(static_cast<std::uint64_t>(value)));
#endif
}

class FcontextPingPong final : public BareLoop {
 public:
  FcontextPingPong(std::uint32_t fiber_mxcsr, std::uint32_t caller_mxcsr) : caller_mxcsr_(caller_mxcsr) {
    const std::uint32_t own = fcontext_pingpong_get();
    fcontext_pingpong_set(fiber_mxcsr);
    fiber_ = ctx::fiber([this](ctx::fiber&& caller) {
      while (!stop_) caller = std::move(caller).resume();
      return std::move(caller);
    });
    fcontext_pingpong_set(own);
  }
  ~FcontextPingPong() override {
    stop_ = true;
    fiber_ = std::move(fiber_).resume();  // the fiber's function returns: its stack is released
  }
  double round_trips_ns(std::uint64_t round_trips) override {
    const std::uint32_t own = fcontext_pingpong_get();
    fcontext_pingpong_set(caller_mxcsr_);
    const std::uint64_t t0 = bare_now_ns();
    for (std::uint64_t i = 0; i < round_trips; ++i) fiber_ = std::move(fiber_).resume();
    const std::uint64_t t1 = bare_now_ns();
    fcontext_pingpong_set(own);
    return static_cast<double>(t1 - t0);
  }

 private:
  std::uint32_t caller_mxcsr_;
  bool stop_ = false;
  ctx::fiber fiber_;
};
}  // namespace

std::unique_ptr<BareLoop> make_fcontext_pingpong(std::uint32_t fiber_mxcsr, std::uint32_t caller_mxcsr) {
  return std::make_unique<FcontextPingPong>(fiber_mxcsr, caller_mxcsr);
}

}  // namespace bench_switch::bare
