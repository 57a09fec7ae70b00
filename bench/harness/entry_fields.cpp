#include "entry_fields.hpp"

#include <map>

#include "measure/affinity.hpp"
#include "measure/placement_pairs.hpp"

namespace bench_switch {

namespace {
std::map<std::string, EntryFields>& registered_fields() {
  static std::map<std::string, EntryFields> fields;
  return fields;
}
}  // namespace

void register_fields(const std::string& name, EntryFields fields) { registered_fields()[name] = std::move(fields); }

const EntryFields* fields_of(const std::string& name) {
  const auto it = registered_fields().find(name);
  return it == registered_fields().end() ? nullptr : &it->second;
}

nlohmann::json to_json(const EntryFields& f) {
  nlohmann::json j = {{"family", f.family}, {"mechanism", f.mechanism}, {"kind", f.kind}, {"task", f.task},
                      {"placement", f.placement}, {"language", "c++"}, {"params", f.params}, {"unit", f.unit}};
  // The CPUs the placement used and what they share (docs/JSON.md), read from the topology the
  // run measured on: a figure that does not say what it crossed cannot be compared across machines.
  const auto kind = placement_from_string(f.placement);
  if (kind == PlacementKind::unpinned) {
    j["cpus_allowed"] = allowed_cpus();
  } else if (const auto facts = kind ? placement_facts(*kind) : std::nullopt) {
    j["cpus"] = facts->cpus;
    j["relation"] = facts->relation;
    j["cross_numa"] = facts->cross_numa;
    j["numa_nodes"] = facts->numa;
    if (!facts->kinds.empty()) j["cpu_kinds"] = facts->kinds;
  }
  return j;
}

}  // namespace bench_switch
