/* Start-up for the LM3S6965 under QEMU: the vector table, and a reset handler that copies
 * the initialised data to RAM, zeroes the rest, paints the stack (to measure how deep it
 * goes) and hands over to newlib's _start (semihosting: printf, exit status). */

#include <stdint.h>
#include <string.h>

extern uint32_t __data_start__, __data_end__, __data_load__;
extern uint32_t __bss_start__, __bss_end__;
extern uint32_t __stack_top, __stack_limit;
extern void _start(void);

/* The value the unused stack is filled with. */
#define STACK_PAINT 0xC0DEC0DEu

void reset_handler(void);
static void fault_handler(void);

__attribute__((section(".isr_vector"), used)) static void (*const vectors[16])(void) = {
    (void (*)(void))(&__stack_top), /* initial stack pointer */
    reset_handler,
    fault_handler, /* NMI */
    fault_handler, /* HardFault */
    fault_handler, /* MemManage */
    fault_handler, /* BusFault */
    fault_handler, /* UsageFault */
};

void reset_handler(void) {
    uint32_t *src = &__data_load__, *dst = &__data_start__;
    uint32_t *sp;
    while (dst < &__data_end__) *dst++ = *src++;
    for (dst = &__bss_start__; dst < &__bss_end__; dst++) *dst = 0;
    /* Paint from the stack's lowest address up to just below the current frame. */
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    for (dst = &__stack_limit; dst < sp - 16; dst++) *dst = STACK_PAINT;
    _start();
    for (;;) {
    }
}

/* The deepest the stack went: the painted words that were overwritten. */
uint32_t stack_used_bytes(void) {
    const uint32_t *p = &__stack_limit;
    while (p < &__stack_top && *p == STACK_PAINT) p++;
    return (uint32_t)((const uint8_t *)&__stack_top - (const uint8_t *)p);
}

/* A fault ends the run with a non-zero status through semihosting (SYS_EXIT). */
static void fault_handler(void) {
    /* ADP_Stopped_RunTimeErrorUnknown: QEMU exits with status 1. */
    register uint32_t op __asm__("r0") = 0x18;
    register uint32_t arg __asm__("r1") = 0x20023;
    __asm__ volatile("bkpt 0xab" : : "r"(op), "r"(arg));
    for (;;) {
    }
}
