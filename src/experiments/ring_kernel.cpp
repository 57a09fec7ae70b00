#include "experiments/ring_kernel.hpp"

#include <sys/mman.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <new>
#include <stdexcept>
#include <system_error>

#include "measure/affinity.hpp"
#include "measure/clock.hpp"

namespace bench_switch {

RingBoard::RingBoard(std::size_t n, bool process_shared)
    : n_(n),
      bytes_(sizeof(RingHeader) + n * sizeof(RingSlot)),
      // FUTEX_PRIVATE_FLAG keys the futex by address in this process alone, which is cheaper;
      // across fork() the words are in MAP_SHARED memory and must be keyed by page instead.
      private_flag_(process_shared ? 0 : FUTEX_PRIVATE_FLAG) {
  if (n < 2) throw std::invalid_argument("a ring needs at least two nodes");
  mapping_ = mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, (process_shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS, -1, 0);
  if (mapping_ == MAP_FAILED) throw std::system_error(errno, std::generic_category(), "mmap of the ring's futex words");
  header_ = new (mapping_) RingHeader;
  slots_ = static_cast<RingSlot*>(static_cast<void*>(static_cast<char*>(mapping_) + sizeof(RingHeader)));
  for (std::size_t i = 0; i < n; ++i) new (&slots_[i]) RingSlot;
  samples_mapping_ = mmap(nullptr, n * sizeof(LatencyHistogram), PROT_READ | PROT_WRITE,
                          (process_shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS, -1, 0);
  if (samples_mapping_ == MAP_FAILED) {
    munmap(mapping_, bytes_);
    throw std::runtime_error("mmap of the ring's latency histograms failed");
  }
  samples_ = static_cast<LatencyHistogram*>(samples_mapping_);
  for (std::size_t i = 0; i < n; ++i) new (&samples_[i]) LatencyHistogram;
}

RingBoard::~RingBoard() {
  // The slots, header and histograms hold only atomics and plain numbers: nothing to destroy but the mappings.
  munmap(samples_mapping_, n_ * sizeof(LatencyHistogram));
  munmap(mapping_, bytes_);
}

bool RingBoard::wait_change(std::atomic<std::uint32_t>& word, std::uint32_t seen, std::uint64_t deadline_ns) const {
  while (word.load(std::memory_order_acquire) == seen) {
    const std::uint64_t now = now_ns();
    if (now >= deadline_ns) return false;
    // FUTEX_WAIT's timeout is relative; slices of at most 10 ms keep a lost wake-up from costing more.
    const std::uint64_t left = std::min<std::uint64_t>(deadline_ns - now, 10'000'000);
    const timespec ts{0, static_cast<long>(left)};
    futex(word, FUTEX_WAIT, seen, &ts);
  }
  return true;
}

void RingBoard::wake_all(std::atomic<std::uint32_t>& word) const { futex(word, FUTEX_WAKE, INT_MAX, nullptr); }

void ring_node_main(RingBoard& board, std::size_t node, const cpu_set_t& cpus) {
  // Pinned before it first waits, so no hop of this node ever runs elsewhere.
  if (sched_setaffinity(0, sizeof cpus, &cpus) != 0) board.header().pin_refused.store(1);
  RingSlot& me = board.slot(node);
  // Every page of the node's histogram written once now, by the node: a child process's first
  // touch of a MAP_SHARED page is a page fault, which would otherwise land in a stamped batch.
  board.samples(node) = LatencyHistogram{};
  me.tid.store(static_cast<pid_t>(syscall(SYS_gettid)));
  board.header().started.fetch_add(1, std::memory_order_release);
  board.wake_all(board.header().started);

  const std::size_t n = board.size();
  RingCheck check(n, node);
  Stamper stamper(board.header().stamping, board.samples(node));
  std::uint32_t heard = 0;
  for (;;) {
    // A node holds no wait bound (only node 0, the harness, does), so it waits for as long as it
    // takes; the harness kills it when the ring broke.
    const RingToken t = *board.receive(node, heard);
    if (t.hop == kStopToken) {
      board.send(node + 1 == n ? 0 : node + 1, t);  // pass it on, then leave
      return;
    }
    stamper.sample(me.stamp);
    bump(me.count.received);
    if (!check.expects(t)) bump(me.count.out_of_order);
    const std::size_t to = next_node(n, node, t);
    stamper.stamp(board.slot(to).stamp);
    board.send(to, pass(t, to));
  }
}

void KernelRing::run(std::uint64_t round_trips) {
  if (round_trips == 0) return;
  const std::size_t n = board_.size();
  RingToken t = home_;
  t.last = t.hop + 2 * round_trips;  // a round trip is two hops
  std::size_t to = resume_node(n, t.visit);
  SideCount& mine = board_.slot(0).count;
  for (;;) {
    const RingToken sent = pass(t, to);
    stamper_.stamp(board_.slot(to).stamp);
    board_.send(to, sent);
    const std::optional<RingToken> back = board_.receive(0, heard_);
    if (!back) {
      home_ = t;
      lose("after " + std::to_string(t.hop - warm_hops_) + " hops");
    }
    stamper_.sample(board_.slot(0).stamp);
    t = *back;
    bump(mine.received);
    if (!node_zero_expects(n, sent, t)) bump(mine.out_of_order);
    // >=, not ==: a token that skipped its last hop must end the run, not circle forever.
    if (t.hop >= t.last) break;
    to = next_node(n, 0, t);  // node 0's ordinary turn: on to node 1
  }
  home_ = t;
}

LatencyHistogram KernelRing::take_samples() {
  LatencyHistogram all;
  for (std::size_t i = 0; i < board_.size(); ++i) {
    all.merge(board_.samples(i));
    board_.samples(i).clear();
  }
  return all;
}

Tally KernelRing::tally() const {
  std::uint64_t received = 0, wrong = 0;
  for (std::size_t i = 0; i < board_.size(); ++i) {
    received += board_.slot(i).count.received.load();
    wrong += board_.slot(i).count.out_of_order.load();
  }
  return {home_.hop - warm_hops_, received - warm_received_, wrong};
}

void KernelRing::start(std::uint64_t timeout_ns) {
  const std::uint64_t deadline = now_ns() + timeout_ns;
  RingHeader& h = board_.header();
  const auto others = static_cast<std::uint32_t>(board_.size() - 1);
  // In slices of 100 ms, so that a node that died or was stopped on its way is seen at once.
  for (std::uint32_t seen; (seen = h.started.load(std::memory_order_acquire)) < others;) {
    if (board_.wait_change(h.started, seen, std::min(deadline, now_ns() + 100'000'000))) continue;
    if (!node_trouble().empty()) lose("before the ring had started");
    if (now_ns() >= deadline) throw std::runtime_error("the ring's nodes did not all start in time");
  }
  if (h.pin_refused.load()) throw PinRefused("skipped: the kernel refused to pin a node of the ring");
  // Twice round: every node has run its loop once before (its first wake-up, page faults of a
  // child's copy-on-write stack), and once more with everything in place.
  run(board_.size());
  warm_hops_ = home_.hop;
  warm_received_ = tally().partner_received;  // warm_received_ was 0 until now
}

void KernelRing::lose(const std::string& when) {
  lost_ = true;
  std::string who = node_trouble();
  if (who.empty())
    who = fmt::format("the ring of {} tasks gave no answer for {:.1f} s", board_.size(), kGiveUpSeconds);
  throw PartnerLost(who + " " + when);
}

bool KernelRing::stop(std::uint64_t timeout_ns) {
  const std::uint32_t seen = board_.slot(0).bell.load();
  board_.send(1, RingToken{kStopToken, 0, 0});
  return board_.wait_change(board_.slot(0).bell, seen, now_ns() + timeout_ns);
}

}  // namespace bench_switch
