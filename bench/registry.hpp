// Registration with Google Benchmark, plus the fields each JSON entry carries beyond Google
// Benchmark's own (family, mechanism, placement, params, unit: docs/JSON.md), so that plotting
// and comparing never parse benchmark names.
#pragma once
#include <benchmark/benchmark.h>

#include <functional>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace bench_switch {

struct EntryFields {
  std::string family;     // switch, timeslice, granularity, ...
  std::string mechanism;  // thread_futex, fcontext_fiber, ...
  std::string kind;       // preemptive, cooperative, baseline
  std::string task;       // thread, process, fiber, coroutine, call
  std::string placement;  // same_cpu, cross_cpu, unpinned, one_thread
  std::string unit;       // what real_time is, in one sentence
  nlohmann::json params = nlohmann::json::object();
};

// Registers `fn` as `name`. Every bench_switch benchmark reports manual time: it times exactly
// what it measures (never partner creation or teardown) and hands it to SetIterationTime.
benchmark::internal::Benchmark* add_benchmark(const std::string& name, EntryFields fields,
                                              std::function<void(benchmark::State&)> fn);

// The fields registered for the benchmark a JSON entry's run_name belongs to, or nullptr.
const EntryFields* fields_for(const std::string& run_name);
nlohmann::json to_json(const EntryFields& fields);

// How a family appears in the console table: the sentence that says what its figure is, and the
// counters shown beside the median (counter name, column label). Declared by the family's own file.
struct FamilyView {
  std::string headline;
  std::vector<std::pair<std::string, std::string>> counters;
};
void describe_family(const std::string& family, FamilyView view);
const FamilyView* view_of(const std::string& family);
// Words a family appends to each of its rows, made from the row's counters: what a number alone
// cannot say (a figure below its own noise, a slice that disagrees with the kernel's settings).
using RowNote = std::function<std::string(const benchmark::UserCounters&)>;
void add_row_note(const std::string& family, RowNote note);
const RowNote* row_note_of(const std::string& family);

// A figure derived across a family's results (a break-even point, an observed time slice): `make`
// gets the completed JSON's "benchmarks" array and returns what goes under summaries[name].
void add_summary(const std::string& name, std::function<nlohmann::json(const nlohmann::json& benchmarks)> make);
nlohmann::json summaries(const nlohmann::json& benchmarks);

// What a run found on this machine: one sentence with its numbers, computed from the run's own
// figures, never written in advance. `find` gets the completed document (benchmarks, summaries,
// context) and returns nothing when the run lacks the figures it needs (a filtered run). A finding
// whose figures are not resolved says so, and what could not be resolved, instead of a number.
struct Finding {
  std::string text;
  std::vector<std::string> benchmarks;  // the benchmarks it rests on
  bool resolved = true;
};
void add_finding(const std::string& name, std::function<std::optional<Finding>(const nlohmann::json& doc)> find);
// summaries.findings: [{name, text, benchmarks, resolved}], in the order the families registered them.
nlohmann::json findings(const nlohmann::json& doc);
// A benchmark's aggregate entry (`median`, `stddev`, ...) by its registered name, or nullptr.
const nlohmann::json* aggregate_of(const nlohmann::json& doc, const std::string& name, const std::string& aggregate);
// A benchmark's headline figure (real_time, ns) over its repetitions: median and stddev. Nothing
// when it was not measured (filtered out, skipped, failed) or had fewer than two repetitions.
struct Figure {
  double median = 0, stddev = 0;
  double relative() const { return stddev / median; }
};
std::optional<Figure> figure_of(const nlohmann::json& doc, const std::string& name);
// a / b, its relative spread (the two figures' relative stddevs in quadrature), and whether it
// differs from 1 by more than twice that spread: the one rule every finding's ratio is judged by.
struct FigureRatio {
  double value = 0, spread = 0;
  bool resolved = false;
};
FigureRatio ratio_of(const Figure& a, const Figure& b);

// Fields that do not fit Google Benchmark's per-repetition entries (a histogram is not a number):
// the benchmark attaches a JSON object to the repetition it is running; it is kept here under a
// number, which travels as that repetition's counter `bench_switch_attachment`. Google Benchmark
// reports only the calls it keeps (not its sizing runs), so the object reaches exactly the entry
// of the call that made it: main merges it into the entry that carries the number and removes the
// counter from every entry (aggregates too). The one way such fields reach the JSON; docs/JSON.md.
inline constexpr const char* kAttachmentCounter = "bench_switch_attachment";
void attach_to_entry(benchmark::State& state, nlohmann::json fields);
const nlohmann::json* attachment_of(const benchmark::UserCounters& counters);
void merge_attachments(nlohmann::json& benchmarks);

// Families whose points each take long (sweeps, rings, time slices) fix their own repetitions and
// minimum time, overriding --benchmark_repetitions and --benchmark_min_time, so that the default
// run stays within its time budget. docs/METHODOLOGY.md lists them.
benchmark::internal::Benchmark* fixed_budget(benchmark::internal::Benchmark* b, int repetitions, double min_time_s);

// The quick set (`bench_switch --quick`): each family marks the few benchmarks that represent it,
// at least one per mechanism kind and placement; quick mode runs only those, with the budgets below.
void mark_quick(const std::string& name);
std::string quick_filter();  // a --benchmark_filter regex that selects exactly the quick set
// Shrinks every fixed budget to `repetitions` x `min_time_s` (quick mode); call before running.
void shrink_fixed_budgets(int repetitions, double min_time_s);
// Sets the repetitions of every benchmark (`bench_switch --repetitions N`): the fixed budgets and
// the families that run once (memory, timeslice, preemption_cost, c2c) too, so that every figure
// gets a spread a rank test can use. Minimum times stay. Call before running.
void set_repetitions_everywhere(int repetitions);
// Google Benchmark writes a benchmark's own budget into its name (/min_time:0.020, /repeats:3,
// /iterations:1), so a budget change would rename it. The entry's name and run_name lose it, and
// "budget" holds it: {"min_time_s", "iterations"} (null: the run's default) and "repetitions".
void budget_into_fields(nlohmann::json& entry);

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
