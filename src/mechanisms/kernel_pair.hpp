// Two kernel tasks, a thread pair or a process pair, handing a token through a carrier.
//
// A carrier moves a sequence number to one side and blocks the receiver until it arrives:
//   void send(int to_side, std::uint64_t seq);
//   std::uint64_t receive(int side);      // kStopToken when the other side is gone
//   void keep_side(int side);             // in a forked child: close what the other side uses
//   explicit Carrier(bool process_shared);
// Writing the timing and checking loop once here, over any carrier, is what lets a new kernel
// mechanism be one small carrier file and one line in mechanisms.cpp.
#pragma once
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>

#include "children.hpp"
#include "handoff.hpp"
#include "measure/affinity.hpp"
#include "measure/clock.hpp"
#include "measure/work.hpp"
#include "mechanisms/latency_stamps.hpp"
#include "mechanisms/shared_block.hpp"

namespace bench_switch {

// The counts one side keeps. Only that side writes them (a plain load and store, not a locked
// read-modify-write, which would add to every handoff); the other side reads them after the run.
// For a process pair they live in shared memory so the parent can read the child's.
struct SideCount {
  std::atomic<std::uint64_t> received{0};
  std::atomic<std::uint64_t> out_of_order{0};
};
inline void bump(std::atomic<std::uint64_t>& n) { n.store(n.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed); }

// One side's stamping (latency_stamps.hpp): its stamper, the slot its tokens arrive with and the
// one it sends them with.
struct SideStamps {
  template <class Carrier>
  SideStamps(Carrier& carrier, PairStamps& pair, int side, LatencyHistogram& samples)
      : stamper(pair.on, samples), in(stamp_slot(carrier, pair, side)), out(stamp_slot(carrier, pair, 1 - side)) {}
  Stamper stamper;
  StampSlot& in;
  StampSlot& out;
};

// The partner's whole life: wait for token n, check it, do its work, answer n + 1, until told to stop.
template <class Carrier>
void partner_loop(Carrier& carrier, SideCount& count, const Work& work, PairStamps& pair, LatencyHistogram& samples) {
  WorkRunner do_work(work);  // built here, in the partner's own task: its working set is its own
  // Every page of its histogram written once now: a child's first touch of a MAP_SHARED page is a
  // page fault, which would otherwise land in a stamped batch.
  samples = LatencyHistogram{};
  SideStamps stamps(carrier, pair, 1, samples);
  std::uint64_t expected = 1;
  for (;;) {
    const std::uint64_t seq = carrier.receive(1);
    if (seq == kStopToken) return;
    stamps.stamper.sample(stamps.in);
    if (seq != expected) bump(count.out_of_order);
    bump(count.received);
    expected = seq + 2;
    do_work();
    stamps.stamper.stamp(stamps.out);
    carrier.send(0, seq + 1);
  }
}

// The measuring side's half of n round trips: send 2k+1, wait for 2k+2. False when the partner
// stopped answering (its end closed, or the wait outlived its bound): the caller says why.
template <class Carrier>
[[nodiscard]] bool measuring_loop(Carrier& carrier, SideCount& count, WorkRunner& do_work, SideStamps& stamps,
                                  std::uint64_t& next_seq, std::uint64_t round_trips) {
  for (std::uint64_t i = 0; i < round_trips; ++i) {
    do_work();
    injected_slowdown();
    stamps.stamper.stamp(stamps.out);
    carrier.send(1, next_seq);
    const std::uint64_t reply = carrier.receive(0);
    if (reply == kStopToken) return false;
    stamps.stamper.sample(stamps.in);
    if (reply != next_seq + 1) bump(count.out_of_order);
    bump(count.received);
    next_seq += 2;
  }
  return true;
}

// "after 51200 handoffs": both directions, as far as each side counted.
inline std::string handoffs_so_far(const SideCount& a, const SideCount& b) {
  return "after " + std::to_string(a.received.load() + b.received.load()) + " handoffs";
}

// Each side's samples since the last take, merged, and each side's histogram emptied.
inline LatencyHistogram take_both(LatencyHistogram& a, LatencyHistogram& b) {
  LatencyHistogram both = a;
  both.merge(b);
  a.clear(), b.clear();
  return both;
}

template <class Carrier>
class ThreadPair final : public Handoff, public LatencySampled {
 public:
  ThreadPair(const Placement& p, const Work& work) : carrier_(/*process_shared=*/false), do_work_(work) {
    // The partner pins itself before it first waits, so no handoff ever runs unpinned; the
    // constructor waits for its tid, so counters can be opened on it before any timed run.
    partner_ = std::thread([this, mask = p.partner, work] {
      try {
        pin_current_thread(mask);
      } catch (const PinRefused&) {
        pin_failed_.store(true);
      }
      partner_tid_.store(static_cast<pid_t>(syscall(SYS_gettid)));
      partner_tid_.notify_one();
      if (!pin_failed_.load()) partner_loop(carrier_, partner_count_, work, *stamps_, *partner_samples_);
    });
    partner_tid_.wait(0);
    if (pin_failed_.load()) {
      partner_.join();
      throw PinRefused("skipped: the kernel refused to pin the partner thread");
    }
  }
  // A partner thread cannot die or stop alone (a signal that kills or stops it takes the whole
  // process), so the stop token always reaches it.
  ~ThreadPair() override {
    carrier_.send(1, kStopToken);
    partner_.join();
  }
  void run(std::uint64_t round_trips) override {
    if (!measuring_loop(carrier_, measuring_count_, do_work_, measuring_stamps_, next_seq_, round_trips))
      throw PartnerLost("partner thread " + std::to_string(partner_tid_.load()) + " " +
                        describe_thread(partner_tid_.load()) + " " + handoffs_so_far(measuring_count_, partner_count_));
  }
  std::vector<pid_t> tasks() const override {
    return {static_cast<pid_t>(syscall(SYS_gettid)), partner_tid_.load()};
  }
  Tally tally() const override {
    return {measuring_count_.received.load(), partner_count_.received.load(),
            measuring_count_.out_of_order.load() + partner_count_.out_of_order.load()};
  }
  Carrier& carrier() { return carrier_; }  // for a carrier with settings of its own (register_state.hpp)
  void set_stamping(bool on) override { stamps_->on.store(on, std::memory_order_relaxed); }  // the next send publishes it
  LatencyHistogram take_samples() override { return take_both(*measuring_samples_, *partner_samples_); }

