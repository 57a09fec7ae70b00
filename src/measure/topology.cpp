#include "measure/topology.hpp"

#include <hwloc.h>

#include <fmt/format.h>

namespace bench_switch {

const char* to_string(Relation r) {
  switch (r) {
    case Relation::same_cpu: return "same_cpu";
    case Relation::smt_sibling: return "smt_sibling";
    case Relation::shared_llc: return "cross_cpu";  // the placement's name: two cores sharing the most cache
    case Relation::cross_llc: return "cross_llc";
    case Relation::cross_package: return "cross_package";
  }
  return "?";
}

struct Topology::Impl {
  hwloc_topology_t topo = nullptr;
  ~Impl() {
    if (topo) hwloc_topology_destroy(topo);
  }
  hwloc_obj_t pu(int os) const { return hwloc_get_pu_obj_by_os_index(topo, static_cast<unsigned>(os)); }
  // The last-level cache above a PU: the highest-level data or unified cache (L3 where there is
  // one, else L2); nullptr when hwloc knows none.
  hwloc_obj_t llc(hwloc_obj_t obj) const {
    hwloc_obj_t found = nullptr;
    for (hwloc_obj_t o = obj->parent; o; o = o->parent)
      if (hwloc_obj_type_is_dcache(o->type) || o->type == HWLOC_OBJ_L3CACHE) found = o;
    return found;
  }
};

Topology::Topology(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Topology::~Topology() = default;

std::unique_ptr<Topology> Topology::this_machine(const std::vector<int>& allowed, std::string& error) {
  auto impl = std::make_unique<Impl>();
  if (hwloc_topology_init(&impl->topo) != 0 || hwloc_topology_load(impl->topo) != 0) {
    error = "hwloc could not read this machine's topology";
    return nullptr;
  }
  if (!allowed.empty()) {
    hwloc_bitmap_t set = hwloc_bitmap_alloc();
    for (const int c : allowed) hwloc_bitmap_set(set, static_cast<unsigned>(c));
    const int r = hwloc_topology_restrict(impl->topo, set, HWLOC_RESTRICT_FLAG_REMOVE_CPULESS);
    hwloc_bitmap_free(set);
    if (r != 0) {
      error = "hwloc could not restrict the topology to the allowed CPUs";
      return nullptr;
    }
  }
  return std::unique_ptr<Topology>(new Topology(std::move(impl)));
}

std::unique_ptr<Topology> Topology::synthetic(const std::string& description, std::string& error) {
  auto impl = std::make_unique<Impl>();
  if (hwloc_topology_init(&impl->topo) != 0 || hwloc_topology_set_synthetic(impl->topo, description.c_str()) != 0 ||
      hwloc_topology_load(impl->topo) != 0) {
    error = fmt::format("not a topology hwloc can build: '{}'", description);
    return nullptr;
  }
  return std::unique_ptr<Topology>(new Topology(std::move(impl)));
}

std::vector<int> Topology::cpus() const {
  std::vector<int> out;
  const int n = hwloc_get_nbobjs_by_type(impl_->topo, HWLOC_OBJ_PU);
  for (int i = 0; i < n; ++i)
    out.push_back(static_cast<int>(hwloc_get_obj_by_type(impl_->topo, HWLOC_OBJ_PU, static_cast<unsigned>(i))->os_index));
  return out;
}

Relation Topology::relation(int a, int b) const {
  if (a == b) return Relation::same_cpu;
  const hwloc_obj_t pa = impl_->pu(a), pb = impl_->pu(b);
  const auto within = [&](hwloc_obj_type_t type) {
    const hwloc_obj_t x = hwloc_get_ancestor_obj_by_type(impl_->topo, type, pa);
    return x != nullptr && x == hwloc_get_ancestor_obj_by_type(impl_->topo, type, pb);
  };
  if (within(HWLOC_OBJ_CORE)) return Relation::smt_sibling;
  const hwloc_obj_t la = impl_->llc(pa);
  if (la != nullptr && la == impl_->llc(pb)) return Relation::shared_llc;
  // Without a package level (some synthetic machines, some VMs), the machine is one package.
  if (within(HWLOC_OBJ_PACKAGE) || hwloc_get_nbobjs_by_type(impl_->topo, HWLOC_OBJ_PACKAGE) <= 1) return Relation::cross_llc;
  return Relation::cross_package;
}

bool Topology::cross_numa(int a, int b) const {
  return !hwloc_bitmap_isequal(impl_->pu(a)->nodeset, impl_->pu(b)->nodeset);
}

std::optional<CpuPair> Topology::pair(Relation wanted) const {
  const std::vector<int> all = cpus();
  for (const int a : all)
    for (const int b : all) {
      if (wanted != Relation::same_cpu && a == b) continue;
      if (relation(a, b) == wanted) return CpuPair{a, b, wanted, cross_numa(a, b)};
    }
  return std::nullopt;
}

std::optional<CpuPair> Topology::cross_numa_pair() const {
  const std::vector<int> all = cpus();
  for (const int a : all)
    for (const int b : all)
      if (cross_numa(a, b)) return CpuPair{a, b, relation(a, b), true};
  return std::nullopt;
}

std::string Topology::describe() const {
  std::string out;
  for (const int c : cpus()) {
    const hwloc_obj_t p = impl_->pu(c);
    const auto index = [&](hwloc_obj_type_t type) {
      const hwloc_obj_t x = hwloc_get_ancestor_obj_by_type(impl_->topo, type, p);
      return x ? fmt::format("{}", x->logical_index) : std::string("-");
    };
    const hwloc_obj_t l = impl_->llc(p);
    char nodes[64];
    hwloc_bitmap_list_snprintf(nodes, sizeof nodes, p->nodeset);
    out += fmt::format("cpu {:>3}  core {:>3}  llc {:>3}  package {:>2}  numa {}\n", c, index(HWLOC_OBJ_CORE),
                       l ? fmt::format("{}", l->logical_index) : "-", index(HWLOC_OBJ_PACKAGE), nodes);
  }
  return out;
}

}  // namespace bench_switch
