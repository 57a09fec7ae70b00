#include "measure/attribution.hpp"

#include <algorithm>
#include <utility>

namespace bench_switch {
namespace {

using Interval = std::pair<std::uint64_t, std::uint64_t>;  // [begin, end)

std::vector<Interval> runs_of(const WorkerTimeline& w) {
  std::vector<Interval> runs;
  std::uint64_t begin = w.first_ns;
  for (const Gap& g : w.gaps) {
    runs.emplace_back(begin, g.from_ns);
    begin = g.to_ns;
  }
  runs.emplace_back(begin, w.last_ns);
  return runs;
}

// Sorted, with overlapping or touching intervals joined.
std::vector<Interval> union_of(std::vector<Interval> v) {
  std::sort(v.begin(), v.end());
  std::vector<Interval> out;
  for (const Interval& i : v) {
    if (!out.empty() && i.first <= out.back().second) {
      out.back().second = std::max(out.back().second, i.second);
    } else {
      out.push_back(i);
    }
  }
  return out;
}

// How much of `x` the sorted, disjoint `runs` cover. `cursor` carries the sweep from one call to
// the next: the gaps of one worker come in order, so runs that end before one gap end before the next.
std::uint64_t covered(const std::vector<Interval>& runs, const Interval& x, std::size_t& cursor) {
  while (cursor < runs.size() && runs[cursor].second <= x.first) ++cursor;
  std::uint64_t sum = 0;
  for (std::size_t i = cursor; i < runs.size() && runs[i].first < x.second; ++i)
    sum += std::min(runs[i].second, x.second) - std::max(runs[i].first, x.first);
  return sum;
}

}  // namespace

Attribution attribute(const std::vector<WorkerTimeline>& workers) {
  Attribution out;
  if (workers.empty()) return out;
  std::vector<std::vector<Interval>> runs;
  for (const WorkerTimeline& w : workers) runs.push_back(runs_of(w));

  for (std::size_t w = 0; w < workers.size(); ++w) {
    std::vector<Interval> others;
    for (std::size_t o = 0; o < workers.size(); ++o)
      if (o != w) others.insert(others.end(), runs[o].begin(), runs[o].end());
    const std::vector<Interval> peers = union_of(std::move(others));
    std::vector<GapShare>& shares = out.gaps.emplace_back();
    std::size_t cursor = 0;
    for (const Gap& g : workers[w].gaps) {
      const std::uint64_t peer = covered(peers, {g.from_ns, g.to_ns}, cursor);
      shares.push_back({peer, (g.to_ns - g.from_ns) - peer});
      ++(peer > 0 ? out.peer_gaps : out.outside_gaps);
    }
  }

  std::vector<Interval> all;
  for (const auto& r : runs) all.insert(all.end(), r.begin(), r.end());
  const std::vector<Interval> busy = union_of(std::move(all));
  // The window opens with the first read and closes with the last, so the union begins and ends
  // it, and every hole lies between two of its intervals.
  out.window_ns = busy.back().second - busy.front().first;
  for (std::size_t i = 1; i < busy.size(); ++i) {
    const std::uint64_t hole = busy[i].first - busy[i - 1].second;
    out.outside_ns += hole;
    ++out.outside_stretches;
    out.outside_max_ns = std::max(out.outside_max_ns, hole);
  }
  return out;
}

LostTime& LostTime::operator+=(const LostTime& o) {
  if (window_ns == 0) return *this = o;  // the first window: its steal, readable or not, stands
  window_ns += o.window_ns;
  peer_gaps += o.peer_gaps;
  outside_gaps += o.outside_gaps;
  outside_ns += o.outside_ns;
  outside_stretches += o.outside_stretches;
  outside_max_ns = std::max(outside_max_ns, o.outside_max_ns);
  involuntary_switches += o.involuntary_switches;
  run_delay_ns += o.run_delay_ns;
  steal_ns = steal_ns && o.steal_ns ? std::optional<std::uint64_t>(*steal_ns + *o.steal_ns) : std::nullopt;
  return *this;
}

WorkerTimeline timeline_of(const GapDetector& detector) {
  return {detector.first_ns(), detector.last_ns(), detector.gaps()};
}

LostTime lost_time_of(const Attribution& a) {
  LostTime t;
  t.window_ns = a.window_ns;
  t.peer_gaps = a.peer_gaps;
  t.outside_gaps = a.outside_gaps;
  t.outside_ns = a.outside_ns;
  t.outside_stretches = a.outside_stretches;
  t.outside_max_ns = a.outside_max_ns;
  return t;
}

HandoffSlices slices_between_handoffs(const WorkerTimeline& worker, const std::vector<GapShare>& shares) {
  HandoffSlices out;
  bool open = false;  // a peer gap has ended and the worker runs: a slice has begun
  std::uint64_t begin = 0, outside_inside = 0;
  for (std::size_t i = 0; i < worker.gaps.size() && i < shares.size(); ++i) {
    const Gap& g = worker.gaps[i];
    if (shares[i].peer_ns == 0) {
      if (open) {
        outside_inside += g.to_ns - g.from_ns;
        ++out.outside_gaps_in_slices;
      }
      continue;
    }
    out.peer_gaps_ns.push_back(static_cast<double>(g.to_ns - g.from_ns));
    if (open) {
      out.slices_ns.push_back(static_cast<double>(g.from_ns - begin - outside_inside));
      out.outside_ns_in_slices += outside_inside;
    }
    open = true;
    begin = g.to_ns;
    outside_inside = 0;
  }
  return out;
}

}  // namespace bench_switch
