// Who writes the results file: the main thread at the end of the run, or the stopping thread
// (stop_signals.hpp) with what was measured before SIGINT, SIGTERM or SIGHUP; never both, never
// half of one (docs/FAULTS.md).
#pragma once
#include <mutex>

#include "document.hpp"
#include "output_file.hpp"
#include "reporter.hpp"

namespace bench_switch {

// First in main, before any thread or child exists (the signal mask is inherited): a stop then
// writes what the run has (write_partial_results_on_stop) and exits 128 + N.
void stop_with_partial_results();

// From now on a stop writes what `reporter` has measured, completed and marked interrupted, to
// `output`. The three must outlive the run.
void write_partial_results_on_stop(const SuiteReporter& reporter, const OutputPath& output, const RunDescription& run);

// The main thread's turn to write, taken once the benchmarks have run: a stop that came first has
// written (or is writing) the file and this thread parks for good; a stop after this waits for
// the final write, then exits 128 + N.
class FinalWrite {
 public:
  FinalWrite();
  // `status` to return from main, once a stop that came during the final write has had its turn.
  int done(int status);

 private:
  std::unique_lock<std::mutex> lock_;
};

}  // namespace bench_switch
