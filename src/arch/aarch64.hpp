// aarch64: the generic timer's virtual counter, isb and yield, FPCR, and bs_switch's first frame
// (mechanisms/asm_switch_aarch64.S). Included only through arch/current.hpp.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace bench_switch::arch {

// --- the counter: CNTVCT_EL0, the generic timer's virtual count, at CNTFRQ_EL0 ticks per second.
// It is not a cycle count and not a TSC: a system counter at a fixed rate (tens of MHz to 1 GHz),
// the same for every core.
inline constexpr const char* kCounterName = "cntvct";
// isb first: the Arm ARM lets a CNTVCT_EL0 read be performed out of order with the instructions
// around it, as rdtsc may be; isb makes every earlier instruction finish before the read (Linux's
// arch_timer reads it the same way).
inline std::uint64_t counter_ticks() {
  std::uint64_t ticks;
  asm volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(ticks) : : "memory");
  return ticks;
}
// The architecture requires the system counter to run at a fixed frequency (Armv8-A, D11.1.2).
inline bool counter_constant_rate() { return true; }
// CNTFRQ_EL0, as the firmware (or the hypervisor, or qemu) set it.
inline double counter_frequency_hz() {
  std::uint64_t hz;
  asm volatile("mrs %0, cntfrq_el0" : "=r"(hz));
  return static_cast<double>(hz);
}

// --- fences and spinning
// isb flushes the pipeline: what follows is fetched and executed only after every earlier
// instruction completed, which is what the work loops need (one side's chunk must not overlap the
// other side's dependent chain across a switch), as lfence gives on x86-64. dmb is not used:
// it orders memory accesses between observers and does not keep an integer chain from running
// ahead; the carriers order their memory with std::atomic (ldar/stlr) already.
inline void execution_fence() { asm volatile("isb" : : : "memory"); }
// yield: the spin-loop hint (x86's pause); a no-op on cores that do not use it.
inline void spin_pause() { asm volatile("yield" : : : "memory"); }

// --- the floating-point control register a stackful switch saves: FPCR (rounding mode,
// flush-to-zero, default NaN, trap enables). The sticky exception flags are in FPSR, not here.
inline constexpr const char* kFpControlName = "fpcr";
inline std::uint32_t read_fp_control() {
  std::uint64_t v;
  asm volatile("mrs %0, fpcr" : "=r"(v));
  return static_cast<std::uint32_t>(v);
}
inline void write_fp_control(std::uint32_t value) {
  asm volatile("msr fpcr, %0" : : "r"(std::uint64_t{value}) : "memory");
}
struct FpControlValue {
  const char* name;
  std::uint32_t bits;
};
// Round to nearest, no flush-to-zero, no trap: the value a Linux thread starts with.
inline constexpr FpControlValue kFpDefault{"default", 0};
inline constexpr FpControlValue kFpFlushToZero{"flush_to_zero", 1u << 24};       // FZ, as -ffast-math sets it
inline constexpr FpControlValue kFpRoundToZero{"round_to_zero", 3u << 22};       // RMode = RZ
// The fpenv family's sticky-flag case has no FPCR value: it is skipped with this reason.
inline constexpr FpControlValue kFpStickyRaised{"inexact_raised", kFpDefault.bits};
inline constexpr const char* kFpNoStickyWhy =
    "skipped: on aarch64 the sticky exception flags are in FPSR, not in FPCR, the register the switches save";

// The one-thread switches that keep no FPCR per context, so that both sides hold the last value
// set: the bare hand-written switch, and Boost.Context's aarch64 fcontext (it saves x19-x30 and
// d8-d15 only), and so Boost.Fiber, which switches through it.
inline constexpr std::string_view kKeepNoFpControl[] = {"asm_switch", "fcontext_fiber", "boost_fiber_yield"};

// --- the hand-written switch (asm_switch_aarch64.S)
inline constexpr const char* kAsmSwitchDescription =
    "hand-written aarch64 switch: x19-x28, fp, lr, d8-d15 and the stack pointer";
inline constexpr const char* kAsmSwitchFpenvDescription =
    "the same, plus FPCR (aarch64 has no x87 control word)";
extern "C" void bs_fiber_start();
// The frame bs_switch stores and loads, from the stack pointer up: x19-x28, fp, lr, d8-d15 (20
// words), then for bs_switch_fpenv FPCR and a pad word, keeping the stack 16-byte aligned.
// A new stack's first switch loads fn into x19, arg into x20, a zero frame pointer, and
// bs_fiber_start as the return address.
inline void* prepare_switch_stack(void* top, void (*fn)(void*), void* arg, bool fpenv) {
  auto t = reinterpret_cast<std::uintptr_t>(top) & ~std::uintptr_t{15};
  const std::size_t words = fpenv ? 22 : 20;
  auto* w = reinterpret_cast<std::uint64_t*>(t - words * 8);
  for (std::size_t i = 0; i < words; ++i) w[i] = 0;
  w[0] = reinterpret_cast<std::uint64_t>(fn);    // x19
  w[1] = reinterpret_cast<std::uint64_t>(arg);   // x20
  w[11] = reinterpret_cast<std::uint64_t>(&bs_fiber_start);  // lr
  // Start the fiber with the creator's FPCR, as x86-64's switch starts it with the creator's MXCSR.
  if (fpenv) w[20] = read_fp_control();
  return w;
}

// --- the hypervisor: aarch64 has no user-space instruction that names it.
struct Hypervisor {
  bool known = false;
  bool present = false;
  std::string vendor;
};
inline Hypervisor hypervisor() { return {}; }

}  // namespace bench_switch::arch
