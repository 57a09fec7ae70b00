#include "experiments/timeslice.hpp"

#include <linux/futex.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <climits>
#include <system_error>
#include <csignal>
#include <cstring>
#include <optional>
#include <thread>

#include "children.hpp"
#include "measure/affinity.hpp"
#include "measure/clock.hpp"
#include "measure/loop_clock.hpp"
#include "mechanisms/shared_block.hpp"
#include "resource_refusal.hpp"

namespace bench_switch {
namespace {

// What the caller and the crew both see; in MAP_SHARED memory for a process crew. The futex words
// are keyed without FUTEX_PRIVATE_FLAG, so the same code serves threads and forked children (the
// few wake-ups here are outside every timed window, so the cheaper private futex buys nothing).
struct CrewSync {
  std::atomic<std::uint32_t> ready{0}, go{0}, done{0}, release{0};
  std::atomic<std::uint32_t> abort{0};
  std::atomic<std::uint64_t> end_ns{0};
  std::array<std::atomic<pid_t>, kMaxCrew> tids{};
  std::atomic<std::uint32_t> failures{0};
  char why[200] = {};  // written by the first task that fails, read after `ready`
};

void futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t seen, const timespec* timeout) {
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAIT, seen, timeout, nullptr, 0);
}
void futex_wake_all(std::atomic<std::uint32_t>& word) {
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAKE, INT_MAX, nullptr, nullptr, 0);
}

// One more task has reached a step; the last one wakes whoever waits for all of them.
void arrive(std::atomic<std::uint32_t>& word, int total) {
  if (word.fetch_add(1, std::memory_order_acq_rel) + 1 == static_cast<std::uint32_t>(total)) futex_wake_all(word);
}
void wait_at_least(std::atomic<std::uint32_t>& word, std::uint32_t target) {
  for (std::uint32_t v; (v = word.load(std::memory_order_acquire)) < target;) futex_wait(word, v, nullptr);
}
void open_gate(std::atomic<std::uint32_t>& gate) {
  gate.store(1, std::memory_order_release);
  futex_wake_all(gate);
}

void fail(CrewSync& sync, const std::string& why) {
  if (sync.failures.fetch_add(1) == 0) {
    const std::size_t n = std::min(why.size(), sizeof sync.why - 1);
    std::memcpy(sync.why, why.data(), n);
    sync.why[n] = '\0';
  }
}

// One task's whole life in the crew; see run_crew.
void crew_member(CrewSync& sync, const CrewPlan& plan, int index,
                 const std::function<void(int, std::uint64_t)>& body) {
  bool ok = true, rr = false;
  sync.tids[static_cast<std::size_t>(index)].store(static_cast<pid_t>(syscall(SYS_gettid)));
  if (sched_setaffinity(0, sizeof plan.cpu, &plan.cpu) != 0) {
    fail(sync, fmt::format("skipped: the kernel refused to pin a task (sched_setaffinity: {})", std::strerror(errno)));
    ok = false;
  } else if (plan.policy == SchedPolicy::rr) {
    // The lowest real-time priority: the kernel's own real-time threads (migration, watchdogs)
    // still preempt these. Taken before blocking, so no task ever spins as RR while another of
    // the crew is still SCHED_OTHER and could not get the CPU back to become RR itself.
    sched_param sp{};
    sp.sched_priority = sched_get_priority_min(SCHED_RR);
    rr = sched_setscheduler(0, SCHED_RR, &sp) == 0;
    if (!rr) {
      fail(sync, fmt::format("skipped: sched_setscheduler(SCHED_RR) refused ({})", std::strerror(errno)));
      ok = false;
    }
  }
  arrive(sync.ready, plan.tasks);
  wait_at_least(sync.go, 1);
  if (ok && sync.abort.load() == 0) body(index, sync.end_ns.load());
  arrive(sync.done, plan.tasks);
  wait_at_least(sync.release, 1);
  // Restored only now, after the counters were read: a task going back to SCHED_OTHER while an RR
  // task is runnable would be preempted at once, one involuntary switch that is not the window's.
  if (rr) {
    sched_param sp{};
    sched_setscheduler(0, SCHED_OTHER, &sp);
  }
}

