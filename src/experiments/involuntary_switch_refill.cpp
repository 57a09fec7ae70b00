#include "experiments/involuntary_switch_refill.hpp"

#include <sys/mman.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <random>

#include "experiments/involuntary_switch.hpp"
#include "measure/loop_clock.hpp"
#include "measure/timeline.hpp"
#include "mechanisms/shared_block.hpp"

namespace bench_switch {
namespace {

constexpr std::size_t kRefillLineBytes = 64;

// One task's record, in MAP_SHARED memory for processes.
struct WalkSlot {
  GapDetector timeline{kRefillGapNs};
  std::array<std::uint64_t, GapDetector::kCapacity> first_pass_ns;  // zero in a fresh mapping
  std::uint64_t steady_ns = 0, steady_hops = 0;
  int failed = 0;  // the working set could not be mapped
};
struct WalkRecords {
  WalkRecords() {}  // fresh mapping: zero; only the detectors' counters are written
  std::array<WalkSlot, kMaxCrew> slot;
};

// The working set: `lines` cache lines, each holding the index of the next in one random cycle
// (Sattolo's shuffle), mapped and first touched by the task that walks it.
class RefillChain {
 public:
  RefillChain(std::size_t bytes, unsigned seed) : lines_(bytes / kRefillLineBytes) {
    void* m = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return;
    base_ = static_cast<unsigned char*>(m);
    std::vector<std::uint32_t> order(lines_);
    for (std::uint32_t i = 0; i < lines_; ++i) order[i] = i;
    std::minstd_rand rng(seed);
    for (std::size_t i = lines_ - 1; i > 0; --i) std::swap(order[i], order[rng() % i]);
    for (std::size_t i = 0; i < lines_; ++i) next(order[i]) = order[(i + 1) % lines_];
  }
  ~RefillChain() {
    if (base_) munmap(base_, lines_ * kRefillLineBytes);
  }
  RefillChain(const RefillChain&) = delete;
  RefillChain& operator=(const RefillChain&) = delete;
  bool ok() const { return base_ != nullptr; }
  std::uint32_t walk(std::uint32_t at, std::uint64_t hops) {
    for (std::uint64_t h = 0; h < hops; ++h) at = next(at);
    // Nothing else reads where the walk ended: without this the compiler drops the loads.
    asm volatile("" : "+r"(at));
    return at;
  }

