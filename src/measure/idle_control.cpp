#include "measure/idle_control.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fmt/format.h>
#include <system_error>

#include "arch/current.hpp"
#include "measure/affinity.hpp"

namespace bench_switch {

std::string_view to_string(IdleCondition c) {
  switch (c) {
    case IdleCondition::idle: return "idle";
    case IdleCondition::awake: return "awake";
    case IdleCondition::busy: return "busy";
  }
  return "?";
}

LatencyRequest::LatencyRequest(std::string device) : device_(std::move(device)) {}
LatencyRequest::~LatencyRequest() { release(); }

void LatencyRequest::hold(std::int32_t us) {
  if (fd_ < 0) fd_ = open(device_.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "open " + device_);
  if (write(fd_, &us, sizeof us) != static_cast<ssize_t>(sizeof us)) {
    const int error = errno;
    release();
    throw std::system_error(error, std::generic_category(), "write to " + device_);
  }
}

void LatencyRequest::release() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

int try_latency_device(const std::string& device) {
  const int fd = open(device.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  close(fd);
  return 0;
}

std::string awake_unavailable(const std::string& driver_absent, const std::string& device, int open_error) {
  if (!driver_absent.empty())
    return "skipped: awake needs the CPUs' idle states under cpuidle's control, and there is " + driver_absent;
  if (open_error == ENOENT)
    return fmt::format("skipped: awake needs the CPU latency request, and {} does not exist (a kernel without PM QoS, "
                       "or a container without the device)", device);
  if (open_error != 0)
    return fmt::format("skipped: awake needs the CPU latency request, and {} cannot be opened for writing ({}: it takes "
                       "root or CAP_SYS_ADMIN's device access)", device, std::strerror(open_error));
  return "";
}

std::string awake_not_held(double per_switch) {
  if (!(per_switch > kAwakeDeepEntriesAllowed)) return "";
  return fmt::format("the awake batches entered deep idle states {:.3f} times per switch (at most {} allowed): the CPU "
                     "latency request did not keep the CPUs polling", per_switch, kAwakeDeepEntriesAllowed);
}

std::string busy_refused(int error) {
  return fmt::format("skipped: busy needs a background thread of the lowest class (SCHED_IDLE), and the kernel "
                     "refused it ({})", std::strerror(error));
}

IdleSpinners::IdleSpinners(const std::vector<int>& cpus)
    : cpus_(cpus), spinning_on_(std::make_unique<std::atomic<bool>[]>(cpus.size())) {
  const auto stop_all = [this] {
    quit_.store(true);
    spinning_.store(true);
    spinning_.notify_all();
    for (auto& t : threads_) t.join();
  };
  try {
    for (std::size_t i = 0; i < cpus.size(); ++i) threads_.emplace_back([this, i] { run(i); });
  } catch (const std::system_error&) {  // no thread to spare: those made must not outlive this
    stop_all();
    throw;
  }
  while (started_.load() < static_cast<int>(cpus.size())) std::this_thread::sleep_for(std::chrono::microseconds(50));
  if (setup_error_.load() != 0) {
    stop_all();
    if (setup_error_.load() < 0) throw PinRefused(setup_failure_);
    throw std::system_error(setup_error_.load(), std::generic_category(), busy_refused(setup_error_.load()));
  }
}

IdleSpinners::~IdleSpinners() {
  quit_.store(true);
  spinning_.store(true);
  spinning_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

void IdleSpinners::run(std::size_t index) {
  try {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpus_[index], &one);
    pin_current_thread(one);
    const sched_param none{};
    if (const int e = pthread_setschedparam(pthread_self(), SCHED_IDLE, &none); e != 0) setup_error_.store(e);
  } catch (const PinRefused& e) {
    setup_failure_ = e.what();
    setup_error_.store(-1);
  }
  started_.fetch_add(1);
  while (!quit_.load()) {
    spinning_.wait(false);
    if (quit_.load()) break;
    spinning_on_[index].store(true);
    laps_.fetch_add(1);
    while (spinning_.load(std::memory_order_relaxed) && !quit_.load(std::memory_order_relaxed)) arch::spin_pause();
    spinning_on_[index].store(false);
  }
}

void IdleSpinners::spin() {
  spinning_.store(true);
  spinning_.notify_all();
  // Waits, spinning for at most 1 ms, until the spinners on the other CPUs run: the partner's CPU
  // is then busy from the batch's first wake-up on. Not for the one on the caller's CPU, which runs
  // only once the caller sleeps (the batch's first wait), and never by sleeping: the caller's
  // voluntary switches would count in the handoff's ksw.
  const int here = sched_getcpu();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(1);
  const auto others_spin = [&] {
    for (std::size_t i = 0; i < cpus_.size(); ++i)
      if (cpus_[i] != here && !spinning_on_[i].load()) return false;
    return true;
  };
  while (!others_spin() && std::chrono::steady_clock::now() < deadline) arch::spin_pause();
}

// No wait: a running spinner sees the word within nanoseconds, a preempted one when it runs next.
void IdleSpinners::pause() { spinning_.store(false); }

int IdleSpinners::spinning() const {
  int n = 0;
  for (std::size_t i = 0; i < cpus_.size(); ++i) n += spinning_on_[i].load() ? 1 : 0;
  return n;
}

}  // namespace bench_switch
