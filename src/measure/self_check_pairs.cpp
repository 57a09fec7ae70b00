#include "measure/self_check_pairs.hpp"

#include <algorithm>
#include <cmath>
#include <exception>

#include "run_warnings.hpp"

namespace bench_switch {

std::string self_check_verdict(const MedianInterval& ratio, double margin) {
  const double high = 1 + margin, low = 1 / high;
  const double lo = ratio.has_interval() ? ratio.lo : ratio.median, hi = ratio.has_interval() ? ratio.hi : ratio.median;
  if (!std::isfinite(lo) || !std::isfinite(hi)) return "unresolved";
  if (lo > high || hi < low) return "FAILED MEASUREMENT";
  if (lo >= low && hi <= high) return "agrees";
  return "unresolved";
}

SelfCheckPairs::SelfCheckPairs(const MakeBareLoop& make) {
  if (!make) return;
  pair_ratios_.reserve(1024);  // no allocation inside the timed loop for the usual counts of batches
  try {
    loop_ = make();
  } catch (const std::exception& e) {
    failure_ = e.what();
    warn_once(std::string("self-check: a bare loop could not be made (") + e.what() + "): its pair is left out");
  }
}

double SelfCheckPairs::bare_batch(std::uint64_t round_trips) {
  if (!loop_) return NAN;
  try {
    return loop_->round_trips_ns(round_trips);
  } catch (const std::exception& e) {
    loop_.reset();
    failure_ = e.what();
    warn_once(std::string("self-check: a bare loop failed (") + e.what() + "): its pair is left out");
    return NAN;
  }
}

bool SelfCheckPairs::release() {
  if (!loop_) return false;
  loop_.reset();
  failure_ = "released";
  warn_once("self-check: a bare loop was given up so that the harness could make its partner: its pair is left out");
  return true;
}

void SelfCheckPairs::add(double harness_ns, double bare_ns, double switches) {
  if (!std::isfinite(bare_ns) || !(bare_ns > 0)) return;
  pair_ratios_.push_back(harness_ns / bare_ns);
  harness_min_ = std::min(harness_min_, harness_ns / switches), bare_min_ = std::min(bare_min_, bare_ns / switches);
}

}  // namespace bench_switch