 private:
  std::uint32_t& next(std::uint32_t line) { return *reinterpret_cast<std::uint32_t*>(base_ + line * kRefillLineBytes); }
  std::size_t lines_;
  unsigned char* base_ = nullptr;
};

// The measured loop: a few hops, a clock read, the detector's compare. At each stop a pass opens
// (unless one is open and the stop is short: an interrupt inside a pass stays inside it; a
// preemption cuts it, and it is no sample); `pass_hops` hops later its time is kept under the
// stop's gap index. Hops outside a pass are the steady rate's.
template <class Clock>
std::uint32_t walk_until(WalkSlot& slot, RefillChain& chain, std::uint64_t pass_hops, const Clock& clock,
                         std::uint64_t end_ns) {
  GapDetector& d = slot.timeline;
  std::uint32_t at = 0;
  std::uint64_t last = clock(), from = 0, hops = 0;
  std::size_t open_gap = 0;
  bool open = false;
  d.observe(last);
  for (;;) {
    at = chain.walk(at, kRefillHopsPerRead);
    const std::uint64_t t = clock();
    const std::size_t gaps = d.gap_count();
    d.observe(t);
    if (d.gap_count() != gaps && (!open || t - last > kPreemptionGapNs)) {
      open = true, open_gap = gaps, from = t, hops = 0;
    } else if (open) {
      hops += kRefillHopsPerRead;
      if (hops >= pass_hops) slot.first_pass_ns[open_gap] = t - from, open = false;
    } else {
      slot.steady_ns += t - last, slot.steady_hops += kRefillHopsPerRead;
    }
    last = t;
    if (t >= end_ns) return at;
  }
}

// Spans by the task and the time they end: the stop that each gap of a task closes.
const Span* span_ending(const SpanScan& scan, int task, std::uint64_t to_ns) {
  const auto it = std::lower_bound(scan.spans.begin(), scan.spans.end(), to_ns,
                                   [](const Span& s, std::uint64_t t) { return s.to_ns < t; });
  return it != scan.spans.end() && it->to_ns == to_ns && it->after == task ? &*it : nullptr;
}

}  // namespace

std::vector<double> refill_excess(const std::vector<WalkTimeline>& walks, std::uint64_t pass_hops, double tick_period_ns,
                                  bool after_handover, std::size_t& resumptions) {
  std::vector<TaskTimeline> tasks;
  for (const WalkTimeline& w : walks) tasks.push_back(w.task);
  SpanScan scan = scan_spans(tasks);
  mark_ticks(scan, tick_period_ns, kTickToleranceNs);
  std::vector<double> out;
  resumptions = 0;
  for (std::size_t i = 0; i < walks.size(); ++i) {
    const auto& gaps = walks[i].task.timeline.gaps;
    for (std::size_t g = 0; g < gaps.size(); ++g) {
      const Span* s = span_ending(scan, static_cast<int>(i), gaps[g].to_ns);
      // As for the direct cost: a span over 200 µs holds another task's run (its working set too).
      const bool wanted = s && s->ns() <= static_cast<double>(kPreemptionGapNs) &&
                          (after_handover ? s->kind == SpanKind::handover : s->kind == SpanKind::same_task && s->at_tick);
      if (!wanted) continue;
      ++resumptions;
      const std::uint64_t pass = g < walks[i].first_pass_ns.size() ? walks[i].first_pass_ns[g] : 0;
      // A task that never walked at its steady rate (every pass cut) has nothing to compare with.
      if (pass > 0 && walks[i].steady_ns_per_hop > 0) out.push_back(static_cast<double>(pass) - walks[i].steady_ns_per_hop * static_cast<double>(pass_hops));
    }
  }
  return out;
}

RefillResult measure_refill(const RefillConfig& config) {
  RefillResult out;
  const auto placement = crew_placement(config.tasks, out.error);
  if (!placement) return out;
  if (config.bytes < 4 * kRefillLineBytes || (config.bytes & (config.bytes - 1)) != 0)
    return out.error = fmt::format("a working set is a power of two of at least 256 bytes, not {}", config.bytes), out;
  const std::uint64_t lines = config.bytes / kRefillLineBytes;
  const std::uint64_t pass_hops = (lines + kRefillHopsPerRead - 1) / kRefillHopsPerRead * kRefillHopsPerRead;
  SharedBlock<WalkRecords> records(true);
  const bool use_tsc = counter_constant_rate();
  const TscNs tsc;
  const auto body = [&](int index, std::uint64_t end_ns) {
    WalkSlot& slot = records->slot[static_cast<std::size_t>(index)];
    RefillChain chain(config.bytes, 1u + static_cast<unsigned>(index));
    if (!chain.ok()) return void(slot.failed = 1);
    slot.timeline.prefault();
    chain.walk(0, 2 * lines);  // warm: the steady state is a working set that is in the caches
    if (use_tsc) {
      walk_until(slot, chain, pass_hops, tsc, end_ns);
    } else {
      walk_until(slot, chain, pass_hops, MonotonicNs{}, end_ns);
    }
  };
  const CrewPlan plan{config.tasks, TaskKind::process, SchedPolicy::normal, placement->measuring, config.window_ns};
  const CrewResult crew = run_crew(plan, body);
  if (!crew.error.empty()) return out.error = crew.error, out;

  std::vector<WalkTimeline> walks;
  std::vector<double> steady;
  double busy = 0, steps = 0;
  for (int i = 0; i < config.tasks; ++i) {
    const WalkSlot& slot = records->slot[static_cast<std::size_t>(i)];
    const TimelineSummary s = slot.timeline.summary();
    if (slot.failed) return out.error = "skipped: a working set could not be mapped", out;
    if (s.dropped) return out.error = "a task stopped too often; its timeline is incomplete", out;
    if (s.reads < 2) return out.error = "skipped: a task did not run in its window (other tasks held the CPU)", out;
    const double per_hop = slot.steady_hops ? static_cast<double>(slot.steady_ns) / static_cast<double>(slot.steady_hops) : 0;
    walks.push_back({{s.reads, timeline_of(slot.timeline)},
                     {slot.first_pass_ns.begin(), slot.first_pass_ns.begin() + static_cast<std::ptrdiff_t>(slot.timeline.gap_count())},
                     per_hop});
    if (per_hop > 0) steady.push_back(per_hop * static_cast<double>(pass_hops));
    busy += s.busy_ns, steps += static_cast<double>(s.reads - 1);
  }
  double period = config.tick_period_ns;
  if (!(period > 0) && crew.interrupts && crew.interrupts->timer > 0)
    period = config.window_ns / static_cast<double>(crew.interrupts->timer);
  const std::vector<double> excess = refill_excess(walks, pass_hops, period, config.tasks > 1, out.resumptions);
  out.samples = excess.size();
  out.excess_ns = median_interval(excess);
  out.steady_pass_ns = median_interval(steady).median;
  out.loop_step_ns = steps > 0 ? busy / steps : 0;
  out.counts = crew.counts;
  return out;
}

}  // namespace bench_switch
