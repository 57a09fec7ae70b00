// The floating-point control register each side of a one-thread handoff holds while it is timed:
// MXCSR on x86-64, FPCR on aarch64 (arch/current.hpp; the names below say MXCSR for both). A
// stackful switch that keeps it per context (fcontext and asm_switch_fpenv on x86-64,
// asm_switch_fpenv and glibc's swapcontext on both) loads the other context's saved value on every
// switch, and a new context starts with its creator's; on some CPUs a switch that loads a
// *different* value is an order of magnitude slower than one that does not. So the values are
// chosen, never inherited by luck (docs/METHODOLOGY.md, family fpenv).
#pragma once
#include <cstdint>
#include <string>

#include "arch/current.hpp"

namespace bench_switch {

// The value a thread starts with (MXCSR: all exceptions masked, round to nearest, no flag raised).
inline constexpr std::uint32_t kDefaultMxcsr = arch::kFpDefault.bits;
inline std::uint32_t read_mxcsr() { return arch::read_fp_control(); }
inline void write_mxcsr(std::uint32_t value) { arch::write_fp_control(value); }
// The JSON's name for one side's value: `partner_mxcsr`, `measuring_mxcsr_seen` on x86-64;
// `partner_fpcr`, `measuring_fpcr_seen` on aarch64.
inline std::string fp_control_field(const char* side, const char* suffix = "") {
  return std::string(side) + "_" + arch::kFpControlName + suffix;
}

// The value each side holds: the partner (a fiber: its context copies its creator's MXCSR when it
// is made) and the measuring side (the caller: floating-point work between batches, in the harness,
// raises sticky flags in it, so it is set again before each batch).
struct MxcsrSides {
  std::uint32_t measuring = kDefaultMxcsr;
  std::uint32_t partner = kDefaultMxcsr;
  bool operator==(const MxcsrSides&) const = default;
};

// Sets the calling thread's MXCSR as often as asked and puts back its own value on every return path.
class ScopedMxcsr {
 public:
  ScopedMxcsr() : own_(read_mxcsr()) {}
  ~ScopedMxcsr() { write_mxcsr(own_); }
  ScopedMxcsr(const ScopedMxcsr&) = delete;
  ScopedMxcsr& operator=(const ScopedMxcsr&) = delete;
  void set(std::uint32_t value) { write_mxcsr(value); }

 private:
  std::uint32_t own_;
};

}  // namespace bench_switch
