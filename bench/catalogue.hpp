// The catalogue: what bench_switch measures, built from what the code registers. Each family with
// the sentence that says what its figure is and the charts it feeds; each mechanism with its kind,
// task and placements; each placement of a pair of tasks. `bench_switch --list` prints it, every
// run's JSON carries a copy (context.bench_switch.catalogue, docs/JSON.md), and the scripts read it
// instead of keeping lists of their own.
#pragma once
#include <benchmark/benchmark.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace bench_switch {

struct EntryFields;

// The families in the order they run, and so appear in the console, the JSON and the charts.
const std::vector<std::string_view>& family_order();

// A benchmark built now (so that its family can set its arguments and budgets) but handed to
// Google Benchmark by register_in_family_order: registration order is run order, and static
// initialisers would otherwise make it the link order.
benchmark::internal::Benchmark* defer_registration(const std::string& name, const EntryFields& fields,
                                                   std::function<void(benchmark::State&)> fn);
// Hands every deferred benchmark to Google Benchmark, family by family in family_order(), each
// family's in the order it registered them. Call once, before anything lists or runs them. A
// family missing from family_order() is a programming error: one line, exit 1.
void register_in_family_order();

nlohmann::json catalogue();
// The catalogue for a reader: families, then mechanisms, then placements.
std::string catalogue_text(const nlohmann::json& catalogue);
// `bench_switch --list[=FORMAT]`: "text" or "json" on standard output. Returns the exit status.
int print_catalogue(const std::string& format);

}  // namespace bench_switch
