// x86-64: the TSC, lfence and pause, MXCSR, CPUID, and bs_switch's first frame
// (mechanisms/asm_switch_x86_64.S). Included only through arch/current.hpp.
#pragma once
#include <cpuid.h>
#include <x86intrin.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace bench_switch::arch {

// --- the counter: the TSC, in ticks (not core cycles: the core may run faster or slower)
inline constexpr const char* kCounterName = "tsc";
// lfence before rdtsc keeps earlier instructions from still being in flight when the counter is
// read; without it the end of a short batch could be read before its last switch finished.
inline std::uint64_t counter_ticks() {
  _mm_lfence();
  return __rdtsc();
}
// True when the TSC ticks at a constant rate through P-states and sleep (CPUID 0x80000007 EDX[8]).
inline bool counter_constant_rate() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid_max(0x80000000u, nullptr) < 0x80000007u) return false;
  __cpuid(0x80000007u, a, b, c, d);
  return (d & (1u << 8)) != 0;
}
// The TSC's rate is not readable from user space: 0 asks clock.cpp to calibrate it.
inline double counter_frequency_hz() { return 0.0; }

// --- fences and spinning
// Waits until every earlier instruction has completed before any later one starts (lfence is
// dispatch-serialising on Intel, and on AMD with the kernel's LFENCE_RDTSC setting).
inline void execution_fence() { _mm_lfence(); }
// Tells the core it is in a spin loop: less power, no memory-order flush on exit.
inline void spin_pause() { _mm_pause(); }

// --- the floating-point control register a stackful switch saves: MXCSR (SSE)
inline constexpr const char* kFpControlName = "mxcsr";
inline std::uint32_t read_fp_control() { return _mm_getcsr(); }
inline void write_fp_control(std::uint32_t value) { _mm_setcsr(value); }
struct FpControlValue {
  const char* name;
  std::uint32_t bits;
};
// All exceptions masked, round to nearest, no flag raised: the value a thread starts with.
inline constexpr FpControlValue kFpDefault{"default", 0x1f80};
inline constexpr FpControlValue kFpFlushToZero{"ftz_daz", 0x9fc0};  // FTZ and DAZ, as -ffast-math sets them
inline constexpr FpControlValue kFpRoundToZero{"round_to_zero", 0x7f80};
inline constexpr FpControlValue kFpStickyRaised{"inexact_raised", 0x1fa0};  // the default after any inexact operation (PE)
inline constexpr const char* kFpNoStickyWhy = nullptr;  // MXCSR holds the sticky flags too
// The one-thread switches that keep no MXCSR per context: both sides hold the last value set.
inline constexpr std::string_view kKeepNoFpControl[] = {"asm_switch"};

// --- the hand-written switch (asm_switch_x86_64.S)
inline constexpr const char* kAsmSwitchDescription =
    "hand-written x86-64 switch: 6 callee-saved registers and the stack pointer";
inline constexpr const char* kAsmSwitchFpenvDescription = "the same, plus MXCSR and the x87 control word (as fcontext)";
extern "C" void bs_fiber_start();
// Lays out a new stack so that the first switch into it pops the registers and "returns" into
// bs_fiber_start, which calls fn(arg) with the stack 16-byte aligned at the call, as the ABI wants.
inline void* prepare_switch_stack(void* top, void (*fn)(void*), void* arg, bool fpenv) {
  auto t = reinterpret_cast<std::uintptr_t>(top) & ~std::uintptr_t{15};
  // After the pops and the jump, rsp = sp + 8 * (6 regs + 1 return address [+ 1 fpenv]); it must be
  // 0 mod 16 there, so that bs_fiber_start's call enters fn with rsp 8 mod 16, as any call does.
  const std::size_t words = fpenv ? 8 : 7;
  auto* sp = reinterpret_cast<std::uint64_t*>(t - 16 - words * 8);
  std::uint64_t* w = sp;
  if (fpenv) {
    // Start the fiber with the creator's floating-point environment, as Boost.Context does.
    std::uint32_t mxcsr;
    std::uint16_t fcw;
    asm volatile("stmxcsr %0" : "=m"(mxcsr));
    asm volatile("fnstcw %0" : "=m"(fcw));
    std::memcpy(reinterpret_cast<char*>(w), &mxcsr, 4);
    std::memcpy(reinterpret_cast<char*>(w) + 4, &fcw, 2);
    ++w;
  }
  w[0] = 0;                                      // r15
  w[1] = 0;                                      // r14
  w[2] = reinterpret_cast<std::uint64_t>(arg);   // r13
  w[3] = reinterpret_cast<std::uint64_t>(fn);    // r12
  w[4] = 0;                                      // rbx
  w[5] = 0;                                      // rbp
  w[6] = reinterpret_cast<std::uint64_t>(&bs_fiber_start);
  return sp;
}

// --- the hypervisor, as the CPU tells its guest (CPUID.1:ECX[31], then leaf 0x40000000's name)
struct Hypervisor {
  bool known = true;  // whether this architecture lets user space ask
  bool present = false;
  std::string vendor;
};
inline Hypervisor hypervisor() {
  Hypervisor h;
  unsigned a = 0, b = 0, c = 0, d = 0;
  __cpuid(1, a, b, c, d);
  h.present = (c & (1u << 31)) != 0;
  if (h.present) {
    __cpuid(0x40000000u, a, b, c, d);
    char id[13] = {};
    std::memcpy(id, &b, 4), std::memcpy(id + 4, &c, 4), std::memcpy(id + 8, &d, 4);
    h.vendor = id;
  }
  return h;
}

}  // namespace bench_switch::arch
