// The quick set (`bench_switch --quick`): each family marks the few benchmarks that represent it,
// at least one per mechanism kind and placement; quick mode runs only those, with shrunk budgets
// (budgets.hpp).
#pragma once
#include <string>

namespace bench_switch {

void mark_quick(const std::string& name);
std::string quick_filter();  // a --benchmark_filter regex that selects exactly the quick set

}  // namespace bench_switch
