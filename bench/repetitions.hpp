// A point of a family with a control, over its repetitions, read back from the JSON entries.
#pragma once
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "measure/paired_batches.hpp"

namespace bench_switch {

// The median of the repetitions' medians (counter `key`), and the union of their intervals
// (`lo_key`, `hi_key`). Each repetition's interval is conditional on that repetition's state of the
// machine (where its working sets landed, what the host did then); the union holds the spread
// between repetitions too.
inline MedianInterval over_repetitions(const std::vector<const nlohmann::json*>& reps, const char* key, const char* lo_key,
                                       const char* hi_key) {
  const auto number = [](const nlohmann::json& e, const char* k) {
    return e.contains(k) && e[k].is_number() ? e[k].get<double>() : NAN;
  };
  std::vector<double> medians;
  MedianInterval out;
  out.lo = out.hi = NAN;
  for (const auto* r : reps) {
    medians.push_back(number(*r, key));
    const double lo = number(*r, lo_key), hi = number(*r, hi_key);
    out.lo = std::isnan(out.lo) ? lo : std::fmin(out.lo, lo);
    out.hi = std::isnan(out.hi) ? hi : std::fmax(out.hi, hi);
  }
  out.median = medians.empty() ? NAN : median_interval(medians).median;
  out.n = std::isfinite(out.lo) && std::isfinite(out.hi) ? reps.size() : 0;
  return out;
}

// The measured repetitions of `family` that carry `counter`, by mechanism and then by the value of
// the parameter `param` (W_ns, S_bytes).
using RepetitionsByPoint = std::map<std::string, std::map<double, std::vector<const nlohmann::json*>>>;
inline RepetitionsByPoint repetitions_by(const nlohmann::json& benchmarks, const std::string& family, const char* param,
                                         const char* counter) {
  RepetitionsByPoint out;
  for (const auto& b : benchmarks) {
    if (b.value("family", "") == family && b.value("run_type", "") == "iteration" && !b.value("error_occurred", false) &&
        b.contains(counter))
      out[b["mechanism"]][b["params"][param].get<double>()].push_back(&b);
  }
  return out;
}

inline nlohmann::json number_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

}  // namespace bench_switch
