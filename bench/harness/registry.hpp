// Registration with Google Benchmark. A family's file includes this one header: it brings the
// rest of what a family declares (its entries' fields, its view, summaries, findings, budgets,
// quick set, skips, attachments), each in a header of its own.
#pragma once
#include <benchmark/benchmark.h>

#include <functional>
#include <string>

#include "attachments.hpp"
#include "budgets.hpp"
#include "entry_fields.hpp"
#include "family_view.hpp"
#include "figures.hpp"
#include "findings.hpp"
#include "quick_set.hpp"
#include "skips.hpp"
#include "summaries.hpp"

namespace bench_switch {

// Registers `fn` as `name`. Every bench_switch benchmark reports manual time: it times exactly
// what it measures (never partner creation or teardown) and hands it to SetIterationTime.
benchmark::internal::Benchmark* add_benchmark(const std::string& name, EntryFields fields,
                                              std::function<void(benchmark::State&)> fn);

}  // namespace bench_switch
