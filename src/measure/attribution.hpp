// Who took the time a worker lost. Several workers pinned to one CPU each record the gaps in their
// own clock reads (GapDetector); merged, their timelines say for every gap whether another worker
// ran in it (a peer: a real handoff) or nobody did (outside: an interrupt, the host, a throttle or
// the fair server). Pure: the caller hands in the recorded gaps, so a test can hand in a synthetic
// timeline.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "measure/timeline.hpp"

namespace bench_switch {

// One worker's timeline: its first and last clock read, and its gaps in order, all within them.
// Its runs are the complement: first read to the first gap, gap to gap, the last gap to the last read.
struct WorkerTimeline {
  std::uint64_t first_ns = 0;
  std::uint64_t last_ns = 0;
  std::vector<Gap> gaps;
};

WorkerTimeline timeline_of(const GapDetector& detector);  // a detector that has read at least once

// One gap, split: the part in which some other worker ran, and the part in which none did.
// peer_ns + outside_ns is the gap's length.
struct GapShare {
  std::uint64_t peer_ns = 0;
  std::uint64_t outside_ns = 0;
};

struct Attribution {
  std::vector<std::vector<GapShare>> gaps;  // [worker][gap], in the input's order
  std::uint64_t window_ns = 0;              // the earliest first read to the latest last read
  std::uint64_t peer_gaps = 0;              // gaps in which another worker ran (handoffs)
  std::uint64_t outside_gaps = 0;           // gaps in which no other worker ran at all
  // The merged timeline's holes: time in the window in which no worker ran, each instant counted
  // once (a hole lies in the gaps of every worker at once). Includes the switches of handoffs.
  std::uint64_t outside_ns = 0;
  std::uint64_t outside_stretches = 0;  // maximal holes
  std::uint64_t outside_max_ns = 0;     // the longest hole
  double outside_share() const {
    return window_ns ? static_cast<double>(outside_ns) / static_cast<double>(window_ns) : 0.0;
  }
};

// A window's lost time as the merged timeline and the kernel saw it: reported beside every figure
// that rests on the attribution, so a reader can see how much the machine took on its own.
struct LostTime {
  std::uint64_t window_ns = 0;
  std::uint64_t peer_gaps = 0, outside_gaps = 0;
  std::uint64_t outside_ns = 0, outside_stretches = 0, outside_max_ns = 0;
  std::uint64_t involuntary_switches = 0;  // the kernel's count, all workers
  std::uint64_t run_delay_ns = 0;          // schedstat run_delay, all workers
  std::optional<std::uint64_t> steal_ns;   // /proc/stat steal of the CPU, when readable
  double outside_share() const {
    return window_ns ? static_cast<double>(outside_ns) / static_cast<double>(window_ns) : 0.0;
  }
  // Several windows together: sums, and the longest hole of any.
  LostTime& operator+=(const LostTime& other);
};
struct Attribution;
LostTime lost_time_of(const Attribution& a);  // the timeline's part; the caller adds the kernel's

// Workers must share one CPU (their runs then never overlap; where they would, the time counts once).
Attribution attribute(const std::vector<WorkerTimeline>& workers);

// A worker's slices: its runs between two consecutive peer handoffs. Outside gaps inside a slice
// do not end it; their time is taken out of the slice (it is time the worker did not run) and
// reported apart. The run before the first peer gap and after the last are cut by the window.
struct HandoffSlices {
  std::vector<double> slices_ns;      // run time between two peer gaps, outside gaps inside excluded
  std::vector<double> peer_gaps_ns;   // the lengths of the peer gaps
  std::uint64_t outside_gaps_in_slices = 0;
  std::uint64_t outside_ns_in_slices = 0;
};
HandoffSlices slices_between_handoffs(const WorkerTimeline& worker, const std::vector<GapShare>& shares);

}  // namespace bench_switch
