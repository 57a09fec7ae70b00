// The fields each JSON entry carries beyond Google Benchmark's own (family, mechanism, placement,
// params, unit: docs/JSON.md), registered with the benchmark, so that plotting and comparing never
// parse benchmark names.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

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

// add_benchmark's: the fields of the benchmark registered as `name`.
void register_fields(const std::string& name, EntryFields fields);
// The fields registered under `name` (a run's run_name.function_name), or nullptr.
const EntryFields* fields_of(const std::string& name);
// The entry's fields, with the CPUs the placement used and what they share.
nlohmann::json to_json(const EntryFields& fields);

}  // namespace bench_switch
