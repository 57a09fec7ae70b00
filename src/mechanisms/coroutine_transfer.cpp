// C++20 stackless coroutines handing over by symmetric transfer: await_suspend returns the other
// coroutine's handle, so the switch is a tail call into it (no stack growth, no return to a
// scheduler). Only the coroutine frame (heap, a few dozen bytes) holds a task's state.
//
// run(n) resumes the measuring coroutine once; it transfers n times to the partner and back, then
// suspends to the caller. That entry and exit are 2 more transfers per batch, which is under 0.01 %
// of a batch of the size bench_switch times (thousands of round trips), and is not subtracted.
#include "mechanisms/cooperative.hpp"
#include "mechanisms/one_thread.hpp"
#include "mechanisms/counted_coroutine.hpp"

namespace bench_switch {
namespace {

struct TransferTo {
  std::coroutine_handle<> next;
  bool await_ready() const noexcept { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<>) const noexcept { return next; }
  void await_resume() const noexcept {}
};

class CoroutineTransfer final : public OneThreadHandoff {
 public:
  explicit CoroutineTransfer(const Work& work)
      : OneThreadHandoff(work), measuring_(measuring_side()), partner_(partner_side()) {}
  ~CoroutineTransfer() override {
    measuring_.handle.destroy();  // both are suspended at a co_await: destroy() frees the frames
    partner_.handle.destroy();
  }
  void run(std::uint64_t round_trips) override {
    remaining_ = round_trips;
    measuring_.handle.resume();
  }

 private:
  CountedCoroutine measuring_side() {
    for (;;) {
      for (; remaining_ > 0; --remaining_) {
        measuring_send();
        co_await TransferTo{partner_.handle};
        measuring_receive();
      }
      co_await std::suspend_always{};  // back to run()'s caller
    }
  }
  CountedCoroutine partner_side() {
    for (;;) {
      partner_answer();
      co_await TransferTo{measuring_.handle};
    }
  }

  std::uint64_t remaining_ = 0;
  CountedCoroutine measuring_, partner_;
};
}  // namespace

std::unique_ptr<Handoff> make_coroutine_transfer(const Work& work) { return std::make_unique<CoroutineTransfer>(work); }

}  // namespace bench_switch
