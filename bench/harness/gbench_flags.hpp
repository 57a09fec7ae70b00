// The Google Benchmark flags of a run: the mode's defaults, then the user's.
#pragma once
#include "options.hpp"

namespace bench_switch {

// Initializes Google Benchmark with the mode's defaults (repetitions, minimum time; --quick's
// filter), then the user's flags, which win (Google Benchmark keeps the last value of a flag);
// shrinks the fixed budgets (--quick) and sets every benchmark's repetitions (--repetitions).
// A flag Google Benchmark does not take is a usage error.
void initialize_google_benchmark(const Options& options, const char* program);

}  // namespace bench_switch