 private:
  Carrier carrier_;
  WorkRunner do_work_;
  SideCount measuring_count_, partner_count_;
  SharedBlock<PairStamps> stamps_{false};
  // Two allocations: each side writes only its own histogram's lines.
  std::unique_ptr<LatencyHistogram> measuring_samples_ = std::make_unique<LatencyHistogram>(),
                                    partner_samples_ = std::make_unique<LatencyHistogram>();
  SideStamps measuring_stamps_{carrier_, *stamps_, 0, *measuring_samples_};
  std::uint64_t next_seq_ = 1;
  std::atomic<pid_t> partner_tid_{0};
  std::atomic<bool> pin_failed_{false};
  std::thread partner_;
};

template <class Carrier>
class ProcessPair final : public Handoff, public LatencySampled {
 public:
  // The carrier is constructed process-shared: whatever the two sides must both see (a futex
  // word, a semaphore) it keeps in MAP_SHARED memory, which fork() does not copy.
  ProcessPair(const Placement& p, const Work& work)
      : carrier_(/*process_shared=*/true), partner_count_(true), do_work_(work) {
    // A write to a partner that died must fail with EPIPE, not kill the harness with SIGPIPE.
    std::signal(SIGPIPE, SIG_IGN);
    const pid_t parent = getpid();
    child_ = fork();
    if (child_ < 0) throw std::system_error(errno, std::generic_category(), "fork of the partner process");
    if (child_ == 0) {
      // A child that outlives a killed parent would wait forever: have the kernel kill it with
      // the parent, and check the parent did not die before the request took effect.
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(1);
      // Close the ends only the parent uses, so a read sees end-of-file when the parent is gone.
      carrier_.keep_side(1);
      if (sched_setaffinity(0, sizeof p.partner, &p.partner) != 0) _exit(3);
      partner_loop(carrier_, *partner_count_, work, *stamps_, *partner_samples_);
      // _exit, never return or exit(): the child holds a copy of the whole harness (Google
      // Benchmark's state, stdio buffers, atexit handlers) that must not run a second time.
      _exit(0);
    }
    carrier_.keep_side(0);
  }
  // The child leaves on the stop token; one that has not within 5 s (stopped or wedged) is killed,
  // and one that stopped answering during a run is killed at once.
  ~ProcessPair() override {
    carrier_.send(1, kStopToken);
    reap_all({child_}, lost_ ? 0 : 5'000'000'000u);
  }
  void run(std::uint64_t round_trips) override {
    if (measuring_loop(carrier_, measuring_count_, do_work_, measuring_stamps_, next_seq_, round_trips)) return;
    lost_ = true;
    throw PartnerLost("partner process " + std::to_string(child_) + " " + describe_child(child_) + " " +
                      handoffs_so_far(measuring_count_, *partner_count_));
  }
  std::vector<pid_t> tasks() const override { return {static_cast<pid_t>(syscall(SYS_gettid)), child_}; }
  Tally tally() const override {
    return {measuring_count_.received.load(), partner_count_->received.load(),
            measuring_count_.out_of_order.load() + partner_count_->out_of_order.load()};
  }
  pid_t child() const { return child_; }
  Carrier& carrier() { return carrier_; }  // for a carrier with settings of its own (register_state.hpp)
  void set_stamping(bool on) override { stamps_->on.store(on, std::memory_order_relaxed); }  // the next send publishes it
  LatencyHistogram take_samples() override { return take_both(measuring_samples_, *partner_samples_); }

 private:
  Carrier carrier_;
  SharedBlock<SideCount> partner_count_;
  WorkRunner do_work_;
  pid_t child_ = -1;
  bool lost_ = false;
  SideCount measuring_count_;
  // Stamping's switch and slots, and the child's histogram, in MAP_SHARED memory; the parent's
  // histogram in its own.
  SharedBlock<PairStamps> stamps_{true};
  SharedBlock<LatencyHistogram> partner_samples_{true};
  LatencyHistogram measuring_samples_;
  SideStamps measuring_stamps_{carrier_, *stamps_, 0, measuring_samples_};
  std::uint64_t next_seq_ = 1;
};

// The carrier alone, in one task, no switch (lmbench's `ovr`): send to a side and receive as that
// side at once, so the token is always there and nobody sleeps. What it costs is the carrier's own
// syscalls, which a real handoff pays on top of the switch. A carrier may define
// `loopback(side, seq)` when its receive would otherwise skip the syscall a sleeping receiver makes.
template <class Carrier>
class CarrierAlone final : public Handoff {
 public:
  CarrierAlone() : carrier_(/*process_shared=*/false) {}
  void run(std::uint64_t round_trips) override {
    for (std::uint64_t i = 0; i < round_trips; ++i) {
      one(1, seq_);
      one(0, seq_ + 1);
      seq_ += 2;
    }
  }
  std::vector<pid_t> tasks() const override { return {static_cast<pid_t>(syscall(SYS_gettid))}; }
  Tally tally() const override { return {count_, count_, bad_}; }

 private:
  void one(int side, std::uint64_t seq) {
    std::uint64_t got;
    if constexpr (requires { carrier_.loopback(side, seq); }) {
      got = carrier_.loopback(side, seq);
    } else {
      carrier_.send(side, seq);
      got = carrier_.receive(side);
    }
    if (got != seq) ++bad_;
    ++count_;
  }
  Carrier carrier_;
  std::uint64_t seq_ = 1, count_ = 0, bad_ = 0;
};

}  // namespace bench_switch
