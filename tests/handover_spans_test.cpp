// Span extraction and attribution on synthetic merged timelines (family involuntary_switch): K
// tasks handing over; a lone task and its ticks; an interrupt inside a handover; the host taking
// the CPU; a clock read that jumps; a task that never ran. No clock, no kernel: timings are made up.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "experiments/involuntary_switch.hpp"
#include "experiments/involuntary_switch_refill.hpp"
#include "measure/handover_spans.hpp"
#include "measure/kernel_counters.hpp"

namespace bench_switch {
namespace {

constexpr std::uint64_t kTickNs = 4'000'000;  // HZ = 250
constexpr std::uint64_t kUs = 1'000;

// K tasks taking turns on one CPU: task i runs the i-th slice of each round, one tick long; the
// handover from one to the next takes `handover_ns`, beginning at the tick. The first task starts
// at 0; the others' first reads are their first slices.
std::vector<TaskTimeline> round_robin(int tasks, int rounds, std::uint64_t handover_ns) {
  std::vector<TaskTimeline> out(static_cast<std::size_t>(tasks));
  std::vector<std::uint64_t> last_end(static_cast<std::size_t>(tasks), 0);
  std::uint64_t begin = 0;
  for (int slice = 0; slice < tasks * rounds; ++slice) {
    const auto i = static_cast<std::size_t>(slice % tasks);
    const std::uint64_t end = static_cast<std::uint64_t>(slice + 1) * kTickNs;  // stopped by the tick
    TaskTimeline& t = out[i];
    if (t.reads == 0) {
      t.timeline.first_ns = begin;
    } else {
      t.timeline.gaps.push_back({last_end[i], begin});
    }
    t.reads += 1000;
    t.timeline.last_ns = end;
    last_end[i] = end;
    begin = end + handover_ns;
  }
  return out;
}

TEST(HandoverSpans, KTasksGiveOneHandoverPerSwitchBetweenTasks) {
  for (const int k : {2, 4, 8}) {
    const SpanScan scan = scan_spans(round_robin(k, 5, 30 * kUs));
    ASSERT_EQ(scan.clock_faults, 0u);
    EXPECT_EQ(scan.overlaps, 0u);
    EXPECT_EQ(scan.never_ran, 0u);
    // k·5 slices, k·5 − 1 spans between them: k − 1 end at a task's first read (its start), the
    // last k − 1 begin at a task's last read (it left its loop), the rest are handovers.
    EXPECT_EQ(count_spans(scan, SpanKind::start), static_cast<std::size_t>(k - 1));
    EXPECT_EQ(count_spans(scan, SpanKind::end), static_cast<std::size_t>(k - 1));
    const std::vector<double> handovers = span_lengths(scan, SpanKind::handover);
    EXPECT_EQ(handovers.size(), static_cast<std::size_t>(k * 5 - 1 - 2 * (k - 1)));
    for (const double h : handovers) EXPECT_DOUBLE_EQ(h, 30e3);
    EXPECT_EQ(count_spans(scan, SpanKind::same_task), 0u);

    const HandoverResult r = handovers_of(scan, static_cast<double>(kTickNs));
    ASSERT_EQ(r.error, "");
    EXPECT_EQ(r.handovers.count, handovers.size());
    EXPECT_EQ(r.handovers_at_tick, handovers.size()) << "every handover began at the tick";
    EXPECT_DOUBLE_EQ(r.handovers.p50, 30e3);
  }
}

// A lone task stopped by every tick for 5 µs, plus stops off the tick's phase.
TaskTimeline lone_task(int ticks, const std::vector<Gap>& extra) {
  TaskTimeline t;
  t.reads = 100000;
  t.timeline.first_ns = 1000;
  for (int i = 1; i <= ticks; ++i) {
    const std::uint64_t at = static_cast<std::uint64_t>(i) * kTickNs + 300 * kUs;  // the tick's phase: 300 µs
    for (const Gap& g : extra)
      if (g.from_ns < at && g.from_ns > at - kTickNs) t.timeline.gaps.push_back(g);
    t.timeline.gaps.push_back({at, at + 5 * kUs});
  }
  t.timeline.last_ns = static_cast<std::uint64_t>(ticks + 1) * kTickNs;
  return t;
}

TEST(HandoverSpans, ALoneTaskHasNoHandoverAndItsTicksAreFound) {
  const std::vector<Gap> off_tick = {{2 * kTickNs + 1900 * kUs, 2 * kTickNs + 1902 * kUs},
                                     {5 * kTickNs + 3100 * kUs, 5 * kTickNs + 3101 * kUs}};
  const SpanScan scan = scan_spans({lone_task(20, off_tick)});
  EXPECT_EQ(count_spans(scan, SpanKind::handover), 0u);
  EXPECT_EQ(count_spans(scan, SpanKind::same_task), 22u);
  const HandoverResult r = handovers_of(scan, static_cast<double>(kTickNs));
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.handovers.count, 0u);
  EXPECT_EQ(r.ticks.count, 20u);
  EXPECT_EQ(r.same_task_off_tick, 2u);
  EXPECT_DOUBLE_EQ(r.same_task_off_tick_ns, 3e3);
  EXPECT_DOUBLE_EQ(r.ticks.p50, 5e3);
  EXPECT_NEAR(r.tick.phase_ns, 300e3, kTickToleranceNs);
}

TEST(HandoverSpans, AnInterruptInsideAHandoverIsPartOfItNotASeparateSpan) {
  // Two tasks in turns, each handover 40 µs from the tick: the tick's interrupt, the scheduler and
  // the switch, with no read among them, are one span. Task 0 is also interrupted 100 µs before
  // the tick that ends its second slice, and resumes after 5 µs: a same-task span of its own,
  // off the tick, and the handover that follows is still one span of 40 µs at the tick.
  std::vector<TaskTimeline> tasks = round_robin(2, 6, 40 * kUs);
  auto& gaps = tasks[0].timeline.gaps;
  const std::uint64_t tick = 3 * kTickNs;  // task 0's second slice ends here
  gaps.insert(gaps.begin() + 1, Gap{tick - 100 * kUs, tick - 95 * kUs});
  SpanScan scan = scan_spans(tasks);
  const HandoverResult r = handovers_of(scan, static_cast<double>(kTickNs));
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.handovers.count, 12u - 1 - 2);
  EXPECT_EQ(r.handovers_at_tick, r.handovers.count);
  EXPECT_DOUBLE_EQ(r.handovers.p99, 40e3);
  EXPECT_EQ(r.same_task_off_tick, 1u);
  EXPECT_DOUBLE_EQ(r.same_task_off_tick_ns, 5e3);
  mark_ticks(scan, static_cast<double>(kTickNs), kTickToleranceNs);
  bool seen = false;
  for (const Span& s : scan.spans) {
    if (s.from_ns != tick) continue;
    seen = true;
    EXPECT_EQ(s.kind, SpanKind::handover);
    EXPECT_TRUE(s.at_tick);
    EXPECT_EQ(s.before, 0);
    EXPECT_EQ(s.after, 1);
    EXPECT_DOUBLE_EQ(s.ns(), 40e3);
  }
  EXPECT_TRUE(seen);
}

