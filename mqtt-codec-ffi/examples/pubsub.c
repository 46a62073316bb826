/*
 * pubsub: a small MQTT client over POSIX sockets on the heap-free client session of
 * libmqtt_codec (mqtt_fixed_session_*), as firmware would use it: every byte it needs is a
 * static array given at initialisation, nothing is allocated. The session keeps the
 * protocol: packet identifiers, the QoS 1 and QoS 2 handshakes both ways, keep alive. This
 * file moves bytes between it and the socket, gives it the time, and reacts to its events.
 *
 * Connects, subscribes to PV/# at QoS 2, publishes PV/sunshine at QoS 0, 1 and 2 (to
 * itself, through the broker), prints the events, and the QoS 2 steps the session answers
 * by itself (PUBREC, PUBREL: read off the wire with a decoder, since they make no event),
 * then disconnects.
 *
 *   pubsub [-5] [-h 127.0.0.1] [-p 1883]      (-5: MQTT 5.0, default 3.1.1)
 */
#define _POSIX_C_SOURCE 200809L

#include "mqtt_codec.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int fd = -1;
static mqtt_fixed_session session;
/* The session's memory: 8 messages of ours in flight or queued, 8 of the server's. */
static mqtt_out_slot outgoing[8];
static mqtt_in_slot incoming[8];
static mqtt_pending_slot pending[2];
static uint8_t messages[2048], rx[2048], tx[2048];
static mqtt_decoder trace; /* the packets received, for the steps that make no event */
static uint8_t trace_buf[2048];
static uint16_t qos1_id, qos2_id;
static int received, puback, pubcomp, pubrel;

static void die(const char *what, mqtt_status st) {
    fprintf(stderr, "pubsub: %s: %s\n", what, mqtt_status_str(st));
    exit(1);
}

