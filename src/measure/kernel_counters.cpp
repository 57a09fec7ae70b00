#include "measure/kernel_counters.hpp"

#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "resource_refusal.hpp"

namespace bench_switch {

namespace {
std::uint64_t status_field(const std::string& text, const std::string& key) {
  const auto at = text.find(key + ":");
  return at == std::string::npos ? 0 : std::stoull(text.substr(at + key.size() + 1));
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

int open_counter(pid_t tid, std::uint64_t config) {
  perf_event_attr attr{};
  attr.size = sizeof attr;
  attr.type = PERF_TYPE_SOFTWARE;
  attr.config = config;
  attr.disabled = 1;
  attr.exclude_hv = 1;
  // cpu = -1: follow the task on whatever CPU it runs.
  return static_cast<int>(syscall(SYS_perf_event_open, &attr, tid, -1, -1, 0));
}

std::uint64_t read_sum(const std::vector<int>& fds) {
  std::uint64_t sum = 0;
  for (int fd : fds) {
    std::uint64_t v = 0;
    if (read(fd, &v, sizeof v) == static_cast<ssize_t>(sizeof v)) sum += v;
  }
  return sum;
}

void all(const std::vector<int>& fds, unsigned long request) {
  for (int fd : fds) ioctl(fd, request, 0);
}
}  // namespace

TaskCounts read_task_counts(const std::vector<pid_t>& tids) {
  TaskCounts sum;
  for (pid_t tid : tids) {
    const std::string dir = fmt::format("/proc/{}/", tid);
    const std::string status = slurp(dir + "status");
    sum.voluntary += status_field(status, "voluntary_ctxt_switches");
    sum.involuntary += status_field(status, "nonvoluntary_ctxt_switches");
    std::istringstream sched(slurp(dir + "schedstat"));  // "run_ns wait_ns timeslices"
    std::uint64_t run = 0, wait = 0;
    if (sched >> run >> wait) {
      sum.cpu_ns += run;
      sum.run_delay_ns += wait;
    }
  }
  return sum;
}

TaskCounts operator-(const TaskCounts& after, const TaskCounts& before) {
  return {after.voluntary - before.voluntary, after.involuntary - before.involuntary,
          after.cpu_ns - before.cpu_ns, after.run_delay_ns - before.run_delay_ns};
}

std::optional<std::uint64_t> steal_ticks(const std::string& proc_stat, int cpu) {
  std::istringstream in(proc_stat);
  const std::string name = fmt::format("cpu{}", cpu);
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string first;
    fields >> first;
    if (first != name) continue;
    // user nice system idle iowait irq softirq steal
    std::uint64_t v[8] = {};
    for (std::uint64_t& x : v)
      if (!(fields >> x)) return std::nullopt;
    return v[7];
  }
  return std::nullopt;
}

std::optional<std::uint64_t> read_steal_ns(int cpu) {
  const auto ticks = steal_ticks(slurp("/proc/stat"), cpu);
  const long user_hz = sysconf(_SC_CLK_TCK);
  if (!ticks || user_hz <= 0) return std::nullopt;
  return *ticks * (1'000'000'000u / static_cast<std::uint64_t>(user_hz));
}

InterruptCounts operator-(const InterruptCounts& after, const InterruptCounts& before) {
  return {after.timer - before.timer, after.other - before.other};
}

std::optional<InterruptCounts> interrupt_counts(const std::string& proc_interrupts, int cpu) {
  std::istringstream in(proc_interrupts);
  std::string header;
  if (!std::getline(in, header)) return std::nullopt;
  // The header names one column per online CPU: "CPU0 CPU1 ..."; rows give a count per column.
  std::istringstream names(header);
  const std::string wanted = fmt::format("CPU{}", cpu);
  int column = 0;
  bool found = false;
  for (std::string name; names >> name; ++column) {
    if (name == wanted) {
      found = true;
      break;
    }
  }
  if (!found) return std::nullopt;
  InterruptCounts out;
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string label;
    fields >> label;
    std::uint64_t v = 0;
    int read = 0;
    while (read <= column && fields >> v) ++read;
    if (read <= column) continue;  // a row with fewer columns (ERR, MIS: machine-wide) is no CPU's
    (label == "LOC:" ? out.timer : out.other) += v;
  }
  return out;
}

std::optional<InterruptCounts> read_interrupt_counts(int cpu) { return interrupt_counts(slurp("/proc/interrupts"), cpu); }

std::optional<PerfCounters> PerfCounters::open(const std::vector<pid_t>& tids, std::string& why_not) {
  PerfCounters c;
  for (pid_t tid : tids) {
    const int s = open_counter(tid, PERF_COUNT_SW_CONTEXT_SWITCHES);
    const int m = s < 0 ? -1 : open_counter(tid, PERF_COUNT_SW_CPU_MIGRATIONS);
    if (s < 0 || m < 0) {
      why_not = refusal("perf_event_open refused", errno);
      if (s >= 0) close(s);
      return std::nullopt;  // c's destructor closes what was opened
    }
    c.switch_fds_.push_back(s);
    c.migration_fds_.push_back(m);
  }
  return c;
}

PerfCounters::PerfCounters(PerfCounters&& o) noexcept
    : switch_fds_(std::move(o.switch_fds_)), migration_fds_(std::move(o.migration_fds_)) {
  o.switch_fds_.clear();
  o.migration_fds_.clear();
}

PerfCounters::~PerfCounters() {
  for (int fd : switch_fds_) close(fd);
  for (int fd : migration_fds_) close(fd);
}

void PerfCounters::start() {
  all(switch_fds_, PERF_EVENT_IOC_RESET);
  all(migration_fds_, PERF_EVENT_IOC_RESET);
  all(switch_fds_, PERF_EVENT_IOC_ENABLE);
  all(migration_fds_, PERF_EVENT_IOC_ENABLE);
}

PerfCounters::Counts PerfCounters::stop() {
  all(switch_fds_, PERF_EVENT_IOC_DISABLE);
  all(migration_fds_, PERF_EVENT_IOC_DISABLE);
  return {read_sum(switch_fds_), read_sum(migration_fds_)};
}

}  // namespace bench_switch
