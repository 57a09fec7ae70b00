// A figure derived across a family's results (a break-even point, an observed time slice): `make`
// gets the run's "benchmarks" array, as the reporter built it in memory (fields and attachments
// merged, the aggregates of a failed benchmark dropped), and returns what goes under
// summaries[name].
#pragma once
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

namespace bench_switch {

void add_summary(const std::string& name, std::function<nlohmann::json(const nlohmann::json& benchmarks)> make);
nlohmann::json summaries(const nlohmann::json& benchmarks);

}  // namespace bench_switch
