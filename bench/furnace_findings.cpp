// The gophers' findings: which way of burning the pile won at each K (threads, fibers, goroutines)
// and by how much over one gopher; and at the one-CPU furnace, how many preemptions landed while a
// gopher held it, what they cost the others, and how far the spinning lock fell behind the mutex.
#include <fmt/format.h>

#include <cmath>
#include <string>

#include "registry.hpp"

namespace bench_switch {
namespace {

std::string furnace_row(const char* prefix, const char* way, int k) { return fmt::format("gophers/{}_{}/K:{}", prefix, way, k); }

// "at K=2: independent 1.9× (± 3 %) ..." for one kind of gopher, or nothing when it was not run.
std::optional<Finding> ways_won(const nlohmann::json& doc, const char* prefix, const char* who) {
  const std::string one_name = furnace_row(prefix, "one", 1);
  const auto one = figure_of(doc, one_name);
  if (!one) return std::nullopt;
  Finding f{fmt::format("{}: one gopher {:.0f} ns per book;", who, one->median), {one_name}, true};
  const auto pipeline = figure_of(doc, furnace_row(prefix, "pipeline", 4));
  for (const int k : {2, 4, 8}) {
    std::string best;
    FigureRatio best_r{};
    for (const char* way : {"shared", "independent", "pipeline"}) {
      const bool is_pipeline = std::string(way) == "pipeline";
      if (is_pipeline && k != 4) continue;  // four gophers, one per stage: it competes at K = 4
      const auto fig = is_pipeline ? pipeline : figure_of(doc, furnace_row(prefix, way, k));
      if (!fig) continue;
      const FigureRatio speedup = ratio_of(*one, *fig);
      if (best.empty() || speedup.value > best_r.value) best = way, best_r = speedup;
    }
    if (best.empty()) continue;
    f.text += fmt::format(" at K={} the fastest was {}, {:.2f}× (± {:.1f} %) one gopher{};", k, best, best_r.value, 100 * best_r.spread,
                          best_r.resolved ? "" : " (not resolved from 1)");
  }
  f.text.pop_back();
  // One gopher keeps one CPU busy; with less, something else had its CPU while it was measured and
  // every speedup over it is inflated (the contention family's baseline_cpu_utilisation, likewise).
  const nlohmann::json* one_median = aggregate_of(doc, one_name, "median");
  const double cpus = one_median != nullptr ? one_median->value("cpu_utilisation", 1.0) : 1.0;
  if (cpus < 0.9) {
    f.text += fmt::format(" — not to be trusted: one gopher had {:.2f} of a CPU, the machine was busy", cpus);
    f.resolved = false;
  }
  return f;
}

std::string furnace_name(const char* mechanism, double share) { return fmt::format("furnace/{}/share:{}", mechanism, share); }

std::optional<Finding> furnace_preemptions(const nlohmann::json& doc) {
  Finding f{"4 gophers sharing one furnace on one CPU:", {}, true};
  for (const double share : {0.1, 0.5, 0.9}) {
    std::string part;
    for (const char* m : {"furnace_threads_mutex", "furnace_threads_spin", "furnace_fibers"}) {
      const std::string name = furnace_name(m, share);
      const nlohmann::json* med = aggregate_of(doc, name, "median");
      if (med == nullptr || !med->contains("preempted_holds")) continue;
      part += fmt::format(" {} {:.1f} µs/book, {:.1f} preempted holds per pile, {:.1f} % of the time the furnace stood "
                          "held by a gopher off the CPU;", m + 8, med->value("real_time", 0.0) / 1e3,
                          med->value("preempted_holds", 0.0), 100 * med->value("stall_share", 0.0));
      f.benchmarks.push_back(name);
    }
    const auto mutex = figure_of(doc, furnace_name("furnace_threads_mutex", share));
    const auto spin = figure_of(doc, furnace_name("furnace_threads_spin", share));
    if (mutex && spin) {
      const FigureRatio r = ratio_of(*spin, *mutex);
      part += fmt::format(" the spinning lock took {:.2f}× (± {:.1f} %) the mutex's time{};", r.value, 100 * r.spread,
                          r.resolved ? "" : " (not resolved)");
    }
    if (!part.empty()) f.text += fmt::format(" at a furnace share of {}:{}", share, part);
  }
  if (f.benchmarks.empty()) return std::nullopt;
  f.text.pop_back();
  // On one thread no fiber preempts another: a fiber's hold is cut only by another program taking
  // the CPU. Their count is the control for the threads' (what the machine, not the gophers, did).
  f.text += " (a fiber's preempted hold is another program taking the CPU: the control for the threads' count)";
  return f;
}

const bool furnace_findings_registered = [] {
  add_finding("gophers_threads", [](const nlohmann::json& d) { return ways_won(d, "threads", "gophers as threads"); });
  add_finding("gophers_fibers", [](const nlohmann::json& d) { return ways_won(d, "fibers", "gophers as fibers on one thread"); });
  add_finding("gophers_go", [](const nlohmann::json& d) { return ways_won(d, "go", "gophers as goroutines"); });
  add_finding("furnace_preemptions", furnace_preemptions);
  return true;
}();

}  // namespace
}  // namespace bench_switch
