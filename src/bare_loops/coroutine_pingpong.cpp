// Two C++20 coroutines handing over by symmetric transfer: await_suspend returns the other's
// handle. The first transfers `left` times to the second and back, then suspends to the caller.
#include <coroutine>
#include <exception>

#include "bare_loops/bare_loop.hpp"

namespace bench_switch::bare {
namespace {

struct CoroutinePingPongTask {
  struct promise_type {
    CoroutinePingPongTask get_return_object() { return {std::coroutine_handle<promise_type>::from_promise(*this)}; }
    std::suspend_always initial_suspend() noexcept { return {}; }
    std::suspend_always final_suspend() noexcept { return {}; }
    void return_void() {}
    void unhandled_exception() { std::terminate(); }
  };
  std::coroutine_handle<promise_type> handle;
};

struct CoroutinePingPongTransfer {
  std::coroutine_handle<> next;
  bool await_ready() const noexcept { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<>) const noexcept { return next; }
  void await_resume() const noexcept {}
};

class CoroutinePingPong final : public BareLoop {
 public:
  CoroutinePingPong() : ping_(ping()), pong_(pong()) {}
  ~CoroutinePingPong() override {
    ping_.handle.destroy();
    pong_.handle.destroy();
  }
  double round_trips_ns(std::uint64_t round_trips) override {
    left_ = round_trips;
    const std::uint64_t t0 = bare_now_ns();
    ping_.handle.resume();
    const std::uint64_t t1 = bare_now_ns();
    return static_cast<double>(t1 - t0);
  }

 private:
  CoroutinePingPongTask ping() {
    for (;;) {
      for (; left_ > 0; --left_) co_await CoroutinePingPongTransfer{pong_.handle};
      co_await std::suspend_always{};
    }
  }
  CoroutinePingPongTask pong() {
    for (;;) co_await CoroutinePingPongTransfer{ping_.handle};
  }
  std::uint64_t left_ = 0;
  CoroutinePingPongTask ping_, pong_;
};
}  // namespace

std::unique_ptr<BareLoop> make_coroutine_pingpong() { return std::make_unique<CoroutinePingPong>(); }

}  // namespace bench_switch::bare
