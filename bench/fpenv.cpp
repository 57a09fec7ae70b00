// Family `fpenv`: does the floating-point environment's *value* change what a stackful switch
// costs? fcontext and asm_switch_fpenv save and restore MXCSR and the x87 control word on every
// switch (ldmxcsr is microcoded on many cores); here the switch loop of the `switch` family runs
// with non-default MXCSR values, to show the switch family's figures are not an accident of the
// default one. Compare with switch/<mechanism>/one_thread, taken with MXCSR = 0x1f80.
#include <xmmintrin.h>

#include <fmt/format.h>

#include "registry.hpp"
#include "switch_latency.hpp"

namespace bench_switch {
namespace {

struct MxcsrMode {
  const char* name;
  unsigned value;
};
constexpr MxcsrMode kModes[] = {
    {"ftz_daz", 0x9fc0},       // flush-to-zero and denormals-are-zero, as -ffast-math sets them
    {"sticky_flags", 0x1fbf},  // every exception flag already raised
    {"round_to_zero", 0x7f80},
};

void BM_SwitchWithMxcsr(benchmark::State& state, const SwitchCase& c, unsigned mxcsr) {
  const unsigned saved = _mm_getcsr();
  _mm_setcsr(mxcsr);  // fibers created inside BM_Switch start with this environment
  BM_Switch(state, c);
  _mm_setcsr(saved);
}

const bool registered = [] {
  mark_quick("fpenv/fcontext_fiber/mxcsr:ftz_daz");
  describe_family("fpenv", {"ns per one-way switch with a non-default MXCSR (against switch/.../one_thread)",
                            {{"kernel_switches_per_switch", "ksw"}}});
  for (const char* mechanism_name : {"asm_switch_fpenv", "fcontext_fiber"}) {
    const Mechanism* m = find_mechanism(mechanism_name);
    if (m == nullptr) continue;  // asm_switch_fpenv exists on x86-64 only
    for (const MxcsrMode& mode : kModes) {
      EntryFields fields{"fpenv", m->name.data(), std::string(to_string(m->kind)), std::string(m->task), "one_thread",
                         "ns per one-way switch with a non-default MXCSR", {{"mxcsr", mode.value}}};
      const std::string name = fmt::format("fpenv/{}/mxcsr:{}", m->name, mode.name);
      add_benchmark(name, fields, [c = SwitchCase{m, PlacementKind::one_thread, Work{}, name}, v = mode.value](
                                      benchmark::State& s) { BM_SwitchWithMxcsr(s, c, v); });
    }
  }
  return true;
}();

}  // namespace
}  // namespace bench_switch
