/* The transport of client_app.c and session_app.c as a size measurement needs it: a UART data register the
 * compiler cannot optimise away, and an entry point for startup.c. */

#include <stddef.h>
#include <stdint.h>

#define UART0_DR (*(volatile uint32_t *)0x4000C000u)

int client_main(void);

void uart_write(const uint8_t *data, size_t len) {
    while (len--) UART0_DR = *data++;
}

int uart_read_byte(void) {
    uint32_t v = UART0_DR;
    return (v & 0x100u) ? -1 : (int)(v & 0xFFu);
}

void on_message(const uint8_t *topic, size_t topic_len, const uint8_t *payload, size_t len) {
    UART0_DR = (uint32_t)(topic_len + len + (topic ? topic[0] : 0) + (payload ? payload[0] : 0));
}

uint32_t tick(void) {
    return UART0_DR; /* a timer register, as far as the size goes */
}

void _start(void) {
    UART0_DR = (uint32_t)client_main();
    for (;;) {
    }
}
