// Family `c2c`: one kernel handoff between every pair of the chosen CPUs, for two carriers: the
// busy-spin turn word (one cache line bouncing between two cores, core-to-core-latency's figure)
// and the futex wake-up (the same handoff with the kernel putting the waiter to sleep and waking
// it). One entry per carrier, `c2c/<mechanism>/all_pairs`: its figure is the median cell, in ns
// per one-way handoff; summaries.c2c holds the matrices, the CPUs' places, and what was sampled.
#include "c2c.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>

#include "experiments/c2c.hpp"
#include "measure/idle_control.hpp"
#include "measure/idle_states.hpp"
#include "measure/paired_batches.hpp"
#include "measure/placement_pairs.hpp"
#include "registry.hpp"

namespace bench_switch {

C2cSettings& c2c_settings() {
  static C2cSettings s;
  return s;
}

std::string check_c2c_cpus(const std::string& spec) {
  std::string error;
  const Topology* t = machine_topology(&error);
  if (t != nullptr) c2c_cpus(*t, spec, error);
  return error;
}

namespace {
constexpr const char* kCarriers[] = {"thread_spin", "thread_futex"};

// The futex matrix again with the CPUs awake and busy (measure/idle_control.hpp): the wake-up's
// target CPU leaving its idle state is most of a cross-CPU futex figure on a guest. Each of the two
// gets a tenth of the budget (the round robin over relations samples every relation alike); on a
// machine of a few CPUs they take milliseconds.
constexpr const char* kC2cIdleCarrier = "thread_futex";
constexpr double kC2cIdleBudgetShare = 0.1;

// A matrix measured in this run, for the summary: its carrier's key in summaries.c2c.carriers
// ("futex", "futex_awake"), by benchmark name.
struct MeasuredMatrix {
  std::string mechanism, carrier;
  C2cMatrix matrix;
};
std::map<std::string, MeasuredMatrix>& measured() {
  static std::map<std::string, MeasuredMatrix> m;
  return m;
}

bool measures_one_cpu(const Mechanism& m) {
  return std::any_of(m.placements.begin(), m.placements.end(),
                     [](const auto& p) { return p.first == PlacementKind::same_cpu && p.second.empty(); });
}

void BM_C2c(benchmark::State& state, const Mechanism& m, IdleCondition condition, const std::string& bench) {
  std::string error;
  const Topology* t = machine_topology(&error);
  if (t == nullptr) return skip(state, "skipped: " + error);
  const std::vector<int> cpus = c2c_cpus(*t, c2c_settings().cpus, error);
  if (cpus.size() < 2) return skip(state, fmt::format("skipped: the matrix needs two CPUs, --c2c-cpus={} gives {}", c2c_settings().cpus, cpus.size()));
  const auto order = c2c_pair_order(*t, cpus, measures_one_cpu(m));
  // awake: the request for the whole matrix; busy: a spinner on each cell's CPUs while it is measured.
  LatencyRequest request(latency_device(""));
  C2cCellGuard guard;
  double budget = c2c_settings().budget_s / std::size(kCarriers);
  if (condition != IdleCondition::idle) {
    budget = c2c_settings().budget_s * kC2cIdleBudgetShare;
    const std::string device = latency_device("");
    if (condition == IdleCondition::awake) {
      const std::string why = awake_unavailable(read_idle_facts("", cpus).absent, device, try_latency_device(device));
      if (!why.empty()) return skip(state, why);
      request.hold(0);
    } else {
      guard = [](int a, int b) -> std::shared_ptr<void> {
        auto spinners = std::make_shared<IdleSpinners>(a == b ? std::vector<int>{a} : std::vector<int>{a, b});
        spinners->spin();
        return spinners;
      };
    }
  }
  C2cMatrix matrix;
  for (auto _ : state) {
    matrix = measure_c2c(m, cpus, order, budget, guard);
    std::vector<double> cells;
    for (const auto& row : matrix.cells)
      for (const auto& cell : row)
        if (cell) cells.push_back(cell->median_ns);
    if (cells.empty()) {
      // A limit that refused every pair's partner is the machine's rule, not a broken measurement.
      const std::string why = "no pair could be measured: " + matrix.failure;
      return matrix.refused ? skip(state, "skipped: " + why) : state.SkipWithError(why.c_str());
    }
    // The entry's figure: the median cell (the summary holds them all).
    state.SetIterationTime(median_interval(cells).median * 1e-9);
  }
  request.release();
  double ksw = 0, deep = 0;
  for (const auto& row : matrix.cells)
    for (const auto& cell : row)
      if (cell) ksw += cell->kernel_switches_per_switch, deep += cell->deep_idle_entries_per_switch;
  auto& c = state.counters;
  const double pairs = static_cast<double>(matrix.pairs_measured);
  c["pairs_total"] = static_cast<double>(matrix.pairs_total);
  c["pairs_measured"] = pairs;
  c["matrix_s"] = matrix.elapsed_s;
  c["kernel_switches_per_switch"] = ksw / pairs;
  if (!std::isnan(deep)) c["deep_idle_entries_per_switch"] = deep / pairs;
  std::string carrier = std::string(m.name).substr(std::string(m.name).find('_') + 1);
  if (condition != IdleCondition::idle) carrier.append("_").append(to_string(condition));
  measured()[bench] = {std::string(m.name), carrier, std::move(matrix)};
}

nlohmann::json matrix_of(const C2cMatrix& m, double C2cCell::*field) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : m.cells) {
    nlohmann::json r = nlohmann::json::array();
    for (const auto& cell : row) r.push_back(cell ? nlohmann::json((*cell).*field) : nlohmann::json());
    rows.push_back(r);
  }
  return rows;
}

