// bench_switch: runs every registered experiment, prints a readable table, and writes Google
// Benchmark JSON completed with what a reader needs to trust each figure (docs/JSON.md). What each
// step is lives in bench/harness/: the reporter that builds the document as runs finish, its
// completion, the other suites, the signal-safe write.
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <fmt/format.h>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>

#include "c2c.hpp"
#include "catalogue.hpp"
#include "go_suite.hpp"
#include "harness/document.hpp"
#include "harness/gbench_flags.hpp"
#include "harness/instruction_count.hpp"
#include "harness/python_suite.hpp"
#include "harness/reporter.hpp"
#include "harness/results_file.hpp"
#include "harness/topology_print.hpp"
#include "options.hpp"
#include "output_file.hpp"
#include "resource_refusal.hpp"
#include "run_warnings.hpp"

namespace {
using bench_switch::Options;
using bench_switch::usage_error;
using nlohmann::json;

constexpr const char* kHelp = R"(usage: bench_switch [options] [Google Benchmark flags]

Measures what it costs to switch between tasks: OS threads and processes switched by the kernel
(preemptive), fibers and coroutines switched by the program (cooperative). Prints a table and
writes Google Benchmark JSON (docs/JSON.md explains every field; docs/METHODOLOGY.md every figure).

options:
  --json PATH        write the results to PATH (default: ./bench_switch.json). A file is replaced
                     whole or not at all (a temporary file, then a rename), a symlink's target
                     likewise; a device, FIFO or socket is written straight; /dev/stdout too, and
                     the table then goes to standard error (--json /dev/stdout | jq .)
  --quick            a representative subset (every family, each kind and placement), 5 repetitions,
                     short minimum times: about 15 s, for CI (docs/CI.md)
  --repetitions N    N repetitions of every benchmark, the families that otherwise run once or
                     fix their own (memory, timeslice, preemption_cost, c2c; ring, spawn, ...)
                     included, so every figure has a spread; 9 or more for CI verdicts (docs/CI.md
                     gives the run time). Minimum times stay as the mode sets them
  --with-python      also run scripts/bench_python.py (asyncio, threads, processes in Python) and
                     merge its results into the same file (docs/PYTHON.md)
  --with-go          also run bench_go (goroutines, Go's preemption, the gophers) and merge its
                     results (docs/GO.md); skipped, with the reason, when the build had no Go
  --topology[=DESCRIPTION]
                     print what each allowed CPU shares (core, last-level cache, package, NUMA
                     node, CPU kind, from hwloc) and the pair of CPUs each placement would use
                     (or why it is skipped), and exit; measures nothing. With DESCRIPTION, for
                     hwloc's synthetic machine instead (for example
                     --topology='pack:2 numa:1 l3:1 core:2 pu:2'); HWLOC_SYNTHETIC and
                     HWLOC_XMLFILE work too. A measuring run refuses another machine's topology
  --c2c-cpus=SPEC    the CPUs of the all-pairs matrix (family c2c): cores (default: one PU per
                     core), all (every PU), or a list with an optional stride: 0-63:4, 0,2,8-11
  --c2c-budget=SECONDS
                     the time the whole matrix may take, both carriers (default 10, --quick 2);
                     pairs beyond it are left unmeasured (null), sampled across every relation
  --count-instructions MECHANISM ROUNDS
                     run ROUNDS round trips of a one-thread MECHANISM and nothing else, with
                     callgrind's collection on only around them (scripts/instruction_gate.py)
  --list[=json]      print the catalogue and exit: every family (what its figure is, the charts
                     it feeds), every mechanism (kind, task, placements) and placement; as JSON
                     with --list=json (every run's JSON carries it too, docs/JSON.md)
  -h, --help         this text

Google Benchmark flags pass through, for example:
  --benchmark_filter=REGEX        run only the benchmarks whose name matches (e.g. 'switch/thread_')
  --benchmark_repetitions=N       repetitions per benchmark (default here: 5; median, mean, stddev, cv)
  --benchmark_min_time=SECONDS    minimum time per repetition (default here: 0.03)
  --benchmark_list_tests=true     list the benchmark names and exit
  (--benchmark_out and --benchmark_format are refused: the results are written with --json)

exit status: 0 all measured or skipped with a reason; 1 a benchmark failed or nothing matched;
             2 bad command line or unwritable output; 128 + N stopped by signal N (SIGINT,
             SIGTERM, SIGHUP: what was measured is written, marked interrupted; docs/FAULTS.md).
)";

// What ends the program before a measuring run, with its exit status: help, a limit that stops
// the whole run, a bad hwloc environment, --topology, --count-instructions. Else the c2c settings.
std::optional<int> without_measuring(const Options& options) {
  if (options.help) {
    std::fputs(kHelp, stdout);
    return 0;
  }
  bench_switch::register_in_family_order();
  if (!options.list.empty()) return bench_switch::print_catalogue(options.list);
  // Before anything reads the machine: a stack or descriptor limit that stops the whole run.
  if (const std::string refused = bench_switch::limits_for_the_whole_run(); !refused.empty()) {
    std::fprintf(stderr, "bench_switch: %s\n", refused.c_str());
    return 1;
  }
  // hwloc falls back to this machine when it cannot use what these name: an error, not silence.
  if (const std::string error = bench_switch::unusable_hwloc_environment(); !error.empty()) usage_error(error);
  if (options.topology) {
    if (const std::string error = bench_switch::synthetic_too_big(options.synthetic); !error.empty()) usage_error(error);
    return bench_switch::print_topology(options.synthetic);
  }
  bench_switch::refuse_another_machine();
  if (!options.c2c_cpus.empty()) {
    if (const std::string error = bench_switch::check_c2c_cpus(options.c2c_cpus); !error.empty()) usage_error(error);
    bench_switch::c2c_settings().cpus = options.c2c_cpus;
  }
  bench_switch::c2c_settings().budget_s = options.c2c_budget_s > 0 ? options.c2c_budget_s : options.quick ? 2 : 10;
  if (!options.count_mechanism.empty()) return bench_switch::count_instructions(options.count_mechanism, options.count_rounds);
  return std::nullopt;
}

bench_switch::RunDescription describe_run(int argc, char** argv, const Options& options) {
  bench_switch::RunDescription run{"", options.json_path, options.quick, options.repetitions};
  for (int i = 0; i < argc; ++i) {
    if (i) run.command += ' ';
    run.command += argv[i];
  }
  return run;
}

// The run's last words on the console; its exit status.
int say_written(std::FILE* console, const Options& options, const bench_switch::SuiteReporter& reporter) {
  std::fprintf(console, "\nwrote %s (%d benchmarks measured%s)\n", options.json_path.c_str(), reporter.measured(),
               reporter.failures() ? fmt::format(", {} FAILED", reporter.failures()).c_str() : "");
  // A console that went away (the reader of a pipe left: EPIPE, SIGPIPE being ignored) costs the
  // table, not the run: the results are in the file.
  if (std::fflush(console) != 0 || std::ferror(console) || !std::cout.good())
    std::fprintf(stderr, "bench_switch: the console output was closed (%s); the run went on and its results are in %s\n",
                 std::strerror(EPIPE), options.json_path.c_str());
  return reporter.failures() ? 1 : 0;
}
}  // namespace