/* The session's clock: a millisecond tick that may wrap (it only needs differences). */
static uint32_t tick(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

/* Writes everything the session has to send. */
/* Sends what the session has to send; returns how many bytes that was. */
static size_t flush(void) {
    const uint8_t *out;
    size_t n, sent;
    mqtt_status st = mqtt_fixed_session_transmit(&session, tick(), &out, &n);
    if (st != MQTT_OK) die("transmit", st);
    for (sent = 0; sent < n;) {
        ssize_t w = send(fd, out + sent, n - sent, 0);
        if (w <= 0) {
            perror("send");
            exit(1);
        }
        sent += (size_t)w;
    }
    return n;
}

static void publish(uint8_t qos, const char *payload, uint16_t *id) {
    mqtt_status st = mqtt_fixed_session_publish(&session, (const uint8_t *)"PV/sunshine", 11,
                                                (const uint8_t *)payload, strlen(payload), qos,
                                                false, tick(), id);
    if (st != MQTT_OK) die("publish", st);
}

/* Prints the QoS 2 steps in the bytes received, which the session answers by itself. */
static void trace_received(const uint8_t *data, size_t n) {
    mqtt_packet p;
    mqtt_status st;
    if ((st = mqtt_decoder_feed(&trace, data, n)) != MQTT_OK) die("trace", st);
    while ((st = mqtt_decoder_next(&trace, &p)) == MQTT_OK) {
        if (p.packet_type == MQTT_PACKET_PUBREC) printf("PUBREC %u\n", p.packet_id);
        if (p.packet_type == MQTT_PACKET_PUBREL) {
            printf("PUBREL %u\n", p.packet_id);
            pubrel = 1;
        }
    }
    if (st != MQTT_NEED_MORE) die("trace", st);
}

static void on_event(const mqtt_session_event *ev) {
    mqtt_status st;
    mqtt_list_iter it;
    uint8_t granted = 0xFF;
    switch (ev->kind) {
    case MQTT_SESSION_EVENT_CONNECTED:
        printf("CONNACK reason 0x00\n");
        st = mqtt_fixed_session_subscribe_one(&session, (const uint8_t *)"PV/#", 4, 2, tick(),
                                              NULL);
        if (st != MQTT_OK) die("subscribe", st);
        break;
    case MQTT_SESSION_EVENT_CONNECTION_REFUSED:
        printf("CONNACK reason 0x%02x\n", ev->reason_code);
        if (ev->server_speaks_v3) fprintf(stderr, "pubsub: the broker speaks 3.1.1 only\n");
        exit(1);
    case MQTT_SESSION_EVENT_SUBSCRIBED:
        mqtt_list_iter_init(&it, &ev->reason_codes);
        mqtt_list_next_reason_code(&it, &granted);
        printf("SUBACK %u granted QoS %u\n", ev->packet_id, granted);
        publish(0, "qos0", NULL);
        publish(1, "qos1", &qos1_id);
        publish(2, "qos2", &qos2_id);
        break;
    case MQTT_SESSION_EVENT_MESSAGE:
        printf("RECEIVED %.*s qos=%u payload=%.*s\n", (int)ev->topic.len,
               (const char *)ev->topic.ptr, ev->qos, (int)ev->payload.len,
               (const char *)ev->payload.ptr);
        received++;
        break;
    case MQTT_SESSION_EVENT_PUBLISHED:
        if (ev->packet_id == qos1_id) {
            printf("PUBACK %u\n", ev->packet_id);
            puback = 1;
        } else if (ev->packet_id == qos2_id) {
            printf("PUBCOMP %u\n", ev->packet_id);
            pubcomp = 1;
        }
        break;
    case MQTT_SESSION_EVENT_PUBLISH_FAILED:
        fprintf(stderr, "pubsub: message %u failed (reason 0x%02x)\n", ev->packet_id,
                ev->reason_code);
        exit(1);
    case MQTT_SESSION_EVENT_DISCONNECTED:
        fprintf(stderr, "pubsub: disconnected (%s, reason 0x%02x)\n",
                ev->by_server ? "by the broker" : "by us", ev->reason_code);
        exit(1);
    default:
        break;
    }
}

int main(int argc, char **argv) {
    const char *host = "127.0.0.1";
    int port = 1883, i;
    uint8_t version = MQTT_V3_1_1;
    struct sockaddr_in addr;
    mqtt_fixed_config cfg = mqtt_fixed_config_default();
    mqtt_fixed_storage storage;
    mqtt_decode_options opts;
    mqtt_session_event ev;
    mqtt_status st;
    uint32_t start;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-5") == 0) version = MQTT_V5;
        else if (strcmp(argv[i], "-h") == 0 && i + 1 < argc) host = argv[++i];
        else if (strcmp(argv[i], "-p") == 0 && i + 1 < argc) port = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: %s [-5] [-h host] [-p port]\n", argv[0]);
            return 2;
        }
    }

    fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    if (fd < 0 || inet_pton(AF_INET, host, &addr.sin_addr) != 1 ||
        connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        perror("connect");
        return 1;
    }

    cfg.version = version;
    cfg.client_id.ptr = (const uint8_t *)(version == MQTT_V5 ? "pv-pubsub-5" : "pv-pubsub-311");
    cfg.client_id.len = strlen((const char *)cfg.client_id.ptr);
    cfg.keep_alive = 30;
    memset(&storage, 0, sizeof storage);
    storage.outgoing = outgoing;
    storage.outgoing_count = sizeof outgoing / sizeof outgoing[0];
    storage.messages = messages;
    storage.messages_len = sizeof messages;
    storage.incoming = incoming;
    storage.incoming_count = sizeof incoming / sizeof incoming[0];
    storage.pending = pending;
    storage.pending_count = sizeof pending / sizeof pending[0];
    storage.rx = rx;
    storage.rx_len = sizeof rx;
    storage.tx = tx;
    storage.tx_len = sizeof tx;
    if ((st = mqtt_fixed_session_init(&session, &cfg, &storage)) != MQTT_OK) die("session", st);
    opts.version = version;
    opts.role = MQTT_ROLE_CLIENT;
    opts.max_packet_size = 0;
    st = mqtt_decoder_init(&trace, trace_buf, sizeof trace_buf, &opts);
    if (st != MQTT_OK) die("decoder", st);

    start = tick();
    if ((st = mqtt_fixed_session_connect(&session, start)) != MQTT_OK) die("connect", st);
    while (!(received == 3 && puback && pubcomp && pubrel)) {
        struct pollfd pfd;
        uint32_t wait = 1000, now;
        flush();
        now = tick();
        if (now - start > 10000) {
            fprintf(stderr, "pubsub: timed out\n");
            return 1;
        }
        if (mqtt_fixed_session_next_timeout(&session, now, NULL, &wait) != MQTT_OK || wait > 1000)
            wait = 1000;
        pfd.fd = fd;
        pfd.events = POLLIN;
        if (poll(&pfd, 1, (int)wait) > 0) {
            uint8_t chunk[512];
            size_t at, taken;
            ssize_t n = recv(fd, chunk, sizeof chunk, 0);
            if (n <= 0) {
                mqtt_fixed_session_connection_lost(&session, tick());
                fprintf(stderr, "pubsub: connection closed\n");
                return 1;
            }
            trace_received(chunk, (size_t)n);
            /* The receive buffer takes what it has room for; the rest goes in once the
             * events (the packets) before it are taken out. */
            for (at = 0; at < (size_t)n; at += taken) {
                mqtt_fixed_session_receive(&session, chunk + at, (size_t)n - at, tick(), &taken);
                /* MQTT_END also comes when an answer has no room in the transmit buffer:
                 * once what it holds is sent, the events go on. */
                do {
                    while (mqtt_fixed_session_poll_event(&session, tick(), &ev) == MQTT_OK)
                        on_event(&ev);
                } while (flush() > 0);
            }
        }
        mqtt_fixed_session_handle_timeout(&session, tick());
        while (mqtt_fixed_session_poll_event(&session, tick(), &ev) == MQTT_OK) on_event(&ev);
    }

    /* The PUBCOMP of the broker's QoS 2 message, then DISCONNECT. */
    if ((st = mqtt_fixed_session_disconnect(&session, tick())) != MQTT_OK) die("disconnect", st);
    flush();
    close(fd);
    while (mqtt_fixed_session_poll_event(&session, tick(), &ev) == MQTT_OK)
        if (ev.kind != MQTT_SESSION_EVENT_DISCONNECTED) on_event(&ev);
    mqtt_decoder_free(&trace);
    printf("DONE %s\n", version == MQTT_V5 ? "5.0" : "3.1.1");
    return 0;
}