TEST(HandoverSpans, TheHostTakingTheCpuIsNotAHandover) {
  // Two tasks; while task 0 runs, the host takes the vCPU for 3 ms: no task reads, and task 0 is
  // the next to read. A same-task span off the tick, however long: never a handover.
  std::vector<TaskTimeline> tasks = round_robin(2, 4, 30 * kUs);
  auto& gaps = tasks[0].timeline.gaps;  // task 0's second slice runs from 8.03 to 12 ms
  gaps.insert(gaps.begin() + 1, Gap{2 * kTickNs + 500 * kUs, 2 * kTickNs + 3500 * kUs});
  const SpanScan before = scan_spans(round_robin(2, 4, 30 * kUs));
  SpanScan scan = scan_spans(tasks);
  EXPECT_EQ(count_spans(scan, SpanKind::handover), count_spans(before, SpanKind::handover));
  const std::vector<double> same = span_lengths(scan, SpanKind::same_task);
  ASSERT_EQ(same.size(), 1u);
  EXPECT_EQ(same[0], 3e6);
  const HandoverResult r = handovers_of(scan, static_cast<double>(kTickNs));
  EXPECT_EQ(r.long_same_task, 1u) << "over 200 µs: the host or another task, counted apart";
  EXPECT_EQ(r.same_task_off_tick, 0u);
  EXPECT_EQ(r.handovers.p99, 30e3) << "the host's 3 ms stay out of the handovers";
}

