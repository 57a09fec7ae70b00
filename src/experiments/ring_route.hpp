// Where the token of a ring goes next, and what each node expects to receive: the part of the
// ring every kind (threads, processes, fibers) shares, with no switching in it.
//
// Nodes 0..N-1; node 0 is the measuring task. The token goes round in order 0 -> 1 -> ... ->
// N-1 -> 0 -> 1 ...; one hop (one node handing the token to another) is one switch. run(n) must
// make exactly 2n hops (Handoff counts a round trip as two switches, and a round trip here is two
// hops), and 2n is rarely a whole number of laps. So:
//  - the run's last hop goes to node 0 whichever node holds the token then (the "home" hop; when
//    that node is N-1 it is node 0's ordinary turn), so the measuring task gets control back;
//  - the next run resumes the ring at the node after the last one visited, so over many runs
//    every node is visited in ring order even when a run is shorter than a lap;
//  - node 0 must never receive the last-but-one hop (its last hop would go to itself, which is no
//    switch): when that would happen, node N-1 passes straight to node 1, which takes the token
//    home one hop later. (With N = 2 this never arises: 2n is even.)
// A home hop that is not node 0's ordinary turn is the one hop per run() that is not the ring's
// order; it is still one switch between two tasks. At ~1 ms per run it is under 1 % of the hops.
#pragma once
#include <cstddef>
#include <cstdint>

namespace bench_switch {

struct RingToken {
  std::uint64_t hop = 0;    // hops made since the ring was built, this one included
  std::uint64_t visit = 0;  // visits to nodes 1..N-1 so far, this one included
  std::uint64_t last = 0;   // the hop that ends the current run(): it goes to node 0
};

// The node that node `from` (holding `t`) hands the token to, in a ring of `n`.
inline std::size_t next_node(std::size_t n, std::size_t from, const RingToken& t) {
  if (t.hop + 1 == t.last) return 0;
  const std::size_t to = from + 1 == n ? 0 : from + 1;
  return to == 0 && t.hop + 2 == t.last ? 1 : to;
}

// The token as it leaves for node `to`.
inline RingToken pass(const RingToken& t, std::size_t to) { return {t.hop + 1, t.visit + (to != 0 ? 1u : 0u), t.last}; }

// The node a run starts at: the one after the last node of 1..N-1 visited.
inline std::size_t resume_node(std::size_t n, std::uint64_t visits) { return static_cast<std::size_t>(visits % (n - 1)) + 1; }

// What node i (1..N-1) expects: visits i, i + (N-1), i + 2(N-1)... in that order, none missed,
// none twice. After a wrong one it expects the one after what it got, so one fault counts once.
class RingCheck {
 public:
  RingCheck(std::size_t n, std::size_t node) : expected_(node), step_(n - 1) {}
  bool expects(const RingToken& t) {
    const bool ok = t.visit == expected_;
    expected_ = t.visit + step_;
    return ok;
  }

 private:
  std::uint64_t expected_, step_;
};

// What node 0 expects when the token comes back (`got`) after it sent `sent`: every hop in
// between went to one of nodes 1..N-1 (none lost, none made twice), and it comes either home at
// the run's last hop or for node 0's ordinary turn, right after node N-1.
inline bool node_zero_expects(std::size_t n, const RingToken& sent, const RingToken& got) {
  const bool whole = got.hop == sent.hop + (got.visit - sent.visit) + 1 && got.last == sent.last;
  const bool in_turn = got.hop == got.last || (got.visit % (n - 1) == 0 && got.hop + 1 < got.last);
  return whole && in_turn;
}

}  // namespace bench_switch
