// Family `footprint` (lmbench lat_ctx's size axis): what a switch costs once each task has its own
// data to bring back into the cache. Each side touches its own S-byte working set (one write per
// cache line) every time it gets the token, in the switch family's loop; the cost of touching S
// once with no switch (hot in cache, in one task) is measured alone and subtracted:
//   ns_per_switch_net = ns_per_switch - touch_ns
// so what remains is the switch plus the cache refill the switch causes (the other side's set has
// pushed out part of this one's). Both sides together hold 2·S.
#include <fmt/format.h>

#include "measure/work.hpp"
#include "registry.hpp"
#include "switch_latency.hpp"

namespace bench_switch {
namespace {

constexpr std::size_t kSetBytes[] = {0, 4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20};
constexpr std::pair<const char*, PlacementKind> kMechanisms[] = {
    {"thread_futex", PlacementKind::same_cpu},
    {"process_pipe", PlacementKind::same_cpu},
    {"fcontext_fiber", PlacementKind::one_thread},
};

void BM_Footprint(benchmark::State& state, const SwitchCase& c) {
  BM_Switch(state, c);
  if (state.error_occurred()) return;
  const double touch = work_alone_ns(c.work);
  state.counters["touch_ns"] = touch;
  state.counters["ns_per_switch_net"] = state.counters["ns_per_switch"].value - touch;
}

const bool registered = [] {
  describe_family("footprint", {"ns per switch, each side touching its own S bytes; net = minus the touch alone",
                                {{"touch_ns", "touch ns"}, {"ns_per_switch_net", "net ns"}, {"kernel_switches_per_switch", "ksw"}}});
  for (const auto& [name, where] : kMechanisms) {
    const Mechanism* m = find_mechanism(name);
    for (const std::size_t bytes : kSetBytes) {
      const std::string bench_name = fmt::format("footprint/{}/S_bytes:{}", m->name, bytes);
      EntryFields fields{"footprint", m->name.data(), std::string(to_string(m->kind)), std::string(m->task),
                         std::string(to_string(where)), "ns per switch, each side touching its own S-byte set per switch",
                         {{"S_bytes", bytes}}};
      fixed_budget(add_benchmark(bench_name, fields,
                                 [c = SwitchCase{m, where, Work{0, bytes}, bench_name}](benchmark::State& s) {
                                   BM_Footprint(s, c);
                                 }),
                   3, 0.02);
      if (bytes == 64 << 10 && m->kind != Kind::preemptive) mark_quick(bench_name);
      if (bytes == 64 << 10 && m->name == "thread_futex") mark_quick(bench_name);
    }
  }
  return true;
}();

}  // namespace
}  // namespace bench_switch
