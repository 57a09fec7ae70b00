// The c2c family's settings, from bench_switch's command line (--c2c-cpus, --c2c-budget).
#pragma once
#include <string>

namespace bench_switch {

struct C2cSettings {
  std::string cpus = "cores";  // c2c_cpus' spec: cores, all, or a list with a stride
  double budget_s = 10;        // for the whole matrix, both carriers: each gets half
};
C2cSettings& c2c_settings();
// The spec's error on this machine, or "": main refuses a bad --c2c-cpus before measuring.
std::string check_c2c_cpus(const std::string& spec);

}  // namespace bench_switch
