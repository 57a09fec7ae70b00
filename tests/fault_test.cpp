// Faults a run meets unattended, done for real to the binary: a stopping signal mid-run, a console
// that went away, and each resource the machine may refuse (a limit, an unprivileged user, a
// cgroup). For each: the exit status, one line that names the fault, no process left behind, and
// a valid JSON file that holds what was measured before it (docs/FAULTS.md). Nothing here asserts
// a timing: a bound only stands for "did not hang", and is generous.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "binary.hpp"

namespace {
namespace fs = std::filesystem;
namespace tb = bench_switch::testing_binary;
using nlohmann::json;

constexpr uid_t kNobody = 65534;  // Debian's unprivileged "nobody" (group "nogroup" is 65534 too)

// A folder any user may write to, removed with what is in it.
struct Scratch {
  Scratch() : dir(fs::temp_directory_path() / ("bs_fault_" + std::to_string(getpid()) + "_" + std::to_string(serial++))) {
    fs::create_directories(dir);
    chmod(dir.c_str(), 0777);
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  std::string json() const { return (dir / "r.json").string(); }
  fs::path dir;
  static inline int serial = 0;
};

// Every benchmark in the file (its registered name, without Google Benchmark's suffixes) and its
// error ("" when measured). Throws when the file is not whole JSON.
std::map<std::string, std::string> entries(const json& doc) {
  std::map<std::string, std::string> out;
  for (const json& b : doc["benchmarks"]) {
    std::string name = b.value("run_name", b.value("name", ""));
    if (const auto at = name.find("/manual_time"); at != std::string::npos) name.erase(at);
    if (const auto at = name.find("/min_time"); at != std::string::npos) name.erase(at);
    if (const auto at = name.find("/iterations"); at != std::string::npos) name.erase(at);
    const std::string error = b.value("error_occurred", false) ? b.value("error_message", "?") : "";
    if (!out.count(name) || !error.empty()) out[name] = error;
  }
  return out;
}
json read_json(const std::string& path) { return json::parse(tb::slurp(path)); }

// How long it took to exit, printed for docs/FAULTS.md's table (never asserted).
void say_time(const char* fault, double seconds) { std::printf("[ fault    ] %s: exited in %.2f s\n", fault, seconds); }

// Only root can drop to another user, set a hard limit above its own, or make cgroups.
#define REQUIRE_ROOT() \
  if (geteuid() != 0) GTEST_SKIP() << "needs root (to become another user or make a cgroup)"

void become_nobody() {
  if (setgid(kNobody) != 0 || setuid(kNobody) != 0) _exit(126);
}
void limit(int resource, rlim_t n) {
  const rlimit l{n, n};
  if (setrlimit(resource, &l) != 0) _exit(125);
}

// ---- Stopping signals: within a second, children reaped, the measured part kept, 128 + N.

void stop_mid_run(int signal, const char* name) {
  Scratch s;
  // thread_futex is measured first (1.5 s); process_pipe's partner then runs for 1.5 s, during
  // which the signal comes. (Not sched_yield: beside a busy task on its CPU each yield gives that
  // task a whole slice, and a batch sized on a quiet machine then lasts minutes.)
  tb::Binary bin({"--benchmark_filter=^switch/(thread_futex/same_cpu|process_pipe/same_cpu)", "--benchmark_repetitions=1",
                  "--benchmark_min_time=1.5", "--json", s.json()});
  const pid_t partner = bin.wait_for_stable_child(0.3, 40);
  ASSERT_GT(partner, 0) << "no partner process appeared";
  const auto t0 = std::chrono::steady_clock::now();
  kill(bin.pid(), signal);
  const tb::Outcome o = bin.finish(30);
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  say_time(name, took);
  ASSERT_FALSE(o.timed_out) << name << ": still running 30 s after the signal";
  EXPECT_EQ(o.exit_code, 128 + signal) << o.err;
  EXPECT_EQ(tb::lines(o.err), 1) << o.err;
  EXPECT_NE(o.err.find(std::string("stopped by ") + name + ": wrote " + s.json() + ", marked interrupted"), std::string::npos) << o.err;
  EXPECT_EQ(kill(partner, 0), -1) << "the partner still exists";
  EXPECT_EQ(tb::reap_leftovers(), 0) << "a process was left behind";
  const json doc = read_json(s.json());
  EXPECT_EQ(doc["context"]["bench_switch"]["interrupted"]["signal"], name);
  const auto e = entries(doc);
  ASSERT_TRUE(e.count("switch/thread_futex/same_cpu")) << doc["benchmarks"].dump();
  EXPECT_EQ(e.at("switch/thread_futex/same_cpu"), "") << "measured before the signal";
  EXPECT_FALSE(e.count("switch/process_pipe/same_cpu")) << "the benchmark the signal cut short is not kept";
  for (const auto& entry : fs::directory_iterator(s.dir)) EXPECT_EQ(entry.path().filename(), "r.json") << "a temporary file left";
}

TEST(Faults, SigintMidRunWritesWhatWasMeasuredMarkedInterrupted) { stop_mid_run(SIGINT, "SIGINT"); }
TEST(Faults, SigtermMidRunWritesWhatWasMeasuredMarkedInterrupted) { stop_mid_run(SIGTERM, "SIGTERM"); }
TEST(Faults, SighupMidRunWritesWhatWasMeasuredMarkedInterrupted) { stop_mid_run(SIGHUP, "SIGHUP"); }

// Before the first benchmark has finished: nothing to keep, so nothing is written.
TEST(Faults, ASignalBeforeAnythingWasMeasuredWritesNothing) {
  Scratch s;
  tb::Binary bin({"--benchmark_filter=^switch/process_pipe/same_cpu", "--benchmark_repetitions=1", "--benchmark_min_time=20",
                  "--json", s.json()});
  ASSERT_GT(bin.wait_for_stable_child(0.5, 60), 0);
  kill(bin.pid(), SIGTERM);
  const tb::Outcome o = bin.finish(30);
  ASSERT_FALSE(o.timed_out);
  EXPECT_EQ(o.exit_code, 128 + SIGTERM) << o.err;
  EXPECT_EQ(tb::lines(o.err), 1) << o.err;
  EXPECT_NE(o.err.find("nothing written"), std::string::npos) << o.err;
  EXPECT_FALSE(fs::exists(s.json()));
  EXPECT_EQ(tb::reap_leftovers(), 0);
}

// A console whose reader left (`bench_switch | head -1`): the run goes on and keeps its results.
TEST(Faults, AClosedConsoleCostsTheTableNotTheResults) {
  Scratch s;
  const tb::Outcome o = tb::run_binary(
      {"--benchmark_filter=^switch/(indirect_call|thread_futex/same_cpu)", "--benchmark_repetitions=2", "--benchmark_min_time=0.01",
       "--json", s.json()},
      [] {
        int p[2];
        if (pipe(p) != 0) _exit(124);
        close(p[0]);  // no reader: every write to standard output is EPIPE (or SIGPIPE)
        dup2(p[1], STDOUT_FILENO);
      });
  say_time("SIGPIPE on the console", o.seconds);
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(tb::lines(o.err), 1) << o.err;
  EXPECT_NE(o.err.find("the console output was closed"), std::string::npos) << o.err;
  const auto e = entries(read_json(s.json()));
  EXPECT_EQ(e.at("switch/indirect_call/one_thread"), "");
  EXPECT_EQ(e.at("switch/thread_futex/same_cpu"), "");
  EXPECT_EQ(tb::reap_leftovers(), 0);
}

// ---- Refused resources: the benchmark that needs one is skipped, naming it; the rest is measured.

struct Refusal {
  const char* fault;
  std::vector<std::string> filter_and_flags;
  std::function<void()> in_child;
  std::map<std::string, std::string> skipped;  // benchmark -> what its message must say
  std::vector<std::string> measured;
  std::vector<std::string> warnings;  // what a warning line (stderr and JSON) must say
};

void expect_refusal(const Refusal& r, const Scratch& s) {
  std::vector<std::string> args = r.filter_and_flags;
  args.insert(args.end(), {"--json", s.json()});
  const tb::Outcome o = tb::run_binary(args, r.in_child, 300);
  say_time(r.fault, o.seconds);
  ASSERT_FALSE(o.timed_out) << r.fault;
  EXPECT_EQ(o.exit_code, 0) << r.fault << "\n" << o.out << o.err;
  EXPECT_EQ(tb::reap_leftovers(), 0) << r.fault << ": a process was left behind";
  const json doc = read_json(s.json());
  const auto e = entries(doc);
  for (const auto& [name, says] : r.skipped) {
    ASSERT_TRUE(e.count(name)) << r.fault << ": " << name << " missing";
    EXPECT_EQ(e.at(name).rfind("skipped: ", 0), 0u) << r.fault << ": " << name << ": " << e.at(name);
    EXPECT_NE(e.at(name).find(says), std::string::npos) << r.fault << ": " << name << ": " << e.at(name);
    EXPECT_NE(o.out.find(e.at(name)), std::string::npos) << "the row says it: " << o.out;
  }
  for (const std::string& name : r.measured) {
    ASSERT_TRUE(e.count(name)) << r.fault << ": " << name << " missing";
    EXPECT_EQ(e.at(name), "") << r.fault << ": " << name;
  }
  const json warnings = doc["context"]["bench_switch"]["warnings"];
  for (const std::string& w : r.warnings) {
    bool found = false;
    for (const json& text : warnings) found = found || text.get<std::string>().find(w) != std::string::npos;
    EXPECT_TRUE(found) << r.fault << ": no warning saying '" << w << "' in " << warnings.dump();
    EXPECT_NE(o.err.find("bench_switch: warning: "), std::string::npos) << o.err;
  }
  // Every line on standard error is one warning, each on one line.
  for (std::size_t at = 0, next; at < o.err.size(); at = next + 1) {
    next = o.err.find('\n', at);
    if (next == std::string::npos) next = o.err.size();
    EXPECT_EQ(o.err.compare(at, 23, "bench_switch: warning: "), 0) << r.fault << ": " << o.err;
  }
}

const std::vector<std::string> kOneRepetition = {"--benchmark_repetitions=2", "--benchmark_min_time=0.01"};
std::vector<std::string> with(std::string filter, std::vector<std::string> flags = kOneRepetition) {
  flags.insert(flags.begin(), "--benchmark_filter=" + filter);
  return flags;
}

// As an unprivileged user (root is not held to it), RLIMIT_NPROC 3: the main thread, the stopping
// thread and the wait bound's ticker fit; a partner thread, a forked partner or ring node does not.
// (A thread and a process are one task each to the kernel's count: no limit refuses one alone.)
TEST(Faults, ForkAndThreadsRefusedSkipWhatNeedsThemAndNameRlimitNproc) {
  REQUIRE_ROOT();
  Scratch s;
  const std::string nproc = "Resource temporarily unavailable (RLIMIT_NPROC 3: processes and threads of this user";
  expect_refusal({"fork and threads refused (RLIMIT_NPROC 3, unprivileged)",
                  with("^(switch/(thread_futex/same_cpu|process_pipe/same_cpu|indirect_call)|ring/thread_ring/N:10/|ring/process_ring/N:10/|c2c/thread_futex/all_pairs(/iter|$)|gophers/threads_shared/K:2/)"),
                  [] { limit(RLIMIT_NPROC, 3), become_nobody(); },
                  // What is refused first (the partner's fork, or the wait bound's thread while the
                  // last benchmark's threads are still being released) varies; the limit is named.
                  {{"switch/process_pipe/same_cpu", nproc},
                   {"switch/thread_futex/same_cpu", nproc},
                   {"ring/thread_ring/N:10", nproc},
                   {"ring/process_ring/N:10", nproc},
                   {"c2c/thread_futex/all_pairs", nproc},
                   {"gophers/threads_shared/K:2", nproc}},
                  {"switch/indirect_call/one_thread"},
                  {}},
                 s);
}

// perf_event_open as an unprivileged user (kernel.perf_event_paranoid >= 2 refuses counting the
// kernel's switch events): the benchmarks are measured without the perf counts, and a warning says so.
TEST(Faults, PerfEventRefusedIsAWarningAndTheFiguresComeFromProc) {
  REQUIRE_ROOT();
  std::ifstream paranoid("/proc/sys/kernel/perf_event_paranoid");
  int level = 0;
  paranoid >> level;
  if (level < 2) GTEST_SKIP() << "perf_event_paranoid " << level << " lets an unprivileged user count the kernel's events";
  Scratch s;
  expect_refusal({"perf_event refused (unprivileged)", with("^switch/thread_futex/same_cpu"), [] { become_nobody(); }, {},
                  {"switch/thread_futex/same_cpu"}, {"perf_event_open refused: Permission denied (kernel.perf_event_paranoid"}},
                 s);
}

// RLIMIT_NOFILE 12: the pipes of one pair and its perf counters fit, a ring of 100 threads' do not.
TEST(Faults, TooFewDescriptorsNameRlimitNofile) {
  Scratch s;
  expect_refusal({"too few descriptors (RLIMIT_NOFILE 12)", with("^(switch/(process_pipe/same_cpu|indirect_call)|ring/thread_ring/N:100/)"),
                  [] { limit(RLIMIT_NOFILE, 12); },
                  {},
                  {"switch/process_pipe/same_cpu", "switch/indirect_call/one_thread", "ring/thread_ring/N:100"},
                  {"perf_event_open refused: Too many open files (RLIMIT_NOFILE 12 descriptors)"}},
                 s);
  // RLIMIT_NOFILE 5 (0, 1 and 2 are open): the first pipe of a pair, not the second.
  Scratch t;
  expect_refusal({"too few descriptors (RLIMIT_NOFILE 5)", with("^switch/(process_pipe/same_cpu|indirect_call)"),
                  [] { limit(RLIMIT_NOFILE, 5); },
                  {{"switch/process_pipe/same_cpu", "pipe2: Too many open files (RLIMIT_NOFILE 5 descriptors)"}},
                  {"switch/indirect_call/one_thread"},
                  {}},
                 t);
}

// RLIMIT_AS 1 GiB: 100,000 fibers' stacks (1.6 GB) cannot be had; 10,000 can.
TEST(Faults, MemoryRefusedForTheFiberRingNamesRlimitAs) {
  Scratch s;
  expect_refusal({"memory refused for 100,000 fiber stacks (RLIMIT_AS 1 GiB)", with("^ring/fiber_ring/N:(10000|100000)/"),
                  [] { limit(RLIMIT_AS, rlim_t{1} << 30); },
                  {{"ring/fiber_ring/N:100000", "out of memory: Cannot allocate memory (RLIMIT_AS 1024 MiB, vm.max_map_count"}},
                  {"ring/fiber_ring/N:10000"},
                  {}},
                 s);
}

// SCHED_RR as an unprivileged user (RLIMIT_RTPRIO 0).
TEST(Faults, SchedRrRefusedSkipsItsTimeSliceAndNamesIt) {
  REQUIRE_ROOT();
  Scratch s;
  expect_refusal({"SCHED_RR refused (unprivileged)", with("^timeslice/timeslice_threads/K:2/", {}),
                  [] { limit(RLIMIT_RTPRIO, 0), become_nobody(); },
                  {{"timeslice/timeslice_threads/K:2/policy:rr", "sched_setscheduler(SCHED_RR) refused (Operation not permitted)"}},
                  {"timeslice/timeslice_threads/K:2/policy:normal"},
                  {}},
                 s);
}

// ---- cgroups (v1 here, v2 where it is mounted alone): a cpuset of one CPU, a CPU quota.

// A cgroup of its own under `controller`, removed when done (after the binary in it has exited).
struct Cgroup {
  Cgroup(const std::string& controller, const std::map<std::string, std::string>& settings) {
    for (const std::string& root : {"/sys/fs/cgroup/" + controller, std::string("/sys/fs/cgroup")}) {
      if (!fs::exists(root + "/cgroup.procs") || (root == "/sys/fs/cgroup" && !fs::exists(root + "/cgroup.controllers"))) continue;
      dir = root + "/bs_fault_" + std::to_string(getpid());
      break;
    }
    if (dir.empty() || !fs::create_directory(dir)) {
      dir.clear();
      return;
    }
    for (const auto& [file, value] : settings) std::ofstream(dir + "/" + file) << value << "\n";
  }
  ~Cgroup() {
    if (!dir.empty()) rmdir(dir.c_str());
  }
  // In the child: join it.
  std::function<void()> join() const {
    return [procs = dir + "/cgroup.procs"] {
      std::ofstream(procs) << getpid() << "\n";
    };
  }
  std::string dir;
};

std::string first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

TEST(Faults, ACpusetOfOneCpuSkipsWhatNeedsTwoCpus) {
  REQUIRE_ROOT();
  const std::string mems = first_line("/sys/fs/cgroup/cpuset/cpuset.mems");
  Scratch s;
  {
    Cgroup one("cpuset", {{"cpuset.cpus", "0"}, {"cpuset.mems", mems.empty() ? "0" : mems}});
    if (one.dir.empty()) GTEST_SKIP() << "no cpuset controller to make a cgroup in";
    expect_refusal({"a cpuset of one CPU", with("^switch/thread_futex/"), one.join(),
                    {{"switch/thread_futex/cross_cpu", "cross_cpu needs two CPUs, this process may use 1"}},
                    {"switch/thread_futex/same_cpu", "switch/thread_futex/unpinned"},
                    {}},
                   s);
  }
}

TEST(Faults, ACpuQuotaIsAWarningThatNamesIt) {
  REQUIRE_ROOT();
  Scratch s;
  {
    // v1's cpu.cfs_quota_us, or v2's cpu.max: half a CPU.
    Cgroup half("cpu", {{"cpu.cfs_period_us", "100000"}, {"cpu.cfs_quota_us", "50000"}});
    if (half.dir.empty()) GTEST_SKIP() << "no cpu controller to make a cgroup in";
    if (!fs::exists(half.dir + "/cpu.cfs_quota_us")) std::ofstream(half.dir + "/cpu.max") << "50000 100000\n";
    expect_refusal({"a CPU quota of 0.5 CPU", with("^switch/(thread_futex/same_cpu|indirect_call)"), half.join(), {},
                    {"switch/thread_futex/same_cpu", "switch/indirect_call/one_thread"}, {"cgroup caps it at 0.50 CPU"}},
                   s);
  }
}

// ---- A build that is not a measuring build says so (this test's build is the binary's).

TEST(BuildWarnings, ABuildThatIsNotReleaseSaysSoOnTheConsoleAndInTheJson) {
  Scratch s;
  const tb::Outcome o = tb::run_binary(
      {"--benchmark_filter=^switch/indirect_call", "--benchmark_repetitions=2", "--benchmark_min_time=0.01", "--json", s.json()});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  const json warnings = read_json(s.json())["context"]["bench_switch"]["warnings"];
  ASSERT_TRUE(warnings.is_array());
  const std::string all = warnings.dump();
#if defined(__OPTIMIZE__)
  EXPECT_EQ(all.find("without optimisation"), std::string::npos) << all;
#else
  EXPECT_NE(all.find("without optimisation"), std::string::npos) << all;
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  EXPECT_NE(all.find("built with sanitizers"), std::string::npos) << all;
#else
  EXPECT_EQ(all.find("built with sanitizers"), std::string::npos) << all;
#endif
  EXPECT_EQ(std::count(o.err.begin(), o.err.end(), '\n'), static_cast<long>(warnings.size()))
      << "one line on standard error per warning: " << o.err;
  EXPECT_EQ(tb::lines(o.err), 0) << o.err;
}

}  // namespace
