#include "experiments/c2c.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "measure/clock.hpp"
#include "measure/handoff_timing.hpp"
#include "measure/idle_states.hpp"
#include "measure/kernel_counters.hpp"
#include "measure/paired_batches.hpp"
#include "resource_refusal.hpp"
#include "wait_bound.hpp"

namespace bench_switch {

namespace {
// "0-7,12" into its numbers, each from 0 to `highest` and listed once; "" or why not. The bound is
// checked before a range is expanded, so that 0-2147483647 costs nothing.
std::string parse_list(const std::string& text, int highest, std::vector<int>& out) {
  std::stringstream in(text);
  std::string item;
  std::set<int> seen;
  while (std::getline(in, item, ',')) {
    int lo = 0, hi = 0;
    char dash = 0, rest = 0;
    std::stringstream one(item);
    if (!(one >> lo) || lo < 0) return "not";
    hi = lo;
    if (one >> dash && (dash != '-' || !(one >> hi) || hi < lo)) return "not";
    if (one >> rest) return "not";
    if (hi > highest) return fmt::format("CPU {} is beyond the highest this process may use, {}", hi, highest);
    for (int c = lo; c <= hi; ++c)
      if (!seen.insert(c).second) return fmt::format("CPU {} is listed twice", c);
    for (int c = lo; c <= hi; ++c) out.push_back(c);
  }
  return out.empty() || text.empty() || text.back() == ',' ? "not" : "";
}
}  // namespace

std::vector<int> c2c_cpus(const Topology& t, const std::string& spec, std::string& error) {
  if (spec == "cores") return t.one_per_core();
  if (spec == "all") return t.cpus();
  const auto colon = spec.find(':');
  const std::vector<int> allowed = t.cpus();
  const int highest = allowed.empty() ? -1 : *std::max_element(allowed.begin(), allowed.end());
  std::vector<int> listed;
  int stride = 1;
  char after = 0;
  const std::string list_error = parse_list(spec.substr(0, colon), highest, listed);
  if (list_error.empty() && colon != std::string::npos &&
      (std::sscanf(spec.c_str() + colon + 1, "%d%c", &stride, &after) != 1 || stride < 1))
    error = fmt::format("--c2c-cpus={}: the stride after ':' is not a whole number above 0", spec);
  else if (list_error == "not")
    error = fmt::format("--c2c-cpus={}: not 'cores', 'all' or a CPU list with an optional stride (e.g. 0-63:4)", spec);
  else if (!list_error.empty())
    error = fmt::format("--c2c-cpus={}: {}", spec, list_error);
  if (!error.empty()) return {};
  std::vector<int> out;
  for (std::size_t i = 0; i < listed.size(); i += static_cast<std::size_t>(stride))
    if (std::find(allowed.begin(), allowed.end(), listed[i]) != allowed.end()) out.push_back(listed[i]);
  if (out.empty()) error = fmt::format("--c2c-cpus={}: none of these CPUs is allowed to this process", spec);
  return out;
}

std::vector<std::pair<int, int>> c2c_pair_order(const Topology& t, const std::vector<int>& cpus, bool diagonal) {
  // Pairs grouped by relation (nearest first), each group in a fixed pseudo-random order so that a
  // budget cut leaves no corner of the machine unsampled; then one of each group in turn.
  std::map<int, std::vector<std::pair<int, int>>> groups;
  for (std::size_t i = 0; i < cpus.size(); ++i)
    for (std::size_t j = diagonal ? i : i + 1; j < cpus.size(); ++j)
      groups[static_cast<int>(t.relation(cpus[i], cpus[j]))].emplace_back(cpus[i], cpus[j]);
  std::minstd_rand shuffle(1);
  for (auto& [relation, pairs] : groups) std::shuffle(pairs.begin(), pairs.end(), shuffle);
  std::vector<std::pair<int, int>> order;
  for (std::size_t k = 0;; ++k) {
    bool any = false;
    for (auto& [relation, pairs] : groups)
      if (k < pairs.size()) order.push_back(pairs[k]), any = true;
    if (!any) break;
  }
  return order;
}

namespace {
// Batches of about 0.2 ms after a warm-up: a cell is a handful of batches, so that a matrix of
// hundreds of pairs fits a budget of seconds; the median of 7 stands against one interrupted batch.
constexpr double kCellBatchNs = 2e5;

C2cCell measure_cell(const Mechanism& m, int measuring, int partner) {
  const Placement p = pinned_pair(measuring, partner);
  ScopedPin pin(p.measuring);
  WaitBound bound;  // a partner that stops answering ends the cell, named, instead of hanging the matrix
  const auto handoff = m.make(p, Work{});
  const std::uint64_t rounds = calibrate_round_trips(*handoff, kCellBatchNs);
  const TaskCounts before = read_task_counts(handoff->tasks());
  const std::vector<int> pair_cpus = measuring == partner ? std::vector<int>{measuring} : std::vector<int>{measuring, partner};
  const IdleCounts idle_before = read_idle_counts("", pair_cpus);
  std::vector<double> per_switch;
  std::uint64_t switches = 0;
  for (int b = 0; b < kC2cCellBatches; ++b) {
    const Batch batch = time_round_trips(*handoff, rounds);
    per_switch.push_back(batch.wall_ns / static_cast<double>(batch.switches));
    switches += batch.switches;
  }
  IdleUse idle;
  idle.add(idle_before, read_idle_counts("", pair_cpus));
  const TaskCounts kernel = read_task_counts(handoff->tasks()) - before;
  const MedianInterval mi = median_interval(per_switch);
  const double n = static_cast<double>(switches);
  return {mi.median, mi.lo, mi.hi, static_cast<double>(kernel.voluntary + kernel.involuntary) / n,
          idle_before.names.empty() ? NAN : static_cast<double>(idle.deep_entries) / n};
}
}  // namespace

C2cMatrix measure_c2c(const Mechanism& m, const std::vector<int>& cpus, const std::vector<std::pair<int, int>>& order,
                      double budget_s, const C2cCellGuard& guard) {
  C2cMatrix out;
  out.cpus = cpus, out.budget_s = budget_s, out.pairs_total = order.size();
  out.cells.assign(cpus.size(), std::vector<std::optional<C2cCell>>(cpus.size()));
  const auto index = [&](int cpu) { return static_cast<std::size_t>(std::find(cpus.begin(), cpus.end(), cpu) - cpus.begin()); };
  const std::uint64_t start = now_ns();
  const auto elapsed = [&] { return static_cast<double>(now_ns() - start) * 1e-9; };
  for (const auto& [a, b] : order) {
    if (elapsed() >= budget_s) break;
    try {
      const std::shared_ptr<void> held = guard ? guard(a, b) : nullptr;
      out.cells[index(a)][index(b)] = measure_cell(m, a, b);
      ++out.pairs_measured;
    } catch (const std::exception& e) {  // PinRefused, PartnerLost: the pair is left out, and said
      // A limit's refusal names the limit: "cpus 0,1: … (RLIMIT_NPROC 3: …)".
      const std::string refused = skip_for(fmt::format("cpus {},{}", a, b), e);
      if (out.failure.empty()) {
        out.failure = refused.empty() ? fmt::format("cpus {},{}: {}", a, b, e.what()) : refused.substr(std::size("skipped: ") - 1);
        out.refused = !refused.empty();
      }
    }
  }
  out.elapsed_s = elapsed();
  return out;
}

}  // namespace bench_switch
