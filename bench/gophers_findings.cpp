// What the Go rows (bench_switch --with-go) and the gophers show, from the run's own figures:
// a goroutine handoff against a Boost.Context fiber, a futex thread handoff and asyncio's sleep(0);
// Go's observed preemption slice beside what its runtime's constants predict; which way of burning
// the books won at each K; and the preemptions that landed at the one-CPU furnace.
#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <vector>

#include "registry.hpp"

namespace bench_switch {
namespace {

constexpr const char* kGoHandoff = "switch/go_chan/one_p";

std::string gophers_figure(const Figure& f) { return fmt::format("{:.1f} ns ± {:.1f} %", f.median, 100 * f.relative()); }

// A counter's median across a row's repetitions, or NaN.
double median_counter(const nlohmann::json& doc, const std::string& name, const char* counter) {
  const nlohmann::json* m = aggregate_of(doc, name, "median");
  return m != nullptr && m->contains(counter) ? m->value(counter, 0.0) : std::numeric_limits<double>::quiet_NaN();
}

std::optional<Finding> goroutine_handoff(const nlohmann::json& doc) {
  const auto go = figure_of(doc, kGoHandoff);
  if (!go) return std::nullopt;
  Finding f{fmt::format("a goroutine handoff over an unbuffered channel on one P ({}, {:.3f} kernel switches per handoff)",
                        gophers_figure(*go), median_counter(doc, kGoHandoff, "kernel_switches_per_switch")),
            {kGoHandoff}, true};
  struct Other {
    const char* name;
    const char* what;
  };
  for (const Other o : {Other{"switch/fcontext_fiber/one_thread", "a Boost.Context fiber switch"},
                        Other{"switch/thread_futex/same_cpu", "a futex handoff between two threads on one CPU"},
                        Other{"switch/py_asyncio_sleep0/one_thread", "asyncio's sleep(0)"}}) {
    const auto other = figure_of(doc, o.name);
    if (!other) {
      f.text += fmt::format("; {} was not measured in this run", o.what);
      continue;
    }
    const FigureRatio r = ratio_of(*go, *other);
    f.text += fmt::format("; {:.2f}× (± {:.1f} %) {} ({}){}", r.value, 100 * r.spread, o.what, gophers_figure(*other),
                          r.resolved ? "" : ", not resolved");
    f.benchmarks.emplace_back(o.name);
    f.resolved = f.resolved && r.resolved;
  }
  return f;
}

constexpr const char* kGoSlice = "go_preemption/go_spin/asyncpreemptoff:0/one_p";
constexpr const char* kGoNoPreempt = "go_preemption/go_spin/asyncpreemptoff:1/one_p";

std::optional<Finding> go_slice(const nlohmann::json& doc) {
  const double slice = median_counter(doc, kGoSlice, "slice_ns"), never = median_counter(doc, kGoNoPreempt, "never_yielded");
  if (std::isnan(slice) && std::isnan(never)) return std::nullopt;
  Finding f{"", {}, true};
  if (!std::isnan(slice)) {
    const double lo = median_counter(doc, kGoSlice, "predicted_min_ns"), hi = median_counter(doc, kGoSlice, "predicted_max_ns");
    const double on_cpu = median_counter(doc, kGoSlice, "slice_on_cpu_ns");
    f.text = fmt::format("two busy goroutines on one P each ran {:.2f} ms before the runtime preempted it (median; {:.2f} ms "
                         "of it on the CPU); the runtime's constants predict {:.0f} to {:.0f} ms (forcePreemptNS, plus up to "
                         "one sysmon sleep of 10 ms before sysmon first sees the goroutine)",
                         slice / 1e6, on_cpu / 1e6, lo / 1e6, hi / 1e6);
    f.resolved = slice >= lo && slice <= 1.5 * hi;
    if (!f.resolved) f.text += " — outside the prediction: the thread itself was off the CPU (a loaded machine?)";
    f.benchmarks.emplace_back(kGoSlice);
  }
  if (!std::isnan(never)) {
    f.text += fmt::format("{}with GODEBUG=asyncpreemptoff=1, {}", f.text.empty() ? "" : "; ",
                          never > 0.5 ? fmt::format("one goroutine never yielded: it kept the P for the whole {:.0f} ms run",
                                                    median_counter(doc, kGoNoPreempt, "run_ns") / 1e6)
                                      : "the P still changed hands (unexpected: a call in the loop?)");
    f.benchmarks.emplace_back(kGoNoPreempt);
  }
  return f;
}

const bool gophers_findings_registered = [] {
  add_finding("goroutine_handoff", goroutine_handoff);
  add_finding("go_slice", go_slice);
  return true;
}();

}  // namespace
}  // namespace bench_switch
