// The Python rows (docs/PYTHON.md): `bench_switch --with-python` runs scripts/bench_python.py
// before the native suite, so that a failure costs no native run, and merges its entries into
// the run's JSON.
#pragma once
#include <nlohmann/json.hpp>

namespace bench_switch {

// The Python suite's document. One that fails ends the run: one line, exit 1, nothing written.
nlohmann::json run_python_suite(bool quick, bool quiet_stdout);

// Appends the Python entries to doc["benchmarks"] and the suite's context under
// doc["context"]["bench_switch"]["python"].
void merge_python_suite(nlohmann::json& doc, const nlohmann::json& python);

}  // namespace bench_switch
