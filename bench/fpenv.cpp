// Family `fpenv`: what the floating-point environment costs a stackful switch, the value apart
// from a mismatch between the two sides. fcontext (and so Boost.Fiber), asm_switch_fpenv and
// glibc's swapcontext save MXCSR per context and load the other side's on every switch, and on some
// CPUs a switch that loads a *different* MXCSR is an order of magnitude slower than one that does not.
// Each mechanism runs four cases: both sides at the default; both at one non-default value; the
// caller with a sticky flag the fiber lacks (a fiber made before its caller's first inexact
// operation); the caller with other control bits. One iteration is one one-way switch: the switch
// family's loop, BM_Switch, which sets each side's MXCSR (SwitchCase::mxcsr, measure/switch_loop.hpp)
// and reads both back (the *_mxcsr_seen counters). Every case alternates its batches with control batches of the same
// handoff, both sides set back to the default, so what it adds (for a mismatch, its penalty) is
// taken batch against batch (for the default itself: an A/A, the method's own offset);
// summaries.fpenv gives that with its uncertainty from the repetitions.
// On aarch64 the register is FPCR (arch/aarch64.hpp): the same cases but the sticky one (FPCR has
// no flags), and a mismatch only for the switches that keep FPCR per context.
#include <fmt/format.h>

#include <cmath>
#include <map>
#include <string_view>

#include "arch/current.hpp"
#include "measure/paired_batches.hpp"
#include "mechanisms/one_thread.hpp"
#include "registry.hpp"
#include "self_check.hpp"
#include "switch.hpp"

