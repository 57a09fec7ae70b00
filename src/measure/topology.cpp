#include "measure/topology.hpp"

#include <hwloc.h>

#include <fmt/format.h>

#include <cstring>

namespace bench_switch {

const char* to_string(Relation r) {
  switch (r) {
    case Relation::same_cpu: return "same_cpu";
    case Relation::smt_sibling: return "smt_sibling";
    case Relation::cross_cpu: return "cross_cpu";  // the placement's name: two cores sharing the most cache
    case Relation::cross_llc: return "cross_llc";
    case Relation::cross_package: return "cross_package";
  }
  return "?";
}

struct Topology::Impl {
  hwloc_topology_t topo = nullptr;
  bool expect_this_system = false;  // loaded as this machine: restricted to the allowed CPUs
  ~Impl() {
    if (topo) hwloc_topology_destroy(topo);
  }
  hwloc_obj_t pu(int os) const { return hwloc_get_pu_obj_by_os_index(topo, static_cast<unsigned>(os)); }
  hwloc_obj_t ancestor(hwloc_obj_type_t type, hwloc_obj_t obj) const { return hwloc_get_ancestor_obj_by_type(topo, type, obj); }
  // The last-level cache above a PU: the highest-level data or unified cache (L3 where there is
  // one, else L2); nullptr when hwloc knows none.
  hwloc_obj_t llc(hwloc_obj_t obj) const {
    hwloc_obj_t found = nullptr;
    for (hwloc_obj_t o = obj->parent; o; o = o->parent)
      if (hwloc_obj_type_is_dcache(o->type)) found = o;
    return found;
  }
  // The level of the nearest cache two PUs share (1, 2, 3, ...), or a large number when none.
  unsigned shared_cache_level(hwloc_obj_t a, hwloc_obj_t b) const {
    for (hwloc_obj_t o = hwloc_get_common_ancestor_obj(topo, a, b); o; o = o->parent)
      if (hwloc_obj_type_is_dcache(o->type)) return o->attr->cache.depth;
    return ~0u;
  }
  // The CPU kind of a PU, when the machine has more than one: hwloc's CoreType info where the
  // platform gives one (IntelCore, IntelAtom), else the kind's rank by efficiency.
  std::string kind(hwloc_obj_t p) const {
    const int kinds = hwloc_cpukinds_get_nr(topo, 0);
    if (kinds <= 1) return "";
    hwloc_bitmap_t set = hwloc_bitmap_alloc();
    std::string name;
    for (int k = 0; k < kinds && name.empty(); ++k) {
      int efficiency = -1;
      unsigned n = 0;
      hwloc_info_s* infos = nullptr;
      if (hwloc_cpukinds_get_info(topo, static_cast<unsigned>(k), set, &efficiency, &n, &infos, 0) != 0) continue;
      if (!hwloc_bitmap_isset(set, p->os_index)) continue;
      for (unsigned i = 0; i < n; ++i)
        if (std::strcmp(infos[i].name, "CoreType") == 0) name = infos[i].value;
      if (name.empty()) name = fmt::format("kind {}", k);
    }
    hwloc_bitmap_free(set);
    return name;
  }

  // Loads what `impl` was told to load, then restricts it to `allowed` when that is not empty.
  static std::unique_ptr<Impl> load(std::unique_ptr<Impl> impl, const std::vector<int>& allowed, std::string& error) {
    if (hwloc_topology_load(impl->topo) != 0) {
      error = "hwloc could not load the topology";
      return nullptr;
    }
    // HWLOC_SYNTHETIC or HWLOC_XMLFILE made hwloc load another machine than the one asked for: its
    // CPUs are not this process's, so they are shown whole, never restricted to this one's.
    const bool another_machine_instead = impl->expect_this_system && !hwloc_topology_is_thissystem(impl->topo);
    if (allowed.empty() || another_machine_instead) return impl;
    hwloc_bitmap_t set = hwloc_bitmap_alloc();
    for (const int c : allowed) hwloc_bitmap_set(set, static_cast<unsigned>(c));
    const int r = hwloc_topology_restrict(impl->topo, set, HWLOC_RESTRICT_FLAG_REMOVE_CPULESS);
    hwloc_bitmap_free(set);
    if (r != 0) {
      error = "hwloc could not restrict the topology to the allowed CPUs";
      return nullptr;
    }
    return impl;
  }

