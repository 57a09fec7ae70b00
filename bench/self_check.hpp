// The harness against bare loops, in every run: for each family headline that has a short loop
// (src/bare_loops/), its benchmark times the bare loop's batches interleaved with its own
// (measure/self_check_pairs.hpp). summaries.self_check holds every pair; a pair beyond the margin
// is a FAILED MEASUREMENT and marks its family's findings so (docs/METHODOLOGY.md, self-check).
#pragma once
#include <benchmark/benchmark.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "reported_run.hpp"

#include "measure/self_check_pairs.hpp"

namespace bench_switch {

// The bare loop registered for the benchmark `name`, or an empty function.
MakeBareLoop bare_loop_for(const std::string& name);

// bare_ns_per_switch, self_check_ratio (harness / bare, per pair) with _lo and _hi, self_check_pairs.
void add_self_check_counters(const SelfCheckFigures& pairs, benchmark::UserCounters& counters);

// summaries.self_check from the repetitions of every family that has a bare loop: {margin, pairs:
// {benchmark: {family, harness_ns, bare_ns, ratio, ratio_lo, ratio_hi, repetitions, verdict}},
// failed_families: [...]}.
nlohmann::json self_check_summary(const std::vector<ReportedRun>& repetitions);

}  // namespace bench_switch
