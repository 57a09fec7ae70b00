// A task's own timeline, read as a tight loop of clock reads: where it stopped running (a gap),
// and for how long it ran between two stops (a slice). Pure: no clock, no kernel; the caller feeds
// the timestamps, so a test can feed a synthetic timeline.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace bench_switch {

// The linear-interpolation percentile (numpy's default): q in [0, 1], q = 0.5 is the median; the
// value at rank q·(n−1) of the sorted values, interpolated between the two neighbouring ranks.
// NaN for no values.
double percentile(std::vector<double> values, double q);

// What the families report of a set of durations: how many, and where the middle and the tails lie.
struct Distribution {
  std::size_t count = 0;
  double p10 = 0, median = 0, p90 = 0;  // NaN when count == 0
};
Distribution distribution_of(const std::vector<double>& values);

// A gap larger than this in a CPU-bound loop that does nothing but read the clock is a preemption.
// 200 µs lies above everything that stops the loop without taking the CPU away from the task, and
// well below any slice a scheduler gives a CPU-bound task, so the count does not depend on where
// between the two the threshold lies:
//  - the loop's own step is about 20 ns; a timer tick or device interrupt with its softirq takes
//    10-50 µs on the reference VM (VM exits included), and the longest seen there in 2 s of an RR
//    task alone on its CPU, where nothing can preempt it, was just under 100 µs (50 µs, the first
//    choice, cut RR slices in pieces at those stops: the kernel had counted no switch there);
//  - a preempted task's gap is at least one slice of another CPU-bound task: EEVDF's base slice
//    and CFS's minimal granularity are at least 0.75 ms by default, and a tick (1-10 ms) ends most.
inline constexpr std::uint64_t kPreemptionGapNs = 200'000;

// One stop in a timeline: the last clock read before it and the first after it.
struct Gap {
  std::uint64_t from_ns;
  std::uint64_t to_ns;
};

// The runs and gaps of one timeline of what the detector saw, in ns.
struct TimelineSummary {
  std::vector<double> gaps_ns;    // every gap
  std::vector<double> slices_ns;  // every run that lies between two gaps (see GapDetector)
  std::uint64_t reads = 0;        // timestamps observed
  double span_ns = 0;             // last timestamp − first
  double busy_ns = 0;             // span − the gaps: the time the loop ran
  std::size_t dropped = 0;        // gaps beyond the capacity, not recorded (the summary is then incomplete)
  // Mean time between two reads while running: busy / reads (the loop's resolution).
  double step_ns() const { return reads > 1 ? busy_ns / static_cast<double>(reads - 1) : 0; }
};

// Finds the gaps in a non-decreasing stream of timestamps. Fixed capacity and no allocation, and
// trivially destructible, so it can live in MAP_SHARED memory that a forked child writes and its
// parent reads. observe() is inline and does one compare per timestamp, so it adds only a
// predicted branch to the loop that feeds it.
//
// A slice is the run between two consecutive gaps. The run before the first gap and the one after
// the last are cut by the start and the end of the observation, so they are not slices.
class GapDetector {
 public:
  static constexpr std::size_t kCapacity = 16384;  // a 3 s timeline cannot hold more gaps of 200 µs

  explicit GapDetector(std::uint64_t threshold_ns = kPreemptionGapNs) : threshold_ns_(threshold_ns) {}

  void observe(std::uint64_t t_ns) {
    if (reads_ == 0) {
      first_ns_ = t_ns;
    } else if (t_ns - last_ns_ > threshold_ns_) {
      record(t_ns);
    }
    last_ns_ = t_ns;
    ++reads_;
  }

  // Writes every slot once, from the task that will record: with a fine threshold, a page fault
  // taken while recording a gap (a few µs) would itself read as the next gap.
  void prefault() { gaps_.fill(Gap{0, 0}); }

  TimelineSummary summary() const;
  std::uint64_t first_ns() const { return first_ns_; }
  std::uint64_t last_ns() const { return last_ns_; }
  std::uint64_t reads() const { return reads_; }
  std::size_t gap_count() const { return count_; }
  std::vector<Gap> gaps() const { return {gaps_.begin(), gaps_.begin() + static_cast<std::ptrdiff_t>(count_)}; }

 private:
  void record(std::uint64_t t_ns) {
    if (count_ < kCapacity) {
      gaps_[count_++] = Gap{last_ns_, t_ns};
    } else {
      ++dropped_;
    }
  }

  std::uint64_t threshold_ns_;
  std::uint64_t first_ns_ = 0, last_ns_ = 0, reads_ = 0;
  std::size_t count_ = 0, dropped_ = 0;
  // Not initialised: a fresh mapping is zero anyway, and 256 KB a task need not be touched up front.
  std::array<Gap, kCapacity> gaps_;
};

}  // namespace bench_switch