int main(int argc, char** argv) {
  bench_switch::stop_with_partial_results();  // first, before any thread or child exists
  const Options options = bench_switch::parse_options(argc, argv);
  if (const auto status = without_measuring(options)) return *status;
  // A write to a reader that has gone (a FIFO, a pipe, a partner's pipe) must fail with EPIPE and
  // be reported, not kill the run with SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  std::string why_not;
  const auto output = bench_switch::resolve_output(options.json_path, why_not);
  if (!output) usage_error(why_not);
  // With the JSON on standard output, the table goes to standard error, so the output stays JSON.
  const bool json_on_stdout = output->kind == bench_switch::OutputPath::Kind::descriptor && output->fd == STDOUT_FILENO;
  std::FILE* console = json_on_stdout ? stderr : stdout;
  bench_switch::initialize_google_benchmark(options, argv[0]);
  // Said once the command line is known to be good, so that a usage error stays one line.
  if (!options.list_only)
    for (const std::string& w : bench_switch::startup_warnings()) bench_switch::warn_once(w);
  const json python = options.with_python ? bench_switch::run_python_suite(options.quick, json_on_stdout) : json();
  const json go = options.with_go ? bench_switch::run_go_suite(options.quick, json_on_stdout) : json();
  const bench_switch::RunDescription run = describe_run(argc, argv, options);
  bench_switch::SuiteReporter reporter;
  if (json_on_stdout) reporter.SetOutputStream(&std::cerr);
  // Google Benchmark's own complaints (a filter that matches nothing, a bad regex) are collected
  // and said once, in bench_switch's words.
  std::ostringstream gbench_errors;
  reporter.SetErrorStream(&gbench_errors);
  bench_switch::write_partial_results_on_stop(reporter, *output, run);
  const std::size_t ran = benchmark::RunSpecifiedBenchmarks(&reporter);
  bench_switch::FinalWrite final_write;  // from here on this thread writes, unless a signal came first
  if (options.list_only) return final_write.done(0);  // Google Benchmark printed the names; nothing was measured
  if (ran == 0) {
    std::fprintf(stderr, "bench_switch: no benchmark matches --benchmark_filter='%s'\n", benchmark::GetBenchmarkFilter().c_str());
    return final_write.done(1);
  }
  if (!gbench_errors.str().empty()) std::fprintf(stderr, "bench_switch: %s", gbench_errors.str().c_str());
  json doc = bench_switch::complete(reporter.document(), reporter.repetitions(), run);
  if (options.with_python) bench_switch::merge_python_suite(doc, python);
  if (options.with_go) bench_switch::merge_go_suite(doc, go);
  bench_switch::add_findings(doc);
  bench_switch::print_findings(console, doc["summaries"]["findings"]);
  if (const std::string error = bench_switch::write_output(*output, doc.dump(2) + "\n"); !error.empty()) {
    std::fprintf(stderr, "bench_switch: %s\n", error.c_str());
    return final_write.done(2);
  }
  return final_write.done(say_written(console, options, reporter));
}
