#include "results_file.hpp"

#include <csignal>
#include <cstdio>
#include <cstring>
#include <fmt/format.h>
#include <functional>

#include "stop_signals.hpp"

namespace bench_switch {

namespace {
struct ResultsFile {
  std::mutex mutex;
  bool written = false;                    // by either; the other then writes nothing
  std::function<void(int)> write_partial;  // set once there is something to write
};
ResultsFile& results_file() {
  static ResultsFile r;
  return r;
}

// On the stopping thread, once every child is gone: one line on standard error either way.
void on_stop(int signal) {
  ResultsFile& r = results_file();
  const std::lock_guard lock(r.mutex);
  const char* name = sigabbrev_np(signal);
  if (r.written) {
    std::fprintf(stderr, "bench_switch: stopped by SIG%s after the results were written\n", name);
  } else if (!r.write_partial) {
    std::fprintf(stderr, "bench_switch: stopped by SIG%s before anything was measured; nothing written\n", name);
  } else {
    r.write_partial(signal);
  }
  r.written = true;
}

// The benchmarks reported so far, as a complete document marked interrupted.
void write_interrupted(const SuiteReporter& reporter, const OutputPath& output, const RunDescription& run, int signal) {
  nlohmann::json so_far = reporter.document();
  if (so_far.is_null()) {
    std::fprintf(stderr, "bench_switch: stopped by SIG%s before anything was measured; nothing written\n", sigabbrev_np(signal));
    return;
  }
  nlohmann::json doc = complete(std::move(so_far), reporter.repetitions(), run);
  doc["context"]["bench_switch"]["interrupted"] = {{"signal", fmt::format("SIG{}", sigabbrev_np(signal))}, {"signal_number", signal}};
  const std::string error = write_output(output, doc.dump(2) + "\n");
  if (!error.empty()) {
    std::fprintf(stderr, "bench_switch: stopped by SIG%s; %s\n", sigabbrev_np(signal), error.c_str());
  } else {
    std::fprintf(stderr, "bench_switch: stopped by SIG%s: wrote %s, marked interrupted, with the %d benchmarks finished before it\n",
                 sigabbrev_np(signal), run.json_path.c_str(), reporter.measured());
  }
}
}  // namespace

void stop_with_partial_results() { stop_on_signals(on_stop); }

void write_partial_results_on_stop(const SuiteReporter& reporter, const OutputPath& output, const RunDescription& run) {
  ResultsFile& r = results_file();
  const std::lock_guard lock(r.mutex);
  r.write_partial = [&reporter, &output, &run](int signal) { write_interrupted(reporter, output, run, signal); };
}

FinalWrite::FinalWrite() : lock_(results_file().mutex) {
  if (stopping()) {
    lock_.unlock();
    park_if_stopping();
  }
  results_file().written = true;
}

int FinalWrite::done(int status) {
  lock_.unlock();
  park_if_stopping();
  return status;
}

}  // namespace bench_switch
