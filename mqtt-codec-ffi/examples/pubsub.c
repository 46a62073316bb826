/*
 * pubsub: a small MQTT client over POSIX sockets on the client session of libmqtt_codec
 * (mqtt_session_*). The session keeps the protocol: packet identifiers, the QoS 1 and QoS 2
 * handshakes both ways, keep alive. This file moves bytes between it and the socket, gives
 * it the time, and reacts to its events.
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
static mqtt_session *session;
static mqtt_decoder *trace; /* the packets received, for the steps that make no event */
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
static void flush(void) {
    uint8_t out[512];
    size_t n, sent;
    mqtt_status st;
    do {
        st = mqtt_session_data_to_send(session, out, sizeof out, &n);
        if (st != MQTT_OK && st != MQTT_MORE_TO_SEND) die("data_to_send", st);
        for (sent = 0; sent < n;) {
            ssize_t w = send(fd, out + sent, n - sent, 0);
            if (w <= 0) {
                perror("send");
                exit(1);
            }
            sent += (size_t)w;
        }
    } while (st == MQTT_MORE_TO_SEND);
}

static void publish(uint8_t qos, const char *payload, uint16_t *id) {
    mqtt_status st = mqtt_session_publish(session, (const uint8_t *)"PV/sunshine", 11,
                                          (const uint8_t *)payload, strlen(payload), qos, false,
                                          tick(), id);
    if (st != MQTT_OK) die("publish", st);
}

/* Prints the QoS 2 steps in the bytes received, which the session answers by itself. */
static void trace_received(const uint8_t *data, size_t n) {
    mqtt_packet p;
    mqtt_status st;
    if ((st = mqtt_decoder_feed(trace, data, n)) != MQTT_OK) die("trace", st);
    while ((st = mqtt_decoder_next(trace, &p)) == MQTT_OK) {
        if (p.packet_type == MQTT_PACKET_PUBREC) printf("PUBREC %u\n", p.packet_id);
        if (p.packet_type == MQTT_PACKET_PUBREL) {
            printf("PUBREL %u\n", p.packet_id);
            pubrel = 1;
        }
    }
    if (st != MQTT_NEED_MORE) die("trace", st);
}

static void on_event(const mqtt_session_event *ev) {
    mqtt_subscription sub;
    mqtt_status st;
    switch (ev->kind) {
    case MQTT_SESSION_EVENT_CONNECTED:
        printf("CONNACK reason 0x00\n");
        memset(&sub, 0, sizeof sub);
        sub.filter.ptr = (const uint8_t *)"PV/#";
        sub.filter.len = 4;
        sub.qos = 2;
        if ((st = mqtt_session_subscribe(session, &sub, 1, tick(), NULL)) != MQTT_OK)
            die("subscribe", st);
        break;
    case MQTT_SESSION_EVENT_CONNECTION_REFUSED:
        printf("CONNACK reason 0x%02x\n", ev->reason_code);
        if (ev->server_speaks_v3) fprintf(stderr, "pubsub: the broker speaks 3.1.1 only\n");
        exit(1);
    case MQTT_SESSION_EVENT_SUBSCRIBED:
        printf("SUBACK %u granted QoS %u\n", ev->packet_id,
               ev->reason_codes.count ? ((const uint8_t *)ev->reason_codes.items)[0] : 0xFF);
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
    mqtt_session_config cfg = mqtt_session_config_default();
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
    if ((session = mqtt_session_new(&cfg, &st)) == NULL) die("session", st);
    opts.version = version;
    opts.role = MQTT_ROLE_CLIENT;
    opts.max_packet_size = 65536;
    if ((st = mqtt_decoder_new(&opts, &trace)) != MQTT_OK) die("decoder", st);

    start = tick();
    if ((st = mqtt_session_connect(session, start)) != MQTT_OK) die("connect", st);
    while (!(received == 3 && puback && pubcomp && pubrel)) {
        struct pollfd pfd;
        uint32_t wait = 1000, now;
        flush();
        now = tick();
        if (now - start > 10000) {
            fprintf(stderr, "pubsub: timed out\n");
            return 1;
        }
        if (mqtt_session_next_timeout(session, now, NULL, &wait) != MQTT_OK || wait > 1000)
            wait = 1000;
        pfd.fd = fd;
        pfd.events = POLLIN;
        if (poll(&pfd, 1, (int)wait) > 0) {
            uint8_t chunk[512];
            ssize_t n = recv(fd, chunk, sizeof chunk, 0);
            if (n <= 0) {
                mqtt_session_connection_lost(session, tick());
                fprintf(stderr, "pubsub: connection closed\n");
                return 1;
            }
            trace_received(chunk, (size_t)n);
            mqtt_session_receive(session, chunk, (size_t)n, tick());
        }
        mqtt_session_handle_timeout(session, tick());
        while (mqtt_session_poll_event(session, &ev) == MQTT_OK) on_event(&ev);
    }

    /* The PUBCOMP of the broker's QoS 2 message, then DISCONNECT. */
    if ((st = mqtt_session_disconnect(session, tick())) != MQTT_OK) die("disconnect", st);
    flush();
    close(fd);
    while (mqtt_session_poll_event(session, &ev) == MQTT_OK)
        if (ev.kind != MQTT_SESSION_EVENT_DISCONNECTED) on_event(&ev);
    mqtt_session_free(session);
    mqtt_decoder_free(trace);
    printf("DONE %s\n", version == MQTT_V5 ? "5.0" : "3.1.1");
    return 0;
}
