// bench_switch: runs every registered experiment, prints a readable table, and writes Google
// Benchmark JSON completed with what a reader needs to trust each figure (docs/JSON.md).
#include <benchmark/benchmark.h>
#include <valgrind/callgrind.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <iostream>
#include <mutex>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "measure/affinity.hpp"
#include "measure/system_info.hpp"
#include "c2c.hpp"
#include "go_suite.hpp"
#include "measure/placement_pairs.hpp"
#include "measure/topology.hpp"
#include "catalogue.hpp"
#include "options.hpp"
#include "output_file.hpp"
#include "mechanisms.hpp"
#include "registry.hpp"
#include "reporter.hpp"
#include "resource_refusal.hpp"
#include "run_warnings.hpp"
#include "stop_signals.hpp"

namespace {
using bench_switch::Options;
using bench_switch::usage_error;
using nlohmann::json;
namespace fs = std::filesystem;

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

// Runs argv[0] with its arguments (no shell, so no quoting), standard streams inherited (its
// standard output sent to standard error when `quiet_stdout`); returns its exit status, or -1
// when it could not be started or was killed.
int run_command(const std::vector<std::string>& argv, bool quiet_stdout) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    bench_switch::unblock_stop_signals();
    if (quiet_stdout) dup2(STDERR_FILENO, STDOUT_FILENO);
    execv(args[0], args.data());
    _exit(127);  // exec failed: leave without running the parent's atexit handlers
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The Python suite's results, run before the native one so that a failure costs no native run.
json run_python_suite(bool quick, bool quiet_stdout) {
  const std::string out = (fs::temp_directory_path() / fmt::format("bench_switch_python_{}.json", getpid())).string();
  std::vector<std::string> argv = {BENCH_SWITCH_PYTHON, BENCH_SWITCH_SOURCE_DIR "/scripts/bench_python.py", "--json", out};
  if (quick) argv.push_back("--quick");
  if (!fs::exists(argv[0]) || !fs::exists(argv[1]))
    usage_error(fmt::format("--with-python needs {} and {}", argv[0], argv[1]));
  const int status = run_command(argv, quiet_stdout);
  std::ifstream in(out);
  json doc = status == 0 && in ? json::parse(in, nullptr, /*allow_exceptions=*/false) : json();
  fs::remove(out);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("benchmarks")) {
    bench_switch::park_if_stopping();  // killed by the stop: the stopping thread says so and exits
    std::fprintf(stderr, "bench_switch: the Python suite failed (exit %d); nothing written\n", status);
    std::exit(1);
  }
  return doc;
}

// Exactly `rounds` round trips of a one-thread mechanism with callgrind collecting only them:
// instruction counts do not drift with machine load, so a change in them is a change in the code
// path. Outside valgrind the toggles are a few no-op instructions.
int count_instructions(const std::string& name, std::uint64_t rounds) {
  const bench_switch::Mechanism* m = bench_switch::find_mechanism(name);
  if (m == nullptr || m->placements.front().first != bench_switch::PlacementKind::one_thread)
    usage_error(fmt::format("'{}' is not a one-thread mechanism", name));
  const auto handoff = m->make(bench_switch::Placement{}, bench_switch::Work{});
  handoff->run(100);  // first touches and lazy set-up stay out of the count
  CALLGRIND_TOGGLE_COLLECT;
  handoff->run(rounds);
  CALLGRIND_TOGGLE_COLLECT;
  const auto tally = handoff->tally();
  if (tally.out_of_order != 0) return 1;
  std::printf("%s: %llu round trips\n", name.c_str(), static_cast<unsigned long long>(rounds));
  return 0;
}

// The benchmarks with a failed repetition, by name, with the first failure: "repetition 2 of 5:
// partner process 123 killed by signal 9 ...". A skip is not a failure.
std::map<std::string, std::string> failed_benchmarks(const json& benchmarks) {
  std::map<std::string, std::string> failed;
  for (const json& e : benchmarks) {
    const std::string message = e.value("error_message", "");
    if (e.value("run_type", "") != "iteration" || !e.value("error_occurred", false) || message.rfind("skipped:", 0) == 0) continue;
    failed.try_emplace(e.value("run_name", e.value("name", "")),
                       fmt::format("repetition {} of {}: {}", e.value("repetition_index", 0) + 1, e.value("repetitions", 1), message));
  }
  return failed;
}

