// The cpuidle reader on fixture trees (no cpuidle, haltpoll, intel_idle, a state the administrator
// disabled), every skip message of the idle states, and the CPU latency request released on every
// exit path: the end of its scope, an exception (a failed benchmark), SIGINT and SIGTERM.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "binary.hpp"
#include "measure/affinity.hpp"
#include "measure/idle_control.hpp"
#include "measure/idle_states.hpp"
#include "stop_signals.hpp"

namespace bench_switch {
namespace {
namespace fs = std::filesystem;

// A root directory of its own per test, removed at the end.
class Tree {
 public:
  Tree() {
    char dir[] = "/tmp/bench_switch_idle_XXXXXX";
    if (mkdtemp(dir) == nullptr) throw std::runtime_error("mkdtemp");
    root_ = dir;
  }
  ~Tree() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  const std::string& root() const { return root_; }
  void write(const std::string& path, const std::string& text) const {
    fs::create_directories(fs::path(root_ + "/" + path).parent_path());
    std::ofstream(root_ + "/" + path) << text << "\n";
  }
  void driver(const std::string& name, const std::string& governor) const {
    write("sys/devices/system/cpu/cpuidle/current_driver", name);
    write("sys/devices/system/cpu/cpuidle/current_governor_ro", governor);
  }
  // stateK of `cpu`: name, exit latency, target residency, disable, usage, time.
  void state(int cpu, int k, const std::string& name, int latency, int residency, int disable = 0, int usage = 0,
             int time = 0) const {
    const std::string d = "sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/cpuidle/state" + std::to_string(k) + "/";
    write(d + "name", name), write(d + "desc", name + " state"), write(d + "latency", std::to_string(latency));
    write(d + "residency", std::to_string(residency)), write(d + "disable", std::to_string(disable));
    write(d + "usage", std::to_string(usage)), write(d + "time", std::to_string(time));
  }

