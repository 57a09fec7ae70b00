// The smallest stackful switch on aarch64: store the AAPCS64 callee-saved registers on the current
// stack (x19-x28, the frame pointer x29, the return address in x30, and d8-d15, the low halves of
// v8-v15, which is all the ABI keeps), swap stack pointers, load the other side's. The caller-saved
// ones are already saved by the compiler around the call.
//
// Both end with br x30, not ret: ret predicts its target from the return stack, whose top is this
// side's own caller, never the other side's (on x86-64 the same choice, pop + jmp, measured 8.1
// against 5 ns per switch; not measured on an Arm core, none is at hand).
//
// void bs_switch(void** save_sp, void* load_sp)        registers only, a frame of 20 words
// void bs_switch_fpenv(void** save_sp, void* load_sp)  also FPCR (rounding mode, flush-to-zero), 22
//                                                      words (FPCR and a pad: sp stays 16-aligned)
// The frame, from sp up (arch/aarch64.hpp's prepare_switch_stack writes the first one):
//   0x00 x19 x20 | 0x10 x21 x22 | 0x20 x23 x24 | 0x30 x25 x26 | 0x40 x27 x28 | 0x50 x29 x30
//   0x60 d8 d9   | 0x70 d10 d11 | 0x80 d12 d13 | 0x90 d14 d15 | 0xa0 fpcr (fpenv only)
#if defined(__aarch64__)
    .text

#include "mechanisms/callee_saved_aarch64.inc"

    .globl bs_switch
    .type bs_switch, %function
    .p2align 4
bs_switch:
    sub sp, sp, #0xa0
    store_callee_saved
    mov x9, sp
    str x9, [x0]
    mov sp, x1
    load_callee_saved
    add sp, sp, #0xa0
    br x30
    .size bs_switch, .-bs_switch

    .globl bs_switch_fpenv
    .type bs_switch_fpenv, %function
    .p2align 4
bs_switch_fpenv:
    sub sp, sp, #0xb0
    store_callee_saved
    mrs x9, fpcr
    str x9, [sp, #0xa0]
    mov x9, sp
    str x9, [x0]
    mov sp, x1
    ldr x9, [sp, #0xa0]
    msr fpcr, x9
    load_callee_saved
    add sp, sp, #0xb0
    br x30
    .size bs_switch_fpenv, .-bs_switch_fpenv

// A new stack's first switch "returns" here with the entry function in x19 and its argument in
// x20 (placed in those slots by prepare_switch_stack). The function never returns: it switches away.
    .globl bs_fiber_start
    .type bs_fiber_start, %function
    .p2align 4
bs_fiber_start:
    mov x0, x20
    blr x19
    brk #1
    .size bs_fiber_start, .-bs_fiber_start
#endif
    .section .note.GNU-stack, "", %progbits
