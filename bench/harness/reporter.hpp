// bench_switch's reporter. The console side: a progress line when a family starts, then one
// readable row per benchmark as it finishes (median and spread of the repetitions, plus the
// counters that prove it). The file side: each run becomes its JSON entry as it is reported
// (Google Benchmark's fields and layout, run_entry.hpp, plus the fields the benchmark registered
// and those its call attached), kept in memory; main completes that document and writes it.
#pragma once
#include <benchmark/benchmark.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "reported_run.hpp"

namespace bench_switch {

class SuiteReporter final : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context& context) override;
  void ReportRuns(const std::vector<Run>& runs) override;
  void Finalize() override;

  // {"context": Google Benchmark's context, "benchmarks": every entry reported so far}: a
  // stopping signal (stop_signals.hpp) stops the reporting, so from the stopping thread it is
  // what was measured before the signal; null before the first benchmark has finished. Safe to
  // call from another thread.
  nlohmann::json document() const;
  // The repetitions of document()'s benchmarks, typed, for the summaries that take them.
  std::vector<ReportedRun> repetitions() const;
  int failures() const { return failures_; }  // benchmarks with an error that is not a documented skip
  int measured() const { return measured_; }

 private:
  void keep_entries(const std::vector<Run>& runs);
  void start_family(const std::string& family);
  void print_row(const std::vector<Run>& runs);
  // The row of a benchmark with an error in any repetition (FAILED, or its skip); false if none.
  bool print_error_row(const std::vector<Run>& runs);
  mutable std::mutex mutex_;  // the stopping thread reads the entries while this one adds to them
  nlohmann::json context_ = nlohmann::json::object();
  nlohmann::json entries_ = nlohmann::json::array();
  std::vector<ReportedRun> repetitions_;
  std::string latency_words_;  // from the repetitions, for the row their aggregates print
  std::string family_;
  std::string errored_run_;  // a benchmark whose aggregates must not be printed as its figure
  double family_started_ = 0, last_report_ = 0;
  int failures_ = 0, measured_ = 0, reported_ = 0;
};

}  // namespace bench_switch
