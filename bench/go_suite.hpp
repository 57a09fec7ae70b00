// The Go rows (docs/GO.md): `bench_switch --with-go` runs bench_go, built beside bench_switch
// from go/ when the build found Go, and merges its entries into the run's JSON as the Python
// suite's are merged. Without Go, the rows are skipped and the JSON says why.
#pragma once
#include <nlohmann/json.hpp>

namespace bench_switch {

// bench_go's document, or {"skipped": reason} when there is no Go here. A bench_go that fails
// ends the run: one line, exit 1, nothing written (as for the Python suite).
nlohmann::json run_go_suite(bool quick, bool quiet_stdout);

// Appends the Go entries to doc["benchmarks"] and bench_go's context (or the skip's reason) under
// doc["context"]["bench_switch"]["go"].
void merge_go_suite(nlohmann::json& doc, const nlohmann::json& go);

}  // namespace bench_switch
