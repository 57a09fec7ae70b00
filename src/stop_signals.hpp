// SIGINT, SIGTERM and SIGHUP end a run within a second, whatever it is doing (docs/FAULTS.md).
//
// A handler cannot do that safely: it may run on any thread, in the middle of a fiber switch on a
// 16 KiB stack, or with malloc's lock held. So the three signals are blocked in every thread, and
// one thread of their own waits for them (sigwait) and does the work in ordinary code: it says
// that the run is stopping (no child may be made after that), kills and reaps every child
// process, lets the caller write what was measured, and exits with 128 + the signal number.
#pragma once
#include <functional>

namespace bench_switch {

// Blocks the three signals in the calling thread, and so in every thread made after it: call it
// first in main, before any other thread exists. Forked children keep them blocked (they never
// exec, and the stopping thread kills them); a child that execs another program calls
// unblock_stop_signals() first. This process becomes the subreaper of its descendants, so that a
// grandchild orphaned by the kill (the Python suite's processes) is found and killed as well.
// On a signal, `on_stop(signal)` runs on the waiting thread once the children are gone.
void stop_on_signals(std::function<void(int signal)> on_stop);

// True from the moment a stopping signal arrived.
bool stopping();
// When the run is stopping, the calling thread waits here for the exit the stopping thread makes
// (the main thread between benchmarks: whatever a benchmark would do next, such as aggregating
// repetitions that the kill cut short, must not happen).
void park_if_stopping();

// Restores the signal mask a program expects (for a child about to exec).
void unblock_stop_signals();

// SIGKILL to every child of every thread of this process, then reaps them, until none is left.
void kill_and_reap_children();

}  // namespace bench_switch
