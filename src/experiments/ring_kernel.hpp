// What the thread ring and the process ring share: one futex word per node, the nodes' loop (one
// piece of code for both), and node 0's side of run(). Only how the nodes are started and ended
// differs (ring_threads.cpp, ring_processes.cpp).
#pragma once
#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "experiments/ring_route.hpp"
#include "handoff.hpp"
#include "mechanisms/kernel_pair.hpp"  // SideCount, bump
#include "mechanisms/latency_stamps.hpp"
#include "wait_bound.hpp"

namespace bench_switch {

// One node's mailbox, on a cache line of its own, so that a hop writes only the receiver's line.
struct alignas(64) RingSlot {
  std::atomic<std::uint32_t> bell{0};  // the node's futex word: bumped once per token
  std::atomic<pid_t> tid{0};           // the node's kernel task, published once it runs
  RingToken token;  // written by the sender before it bumps the bell, read by the node after it
  SideCount count;  // written by this node only
  StampSlot stamp{0};  // the sender's stamp, beside the token (latency_stamps.hpp)
};

struct alignas(64) RingHeader {
  std::atomic<std::uint32_t> started{0};  // nodes 1..N-1 running: a futex word node 0 waits on
  std::atomic<std::uint32_t> pin_refused{0};
  std::atomic<bool> stamping{false};  // written by node 0 between runs only
};

// The header and N slots in one mapping: MAP_SHARED for processes (fork() does not copy it, so
// every node sees the same words), private for threads. Each node's latency histogram in a
// second mapping, away from the slots: a node writes its own histogram and no one else's.
class RingBoard {
 public:
  RingBoard(std::size_t n, bool process_shared);
  ~RingBoard();
  RingBoard(const RingBoard&) = delete;
  RingBoard& operator=(const RingBoard&) = delete;

  std::size_t size() const { return n_; }
  RingHeader& header() const { return *header_; }
  RingSlot& slot(std::size_t i) const { return slots_[i]; }
  LatencyHistogram& samples(std::size_t i) const { return samples_[i]; }

  // As the raw futex carrier (carriers/futex.hpp): publish, bump the bell, and always FUTEX_WAKE,
  // with no "is anyone waiting" shortcut.
  void send(std::size_t to, const RingToken& t) {
    RingSlot& s = slots_[to];
    s.token = t;
    s.bell.fetch_add(1, std::memory_order_release);  // publishes the token
    futex(s.bell, FUTEX_WAKE, 1, nullptr);
  }
  // `heard`: the bells this node has already answered, kept in the node's own task. Nothing (and
  // `heard` unchanged) when the wait outlived its bound (wait_bound.hpp).
  std::optional<RingToken> receive(std::size_t node, std::uint32_t& heard) const {
    RingSlot& s = slots_[node];
    const PartnerWait wait;
    while (s.bell.load(std::memory_order_acquire) == heard) {
      if (futex(s.bell, FUTEX_WAIT, heard, nullptr) != 0 && wait.expired()) return std::nullopt;
    }
    ++heard;
    return s.token;
  }
  // Waits until `word` is no longer `seen`, or until CLOCK_MONOTONIC passes `deadline_ns`.
  bool wait_change(std::atomic<std::uint32_t>& word, std::uint32_t seen, std::uint64_t deadline_ns) const;
  void wake_all(std::atomic<std::uint32_t>& word) const;

 private:
  long futex(std::atomic<std::uint32_t>& word, int op, std::uint32_t val, const timespec* timeout) const {
    return syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), op | private_flag_, val, timeout, nullptr, 0);
  }
  std::size_t n_, bytes_;
  int private_flag_;
  void* mapping_;
  RingHeader* header_;
  RingSlot* slots_;
  void* samples_mapping_;
  LatencyHistogram* samples_;
};

// A node 1..N-1, from its start to the stop token: pins itself to `cpus` (a refusal is reported in
// the header, and the node still runs so the stop token can pass), publishes its task id, then
// waits for the token, checks it, passes it on.
void ring_node_main(RingBoard& board, std::size_t node, const cpu_set_t& cpus);

// Node 0, the measuring task: run(), tally(), and the start and end of the ring.
class KernelRing : public Handoff, public LatencySampled {
 public:
  void run(std::uint64_t round_trips) override;
  Tally tally() const override;
  // One sample per hop, taken by the node that received it; the merge is of all N nodes'.
  void set_stamping(bool on) override { board_.header().stamping.store(on, std::memory_order_relaxed); }
  LatencyHistogram take_samples() override;

 protected:
  KernelRing(std::size_t n, bool process_shared) : board_(n, process_shared) {}
  // Waits until nodes 1..N-1 all run (throws std::runtime_error after `timeout_ns`, PinRefused
  // when a node could not be pinned), then sends the token twice round, uncounted.
  void start(std::uint64_t timeout_ns);
  static constexpr std::uint64_t kStartTimeoutNs = 30'000'000'000;  // 1,000 nodes start in well under 1 s
  // Sends the stop token round; true when it came back (every node passed it on and is leaving)
  // within `timeout_ns`.
  bool stop(std::uint64_t timeout_ns);
  // A node that died or was stopped, and what became of it ("ring node 4 (process 1234) killed
  // by signal 9 (Killed)"), or "" when every node lives. Threads cannot die or stop alone.
  virtual std::string node_trouble() const { return ""; }
  bool lost() const { return lost_; }

  RingBoard board_;

 private:
  Stamper stamper_{board_.header().stamping, board_.samples(0)};
  std::uint32_t heard_ = 0;
  RingToken home_;  // the token as it last came home
  // Throws PartnerLost naming the node that broke the ring (or the ring, when none is to blame).
  [[noreturn]] void lose(const std::string& when);

  std::uint64_t warm_hops_ = 0, warm_received_ = 0;
  bool lost_ = false;
};

}  // namespace bench_switch
