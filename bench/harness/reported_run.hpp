// A repetition as Google Benchmark reported it, typed: its times and counters, and the fields its
// benchmark registered. What a summary reads when it needs another family's figures, with no
// trip through JSON.
#pragma once
#include <benchmark/benchmark.h>

#include <cmath>
#include <string>

#include "entry_fields.hpp"

namespace bench_switch {

struct ReportedRun {
  benchmark::BenchmarkReporter::Run run;
  const EntryFields* fields = nullptr;  // nullptr: not a registered benchmark

  // The counter `name`, or NaN when the repetition did not report it (or reported it unresolved).
  double counter(const std::string& name) const {
    const auto it = run.counters.find(name);
    return it == run.counters.end() ? NAN : it->second.value;
  }
  // A registered integer parameter (K, policy, ...), or `otherwise` (a benchmark with none has
  // null params).
  int param(const std::string& name, int otherwise) const {
    return fields != nullptr && fields->params.is_object() ? fields->params.value(name, otherwise) : otherwise;
  }
};

}  // namespace bench_switch