// A benchmark with a failed repetition has no figure: Google Benchmark's aggregates of the
// repetitions that survived go, so that no summary, finding or comparison takes one. The
// repetitions themselves stay, the failed one with its message.
void drop_figures_of_failed(json& benchmarks) {
  const auto failed = failed_benchmarks(benchmarks);
  json kept = json::array();
  for (json& e : benchmarks)
    if (e.value("run_type", "") != "aggregate" || !failed.count(e.value("run_name", ""))) kept.push_back(std::move(e));
  benchmarks = std::move(kept);
}

// One finding per failed benchmark, first among the findings: a run with a failure says so there too.
json failure_findings(const json& benchmarks) {
  json out = json::array();
  // The registered name, without what Google Benchmark appends (/min_time:…, /repeats:…, /manual_time).
  static const std::regex appended(R"(/(manual_time|real_time|min_time:[^/]*|repeats:\d+|iterations:\d+))");
  for (const auto& [name, why] : failed_benchmarks(benchmarks))
    out.push_back({{"name", "failed_benchmark"},
                   {"text", fmt::format("{} FAILED, no figure ({})", std::regex_replace(name, appended, ""), why)},
                   {"benchmarks", {name}}, {"resolved", true}});
  return out;
}

// Google Benchmark's text, completed: context.bench_switch, and each entry's fields.
json complete(const std::string& gbench_json, const std::string& command) {
  // Google Benchmark prints a non-finite double as a bare NaN or inf (the cv of a counter that is
  // always 0, say), which is not JSON; such a value becomes null.
  static const std::regex non_finite(R"((:\s*)-?(nan|NaN|inf|Inf|Infinity)\b)");
  json doc = json::parse(std::regex_replace(gbench_json, non_finite, "$1null"));
  json bs = bench_switch::system_context();
  bs["libraries"]["google_benchmark"] = BENCH_SWITCH_BENCHMARK_VERSION;
  bs["command"] = command;
  bs["warnings"] = bench_switch::run_warnings();
  bs["catalogue"] = bench_switch::catalogue();
  doc["context"]["bench_switch"] = bs;
  bench_switch::merge_attachments(doc["benchmarks"]);
  drop_figures_of_failed(doc["benchmarks"]);
  for (json& entry : doc["benchmarks"]) {
    if (const auto* fields = bench_switch::fields_for(entry.value("run_name", entry.value("name", ""))))
      entry.update(bench_switch::to_json(*fields));
    bench_switch::budget_into_fields(entry);
  }
  doc["summaries"] = bench_switch::summaries(doc["benchmarks"]);
  return doc;
}

// The findings block: what this run showed on this machine, each with its numbers.
void print_findings(std::FILE* console, const json& found) {
  if (found.empty()) return;
  std::fprintf(console, "\n== findings on this machine (computed from this run; summaries.findings in the JSON)\n");
  for (const json& f : found)
    std::fprintf(console, "  %s %s\n", f.value("resolved", false) ? "-" : "?", f.value("text", "").c_str());
}
// Who writes the results file: the main thread at the end of the run, or the stopping thread
// (stop_signals.hpp) with what was measured before a signal; never both, never half of one.
struct ResultsFile {
  std::mutex mutex;
  bool written = false;                   // by either; the other then writes nothing
  std::function<void(int)> write_partial; // set once there is something to write
};
ResultsFile& results_file() {
  static ResultsFile r;
  return r;
}

// On SIGINT, SIGTERM or SIGHUP, once every child is gone: the benchmarks reported so far, as a
// complete document marked interrupted; one line on standard error either way.
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

// --topology: the topology bench_switch sees (this machine's allowed CPUs, a synthetic one, or what
// HWLOC_SYNTHETIC / HWLOC_XMLFILE make hwloc load) and the pair each placement would use, or why
// it is skipped there. It measures nothing.
int print_topology(const std::string& synthetic) {
  std::string error;
  const auto t = synthetic.empty() ? bench_switch::Topology::this_machine(bench_switch::allowed_cpus(), error)
                                   : bench_switch::Topology::synthetic(synthetic, error);
  if (!t) usage_error(error);
  std::printf("%s\n", t->is_this_system() ? "this machine, restricted to the CPUs this process may use:"
                                          : "another machine's topology (pairs only: nothing can be measured on it):");
  std::printf("%s", t->describe().c_str());
  for (const auto where : bench_switch::preemptive_placements()) {
    const auto chosen = bench_switch::choose_pair(*t, where);
    std::string what = chosen.why_not;
    if (where == bench_switch::PlacementKind::unpinned) what = "the scheduler chooses among the allowed CPUs";
    if (chosen.pair) {
      const int a = chosen.pair->measuring, b = chosen.pair->partner;
      const std::string kinds = t->place(a).kind.empty() ? "" : fmt::format(", {} and {}", t->place(a).kind, t->place(b).kind);
      what = fmt::format("cpus {},{}  ({}{}{})", a, b, bench_switch::to_string(t->relation(a, b)),
                         chosen.pair->cross_numa ? ", two NUMA nodes" : "", kinds);
    }
    std::printf("%-14s %s\n", std::string(bench_switch::to_string(where)).c_str(), what.c_str());
  }
  return 0;
}

