/*
 * bench_ffi.c: times the C ABI of mqtt-codec (one-shot mqtt_decode and mqtt_encode) on the
 * cases of benches/src/lib.rs, with the loop structure of benches/src/bin/bench_core.rs (the
 * same operations through the Rust core), so that benches/c/run.sh can print the ABI's
 * overhead per case.
 *
 * decode: mqtt_decode() of the case's bytes into an mqtt_packet (version of the case,
 * MQTT_ROLE_ANY, no size limit beyond the protocol's); encode: mqtt_encode() of a filled-in
 * mqtt_packet into a preallocated buffer. Each measurement calibrates the loop count to about
 * --target-ms and keeps the best of --repeat loops, timed with clock_gettime(CLOCK_MONOTONIC).
 *
 * Output, one line per case and operation: CASE OP NS_PER_OP LEN FNV1A64, where LEN and
 * FNV1A64 identify the bytes (encoded here by mqtt_encode; the script checks that they are
 * the bytes the Rust core encodes).
 */
#define _POSIX_C_SOURCE 199309L

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mqtt_codec.h"

/* Keeps the compiler from dropping the calls' results. */
static volatile size_t sink;

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static uint64_t fnv1a(const uint8_t *p, size_t n) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x00000100000001b3ULL;
    }
    return h;
}

static void check(mqtt_status st, const char *what) {
    if (st != MQTT_OK) {
        fprintf(stderr, "%s: %s\n", what, mqtt_status_str(st));
        exit(1);
    }
}

/* What one timed call needs. */
typedef struct bench_ctx {
    const uint8_t *bytes;
    size_t len;
    mqtt_decode_options opts;
    const mqtt_packet *packet;
    uint8_t version;
    uint8_t *out;
    size_t out_len;
} bench_ctx;

static void run_decode(const bench_ctx *c, uint64_t iters) {
    mqtt_packet p;
    size_t used = 0;
    for (uint64_t i = 0; i < iters; i++) {
        mqtt_status st = mqtt_decode(c->bytes, c->len, &c->opts, &p, &used);
        sink += (size_t)st + used + p.payload.len;
    }
}

static void run_encode(const bench_ctx *c, uint64_t iters) {
    size_t written = 0;
    for (uint64_t i = 0; i < iters; i++) {
        mqtt_status st = mqtt_encode(c->packet, c->version, c->out, c->out_len, &written);
        sink += (size_t)st + written;
    }
}

/* Nanoseconds per call: calibrated to about target_ms, best of `repeat` loops. */
static double measure(void (*run)(const bench_ctx *, uint64_t), const bench_ctx *c,
                      double target_ms, int repeat) {
    uint64_t iters = 1;
    for (;;) {
        double start = now_ns();
        run(c, iters);
        double ns = now_ns() - start;
        if (ns >= target_ms * 1e6 / 10.0) {
            double want = ceil((double)iters * target_ms * 1e6 / ns);
            iters = want < 1.0 ? 1 : (uint64_t)want;
            break;
        }
        iters *= 2;
    }
    double best = INFINITY;
    for (int r = 0; r < repeat; r++) {
        double start = now_ns();
        run(c, iters);
        double per = (now_ns() - start) / (double)iters;
        if (per < best) best = per;
    }
    return best;
}

#define MAX_PAYLOAD 65536
#define OUT_LEN (1u << 20)

static mqtt_bytes view(const void *p, size_t n) {
    mqtt_bytes b;
    b.ptr = (const uint8_t *)p;
    b.len = n;
    return b;
}

static mqtt_bytes str(const char *s) { return view(s, strlen(s)); }

