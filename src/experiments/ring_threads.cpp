// The thread ring: the calling thread is node 0, N - 1 std::threads are nodes 1..N-1.
#include <thread>
#include <vector>

#include "experiments/ring.hpp"
#include "experiments/ring_kernel.hpp"

namespace bench_switch {
namespace {


class ThreadRing final : public KernelRing {
 public:
  ThreadRing(std::size_t n, const Placement& p) : KernelRing(n, /*process_shared=*/false) {
    threads_.reserve(n - 1);
    try {
      for (std::size_t i = 1; i < n; ++i)
        threads_.emplace_back([this, i, cpus = p.partner] { ring_node_main(board_, i, cpus); });
      start(kStartTimeoutNs);
    } catch (...) {
      end();  // the threads made so far (1..k, in order) pass the stop token on and are joined
      throw;
    }
  }
  ~ThreadRing() override { end(); }

  std::vector<pid_t> tasks() const override {
    std::vector<pid_t> tids = {static_cast<pid_t>(syscall(SYS_gettid))};
    for (std::size_t i = 1; i < board_.size(); ++i) tids.push_back(board_.slot(i).tid.load());
    return tids;
  }

 private:
  void end() {
    if (threads_.empty()) return;
    // No wait for the stop token to come back: joining waits until it has passed every thread
    // (threads cannot die alone, and cannot be killed either).
    stop(/*timeout_ns=*/0);
    for (std::thread& t : threads_) t.join();
    threads_.clear();
  }
  std::vector<std::thread> threads_;
};

}  // namespace

std::unique_ptr<Handoff> make_thread_ring(std::size_t n, const Placement& p) { return std::make_unique<ThreadRing>(n, p); }

}  // namespace bench_switch
