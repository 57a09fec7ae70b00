// Factories of the cooperative mechanisms and the no-switch baseline, one source file each.
#pragma once
#include <memory>

#include "handoff.hpp"

namespace bench_switch {

std::unique_ptr<Handoff> make_fcontext_fiber();      // fcontext_fiber.cpp
std::unique_ptr<Handoff> make_ucontext_switch();     // ucontext_switch.cpp
std::unique_ptr<Handoff> make_boost_fiber_yield();   // boost_fiber_yield.cpp
std::unique_ptr<Handoff> make_coroutine_transfer();  // coroutine_transfer.cpp
std::unique_ptr<Handoff> make_asm_switch();          // asm_switch.cpp (x86-64)
std::unique_ptr<Handoff> make_asm_switch_fpenv();    // asm_switch.cpp (x86-64)
std::unique_ptr<Handoff> make_indirect_call();       // indirect_call.cpp

}  // namespace bench_switch
