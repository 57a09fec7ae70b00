// A Boost.Fiber ping-pong, set up as a user would: set MXCSR, make a fiber that yields in a loop
// (its context copies the value), and yield to it from the thread's main fiber through the default
// round-robin scheduler. It runs on a thread of its own, pinned where the caller is: a fiber
// scheduler is per thread, and the harness's own fibers on the caller's thread would otherwise
// take turns in the same ready queue. The caller waits while a batch runs; only the yields are timed.
#include <sched.h>

#include <boost/fiber/all.hpp>

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include "bare_loops/bare_loop.hpp"
#include "bare_loops/fp_control.hpp"

namespace bench_switch::bare {
namespace {

class BoostFiberPingPong final : public BareLoop {
 public:
  BoostFiberPingPong(std::uint32_t fiber_mxcsr, std::uint32_t caller_mxcsr)
      : fiber_mxcsr_(fiber_mxcsr), caller_mxcsr_(caller_mxcsr) {
    cpu_set_t cpus;
    CPU_ZERO(&cpus);
    sched_getaffinity(0, sizeof cpus, &cpus);
    thread_ = std::thread([this, cpus] {
      sched_setaffinity(0, sizeof cpus, &cpus);
      serve();
    });
  }
  ~BoostFiberPingPong() override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      quit_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  double round_trips_ns(std::uint64_t round_trips) override {
    std::unique_lock<std::mutex> lock(mutex_);
    asked_ = round_trips;
    done_ = false;
    wake_.notify_all();
    wake_.wait(lock, [this] { return done_; });
    return ns_;
  }

 private:
  // The loop's own thread: the worker fiber made at fiber_mxcsr_, then batches on request.
  void serve() {
    const std::uint32_t own = fp_control_get();
    fp_control_set(fiber_mxcsr_);
    bool stop = false;
    boost::fibers::fiber worker([&stop] {
      while (!stop) boost::this_fiber::yield();
    });
    fp_control_set(own);
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      wake_.wait(lock, [this] { return quit_ || asked_ != 0; });
      if (quit_) break;
      fp_control_set(caller_mxcsr_);
      const std::uint64_t t0 = bare_now_ns();
      for (std::uint64_t i = 0; i < asked_; ++i) boost::this_fiber::yield();
      const std::uint64_t t1 = bare_now_ns();
      fp_control_set(own);
      ns_ = static_cast<double>(t1 - t0);
      asked_ = 0;
      done_ = true;
      wake_.notify_all();
    }
    lock.unlock();
    stop = true;
    worker.join();
  }

  std::uint32_t fiber_mxcsr_, caller_mxcsr_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::uint64_t asked_ = 0;
  double ns_ = 0;
  bool done_ = false, quit_ = false;
  std::thread thread_;
};
}  // namespace

std::unique_ptr<BareLoop> make_boost_fiber_pingpong(std::uint32_t fiber_mxcsr, std::uint32_t caller_mxcsr) {
  return std::make_unique<BoostFiberPingPong>(fiber_mxcsr, caller_mxcsr);
}

}  // namespace bench_switch::bare
