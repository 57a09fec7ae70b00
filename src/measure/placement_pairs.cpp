#include "measure/placement_pairs.hpp"

#include <fmt/format.h>

#include <memory>

namespace bench_switch {

namespace {
// What each pinned placement needs of the machine, in the words of its skip message.
std::optional<Relation> relation_of(PlacementKind kind) {
  switch (kind) {
    case PlacementKind::same_cpu:
    case PlacementKind::one_thread: return Relation::same_cpu;
    case PlacementKind::smt_sibling: return Relation::smt_sibling;
    case PlacementKind::cross_cpu: return Relation::cross_cpu;
    case PlacementKind::cross_llc: return Relation::cross_llc;
    case PlacementKind::cross_package: return Relation::cross_package;
    case PlacementKind::cross_numa:
    case PlacementKind::unpinned: return std::nullopt;
  }
  return std::nullopt;
}

std::string lacking(PlacementKind kind, const Topology& t) {
  const auto name = to_string(kind);
  const std::size_t n = t.cpus().size();
  if (n < 2) return fmt::format("skipped: {} needs two CPUs, this process may use {}", name, n);
  switch (kind) {
    case PlacementKind::smt_sibling:
      return fmt::format("skipped: smt_sibling needs two PUs of one core, and no allowed core here has two (no SMT, "
                         "SMT off, or a cpuset that leaves one PU per core)");
    case PlacementKind::cross_cpu:
      return t.one_per_core().size() < 2
                 ? "skipped: cross_cpu needs two cores, and the allowed CPUs are the PUs of one core (see smt_sibling)"
                 : "skipped: cross_cpu needs two cores that share a cache, and no two allowed cores here do (see cross_llc)";
    case PlacementKind::cross_llc:
      return "skipped: cross_llc needs two last-level caches in one package, and the allowed CPUs of each package here "
             "share one";
    case PlacementKind::cross_package: return "skipped: cross_package needs two packages, and the allowed CPUs are all in one";
    case PlacementKind::cross_numa: return "skipped: cross_numa needs two NUMA nodes, and the allowed CPUs are all on one";
    default: return fmt::format("skipped: {} cannot be given here", name);
  }
}
}  // namespace

PlacementPair choose_pair(const Topology& t, PlacementKind kind) {
  if (kind == PlacementKind::unpinned) return {};
  const std::optional<CpuPair> pair =
      kind == PlacementKind::cross_numa ? t.cross_numa_pair() : t.pair(*relation_of(kind));
  if (!pair) return {std::nullopt, lacking(kind, t)};
  return {pair, ""};
}

const Topology* machine_topology(std::string* error) {
  static std::string why;
  static const std::unique_ptr<Topology> topology = Topology::this_machine(allowed_cpus(), why);
  if (!topology && error) *error = why;
  return topology.get();
}

const PlacementPair& machine_pair(PlacementKind kind) {
  static const std::vector<PlacementPair> chosen = [] {
    std::vector<PlacementPair> all(static_cast<std::size_t>(PlacementKind::one_thread) + 1);
    const Topology* t = machine_topology();
    for (std::size_t k = 0; k < all.size(); ++k)
      if (t != nullptr) all[k] = choose_pair(*t, static_cast<PlacementKind>(k));
    return all;
  }();
  return chosen.at(static_cast<std::size_t>(kind));
}

std::optional<PlacementFacts> placement_facts(PlacementKind kind) {
  const Topology* t = machine_topology();
  if (t == nullptr || !t->is_this_system()) return std::nullopt;
  const PlacementPair& chosen = machine_pair(kind);
  if (!chosen.pair) return std::nullopt;
  PlacementFacts facts;
  const CpuPair& p = *chosen.pair;
  facts.relation = to_string(t->relation(p.measuring, p.partner));
  facts.cross_numa = p.cross_numa;
  for (const int cpu : {p.measuring, p.partner}) {
    const CpuPlace place = t->place(cpu);
    facts.cpus.push_back(cpu);
    facts.numa.push_back(place.numa);
    if (!place.kind.empty()) facts.kinds.push_back(place.kind);
  }
  return facts;
}

}  // namespace bench_switch
