// Boost.Context `fiber` (the fcontext back end): one resume() into the fiber and one back is a
// round trip. fcontext saves the callee-saved registers plus MXCSR and the x87 control word.
#include <boost/context/fiber.hpp>

#include "mechanisms/cooperative.hpp"
#include "mechanisms/one_thread.hpp"
#include "mechanisms/stacks.hpp"

namespace bench_switch {
namespace {
namespace ctx = boost::context;

class FcontextFiber final : public OneThreadHandoff {
 public:
  explicit FcontextFiber(const Work& work)
      : OneThreadHandoff(work),
        fiber_(std::allocator_arg, CountedBoostStack(), [this](ctx::fiber&& caller) {
          while (!stop_) {
            partner_answer();
            caller = std::move(caller).resume();
          }
          return std::move(caller);
        }) {}
  // Let the fiber's function return, so its stack is unwound and released the ordinary way.
  ~FcontextFiber() override {
    stop_ = true;
    if (fiber_) fiber_ = std::move(fiber_).resume();
  }
  void run(std::uint64_t round_trips) override {
    for (std::uint64_t i = 0; i < round_trips; ++i) {
      measuring_send();
      fiber_ = std::move(fiber_).resume();
      measuring_receive();
    }
  }

 private:
  bool stop_ = false;
  ctx::fiber fiber_;
};
}  // namespace

std::unique_ptr<Handoff> make_fcontext_fiber(const Work& work) { return std::make_unique<FcontextFiber>(work); }

}  // namespace bench_switch