 private:
  std::string root_;
};

TEST(IdleStates, NoCpuidleIsAbsentWithItsReason) {
  Tree t;
  const IdleFacts f = read_idle_facts(t.root(), {0, 1});
  EXPECT_FALSE(f.present());
  EXPECT_NE(f.absent.find("no cpuidle driver"), std::string::npos) << f.absent;
  EXPECT_TRUE(f.states.empty());
  EXPECT_FALSE(f.latency_request_us.has_value());
  EXPECT_TRUE(to_json(f)["driver"].is_null());

  t.driver("none", "menu");  // the kernel's word for no driver
  EXPECT_FALSE(read_idle_facts(t.root(), {0}).present());
}

TEST(IdleStates, HaltpollGuestListsPollAndHaltpollWithItsParameters) {
  Tree t;
  t.driver("haltpoll", "haltpoll");
  for (int cpu : {0, 1}) t.state(cpu, 0, "POLL", 0, 0), t.state(cpu, 1, "haltpoll idle", 1, 1);
  t.write("sys/module/haltpoll/parameters/guest_halt_poll_ns", "200000");
  t.write("sys/module/cpuidle_haltpoll/parameters/force", "N");
  t.write("sys/devices/system/cpu/cpu1/power/pm_qos_resume_latency_us", "0");
  const std::int32_t request = 2000000000;
  fs::create_directories(t.root() + "/dev");
  std::ofstream(t.root() + "/dev/cpu_dma_latency", std::ios::binary).write(reinterpret_cast<const char*>(&request), sizeof request);

  const IdleFacts f = read_idle_facts(t.root(), {0, 1});
  ASSERT_TRUE(f.present()) << f.absent;
  EXPECT_EQ(f.driver, "haltpoll");
  EXPECT_EQ(f.governor, "haltpoll");
  ASSERT_EQ(f.states.size(), 2u);
  EXPECT_TRUE(f.states[0].polling());
  EXPECT_EQ(f.states[1].name, "haltpoll idle");
  EXPECT_FALSE(f.states[1].polling());
  EXPECT_EQ(f.states[1].latency_us, 1);
  EXPECT_EQ(f.latency_request_us, request);
  EXPECT_EQ(f.haltpoll.at("haltpoll.guest_halt_poll_ns"), "200000");
  EXPECT_EQ(f.haltpoll.at("cpuidle_haltpoll.force"), "N");
  EXPECT_EQ(f.resume_latency_us.at(1), "0");
  const nlohmann::json j = to_json(f);
  EXPECT_EQ(j["states"][1]["exit_latency_us"], 1);
  EXPECT_EQ(j["latency_request_us"], request);
}

TEST(IdleStates, IntelIdleStatesKeepTheirLatenciesAndResidencies) {
  Tree t;
  t.driver("intel_idle", "menu");
  t.state(0, 0, "POLL", 0, 0), t.state(0, 1, "C1", 2, 2), t.state(0, 2, "C1E", 10, 20), t.state(0, 3, "C6", 170, 600);
  const IdleFacts f = read_idle_facts(t.root(), {0});
  ASSERT_EQ(f.states.size(), 4u);
  EXPECT_EQ(f.states[2].name, "C1E");
  EXPECT_EQ(f.states[3].latency_us, 170);
  EXPECT_EQ(f.states[3].residency_us, 600);
  for (const IdleState& s : f.states) EXPECT_TRUE(s.disabled_on.empty()) << s.name;
  EXPECT_TRUE(f.haltpoll.empty());
  EXPECT_EQ(f.governor, "menu");
}

TEST(IdleStates, AStateTheAdministratorDisabledNamesItsCpus) {
  Tree t;
  t.driver("intel_idle", "menu");
  for (int cpu : {0, 1, 2}) t.state(cpu, 0, "POLL", 0, 0), t.state(cpu, 1, "C1", 2, 2), t.state(cpu, 2, "C6", 170, 600, cpu == 1 ? 1 : 0);
  const IdleFacts f = read_idle_facts(t.root(), {0, 1, 2});
  ASSERT_EQ(f.states.size(), 3u);
  EXPECT_EQ(f.states[2].disabled_on, std::vector<int>{1});
  EXPECT_TRUE(f.states[1].disabled_on.empty());
  EXPECT_EQ(to_json(f)["states"][2]["disabled_on_cpus"], nlohmann::json::array({1}));
}

TEST(IdleStates, UseBetweenTwoReadingsCountsEntriesTimeAndDeepEntries) {
  Tree t;
  t.driver("haltpoll", "haltpoll");
  for (int cpu : {0, 1}) t.state(cpu, 0, "POLL", 0, 0, 0, 10, 100), t.state(cpu, 1, "haltpoll idle", 1, 1, 0, 5, 50);
  const IdleCounts before = read_idle_counts(t.root(), {0, 1});
  t.state(0, 0, "POLL", 0, 0, 0, 13, 130), t.state(0, 1, "haltpoll idle", 1, 1, 0, 9, 90);
  t.state(1, 0, "POLL", 0, 0, 0, 10, 100), t.state(1, 1, "haltpoll idle", 1, 1, 0, 7, 70);
  IdleUse use;
  use.add(before, read_idle_counts(t.root(), {0, 1}));
  EXPECT_EQ(use.entries.at("POLL"), 3u);
  EXPECT_EQ(use.entries.at("haltpoll idle"), 6u);
  EXPECT_EQ(use.time_us.at("haltpoll idle"), 60u);
  EXPECT_EQ(use.deep_entries, 6u);
  EXPECT_EQ(idle_counter_name("haltpoll idle"), "haltpoll_idle");
  EXPECT_EQ(idle_counter_name("C1E"), "c1e");
}

// Each interval between two readings goes to the batch it began; the first (the calibration) to none.
TEST(IdleStates, TheLedgerGivesEachBatchItsOwnEntries) {
  Tree t;
  t.driver("haltpoll", "haltpoll");
  int poll = 0, halt = 0;
  const auto after = [&](int more_poll, int more_halt) {
    poll += more_poll, halt += more_halt;
    for (int cpu : {0, 1}) t.state(cpu, 0, "POLL", 0, 0, 0, poll, poll), t.state(cpu, 1, "haltpoll idle", 1, 1, 0, halt, halt);
  };
  after(0, 0);
  IdleBatchLedger ledger(t.root(), {0, 1});
  ledger.at_batch_start(false);  // before the calibration
  after(1000, 1000);
  ledger.at_batch_start(true);   // a control batch (idle)
  after(0, 7);
  ledger.at_batch_start(false);  // a timed batch (awake)
  after(5, 0);
  ledger.at_batch_start(true);   // another control batch
  after(1, 3);
  ledger.at_batch_start(false);  // the probe after the last batch
  after(100, 100);               // the counted pass: no batch
  EXPECT_EQ(ledger.control().batches, 2);
  EXPECT_EQ(ledger.timed().batches, 1);
  EXPECT_EQ(ledger.control().use.deep_entries, 2u * (7 + 3));
  EXPECT_EQ(ledger.control().use.entries.at("POLL"), 2u * 1);
  EXPECT_EQ(ledger.timed().use.deep_entries, 0u);
  EXPECT_EQ(ledger.timed().use.entries.at("POLL"), 2u * 5);
  EXPECT_EQ(ledger.timed().use.time_us.at("POLL"), 2u * 5);
}

TEST(IdleStates, EverySkipMessageNamesWhatIsMissing) {
  EXPECT_EQ(awake_unavailable("", "/dev/cpu_dma_latency", 0), "");
  const std::string none = awake_unavailable("no cpuidle driver (x)", "/dev/cpu_dma_latency", 0);
  EXPECT_EQ(none.rfind("skipped: ", 0), 0u);
  EXPECT_NE(none.find("no cpuidle driver"), std::string::npos) << none;
  const std::string missing = awake_unavailable("", "/dev/cpu_dma_latency", ENOENT);
  EXPECT_NE(missing.find("/dev/cpu_dma_latency does not exist"), std::string::npos) << missing;
  const std::string refused = awake_unavailable("", "/dev/cpu_dma_latency", EACCES);
  EXPECT_NE(refused.find("cannot be opened for writing (Permission denied"), std::string::npos) << refused;
  EXPECT_EQ(awake_not_held(0.0), "");
  EXPECT_EQ(awake_not_held(kAwakeDeepEntriesAllowed), "");
  EXPECT_NE(awake_not_held(0.5).find("entered deep idle states 0.500 times per switch"), std::string::npos);
  const std::string busy = busy_refused(EPERM);
  EXPECT_EQ(busy.rfind("skipped: busy needs", 0), 0u);
  EXPECT_NE(busy.find("SCHED_IDLE"), std::string::npos);
  EXPECT_NE(busy.find("Operation not permitted"), std::string::npos);
  Tree t;
  EXPECT_EQ(try_latency_device(latency_device(t.root())), ENOENT);
}

TEST(IdleStates, LatencyRequestWritesItsValueAndClosesOnEveryPath) {
  Tree t;
  t.write("dev/cpu_dma_latency", "");
  const std::string device = latency_device(t.root());
  {
    LatencyRequest r(device);
    EXPECT_FALSE(r.held());
    r.hold(5);
    EXPECT_TRUE(r.held());
    r.release();
    EXPECT_FALSE(r.held());
    r.hold(7);
  }  // the destructor closes it
  std::int32_t written = 0;
  std::ifstream(device, std::ios::binary).read(reinterpret_cast<char*>(&written), sizeof written);
  EXPECT_EQ(written, 7);  // each hold writes its value as the device takes it: four bytes, native order
  EXPECT_EQ(fs::file_size(device), sizeof(std::int32_t));
  LatencyRequest none(latency_device(t.root() + "/nowhere"));
  try {
    none.hold(0);
    FAIL() << "a missing device must throw";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), ENOENT);
  }
  EXPECT_FALSE(none.held());
}

