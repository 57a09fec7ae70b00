#include "measure/handoff_timing.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <string>

#include "measure/clock.hpp"
#include "run_warnings.hpp"

namespace bench_switch {

Batch time_round_trips(Handoff& handoff, std::uint64_t round_trips) {
  const std::uint64_t t0 = now_ns(), c0 = counter_ticks();
  handoff.run(round_trips);
  const std::uint64_t c1 = counter_ticks(), t1 = now_ns();
  return {2 * round_trips, static_cast<double>(t1 - t0), static_cast<double>(c1 - c0)};
}

std::uint64_t calibrate_round_trips(Handoff& handoff, double target_ns) {
  std::uint64_t n = 1;
  for (;;) {
    const Batch b = time_round_trips(handoff, n);
    if (b.wall_ns >= target_ns / 4 || n >= (std::uint64_t{1} << 30)) {
      const double per_round = b.wall_ns / static_cast<double>(n);
      return std::max<std::uint64_t>(1, static_cast<std::uint64_t>(target_ns / std::max(per_round, 0.1)));
    }
    n *= 4;
  }
}

CountedPass counted_pass(Handoff& handoff, std::uint64_t round_trips) {
  CountedPass pass;
  auto counters = PerfCounters::open(handoff.tasks(), pass.perf_why_not);
  if (!counters) {
    std::ifstream paranoid("/proc/sys/kernel/perf_event_paranoid");
    std::string level = "unknown";
    paranoid >> level;
    warn_once(pass.perf_why_not + " (kernel.perf_event_paranoid " + level +
              "): the benchmarks that met it carry no perf_switches_per_switch or migrations_per_switch; ksw is from /proc");
  }
  if (counters) counters->start();
  pass.batch = time_round_trips(handoff, round_trips);
  if (counters) pass.perf = counters->stop();
  return pass;
}

double carrier_ns_per_switch(Handoff& carrier_alone, std::uint64_t round_trips) {
  time_round_trips(carrier_alone, round_trips);  // warm-up
  std::array<double, 5> per_switch{};
  for (double& v : per_switch) {
    const Batch b = time_round_trips(carrier_alone, round_trips);
    v = b.wall_ns / static_cast<double>(b.switches);
  }
  std::nth_element(per_switch.begin(), per_switch.begin() + 2, per_switch.end());
  return per_switch[2];
}

}  // namespace bench_switch
