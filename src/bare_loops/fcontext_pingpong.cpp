// A Boost.Context fiber ping-pong, set up as a user would: set MXCSR, make the fiber (its context
// copies the value), then resume it in a loop. For two sides apart, the caller sets its own value
// after the fiber was made. Nothing else runs per switch.
#include <boost/context/fiber.hpp>

#include "bare_loops/bare_loop.hpp"
#include "bare_loops/fp_control.hpp"

namespace bench_switch::bare {
namespace {
namespace ctx = boost::context;

class FcontextPingPong final : public BareLoop {
 public:
  FcontextPingPong(std::uint32_t fiber_mxcsr, std::uint32_t caller_mxcsr) : caller_mxcsr_(caller_mxcsr) {
    const std::uint32_t own = fp_control_get();
    fp_control_set(fiber_mxcsr);
    fiber_ = ctx::fiber([this](ctx::fiber&& caller) {
      while (!stop_) caller = std::move(caller).resume();
      return std::move(caller);
    });
    fp_control_set(own);
  }
  ~FcontextPingPong() override {
    stop_ = true;
    fiber_ = std::move(fiber_).resume();  // the fiber's function returns: its stack is released
  }
  double round_trips_ns(std::uint64_t round_trips) override {
    const std::uint32_t own = fp_control_get();
    fp_control_set(caller_mxcsr_);
    const std::uint64_t t0 = bare_now_ns();
    for (std::uint64_t i = 0; i < round_trips; ++i) fiber_ = std::move(fiber_).resume();
    const std::uint64_t t1 = bare_now_ns();
    fp_control_set(own);
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
