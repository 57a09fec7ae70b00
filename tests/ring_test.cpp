// The rings of the `ring` family: the token goes round every node in order, exactly as many hops
// as asked, on one CPU; children are reaped, threads joined, fiber stacks released.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <string>
#include <thread>

#include "experiments/ring.hpp"
#include "experiments/ring_kernel.hpp"
#include "experiments/ring_route.hpp"
#include "measure/affinity.hpp"
#include "measure/kernel_counters.hpp"
#include "mechanisms/stacks.hpp"
#include "tasks.hpp"

namespace bench_switch {
namespace {

// ---- The route alone, with no switching: every hop of every run, for many N and run lengths.

struct RouteWalk {
  explicit RouteWalk(std::size_t nodes) : n(nodes), received(nodes, 0) {
    for (std::size_t i = 1; i < n; ++i) checks.emplace_back(n, i);
  }
  // What KernelRing::run and FiberRing::run do, each node's part inline.
  void run(std::uint64_t round_trips) {
    RingToken t = home;
    t.last = t.hop + 2 * round_trips;
    std::size_t to = resume_node(n, t.visit);
    for (;;) {
      ASSERT_NE(to, 0u) << "node 0 would hand the token to itself";
      const RingToken sent = pass(t, to);
      RingToken at = sent;
      std::size_t node = to;
      while (node != 0) {
        ++received[node];
        if (!checks[node - 1].expects(at)) ++out_of_order;
        const std::size_t next = next_node(n, node, at);
        ASSERT_NE(next, node) << "a node would hand the token to itself";
        at = pass(at, next);
        node = next;
      }
      ++received[0];
      if (!node_zero_expects(n, sent, at)) ++out_of_order;
      t = at;
      if (t.hop >= t.last) break;
      to = next_node(n, 0, t);
    }
    EXPECT_EQ(t.hop, t.last) << "a run makes exactly 2n hops";
    home = t;
  }
  std::size_t n;
  RingToken home;
  std::vector<RingCheck> checks;
  std::vector<std::uint64_t> received;
  std::uint64_t out_of_order = 0;
};

TEST(RingRoute, EveryRunMakesExactly2nHopsEndingAtNodeZeroAndVisitsNodesInOrder) {
  for (const std::size_t n : {2, 3, 4, 5, 10, 101, 1000}) {
    RouteWalk walk(n);
    std::uint64_t round_trips = 0;
    for (const std::uint64_t r : {1, 2, 3, 5, 7, 1, 499, 500, 501, 1000, 1, 1, 2}) {
      walk.run(r);
      round_trips += r;
      if (testing::Test::HasFatalFailure()) return;
    }
    EXPECT_EQ(walk.home.hop, 2 * round_trips) << "N=" << n;
    EXPECT_EQ(walk.out_of_order, 0u) << "N=" << n;
    // Every hop was received once, and nodes 1..N-1 in turn: none got more than one visit ahead.
    std::uint64_t total = 0;
    for (const std::uint64_t r : walk.received) total += r;
    EXPECT_EQ(total, 2 * round_trips) << "N=" << n;
    const auto [fewest, most] = std::minmax_element(walk.received.begin() + 1, walk.received.end());
    EXPECT_LE(*most - *fewest, 1u) << "N=" << n;
  }
}

TEST(RingRoute, ANodeCatchesAVisitMissedOrMadeTwice) {
  RingCheck node2(5, 2);  // expects visits 2, 6, 10, ...
  EXPECT_TRUE(node2.expects({3, 2, 100}));
  EXPECT_FALSE(node2.expects({12, 10, 100})) << "visit 6 was missed";
  EXPECT_TRUE(node2.expects({17, 14, 100})) << "one fault counts once";
  EXPECT_FALSE(node2.expects({17, 14, 100})) << "the same visit twice";
}

TEST(RingRoute, NodeZeroCatchesALostHopAndATurnOutOfPlace) {
  const RingToken sent{10, 5, 20};  // ring of 4: node 0's turn comes after visits 6, 9, 12...
  EXPECT_TRUE(node_zero_expects(4, sent, {12, 6, 20}));
  EXPECT_FALSE(node_zero_expects(4, sent, {13, 6, 20})) << "a hop more than the visits";
  EXPECT_FALSE(node_zero_expects(4, sent, {13, 7, 20})) << "node 0's turn, but not after node 3";
  EXPECT_TRUE(node_zero_expects(4, sent, {20, 14, 20})) << "home at the last hop";
  EXPECT_FALSE(node_zero_expects(4, sent, {19, 12, 20})) << "node 0 must not get the last-but-one hop";
}

// The kernel rings' node loop, driven by hand: the test plays nodes 0 and 2 of a ring of 3.
TEST(RingNode, CountsATokenItDidNotExpectAndPassesTheStopTokenOn) {
  RingBoard board(3, /*process_shared=*/false);
  std::thread node1([&board, cpus = same_cpu().partner] { ring_node_main(board, 1, cpus); });
  std::uint32_t heard_by_2 = 0;
  board.send(1, {1, 1, 100});  // node 1's first visit
  RingToken t = board.receive(2, heard_by_2).value();
  EXPECT_EQ(t.hop, 2u);
  EXPECT_EQ(t.visit, 2u);
  board.send(1, {5, 4, 100});  // visit 3 skipped
  t = board.receive(2, heard_by_2).value();
  EXPECT_EQ(t.hop, 6u);
  board.send(1, {kStopToken, 0, 0});
  node1.join();
  EXPECT_EQ(board.receive(2, heard_by_2).value().hop, kStopToken) << "node 1 passed the stop token on";
  EXPECT_EQ(board.slot(1).count.received.load(), 2u);
  EXPECT_EQ(board.slot(1).count.out_of_order.load(), 1u);
  EXPECT_EQ(board.header().started.load(), 1u);
}

// ---- The rings themselves.

enum class RingKind { thread, process, fiber };

std::unique_ptr<Handoff> make_ring(RingKind kind, std::size_t n, const Placement& p) {
  switch (kind) {
    case RingKind::thread: return make_thread_ring(n, p);
    case RingKind::process: return make_process_ring(n, p);
    case RingKind::fiber: return make_fiber_ring(n);
  }
  return nullptr;
}

// Laps of N hops, in runs of odd lengths, so that runs end and resume mid-lap.
void expect_laps_in_order(RingKind kind, std::size_t n, std::uint64_t laps) {
  SCOPED_TRACE(testing::Message() << "N=" << n);
  const Placement p = same_cpu();
  ScopedPin pin(p.measuring);
  const auto ring = make_ring(kind, n, p);
  EXPECT_EQ(ring->tally().measuring_received, 0u) << "the warm-up is not counted";
  const std::uint64_t round_trips = n * laps / 2;
  ring->run(1);
  ring->run(3);
  ring->run(round_trips - 4);
  const Tally t = ring->tally();
  EXPECT_EQ(t.measuring_received, n * laps);
  EXPECT_EQ(t.partner_received, n * laps);
  EXPECT_EQ(t.out_of_order, 0u);
}

TEST(Ring, ThreadsPassTheTokenRoundInOrder) {
  for (const std::size_t n : {2, 3, 10, 1000}) expect_laps_in_order(RingKind::thread, n, n == 1000 ? 4 : 20);
}

TEST(Ring, ProcessesPassTheTokenRoundInOrder) {
  for (const std::size_t n : {2, 3, 10, 100}) expect_laps_in_order(RingKind::process, n, 20);
}

TEST(Ring, FibersPassTheTokenRoundInOrder) {
  for (const std::size_t n : {2, 3, 10, 10000}) expect_laps_in_order(RingKind::fiber, n, 20);
}

// On one CPU a node can pass the token on only once the node before it has left the CPU: every
// hop is at least one kernel switch out of its sender, voluntary (it slept) or not (it was
// preempted, by the woken node, a tick or a competing load), however slow or loaded the machine
// is. So the sum is bounded, not the voluntary share: in a slow build or under load a sender is
// often preempted between its wake and its wait, and then finds the token back without sleeping
// (a sanitizer build showed 0.896 voluntary switches per hop). A fiber hop never enters the
// scheduler.
TEST(Ring, EveryHopIsWhatTheKindPromises) {
  const Placement p = same_cpu();
  ScopedPin pin(p.measuring);
  for (const RingKind kind : {RingKind::thread, RingKind::process, RingKind::fiber}) {
    const auto ring = make_ring(kind, 10, p);
    const std::uint64_t round_trips = kind == RingKind::fiber ? 100000 : 1000;
    const TaskCounts before = read_task_counts(ring->tasks());
    ring->run(round_trips);
    const TaskCounts d = read_task_counts(ring->tasks()) - before;
    const double per_hop = static_cast<double>(d.voluntary + d.involuntary) / static_cast<double>(2 * round_trips);
    if (kind == RingKind::fiber) {
      EXPECT_LT(per_hop, 0.01);
    } else {
      EXPECT_GT(per_hop, 0.9) << (kind == RingKind::thread ? "threads" : "processes");
      EXPECT_GT(d.voluntary, 0u) << "nodes sleep in their waits";
    }
  }
}

TEST(Ring, TasksAreEveryNodePinnedToTheOneCpu) {
  const Placement p = same_cpu();
  ScopedPin pin(p.measuring);
  for (const RingKind kind : {RingKind::thread, RingKind::process}) {
    const auto ring = make_ring(kind, 50, p);
    std::vector<pid_t> tasks = ring->tasks();
    ASSERT_EQ(tasks.size(), 50u);
    for (const pid_t tid : tasks) {
      cpu_set_t mask;
      ASSERT_EQ(sched_getaffinity(tid, sizeof mask, &mask), 0) << tid;
      EXPECT_TRUE(CPU_EQUAL(&mask, &p.partner)) << "task " << tid << " is not pinned";
    }
    std::sort(tasks.begin(), tasks.end());
    EXPECT_EQ(std::unique(tasks.begin(), tasks.end()), tasks.end()) << "a task listed twice";
  }
  const auto fibers = make_fiber_ring(50);
  EXPECT_EQ(fibers->tasks().size(), 1u) << "fibers are all on the calling thread";
}

TEST(Ring, ProcessesAreReapedWhenTheRingEnds) {
  const Placement p = same_cpu();
  ScopedPin pin(p.measuring);
  std::vector<pid_t> children;
  {
    const auto ring = make_process_ring(100, p);
    ring->run(100);
    const std::vector<pid_t> tasks = ring->tasks();
    children.assign(tasks.begin() + 1, tasks.end());
    for (const pid_t c : children) ASSERT_EQ(kill(c, 0), 0) << "child " << c << " should be alive during the run";
  }
  ASSERT_EQ(children.size(), 99u);
  for (const pid_t c : children) expect_reaped(c);
}

TEST(Ring, ProcessesAreReapedEvenWhenANodeWasKilled) {
  const Placement p = same_cpu();
  ScopedPin pin(p.measuring);
  std::vector<pid_t> children;
  {
    const auto ring = make_process_ring(10, p);
    ring->run(10);
    const std::vector<pid_t> tasks = ring->tasks();
    children.assign(tasks.begin() + 1, tasks.end());
    kill(children.at(4), SIGKILL);  // the stop token cannot get past it: the rest must be killed
  }
  for (const pid_t c : children) expect_reaped(c);
}

int thread_count() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  return -1;
}

TEST(Ring, ThreadsAreJoinedWhenTheRingEnds) {
  const Placement p = same_cpu();
  ScopedPin pin(p.measuring);
  // A process's first thread can start a runtime's own (ThreadSanitizer's background thread):
  // one made and joined before counting keeps that out of the ring's count.
  std::thread([] {}).join();
  const int before = thread_count();
  {
    const auto ring = make_thread_ring(100, p);
    EXPECT_EQ(thread_count(), before + 99);
    ring->run(100);
  }
  EXPECT_EQ(thread_count(), before);
}

// Built only (the constructor's warm-up has started every fiber), or run after that.
TEST(Ring, FiberStacksAreReleasedRunOrNot) {
  for (const bool ran : {false, true}) {
    {
      const auto ring = make_fiber_ring(1000);
      EXPECT_EQ(live_fiber_stacks().load(), 999) << "one stack per fiber, none for node 0";
      if (ran) ring->run(777);
    }
    EXPECT_EQ(live_fiber_stacks().load(), 0) << (ran ? "after running" : "built only");
  }
}

}  // namespace
}  // namespace bench_switch
