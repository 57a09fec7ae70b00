// Factories of the cooperative mechanisms and the no-switch baseline, one source file each.
#pragma once
#include <memory>

#include "handoff.hpp"
#include "measure/work.hpp"

namespace bench_switch {

std::unique_ptr<Handoff> make_fcontext_fiber(const Work& work);      // fcontext_fiber.cpp
std::unique_ptr<Handoff> make_ucontext_switch(const Work& work);     // ucontext_switch.cpp
std::unique_ptr<Handoff> make_boost_fiber_yield(const Work& work);   // boost_fiber_yield.cpp
std::unique_ptr<Handoff> make_coroutine_transfer(const Work& work);  // coroutine_transfer.cpp
std::unique_ptr<Handoff> make_asio_coroutine(const Work& work);      // asio_coroutine.cpp
std::unique_ptr<Handoff> make_asm_switch(const Work& work);          // asm_switch.cpp (x86-64)
std::unique_ptr<Handoff> make_asm_switch_fpenv(const Work& work);    // asm_switch.cpp (x86-64)
std::unique_ptr<Handoff> make_indirect_call(const Work& work);       // indirect_call.cpp

}  // namespace bench_switch