int main(int argc, char **argv) {
    double target_ms = 50.0;
    int repeat = 7;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--target-ms") == 0 && i + 1 < argc) {
            target_ms = atof(argv[++i]);
        } else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) {
            repeat = atoi(argv[++i]);
        } else {
            fprintf(stderr, "usage: bench_ffi [--target-ms MS] [--repeat N]\n");
            return 2;
        }
    }

    static uint8_t payload[MAX_PAYLOAD];
    memset(payload, 'x', sizeof payload);
    uint8_t *bytes = malloc(OUT_LEN);
    uint8_t *out = malloc(OUT_LEN);
    if (bytes == NULL || out == NULL) return 1;

    /* The cases of benches/src/lib.rs, in its order. */
    enum { N_CASES = 10 };
    static const char *names[N_CASES] = {
        "publish_qos0_16B", "publish_qos0_1KiB", "publish_qos0_64KiB",
        "publish_qos1_16B", "publish_qos1_1KiB", "publish_qos1_64KiB",
        "v5_publish_properties", "connect", "subscribe_10_filters", "puback",
    };
    static const size_t sizes[3] = {16, 1024, 65536};
    static char filter_text[10][32];
    mqtt_subscription subs[10];
    for (int i = 0; i < 10; i++) {
        snprintf(filter_text[i], sizeof filter_text[i], "PV/site-%d/+/power", i);
        memset(&subs[i], 0, sizeof subs[i]);
        subs[i].filter = str(filter_text[i]);
        subs[i].qos = 1;
    }
    mqtt_user_property user_props[1] = {{{(const uint8_t *)"site", 4}, {(const uint8_t *)"roof-1", 6}}};

    for (int k = 0; k < N_CASES; k++) {
        mqtt_packet p;
        uint8_t version = MQTT_V3_1_1;
        if (k < 7) {
            check(mqtt_packet_init(&p, MQTT_PACKET_PUBLISH), "init");
            p.topic = str("PV/data");
            p.qos = (k >= 3) ? 1 : 0;
            p.packet_id = p.qos ? 7 : 0;
            p.payload = view(payload, k < 6 ? sizes[k % 3] : 64);
            if (k == 6) {
                version = MQTT_V5;
                p.properties.has_payload_format_indicator = true;
                p.properties.payload_format_indicator = 1;
                p.properties.has_message_expiry_interval = true;
                p.properties.message_expiry_interval = 60;
                p.properties.content_type = str("application/json");
                p.properties.user_properties = mqtt_list_of_user_properties(user_props, 1);
            }
        } else if (k == 7) {
            check(mqtt_packet_init(&p, MQTT_PACKET_CONNECT), "init");
            p.clean_start = true;
            p.keep_alive = 60;
            p.client_id = str("pv-station-0042");
            p.username = str("station");
            p.password = str("secret");
        } else if (k == 8) {
            check(mqtt_packet_init(&p, MQTT_PACKET_SUBSCRIBE), "init");
            p.packet_id = 3;
            p.subscriptions = mqtt_list_of_subscriptions(subs, 10);
        } else {
            check(mqtt_packet_init(&p, MQTT_PACKET_PUBACK), "init");
            p.packet_id = 7;
        }
        size_t len = 0;
        check(mqtt_encode(&p, version, bytes, OUT_LEN, &len), names[k]);
        uint64_t hash = fnv1a(bytes, len);

        bench_ctx c;
        c.bytes = bytes;
        c.len = len;
        c.opts.version = version;
        c.opts.role = MQTT_ROLE_ANY;
        c.opts.max_packet_size = 0;
        c.packet = &p;
        c.version = version;
        c.out = out;
        c.out_len = OUT_LEN;

        mqtt_packet got;
        size_t used = 0;
        check(mqtt_decode(bytes, len, &c.opts, &got, &used), names[k]);
        if (used != len || got.packet_type != p.packet_type) {
            fprintf(stderr, "%s: decode mismatch\n", names[k]);
            return 1;
        }

        double ns = measure(run_decode, &c, target_ms, repeat);
        printf("%s decode %.2f %zu %016llx\n", names[k], ns, len, (unsigned long long)hash);
        ns = measure(run_encode, &c, target_ms, repeat);
        printf("%s encode %.2f %zu %016llx\n", names[k], ns, len, (unsigned long long)hash);
        fflush(stdout);
    }
    free(bytes);
    free(out);
    return (int)(sink & 0);
}