// summaries.c2c (docs/JSON.md): the CPUs in matrix order with their places, one matrix per carrier.
nlohmann::json c2c_summary(const nlohmann::json&) {
  if (measured().empty()) return nullptr;
  const Topology* t = machine_topology();
  nlohmann::json out;
  const C2cMatrix& any = measured().begin()->second.matrix;
  nlohmann::json cpus = nlohmann::json::array(), relation = nlohmann::json::array();
  for (const int a : any.cpus) {
    const CpuPlace p = t->place(a);
    cpus.push_back({{"cpu", a}, {"core", p.core}, {"llc", p.llc}, {"package", p.package}, {"numa", p.numa},
                    {"kind", p.kind.empty() ? nlohmann::json() : nlohmann::json(p.kind)}});
    nlohmann::json row = nlohmann::json::array();
    for (const int b : any.cpus) row.push_back(to_string(t->relation(a, b)));
    relation.push_back(row);
  }
  out["cpus"] = cpus;
  out["relation"] = relation;
  out["pus"] = c2c_settings().cpus == "cores" ? "one per core" : c2c_settings().cpus;
  out["budget_s"] = c2c_settings().budget_s;
  double elapsed = 0;
  std::size_t total = 0, done = 0;
  for (const auto& [bench, measured_matrix] : measured()) {
    const C2cMatrix& m = measured_matrix.matrix;
    const std::string& name = measured_matrix.mechanism;
    nlohmann::json& entry = out["carriers"][measured_matrix.carrier];
    entry["mechanism"] = name;
    entry["benchmark"] = bench;
    entry["what"] = fmt::format("{}: ns per one-way handoff, measuring task on the row's CPU, partner on the column's; "
                                "each pair measured once (median of {} batches, interval [lo, hi])",
                                find_mechanism(name)->summary, kC2cCellBatches);
    const auto state = measured_matrix.carrier.substr(measured_matrix.carrier.rfind('_') + 1);
    entry["idle_state"] = state == "awake" || state == "busy" ? state : "idle";
    entry["deep_idle_entries_per_switch"] = matrix_of(m, &C2cCell::deep_idle_entries_per_switch);
    entry["unit"] = "ns per one-way handoff";
    entry["median_ns"] = matrix_of(m, &C2cCell::median_ns);
    entry["lo_ns"] = matrix_of(m, &C2cCell::lo_ns);
    entry["hi_ns"] = matrix_of(m, &C2cCell::hi_ns);
    entry["kernel_switches_per_switch"] = matrix_of(m, &C2cCell::kernel_switches_per_switch);
    entry["pairs_total"] = m.pairs_total, entry["pairs_measured"] = m.pairs_measured;
    if (!m.failure.empty()) entry["failure"] = m.failure;
    elapsed += m.elapsed_s, total += m.pairs_total, done += m.pairs_measured;
  }
  out["elapsed_s"] = elapsed;
  out["pairs_total"] = total;
  out["pairs_measured"] = done;
  out["sampled"] = done < total;
  return out;
}

