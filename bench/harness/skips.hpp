// How a benchmark says it did not measure: a skip (this machine cannot; its reason) or a failure
// (it should have and did not), and the loop of the families whose iteration is one window.
#pragma once
#include <benchmark/benchmark.h>

#include <exception>
#include <optional>
#include <string>

namespace bench_switch {

// A benchmark that cannot measure here: a message starting "skipped:", and no figure.
void skip(benchmark::State& state, const std::string& why);
// An experiment's error: a skip when it says "skipped:", else a failure.
void skip_or_fail(benchmark::State& state, const std::string& error);
// An exception out of an experiment: a skip naming the limit when a limit refused `task` (a thread,
// a fork, memory: resource_refusal.hpp), else a failure, "`failed`: what()".
void skip_if_refused(benchmark::State& state, const std::string& task, const std::string& failed, const std::exception& e);
// The loop of a family whose one iteration is one observation window run once (timeslice,
// involuntary_switch): `measure()` returns a result with an `error` ("" when it measured); the
// window's length is the iteration's time. The last result, or nothing once a window failed
// (skipped or failed by skip_or_fail).
template <class Measure, class WindowNs>
auto run_windows(benchmark::State& state, Measure measure, WindowNs window_ns) -> std::optional<decltype(measure())> {
  decltype(measure()) r;
  for (auto _ : state) {
    r = measure();
    if (!r.error.empty()) {
      skip_or_fail(state, r.error);
      return std::nullopt;
    }
    state.SetIterationTime(window_ns(r) * 1e-9);
  }
  return r;
}
// A failure in the middle of the timed loop (a partner lost) of the benchmark `key`. Google
// Benchmark 1.7 crashes the whole program when it aggregates repetitions whose iteration counts
// differ, or whose first one failed. So the loop is first run out, untimed, in batches of
// `batch` (the size the other repetitions use), and only then is the failure reported; and every
// later repetition of `key` is to fail the same way at once (earlier_failure). The run goes on.
// `loop_finished`: the failure came after the timed loop had run out (in a counted pass): it is
// only reported.
void fail_mid_loop(benchmark::State& state, benchmark::IterationCount batch, const std::string& key,
                   const std::string& error, bool loop_finished = false);
// The error an earlier repetition of `key` failed with, or nullptr.
const std::string* earlier_failure(const std::string& key);

}  // namespace bench_switch
