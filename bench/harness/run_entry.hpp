// One Google Benchmark run as the JSON entry Google Benchmark's own JSONReporter writes for it
// (1.7: the same names and layout, counters flattened beside the times), so that its compare.py,
// jq and every reader of that format read bench_switch's file. A non-finite double (the cv of a
// counter that is always 0) is JSON null: JSONReporter would write a bare NaN, which is not JSON.
#pragma once
#include <benchmark/benchmark.h>

#include <nlohmann/json.hpp>
#include <string>

namespace bench_switch {

nlohmann::json gbench_entry(const benchmark::BenchmarkReporter::Run& run);

// A run's name as registered, without what Google Benchmark appends (/manual_time, /min_time:…,
// /repeats:…): the name the console and the findings say.
std::string display_name(const std::string& run_name);

}  // namespace bench_switch
