// The SSE floating-point environment (MXCSR) each side of a one-thread handoff holds while it is
// timed. A stackful switch (fcontext, asm_switch_fpenv, glibc's swapcontext) loads the other
// context's saved MXCSR on every switch, and a new context starts with its creator's; on some CPUs
// a switch that loads a *different* value is an order of magnitude slower than one that does not.
// So the values are chosen, never inherited by luck (docs/METHODOLOGY.md, family fpenv).
// x86-64 only; elsewhere every function here is a no-op, so the project builds on aarch64.
#pragma once
#include <cstdint>
#if defined(__x86_64__)
#include <xmmintrin.h>
#endif

namespace bench_switch {

// All exceptions masked, round to nearest, no flag raised: the value a thread starts with.
inline constexpr std::uint32_t kDefaultMxcsr = 0x1f80;
#if defined(__x86_64__)
inline constexpr bool kHasMxcsr = true;
inline std::uint32_t read_mxcsr() { return _mm_getcsr(); }
inline void write_mxcsr(std::uint32_t value) { _mm_setcsr(value); }
#else
inline constexpr bool kHasMxcsr = false;
inline std::uint32_t read_mxcsr() { return 0; }
inline void write_mxcsr(std::uint32_t) {}
#endif

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
