/*
 * pubsub: a small MQTT client over POSIX sockets using libmqtt_codec.
 *
 * Connects, subscribes to PV/#, publishes PV/sunshine at QoS 0, 1 and 2 (completing the
 * QoS 1 and QoS 2 handshakes both ways) and prints what it receives.
 *
 *   pubsub [-5] [-h 127.0.0.1] [-p 1883]      (-5: MQTT 5.0, default 3.1.1)
 */
#define _POSIX_C_SOURCE 200809L

#include "mqtt_codec.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static int fd = -1;
static uint8_t version = MQTT_V3_1_1;

static mqtt_bytes S(const char *s) {
    mqtt_bytes b;
    b.ptr = (const uint8_t *)s;
    b.len = strlen(s);
    return b;
}

static void die(const char *what, mqtt_status st) {
    fprintf(stderr, "pubsub: %s: %s\n", what, mqtt_status_str(st));
    exit(1);
}

/* Encodes `p` (size first) and sends it. */
static void send_packet(const mqtt_packet *p) {
    uint8_t buf[256];
    size_t len, sent = 0;
    mqtt_status st = mqtt_encoded_len(p, version, &len);
    if (st != MQTT_OK) die("encoded_len", st);
    if (len > sizeof buf) die("packet too big", MQTT_ERR_BUFFER_TOO_SMALL);
    st = mqtt_encode(p, version, buf, sizeof buf, &len);
    if (st != MQTT_OK) die("encode", st);
    while (sent < len) {
        ssize_t n = send(fd, buf + sent, len - sent, 0);
        if (n <= 0) {
            perror("send");
            exit(1);
        }
        sent += (size_t)n;
    }
}

static void send_ack(uint8_t type, uint16_t id) {
    mqtt_packet p;
    mqtt_packet_init(&p, type);
    p.packet_id = id;
    send_packet(&p);
}

static void publish(uint8_t qos, uint16_t id, const char *payload) {
    mqtt_packet p;
    mqtt_packet_init(&p, MQTT_PACKET_PUBLISH);
    p.topic = S("PV/sunshine");
    p.qos = qos;
    p.packet_id = qos ? id : 0;
    p.payload = S(payload);
    send_packet(&p);
}

int main(int argc, char **argv) {
    const char *host = "127.0.0.1";
    int port = 1883, i;
    struct sockaddr_in addr;
    struct timeval tv;
    mqtt_decode_options opts;
    mqtt_decoder *d;
    mqtt_packet p;
    mqtt_subscription sub;
    mqtt_status st;
    int received = 0, puback = 0, pubcomp = 0, incoming_qos2_done = 0, subscribed = 0;

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
    tv.tv_sec = 5;
    tv.tv_usec = 0;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);

    opts.version = version;
    opts.role = MQTT_ROLE_CLIENT;
    opts.max_packet_size = 65536;
    if ((st = mqtt_decoder_new(&opts, &d)) != MQTT_OK) die("decoder", st);

    /* CONNECT */
    mqtt_packet_init(&p, MQTT_PACKET_CONNECT);
    p.clean_start = true;
    p.keep_alive = 30;
    p.client_id = S(version == MQTT_V5 ? "pv-pubsub-5" : "pv-pubsub-311");
    send_packet(&p);

    while (!(received == 3 && puback && pubcomp && incoming_qos2_done)) {
        uint8_t chunk[512];
        ssize_t n = recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0) {
            fprintf(stderr, "pubsub: connection closed or timed out\n");
            return 1;
        }
        if ((st = mqtt_decoder_feed(d, chunk, (size_t)n)) != MQTT_OK) die("feed", st);
        while ((st = mqtt_decoder_next(d, &p)) == MQTT_OK) {
            switch (p.packet_type) {
            case MQTT_PACKET_CONNACK:
                printf("CONNACK reason 0x%02x\n", p.reason_code);
                if (p.reason_code != 0) return 1;
                mqtt_packet_init(&p, MQTT_PACKET_SUBSCRIBE);
                p.packet_id = 1;
                memset(&sub, 0, sizeof sub);
                sub.filter = S("PV/#");
                sub.qos = 2;
                p.subscriptions = mqtt_list_of_subscriptions(&sub, 1);
                send_packet(&p);
                break;
            case MQTT_PACKET_SUBACK: {
                mqtt_list_iter it;
                uint8_t rc = 0xFF;
                mqtt_list_iter_init(&it, &p.reason_codes);
                mqtt_list_next_reason_code(&it, &rc);
                printf("SUBACK %u granted QoS %u\n", p.packet_id, rc);
                if (!subscribed) {
                    subscribed = 1;
                    publish(0, 0, "qos0");
                    publish(1, 2, "qos1");
                    publish(2, 3, "qos2");
                }
                break;
            }
            case MQTT_PACKET_PUBLISH:
                printf("RECEIVED %.*s qos=%u payload=%.*s\n", (int)p.topic.len,
                       (const char *)p.topic.ptr, p.qos, (int)p.payload.len,
                       (const char *)p.payload.ptr);
                received++;
                if (p.qos == 1) send_ack(MQTT_PACKET_PUBACK, p.packet_id);
                if (p.qos == 2) send_ack(MQTT_PACKET_PUBREC, p.packet_id);
                break;
            case MQTT_PACKET_PUBREL:
                printf("PUBREL %u\n", p.packet_id);
                send_ack(MQTT_PACKET_PUBCOMP, p.packet_id);
                incoming_qos2_done = 1;
                break;
            case MQTT_PACKET_PUBACK:
                printf("PUBACK %u\n", p.packet_id);
                puback = 1;
                break;
            case MQTT_PACKET_PUBREC:
                printf("PUBREC %u\n", p.packet_id);
                send_ack(MQTT_PACKET_PUBREL, p.packet_id);
                break;
            case MQTT_PACKET_PUBCOMP:
                printf("PUBCOMP %u\n", p.packet_id);
                pubcomp = 1;
                break;
            default:
                printf("packet type %u\n", p.packet_type);
                break;
            }
        }
        if (st != MQTT_NEED_MORE) die("decode", st);
    }

    mqtt_packet_init(&p, MQTT_PACKET_DISCONNECT);
    send_packet(&p);
    mqtt_decoder_free(d);
    close(fd);
    printf("DONE %s\n", version == MQTT_V5 ? "5.0" : "3.1.1");
    return 0;
}
