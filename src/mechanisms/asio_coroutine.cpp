// Two C++20 coroutines on one Asio event loop (an io_context for one thread, concurrency hint 1),
// each handing the token over by `co_await asio::post(use_awaitable)`: the coroutine queues its
// own resumption behind the other's and returns to the loop, which resumes the other. One switch
// is one pass through the loop's queue (the analogue of asyncio's `await asyncio.sleep(0)`),
// including what Asio's awaitable machinery allocates (from its per-thread recycling cache) and
// dispatches per co_await. Posts alone create no reactor, so the loop never enters the kernel.
//
// run(n) runs the loop until the measuring side has had n answers; it then stops the loop and
// yields, and the next run(n) restarts it. The partner answers only a token sent to it, so the
// first pass of each run, which finds the partner at the head of the queue, is a yield with no
// answer: 2 extra passes per batch of thousands of round trips, not subtracted.
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/use_awaitable.hpp>

#include "mechanisms/cooperative.hpp"
#include "mechanisms/one_thread.hpp"
#include "mechanisms/stacks.hpp"

namespace bench_switch {
namespace {

// Lives in a coroutine's frame, so live_coroutine_frames() counts the two sides' frames from
// their start to their destruction, as it does for CountedCoroutine (Asio allocates the frames).
struct FrameCount {
  FrameCount() { live_coroutine_frames().fetch_add(1); }
  ~FrameCount() { live_coroutine_frames().fetch_sub(1); }
  FrameCount(const FrameCount&) = delete;
  FrameCount& operator=(const FrameCount&) = delete;
};

class AsioCoroutine final : public OneThreadHandoff {
 public:
  explicit AsioCoroutine(const Work& work) : OneThreadHandoff(work) {
    asio::co_spawn(loop_, measuring_side(), asio::detached);
    asio::co_spawn(loop_, partner_side(), asio::detached);
    loop_.poll();  // both start and reach their first yield, so that their frames exist
  }
  // Both sides leave their loops and return; the loop runs until they have, freeing their frames.
  ~AsioCoroutine() override {
    stopping_ = true;
    remaining_ = 0;
    loop_.restart();
    loop_.run();
  }
  void run(std::uint64_t round_trips) override {
    remaining_ = round_trips;
    loop_.restart();
    loop_.run();
  }

 private:
  asio::awaitable<void> measuring_side() {
    const FrameCount frame;
    for (;;) {
      for (; remaining_ > 0; --remaining_) {
        measuring_send();
        partner_turn_ = true;
        co_await asio::post(asio::use_awaitable);
        measuring_receive();
      }
      if (stopping_) co_return;
      loop_.stop();  // run() returns once this handler has yielded
      co_await asio::post(asio::use_awaitable);
    }
  }
  asio::awaitable<void> partner_side() {
    const FrameCount frame;
    while (!stopping_) {
      if (partner_turn_) {
        partner_turn_ = false;
        partner_answer();
      }
      co_await asio::post(asio::use_awaitable);
    }
  }

  asio::io_context loop_{1};
  std::uint64_t remaining_ = 0;
  bool partner_turn_ = false, stopping_ = false;
};
}  // namespace

std::unique_ptr<Handoff> make_asio_coroutine(const Work& work) { return std::make_unique<AsioCoroutine>(work); }

}  // namespace bench_switch
