#!/bin/sh
# The unit tests under a sanitizer: builds only what they need in its own folder, runs them there.
#   scripts/sanitizer-tests.sh asan     AddressSanitizer + UndefinedBehaviorSanitizer, in build-asan
#   scripts/sanitizer-tests.sh tsan     ThreadSanitizer, in build-tsan
# Any sanitizer report fails its test (-fno-sanitize-recover, halt_on_error). What is left out, and why:
set -eu
cd "$(dirname "$0")/.."
kind=$1
# Both: the scripts' and the quick run's tests judge the Release binary's figures and files, not
# memory or races (and valgrind cannot run an instrumented binary); Faults.* set RLIMIT_AS,
# RLIMIT_NPROC and cgroups for the binary, which a sanitizer's shadow memory and threads do not fit
# in. The Release build runs all of them.
# And the self-check's own pass with nothing injected: it asks that the harness and a bare loop time
# alike, which instrumentation that reaches the one and not the other (the bare coroutine loop is
# built without it) does not let them do; its check that an injected slowdown is flagged stays in.
exclude='^(quick_|instruction_gate|python_|Faults\.|SelfCheckPairs\.PassesTheHarnessAsItIs)'
case "$kind" in
  asan)
    flag=-DBENCH_SWITCH_ASAN=ON
    # The stackful switches run under ASan: it notices the stack pointer move to a fiber's stack and says
    # nothing. Only the coroutine mechanism's file is built without ASan (src/CMakeLists.txt): an
    # instrumented symmetric transfer is no longer a tail call, and overflows the stack.
    export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:detect_stack_use_after_return=0
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    ;;
  tsan)
    flag=-DBENCH_SWITCH_TSAN=ON
    # TSan keeps one shadow stack per thread and must be told of every user-space stack switch
    # (__tsan_switch_to_fiber), which Boost.Context 1.74 as Debian builds it, ucontext and the
    # hand-written switch do not do: a switch it is not told of corrupts its view of the stack.
    # So every test that switches stacks in user space is left out (fibers, ucontext, the assembly
    # switch, Boost.Fiber, fiber rings, the MXCSR of stackful sides, spawning and idling fibers,
    # contention as fibers). Stackless coroutines switch no stack and stay in (their mechanism's
    # file built without TSan, as without ASan: an instrumented transfer overflows the stack).
    exclude="$exclude|fcontext|ucontext|asm_switch|boost_fiber|Fiber|StackfulSwitches|MxcsrProbe|MxcsrInTheRun"
    exclude="$exclude|Cleanup\.EveryMechanismReleasesItsStacksAndFrames|Spawn\.EveryKind|IdleMemory|IdleTasks\.AllAreAlive|Contention\.EveryChunk"
    # Asio's scheduler orders its queue with atomic_thread_fence, which TSan does not model: its
    # reports there would be about the model, not about a race (GCC says so at compile time). And the
    # register-preservation tests of the floor switch: a stack switch, as above.
    # And io_uring: the token comes back in a completion the kernel writes, an ordering TSan cannot
    # see, so it reports the partner's writes before the handover as racing with the reads after.
    exclude="$exclude|asio|io_uring|FloorSwitch"
    # TSan starts a thread of its own beside the first one a test makes, which the bare loops' count
    # of this process's threads sees; and an instrumented clock loop steps 55 ns, too close to the
    # involuntary_switch family's 1 µs span threshold, which refuses the run (as it should).
    exclude="$exclude|BareLoops\.EachRunsItsRoundTrips|InvoluntarySwitch\.A(ShortRun|LoneTask)"
    # And every test that runs the bench_switch binary (tests/runs_the_binary.regex): this build
    # does not make it (tests/CMakeLists.txt). The binary's code is the units' code, which the tests
    # here cover; the ASan build runs the binary itself. It halves this step's build and test time.
    exclude="$exclude|$(grep -v '^#' tests/runs_the_binary.regex | paste -sd'|')"
    export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
    ;;
  *) echo "usage: $0 asan|tsan" >&2; exit 2 ;;
esac
dir=build-$kind
# A unity build (several files compiled as one): these builds are never measured, and it halves
# their compile time, most of which is the same templates (JSON, fmt, GoogleTest) in every file.
# Sixteen files a batch, not CMake's eight: a tenth less again (ASan on machine B, 202 s against 223 s).
cmake -B "$dir" -DBENCH_SWITCH_WERROR=ON -DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=16 "$flag" > /dev/null
cmake --build "$dir" -j2 --target bench_switch_tests
# Two at a time: the tests hold on a loaded machine (docs/FAULTS.md), and this halves the time.
ctest --test-dir "$dir" --output-on-failure -j2 -E "$exclude"
