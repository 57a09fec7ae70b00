// The process ring: the calling thread is node 0, N - 1 forked children are nodes 1..N-1. The
// futex words are in MAP_SHARED memory (RingBoard), the loop is the thread ring's.
#include <sys/prctl.h>
#include <sys/wait.h>

#include <fmt/format.h>

#include <cerrno>
#include <csignal>
#include <system_error>
#include <vector>

#include "children.hpp"
#include "experiments/ring.hpp"
#include "experiments/ring_kernel.hpp"
#include "measure/clock.hpp"

namespace bench_switch {
namespace {

// Round a ring of 1,000 the stop token takes a few ms; when it is not back in 1 s a node is dead
// or stopped, and waiting longer would not help.
constexpr std::uint64_t kStopTimeoutNs = 1'000'000'000;
constexpr std::uint64_t kExitTimeoutNs = 5'000'000'000;

class ProcessRing final : public KernelRing {
 public:
  ProcessRing(std::size_t n, const Placement& p) : KernelRing(n, /*process_shared=*/true) {
    children_.reserve(n - 1);
    const pid_t parent = getpid();
    try {
      for (std::size_t i = 1; i < n; ++i) {
        const pid_t pid = fork();
        if (pid < 0) throw std::system_error(errno, std::generic_category(), "fork of a ring node");
        if (pid == 0) {
          // A child that outlives a killed parent would wait forever: have the kernel kill it
          // with the parent, and check the parent did not die before the request took effect.
          prctl(PR_SET_PDEATHSIG, SIGKILL);
          if (getppid() != parent) _exit(1);
          ring_node_main(board_, i, p.partner);
          // _exit, never return or exit(): the child holds a copy of the whole harness (Google
          // Benchmark's state, stdio buffers, atexit handlers) that must not run a second time.
          _exit(0);
        }
        children_.push_back(pid);
      }
      start(kStartTimeoutNs);
    } catch (...) {
      end();
      throw;
    }
  }
  ~ProcessRing() override { end(); }

  std::vector<pid_t> tasks() const override {
    std::vector<pid_t> pids = {static_cast<pid_t>(syscall(SYS_gettid))};
    pids.insert(pids.end(), children_.begin(), children_.end());
    return pids;
  }

 private:
  // Once the stop token is back, every child has passed it on and is leaving: each is reaped, and
  // killed if it has not left within 5 s. When the token does not come back (a child died or was
  // stopped), all are killed at once. Either way no process is left behind.
  std::string node_trouble() const override {
    for (std::size_t i = 0; i < children_.size(); ++i) {
      if (child_lives(children_[i])) continue;
      return fmt::format("ring node {} (process {}) {}", i + 1, children_[i], describe_child(children_[i]));
    }
    return "";
  }
  void end() {
    if (children_.empty()) return;
    const bool came_back = !lost() && stop(kStopTimeoutNs);
    const std::uint64_t deadline = now_ns() + (came_back ? kExitTimeoutNs : 0);
    for (const pid_t pid : children_) reap_by(pid, deadline);
    children_.clear();
  }
  std::vector<pid_t> children_;
};

}  // namespace

std::unique_ptr<Handoff> make_process_ring(std::size_t n, const Placement& p) { return std::make_unique<ProcessRing>(n, p); }

}  // namespace bench_switch
