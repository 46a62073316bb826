/* The radio of sn_client_app.c as a size measurement needs it: a data register the compiler
 * cannot optimise away, and an entry point for startup.c. */

#include <stddef.h>
#include <stdint.h>

#define RADIO_DR (*(volatile uint32_t *)0x4000C000u)

int client_main(void);

void radio_send(const uint8_t *data, size_t len) {
    while (len--) RADIO_DR = *data++;
}

size_t radio_receive(uint8_t *buf, size_t cap) {
    size_t n = RADIO_DR & 0x7Fu;
    for (size_t i = 0; i < n && i < cap; i++) buf[i] = (uint8_t)RADIO_DR;
    return n < cap ? n : cap;
}

void on_message(const uint8_t *topic, size_t topic_len, const uint8_t *payload, size_t len) {
    RADIO_DR = (uint32_t)(topic_len + len + (topic ? topic[0] : 0) + (payload ? payload[0] : 0));
}

void _start(void) {
    RADIO_DR = (uint32_t)client_main();
    for (;;) {
    }
}