// The crew's tasks, and the guarantee that none outlives run_crew: on every return path the gates
// open (with `abort` set if the window never started), threads are joined and children reaped.
class Crew {
 public:
  Crew(CrewSync& sync, const CrewPlan& plan) : sync_(sync), plan_(plan) {}
  Crew(const Crew&) = delete;
  Crew& operator=(const Crew&) = delete;
  ~Crew() {
    if (sync_.go.load() == 0) sync_.abort.store(1);
    open_gate(sync_.go);
    open_gate(sync_.release);
    for (std::thread& t : threads_) t.join();
    reap_children();
  }

  void start(const std::function<void(int, std::uint64_t)>& body) {
    const pid_t parent = getpid();
    for (int i = 0; i < plan_.tasks; ++i) {
      if (plan_.kind == TaskKind::thread) {
        threads_.emplace_back([this, i, &body] { crew_member(sync_, plan_, i, body); });
        continue;
      }
      const pid_t child = fork();
      if (child < 0) throw std::system_error(errno, std::generic_category(), "fork of a crew process");
      if (child == 0) {
        // A child that outlives a killed parent would wait at a gate forever: have the kernel
        // kill it with the parent, and check the parent did not die before that took effect.
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(1);
        try {
          crew_member(sync_, plan_, i, body);
        } catch (...) {
          _exit(2);
        }
        // _exit, never return or exit(): the child holds a copy of the whole harness (Google
        // Benchmark's state, stdio buffers, atexit handlers) that must not run a second time.
        _exit(0);
      }
      children_.push_back(child);
    }
  }

  // Waits until `word` counts every task, or a child has died, or the deadline passed. Polls every
  // 10 ms for a dead child; the caller is off the crew's CPU, and only ever waits here outside a
  // window (before it opens, or after its end), so the polling disturbs no measured task.
  bool wait_all(std::atomic<std::uint32_t>& word, std::uint64_t deadline_ns, std::string& why) {
    const auto all = static_cast<std::uint32_t>(plan_.tasks);
    for (std::uint32_t v; (v = word.load(std::memory_order_acquire)) < all;) {
      if (a_child_died()) {
        why = "a task of the crew died";
        return false;
      }
      const std::uint64_t now = now_ns();
      if (now >= deadline_ns) {
        why = "the crew did not answer within 5 s";
        return false;
      }
      const std::uint64_t wait = std::min<std::uint64_t>(deadline_ns - now, 10'000'000);
      const timespec ts{0, static_cast<long>(wait)};
      futex_wait(word, v, &ts);
    }
    return true;
  }

  std::vector<pid_t> tids() const {
    std::vector<pid_t> out;
    for (int i = 0; i < plan_.tasks; ++i) out.push_back(sync_.tids[static_cast<std::size_t>(i)].load());
    return out;
  }

 private:
  bool a_child_died() {
    for (const pid_t child : children_) {
      siginfo_t info{};
      // WNOWAIT: look without reaping, so the destructor still reaps every child exactly once.
      if (waitid(P_PID, static_cast<id_t>(child), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == child)
        return true;
    }
    return false;
  }

  // The children leave once released; one that has not within 5 s (stopped or wedged) is killed,
  // so a failed run never leaves a process behind.
  void reap_children() {
    reap_all(children_, 5'000'000'000u);
    children_.clear();
  }

  CrewSync& sync_;
  const CrewPlan& plan_;
  std::vector<std::thread> threads_;
  std::vector<pid_t> children_;
};

// Every allowed CPU but `cpu`; empty when `cpu` is the only one.
cpu_set_t all_but(const cpu_set_t& cpu) {
  cpu_set_t rest;
  CPU_ZERO(&rest);
  for (const int c : allowed_cpus())
    if (!CPU_ISSET(c, &cpu)) CPU_SET(c, &rest);
  return rest;
}

int first_cpu(const cpu_set_t& set) {
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &set)) return c;
  return 0;
}

