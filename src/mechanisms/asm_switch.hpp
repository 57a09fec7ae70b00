// The floor every stackful switch is held against, hand-written per architecture
// (asm_switch_x86_64.S, asm_switch_aarch64.S; CMake builds only this machine's):
//   bs_switch(save_sp, load_sp)        saves the ABI's callee-saved registers on the current stack,
//                                      stores the stack pointer in *save_sp, switches to load_sp and
//                                      loads the registers found there
//   bs_switch_fpenv(save_sp, load_sp)  the same, also the floating-point control register (MXCSR and
//                                      the x87 control word on x86-64, FPCR on aarch64), as fcontext does
// A new stack is laid out by arch::prepare_switch_stack so that the first switch into it starts fn(arg).
#pragma once

extern "C" void bs_switch(void** save_sp, void* load_sp);
extern "C" void bs_switch_fpenv(void** save_sp, void* load_sp);
