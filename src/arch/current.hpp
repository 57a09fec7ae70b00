// The one place that picks this machine's architecture file. Everything that differs between
// x86-64 and aarch64 (the cycle-level counter, the fences of the work loops, the floating-point
// control register, what the hand-written switch leaves on a new stack, the hypervisor's name)
// sits behind the same names in namespace bench_switch::arch, so nothing of one architecture is
// compiled on the other.
#pragma once
#if defined(__x86_64__)
#include "arch/x86_64.hpp"
#elif defined(__aarch64__)
#include "arch/aarch64.hpp"
#else
#error "bench_switch is built for x86-64 and aarch64 only (src/arch/)"
#endif