// What the matrix shows here: each carrier's median over the pairs of each relation.
std::optional<Finding> c2c_by_relation(const nlohmann::json& doc) {
  const auto& c2c = doc["summaries"].value("c2c", nlohmann::json());
  if (!c2c.is_object()) return std::nullopt;
  std::vector<std::string> parts, names;
  for (const auto& [carrier, m] : c2c["carriers"].items()) {
    std::map<std::string, std::vector<double>> by;
    for (std::size_t i = 0; i < m["median_ns"].size(); ++i)
      for (std::size_t j = 0; j < m["median_ns"][i].size(); ++j)
        if (m["median_ns"][i][j].is_number()) by[c2c["relation"][i][j].get<std::string>()].push_back(m["median_ns"][i][j]);
    std::vector<std::string> rel;
    for (const auto& [relation, values] : by) {
      const MedianInterval mi = median_interval(values);
      rel.push_back(fmt::format("{} {:.0f} ns ({} pair{}{})", relation, mi.median, values.size(), values.size() == 1 ? "" : "s",
                                values.size() > 1 ? fmt::format(", {:.0f}–{:.0f}", mi.lo, mi.hi) : ""));
    }
    std::string joined;
    for (const auto& r : rel) joined += (joined.empty() ? "" : "; ") + r;
    parts.push_back(fmt::format("{}: {}", carrier, joined));
    names.push_back(m.value("benchmark", fmt::format("c2c/{}/all_pairs", m.value("mechanism", ""))));
  }
  std::string text = "between CPUs, per one-way handoff, the median cell of each relation — ";
  for (std::size_t i = 0; i < parts.size(); ++i) text += (i ? "; and " : "") + parts[i];
  if (c2c.value("sampled", false))
    text += fmt::format(" (sampled: {} of {} pairs within the {:.0f} s budget)", c2c.value("pairs_measured", 0),
                        c2c.value("pairs_total", 0), c2c.value("budget_s", 0.0));
  return Finding{text, names, true};
}