TEST(HandoverSpans, ATaskOutsideTheCrewInsideAHandoverIsCountedApart) {
  // A third task, not of the crew, runs 4 ms between task 0 and task 1: the span is a handover by
  // who read before and after, but it holds another task's slice, not one switch.
  std::vector<TaskTimeline> tasks(2);
  for (std::uint64_t slice = 0; slice < 8; ++slice) {
    TaskTimeline& t = tasks[slice % 2];
    const std::uint64_t begin = slice * (2 * kTickNs + 30 * kUs), end = begin + kTickNs;
    if (t.reads == 0) t.timeline.first_ns = begin;
    else t.timeline.gaps.push_back({t.timeline.last_ns, begin});
    t.reads += 1000;
    t.timeline.last_ns = end;
  }
  const HandoverResult r = handovers_of(scan_spans(tasks), static_cast<double>(kTickNs));
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.handovers.count, 0u);
  EXPECT_EQ(r.long_handovers, 8u - 1 - 2) << "every span between two slices but the start and the end";
}

TEST(HandoverSpans, AClockReadThatJumpsBackIsAFaultNotASpan) {
  std::vector<TaskTimeline> tasks = round_robin(2, 3, 30 * kUs);
  tasks[1].timeline.gaps.push_back({tasks[1].timeline.last_ns + 5, tasks[1].timeline.last_ns - 1000});
  const SpanScan scan = scan_spans(tasks);
  EXPECT_EQ(scan.clock_faults, 1u);
  EXPECT_TRUE(scan.spans.empty());
  EXPECT_NE(handovers_of(scan, static_cast<double>(kTickNs)).error, "");
}

