#include "registry.hpp"

#include <fmt/format.h>

#include <cmath>
#include <memory>
#include <new>
#include <system_error>

#include "catalogue.hpp"
#include "resource_refusal.hpp"
#include "stop_signals.hpp"

namespace bench_switch {

namespace {
// One benchmark's call, so that nothing it throws ends the run (Google Benchmark 1.7 catches
// nothing: an exception would terminate the program and lose every result): a resource the
// machine refused is a skip that names it, anything else a failure of this benchmark alone.
// Before and after it, a stopping run parks the main thread (stop_signals.hpp).
void run_guarded(const std::function<void(benchmark::State&)>& fn, benchmark::State& s) {
  park_if_stopping();
  try {
    fn(s);
  } catch (const std::system_error& e) {
    const int error = e.code().category() == std::generic_category() || e.code().category() == std::system_category()
                          ? e.code().value() : 0;
    if (is_refusal(error)) {
      // what() is "what: reason"; refusal() gives the reason again, with the limit behind it.
      std::string what = e.what();
      if (const auto at = what.rfind(": " + e.code().message()); at != std::string::npos) what.erase(at);
      if (what == e.code().message()) what = "a thread or process the benchmark needed";  // std::thread's bare what()
      skip(s, refusal(what, error));
    } else {
      s.SkipWithError(e.what());
    }
  } catch (const std::bad_alloc&) {
    skip(s, refusal("out of memory", ENOMEM));
  } catch (const std::exception& e) {
    s.SkipWithError(e.what());
  }
  park_if_stopping();
}
}  // namespace

namespace {
// Google Benchmark 1.7 dereferences a missing entry when a later repetition reports a counter the
// first did not (a figure set only when resolved): the program crashes. So a repetition reports
// the first one's counters: one it lacks is NaN (written null), one the first lacked is dropped.
// It also crashes when the first repetition failed or was skipped and a later one measured: then
// a later one that measured is skipped too (one that did not keeps its own reason).
struct FirstRepetition {
  bool called = false;
  bool failed = false;
  std::vector<std::string> counters;
};

void same_counters_as_first(benchmark::State& s, FirstRepetition& first) {
  if (!first.called) {
    first.called = true;
    first.failed = s.error_occurred();
    for (const auto& [name, counter] : s.counters) first.counters.push_back(name);
    return;
  }
  if (s.error_occurred()) return;
  benchmark::UserCounters kept;
  for (const std::string& name : first.counters) {
    const auto it = s.counters.find(name);
    kept[name] = it != s.counters.end() ? it->second : benchmark::Counter(NAN);
  }
  s.counters = std::move(kept);
}

}  // namespace

benchmark::internal::Benchmark* add_benchmark(const std::string& name, EntryFields fields,
                                              std::function<void(benchmark::State&)> fn) {
  register_fields(name, fields);
  // What this benchmark's first call reported (bench_switch --repetitions makes every benchmark
  // repeat, the ones that used to run once too): later calls keep to it, as Google Benchmark needs.
  auto first = std::make_shared<FirstRepetition>();
  const auto call = [name, fn = std::move(fn), first](benchmark::State& s) {
    if (s.thread_index() == 0) begin_call(name);
    run_guarded(fn, s);
    // A repetition that measured after a first one that did not: its figure cannot be kept.
    if (first->called && first->failed && !s.error_occurred())
      skip(s, "the first repetition of this benchmark did not measure (its entry says why), and Google Benchmark 1.7 "
              "cannot aggregate repetitions after such a first one");
    same_counters_as_first(s, *first);
  };
  // Handed to Google Benchmark later, in the declared family order (catalogue.hpp).
  auto* b = defer_registration(name, fields, call)->UseManualTime()->Unit(benchmark::kNanosecond);
  track_budget(b);
  return b;
}

}  // namespace bench_switch