// A measuring run pins tasks to CPUs: it refuses a topology that is not this machine's (hwloc
// would bind to CPUs that are not there).
void refuse_another_machine() {
  std::string error;
  const bench_switch::Topology* t = bench_switch::machine_topology(&error);
  if (t != nullptr && !t->is_this_system())
    usage_error("hwloc was told to load another machine's topology (HWLOC_SYNTHETIC or HWLOC_XMLFILE): bench_switch "
                "cannot measure on it; unset the variable to measure, or use --topology to see that machine's pairs");
}
}  // namespace

int main(int argc, char** argv) {
  // First, before any thread or child exists: the signal mask is inherited.
  bench_switch::stop_on_signals(on_stop);
  const Options options = bench_switch::parse_options(argc, argv);
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
    return print_topology(options.synthetic);
  }
  refuse_another_machine();
  if (!options.c2c_cpus.empty()) {
    if (const std::string error = bench_switch::check_c2c_cpus(options.c2c_cpus); !error.empty()) usage_error(error);
    bench_switch::c2c_settings().cpus = options.c2c_cpus;
  }
  bench_switch::c2c_settings().budget_s = options.c2c_budget_s > 0 ? options.c2c_budget_s : options.quick ? 2 : 10;
  if (!options.count_mechanism.empty()) return count_instructions(options.count_mechanism, options.count_rounds);
  // A write to a reader that has gone (a FIFO, a pipe, a partner's pipe) must fail with EPIPE and
  // be reported, not kill the run with SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  std::string why_not;
  const auto output = bench_switch::resolve_output(options.json_path, why_not);
  if (!output) usage_error(why_not);
  // With the JSON on standard output, the table goes to standard error, so the output stays JSON.
  const bool json_on_stdout = output->kind == bench_switch::OutputPath::Kind::descriptor && output->fd == STDOUT_FILENO;
  std::FILE* console = json_on_stdout ? stderr : stdout;
  // Defaults first, the user's flags after them: Google Benchmark keeps the last value of a flag.
  std::vector<std::string> args = {argv[0], "--benchmark_repetitions=5", "--benchmark_min_time=0.03"};
  if (options.quick) {
    // 5 repetitions: with 3 against 3, a rank test cannot reach p < 0.05 whatever the data.
    args = {argv[0], "--benchmark_repetitions=5", "--benchmark_min_time=0.01",
            "--benchmark_filter=" + bench_switch::quick_filter()};
    bench_switch::shrink_fixed_budgets(5, 0.005);
  }
  if (options.repetitions > 0) {
    args.push_back(fmt::format("--benchmark_repetitions={}", options.repetitions));
    bench_switch::set_repetitions_everywhere(options.repetitions);
  }
  args.insert(args.end(), options.passthrough.begin(), options.passthrough.end());
  std::vector<char*> cargs;
  for (auto& a : args) cargs.push_back(a.data());
  int n = static_cast<int>(cargs.size());
  benchmark::Initialize(&n, cargs.data());
  if (n > 1) usage_error(fmt::format("bad Google Benchmark flag '{}'", cargs[1]));
  // Said once the command line is known to be good, so that a usage error stays one line.
  if (!options.list_only)
    for (const std::string& w : bench_switch::startup_warnings()) bench_switch::warn_once(w);
  const json python = options.with_python ? run_python_suite(options.quick, json_on_stdout) : json();
  const json go = options.with_go ? bench_switch::run_go_suite(options.quick, json_on_stdout) : json();

  std::string command;
  for (int i = 0; i < argc; ++i) {
    if (i) command += ' ';
    command += argv[i];
  }

  bench_switch::SuiteReporter reporter;
  if (json_on_stdout) reporter.SetOutputStream(&std::cerr);
  // Google Benchmark's own complaints (a filter that matches nothing, a bad regex) are collected
  // and said once, in bench_switch's words.
  std::ostringstream gbench_errors;
  reporter.SetErrorStream(&gbench_errors);
  results_file().write_partial = [&](int signal) {
    const std::string so_far = reporter.json_so_far();
    if (so_far.empty()) {
      std::fprintf(stderr, "bench_switch: stopped by SIG%s before anything was measured; nothing written\n", sigabbrev_np(signal));
      return;
    }
    json doc = complete(so_far, command);
    doc["context"]["bench_switch"]["mode"] = options.quick ? "quick" : "full";
    doc["context"]["bench_switch"]["repetitions_setting"] = options.repetitions > 0 ? json(options.repetitions) : json(nullptr);
    doc["context"]["bench_switch"]["interrupted"] = {{"signal", fmt::format("SIG{}", sigabbrev_np(signal))}, {"signal_number", signal}};
    const std::string error = bench_switch::write_output(*output, doc.dump(2) + "\n");
    if (!error.empty()) {
      std::fprintf(stderr, "bench_switch: stopped by SIG%s; %s\n", sigabbrev_np(signal), error.c_str());
    } else {
      std::fprintf(stderr, "bench_switch: stopped by SIG%s: wrote %s, marked interrupted, with the %d benchmarks finished before it\n",
                   sigabbrev_np(signal), options.json_path.c_str(), reporter.measured());
    }
  };
  const std::size_t ran = benchmark::RunSpecifiedBenchmarks(&reporter);
  // From here on the main thread writes the results, unless a signal came first.
  std::unique_lock results_lock(results_file().mutex);
  if (bench_switch::stopping()) {
    results_lock.unlock();
    bench_switch::park_if_stopping();
  }
  results_file().written = true;
  // A signal during the final write waits for it, then exits 128 + N (stop_signals.hpp).
  const auto done = [&results_lock](int status) {
    results_lock.unlock();
    bench_switch::park_if_stopping();
    return status;
  };
  if (options.list_only) return done(0);  // Google Benchmark printed the names; nothing was measured
  if (ran == 0) {
    std::fprintf(stderr, "bench_switch: no benchmark matches --benchmark_filter='%s'\n",
                 benchmark::GetBenchmarkFilter().c_str());
    return done(1);
  }
  if (!gbench_errors.str().empty()) std::fprintf(stderr, "bench_switch: %s", gbench_errors.str().c_str());
  json doc = complete(reporter.json_text(), command);
  doc["context"]["bench_switch"]["mode"] = options.quick ? "quick" : "full";
  // compare.py keeps runs of different settings apart in a history, as it does quick and full.
  doc["context"]["bench_switch"]["repetitions_setting"] = options.repetitions > 0 ? json(options.repetitions) : json(nullptr);
  if (options.with_python) {
    for (const json& entry : python["benchmarks"]) doc["benchmarks"].push_back(entry);
    doc["context"]["bench_switch"]["python"] = python["context"].value("bench_switch", json::object());
  }
  if (options.with_go) bench_switch::merge_go_suite(doc, go);
  // After the merge: a finding may set a C++ figure beside a Python one (Asio against asyncio).
  doc["summaries"]["findings"] = failure_findings(doc["benchmarks"]);
  for (json& f : bench_switch::findings(doc)) doc["summaries"]["findings"].push_back(std::move(f));
  print_findings(console, doc["summaries"]["findings"]);
  if (const std::string error = bench_switch::write_output(*output, doc.dump(2) + "\n"); !error.empty()) {
    std::fprintf(stderr, "bench_switch: %s\n", error.c_str());
    return done(2);
  }
  std::fprintf(console, "\nwrote %s (%d benchmarks measured%s)\n", options.json_path.c_str(), reporter.measured(),
               reporter.failures() ? fmt::format(", {} FAILED", reporter.failures()).c_str() : "");
  // A console that went away (the reader of a pipe left: EPIPE, SIGPIPE being ignored) costs the
  // table, not the run: the results are in the file.
  if (std::fflush(console) != 0 || std::ferror(console) || !std::cout.good())
    std::fprintf(stderr, "bench_switch: the console output was closed (%s); the run went on and its results are in %s\n",
                 std::strerror(EPIPE), options.json_path.c_str());
  return done(reporter.failures() ? 1 : 0);
}