TEST(HandoverSpans, AClockReadThatJumpsForwardIsTakenTimeNotAHandover) {
  // One read 1 s ahead in task 0's run: a 1 s same-task span (the reader cannot tell a jump from
  // the host), and the handovers stay as they were.
  std::vector<TaskTimeline> tasks = round_robin(2, 3, 30 * kUs);
  const std::size_t handovers = count_spans(scan_spans(tasks), SpanKind::handover);
  for (TaskTimeline& t : tasks) {
    for (Gap& g : t.timeline.gaps) g.from_ns += 1'000'000'000, g.to_ns += 1'000'000'000;
    t.timeline.last_ns += 1'000'000'000;
    if (t.timeline.first_ns > 0) t.timeline.first_ns += 1'000'000'000;
  }
  tasks[0].timeline.gaps.insert(tasks[0].timeline.gaps.begin(), Gap{kTickNs / 2, kTickNs / 2 + 1'000'000'000});
  const SpanScan scan = scan_spans(tasks);
  ASSERT_EQ(scan.clock_faults, 0u);
  EXPECT_EQ(count_spans(scan, SpanKind::handover), handovers);
  EXPECT_EQ(span_lengths(scan, SpanKind::same_task), std::vector<double>{1e9});
}

TEST(HandoverSpans, ATaskThatNeverRanIsReportedAndRefused) {
  std::vector<TaskTimeline> tasks = round_robin(2, 3, 30 * kUs);
  tasks.push_back(TaskTimeline{});
  const SpanScan scan = scan_spans(tasks);
  EXPECT_EQ(scan.never_ran, 1u);
  EXPECT_EQ(handovers_of(scan, static_cast<double>(kTickNs)).error.rfind("skipped:", 0), 0u);
}

TEST(HandoverSpans, OverlappingRunsMeanTheTasksDidNotShareACpu) {
  std::vector<TaskTimeline> tasks(2);
  tasks[0] = {10, {0, 1000, {}}};
  tasks[1] = {10, {500, 1500, {}}};
  const SpanScan scan = scan_spans(tasks);
  EXPECT_EQ(scan.overlaps, 1u);
  EXPECT_NE(handovers_of(scan, static_cast<double>(kTickNs)).error, "");
}

TEST(TickGrid, FindsThePhaseAcrossTheWrapAndIgnoresNoise) {
  std::vector<std::uint64_t> starts;
  for (std::uint64_t i = 0; i < 40; ++i) starts.push_back(i * kTickNs + (i % 2 ? 3'999'995 : 5));  // ±5 ns around 0
  starts.push_back(7 * kTickNs + 2'000'000);
  starts.push_back(9 * kTickNs + 1'000'000);
  const TickGrid grid = find_tick_grid(starts, static_cast<double>(kTickNs), 20e3);
  ASSERT_TRUE(grid.valid());
  EXPECT_EQ(grid.on_grid, 40u);
  EXPECT_TRUE(grid.at(100 * kTickNs));
  EXPECT_FALSE(grid.at(100 * kTickNs + 2'000'000));
  EXPECT_FALSE(find_tick_grid({1, 2}, static_cast<double>(kTickNs), 20e3).valid()) << "too few starts";
  EXPECT_FALSE(find_tick_grid(starts, 0, 20e3).valid()) << "no period";
}

TEST(InterruptCounts, ReadsOneCpusColumnTimerApart) {
  const std::string text =
      "           CPU0       CPU1       \n"
      " 36:          0      84239 PCI-MSIX-0000:00:02.0   1-edge      virtio1-req.0\n"
      "LOC:      49574      56932   Local timer interrupts\n"
      "RES:      17616      10331   Rescheduling interrupts\n"
      "ERR:          0\n";
  const auto c1 = interrupt_counts(text, 1);
  ASSERT_TRUE(c1.has_value());
  EXPECT_EQ(c1->timer, 56932u);
  EXPECT_EQ(c1->other, 84239u + 10331u);
  const auto c0 = interrupt_counts(text, 0);
  ASSERT_TRUE(c0.has_value());
  EXPECT_EQ(c0->timer, 49574u);
  EXPECT_EQ(c0->other, 17616u);
  EXPECT_FALSE(interrupt_counts(text, 2).has_value());
  EXPECT_FALSE(interrupt_counts("", 0).has_value());
}

TEST(Refill, ExcessIsTheFirstPassAfterAResumptionLessASteadyPass) {
  // Two walkers in turns; each resumption's first pass took 900 ns over 100 hops at a steady
  // 5 ns a hop: 400 ns of excess per handover. The tasks' starts give no sample.
  std::vector<WalkTimeline> walks;
  for (const TaskTimeline& t : round_robin(2, 4, 30 * kUs))
    walks.push_back({t, std::vector<std::uint64_t>(t.timeline.gaps.size(), 900), 5.0});
  std::size_t resumptions = 0;
  const std::vector<double> excess = refill_excess(walks, 100, static_cast<double>(kTickNs), true, resumptions);
  EXPECT_EQ(resumptions, 8u - 1 - 2);
  EXPECT_EQ(excess, std::vector<double>(resumptions, 400.0));
  // A resumption whose pass a preemption cut (0) is counted, with no sample.
  walks[0].first_pass_ns[0] = 0;
  EXPECT_EQ(refill_excess(walks, 100, static_cast<double>(kTickNs), true, resumptions).size(), resumptions - 1);
  // The control: a lone walker's samples are its resumptions at the tick, not off it.
  WalkTimeline lone{lone_task(10, {{3 * kTickNs + 1000 * kUs, 3 * kTickNs + 1010 * kUs}}), {}, 5.0};
  lone.first_pass_ns.assign(lone.task.timeline.gaps.size(), 600);
  const std::vector<double> control = refill_excess({lone}, 100, static_cast<double>(kTickNs), false, resumptions);
  EXPECT_EQ(resumptions, 10u);
  EXPECT_EQ(control, std::vector<double>(10, 100.0));
}

}  // namespace
}  // namespace bench_switch
