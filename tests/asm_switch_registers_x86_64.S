// For asm_switch_test.cpp: fills every register the System V ABI says a call preserves
// (rbx, rbp, r12-r15) with seed + 0, seed + 1, ... in that order, switches away through the
// switch under test, and, when switched back to, stores what those registers hold in after[0..5].
//   void bs_test_switch_with_known_registers(void** save_sp, void* load_sp, uint64_t seed,
//                                            uint64_t* after, void (*sw)(void**, void*))
// Its own caller's registers are saved and put back around all that, as the ABI wants.
#if defined(__x86_64__)
#include "mechanisms/callee_saved_x86_64.inc"
    .text
    .globl bs_test_switch_with_known_registers
    .type bs_test_switch_with_known_registers, @function
    .p2align 4
bs_test_switch_with_known_registers:
    push_callee_saved
    pushq %rcx                 // after; also leaves rsp 16-aligned for the call
    leaq 0(%rdx), %rbx
    leaq 1(%rdx), %rbp
    leaq 2(%rdx), %r12
    leaq 3(%rdx), %r13
    leaq 4(%rdx), %r14
    leaq 5(%rdx), %r15
    callq *%r8
    popq %rcx
    movq %rbx, 0(%rcx)
    movq %rbp, 8(%rcx)
    movq %r12, 16(%rcx)
    movq %r13, 24(%rcx)
    movq %r14, 32(%rcx)
    movq %r15, 40(%rcx)
    pop_callee_saved
    retq
    .size bs_test_switch_with_known_registers, .-bs_test_switch_with_known_registers

// The registers, in the order of after[], separated by spaces.
    .section .rodata
    .globl bs_test_callee_saved_names
bs_test_callee_saved_names:
    .asciz "rbx rbp r12 r13 r14 r15"
#endif
    .section .note.GNU-stack, "", @progbits
