// The fiber ring: node 0 is the calling thread's own context, nodes 1..N-1 are Boost.Context
// fibers, and each hop is one fiber::resume() straight from one node to the next (no scheduler,
// no return through a main loop).
//
// A resumed fiber gets the continuation of whoever resumed it; it keeps that in the sender's slot,
// which is how the sender is resumed when the token comes round to it again.
#include <sys/syscall.h>
#include <unistd.h>

#include <boost/context/fiber.hpp>
#include <boost/context/fixedsize_stack.hpp>

#include <vector>

#include "experiments/ring.hpp"
#include "experiments/ring_route.hpp"
#include "mechanisms/stacks.hpp"

namespace bench_switch {
namespace {
namespace ctx = boost::context;

// malloc'd stacks of kRingFiberStackBytes, counted in live_fiber_stacks() as CountedBoostStack's.
// Not guard-paged, unlike every other fiber here: a guard page makes each stack two mappings
// (the PROT_NONE page splits it), and 100,000 fibers would then need 200,000 of them, past
// vm.max_map_count (65,530 by default): the mmap or mprotect fails. 16 KiB is small but ample for
// what the ring's fibers run (the loop below, no library calls, no exception); without a guard
// page an overflow would corrupt the heap instead of faulting, hence the margin.
class CountedSmallStack : public CountedStack<ctx::fixedsize_stack> {
 public:
  CountedSmallStack() : CountedStack(ctx::fixedsize_stack(kRingFiberStackBytes)) {}
};

class FiberRing final : public Handoff {
 public:
  explicit FiberRing(std::size_t n) : n_(n), slots_(n) {
    if (n < 2) throw std::invalid_argument("a ring needs at least two nodes");
    try {
      // Created here, before any timed run: a stack allocation and a context record each.
      for (std::size_t i = 1; i < n; ++i)
        slots_[i] = ctx::fiber(std::allocator_arg, CountedSmallStack(),
                               [this, i](ctx::fiber&& caller) { return node(i, std::move(caller)); });
    } catch (...) {
      end();
      throw;
    }
    // Twice round, uncounted: every fiber starts (its stack is first touched) before any timed run.
    run(n);
    warm_hops_ = token_.hop;
    warm_received_ = received_;
  }
  ~FiberRing() override { end(); }

  void run(std::uint64_t round_trips) override {
    if (round_trips == 0) return;
    token_.last = token_.hop + 2 * round_trips;  // a round trip is two hops
    std::size_t to = resume_node(n_, token_.visit);
    for (;;) {
      const RingToken sent = pass(token_, to);
      token_ = sent;
      from_ = 0;
      ctx::fiber back = std::move(slots_[to]).resume();
      slots_[from_] = std::move(back);
      ++received_;
      if (!node_zero_expects(n_, sent, token_)) ++out_of_order_;
      // >=, not ==: a token that skipped its last hop must end the run, not circle forever.
      if (token_.hop >= token_.last) return;
      to = next_node(n_, 0, token_);  // node 0's ordinary turn: on to node 1
    }
  }
  std::vector<pid_t> tasks() const override { return {static_cast<pid_t>(syscall(SYS_gettid))}; }
  Tally tally() const override { return {token_.hop - warm_hops_, received_ - warm_received_, out_of_order_}; }

 private:
  // Node i's whole life: keep the continuation of whoever resumed it, check the token, resume the
  // next node; until told to stop, when it returns to node 0.
  ctx::fiber node(std::size_t i, ctx::fiber&& caller) {
    RingCheck check(n_, i);
    for (;;) {
      slots_[from_] = std::move(caller);
      if (stopping_) break;
      ++received_;
      if (!check.expects(token_)) ++out_of_order_;
      const std::size_t to = next_node(n_, i, token_);
      token_ = pass(token_, to);
      from_ = i;
      caller = std::move(slots_[to]).resume();
    }
    return std::move(slots_[0]);
  }
  // Lets every fiber's function return, so its stack is unwound and released the ordinary way
  // (destroying a suspended fiber would unwind it with an exception, on a 16 KiB stack).
  void end() {
    stopping_ = true;
    for (std::size_t i = 1; i < n_; ++i) {
      from_ = 0;
      if (slots_[i]) slots_[i] = std::move(slots_[i]).resume();
    }
  }

  std::size_t n_;
  std::vector<ctx::fiber> slots_;  // slots_[i]: node i's continuation while it does not hold the token
  RingToken token_;
  std::size_t from_ = 0;  // the node that made the last hop
  bool stopping_ = false;
  std::uint64_t received_ = 0, out_of_order_ = 0, warm_hops_ = 0, warm_received_ = 0;
};

}  // namespace

std::unique_ptr<Handoff> make_fiber_ring(std::size_t n) { return std::make_unique<FiberRing>(n); }

}  // namespace bench_switch