namespace bench_switch {
namespace {

// The values, per architecture (arch/current.hpp): on x86-64 MXCSR's default 0x1f80, FTZ|DAZ
// 0x9fc0, round-to-zero 0x7f80, and the default with the inexact flag raised 0x1fa0; on aarch64
// FPCR's 0, FZ, RMode = RZ, and no sticky flag (those are in FPSR: that case is skipped there).
using arch::FpControlValue;
constexpr FpControlValue kDefault = arch::kFpDefault, kFlushToZero = arch::kFpFlushToZero,
                         kRoundToZero = arch::kFpRoundToZero, kStickyRaised = arch::kFpStickyRaised;

struct FpenvCase {
  const char* name;  // the summary's field prefix
  FpControlValue partner, measuring;
};
// The summary's prefixes keep x86-64's names (matched_ftz_daz is FZ alone on aarch64).
constexpr FpenvCase kFpenvCases[] = {
    {"matched_default", kDefault, kDefault},
    {"matched_ftz_daz", kFlushToZero, kFlushToZero},
    {"matched_round_to_zero", kRoundToZero, kRoundToZero},
    {"mismatch_sticky", kDefault, kStickyRaised},
    {"mismatch_control", kDefault, kFlushToZero},
};
// The register's name as the text shows it: MXCSR, FPCR.
std::string register_label() {
  std::string name = arch::kFpControlName;
  for (char& ch : name) ch = static_cast<char>(ch - 'a' + 'A');
  return name;
}

// Why a case cannot be measured with this mechanism here, or "": the sticky case where the
// register has no sticky flags; a mismatch where the switch keeps no value per side (asked once
// per mechanism, when its first benchmark runs, not at registration).
std::string why_not(const Mechanism& m, const FpenvCase& c) {
  const std::string_view name = c.name;
  if (name == "mismatch_sticky" && arch::kFpNoStickyWhy != nullptr) return arch::kFpNoStickyWhy;
  if (!name.starts_with("mismatch_")) return "";
  static std::map<std::string_view, bool> kept;
  auto it = kept.find(m.name);
  if (it == kept.end()) it = kept.emplace(m.name, keeps_mxcsr_per_side(*m.make(Placement{}, Work{}))).first;
  if (it->second) return "";
  return fmt::format("skipped: {} keeps no {} per context on this architecture: the two sides cannot differ", m.name,
                     register_label());
}
constexpr const char* kFpenvMechanisms[] = {"fcontext_fiber", "asm_switch_fpenv", "ucontext_fiber", "boost_fiber_yield"};
constexpr double kMatchedWithin = 0.15;  // the share a matched non-default value may differ from the default by

const FpenvCase* fpenv_case_of(const nlohmann::json& params) {
  for (const FpenvCase& c : kFpenvCases)
    if (params.value(fp_control_field("partner"), ~0u) == c.partner.bits &&
        params.value(fp_control_field("measuring"), ~0u) == c.measuring.bits)
      return &c;
  return nullptr;
}

// A figure over the repetitions: their median, ± the distance to its distribution-free interval.
Estimate estimate_of_reps(const std::vector<double>& reps) { return estimate_of(median_interval(reps)); }

// One fpenv case's repetitions: its ns per switch, and what it adds over its default batches.
struct FpenvRepetitions {
  std::vector<double> ns, over_default, at_default;
};
using FpenvRuns = std::map<std::string, std::map<std::string, FpenvRepetitions>>;  // mechanism -> case -> repetitions

// The fpenv entries' repetitions, and per mechanism whether every side held what it was given.
FpenvRuns fpenv_runs(const nlohmann::json& benchmarks, std::map<std::string, bool>& as_intended) {
  FpenvRuns runs;
  for (const auto& b : benchmarks) {
    if (b.value("family", "") != "fpenv" || b.value("run_type", "") != "iteration" || b.value("error_occurred", false))
      continue;
    const FpenvCase* c = fpenv_case_of(b["params"]);
    if (c == nullptr) continue;
    const std::string mechanism = b["mechanism"];
    FpenvRepetitions& r = runs[mechanism][c->name];
    r.ns.push_back(b["real_time"].get<double>());
    // What the case adds: the median over the repetition's pairs of batches (over_control_ns), not
    // the difference of the two sides' totals (ns_over_default), which one batch that lost the CPU
    // for a tick makes (measured on a loaded machine B: ±20 to 60 ns in the A/A, the pairs' median 0.2).
    if (b.contains("over_control_ns") && b["over_control_ns"].is_number() && b.contains("default_ns_per_switch")) {
      r.over_default.push_back(b["over_control_ns"].get<double>());
      r.at_default.push_back(b["default_ns_per_switch"].get<double>());
    }
    const bool held = b.value(fp_control_field("partner", "_seen"), -1.0) == c->partner.bits &&
                      b.value(fp_control_field("measuring", "_seen"), -1.0) == c->measuring.bits;
    as_intended.try_emplace(mechanism, true).first->second &= held;
  }
  return runs;
}

// One mechanism's summary from its cases' repetitions (see fpenv_summary).
nlohmann::json fpenv_mechanism_summary(const std::map<std::string, FpenvRepetitions>& cases, bool sides_as_intended) {
  const auto figure = [](const Estimate& e) { return resolved(e) ? nlohmann::json(e.value) : nlohmann::json(nullptr); };
  nlohmann::json m = {{"sides_as_intended", sides_as_intended}};
  // A/A: the default timed against its own control batches reads what the method reads when
  // nothing differs. The largest offset it allows is added (in quadrature) to every other
  // figure's uncertainty; without it nothing is resolved.
  const auto aa_case = cases.find("matched_default");
  const Estimate aa = aa_case == cases.end() ? Estimate{NAN, NAN} : estimate_of_reps(aa_case->second.over_default);
  m["aa_ns"] = aa.value, m["aa_uncertainty_ns"] = aa.uncertainty;
  // Both checks only over the cases that ran (a --benchmark_filter or --quick may leave some out).
  int penalties = 0, matched_nondefault = 0;
  bool penalties_resolved = true, within = true;
  for (const auto& [name, r] : cases) {
    const Estimate over = over_control_beyond_aa(r.over_default, aa);
    if (name.starts_with("matched_")) {
      const Estimate ns = estimate_of_reps(r.ns);
      m[name + "_ns"] = ns.value, m[name + "_uncertainty_ns"] = ns.uncertainty;
      if (name == "matched_default") continue;
      m[name + "_ns_over_default"] = figure(over), m[name + "_over_default_uncertainty_ns"] = over.uncertainty;
      // Against the default batches of the same benchmark: drift between benchmarks stays out.
      within = within && std::fabs(over.value) <= kMatchedWithin * estimate_of_reps(r.at_default).value;
      ++matched_nondefault;
    } else {
      m[name + "_ns_penalty"] = figure(over), m[name + "_uncertainty_ns"] = over.uncertainty;
      m[name + "_resolved"] = resolved(over);
      penalties_resolved = penalties_resolved && resolved(over);
      ++penalties;
    }
  }
  if (penalties > 0) m["resolved"] = penalties_resolved;
  if (matched_nondefault > 0) m["matched_nondefault_within_15_percent"] = within;
  return m;
}

// Per mechanism: each matched case's median ns per switch; what each case other than the default
// adds over the default batches interleaved with it (for a mismatch: its penalty), with its
// uncertainty from the repetitions; the 15 % check; whether every side held what it was given.
nlohmann::json fpenv_summary(const nlohmann::json& benchmarks) {
  std::map<std::string, bool> as_intended;
  const FpenvRuns runs = fpenv_runs(benchmarks, as_intended);
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [mechanism, cases] : runs) out[mechanism] = fpenv_mechanism_summary(cases, as_intended[mechanism]);
  return out;
}

// Per mechanism: what a mismatch between the two sides' MXCSR costs, and whether a matched
// non-default value costs anything, from summaries.fpenv.
std::optional<Finding> fpenv_finding(const nlohmann::json& doc) {
  const auto& all = doc["summaries"].value("fpenv", nlohmann::json::object());
  if (all.empty()) return std::nullopt;
  const auto penalty = [](const nlohmann::json& m, const char* what) {
    const std::string key = std::string("mismatch_") + what;
    if (!m.contains(key + "_uncertainty_ns")) return std::string("not run");  // filtered out, or skipped here
    const auto& v = m.value(key + "_ns_penalty", nlohmann::json());
    const double u = m.value(key + "_uncertainty_ns", NAN);
    return v.is_number() ? fmt::format("{:.1f} ± {:.1f} ns", v.get<double>(), u) : fmt::format("unresolved (± {:.1f} ns)", u);
  };
  std::string text = register_label() + " per switch, the two sides differing in a sticky flag / in control bits:";
  bool first = true, matched_ok = true, sides_ok = true;
  for (const auto& [mechanism, m] : all.items()) {
    text += fmt::format("{} {} {} / {}", first ? "" : ";", mechanism, penalty(m, "sticky"), penalty(m, "control"));
    first = false;
    if (m.contains("matched_nondefault_within_15_percent")) matched_ok = matched_ok && m["matched_nondefault_within_15_percent"].get<bool>();
    if (m.contains("sides_as_intended")) sides_ok = sides_ok && m["sides_as_intended"].get<bool>();
  }
  text += matched_ok ? "; both sides at the same non-default value cost within 15 % of the default"
                     : "; a matched non-default value cost more than 15 % over the default";
  if (!sides_ok) text += "; FAILED MEASUREMENT: a side did not hold the " + register_label() + " its benchmark names";
  return Finding{text, {"fpenv"}, sides_ok};
}

const bool fpenv_registered = [] {
  add_finding("fpenv", fpenv_finding);
  // A matched and a mismatched case, so that the quick run's summary has a penalty too.
  mark_quick("fpenv/fcontext_fiber/fiber:default/caller:default");
  mark_quick("fpenv/fcontext_fiber/fiber:default/caller:inexact_raised");
  describe_family("fpenv", {"ns per one-way switch with the fiber's and the caller's " + register_label() +
                                " as named; over default = what that adds over default batches interleaved with it "
                                "(summaries.fpenv: with its uncertainty)",
                            {{"default_ns_per_switch", "default ns"}, {"over_control_ns", "over default ns"},
                             {"kernel_switches_per_switch", "ksw"}}});
  add_summary("fpenv", fpenv_summary);
  for (const char* mechanism_name : kFpenvMechanisms) {
    const Mechanism* m = find_mechanism(mechanism_name);
    if (m == nullptr) continue;
    for (const FpenvCase& fc : kFpenvCases) {
      const std::string name = fmt::format("fpenv/{}/fiber:{}/caller:{}", m->name, fc.partner.name, fc.measuring.name);
      EntryFields fields{"fpenv", m->name.data(), std::string(to_string(m->kind)), std::string(to_string(m->task)), "one_thread",
                         "ns per one-way switch, the fiber's and the caller's " + register_label() + " set as named",
                         {{fp_control_field("partner"), fc.partner.bits}, {fp_control_field("measuring"), fc.measuring.bits}}};
      // Every case alternates with control batches at the default; for the default itself that is the A/A.
      SwitchCase c{m, PlacementKind::one_thread, Work{}, name, {}, {{fc.measuring.bits, fc.partner.bits}, true}};
      c.bare = bare_loop_for(name);  // the self-check's loop for the same case, where it has one
      // 20 benchmarks: short repetitions keep the family to a few seconds of the default run.
      const auto run = [c, &fc](benchmark::State& s) {
        if (const std::string why = why_not(*c.mechanism, fc); !why.empty()) return skip(s, why);
        BM_Switch(s, c);
      };
      fixed_budget(add_benchmark(name, fields, run), 5, 0.01);
    }
  }
  return true;
}();

}  // namespace
}  // namespace bench_switch