// --------------------------------------------------------------------------- the real request
// Values nobody else asks for, one a test: ctest -j runs these tests side by side, and a reading of
// the device (the lowest request in force) must tell this test's request apart from its neighbour's,
// held at the same moment. While held, a test's value is the lowest in force; after the release it
// no longer is, whatever the neighbour holds.
constexpr std::int32_t kScopeUs = 123457;
constexpr std::int32_t kSigintUs = 123461;
constexpr std::int32_t kSigtermUs = 123467;
constexpr const char* kDevice = "/dev/cpu_dma_latency";

std::optional<std::int32_t> request_in_force() {
  const int fd = open(kDevice, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::int32_t v = 0;
  const bool ok = read(fd, &v, sizeof v) == static_cast<ssize_t>(sizeof v);
  close(fd);
  return ok ? std::optional(v) : std::nullopt;
}

// These tests take turns on the device (ctest -j runs them side by side, each in its own process):
// a neighbour's request held in the middle of a test would make it skip, or read as not released.
// An advisory lock on a file of their own, held for the whole test and gone with the process.
class DeviceTurn {
 public:
  DeviceTurn() : fd_(open("/tmp/bench_switch_tests.cpu_dma_latency.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
    if (fd_ >= 0) flock(fd_, LOCK_EX);
  }
  ~DeviceTurn() {
    if (fd_ >= 0) close(fd_);
  }
  DeviceTurn(const DeviceTurn&) = delete;
  DeviceTurn& operator=(const DeviceTurn&) = delete;

 private:
  int fd_;
};

// Takes this test's turn on the device, then skips unless this process may hold the request `us`
// and no lower one is in force for a moment (a bench_switch run measuring `awake` at the same time
// holds 0: this waits for it, up to 20 s).
#define SKIP_UNLESS_REQUEST_IS_OURS(us)                                                                   \
  const DeviceTurn device_turn;                                                                           \
  do {                                                                                                    \
    if (try_latency_device(kDevice) != 0) GTEST_SKIP() << "no writable " << kDevice << " (not root?)"; \
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);                      \
    while (request_in_force().value_or(0) <= (us) && std::chrono::steady_clock::now() < until)           \
      std::this_thread::sleep_for(std::chrono::milliseconds(50));                                         \
    if (request_in_force().value_or(0) <= (us))                                                           \
      GTEST_SKIP() << "another process holds a lower latency request all along";                         \
  } while (0)

TEST(LatencyRequestOnTheMachine, ReleasedAtTheEndOfItsScopeAndWhenABenchmarkThrows) {
  SKIP_UNLESS_REQUEST_IS_OURS(kScopeUs);
  {
    LatencyRequest r(kDevice);
    r.hold(kScopeUs);
    if (request_in_force() != kScopeUs) GTEST_SKIP() << "another process took a lower request meanwhile";
  }
  EXPECT_NE(request_in_force(), kScopeUs);
  try {
    LatencyRequest r(kDevice);
    r.hold(kScopeUs);
    throw std::runtime_error("the benchmark failed");
  } catch (const std::runtime_error&) {
  }
  EXPECT_NE(request_in_force(), kScopeUs);
}

// A child that stops as bench_switch does (stop_signals.hpp), holding the request, is signalled:
// it exits with 128 + the signal and its request is gone.
void held_until_signal(int signal, std::int32_t us) {
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(ready[0]);
    stop_on_signals([](int) {});
    LatencyRequest r(kDevice);
    r.hold(us);
    const char one = 1;
    if (write(ready[1], &one, 1) != 1) _exit(3);
    for (;;) pause();
  }
  close(ready[1]);
  char one = 0;
  const bool started = read(ready[0], &one, 1) == 1;
  close(ready[0]);
  const bool ours = started && request_in_force() == us;
  kill(child, signal);
  int status = 0;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  pid_t done = 0;
  while ((done = waitpid(child, &status, WNOHANG)) == 0 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  if (done == 0) kill(child, SIGKILL), waitpid(child, &status, 0);
  ASSERT_TRUE(started) << "the child could not hold the request";
  ASSERT_EQ(done, child) << "the child did not stop within 10 s of the signal";
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 128 + signal);
  if (!ours) GTEST_SKIP() << "another process took a lower request while the child held its own";
  EXPECT_NE(request_in_force(), us);
}