  static std::unique_ptr<Impl> fresh(bool expect_this_system) {
    auto impl = std::make_unique<Impl>();
    if (hwloc_topology_init(&impl->topo) != 0) impl->topo = nullptr;
    impl->expect_this_system = expect_this_system;
    return impl;
  }
};

Topology::Topology(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Topology::~Topology() = default;

std::unique_ptr<Topology> Topology::this_machine(const std::vector<int>& allowed, std::string& error) {
  auto impl = Impl::fresh(true);
  if (!impl->topo || !(impl = Impl::load(std::move(impl), allowed, error))) {
    error = "hwloc could not read this machine's topology";
    return nullptr;
  }
  return std::unique_ptr<Topology>(new Topology(std::move(impl)));
}

std::unique_ptr<Topology> Topology::synthetic(const std::string& description, std::string& error, const std::vector<int>& allowed) {
  auto impl = Impl::fresh(false);
  if (!impl->topo || hwloc_topology_set_synthetic(impl->topo, description.c_str()) != 0 ||
      !(impl = Impl::load(std::move(impl), allowed, error))) {
    error = fmt::format("not a topology hwloc can build: '{}'", description);
    return nullptr;
  }
  return std::unique_ptr<Topology>(new Topology(std::move(impl)));
}

std::unique_ptr<Topology> Topology::from_xml(const std::string& xml, std::string& error, const std::vector<int>& allowed) {
  auto impl = Impl::fresh(false);
  if (!impl->topo || hwloc_topology_set_xmlbuffer(impl->topo, xml.c_str(), static_cast<int>(xml.size() + 1)) != 0 ||
      !(impl = Impl::load(std::move(impl), allowed, error))) {
    error = "not an hwloc XML topology";
    return nullptr;
  }
  return std::unique_ptr<Topology>(new Topology(std::move(impl)));
}

bool Topology::is_this_system() const { return hwloc_topology_is_thissystem(impl_->topo) != 0; }

std::vector<int> Topology::cpus() const {
  std::vector<int> out;
  const int n = hwloc_get_nbobjs_by_type(impl_->topo, HWLOC_OBJ_PU);
  for (int i = 0; i < n; ++i)
    out.push_back(static_cast<int>(hwloc_get_obj_by_type(impl_->topo, HWLOC_OBJ_PU, static_cast<unsigned>(i))->os_index));
  return out;
}

std::vector<int> Topology::one_per_core() const {
  std::vector<int> out;
  const hwloc_obj_t none = nullptr;
  hwloc_obj_t last_core = none;
  for (const int c : cpus()) {
    const hwloc_obj_t core = impl_->ancestor(HWLOC_OBJ_CORE, impl_->pu(c));
    if (core != nullptr && core == last_core) continue;
    out.push_back(c), last_core = core;
  }
  return out;
}

CpuPlace Topology::place(int cpu) const {
  const hwloc_obj_t p = impl_->pu(cpu);
  const auto index = [&](hwloc_obj_t x) { return x ? static_cast<int>(x->logical_index) : -1; };
  return CpuPlace{cpu, index(impl_->ancestor(HWLOC_OBJ_CORE, p)), index(impl_->llc(p)),
                  index(impl_->ancestor(HWLOC_OBJ_PACKAGE, p)), hwloc_bitmap_first(p->nodeset), impl_->kind(p)};
}

Relation Topology::relation(int a, int b) const {
  if (a == b) return Relation::same_cpu;
  const hwloc_obj_t pa = impl_->pu(a), pb = impl_->pu(b);
  const auto within = [&](hwloc_obj_type_t type) {
    const hwloc_obj_t x = impl_->ancestor(type, pa);
    return x != nullptr && x == impl_->ancestor(type, pb);
  };
  if (within(HWLOC_OBJ_CORE)) return Relation::smt_sibling;
  // Without a package level (some synthetic machines, some VMs), the machine is one package.
  const bool one_package = within(HWLOC_OBJ_PACKAGE) || hwloc_get_nbobjs_by_type(impl_->topo, HWLOC_OBJ_PACKAGE) <= 1;
  const hwloc_obj_t la = impl_->llc(pa), lb = impl_->llc(pb);
  if (la != nullptr && la == lb) return Relation::cross_cpu;
  // Where hwloc knows no cache at all, cores of one package are taken to share its last level:
  // that is what "cross_llc" would otherwise claim to know.
  if (one_package) return la == nullptr && lb == nullptr ? Relation::cross_cpu : Relation::cross_llc;
  return Relation::cross_package;
}

bool Topology::cross_numa(int a, int b) const {
  return !hwloc_bitmap_isequal(impl_->pu(a)->nodeset, impl_->pu(b)->nodeset);
}

std::optional<CpuPair> Topology::pair(Relation wanted) const {
  const std::vector<int> all = cpus();
  if (all.empty()) return std::nullopt;
  if (wanted == Relation::same_cpu) return CpuPair{all.back(), all.back(), wanted, false};
  std::optional<CpuPair> best;
  unsigned best_level = ~0u;
  for (const int a : all)
    for (const int b : all) {
      if (a == b || relation(a, b) != wanted) continue;
      if (wanted != Relation::cross_cpu) return CpuPair{a, b, wanted, cross_numa(a, b)};
      const unsigned level = impl_->shared_cache_level(impl_->pu(a), impl_->pu(b));
      if (level < best_level) best = CpuPair{a, b, wanted, cross_numa(a, b)}, best_level = level;
    }
  return best;
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
  const auto index = [](int i) { return i < 0 ? std::string("-") : fmt::format("{}", i); };
  for (const int c : cpus()) {
    const CpuPlace p = place(c);
    out += fmt::format("cpu {:>3}  core {:>3}  llc {:>3}  package {:>2}  numa {}{}\n", c, index(p.core), index(p.llc),
                       index(p.package), index(p.numa), p.kind.empty() ? "" : "  kind " + p.kind);
  }
  return out;
}

}  // namespace bench_switch
