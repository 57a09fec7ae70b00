// Family `xstate`: what live extended register state costs a kernel switch. The kernel saves the
// leaving task's registers with XSAVES and restores the arriving one's with XRSTORS, both of which
// skip components in their initial configuration; so a task that leaves AVX-512 registers
// (zmm16-31, 1 KiB) or an AMX tile (8 KiB) live makes every switch move that much more. The
// same-CPU futex handoff, threads and processes (every handoff a kernel switch), in three states:
// clean (each side puts its vector registers, and any tile, in their initial configuration before
// it hands over), AVX-512 live, AMX live. Each case alternates its batches with clean batches of
// the same handoff (the control, a coin toss deciding the order), so what the state adds is taken
// batch against batch; the clean case against itself is the A/A. One iteration is one one-way
// switch: the switch family's loop, BM_Switch. summaries.xstate gives each penalty with its
// uncertainty; XGETBV(1) read by each side as it hands over shows what really was live.
#include <fmt/format.h>

#include <cmath>
#include <map>
#include <optional>
#include <utility>

#include "measure/paired_batches.hpp"
#include "measure/xstate.hpp"
#include "mechanisms/carriers/futex.hpp"
#include "mechanisms/carriers/register_state.hpp"
#include "mechanisms/kernel_pair.hpp"
#include "registry.hpp"
#include "switch.hpp"

namespace bench_switch {
namespace {

using StateFutex = RegisterStateCarrier<FutexCarrier>;

struct StateCase {
  const char* name;
  StateFeature feature;
  bool live;
  int component;  // the XSAVE component made live (0: none)
  const std::string& (*why_not)();
};
const std::string& avx512_why_not() { return xsave_facts().avx512_why_not; }
const std::string& amx_why_not() { return xsave_facts().amx_why_not; }
// The clean case's clean order needs only XRSTOR, which the AVX-512 reason covers.
constexpr StateCase kStates[] = {
    {"clean", StateFeature::avx512, false, 0, &avx512_why_not},
    {"avx512_live", StateFeature::avx512, true, 7, &avx512_why_not},
    {"amx_live", StateFeature::amx, true, 18, &amx_why_not},
};

std::uint32_t component_bytes(int index) {
  for (const XsaveComponent& c : xsave_facts().components)
    if (c.index == index) return c.bytes;
  return 0;
}

template <template <class> class Pair>
StateFutex& carrier_of(Handoff& h) {
  return dynamic_cast<Pair<StateFutex>&>(h).carrier();
}

struct StatePair {
  Mechanism mechanism;
  StateFutex& (*carrier)(Handoff&);
};
template <template <class> class Pair>
StatePair state_pair(std::string_view name, TaskKind task) {
  return {{name, Scheduling::preemptive, task, "a futex word per direction, each side setting its registers' state before it hands over",
           {{PlacementKind::same_cpu, ""}},
           [](const Placement& p, const Work& w) { return std::make_unique<Pair<StateFutex>>(p, w); }, {}},
          &carrier_of<Pair>};
}
const std::vector<StatePair>& pairs() {
  static const std::vector<StatePair> list = {state_pair<ThreadPair>("thread_futex", TaskKind::thread),
                                              state_pair<ProcessPair>("process_futex", TaskKind::process)};
  return list;
}

// The register state each side leaves live as it hands over: live before each timed batch, clean
// before each control batch of the same handoff; at the end, what each side had live (XINUSE).
class LiveRegisters final : public BatchState {
 public:
  LiveRegisters(RegisterState live, StateFutex& (*carrier)(Handoff&)) : live_(live), carrier_(carrier) {}
  bool is_own_control() const override { return true; }
  void before_batch(Handoff& h, bool at_default) override {
    carrier_(h).set_state(at_default ? RegisterState{live_.feature, false} : live_);
  }
  void at_end(Handoff& h) override {
    seen_ = {carrier_(h).xinuse_seen(0), carrier_(h).xinuse_seen(1)};
    // This runs on the measuring thread, the harness's own: it leaves no state live for later benchmarks.
    hold_register_state({live_.feature, false});
  }
  void add_counters(benchmark::UserCounters& k) const {
    if (!seen_) return;  // no figures: the loop did not reach its end
    k["measuring_xinuse_seen"] = static_cast<double>(seen_->first);
    k["partner_xinuse_seen"] = static_cast<double>(seen_->second);
  }