void sleep_until(std::uint64_t t_ns) {
  const timespec ts{static_cast<time_t>(t_ns / 1'000'000'000u), static_cast<long>(t_ns % 1'000'000'000u)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

}  // namespace

CrewResult run_crew(const CrewPlan& plan, const std::function<void(int index, std::uint64_t end_ns)>& body) {
  CrewResult result;
  if (plan.tasks < 1 || plan.tasks > kMaxCrew) {
    result.error = fmt::format("a crew has 1 to {} tasks, not {}", kMaxCrew, plan.tasks);
    return result;
  }
  // Off the crew's CPU for the whole run when another is allowed, restored on return: the crew's
  // tasks are created from here, and this thread's wake-ups must not preempt them.
  std::optional<ScopedPin> elsewhere;
  if (const cpu_set_t rest = all_but(plan.cpu); CPU_COUNT(&rest) > 0) {
    try {
      elsewhere.emplace(rest);
    } catch (const PinRefused&) {
      // Then this thread stays where it was: it sleeps through the window either way.
    }
  }
  SharedBlock<CrewSync> sync(plan.kind == TaskKind::process);
  Crew crew(*sync, plan);  // after `sync`: its destructor, which uses `sync`, runs first
  try {
    crew.start(body);
  } catch (const std::exception& e) {
    const std::string refused = skip_for("a crew task", e);
    result.error = refused.empty() ? e.what() : refused;
    return result;
  }
  if (!crew.wait_all(sync->ready, now_ns() + 5'000'000'000u, result.error)) return result;
  if (sync->failures.load() != 0) {
    result.error = sync->why;
    return result;
  }
  // Every task is blocked at the gate: the counts read now cover exactly what follows.
  const std::vector<pid_t> tids = crew.tids();
  const TaskCounts before = read_task_counts(tids);
  const int crew_cpu = first_cpu(plan.cpu);
  const std::optional<std::uint64_t> steal_before = read_steal_ns(crew_cpu);
  const std::optional<InterruptCounts> interrupts_before = read_interrupt_counts(crew_cpu);
  const std::uint64_t end = now_ns() + static_cast<std::uint64_t>(plan.window_ns);
  sync->end_ns.store(end);
  open_gate(sync->go);
  // One sleep through the window, not a poll: a wake-up of this thread would be a task competing
  // for the crew's CPU when no other CPU is allowed.
  sleep_until(end);
  if (!crew.wait_all(sync->done, now_ns() + 5'000'000'000u, result.error)) return result;
  result.counts = read_task_counts(tids) - before;
  const std::optional<std::uint64_t> steal_after = read_steal_ns(crew_cpu);
  if (steal_before && steal_after) result.steal_ns = *steal_after - *steal_before;
  const std::optional<InterruptCounts> interrupts_after = read_interrupt_counts(crew_cpu);
  if (interrupts_before && interrupts_after) result.interrupts = *interrupts_after - *interrupts_before;
  return result;  // ~Crew releases the tasks, joins and reaps them
}

std::optional<Placement> crew_placement(int tasks, std::string& error) {
  if (tasks < 1 || tasks > kMaxCrew) {
    error = fmt::format("a crew must have 1 to {} tasks, not {}", kMaxCrew, tasks);
    return std::nullopt;
  }
  return resolve_placement(PlacementKind::same_cpu, error);
}

namespace {

struct TimesliceRecord {
  GapDetector timeline;
  std::int64_t advertised_ns = -1;
};
// A user-provided constructor: value-initialising a plain std::array would first zero all of it
// (256 KB a slot); this way only the few counters of each detector are written.
struct TimesliceRecords {
  TimesliceRecords() {}
  std::array<TimesliceRecord, kMaxCrew> slot;
};
// The crew's timelines attributed (attribution.hpp): the slices between handoffs, the peers' gaps, the
// time lost to others and the loop's own step; `out.error` says why there is no figure.
void attribute_timeslices(const TimesliceRecords& records, int tasks, const CrewResult& crew, TimesliceResult& out) {
  std::vector<WorkerTimeline> timelines;
  std::uint64_t reads = 0;
  double busy = 0;
  for (int i = 0; i < tasks; ++i) {
    const GapDetector& detector = records.slot[static_cast<std::size_t>(i)].timeline;
    const TimelineSummary s = detector.summary();
    if (s.dropped != 0) {
      out.error = fmt::format("a task stopped more than {} times; its timeline is incomplete", GapDetector::kCapacity);
      return;
    }
    if (s.reads == 0) continue;
    timelines.push_back(timeline_of(detector));
    reads += s.reads - 1;
    busy += s.busy_ns;
  }
  if (reads == 0) {
    out.error = "no task read the clock";
    return;
  }
  const Attribution attribution = attribute(timelines);
  std::vector<double> slices, peer_gaps;
  for (std::size_t w = 0; w < timelines.size(); ++w) {
    const HandoffSlices h = slices_between_handoffs(timelines[w], attribution.gaps[w]);
    slices.insert(slices.end(), h.slices_ns.begin(), h.slices_ns.end());
    peer_gaps.insert(peer_gaps.end(), h.peer_gaps_ns.begin(), h.peer_gaps_ns.end());
    out.outside_gaps_in_slices += h.outside_gaps_in_slices;
    out.outside_ns_in_slices += h.outside_ns_in_slices;
  }
  out.slices = distribution_of(slices);
  out.peer_gaps = distribution_of(peer_gaps);
  out.lost = lost_time_of(attribution);
  out.lost.involuntary_switches = crew.counts.involuntary;
  out.lost.run_delay_ns = crew.counts.run_delay_ns;
  out.lost.steal_ns = crew.steal_ns;
  out.advertised_ns = static_cast<double>(records.slot[0].advertised_ns);
  out.window_ns = static_cast<double>(attribution.window_ns);
  out.loop_step_ns = busy / static_cast<double>(reads);
  // The threshold must stay far above the loop's own step, or a slow read would count as a stop.
  if (out.loop_step_ns * 100 > static_cast<double>(kPreemptionGapNs))
    out.error = fmt::format("the loop's step ({:.0f} ns) is too close to the gap threshold ({} ns)", out.loop_step_ns,
                            kPreemptionGapNs);
}

}  // namespace

TimesliceResult measure_timeslices(const TimesliceConfig& config) {
  TimesliceResult out;
  const auto placement = crew_placement(config.tasks, out.error);
  if (!placement) return out;

  SharedBlock<TimesliceRecords> records(config.kind == TaskKind::process);

  const bool use_tsc = counter_constant_rate();
  const TscNs tsc;  // calibrated here (once per process), never inside the window
  const auto body = [&](int index, std::uint64_t end_ns) {
    TimesliceRecord& rec = records->slot[static_cast<std::size_t>(index)];
    // What the kernel advertises for this task's own policy: the RR quantum for SCHED_RR; for
    // SCHED_OTHER the fair class's slice, rounded to jiffies. Before the first read, so outside
    // the task's timeline.
    timespec ts{};
    if (sched_rr_get_interval(0, &ts) == 0) rec.advertised_ns = ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
    if (use_tsc) {
      observe_until(rec.timeline, tsc, end_ns);
    } else {
      observe_until(rec.timeline, MonotonicNs{}, end_ns);
    }
  };

  CrewPlan plan;
  plan.tasks = config.tasks;
  plan.kind = config.kind;
  plan.policy = config.policy;
  plan.cpu = placement->measuring;
  plan.window_ns = config.window_ns;
  const CrewResult crew = run_crew(plan, body);
  if (!crew.error.empty()) {
    out.error = crew.error;
    return out;
  }

  attribute_timeslices(*records, config.tasks, crew, out);
  return out;
}

}  // namespace bench_switch
