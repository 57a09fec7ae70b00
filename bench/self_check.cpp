// The self-check: which benchmark each bare loop stands beside, the pairs of batches, and what
// they say (summaries.self_check, one finding line per pair). See self_check.hpp.
#include "self_check.hpp"

#include <fmt/format.h>

#include <cmath>
#include <map>
#include <set>

#include "arch/current.hpp"
#include "registry.hpp"

namespace bench_switch {
namespace {

struct SelfCheckEntry {
  std::string benchmark;  // the harness's benchmark the loop stands beside
  std::string loop;       // what the bare loop is, in words
  MakeBareLoop make;
};

// A stackful bare loop made for one MXCSR case: the fiber made at one value, the caller at another.
using MakeStackfulLoop = std::unique_ptr<bare::BareLoop> (*)(std::uint32_t fiber, std::uint32_t caller);
struct StackfulLoop {
  const char* mechanism;  // the harness's mechanism it stands beside
  const char* words;      // what the bare loop is
  MakeStackfulLoop make;
};
// Every mechanism of the fpenv family that keeps MXCSR per context and has a few-line loop (the
// hand-written assembly switch is the floor the others are read against: it has no library loop).
constexpr StackfulLoop kStackfulLoops[] = {
    {"fcontext_fiber", "a Boost.Context fiber ping-pong", &bare::make_fcontext_pingpong},
    {"boost_fiber_yield", "a Boost.Fiber yield ping-pong", &bare::make_boost_fiber_pingpong},
    {"ucontext_fiber", "a swapcontext ping-pong", &bare::make_ucontext_pingpong},
};

// The loop for one fpenv case: the fiber made at `fiber`, the caller at `caller`.
SelfCheckEntry self_check_fpenv(const StackfulLoop& loop, const arch::FpControlValue& fiber,
                                const arch::FpControlValue& caller) {
  return {fmt::format("fpenv/{}/fiber:{}/caller:{}", loop.mechanism, fiber.name, caller.name),
          fmt::format("{}, fiber made at {}, caller at {}", loop.words, fiber.name, caller.name),
          [make = loop.make, f = fiber.bits, c = caller.bits] { return make(f, c); }};
}

const std::vector<SelfCheckEntry>& self_check_entries() {
  static const std::vector<SelfCheckEntry> entries = [] {
    const auto d = arch::kFpDefault;
    std::vector<SelfCheckEntry> e = {
        {"switch/coroutine/one_thread", "a C++20 coroutine symmetric transfer", [] { return bare::make_coroutine_pingpong(); }},
        {"switch/thread_futex/same_cpu", "a futex ping-pong between two threads on one CPU", [] { return bare::make_futex_pingpong(); }},
        {"switch/process_pipe/same_cpu", "a pipe ping-pong between two processes on one CPU", [] { return bare::make_pipe_pingpong(); }},
    };
    for (const StackfulLoop& loop : kStackfulLoops) {
      e.push_back({fmt::format("switch/{}/one_thread", loop.mechanism), loop.words,
                   [make = loop.make, d] { return make(d.bits, d.bits); }});
      // The fpenv cases as a user would set them up (docs/METHODOLOGY.md): both sides at one value;
      // the caller's set after the fiber was made for the cases apart.
      e.push_back(self_check_fpenv(loop, d, d));
      e.push_back(self_check_fpenv(loop, arch::kFpFlushToZero, arch::kFpFlushToZero));
      e.push_back(self_check_fpenv(loop, arch::kFpRoundToZero, arch::kFpRoundToZero));
      e.push_back(self_check_fpenv(loop, d, arch::kFpStickyRaised));
      e.push_back(self_check_fpenv(loop, d, arch::kFpFlushToZero));
    }
    return e;
  }();
  return entries;
}

const SelfCheckEntry* self_check_entry(const std::string& benchmark) {
  for (const SelfCheckEntry& e : self_check_entries())
    if (e.benchmark == benchmark) return &e;
  return nullptr;
}

// A field that is a number, or NaN (absent, or null: the JSON writes NaN as null).
double self_check_number(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : NAN;
}

// A figure to 3 significant digits, as the finding prints it.
std::string self_check_ns(double ns) { return fmt::format("{:.3g} ns", ns); }

// One finding per pair: both figures, their ratio and interval, and the verdict.
std::optional<Finding> self_check_finding(const nlohmann::json& doc, const SelfCheckEntry& entry) {
  const auto& s = doc["summaries"].value("self_check", nlohmann::json::object());
  if (!s.contains("pairs") || !s["pairs"].contains(entry.benchmark)) return std::nullopt;
  const auto& p = s["pairs"][entry.benchmark];
  const std::string verdict = p.value("verdict", "");
  std::string text = fmt::format("self-check {}: harness {} against {} {}: harness / bare {:.2f} [{:.2f}, {:.2f}]",
                                 entry.benchmark, self_check_ns(self_check_number(p, "harness_ns")), entry.loop,
                                 self_check_ns(self_check_number(p, "bare_ns")), self_check_number(p, "ratio"), self_check_number(p, "ratio_lo"),
                                 self_check_number(p, "ratio_hi"));
  const double margin = s.value("margin", kSelfCheckMargin);
  if (verdict == "agrees") {
    text += fmt::format(", within the {:.0f} % margin", 100 * margin);
  } else if (verdict == "unresolved") {
    text += fmt::format(", unresolved against the {:.0f} % margin (the interval crosses it)", 100 * margin);
  } else {
    text = fmt::format("FAILED MEASUREMENT: {}, beyond the {:.0f} % margin: the {} family's findings rest on a harness "
                       "that does more (or less) than the switch", text, 100 * margin, p.value("family", "?"));
  }
  return Finding{text, {entry.benchmark}, verdict == "agrees"};
}

const bool self_check_registered = [] {
  add_repetitions_summary("self_check", self_check_summary);
  for (const SelfCheckEntry& e : self_check_entries())
    add_finding("self_check:" + e.benchmark, [&e](const nlohmann::json& doc) { return self_check_finding(doc, e); });
  return true;
}();

}  // namespace

MakeBareLoop bare_loop_for(const std::string& name) {
  const SelfCheckEntry* e = self_check_entry(name);
  return e == nullptr ? MakeBareLoop{} : e->make;
}

void add_self_check_counters(const SelfCheckFigures& pairs, benchmark::UserCounters& counters) {
  if (!pairs.has_figures) return;  // no loop, or one that failed part-way: no figure
  counters["self_check_harness_ns"] = pairs.harness_ns_per_switch;
  counters["bare_ns_per_switch"] = pairs.bare_ns_per_switch;
  counters["self_check_ratio"] = pairs.ratio;
  counters["self_check_pair_ratio"] = pairs.pair_ratio.median;
  counters["self_check_pairs"] = static_cast<double>(pairs.pairs);
}

nlohmann::json self_check_summary(const std::vector<ReportedRun>& repetitions) {
  struct Reps {
    std::string family;
    std::vector<double> ratio, harness_ns, bare_ns;
  };
  std::map<std::string, Reps> runs;  // by registered name
  for (const ReportedRun& b : repetitions) {
    if (b.run.error_occurred || b.fields == nullptr || !std::isfinite(b.counter("self_check_ratio"))) continue;
    Reps& r = runs[b.run.run_name.function_name];
    r.family = b.fields->family;
    r.ratio.push_back(b.counter("self_check_ratio"));
    r.harness_ns.push_back(b.counter("self_check_harness_ns"));
    r.bare_ns.push_back(b.counter("bare_ns_per_switch"));
  }
  if (runs.empty()) return nullptr;
  nlohmann::json pairs = nlohmann::json::object();
  std::set<std::string> failed;
  for (const auto& [name, r] : runs) {
    // Over the repetitions: the median and its distribution-free interval (one repetition: none).
    const MedianInterval ratio = median_interval(r.ratio);
    const std::string verdict = self_check_verdict(ratio);
    if (verdict == "FAILED MEASUREMENT") failed.insert(r.family);
    pairs[name] = {{"family", r.family},           {"harness_ns", median_interval(r.harness_ns).median},
                   {"bare_ns", median_interval(r.bare_ns).median}, {"ratio", ratio.median},
                   {"ratio_lo", ratio.lo},         {"ratio_hi", ratio.hi},
                   {"repetitions", r.ratio.size()}, {"verdict", verdict}};
  }
  return {{"margin", kSelfCheckMargin}, {"pairs", pairs}, {"failed_families", failed}};
}

}  // namespace bench_switch
