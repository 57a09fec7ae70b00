// The three states a wake-up's target CPU is measured in (the idle state as a controlled variable):
//   idle   the machine as configured: the governor may put a waiting CPU in any enabled state;
//   awake  no state deeper than polling, through the CPU latency request (PM QoS) held at 0 µs;
//   busy   the CPU runs a spinning task of the lowest class (SCHED_IDLE) that the woken task preempts.
#pragma once
#include <atomic>
#include <memory>
#include <cstdint>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace bench_switch {

enum class IdleCondition { idle, awake, busy };
std::string_view to_string(IdleCondition condition);

// The CPU latency request, held while this object says so and never after it: /dev/cpu_dma_latency
// open with a value written (docs: power/pm_qos_interface.rst). The kernel keeps the request as long
// as the file is open, and drops it when the last descriptor closes, so it ends with the process
// whatever ends it (a signal's _exit, a crash, SIGKILL): no exit path can leave it behind, which the
// per-CPU power/pm_qos_resume_latency_us (a value to write back) cannot promise. The descriptor is
// close-on-exec; a child forked while it is open shares it until the child ends (bench_switch
// reaps its children on every path), so it is opened only when asked to hold, after the partner exists.
class LatencyRequest {
 public:
  explicit LatencyRequest(std::string device);
  ~LatencyRequest();
  LatencyRequest(const LatencyRequest&) = delete;
  LatencyRequest& operator=(const LatencyRequest&) = delete;

  // Holds `us` (0: polling only). Throws std::system_error when the device refuses.
  void hold(std::int32_t us = 0);
  void release();
  bool held() const { return fd_ >= 0; }

 private:
  std::string device_;
  int fd_ = -1;
};

// Why `awake` cannot be had here, or "": `driver_absent` from IdleFacts, `open_error` the errno of
// a trial open for writing (0 when it opened).
std::string awake_unavailable(const std::string& driver_absent, const std::string& device, int open_error);
// The errno of opening `device` for writing (0: it opened, and was closed at once).
int try_latency_device(const std::string& device);

// One spinning thread per CPU, each of the lowest class (SCHED_IDLE) and pinned, that spins only
// while running() is set and sleeps otherwise: the `busy` state's background load.
class IdleSpinners {
 public:
  // Throws PinRefused when a CPU is refused, std::system_error when SCHED_IDLE or a thread is.
  explicit IdleSpinners(const std::vector<int>& cpus);
  ~IdleSpinners();
  IdleSpinners(const IdleSpinners&) = delete;
  IdleSpinners& operator=(const IdleSpinners&) = delete;

  // Starts the spinning (and waits up to 1 ms for the spinners on other CPUs than the caller's);
  // pause() stops it. A CPU loaded by others may delay a SCHED_IDLE thread much longer.
  void spin();
  void pause();
  int spinning() const;  // how many spin right now
  std::uint64_t laps() const { return laps_.load(); }  // how many times a spinner started spinning

 private:
  void run(std::size_t index);
  std::vector<int> cpus_;
  std::unique_ptr<std::atomic<bool>[]> spinning_on_;
  std::atomic<bool> spinning_{false}, quit_{false};
  std::atomic<int> started_{0}, setup_error_{0};
  std::atomic<std::uint64_t> laps_{0};
  std::string setup_failure_;
  std::vector<std::thread> threads_;
};

// An awake batch must not enter a deep state: the request was not in force if it did. Switching the
// request between batches costs each CPU about one entry per batch (of thousands of switches).
inline constexpr double kAwakeDeepEntriesAllowed = 0.01;
// The failure of an awake row whose batches entered deep states `per_switch` times per switch, or "".
std::string awake_not_held(double per_switch);

// The message of a state that cannot be had, as a skip says it.
std::string busy_refused(int error);

}  // namespace bench_switch
