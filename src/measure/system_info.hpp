// What a reader needs to trust a figure: the machine, the kernel and its scheduler settings, the
// clocks, the build. Goes into the JSON's context.bench_switch block.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace bench_switch {

nlohmann::json system_context();

// The first line of `path` with surrounding white space removed, or "" when it cannot be read.
std::string read_first_line(const std::string& path);

}  // namespace bench_switch
