// One-way latency samples of the rings (the pairs': handoff_test.cpp), and the JSON a run writes
// with them. Nothing here reads a timing.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "binary.hpp"
#include "experiments/ring.hpp"
#include "measure/affinity.hpp"
#include "mechanisms/latency_stamps.hpp"

namespace bench_switch {
namespace {

void expect_sane(const LatencyHistogram& h) {
  EXPECT_LE(h.min(), h.percentile(0.5));
  EXPECT_LE(h.percentile(0.5), h.percentile(0.9));
  EXPECT_LE(h.percentile(0.9), h.percentile(0.99));
  EXPECT_LE(h.percentile(0.99), h.percentile(0.999));
  EXPECT_LE(h.percentile(0.999), h.max());
}

// A ring's samples are its N nodes' merged: as many as the hops its nodes received.
TEST(RingSamples, EveryNodeSamplesEachHopItReceives) {
  std::string why_not;
  const auto p = resolve_placement(PlacementKind::same_cpu, why_not);
  if (!p) GTEST_SKIP() << why_not;
  ScopedPin pin(p->measuring);
  for (const bool processes : {false, true}) {
    SCOPED_TRACE(processes ? "processes" : "threads");
    const auto ring = processes ? make_process_ring(10, *p) : make_thread_ring(10, *p);
    auto* sampled = dynamic_cast<LatencySampled*>(ring.get());
    ASSERT_NE(sampled, nullptr);
    sampled->set_stamping(true);
    ring->run(7);
    ring->run(101);
    sampled->set_stamping(false);
    ring->run(5);
    const Tally t = ring->tally();
    EXPECT_EQ(t.partner_received, 2u * 113u);
    const LatencyHistogram all = sampled->take_samples();
    EXPECT_EQ(all.count(), 2u * 108u);
    expect_sane(all);
  }
}

// What a run writes: the counters and the `latency` field on every repetition, the side channel's
// counter on none, and the distribution in the console.
TEST(LatencyJson, EveryRepetitionOfASampledBenchmarkCarriesItsDistribution) {
  const std::string path = fmt::format("/tmp/bs_latency_{}.json", getpid());
  const auto o = testing_binary::run_binary({"--benchmark_filter=^(switch/(thread_futex/same_cpu|coroutine)|ring/thread_ring/N:2)/",
                                              "--benchmark_repetitions=2", "--benchmark_min_time=0.01", "--json", path});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.out.find("1-way p50 "), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("batch p50 "), std::string::npos) << o.out;
  const auto doc = nlohmann::json::parse(testing_binary::slurp(path));
  std::remove(path.c_str());
  int sampled = 0;
  for (const auto& b : doc["benchmarks"]) {
    EXPECT_FALSE(b.contains("bench_switch_attachment")) << b["name"];
    if (b.value("run_type", "") != "iteration") continue;
    ++sampled;
    ASSERT_TRUE(b.contains("latency")) << b["name"];
    const auto& l = b["latency"];
    EXPECT_EQ(l["kind"], b["kind"] == "preemptive" ? "one_way_sample" : "batch_mean") << b["name"];
    EXPECT_EQ(l["unit"], "ns");
    EXPECT_TRUE(l["clock"] == "tsc" || l["clock"] == "monotonic");
    EXPECT_TRUE(l["stamp_cost_ns"].is_number());
    EXPECT_FALSE(l.value("what", "").empty());
    std::uint64_t total = 0;
    for (const auto& bucket : l["histogram"]) total += bucket[2].get<std::uint64_t>();
    EXPECT_EQ(static_cast<double>(total), b["latency_samples"].get<double>());
    EXPECT_GT(total, 0u);
    const char* order[] = {"latency_min_ns", "latency_p50_ns", "latency_p90_ns", "latency_p99_ns", "latency_p999_ns", "latency_max_ns"};
    for (std::size_t i = 1; i < std::size(order); ++i) EXPECT_LE(b[order[i - 1]].get<double>(), b[order[i]].get<double>()) << order[i];
    if (l["kind"] == "one_way_sample") {
      for (const char* key : {"stamp_effect_ratio", "stamp_effect_lo", "stamp_effect_hi"}) EXPECT_TRUE(b.contains(key)) << key;
    }
  }
  EXPECT_EQ(sampled, 7);  // two switch benchmarks of two repetitions, and the ring's fixed three
}

}  // namespace
}  // namespace bench_switch
