// Rings of N tasks passing one token around (family `ring`): how a switch's cost grows
// with the number of tasks the switcher must choose from and bring back into the caches.
//
// Each ring is a Handoff, so the switch family's loop times it unchanged:
//  - run(n) makes 2n hops (a round trip here is two hops); one hop, a node handing the token to
//    another, is one switch. Routing: experiments/ring_route.hpp.
//  - tasks() lists every kernel task of the ring (node 0, the measuring task, first).
//  - tally(): measuring_received = hops made, as node 0 reads them off the token when it comes
//    home; partner_received = hops received, counted by the nodes that received them (node 0
//    included); out_of_order = tokens a node did not expect. The first two are equal when no hop
//    was lost or made twice. The constructor's warm-up is not counted.
// The ring is built, and the token sent twice round it (every node has run, every stack and
// page is touched), in the constructor, so nothing of that is inside a timed run.
#pragma once
#include <cstddef>
#include <memory>

#include "handoff.hpp"
#include "measure/affinity.hpp"

namespace bench_switch {

// N kernel threads (node 0 is the calling thread), each pinned to `p.partner` (give a same_cpu
// placement: every hop is then a kernel context switch). One private futex word per node.
std::unique_ptr<Handoff> make_thread_ring(std::size_t n, const Placement& p);  // ring_threads.cpp

// The calling thread and N - 1 child processes, pinned the same way; the futex words are in
// MAP_SHARED memory. The children are killed with the parent and reaped by the destructor.
std::unique_ptr<Handoff> make_process_ring(std::size_t n, const Placement& p);  // ring_processes.cpp

// The calling thread's own context (node 0) and N - 1 Boost.Context fibers, each resuming the
// next directly. Stacks: kRingFiberStackBytes, malloc'd (see ring_fibers.cpp for why).
std::unique_ptr<Handoff> make_fiber_ring(std::size_t n);  // ring_fibers.cpp
inline constexpr std::size_t kRingFiberStackBytes = 16 * 1024;

}  // namespace bench_switch
