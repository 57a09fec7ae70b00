// A benchmark's budget: repetitions and minimum time, the run's defaults or its family's own.
#pragma once
#include <benchmark/benchmark.h>

#include <nlohmann/json.hpp>

namespace bench_switch {

// Families whose points each take long (sweeps, rings, time slices) fix their own repetitions and
// minimum time, overriding --benchmark_repetitions and --benchmark_min_time, so that the default
// run stays within its time budget. docs/METHODOLOGY.md lists them.
benchmark::internal::Benchmark* fixed_budget(benchmark::internal::Benchmark* b, int repetitions, double min_time_s);
// Shrinks every fixed budget to `repetitions` x `min_time_s` (quick mode); call before running.
void shrink_fixed_budgets(int repetitions, double min_time_s);
// Sets the repetitions of every benchmark (`bench_switch --repetitions N`): the fixed budgets and
// the families that run once (memory, timeslice, preemption_cost, c2c) too, so that every figure
// gets a spread a rank test can use. Minimum times stay. Call before running.
void set_repetitions_everywhere(int repetitions);
// add_benchmark's: every registered benchmark, for set_repetitions_everywhere.
void track_budget(benchmark::internal::Benchmark* b);
// Google Benchmark writes a benchmark's own budget into its name (/min_time:0.020, /repeats:3,
// /iterations:1), so a budget change would rename it. The entry's name and run_name lose it, and
// "budget" holds it: {"min_time_s", "iterations"} (null: the run's default) and "repetitions".
void budget_into_fields(nlohmann::json& entry);

}  // namespace bench_switch
