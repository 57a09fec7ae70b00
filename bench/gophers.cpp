// Families `gophers` and `furnace` (src/experiments/gophers.hpp). real_time is ns per book: the
// pile's wall time over its books, so that the four ways, K and the Go rows (bench_go, the same
// pile) compare directly; a speedup is one gopher's figure over another way's (furnace_findings.cpp).
//   gophers: 1,000 books of 10 µs, a quarter of it at the furnace; threads unpinned (every CPU),
//            fibers on one thread pinned to one CPU; K = 2, 4, 8.
//   furnace: 1,000 books of 10 µs shared by 4 gophers on one CPU, the furnace's share of a book
//            0.1, 0.5, 0.9: threads behind a mutex or a spinning lock, fibers. Each pile lasts
//            15 ms or more, several scheduler ticks, so that the tick can land inside a hold.
#include <fmt/format.h>

#include <optional>

#include "experiments/gophers.hpp"
#include "measure/affinity.hpp"
#include "registry.hpp"

namespace bench_switch {
namespace {

constexpr double kGopherBookNs = 10'000;
constexpr std::uint64_t kGopherBooks = 1000, kFurnaceBooks = 1000;
constexpr int kFurnaceGophers = 4;
// Piles per repetition and repetitions, fixed (as fixed_budget fixes other families', but by
// count: Google Benchmark cannot take both a count and a minimum time). An iteration's time is per
// book (the pile's over its books), which Google Benchmark's sizing by time would take for a whole
// iteration's and run a thousand piles. In --quick too: a pile is the smallest unit.
constexpr benchmark::IterationCount kGopherPiles = 2;
constexpr int kGopherRepetitions = 3;

std::string gophers_broken(const GophersRun& r) {
  if (r.books_wrong != 0) return fmt::format("{} books were not burnt exactly once", r.books_wrong);
  if (r.furnace_violations != 0) return fmt::format("a furnace let two gophers in {} times", r.furnace_violations);
  return {};
}

// The per-book counters both families carry, from the calls' totals.
void per_book_counters(benchmark::State& state, const GophersRun& total, double books) {
  auto& c = state.counters;
  c["books"] = books;
  c["ns_per_book"] = total.elapsed_ns / books;
  c["kernel_switches_per_book"] = static_cast<double>(total.voluntary + total.involuntary) / books;
  c["involuntary_switches_per_book"] = static_cast<double>(total.involuntary) / books;
  c["cpu_utilisation"] = total.cpu_ns / total.elapsed_ns;
}

void add_run(GophersRun& total, const GophersRun& r) {
  total.elapsed_ns += r.elapsed_ns, total.cpu_ns += r.cpu_ns;
  total.voluntary += r.voluntary, total.involuntary += r.involuntary;
}

void BM_Gophers(benchmark::State& state, TaskKind task, GopherWay way, int k) {
  try {
    std::optional<ScopedPin> pin;
    if (task == TaskKind::fiber) {
      std::string why_not;
      const auto one = resolve_placement(PlacementKind::one_thread, why_not);
      if (!one) return skip(state, why_not);
      pin.emplace(one->measuring);
    }
    const BookWork work = book_work(kGopherBooks, kGopherBookNs, 0.25);
    GophersRun total;
    std::string why;
    double books = 0;
    for (auto _ : state) {
      const GophersRun r = burn_books(task, way, k, work);
      state.SetIterationTime(r.elapsed_ns * 1e-9 / static_cast<double>(work.books));
      add_run(total, r), books += static_cast<double>(work.books);
      if (why.empty()) why = gophers_broken(r);
    }
    if (!why.empty()) return state.SkipWithError(why.c_str());
    per_book_counters(state, total, books);
  } catch (const PinRefused& e) {
    skip(state, e.what());
  } catch (const std::exception& e) {  // gophers refused by a limit: a skip naming it; else a failure
    skip_if_refused(state, "a gopher", "gophers run failed", e);
  }
}

void BM_Furnace(benchmark::State& state, FurnaceLock lock, double share) {
  try {
    std::string why_not;
    const auto one = resolve_placement(PlacementKind::one_thread, why_not);
    if (!one) return skip(state, why_not);
    int cpu = 0;
    while (!CPU_ISSET(cpu, &one->measuring)) ++cpu;
    const BookWork work = book_work(kFurnaceBooks, kGopherBookNs, share);
    GophersRun total;
    double books = 0, preempted = 0, stall = 0, wait = 0, hold = 0, calls = 0;
    std::string why;
    for (auto _ : state) {
      const FurnaceMoment m = burn_on_one_cpu(lock, kFurnaceGophers, work, cpu);
      state.SetIterationTime(m.run.elapsed_ns * 1e-9 / static_cast<double>(work.books));
      add_run(total, m.run), books += static_cast<double>(work.books), ++calls;
      preempted += static_cast<double>(m.preempted_holds), stall += m.stall_ns, wait += m.wait_ns, hold += m.hold_median_ns;
      if (why.empty()) why = gophers_broken(m.run);
    }
    if (!why.empty()) return state.SkipWithError(why.c_str());
    per_book_counters(state, total, books);
    auto& c = state.counters;
    c["preempted_holds"] = preempted / calls;  // per pile
    c["preempted_holds_per_book"] = preempted / books;
    c["stall_ns_per_book"] = stall / books;
    c["stall_share"] = stall / total.elapsed_ns;  // of the wall time, the furnace held by a gopher off the CPU
    c["wait_ns_per_book"] = wait / books;
    c["hold_median_ns"] = hold / calls;
  } catch (const PinRefused& e) {
    skip(state, e.what());
  } catch (const std::exception& e) {
    skip_if_refused(state, "a gopher", "furnace run failed", e);
  }
}

void register_gopher_ways() {
  describe_family("gophers", {"ns per book: one pile burnt four ways (one gopher, K sharing a furnace, a 4-stage "
                              "pipeline, K with a furnace each)",
                              {{"kernel_switches_per_book", "ksw/book"}, {"cpu_utilisation", "CPUs"}}});
  for (const auto task : {TaskKind::thread, TaskKind::fiber}) {
    const bool threads = task == TaskKind::thread;
    for (const auto way : {GopherWay::one, GopherWay::shared, GopherWay::pipeline, GopherWay::independent}) {
      for (const int k : {2, 4, 8}) {
        const int gophers = way == GopherWay::one ? 1 : way == GopherWay::pipeline ? 4 : k;
        if ((way == GopherWay::one || way == GopherWay::pipeline) && k != 2) continue;  // K does not change them
        const std::string mechanism = fmt::format("{}_{}", threads ? "threads" : "fibers", gopher_way_name(way));
        const std::string name = fmt::format("gophers/{}/K:{}", mechanism, gophers);
        EntryFields fields{"gophers", mechanism, threads ? "preemptive" : "cooperative", std::string(to_string(task)),
                           threads ? "unpinned" : "one_thread",
                           "ns per book (1,000 books of 10 µs, a quarter at the furnace): the pile's wall time over its books",
                           {{"K", gophers}, {"book_ns", kGopherBookNs}, {"furnace_share", 0.25}}};
        add_benchmark(name, fields, [=](benchmark::State& s) { BM_Gophers(s, task, way, gophers); })
            ->Repetitions(kGopherRepetitions)
            ->Iterations(kGopherPiles);
        if (way == GopherWay::pipeline) mark_quick(name);
      }
    }
  }
}

void register_furnace() {
  describe_family("furnace", {"ns per book: 4 gophers sharing one furnace on one CPU; preemptions that landed while "
                              "a gopher held it, and the furnace's time lost to them",
                              {{"preempted_holds", "preempted holds"}, {"stall_share", "stalled"}}});
  struct Lock {
    const char* mechanism;
    FurnaceLock lock;
  };
  for (const Lock l : {Lock{"furnace_threads_mutex", FurnaceLock::mutex}, Lock{"furnace_threads_spin", FurnaceLock::spin},
                       Lock{"furnace_fibers", FurnaceLock::fiber}}) {
    const bool fibers = l.lock == FurnaceLock::fiber;
    for (const double share : {0.1, 0.5, 0.9}) {
      const std::string name = fmt::format("furnace/{}/share:{}", l.mechanism, share);
      EntryFields fields{"furnace", l.mechanism, fibers ? "cooperative" : "preemptive", fibers ? "fiber" : "thread",
                         fibers ? "one_thread" : "same_cpu",
                         "ns per book (1,000 books of 10 µs, 4 gophers on one CPU): the pile's wall time over its books",
                         {{"furnace_share", share}, {"K", kFurnaceGophers}}};
      add_benchmark(name, fields, [lock = l.lock, share](benchmark::State& s) { BM_Furnace(s, lock, share); })
          ->Repetitions(kGopherRepetitions)
          ->Iterations(kGopherPiles);
      if (share == 0.5 && !fibers) mark_quick(name);
    }
  }
}

const bool gophers_registered = [] {
  register_gopher_ways();
  register_furnace();
  return true;
}();

}  // namespace
}  // namespace bench_switch
