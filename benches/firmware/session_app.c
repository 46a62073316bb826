/* A device on the heap-free client session (mqtt_fixed_session_*), to measure what the library
 * costs a client that leaves the protocol to it (benches/firmware/run.sh): connect, subscribe,
 * publish at QoS 1, then a loop that feeds the server's bytes (one at a time, as from a UART),
 * takes the events, writes what the session sends and keeps the keep alive, until the UART
 * closes; then DISCONNECT. All its memory is static. APP_VERSION is MQTT_V3_1_1 or MQTT_V5.
 * The transport and the tick are functions the linker must keep (client_stubs.c). */

#include <stdint.h>

#include "mqtt_codec.h"

#ifndef APP_VERSION
#define APP_VERSION MQTT_V3_1_1
#endif

void uart_write(const uint8_t *data, size_t len);
int uart_read_byte(void);
void on_message(const uint8_t *topic, size_t topic_len, const uint8_t *payload, size_t len);
uint32_t tick(void);

static mqtt_fixed_session session;
static mqtt_out_slot outgoing[4];
static mqtt_in_slot incoming[4];
static mqtt_pending_slot pending[1];
static uint8_t messages[512], rx[256], tx[256];

static void flush(void) {
    const uint8_t *data;
    size_t n;
    if (mqtt_fixed_session_transmit(&session, tick(), &data, &n) == MQTT_OK) uart_write(data, n);
}

int client_main(void) {
    mqtt_fixed_config cfg = mqtt_fixed_config_default();
    mqtt_fixed_storage st = {0};
    mqtt_session_event ev;
    int c;

    cfg.version = APP_VERSION;
    cfg.client_id.ptr = (const uint8_t *)"sensor-1";
    cfg.client_id.len = 8;
    st.outgoing = outgoing;
    st.outgoing_count = 4;
    st.messages = messages;
    st.messages_len = sizeof messages;
    st.incoming = incoming;
    st.incoming_count = 4;
    st.pending = pending;
    st.pending_count = 1;
    st.rx = rx;
    st.rx_len = sizeof rx;
    st.tx = tx;
    st.tx_len = sizeof tx;
    if (mqtt_fixed_session_init(&session, &cfg, &st) != MQTT_OK) return 1;
    if (mqtt_fixed_session_connect(&session, tick()) != MQTT_OK) return 1;
    flush();
    while ((c = uart_read_byte()) >= 0) {
        uint8_t byte = (uint8_t)c;
        size_t taken;
        mqtt_fixed_session_receive(&session, &byte, 1, tick(), &taken);
        while (mqtt_fixed_session_poll_event(&session, tick(), &ev) == MQTT_OK) {
            if (ev.kind == MQTT_SESSION_EVENT_CONNECTED) {
                mqtt_fixed_session_subscribe_one(&session, (const uint8_t *)"cmd/#", 5, 1, tick(),
                                                 NULL);
                mqtt_fixed_session_publish(&session, (const uint8_t *)"PV/sunshine", 11,
                                           (const uint8_t *)"42.5", 4, 1, false, tick(), NULL);
            } else if (ev.kind == MQTT_SESSION_EVENT_MESSAGE) {
                on_message(ev.topic.ptr, ev.topic.len, ev.payload.ptr, ev.payload.len);
            } else if (ev.kind == MQTT_SESSION_EVENT_CONNECTION_REFUSED) {
                return 2;
            }
        }
        mqtt_fixed_session_handle_timeout(&session, tick());
        flush();
    }
    mqtt_fixed_session_disconnect(&session, tick());
    flush();
    return 0;
}
