// Extended register state (XSAVE): what this CPU and kernel have, from CPUID leaf 0xD, XGETBV and
// arch_prctl, and the register states the xstate family puts each side in before it hands over.
// A kernel switch saves the leaving task's state with XSAVES and restores the arriving one's with
// XRSTORS; both skip a component in its initial configuration (the init optimisation), so what a
// switch moves depends on what the tasks left live. x86-64 only: elsewhere nothing is available
// and every case says so.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace bench_switch {

struct XsaveComponent {
  int index;             // the XSAVE state component (2 AVX, 5 opmask, 6 ZMM_Hi256, 7 Hi16_ZMM, 17/18 AMX ...)
  std::string name;
  std::uint32_t bytes;   // CPUID.(EAX=0DH,ECX=index):EAX
  std::uint32_t offset;  // its offset in the standard (non-compacted) area: EBX
  bool enabled;          // in XCR0: the kernel lets tasks use it
};

struct XsaveFacts {
  bool xsave = false;               // CPUID XSAVE and OSXSAVE: XGETBV can be read
  std::uint64_t xcr0 = 0;           // XGETBV(0): components the kernel enabled
  std::uint64_t cpu_supported = 0;  // CPUID.(0DH,0):EDX:EAX: components XCR0 may hold
  std::uint32_t enabled_bytes = 0;  // CPUID.(0DH,0):EBX: the standard area for what XCR0 holds
  std::uint32_t max_bytes = 0;      // CPUID.(0DH,0):ECX: the standard area for everything supported
  std::uint32_t compacted_bytes = 0;  // CPUID.(0DH,1):EBX: XSAVES's area for XCR0 | IA32_XSS (the kernel's)
  bool xinuse = false;              // CPUID.(0DH,1):EAX[2]: XGETBV(1) tells which components are live
  std::vector<XsaveComponent> components;
  std::string avx512_why_not, amx_why_not;  // empty when the state can be made live here
};
const XsaveFacts& xsave_facts();
nlohmann::json xsave_context();  // context.bench_switch.xsave (docs/JSON.md)

// XGETBV(1): the components not in their initial configuration (0 where it cannot be read).
std::uint64_t xinuse();

// The register state one side leaves live when it hands over: `live` false puts the feature's
// registers in their initial configuration, true leaves them loaded. Both run the same
// instructions, in opposite orders, so that the difference is the state, not the instructions.
enum class StateFeature : std::uint8_t { avx512, amx };
struct RegisterState {
  StateFeature feature = StateFeature::avx512;
  bool live = false;
};
void hold_register_state(RegisterState state);

}  // namespace bench_switch
