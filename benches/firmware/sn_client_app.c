/* A typical MQTT-SN 1.2 client on a microcontroller, to measure what the library's MQTT-SN
 * codec costs such a device (benches/firmware/run.sh): CONNECT, REGISTER, PUBLISH at QoS 1,
 * SUBSCRIBE, PINGREQ and DISCONNECT encoded into a static buffer, and each datagram the
 * gateway sends parsed (CONNACK, REGACK, PUBACK, SUBACK, PUBLISH, PINGRESP). The radio is
 * two functions the linker must keep. */

#include <stdint.h>
#include <string.h>

#include "mqtt_codec.h"

void radio_send(const uint8_t *data, size_t len);
size_t radio_receive(uint8_t *buf, size_t cap);
void on_message(const uint8_t *topic, size_t topic_len, const uint8_t *payload, size_t len);

static uint8_t tx[128];
static uint8_t rx[128];

static int send_message(const mqttsn_message *m) {
    size_t n = 0;
    if (mqttsn_encode(m, tx, sizeof tx, &n) != MQTT_OK) return -1;
    radio_send(tx, n);
    return 0;
}

/* Waits for a datagram of `type`; handles PUBLISH on the way. */
static int await(uint8_t type, mqttsn_message *out) {
    for (int tries = 0; tries < 8; tries++) {
        size_t n = radio_receive(rx, sizeof rx);
        if (mqttsn_parse(rx, n, NULL, out, NULL) != MQTT_OK) continue;
        if (out->msg_type == MQTTSN_PUBLISH) on_message(NULL, out->topic_id, out->data.ptr, out->data.len);
        if (out->msg_type == type) return 0;
    }
    return -1;
}

int client_main(void) {
    mqttsn_message m, in;
    uint16_t topic;

    memset(&m, 0, sizeof m);
    m.msg_type = MQTTSN_CONNECT;
    m.clean_session = true;
    m.duration = 60;
    m.text.ptr = (const uint8_t *)"sensor-1";
    m.text.len = 8;
    if (send_message(&m) || await(MQTTSN_CONNACK, &in) || in.return_code != 0) return 1;

    memset(&m, 0, sizeof m);
    m.msg_type = MQTTSN_REGISTER;
    m.msg_id = 1;
    m.text.ptr = (const uint8_t *)"PV/sunshine";
    m.text.len = 11;
    if (send_message(&m) || await(MQTTSN_REGACK, &in)) return 1;
    topic = in.topic_id;

    memset(&m, 0, sizeof m);
    m.msg_type = MQTTSN_PUBLISH;
    m.qos = 1;
    m.topic_id = topic;
    m.msg_id = 2;
    m.data.ptr = (const uint8_t *)"42.5";
    m.data.len = 4;
    if (send_message(&m) || await(MQTTSN_PUBACK, &in)) return 1;

    memset(&m, 0, sizeof m);
    m.msg_type = MQTTSN_SUBSCRIBE;
    m.qos = 1;
    m.msg_id = 3;
    m.text.ptr = (const uint8_t *)"cmd/#";
    m.text.len = 5;
    if (send_message(&m) || await(MQTTSN_SUBACK, &in)) return 1;

    memset(&m, 0, sizeof m);
    m.msg_type = MQTTSN_PINGREQ;
    if (send_message(&m) || await(MQTTSN_PINGRESP, &in)) return 1;

    memset(&m, 0, sizeof m);
    m.msg_type = MQTTSN_DISCONNECT;
    return send_message(&m);
}
