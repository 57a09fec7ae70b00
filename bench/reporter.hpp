// The console side of a run: a progress line when a family starts, then one readable row per
// benchmark as it finishes (median and spread of the repetitions, plus the counters that prove it).
// It also feeds every run to Google Benchmark's own JSONReporter, whose text main() completes and
// writes: Google Benchmark keeps its statistics and its JSON layout, bench_switch adds fields.
#pragma once
#include <benchmark/benchmark.h>

#include <mutex>
#include <sstream>
#include <string>

namespace bench_switch {

class SuiteReporter final : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context& context) override;
  void ReportRuns(const std::vector<Run>& runs) override;
  void Finalize() override;

  std::string json_text() const { return json_text_.str(); }
  // What Google Benchmark's JSON holds so far, closed into a whole document: every benchmark
  // reported before now (a stopping signal, stop_signals.hpp: nothing is reported after it); ""
  // before the first benchmark has finished. Safe to call from another thread.
  std::string json_so_far() const;
  int failures() const { return failures_; }  // benchmarks with an error that is not a documented skip
  int measured() const { return measured_; }

 private:
  void print_row(const std::vector<Run>& runs);
  // The row of a benchmark with an error in any repetition (FAILED, or its skip); false if none.
  bool print_error_row(const std::vector<Run>& runs);
  mutable std::mutex mutex_;  // the stopping thread reads json_text_ while this one writes it
  benchmark::JSONReporter json_;
  std::ostringstream json_text_;
  std::string family_;
  std::string errored_run_;    // a benchmark whose aggregates must not be printed as its figure
  std::string latency_words_;  // from the repetitions, for the row their aggregates print
  double family_started_ = 0, last_report_ = 0;
  int failures_ = 0, measured_ = 0, reported_ = 0;
};

}  // namespace bench_switch
