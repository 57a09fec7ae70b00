// Family `footprint` (lmbench lat_ctx's size axis): what a switch costs once each task has its own
// data to bring back into the cache. Each side touches its own S-byte working set (one write per
// cache line) every time it gets the token, in the switch family's loop. The control, timed in
// batches that alternate with the switched ones, is one task doing both sides' accesses in the
// same order, on the same two sets (2·S in all), and the carrier's own syscalls, with no switch
// (NoSwitchControl; Li, Ding and Shen 2007):
//   ns_per_switch_net = (switched − control) per switch: the median of the pairs of batches, and its
//                       95 % interval (net_lo_ns, net_hi_ns)
// so what remains is the switch and the refill the switch itself causes; a refill that comes from
// the two sets together overflowing a cache is in the control too, and cancels. A net within its
// interval of zero reads as zero (summaries.footprint).
#include <fmt/format.h>

#include <cmath>
#include <map>

#include "measure/no_switch_control.hpp"
#include "measure/work.hpp"
#include "registry.hpp"
#include "repetitions.hpp"
#include "switch.hpp"

namespace bench_switch {
namespace {

constexpr std::size_t kSetBytes[] = {0, 4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20};
constexpr std::pair<const char*, PlacementKind> kFootprintMechanisms[] = {
    {"thread_futex", PlacementKind::same_cpu},
    {"process_pipe", PlacementKind::same_cpu},
    {"fcontext_fiber", PlacementKind::one_thread},
};

void BM_Footprint(benchmark::State& state, const SwitchCase& c) {
  BM_Switch(state, c);
  if (state.error_occurred()) return;
  auto& k = state.counters;
  k["control_ns"] = k["control_ns_per_switch"].value;
  k["ns_per_switch_net"] = k["over_control_ns"].value;
  k["net_lo_ns"] = k["over_control_lo_ns"].value;
  k["net_hi_ns"] = k["over_control_hi_ns"].value;
}

// Per mechanism and S: the net over the repetitions (repetitions.hpp), whether it is resolved
// from zero, and what it reads as: the net, or zero when it is not resolved.
nlohmann::json footprint_summary(const nlohmann::json& benchmarks) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [mechanism, by_size] : repetitions_by(benchmarks, "footprint", "S_bytes", "net_lo_ns")) {
    for (const auto& [bytes, rs] : by_size) {
      const MedianInterval net = over_repetitions(rs, "ns_per_switch_net", "net_lo_ns", "net_hi_ns");
      const bool resolved = net.above(0) || net.below(0);
      out[mechanism].push_back({{"S_bytes", bytes}, {"net_ns", net.median}, {"net_lo_ns", number_or_null(net.lo)},
                                {"net_hi_ns", number_or_null(net.hi)}, {"resolved", resolved}, {"reads_as_ns", resolved ? net.median : 0.0},
                                {"repetitions", rs.size()}});
    }
  }
  return out;
}

// Per mechanism, the largest net that is resolved, and how many nets read as zero.
std::optional<Finding> footprint_finding(const nlohmann::json& doc) {
  const auto& all = doc["summaries"].value("footprint", nlohmann::json::object());
  if (all.empty()) return std::nullopt;
  std::string text = "what a switch adds beyond the same accesses with no switch:";
  bool first = true, any_negative = false;
  for (const auto& [mechanism, points] : all.items()) {
    int zero = 0;
    const nlohmann::json* largest = nullptr;
    for (const auto& p : points) {
      if (!p.value("resolved", false)) {
        ++zero;
        continue;
      }
      if (p["net_ns"].get<double>() < 0) any_negative = true;
      if (largest == nullptr || p["net_ns"].get<double>() > (*largest)["net_ns"].get<double>()) largest = &p;
    }
    text += first ? " " : "; ";
    first = false;
    text += largest ? fmt::format("{} up to {:.0f} ns [{:.0f}, {:.0f}] (S = {:.0f} KiB)", mechanism, (*largest)["net_ns"].get<double>(),
                                  (*largest)["net_lo_ns"].get<double>(), (*largest)["net_hi_ns"].get<double>(),
                                  (*largest)["S_bytes"].get<double>() / 1024)
                    : mechanism + " nothing resolved";
    if (zero) text += fmt::format(", {} of {} within their interval of zero", zero, points.size());
  }
  if (any_negative) text += "; FAILED MEASUREMENT: a net below zero beyond its interval";
  return Finding{text, {"footprint"}, !any_negative};
}

const bool footprint_registered = [] {
  add_finding("footprint", footprint_finding);
  describe_family("footprint", {"ns per switch, each side touching its own S bytes; net = minus the same accesses and "
                                "syscalls in one task with no switch (alternate batches): median of the pairs, 95 % interval",
                                {{"control_ns", "control ns"}, {"ns_per_switch_net", "net ns"}, {"net_lo_ns", "lo"}, {"net_hi_ns", "hi"},
                                 {"kernel_switches_per_switch", "ksw"}}});
  add_summary("footprint", footprint_summary);
  // A net whose interval holds zero is not a cost: the row says so beside the number it shows.
  add_row_note("footprint", [](const benchmark::UserCounters& c) -> std::string {
    const auto lo = c.find("net_lo_ns"), hi = c.find("net_hi_ns");
    if (lo == c.end() || hi == c.end() || !(lo->second.value <= 0 && hi->second.value >= 0)) return "";
    return "net unresolved: its interval holds 0";
  });
  for (const auto& [name, where] : kFootprintMechanisms) {
    const Mechanism* m = find_mechanism(name);
    for (const std::size_t bytes : kSetBytes) {
      const std::string bench_name = fmt::format("footprint/{}/S_bytes:{}", m->name, bytes);
      EntryFields fields{"footprint", m->name.data(), std::string(to_string(m->kind)), std::string(to_string(m->task)),
                         std::string(to_string(where)), "ns per switch, each side touching its own S-byte set per switch",
                         {{"S_bytes", bytes}}};
      const Work work{0, bytes};
      const auto control = [work, m] { return std::make_unique<NoSwitchControl>(work, m->carrier_alone ? m->carrier_alone() : nullptr); };
      fixed_budget(add_benchmark(bench_name, fields,
                                 [c = SwitchCase{m, where, work, bench_name, control}](benchmark::State& s) { BM_Footprint(s, c); }),
                   3, 0.02);
      if (bytes == 64 << 10 && m->kind != Scheduling::preemptive) mark_quick(bench_name);
      if (bytes == 64 << 10 && m->name == "thread_futex") mark_quick(bench_name);
    }
  }
  return true;
}();

}  // namespace
}  // namespace bench_switch
