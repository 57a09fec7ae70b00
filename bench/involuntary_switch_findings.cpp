// What a run found about involuntary switches (summaries.involuntary_switch and its findings): the
// direct cost per K, the tick's own share, the refill per working set, and the ratio to the
// voluntary handoff the switch family measured in the same run (thread_futex, same_cpu).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "measure/paired_batches.hpp"
#include "registry.hpp"
#include "repetitions.hpp"

namespace bench_switch {
namespace {

using nlohmann::json;

double involuntary_number(const json& b, const std::string& key) {
  return b.contains(key) && b[key].is_number() ? b[key].get<double>() : NAN;
}

bool measured_entry(const json& b, const char* family) {
  return b.value("family", "") == family && b.value("run_type", "") == "iteration" && !b.value("error_occurred", false);
}

const json* clock_entry(const json& benchmarks, const std::string& mechanism, int k, int policy) {
  for (const auto& b : benchmarks)
    if (measured_entry(b, "involuntary_switch") && b.value("mechanism", "") == mechanism && b["params"].value("K", 0) == k &&
        b["params"].value("policy", -1) == policy)
      return &b;
  return nullptr;
}

// One span distribution of an entry: counters `<prefix>_p10_ns` ... and its median's interval.
json span_summary(const json& b, const std::string& prefix) {
  const double p50 = involuntary_number(b, prefix + "_p50_ns");
  return {{"count", involuntary_number(b, prefix + "s")},       {"p10_ns", number_or_null(involuntary_number(b, prefix + "_p10_ns"))},
          {"p50_ns", number_or_null(p50)},                        {"p90_ns", number_or_null(involuntary_number(b, prefix + "_p90_ns"))},
          {"p99_ns", number_or_null(involuntary_number(b, prefix + "_p99_ns"))},
          {"p50_lo_ns", number_or_null(involuntary_number(b, prefix + "_p50_lo_ns"))},
          {"p50_hi_ns", number_or_null(involuntary_number(b, prefix + "_p50_hi_ns"))},
          {"resolved", involuntary_number(b, prefix + "_resolved") == 1}};
}

json direct_rows(const json& benchmarks) {
  json rows = json::array();
  for (const auto& b : benchmarks) {
    if (!measured_entry(b, "involuntary_switch") || !b.contains("handovers") || b["params"].value("K", 0) < 2) continue;
    json row = span_summary(b, "handover");
    row["name"] = b.value("run_name", "");
    row["task"] = b.value("task", "");
    row["K"] = b["params"].value("K", 0);
    row["policy"] = b["params"].value("policy", 0) == 1 ? "rr" : "normal";
    for (const char* key : {"handovers_at_tick", "long_handovers", "involuntary_switches", "task_starts", "other_spans",
                            "tick_phase_share"})
      row[key] = number_or_null(involuntary_number(b, key));
    rows.push_back(row);
  }
  return rows;
}

// a − b for two medians, with the interval their intervals allow: [a.lo − b.hi, a.hi − b.lo].
json difference(double a, double a_lo, double a_hi, double b, double b_lo, double b_hi) {
  const double lo = a_lo - b_hi, hi = a_hi - b_lo;
  return {{"ns", number_or_null(a - b)}, {"lo_ns", number_or_null(lo)}, {"hi_ns", number_or_null(hi)},
          {"resolved", std::isfinite(lo) && lo > 0}, {"negative", std::isfinite(hi) && hi < 0}};
}

json tick_share(const json& benchmarks) {
  const json* lone = clock_entry(benchmarks, "clock_threads", 1, 0);
  const json* pair = clock_entry(benchmarks, "clock_threads", 2, 0);
  if (lone == nullptr || !lone->contains("tick_spans")) return nullptr;
  json out = {{"tick", span_summary(*lone, "tick_span")}, {"name", lone->value("run_name", "")},
              {"other_spans", number_or_null(involuntary_number(*lone, "other_spans"))}};
  if (pair != nullptr && pair->contains("handover_p50_ns")) {
    const auto n = [&](const json& b, const char* k) { return involuntary_number(b, k); };
    out["switch_share"] = difference(n(*pair, "handover_p50_ns"), n(*pair, "handover_p50_lo_ns"), n(*pair, "handover_p50_hi_ns"),
                                     n(*lone, "tick_span_p50_ns"), n(*lone, "tick_span_p50_lo_ns"), n(*lone, "tick_span_p50_hi_ns"));
  }
  return out;
}

json refill_side(const json& b) {
  return {{"excess_ns", number_or_null(involuntary_number(b, "excess_ns"))}, {"lo_ns", number_or_null(involuntary_number(b, "excess_lo_ns"))},
          {"hi_ns", number_or_null(involuntary_number(b, "excess_hi_ns"))}, {"samples", number_or_null(involuntary_number(b, "samples"))},
          {"resumptions", number_or_null(involuntary_number(b, "resumptions"))},
          {"steady_pass_ns", number_or_null(involuntary_number(b, "steady_pass_ns"))}};
}

json refill_rows(const json& benchmarks) {
  std::map<double, std::pair<const json*, const json*>> by_size;  // shared, control
  for (const auto& b : benchmarks) {
    if (!measured_entry(b, "involuntary_switch") || b.value("mechanism", "") != "walk_processes") continue;
    auto& slot = by_size[b["params"].value("S_bytes", 0.0)];
    (b["params"].value("K", 0) > 1 ? slot.first : slot.second) = &b;
  }
  json rows = json::array();
  for (const auto& [bytes, pair] : by_size) {
    if (pair.first == nullptr || pair.second == nullptr) continue;
    const auto n = [](const json* b, const char* k) { return involuntary_number(*b, k); };
    json row = difference(n(pair.first, "excess_ns"), n(pair.first, "excess_lo_ns"), n(pair.first, "excess_hi_ns"),
                          n(pair.second, "excess_ns"), n(pair.second, "excess_lo_ns"), n(pair.second, "excess_hi_ns"));
    row["S_bytes"] = bytes;
    row["shared"] = refill_side(*pair.first);
    row["control"] = refill_side(*pair.second);
    rows.push_back(row);
  }
  return rows;
}

// The switch family's voluntary handoff on one CPU: its one-way p50 over the repetitions (median,
// and [min, max] of the repetitions).
json voluntary_handoff(const json& benchmarks) {
  std::vector<double> p50;
  std::string name;
  for (const auto& b : benchmarks)
    if (measured_entry(b, "switch") && b.value("mechanism", "") == "thread_futex" && b.value("placement", "") == "same_cpu" &&
        b.contains("latency_p50_ns"))
      p50.push_back(b["latency_p50_ns"].get<double>()), name = b.value("run_name", "");
  if (p50.empty()) return nullptr;
  const MedianInterval m = median_interval(p50);
  return {{"name", name}, {"p50_ns", m.median}, {"lo_ns", *std::min_element(p50.begin(), p50.end())},
          {"hi_ns", *std::max_element(p50.begin(), p50.end())}, {"repetitions", p50.size()},
          {"what", "one-way latency of a futex handoff between two threads on one CPU, p50 (switch family)"}};
}

json involuntary_summary(const json& benchmarks) {
  json out = json::object();
  if (json d = direct_rows(benchmarks); !d.empty()) out["direct"] = d;
  if (json t = tick_share(benchmarks); !t.is_null()) out["tick"] = t;
  if (json r = refill_rows(benchmarks); !r.empty()) out["refill"] = r;
  if (out.empty()) return nullptr;
  if (json v = voluntary_handoff(benchmarks); !v.is_null()) out["voluntary"] = v;
  return out;
}

std::string size_text(double bytes) {
  return bytes >= 1 << 20 ? fmt::format("{:.0f} MiB", bytes / (1 << 20)) : fmt::format("{:.0f} KiB", bytes / 1024);
}

std::string involuntary_us(double ns) { return std::isfinite(ns) ? fmt::format("{:.1f} µs", ns / 1e3) : "n/a"; }

std::string median_text(const json& s, const char* p50 = "p50_ns", const char* lo = "p50_lo_ns", const char* hi = "p50_hi_ns") {
  const double m = s.value(p50, json()).is_number() ? s[p50].get<double>() : NAN;
  if (!s.value(lo, json()).is_number()) return involuntary_us(m) + " (no interval)";
  return fmt::format("{} [{:.1f}, {:.1f}]", involuntary_us(m), s[lo].get<double>() / 1e3, s[hi].get<double>() / 1e3);
}

// A copy: value() gives a temporary, and a reference into it would outlive it.
json involuntary_part(const json& doc, const char* key) {
  const json s = doc["summaries"].value("involuntary_switch", json::object());
  return s.contains(key) ? s[key] : json::object();
}

// What says that tasks outside the crew took the CPU: preemptions the kernel counted beyond the
// handovers and starts, and handovers as long as a slice (another task ran in between).
std::string outside_words(double extra_preemptions, double long_handovers) {
  std::string out;
  if (extra_preemptions > 0) out += fmt::format(", {:.0f} more than handovers and starts", extra_preemptions);
  if (long_handovers > 0) out += fmt::format(", {:.0f} spans between two of them over 200 µs left out", long_handovers);
  return out.empty() ? out : out + ": tasks outside the crew ran";
}

std::optional<Finding> direct_finding(const json& doc) {
  const json rows = involuntary_part(doc, "direct");
  if (!rows.is_array() || rows.empty()) return std::nullopt;
  std::string list;
  std::vector<std::string> names;
  bool resolved = true;
  for (const auto& r : rows) {
    const bool headline = r.value("task", "") == "thread" && r.value("policy", "") == "normal" && r.value("K", 0) <= 4;
    if (headline && !r.value("resolved", false)) resolved = false;
    const double outside = r.value("involuntary_switches", 0.0) - r.value("count", 0.0) - r.value("task_starts", 0.0);
    list += fmt::format("{}{} K={}{}: p50 {} over {:.0f} (p10 {}, p90 {}, p99 {}; {:.0f} at the tick; the kernel counted {:.0f} "
                        "involuntary switches{}){}",
                        list.empty() ? "" : "; ", r.value("task", "") == "process" ? "processes" : "threads", r.value("K", 0), r.value("policy", "") == "rr" ? " SCHED_RR" : "",
                        median_text(r), r.value("count", 0.0), involuntary_us(r.value("p10_ns", json()).is_number() ? r["p10_ns"].get<double>() : NAN),
                        involuntary_us(r.value("p90_ns", json()).is_number() ? r["p90_ns"].get<double>() : NAN),
                        involuntary_us(r.value("p99_ns", json()).is_number() ? r["p99_ns"].get<double>() : NAN),
                        r.value("handovers_at_tick", 0.0), r.value("involuntary_switches", 0.0),
                        outside_words(outside, r.value("long_handovers", 0.0)),
                        r.value("resolved", false) ? "" : ", UNRESOLVED: the median's interval is wider than ±20 %");
    names.push_back(r.value("name", ""));
  }
  return Finding{"one involuntary switch on one CPU, from the last clock read of the task that lost the CPU to the first read "
                 "of the task that got it (p50 [95 % interval]): " + list, names, resolved};
}

std::optional<Finding> tick_finding(const json& doc) {
  const json t = involuntary_part(doc, "tick");
  if (!t.contains("tick")) return std::nullopt;
  std::string text = fmt::format("a lone busy task's span at the tick (the tick without a switch): p50 {} over {:.0f} ticks",
                                 median_text(t["tick"]), t["tick"].value("count", 0.0));
  bool resolved = t["tick"].value("resolved", false);
  if (t.contains("switch_share")) {
    const json& d = t["switch_share"];
    text += fmt::format("; the switch's share of a K = 2 handover (handover p50 − tick p50): {}{}",
                        median_text(d, "ns", "lo_ns", "hi_ns"),
                        d.value("resolved", false) ? ""
                        // A tick alone dearer than a tick with a switch: the two spans do not hold the
                        // same tick, so the subtraction does not isolate the switch on this machine.
                        : d.value("negative", false) ? ", FAILED MEASUREMENT: negative beyond its interval (the lone task's "
                                                        "tick span is longer than a handover's, so the tick it holds is not the "
                                                        "one inside a handover; the difference is no switch's share)"
                                                      : ", UNRESOLVED: its interval reaches 0");
    resolved = resolved && d.value("resolved", false);
  }
  return Finding{text, {t.value("name", "")}, resolved};
}

std::optional<Finding> refill_finding(const json& doc) {
  const json rows = involuntary_part(doc, "refill");
  if (!rows.is_array() || rows.empty()) return std::nullopt;
  std::string list, negative;
  bool largest_resolved = false;
  for (const auto& r : rows) {
    const double bytes = r.value("S_bytes", 0.0);
    largest_resolved = r.value("resolved", false);  // rows ascend in S: the last one is the largest
    const std::string size = size_text(bytes);
    if (r.value("negative", false)) negative += (negative.empty() ? "" : ", ") + size;
    const json shared = r.value("shared", json::object());
    if (shared.value("resumptions", 1.0) == 0) {
      list += fmt::format("{}{} not measured: no handover of at most 200 µs in the window (another task ran inside each)",
                          list.empty() ? "" : ", ", size);
      continue;
    }
    if (shared.value("samples", json()).is_number() && shared["samples"].get<double>() == 0) {
      const json steady = shared.value("steady_pass_ns", json());
      list += fmt::format("{}{} not measured: no first pass finished before the next preemption in {:.0f} resumptions ({})",
                          list.empty() ? "" : ", ", size, shared.value("resumptions", 0.0),
                          steady.is_number() ? "a pass at the steady rate takes " + involuntary_us(steady.get<double>())
                                             : "no task walked a whole pass between two preemptions");
      continue;
    }
    list += fmt::format("{}{} {}{}", list.empty() ? "" : ", ", size, median_text(r, "ns", "lo_ns", "hi_ns"),
                        r.value("resolved", false) ? "" : " (unresolved)");

  }
  std::string text = "refill per preemption (K = 2 processes each walking its own S bytes: the first pass after a handover, "
                     "less the first pass after a tick with no peer): " + list;
  if (!negative.empty()) text += "; FAILED MEASUREMENT: negative beyond its interval at " + negative;
  return Finding{text, {"involuntary_switch/walk_processes"}, largest_resolved && negative.empty()};
}

std::optional<Finding> ratio_finding(const json& doc) {
  const json v = involuntary_part(doc, "voluntary");
  const json rows = involuntary_part(doc, "direct");
  const json refill = involuntary_part(doc, "refill");
  if (!v.contains("p50_ns") || !rows.is_array()) return std::nullopt;
  const json* direct = nullptr;
  for (const auto& r : rows)
    if (r.value("task", "") == "thread" && r.value("K", 0) == 2 && r.value("policy", "") == "normal") direct = &r;
  if (direct == nullptr || !(*direct).value("p50_ns", json()).is_number()) return std::nullopt;
  const double x = (*direct)["p50_ns"].get<double>(), vol = v["p50_ns"].get<double>();
  double y = 0;
  std::string refill_text = "refill not measured";
  if (refill.is_array() && !refill.empty()) {
    const json& last = refill.back();
    const double bytes = last.value("S_bytes", 0.0);
    y = last.value("resolved", false) ? last["ns"].get<double>() : 0;
    refill_text = last.value("resolved", false)
                      ? fmt::format("{} refill at S = {}", involuntary_us(y), size_text(bytes))
                      : fmt::format("a refill not resolved at S = {} (counted as 0)", size_text(bytes));
  }
  const std::string text = fmt::format(
      "an involuntary switch costs {} direct (K = 2 threads, handover p50) + {} = {:.1f}× a voluntary one ({}: {}); the "
      "direct part alone is {:.1f}× (the voluntary p50's repetitions range {}–{})",
      involuntary_us(x), refill_text, (x + y) / vol, v.value("name", ""), involuntary_us(vol), x / vol,
      involuntary_us(v.value("lo_ns", NAN)), involuntary_us(v.value("hi_ns", NAN)));
  const bool resolved = (*direct).value("resolved", false);
  return Finding{resolved ? text : text + "; UNRESOLVED: the direct figure's median interval is wider than ±20 %",
                 {(*direct).value("name", ""), v.value("name", "")}, resolved};
}

const bool involuntary_switch_findings_registered = [] {
  add_summary("involuntary_switch", involuntary_summary);
  add_finding("involuntary_switch_direct", direct_finding);
  add_finding("involuntary_switch_tick", tick_finding);
  add_finding("involuntary_switch_refill", refill_finding);
  add_finding("involuntary_against_voluntary", ratio_finding);
  return true;
}();

}  // namespace
}  // namespace bench_switch
