// For asm_switch_test.cpp: fills every register AAPCS64 says a call preserves (x19-x28, x29,
// d8-d15) with seed + 0, seed + 1, ... in that order, switches away through the switch under test,
// and, when switched back to, stores what those registers hold in after[0..18].
//   void bs_test_switch_with_known_registers(void** save_sp, void* load_sp, uint64_t seed,
//                                            uint64_t* after, void (*sw)(void**, void*))
// Its own caller's registers are saved and put back around all that, as the ABI wants, with the
// switch's own macros (the 20-word frame plus `after` and a pad).
#if defined(__aarch64__)
#include "mechanisms/callee_saved_aarch64.inc"
    .text
    .globl bs_test_switch_with_known_registers
    .type bs_test_switch_with_known_registers, %function
    .p2align 4
bs_test_switch_with_known_registers:
    sub sp, sp, #0xb0
    store_callee_saved
    str x3, [sp, #0xa0]
    add x19, x2, #0
    add x20, x2, #1
    add x21, x2, #2
    add x22, x2, #3
    add x23, x2, #4
    add x24, x2, #5
    add x25, x2, #6
    add x26, x2, #7
    add x27, x2, #8
    add x28, x2, #9
    add x29, x2, #10
    add x9, x2, #11
    fmov d8, x9
    add x9, x2, #12
    fmov d9, x9
    add x9, x2, #13
    fmov d10, x9
    add x9, x2, #14
    fmov d11, x9
    add x9, x2, #15
    fmov d12, x9
    add x9, x2, #16
    fmov d13, x9
    add x9, x2, #17
    fmov d14, x9
    add x9, x2, #18
    fmov d15, x9
    blr x4
    ldr x9, [sp, #0xa0]
    stp x19, x20, [x9, #0x00]
    stp x21, x22, [x9, #0x10]
    stp x23, x24, [x9, #0x20]
    stp x25, x26, [x9, #0x30]
    stp x27, x28, [x9, #0x40]
    str x29, [x9, #0x50]
    stp d8, d9, [x9, #0x58]
    stp d10, d11, [x9, #0x68]
    stp d12, d13, [x9, #0x78]
    stp d14, d15, [x9, #0x88]
    load_callee_saved
    add sp, sp, #0xb0
    ret
    .size bs_test_switch_with_known_registers, .-bs_test_switch_with_known_registers

// The registers, in the order of after[], separated by spaces.
    .section .rodata
    .globl bs_test_callee_saved_names
bs_test_callee_saved_names:
    .asciz "x19 x20 x21 x22 x23 x24 x25 x26 x27 x28 x29 d8 d9 d10 d11 d12 d13 d14 d15"
#endif
    .section .note.GNU-stack, "", %progbits
