// Boost.Fiber: the calling thread's main fiber and one worker fiber, each calling
// this_fiber::yield(); the round-robin scheduler picks the other. Unlike a bare context switch,
// every switch here goes through the scheduler's ready queue, as it does in a real fiber program.
#include <boost/fiber/all.hpp>

#include "mechanisms/cooperative.hpp"
#include "mechanisms/one_thread.hpp"
#include "mechanisms/stacks.hpp"

namespace bench_switch {
namespace {

class BoostFiberYield final : public OneThreadHandoff {
 public:
  explicit BoostFiberYield(const Work& work)
      : OneThreadHandoff(work),
        worker_(std::allocator_arg, CountedBoostStack(), [this] {
          while (!stop_) {
            partner_answer();
            boost::this_fiber::yield();
          }
        }) {}
  ~BoostFiberYield() override {
    stop_ = true;
    worker_.join();
  }
  void run(std::uint64_t round_trips) override {
    for (std::uint64_t i = 0; i < round_trips; ++i) {
      measuring_send();
      boost::this_fiber::yield();
      measuring_receive();
    }
  }

 private:
  bool stop_ = false;
  boost::fibers::fiber worker_;
};
}  // namespace

std::unique_ptr<Handoff> make_boost_fiber_yield(const Work& work) { return std::make_unique<BoostFiberYield>(work); }

}  // namespace bench_switch
