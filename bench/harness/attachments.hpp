// Fields that do not fit Google Benchmark's per-repetition entries (a histogram is not a number):
// a benchmark attaches a JSON object to the call it is running, and the reporter merges it into
// the entry of the repetition that call became (docs/JSON.md). Nothing of it travels through
// Google Benchmark: no counter, no text.
//
// Which call became which repetition: in its first repetition Google Benchmark calls a benchmark
// with growing iteration counts until one is long enough and keeps only that last call; every
// later repetition is one call at that count; the repetitions are reported together once the last
// has run. So of the calls made since a benchmark's last report, the last N are its N reported
// repetitions, in order, and the ones before them were sizing calls.
#pragma once
#include <benchmark/benchmark.h>

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace bench_switch {

// Merges `fields` into the entry of the repetition `state` belongs to (thread 0's, if several).
void attach_to_entry(benchmark::State& state, nlohmann::json fields);

// add_benchmark's wrapper, before each call of the benchmark registered as `name`.
void begin_call(const std::string& name);
// attach_to_entry's, once the state's thread is known to be the one whose entry it is.
void attach_to_current_call(const nlohmann::json& fields);
// The attachments of the last `repetitions` calls of `name`, oldest first (null where a call
// attached nothing), and every call of it forgotten: called once per report of `name`.
std::vector<nlohmann::json> take_attachments(const std::string& name, std::size_t repetitions);

}  // namespace bench_switch
