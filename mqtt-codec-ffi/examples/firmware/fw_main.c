/* The firmware example: the C test vectors of the library (tests/c/test_codec.c: encode,
 * decode, one-byte streaming into a decoder over a static buffer, the malformed inputs, the
 * too-large packet) run on a Cortex-M3 with no heap in the library, then the stack the
 * library's decode and encode need is measured by painting. Exits with the tests' result
 * over semihosting, so QEMU's exit status is the verdict. */

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mqtt_codec.h"

int codec_tests_main(void); /* test_codec.c's main, renamed by the build */

#define PAINT 0xA5A5A5A5u
#define PROBE_WORDS 1024 /* 4 KiB below the caller's frame are painted */

static uint8_t wire[256];
static size_t wire_len;

/* A 5.0 CONNECT with a will and properties: the packet with the most fields. */
static void make_connect(mqtt_packet *p) {
    static const mqtt_user_property up = {{(const uint8_t *)"k", 1}, {(const uint8_t *)"v", 1}};
    mqtt_packet_init(p, MQTT_PACKET_CONNECT);
    p->clean_start = true;
    p->keep_alive = 60;
    p->client_id.ptr = (const uint8_t *)"sensor-1";
    p->client_id.len = 8;
    p->has_will = true;
    p->will.topic.ptr = (const uint8_t *)"PV/will";
    p->will.topic.len = 7;
    p->will.payload.ptr = (const uint8_t *)"gone";
    p->will.payload.len = 4;
    p->will.properties.content_type.ptr = (const uint8_t *)"text/plain";
    p->will.properties.content_type.len = 10;
    p->properties.has_session_expiry_interval = true;
    p->properties.session_expiry_interval = 300;
    p->properties.user_properties = mqtt_list_of_user_properties(&up, 1);
    p->username.ptr = (const uint8_t *)"user";
    p->username.len = 4;
    p->password.ptr = (const uint8_t *)"secret";
    p->password.len = 6;
}

static void run_encode(void) {
    mqtt_packet p;
    make_connect(&p);
    mqtt_encode(&p, MQTT_V5, wire, sizeof wire, &wire_len);
}

static void run_decode(void) {
    mqtt_decode_options opts = {MQTT_VERSION_UNKNOWN, MQTT_ROLE_SERVER, 0};
    mqtt_packet p;
    size_t used;
    mqtt_decode(wire, wire_len, &opts, &p, &used);
}

static void run_stream(void) {
    static uint8_t rx[128];
    static mqtt_decoder d;
    mqtt_decode_options opts = {MQTT_VERSION_UNKNOWN, MQTT_ROLE_SERVER, 0};
    mqtt_packet p;
    size_t i;
    mqtt_decoder_init(&d, rx, sizeof rx, &opts);
    for (i = 0; i < wire_len; i++) {
        mqtt_decoder_feed(&d, &wire[i], 1);
        mqtt_decoder_next(&d, &p);
    }
}

/* Paints the free stack below this frame, runs `f`, and returns how many bytes below the
 * frame were written: the deepest `f` went, its own frame and what it calls included. */
static __attribute__((noinline)) uint32_t stack_of(void (*f)(void)) {
    uint32_t *sp, *p, *low;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    low = sp - PROBE_WORDS;
    for (p = low; p < sp - 8; p++) *p = PAINT;
    f();
    for (p = low; p < sp && *p == PAINT; p++) {
    }
    return (uint32_t)((uint8_t *)sp - (uint8_t *)p);
}

int main(void) {
    int rc = codec_tests_main();
    uint32_t enc = stack_of(run_encode);
    uint32_t dec = stack_of(run_decode);
    uint32_t str = stack_of(run_stream);
    printf("firmware: %d (0 = every vector passed); CONNECT of %u bytes\n", rc,
           (unsigned)wire_len);
    printf("firmware: stack encode %lu B, decode %lu B, one-byte stream %lu B\n",
           (unsigned long)enc, (unsigned long)dec, (unsigned long)str);
    return rc;
}