// The idle exit per relation: the futex matrix idle against awake. The two matrices are measured
// one after the other, not interleaved: the interval is the conservative one of the cells' own
// (the idle cells' low bounds less the awake cells' high ones, and the reverse).
std::optional<Finding> c2c_idle_exit(const nlohmann::json& doc) {
  const auto& c2c = doc["summaries"].value("c2c", nlohmann::json());
  if (!c2c.is_object() || !c2c["carriers"].contains("futex") || !c2c["carriers"].contains("futex_awake")) return std::nullopt;
  const auto& idle = c2c["carriers"]["futex"];
  const auto& awake = c2c["carriers"]["futex_awake"];
  std::map<std::string, std::array<std::vector<double>, 4>> by;  // idle median, awake median, idle lo − awake hi, idle hi − awake lo
  for (std::size_t i = 0; i < idle["median_ns"].size(); ++i)
    for (std::size_t j = 0; j < idle["median_ns"][i].size(); ++j) {
      const auto& a = awake["median_ns"][i][j];
      const bool all = idle["median_ns"][i][j].is_number() && a.is_number() && idle["lo_ns"][i][j].is_number() &&
                       idle["hi_ns"][i][j].is_number() && awake["lo_ns"][i][j].is_number() && awake["hi_ns"][i][j].is_number();
      if (!all) continue;
      auto& v = by[c2c["relation"][i][j].get<std::string>()];
      v[0].push_back(idle["median_ns"][i][j]), v[1].push_back(a);
      v[2].push_back(idle["lo_ns"][i][j].get<double>() - awake["hi_ns"][i][j].get<double>());
      v[3].push_back(idle["hi_ns"][i][j].get<double>() - awake["lo_ns"][i][j].get<double>());
    }
  if (by.empty()) return std::nullopt;
  std::string text = "the futex matrix with the CPUs idle as configured against kept awake (PM QoS request 0), per relation "
                     "(median cell; interval from the cells' own, the matrices measured one after the other): ";
  bool resolved = true, first = true;
  for (const auto& [relation, v] : by) {
    const double i = median_interval(v[0]).median, a = median_interval(v[1]).median;
    const double lo = median_interval(v[2]).median, hi = median_interval(v[3]).median;
    // An exit cannot cost less than nothing: awake dearer than idle beyond the cells' intervals is
    // the two matrices' drift (they are not interleaved), or, on one CPU, where the waiter's CPU
    // never idles (the other task runs there), nothing to measure at all.
    const bool r = lo > 0;
    resolved = resolved && r;
    text += fmt::format("{}{} {:.0f} ns idle, {:.0f} ns awake, ", first ? "" : "; ", relation, i, a);
    text += r        ? fmt::format("the idle exit {:.0f} ns ({:.0f}–{:.0f}), {:.0f} % of the idle cell", i - a, lo, hi, 100 * (i - a) / i)
            : hi < 0 ? fmt::format("no idle exit: awake is dearer beyond the cells' intervals ({:.0f}–{:.0f} ns), which is the "
                                   "matrices' drift, not a negative cost{}", lo, hi,
                                   relation == "same_cpu" ? " (on one CPU the waiter's CPU runs the other task: it never idles)" : "")
                     : fmt::format("the idle exit not resolved ({:.0f}–{:.0f} ns holds 0)", lo, hi);
    first = false;
  }
  return Finding{text, {idle.value("benchmark", ""), awake.value("benchmark", "")}, resolved};
}

const bool c2c_registered = [] {
  describe_family("c2c", {"ns per one-way handoff between two CPUs: the median cell of the all-pairs matrix (summaries.c2c)",
                          {{"pairs_measured", "pairs"}, {"kernel_switches_per_switch", "ksw"}}});
  add_summary("c2c", c2c_summary);
  add_finding("c2c_by_relation", c2c_by_relation);
  add_finding("c2c_idle_exit", c2c_idle_exit);
  for (const char* name : kCarriers) {
    const Mechanism* m = find_mechanism(name);
    const std::string bench = fmt::format("c2c/{}/all_pairs", name);
    EntryFields fields{"c2c", name, std::string(to_string(m->kind)), std::string(to_string(m->task)), "all_pairs",
                       "ns per one-way handoff: the median over the matrix's cells (summaries.c2c holds every cell)",
                       {{"idle_state", "idle"}}};  // the CPUs as configured: see the idle:awake matrix below
    // One matrix per run: its own budget (--c2c-budget) bounds it, not Google Benchmark's minimum time.
    add_benchmark(bench, fields, [m, bench](benchmark::State& s) { BM_C2c(s, *m, IdleCondition::idle, bench); })
        ->Iterations(1)->Repetitions(1);
    mark_quick(bench);
  }
  const Mechanism* futex = find_mechanism(kC2cIdleCarrier);
  for (const IdleCondition condition : {IdleCondition::awake, IdleCondition::busy}) {
    const std::string bench = fmt::format("c2c/{}/all_pairs/idle:{}", kC2cIdleCarrier, to_string(condition));
    EntryFields fields{"c2c", kC2cIdleCarrier, std::string(to_string(futex->kind)), std::string(to_string(futex->task)), "all_pairs",
                       fmt::format("ns per one-way handoff, the CPUs {}: the median over the matrix's cells", to_string(condition)),
                       {{"idle_state", to_string(condition)}}};
    add_benchmark(bench, fields, [futex, condition, bench](benchmark::State& s) { BM_C2c(s, *futex, condition, bench); })
        ->Iterations(1)->Repetitions(1);
  }
  return true;
}();

}  // namespace
}  // namespace bench_switch
