/* A typical MQTT client on a microcontroller, to measure what the library costs such a device
 * (benches/firmware/run.sh): CONNECT, SUBSCRIBE, PUBLISH at QoS 1, PUBACK, PINGREQ and
 * DISCONNECT encoded into a static buffer, and the server's packets decoded one byte at a
 * time (as from a UART) by a decoder over another. APP_VERSION is MQTT_V3_1_1 or MQTT_V5.
 * The transport is two functions the linker must keep. */

#include <stdint.h>

#include "mqtt_codec.h"

#ifndef APP_VERSION
#define APP_VERSION MQTT_V3_1_1
#endif

void uart_write(const uint8_t *data, size_t len);
int uart_read_byte(void);
void on_message(const uint8_t *topic, size_t topic_len, const uint8_t *payload, size_t len);

static uint8_t tx[256];
static uint8_t rx[256];
static mqtt_decoder decoder;

static mqtt_bytes view(const char *s, size_t len) {
    mqtt_bytes b;
    b.ptr = (const uint8_t *)s;
    b.len = len;
    return b;
}

static int send_packet(const mqtt_packet *p) {
    size_t n = 0;
    if (mqtt_encode(p, APP_VERSION, tx, sizeof tx, &n) != MQTT_OK) return -1;
    uart_write(tx, n);
    return 0;
}

int client_main(void) {
    static const mqtt_subscription sub = {{(const uint8_t *)"cmd/#", 5}, 1, false, false, 0};
    mqtt_decode_options opts = {APP_VERSION, MQTT_ROLE_CLIENT, sizeof rx};
    mqtt_packet p;
    uint16_t next_id = 1;
    int c;

    mqtt_packet_init(&p, MQTT_PACKET_CONNECT);
    p.clean_start = true;
    p.keep_alive = 60;
    p.client_id = view("sensor-1", 8);
    if (send_packet(&p)) return 1;

    mqtt_packet_init(&p, MQTT_PACKET_SUBSCRIBE);
    p.packet_id = next_id++;
    p.subscriptions = mqtt_list_of_subscriptions(&sub, 1);
    if (send_packet(&p)) return 1;

    mqtt_packet_init(&p, MQTT_PACKET_PUBLISH);
    p.qos = 1;
    p.packet_id = next_id++;
    p.topic = view("PV/sunshine", 11);
    p.payload = view("42.5", 4);
    if (send_packet(&p)) return 1;

    if (mqtt_decoder_init(&decoder, rx, sizeof rx, &opts) != MQTT_OK) return 1;
    while ((c = uart_read_byte()) >= 0) {
        uint8_t byte = (uint8_t)c;
        mqtt_status st;
        if (mqtt_decoder_feed(&decoder, &byte, 1) != MQTT_OK) return 1;
        while ((st = mqtt_decoder_next(&decoder, &p)) == MQTT_OK) {
            if (p.packet_type == MQTT_PACKET_PUBLISH) {
                on_message(p.topic.ptr, p.topic.len, p.payload.ptr, p.payload.len);
                if (p.qos == 1) {
                    uint16_t id = p.packet_id;
                    mqtt_packet_init(&p, MQTT_PACKET_PUBACK);
                    p.packet_id = id;
                    if (send_packet(&p)) return 1;
                }
            } else if (p.packet_type == MQTT_PACKET_CONNACK && p.reason_code != 0) {
                return 2;
            }
        }
        if (st != MQTT_NEED_MORE) return 3;
    }
    mqtt_packet_init(&p, MQTT_PACKET_PINGREQ);
    if (send_packet(&p)) return 1;
    mqtt_packet_init(&p, MQTT_PACKET_DISCONNECT);
    return send_packet(&p);
}