TEST(LatencyRequestOnTheMachine, ReleasedWhenSigintStopsTheRun) {
  SKIP_UNLESS_REQUEST_IS_OURS(kSigintUs);
  held_until_signal(SIGINT, kSigintUs);
}

TEST(LatencyRequestOnTheMachine, ReleasedWhenSigtermStopsTheRun) {
  SKIP_UNLESS_REQUEST_IS_OURS(kSigtermUs);
  held_until_signal(SIGTERM, kSigtermUs);
}

// Waits up to 10 s for `done`: a SCHED_IDLE thread on a loaded CPU may wait long for its turn.
template <class F>
bool eventually(F done) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return done();
}

// The whole program: a run measuring `awake` (the request held at 0 in its timed batches), stopped
// by SIGINT, exits with 130 and leaves no request behind. Another run may hold one at the same time
// (ctest -j2 and quick_run): released means that within 20 s a reading shows none in force, which a
// request left behind would never let happen.
TEST(LatencyRequestOnTheMachine, ARunStoppedBySigintLeavesNoRequest) {
  static constexpr std::int32_t kNone = 2000000000;  // the device's reading when nobody holds a request
  SKIP_UNLESS_REQUEST_IS_OURS(0);
  const std::string json = fs::temp_directory_path() / ("bs_idle_sigint_" + std::to_string(getpid()) + ".json");
  testing_binary::Binary bin({"--benchmark_filter=^switch/thread_futex/cross_cpu/idle:awake(/|$)", "--benchmark_repetitions=1",
                              "--benchmark_min_time=5", "--json", json});
  const auto held = [] { return request_in_force() == 0; };
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(40);
  while (!held() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ASSERT_TRUE(held()) << "the awake row never held the request within 40 s";
  kill(bin.pid(), SIGINT);
  const testing_binary::Outcome o = bin.finish(30);
  std::error_code ec;
  fs::remove(json, ec);
  ASSERT_FALSE(o.timed_out) << "still running 30 s after SIGINT";
  EXPECT_EQ(o.exit_code, 128 + SIGINT) << o.err;
  EXPECT_TRUE(eventually([] { return request_in_force() == kNone; })) << "a latency request is still in force";
}

TEST(IdleSpinners, SpinOnTheirCpusOnlyWhenAsked) {
  IdleSpinners s({allowed_cpus().front()});
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(s.laps(), 0u);
  EXPECT_EQ(s.spinning(), 0);
  s.spin();
  EXPECT_TRUE(eventually([&] { return s.spinning() == 1; }));
  s.pause();
  EXPECT_TRUE(eventually([&] { return s.spinning() == 0; }));
  s.spin();
  EXPECT_TRUE(eventually([&] { return s.laps() == 2; }));
  s.pause();
}

}  // namespace
}  // namespace bench_switch
