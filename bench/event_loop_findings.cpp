// What an event loop's switch costs, from the switch family's rows: the Asio loop's coroutine
// switch against a raw coroutine transfer and, when the Python suite ran in the same run
// (--with-python), against asyncio's; Asio's cross-thread post against a raw futex handoff.
#include <fmt/format.h>

#include <cmath>

#include "registry.hpp"

namespace bench_switch {
namespace {

std::string figure_text(const Figure& f) { return fmt::format("{:.1f} ns ± {:.1f} %", f.median, 100 * f.relative()); }

// "a / b = r× (± s %)", and whether r differs from 1 beyond twice its spread.
struct Ratio {
  std::string text;
  bool resolved;
};
Ratio ratio_text(const Figure& a, const Figure& b) {
  const FigureRatio r = ratio_of(a, b);
  return {fmt::format("{:.1f}× (± {:.1f} %)", r.value, 100 * r.spread), r.resolved};
}

constexpr const char* kAsio = "switch/asio_coroutine/one_thread";
constexpr const char* kCoroutine = "switch/coroutine/one_thread";
constexpr const char* kAsyncio[] = {"switch/py_asyncio_sleep0/one_thread", "switch/py_asyncio_event/one_thread",
                                    "switch/py_asyncio_queue/one_thread"};

std::optional<Finding> asio_loop(const nlohmann::json& doc) {
  const auto asio = figure_of(doc, kAsio), raw = figure_of(doc, kCoroutine);
  if (!asio) return std::nullopt;
  Finding f{fmt::format("an Asio event-loop switch between two C++20 coroutines (co_await asio::post: {})", figure_text(*asio)),
            {kAsio}, true};
  if (raw) {
    const Ratio r = ratio_text(*asio, *raw);
    f.text += fmt::format(" costs {} a raw symmetric coroutine transfer ({}), {:.1f} ns more per switch", r.text,
                          figure_text(*raw), asio->median - raw->median);
    f.benchmarks.emplace_back(kCoroutine);  // push_back of a temporary: GCC 12's false -Warray-bounds
    f.resolved = f.resolved && r.resolved;
  }
  std::string against_python;
  for (const char* name : kAsyncio) {
    const auto py = figure_of(doc, name);
    if (!py) continue;
    const Ratio r = ratio_text(*py, *asio);
    against_python += fmt::format("{} {} ({}) costs {} the Asio switch", against_python.empty() ? "" : ";", name + 7,
                                  figure_text(*py), r.text);
    f.benchmarks.push_back(name);
  }
  f.text += against_python.empty() ? "; asyncio was not run (bench_switch --with-python runs it)"
                                   : "; in the same run, asyncio:" + against_python;
  return f;
}

constexpr const char* kAsioThreads = "switch/thread_asio/same_cpu";
constexpr const char* kFutexThreads = "switch/thread_futex/same_cpu";

std::optional<Finding> asio_threads(const nlohmann::json& doc) {
  const auto asio = figure_of(doc, kAsioThreads), futex = figure_of(doc, kFutexThreads);
  if (!asio || !futex) return std::nullopt;
  const Ratio r = ratio_text(*asio, *futex);
  std::string text = fmt::format("a post from one thread's Asio io_context to another's on the same CPU ({}) costs {} a raw "
                                 "futex handoff ({})", figure_text(*asio), r.text, figure_text(*futex));
  if (!r.resolved) text += " — not resolved: the two are within their spread of each other";
  return Finding{text, {kAsioThreads, kFutexThreads}, r.resolved};
}

const bool event_loop_findings_registered = [] {
  add_finding("asio_loop", asio_loop);
  add_finding("asio_threads", asio_threads);
  return true;
}();

}  // namespace
}  // namespace bench_switch
