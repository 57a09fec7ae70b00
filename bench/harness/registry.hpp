// Registration with Google Benchmark, and the fields each JSON entry carries beyond Google
// Benchmark's own (family, mechanism, placement, params, unit: docs/JSON.md), so that plotting
// and comparing never parse benchmark names. A family's file includes this one header: it brings
// the rest of what a family declares (its view, summaries, findings, budgets, quick set, skips,
// attachments), each in a header of its own.
#pragma once
#include <benchmark/benchmark.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "attachments.hpp"
#include "budgets.hpp"
#include "family_view.hpp"
#include "figures.hpp"
#include "findings.hpp"
#include "quick_set.hpp"
#include "skips.hpp"
#include "summaries.hpp"

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

// The fields registered under `name` (a run's run_name.function_name), or nullptr.
const EntryFields* fields_of(const std::string& name);
nlohmann::json to_json(const EntryFields& fields);

}  // namespace bench_switch
