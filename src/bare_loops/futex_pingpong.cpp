// Two threads on one CPU passing a turn through one futex word per direction: bump the other's
// word and FUTEX_WAKE it, then FUTEX_WAIT on one's own until it changes.
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <stdexcept>
#include <thread>

#include "bare_loops/bare_loop.hpp"

namespace bench_switch::bare {
namespace {

void futex_pingpong_call(std::atomic<std::uint32_t>& word, int op, std::uint32_t value) {
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), op | FUTEX_PRIVATE_FLAG, value, nullptr, nullptr, 0);
}

class FutexPingPong final : public BareLoop {
 public:
  FutexPingPong() : cpu_(sched_getcpu()) {
    if (cpu_ < 0) throw std::runtime_error("sched_getcpu failed");
    partner_ = std::thread([this] { answer(); });
  }
  ~FutexPingPong() override {
    stop_.store(true);
    pass(to_partner_);
    partner_.join();
  }
  double round_trips_ns(std::uint64_t round_trips) override {
    const std::uint64_t t0 = bare_now_ns();
    for (std::uint64_t i = 0; i < round_trips; ++i) {
      pass(to_partner_);
      wait(to_caller_, heard_caller_);
    }
    const std::uint64_t t1 = bare_now_ns();
    return static_cast<double>(t1 - t0);
  }

 private:
  static void pass(std::atomic<std::uint32_t>& word) {
    word.fetch_add(1, std::memory_order_release);
    futex_pingpong_call(word, FUTEX_WAKE, 1);
  }
  static void wait(std::atomic<std::uint32_t>& word, std::uint32_t& heard) {
    while (word.load(std::memory_order_acquire) == heard) futex_pingpong_call(word, FUTEX_WAIT, heard);
    ++heard;
  }
  void answer() {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu_, &one);
    pthread_setaffinity_np(pthread_self(), sizeof one, &one);
    for (;;) {
      wait(to_partner_, heard_partner_);
      if (stop_.load()) return;
      pass(to_caller_);
    }
  }
  int cpu_;
  std::atomic<bool> stop_{false};
  alignas(64) std::atomic<std::uint32_t> to_partner_{0};
  alignas(64) std::atomic<std::uint32_t> to_caller_{0};
  std::uint32_t heard_caller_ = 0, heard_partner_ = 0;
  std::thread partner_;
};
}  // namespace

std::unique_ptr<BareLoop> make_futex_pingpong() { return std::make_unique<FutexPingPong>(); }

}  // namespace bench_switch::bare