 private:
  RegisterState live_;
  StateFutex& (*carrier_)(Handoff&);
  std::optional<std::pair<std::uint64_t, std::uint64_t>> seen_;
};

const StateCase* state_case_of(const nlohmann::json& b) {
  const std::string name = b.value("run_name", "");
  for (const StateCase& s : kStates)
    if (name.find(std::string("/state:") + s.name) != std::string::npos) return &s;
  return nullptr;
}

std::string hex(double bits) { return fmt::format("{:#x}", static_cast<std::uint64_t>(bits)); }

// Per mechanism and state: the median ns per switch, its clean control's, what the state adds over
// it (per repetition the median over its pairs of batches; over the repetitions their median, with
// its uncertainty and the A/A's largest offset added), the kernel's switch count, and the
// components each side had live at its last handover.
nlohmann::json xstate_summary(const nlohmann::json& benchmarks) {
  struct Repetitions {
    std::vector<double> ns, clean, over, ksw;
    double measuring_xinuse = 0, partner_xinuse = 0;
  };
  std::map<std::string, std::map<std::string, Repetitions>> runs;  // mechanism -> state -> repetitions
  std::map<std::string, std::map<std::string, std::string>> skipped;
  for (const auto& b : benchmarks) {
    if (b.value("family", "") != "xstate" || b.value("run_type", "") != "iteration") continue;
    const StateCase* s = state_case_of(b);
    if (s == nullptr) continue;
    if (b.value("error_occurred", false)) {
      skipped[b["mechanism"]][s->name] = b.value("error_message", "");
      continue;
    }
    Repetitions& r = runs[b["mechanism"]][s->name];
    r.ns.push_back(b["real_time"].get<double>());
    r.clean.push_back(b.value("default_ns_per_switch", NAN));
    // The median over the pairs of batches, not the difference of totals: a batch that other load
    // on the machine disturbed moves a kernel handoff's total by far more than the state does.
    r.over.push_back(b.value("over_control_ns", NAN));
    r.ksw.push_back(b.value("kernel_switches_per_switch", NAN));
    r.measuring_xinuse = b.value("measuring_xinuse_seen", 0.0), r.partner_xinuse = b.value("partner_xinuse_seen", 0.0);
  }
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [mechanism, states] : runs) {
    nlohmann::json m = nlohmann::json::object();
    const auto aa_case = states.find("clean");
    const Estimate aa = aa_case == states.end() ? Estimate{NAN, NAN} : estimate_of(median_interval(aa_case->second.over));
    m["aa_ns"] = aa.value, m["aa_uncertainty_ns"] = aa.uncertainty;
    for (const auto& [name, r] : states) {
      const Estimate ns = estimate_of(median_interval(r.ns)), clean = estimate_of(median_interval(r.clean));
      m[name + "_ns"] = ns.value, m[name + "_uncertainty_ns"] = ns.uncertainty;
      m[name + "_clean_ns"] = clean.value;
      m[name + "_ksw"] = median_interval(r.ksw).median;
      m[name + "_xinuse"] = {{"measuring", hex(r.measuring_xinuse)}, {"partner", hex(r.partner_xinuse)}};
      if (name == "clean") continue;
      const Estimate over = over_control_beyond_aa(r.over, aa);
      m[name + "_ns_penalty"] = resolved(over) ? nlohmann::json(over.value) : nlohmann::json(nullptr);
      m[name + "_penalty_uncertainty_ns"] = over.uncertainty;
      m[name + "_penalty_resolved"] = resolved(over);
    }
    if (skipped.count(mechanism)) m["skipped"] = skipped[mechanism];
    out[mechanism] = std::move(m);
  }
  for (const auto& [mechanism, reasons] : skipped)
    if (!out.contains(mechanism)) out[mechanism] = {{"skipped", reasons}};
  return out;
}

std::optional<Finding> xstate_finding(const nlohmann::json& doc) {
  const auto& all = doc["summaries"].value("xstate", nlohmann::json::object());
  if (all.empty()) return std::nullopt;
  std::string text = "extended register state live at a same-CPU futex handoff, per switch over the clean handoff:";
  bool first = true, all_resolved = true;
  std::string skips;
  for (const auto& [mechanism, m] : all.items()) {
    for (const char* state : {"avx512_live", "amx_live"}) {
      const std::string s = state;
      if (m.contains("skipped") && m["skipped"].contains(s)) {
        if (skips.find(std::string(m["skipped"][s])) == std::string::npos) skips += fmt::format("; {} {}", s, std::string(m["skipped"][s]));
        continue;
      }
      if (!m.contains(s + "_ns")) continue;
      const auto& penalty = m[s + "_ns_penalty"];
      const double u = m.value(s + "_penalty_uncertainty_ns", NAN);
      const std::string what = penalty.is_number() ? fmt::format("{:+.1f} ± {:.1f} ns", penalty.get<double>(), u)
                                                   : fmt::format("unresolved (± {:.1f} ns)", u);
      all_resolved = all_resolved && penalty.is_number();
      text += fmt::format("{} {} {} {} (clean {:.0f} ns, ksw {:.2f}; live as handed over: XINUSE {} against clean {})",
                          first ? "" : ";", mechanism, s, what, m.value(s + "_clean_ns", NAN), m.value(s + "_ksw", NAN),
                          std::string(m[s + "_xinuse"].value("partner", "?")),
                          m.contains("clean_xinuse") ? std::string(m["clean_xinuse"].value("partner", "?")) : "?");
      first = false;
    }
  }
  const auto& xsave = doc["context"]["bench_switch"].value("xsave", nlohmann::json::object());
  if (xsave.contains("compacted_bytes"))
    text += fmt::format("; XSAVE area {} bytes standard, {} compacted (CPUID 0xD)", xsave.value("enabled_bytes", 0),
                        xsave.value("compacted_bytes", 0));
  text += skips;
  return Finding{text, {"xstate"}, all_resolved};
}

const bool xstate_registered = [] {
  add_finding("xstate", xstate_finding);
  add_summary("xstate", xstate_summary);
  mark_quick("xstate/thread_futex/same_cpu/state:clean");
  mark_quick("xstate/thread_futex/same_cpu/state:avx512_live");
  describe_family("xstate", {"ns per one-way switch, each side leaving the named register state live as it hands over; over "
                             "clean = what that adds over clean batches interleaved with it, median over the pairs "
                             "(summaries.xstate: with its uncertainty)",
                             {{"default_ns_per_switch", "clean ns"}, {"over_control_ns", "over clean ns"},
                              {"kernel_switches_per_switch", "ksw"}}});
  for (const StatePair& pair : pairs()) {
    const Mechanism* m = &pair.mechanism;
    for (const StateCase& sc : kStates) {
      const std::string name = fmt::format("xstate/{}/same_cpu/state:{}", m->name, sc.name);
      EntryFields fields{"xstate", std::string(m->name), "preemptive", std::string(to_string(m->task)), "same_cpu",
                         "ns per one-way switch, each side leaving the named register state live as it hands over",
                         {{"component", sc.component}, {"component_bytes", component_bytes(sc.component)}}};
      if (const std::string& why_not = sc.why_not(); !why_not.empty()) {
        add_benchmark(name, fields, [why_not](benchmark::State& s) { skip(s, why_not); });
        continue;
      }
      const RegisterState live{sc.feature, sc.live};
      const SwitchCase c{m, PlacementKind::same_cpu, Work{}, name};
      const auto run = [c, live, carrier = pair.carrier](benchmark::State& s) {
        LiveRegisters registers(live, carrier);
        BM_Switch(s, c, &registers);
        registers.add_counters(s.counters);
      };
      fixed_budget(add_benchmark(name, fields, run), 5, 0.03);
    }
  }
  return true;
}();

}  // namespace
}  // namespace bench_switch
