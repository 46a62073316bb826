/*
 * C tests of libmqtt_codec: encode and decode of every packet type and version, malformed
 * input (every decode error kind), null and short-buffer arguments, chunked streaming input,
 * encode errors, the topic helpers, MQTT-SN 1.2 (test_sn.inc.c), MQTT-SN 2.0
 * (test_sn2.inc.c), the heap-free client session (test_fixed_session.inc.c, also on firmware)
 * and the heap client session (test_session.inc.c), when the header declares them.
 * Prints "N passed, M failed"; exits 1 on a failure.
 */
#include "mqtt_codec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed, failed;

#define CHECK(cond)                                                                    \
    do {                                                                               \
        if (cond) {                                                                    \
            passed++;                                                                  \
        } else {                                                                       \
            failed++;                                                                  \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                              \
    } while (0)

#define CHECK_ST(expr, want)                                                            \
    do {                                                                                \
        mqtt_status got_ = (expr);                                                      \
        if (got_ == (want)) {                                                           \
            passed++;                                                                   \
        } else {                                                                        \
            failed++;                                                                   \
            fprintf(stderr, "%s:%d: %s gave %d (%s), wanted %s\n", __FILE__, __LINE__, #expr, \
                    (int)got_, mqtt_status_str(got_), #want);                           \
        }                                                                               \
    } while (0)

static mqtt_bytes S(const char *s) {
    mqtt_bytes b;
    b.ptr = (const uint8_t *)s;
    b.len = strlen(s);
    return b;
}

static int eq(mqtt_bytes b, const char *s) {
    return b.ptr != NULL && b.len == strlen(s) && memcmp(b.ptr, s, b.len) == 0;
}

static size_t unhex(const char *hex, uint8_t *out, size_t cap) {
    size_t n = 0;
    while (*hex) {
        unsigned v;
        if (*hex == ' ') {
            hex++;
            continue;
        }
        if (n == cap || sscanf(hex, "%2x", &v) != 1) {
            fprintf(stderr, "bad hex %s\n", hex);
            exit(2);
        }
        out[n++] = (uint8_t)v;
        hex += 2;
    }
    return n;
}

/* ---- building one packet of each type ---------------------------------------------- */

static mqtt_subscription subs[3];
static mqtt_bytes filters[2];
static uint8_t suback_codes_v3[4] = {0x00, 0x01, 0x02, 0x80};
static uint8_t suback_codes_v5[3] = {0x01, 0x02, 0x87};
static uint8_t unsuback_codes[2] = {0x00, 0x11};
static mqtt_user_property ups[2];
static uint32_t sub_ids[2] = {7, 268435455};

static const uint8_t TYPES[] = {
    MQTT_PACKET_CONNECT, MQTT_PACKET_CONNACK, MQTT_PACKET_PUBLISH, MQTT_PACKET_PUBACK,
    MQTT_PACKET_PUBREC, MQTT_PACKET_PUBREL, MQTT_PACKET_PUBCOMP, MQTT_PACKET_SUBSCRIBE,
    MQTT_PACKET_SUBACK, MQTT_PACKET_UNSUBSCRIBE, MQTT_PACKET_UNSUBACK, MQTT_PACKET_PINGREQ,
    MQTT_PACKET_PINGRESP, MQTT_PACKET_DISCONNECT, MQTT_PACKET_AUTH};

static void setup_arrays(void) {
    subs[0].filter = S("PV/#");
    subs[0].qos = 1;
    subs[1].filter = S("a/+/c");
    subs[1].qos = 2;
    subs[2].filter = S("$share/g/x");
    subs[2].qos = 0;
    filters[0] = S("PV/#");
    filters[1] = S("a/+");
    ups[0].name = S("k");
    ups[0].value = S("v");
    ups[1].name = S("k");
    ups[1].value = S("second");
}

/* Fills `p` with a packet of `type` for `version`; returns 0 if the version has no such packet. */
static int make(uint8_t type, uint8_t version, mqtt_packet *p) {
    int v5 = version == MQTT_V5;
    CHECK_ST(mqtt_packet_init(p, type), MQTT_OK);
    if (v5) {
        p->properties.user_properties = mqtt_list_of_user_properties(ups, 2);
    }
    switch (type) {
    case MQTT_PACKET_CONNECT:
        p->clean_start = true;
        p->keep_alive = 60;
        p->client_id = S("pv-client");
        p->has_will = true;
        p->will.topic = S("PV/will");
        p->will.payload = S("gone");
        p->will.qos = 1;
        p->will.retain = true;
        p->username = S("user");
        p->password = S("secret");
        if (v5) {
            p->properties.has_session_expiry_interval = true;
            p->properties.session_expiry_interval = 3600;
            p->properties.has_receive_maximum = true;
            p->properties.receive_maximum = 10;
            p->will.properties.has_will_delay_interval = true;
            p->will.properties.will_delay_interval = 5;
            p->will.properties.content_type = S("text/plain");
            p->will.properties.user_properties = mqtt_list_of_user_properties(ups, 1);
        }
        break;
    case MQTT_PACKET_CONNACK:
        p->session_present = version != MQTT_V3_1;
        if (v5) {
            p->properties.assigned_client_identifier = S("assigned");
            p->properties.has_topic_alias_maximum = true;
            p->properties.topic_alias_maximum = 5;
        }
        break;
    case MQTT_PACKET_PUBLISH:
        p->qos = 2;
        p->dup = true;
        p->retain = true;
        p->topic = S("PV/sunshine");
        p->packet_id = 7;
        p->payload = S("true");
        if (v5) {
            p->properties.has_payload_format_indicator = true;
            p->properties.payload_format_indicator = 1;
            p->properties.response_topic = S("PV/reply");
            p->properties.correlation_data = S("\x01\x02");
            p->properties.subscription_identifiers =
                mqtt_list_of_subscription_identifiers(sub_ids, 2);
        }
        break;
    case MQTT_PACKET_PUBACK:
    case MQTT_PACKET_PUBREC:
    case MQTT_PACKET_PUBREL:
    case MQTT_PACKET_PUBCOMP:
        p->packet_id = 65535;
        if (v5) {
            p->reason_code = type == MQTT_PACKET_PUBREL || type == MQTT_PACKET_PUBCOMP ? 0x92 : 0x10;
            p->properties.reason_string = S("why");
        }
        break;
    case MQTT_PACKET_SUBSCRIBE:
        p->packet_id = 1;
        p->subscriptions = mqtt_list_of_subscriptions(subs, 3);
        if (v5) {
            subs[0].no_local = true;
            subs[0].retain_as_published = true;
            subs[0].retain_handling = MQTT_RETAIN_DO_NOT_SEND;
            p->properties.subscription_identifiers =
                mqtt_list_of_subscription_identifiers(sub_ids, 1);
        } else {
            subs[0].no_local = false;
            subs[0].retain_as_published = false;
            subs[0].retain_handling = 0;
        }
        break;
    case MQTT_PACKET_SUBACK:
        p->packet_id = 1;
        p->reason_codes = v5 ? mqtt_list_of_reason_codes(suback_codes_v5, 3)
                             : mqtt_list_of_reason_codes(suback_codes_v3, 4);
        break;
    case MQTT_PACKET_UNSUBSCRIBE:
        p->packet_id = 2;
        p->topic_filters = mqtt_list_of_topic_filters(filters, 2);
        break;
    case MQTT_PACKET_UNSUBACK:
        p->packet_id = 2;
        if (v5) p->reason_codes = mqtt_list_of_reason_codes(unsuback_codes, 2);
        break;
    case MQTT_PACKET_DISCONNECT:
        if (v5) {
            p->reason_code = 0x04;
            p->properties.has_session_expiry_interval = true;
            p->properties.session_expiry_interval = 0;
        }
        break;
    case MQTT_PACKET_AUTH:
        if (!v5) return 0;
        p->reason_code = 0x18;
        p->properties.authentication_method = S("SCRAM-SHA-1");
        p->properties.authentication_data = S("data");
        break;
    default:
        break;
    }
    return 1;
}

/* Checks the decoded fields that `make` set. */
static void check_fields(const mqtt_packet *q, uint8_t type, uint8_t version) {
    int v5 = version == MQTT_V5;
    mqtt_list_iter it;
    CHECK(q->packet_type == type);
    if (v5 && type != MQTT_PACKET_PINGREQ && type != MQTT_PACKET_PINGRESP &&
        type != MQTT_PACKET_AUTH) {
        mqtt_user_property up;
        CHECK_ST(mqtt_list_iter_init(&it, &q->properties.user_properties), MQTT_OK);
        CHECK_ST(mqtt_list_next_user_property(&it, &up), MQTT_OK);
        CHECK(eq(up.name, "k") && eq(up.value, "v"));
        CHECK_ST(mqtt_list_next_user_property(&it, &up), MQTT_OK);
        CHECK(eq(up.value, "second"));
        CHECK_ST(mqtt_list_next_user_property(&it, &up), MQTT_END);
    }
    switch (type) {
    case MQTT_PACKET_CONNECT:
        CHECK(q->protocol_version == version);
        CHECK(q->clean_start && q->keep_alive == 60 && eq(q->client_id, "pv-client"));
        CHECK(q->has_will && eq(q->will.topic, "PV/will") && eq(q->will.payload, "gone"));
        CHECK(q->will.qos == 1 && q->will.retain);
        CHECK(eq(q->username, "user") && eq(q->password, "secret"));
        if (v5) {
            CHECK(q->properties.has_session_expiry_interval &&
                  q->properties.session_expiry_interval == 3600);
            CHECK(q->will.properties.has_will_delay_interval && q->will.properties.will_delay_interval == 5);
            CHECK(eq(q->will.properties.content_type, "text/plain"));
            CHECK(q->will.properties.user_properties.count == 1);
        }
        break;
    case MQTT_PACKET_CONNACK:
        CHECK(q->session_present == (version != MQTT_V3_1) && q->reason_code == 0);
        if (v5) CHECK(eq(q->properties.assigned_client_identifier, "assigned"));
        break;
    case MQTT_PACKET_PUBLISH: {
        CHECK(q->qos == 2 && q->dup && q->retain && q->packet_id == 7);
        CHECK(eq(q->topic, "PV/sunshine") && eq(q->payload, "true"));
        if (v5) {
            uint32_t id;
            CHECK(eq(q->properties.response_topic, "PV/reply"));
            CHECK(q->properties.correlation_data.len == 2);
            CHECK(q->properties.content_type.ptr == NULL);
            CHECK_ST(mqtt_list_iter_init(&it, &q->properties.subscription_identifiers), MQTT_OK);
            CHECK_ST(mqtt_list_next_subscription_identifier(&it, &id), MQTT_OK);
            CHECK(id == 7);
            CHECK_ST(mqtt_list_next_subscription_identifier(&it, &id), MQTT_OK);
            CHECK(id == 268435455);
            CHECK_ST(mqtt_list_next_subscription_identifier(&it, &id), MQTT_END);
        }
        break;
    }
    case MQTT_PACKET_PUBACK:
    case MQTT_PACKET_PUBREC:
    case MQTT_PACKET_PUBREL:
    case MQTT_PACKET_PUBCOMP:
        CHECK(q->packet_id == 65535);
        if (v5) CHECK(eq(q->properties.reason_string, "why") && q->reason_code != 0);
        break;
    case MQTT_PACKET_SUBSCRIBE: {
        mqtt_subscription s;
        uint8_t rc;
        CHECK(q->packet_id == 1 && q->subscriptions.count == 3);
        CHECK_ST(mqtt_list_iter_init(&it, &q->subscriptions), MQTT_OK);
        CHECK_ST(mqtt_list_next_reason_code(&it, &rc), MQTT_ERR_INVALID_ARGUMENT);
        CHECK_ST(mqtt_list_next_subscription(&it, &s), MQTT_OK);
        CHECK(eq(s.filter, "PV/#") && s.qos == 1);
        if (v5) CHECK(s.no_local && s.retain_as_published && s.retain_handling == 2);
        CHECK_ST(mqtt_list_next_subscription(&it, &s), MQTT_OK);
        CHECK(eq(s.filter, "a/+/c") && s.qos == 2);
        CHECK_ST(mqtt_list_next_subscription(&it, &s), MQTT_OK);
        CHECK(eq(s.filter, "$share/g/x") && s.qos == 0);
        CHECK_ST(mqtt_list_next_subscription(&it, &s), MQTT_END);
        break;
    }
    case MQTT_PACKET_SUBACK: {
        uint8_t rc;
        CHECK_ST(mqtt_list_iter_init(&it, &q->reason_codes), MQTT_OK);
        CHECK_ST(mqtt_list_next_reason_code(&it, &rc), MQTT_OK);
        CHECK(rc == (v5 ? 0x01 : 0x00));
        CHECK(q->reason_codes.count == (v5 ? 3u : 4u));
        break;
    }
    case MQTT_PACKET_UNSUBSCRIBE: {
        mqtt_bytes f;
        CHECK_ST(mqtt_list_iter_init(&it, &q->topic_filters), MQTT_OK);
        CHECK_ST(mqtt_list_next_topic_filter(&it, &f), MQTT_OK);
        CHECK(eq(f, "PV/#"));
        CHECK_ST(mqtt_list_next_topic_filter(&it, &f), MQTT_OK);
        CHECK(eq(f, "a/+"));
        CHECK_ST(mqtt_list_next_topic_filter(&it, &f), MQTT_END);
        break;
    }
    case MQTT_PACKET_UNSUBACK:
        CHECK(q->packet_id == 2 && q->reason_codes.count == (v5 ? 2u : 0u));
        break;
    case MQTT_PACKET_DISCONNECT:
        CHECK(q->reason_code == (v5 ? 0x04 : 0));
        break;
    case MQTT_PACKET_AUTH:
        CHECK(q->reason_code == 0x18 && eq(q->properties.authentication_method, "SCRAM-SHA-1"));
        break;
    default:
        break;
    }
}

/* Feeds two copies of buf[0..n] to `d` in chunks of `chunk` (feeding again what a full
   buffer did not take), takes the packets as they complete and checks each. */
static void stream_twice(mqtt_decoder *d, const uint8_t *buf, size_t n, size_t chunk, uint8_t type,
                         uint8_t version) {
    uint8_t piece[512];
    size_t i, got = 0;
    mqtt_packet r;
    for (i = 0; i < 2 * n; i += chunk) {
        size_t k = 2 * n - i < chunk ? 2 * n - i : chunk;
        size_t j, off = 0;
        for (j = 0; j < k; j++) piece[j] = buf[(i + j) % n];
        while (off < k) {
            size_t taken = 0;
            mqtt_status st;
            CHECK_ST(mqtt_decoder_feed_some(d, piece + off, k - off, &taken), MQTT_OK);
            off += taken;
            while ((st = mqtt_decoder_next(d, &r)) == MQTT_OK) {
                uint8_t out[512];
                size_t m = 0;
                got++;
                check_fields(&r, type, version);
                CHECK_ST(mqtt_encode(&r, version, out, sizeof out, &m), MQTT_OK);
                CHECK(m == n && memcmp(buf, out, n) == 0);
            }
            CHECK_ST(st, MQTT_NEED_MORE);
            if (taken == 0) {
                CHECK(!"the decoder took nothing with room for a packet");
                return;
            }
        }
    }
    CHECK(got == 2);
    CHECK_ST(mqtt_decoder_next(d, &r), MQTT_NEED_MORE);
    CHECK(mqtt_decoder_version(d) == version);
}

/* Encode, decode one-shot, re-encode the decoded struct, stream it in chunks of `chunk`. */
static void roundtrip(uint8_t type, uint8_t version, size_t chunk) {
    mqtt_packet p, q, r;
    uint8_t buf[512], again[512];
    size_t len = 0, n = 0, used = 0, i;
    mqtt_decode_options opts;
    mqtt_decoder *d = NULL;

    if (!make(type, version, &p)) {
        mqtt_packet_init(&p, type);
        CHECK_ST(mqtt_encoded_len(&p, version, &len), MQTT_ERR_NOT_REPRESENTABLE);
        return;
    }
    CHECK_ST(mqtt_encoded_len(&p, version, &len), MQTT_OK);
    CHECK_ST(mqtt_encode(&p, version, buf, sizeof buf, &n), MQTT_OK);
    CHECK(n == len);

    opts.version = version;
    opts.role = MQTT_ROLE_ANY;
    opts.max_packet_size = 0;
    if (type == MQTT_PACKET_CONNECT) opts.version = MQTT_VERSION_UNKNOWN;
    /* Every proper prefix asks for more bytes. */
    for (i = 0; i < n; i++) {
        size_t more = 0;
        CHECK_ST(mqtt_decode(buf, i, &opts, &q, &more), MQTT_NEED_MORE);
        CHECK(more >= 1 && i + more <= n);
    }
    CHECK_ST(mqtt_decode(buf, n, &opts, &q, &used), MQTT_OK);
    CHECK(used == n);
    check_fields(&q, type, version);
    /* The decoded struct (lists read from the wire) encodes to the same bytes. */
    CHECK_ST(mqtt_encode(&q, version, again, sizeof again, &used), MQTT_OK);
    CHECK(used == n && memcmp(buf, again, n) == 0);

    /* Streaming, in chunks, twice in a row: into a buffer of exactly one packet, with no
       heap, and into the growable one. */
    {
        static uint8_t rx[512];
        mqtt_decoder fixed;
        CHECK_ST(mqtt_decoder_init(&fixed, rx, n, &opts), MQTT_OK);
        stream_twice(&fixed, buf, n, chunk, type, version);
        mqtt_decoder_free(&fixed);
        CHECK_ST(mqtt_decoder_next(&fixed, &r), MQTT_ERR_INVALID_ARGUMENT);
    }
#if defined(MQTT_CODEC_ALLOC)
    CHECK_ST(mqtt_decoder_new(&opts, &d), MQTT_OK);
    stream_twice(d, buf, n, chunk, type, version);
    mqtt_decoder_free(d);
#else
    (void)d;
#endif
}

/* ---- malformed input: one case per decode error kind -------------------------------- */

struct bad {
    uint8_t version, role;
    size_t max;
    const char *hex;
    mqtt_status want;
};

static const struct bad BAD[] = {
    {4, 0, 0, "00 00", MQTT_ERR_RESERVED_PACKET_TYPE},
    {4, 0, 0, "60 02 00 01", MQTT_ERR_INVALID_FLAGS},
    {4, 0, 0, "36 05 00 01 61 00 01", MQTT_ERR_PUBLISH_QOS3},
    {4, 0, 0, "38 03 00 01 61", MQTT_ERR_DUP_WITH_QOS0},
    {4, 0, 0, "30 FF FF FF FF 01", MQTT_ERR_VARINT_TOO_LONG},
    {4, 0, 0, "30 80 00", MQTT_ERR_NON_MINIMAL_VARINT},
    {4, 0, 10, "30 7F", MQTT_ERR_PACKET_TOO_LARGE},
    {4, 0, 0, "30 02 00 05", MQTT_ERR_UNEXPECTED_END},
    {4, 0, 0, "10 0D 00 04 4D 51 54 54 04 02 00 3C 00 00 FF", MQTT_ERR_TRAILING_BYTES},
    {4, 0, 0, "40 03 00 01 00", MQTT_ERR_INVALID_REMAINING_LENGTH},
    {4, 0, 0, "30 04 00 02 C3 28", MQTT_ERR_INVALID_UTF8},
    {4, 0, 0, "30 04 00 02 61 00", MQTT_ERR_NULL_CHARACTER},
    {0, 2, 0, "10 0C 00 04 4D 51 54 58 04 02 00 3C 00 00", MQTT_ERR_UNSUPPORTED_PROTOCOL_NAME},
    {0, 2, 0, "10 0C 00 04 4D 51 54 54 07 02 00 3C 00 00", MQTT_ERR_UNSUPPORTED_PROTOCOL_LEVEL},
    {0, 2, 0, "10 0C 00 04 4D 51 54 54 04 03 00 3C 00 00", MQTT_ERR_CONNECT_RESERVED_FLAG},
    {0, 2, 0, "10 0C 00 04 4D 51 54 54 04 0A 00 3C 00 00", MQTT_ERR_WILL_QOS_WITHOUT_WILL},
    {0, 2, 0, "10 0C 00 04 4D 51 54 54 04 22 00 3C 00 00", MQTT_ERR_WILL_RETAIN_WITHOUT_WILL},
    {0, 2, 0, "10 0C 00 04 4D 51 54 54 04 1E 00 3C 00 00", MQTT_ERR_WILL_QOS3},
    {0, 2, 0, "10 0C 00 04 4D 51 54 54 04 42 00 3C 00 00", MQTT_ERR_PASSWORD_WITHOUT_USERNAME},
    {0, 2, 0, "10 0C 00 04 4D 51 54 54 04 00 00 3C 00 00",
     MQTT_ERR_EMPTY_CLIENT_ID_WITHOUT_CLEAN_SESSION},
    {4, 1, 0, "20 02 02 00", MQTT_ERR_CONNACK_RESERVED_FLAGS},
    {4, 1, 0, "20 02 01 01", MQTT_ERR_SESSION_PRESENT_ON_FAILURE},
    {4, 1, 0, "20 02 00 06", MQTT_ERR_INVALID_REASON_CODE},
    {5, 1, 0, "E0 01 04", MQTT_ERR_REASON_CODE_FROM_WRONG_SIDE},
    {4, 0, 0, "40 02 00 00", MQTT_ERR_ZERO_PACKET_ID},
    {4, 0, 0, "30 05 00 03 61 2F 2B", MQTT_ERR_INVALID_TOPIC_NAME},
    {4, 2, 0, "82 07 00 01 00 02 61 23 00", MQTT_ERR_INVALID_TOPIC_FILTER},
    {5, 0, 0, "30 03 00 00 00", MQTT_ERR_EMPTY_TOPIC_WITHOUT_ALIAS},
    {4, 1, 0, "90 02 00 01", MQTT_ERR_EMPTY_PAYLOAD},
    {4, 2, 0, "82 02 00 01", MQTT_ERR_EMPTY_SUBSCRIPTION_LIST},
    {4, 2, 0, "82 06 00 01 00 01 61 03", MQTT_ERR_INVALID_REQUESTED_QOS},
    {5, 2, 0, "82 07 00 01 00 00 01 61 C0", MQTT_ERR_SUBSCRIPTION_OPTIONS_RESERVED},
    {5, 2, 0, "82 07 00 01 00 00 01 61 03", MQTT_ERR_SUBSCRIPTION_QOS3},
    {5, 2, 0, "82 07 00 01 00 00 01 61 30", MQTT_ERR_RETAIN_HANDLING3},
    {5, 2, 0, "82 10 00 01 00 00 0A 24 73 68 61 72 65 2F 67 2F 61 04",
     MQTT_ERR_NO_LOCAL_ON_SHARED_SUBSCRIPTION},
    {5, 0, 0, "40 05 00 01 00 01 7F", MQTT_ERR_UNKNOWN_PROPERTY},
    {5, 0, 0, "40 07 00 01 00 03 23 00 01", MQTT_ERR_PROPERTY_NOT_ALLOWED},
    {5, 0, 0, "40 0C 00 01 00 08 1F 00 01 61 1F 00 01 61", MQTT_ERR_DUPLICATE_PROPERTY},
    {5, 0, 0, "30 06 00 01 61 02 01 02", MQTT_ERR_INVALID_PROPERTY_VALUE},
    {5, 0, 0, "30 07 00 01 61 03 23 00 00", MQTT_ERR_TOPIC_ALIAS_INVALID},
    {0, 2, 0, "10 11 00 04 4D 51 54 54 05 02 00 3C 04 16 00 01 61 00 00",
     MQTT_ERR_AUTHENTICATION_DATA_WITHOUT_METHOD},
    {5, 0, 0, "F0 02 18 00", MQTT_ERR_MISSING_AUTHENTICATION_METHOD},
    {5, 2, 0, "30 06 00 01 61 02 0B 01", MQTT_ERR_SUBSCRIPTION_IDENTIFIER_FROM_CLIENT},
    {5, 1, 0, "E0 07 00 05 11 00 00 00 01", MQTT_ERR_SESSION_EXPIRY_FROM_SERVER},
    {4, 1, 0, "C0 00", MQTT_ERR_UNEXPECTED_PACKET},
    {0, 2, 0, "C0 00", MQTT_ERR_FIRST_PACKET_NOT_CONNECT},
};

/* Feeding `buf` fails `d` with `want`; it stays failed. */
static void check_failed(mqtt_decoder *d, const uint8_t *buf, size_t n, mqtt_status want) {
    mqtt_packet p;
    CHECK_ST(mqtt_decoder_feed(d, buf, n), MQTT_OK);
    CHECK(mqtt_decoder_next(d, &p) == want);
    CHECK(mqtt_decoder_error(d) == want);
    CHECK_ST(mqtt_decoder_next(d, &p), MQTT_ERR_DECODER_FAILED);
    CHECK_ST(mqtt_decoder_feed(d, buf, n), MQTT_ERR_DECODER_FAILED);
}

/* A decoder over the caller's buffer: a packet larger than the buffer is refused from its
   fixed header, a full buffer takes what fits, an uninitialised decoder is refused. */
static void test_fixed_decoder(void) {
    static uint8_t rx[16];
    static const uint8_t big_header[] = {0x30, 0xC8, 0x01}; /* PUBLISH of 200 bytes */
    static const uint8_t acks[] = {0x40, 0x02, 0x00, 0x07, 0x40, 0x02, 0x00, 0x08,
                                   0x40, 0x02, 0x00, 0x09, 0x40, 0x02, 0x00, 0x0A, 0xD0, 0x00};
    mqtt_decode_options opts = {MQTT_V5, MQTT_ROLE_CLIENT, 0};
    mqtt_decoder d;
    mqtt_packet p;
    size_t i, taken = 0;
    memset(&d, 0, sizeof d);
    CHECK_ST(mqtt_decoder_next(&d, &p), MQTT_ERR_INVALID_ARGUMENT);
    CHECK_ST(mqtt_decoder_init(NULL, rx, sizeof rx, &opts), MQTT_ERR_NULL_POINTER);

    CHECK_ST(mqtt_decoder_init(&d, rx, sizeof rx, &opts), MQTT_OK);
    for (i = 0; i < sizeof big_header; i++) {
        mqtt_status st;
        CHECK_ST(mqtt_decoder_feed(&d, &big_header[i], 1), MQTT_OK);
        st = mqtt_decoder_next(&d, &p);
        CHECK_ST(st, i + 1 < sizeof big_header ? MQTT_NEED_MORE : MQTT_ERR_PACKET_EXCEEDS_BUFFER);
    }
    CHECK(mqtt_decode_error_reason_code(MQTT_ERR_PACKET_EXCEEDS_BUFFER) == 0x95);
    CHECK_ST(mqtt_decoder_error(&d), MQTT_ERR_PACKET_EXCEEDS_BUFFER);

    CHECK_ST(mqtt_decoder_init(&d, rx, sizeof rx, &opts), MQTT_OK);
    CHECK_ST(mqtt_decoder_feed(&d, acks, sizeof acks), MQTT_ERR_BUFFER_TOO_SMALL);
    for (i = 0; i < 4; i++) {
        CHECK_ST(mqtt_decoder_next(&d, &p), MQTT_OK);
        CHECK(p.packet_type == MQTT_PACKET_PUBACK && p.packet_id == 7 + i);
    }
    CHECK_ST(mqtt_decoder_next(&d, &p), MQTT_NEED_MORE);
    CHECK_ST(mqtt_decoder_feed_some(&d, acks + 16, 2, &taken), MQTT_OK);
    CHECK(taken == 2);
    CHECK_ST(mqtt_decoder_next(&d, &p), MQTT_OK);
    CHECK(p.packet_type == MQTT_PACKET_PINGRESP);
    mqtt_decoder_free(&d);
    mqtt_decoder_free(&d); /* ending it twice is harmless */
}

static void test_malformed(void) {
    size_t i;
    for (i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        uint8_t buf[64];
        size_t n = unhex(BAD[i].hex, buf, sizeof buf), used = 99;
        mqtt_decode_options opts;
        mqtt_packet p;
        mqtt_decoder *d;
        mqtt_status st;
        opts.version = BAD[i].version;
        opts.role = BAD[i].role;
        opts.max_packet_size = BAD[i].max;
        st = mqtt_decode(buf, n, &opts, &p, &used);
        if (st != BAD[i].want)
            fprintf(stderr, "case %s: got %s\n", BAD[i].hex, mqtt_status_str(st));
        CHECK(st == BAD[i].want);
        CHECK(mqtt_decode_error_reason_code(st) >= 0x80);
        /* The streaming decoders say the same, and are failed afterwards. */
        {
            static uint8_t rx[256];
            mqtt_decoder fixed;
            CHECK_ST(mqtt_decoder_init(&fixed, rx, sizeof rx, &opts), MQTT_OK);
            check_failed(&fixed, buf, n, BAD[i].want);
        }
#if defined(MQTT_CODEC_ALLOC)
        CHECK_ST(mqtt_decoder_new(&opts, &d), MQTT_OK);
        check_failed(d, buf, n, BAD[i].want);
        mqtt_decoder_free(d);
#else
        (void)d;
#endif
    }
    /* Reason codes and 3.1.1 CONNACK codes come from the core. */
    CHECK(mqtt_decode_error_reason_code(MQTT_ERR_PACKET_TOO_LARGE) == 0x95);
    CHECK(mqtt_decode_error_reason_code(MQTT_ERR_UNEXPECTED_END) == 0x81);
    CHECK(mqtt_decode_error_reason_code(MQTT_ERR_SECOND_CONNECT) == 0x82);
    CHECK(mqtt_decode_error_reason_code(MQTT_ERR_TOPIC_ALIAS_INVALID) == 0x94);
    CHECK(mqtt_decode_error_reason_code(MQTT_OK) == 0);
    CHECK(mqtt_decode_error_v3_connack_code(MQTT_ERR_UNSUPPORTED_PROTOCOL_LEVEL) == 1);
    CHECK(mqtt_decode_error_v3_connack_code(MQTT_ERR_UNEXPECTED_END) == -1);
    CHECK(mqtt_connack_v3_return_code(0x84) == 1);
    CHECK(mqtt_connack_v3_return_code(0x10) == -1);
}

/* The decoders to test: over a buffer of the caller's, and (with a heap) a growable one. */
#if defined(MQTT_CODEC_ALLOC)
#define DECODER_KINDS 2
#else
#define DECODER_KINDS 1
#endif

/* Makes a decoder of kind `heap` (0: over `rx`, in `*fixed`; 1: mqtt_decoder_new). */
static mqtt_decoder *open_decoder(int heap, const mqtt_decode_options *opts, uint8_t *rx,
                                  size_t cap, mqtt_decoder *fixed) {
    mqtt_decoder *d = NULL;
    if (!heap) {
        CHECK_ST(mqtt_decoder_init(fixed, rx, cap, opts), MQTT_OK);
        return fixed;
    }
#if defined(MQTT_CODEC_ALLOC)
    CHECK_ST(mqtt_decoder_new(opts, &d), MQTT_OK);
#endif
    return d;
}

static void test_second_connect_with(int heap) {
    static uint8_t rx[64];
    mqtt_decoder fixed;
    uint8_t buf[64];
    size_t n = unhex("10 0C 00 04 4D 51 54 54 04 02 00 3C 00 00", buf, sizeof buf);
    mqtt_decode_options opts = {MQTT_VERSION_UNKNOWN, MQTT_ROLE_SERVER, 0};
    mqtt_decoder *d;
    mqtt_packet p;
    d = open_decoder(heap, &opts, rx, sizeof rx, &fixed);
    CHECK(mqtt_decoder_version(d) == 0);
    CHECK_ST(mqtt_decoder_feed(d, buf, n), MQTT_OK);
    CHECK_ST(mqtt_decoder_feed(d, buf, n), MQTT_OK);
    CHECK_ST(mqtt_decoder_next(d, &p), MQTT_OK);
    CHECK(p.packet_type == MQTT_PACKET_CONNECT && mqtt_decoder_version(d) == MQTT_V3_1_1);
    CHECK_ST(mqtt_decoder_next(d, &p), MQTT_ERR_SECOND_CONNECT);
    CHECK_ST(mqtt_decoder_next(d, &p), MQTT_ERR_DECODER_FAILED);
    mqtt_decoder_free(d);
    /* The size limit is checked from the header alone, and can be changed. */
    opts.version = MQTT_V3_1_1;
    opts.role = MQTT_ROLE_CLIENT;
    d = open_decoder(heap, &opts, rx, sizeof rx, &fixed);
    CHECK_ST(mqtt_decoder_set_max_packet_size(d, 4), MQTT_OK);
    n = unhex("30 FF FF FF 7F", buf, sizeof buf);
    CHECK_ST(mqtt_decoder_feed(d, buf, n), MQTT_OK);
    CHECK_ST(mqtt_decoder_next(d, &p), MQTT_ERR_PACKET_TOO_LARGE);
    mqtt_decoder_free(d);
}

static void test_second_connect(void) {
    int heap;
    for (heap = 0; heap < DECODER_KINDS; heap++) test_second_connect_with(heap);
}

/* ---- null pointers, short buffers, bad arguments ------------------------------------ */

static void test_args(void) {
    uint8_t buf[64];
    size_t n = 0;
    mqtt_packet p;
    mqtt_decode_options opts = {MQTT_V3_1_1, MQTT_ROLE_ANY, 0};
    mqtt_decoder *d = NULL;
    mqtt_list_iter it;
    mqtt_list l;
    bool m;
    uint8_t rc;
    mqtt_subscription s;
    mqtt_bytes f;
    mqtt_user_property up;
    uint32_t id;

    buf[0] = 0xC0;
    buf[1] = 0x00;
    CHECK_ST(mqtt_decode(NULL, 2, &opts, &p, &n), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqtt_decode(buf, 2, NULL, &p, &n), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqtt_decode(buf, 2, &opts, NULL, &n), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqtt_decode(buf, 2, &opts, &p, NULL), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqtt_decode(buf, 0, &opts, &p, &n), MQTT_NEED_MORE);
    CHECK(n == 2);
    CHECK_ST(mqtt_decode(buf, 1, &opts, &p, &n), MQTT_NEED_MORE);
    CHECK(n == 1);
    CHECK_ST(mqtt_decode(buf, 2, &opts, &p, &n), MQTT_OK);
    CHECK(n == 2 && p.packet_type == MQTT_PACKET_PINGREQ);
    opts.version = 9;
    CHECK_ST(mqtt_decode(buf, 2, &opts, &p, &n), MQTT_ERR_INVALID_ARGUMENT);
    opts.version = MQTT_V3_1_1;
    opts.role = 7;
    CHECK_ST(mqtt_decode(buf, 2, &opts, &p, &n), MQTT_ERR_INVALID_ARGUMENT);
#if defined(MQTT_CODEC_ALLOC)
    CHECK_ST(mqtt_decoder_new(&opts, &d), MQTT_ERR_INVALID_ARGUMENT);
    CHECK(d == NULL);
#endif
    {
        static uint8_t rx[8];
        mqtt_decoder fixed;
        size_t taken;
        CHECK_ST(mqtt_decoder_init(&fixed, rx, sizeof rx, &opts), MQTT_ERR_INVALID_ARGUMENT);
        CHECK_ST(mqtt_decoder_init(&fixed, NULL, 8, &opts), MQTT_ERR_NULL_POINTER);
        CHECK_ST(mqtt_decoder_init(&fixed, rx, sizeof rx, NULL), MQTT_ERR_NULL_POINTER);
        CHECK_ST(mqtt_decoder_feed_some(NULL, buf, 2, &taken), MQTT_ERR_NULL_POINTER);
        CHECK_ST(mqtt_decoder_feed_some(&fixed, buf, 2, NULL), MQTT_ERR_NULL_POINTER);
    }
    opts.role = MQTT_ROLE_ANY;

#if defined(MQTT_CODEC_ALLOC)
    CHECK_ST(mqtt_decoder_new(NULL, &d), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqtt_decoder_new(&opts, NULL), MQTT_ERR_NULL_POINTER);
#endif
    CHECK_ST(mqtt_decoder_feed(NULL, buf, 2), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqtt_decoder_next(NULL, &p), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqtt_decoder_error(NULL), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqtt_decoder_set_max_packet_size(NULL, 1), MQTT_ERR_NULL_POINTER);
    CHECK(mqtt_decoder_version(NULL) == 0);
    mqtt_decoder_free(NULL);
    {
        static uint8_t rx[8];
        mqtt_decoder fixed;
        int heap;
        for (heap = 0; heap < DECODER_KINDS; heap++) {
            d = open_decoder(heap, &opts, rx, sizeof rx, &fixed);
            CHECK_ST(mqtt_decoder_feed(d, NULL, 1), MQTT_ERR_NULL_POINTER);
            CHECK_ST(mqtt_decoder_next(d, NULL), MQTT_ERR_NULL_POINTER);
            CHECK_ST(mqtt_decoder_error(d), MQTT_OK);
            mqtt_decoder_free(d);
        }
    }

    CHECK_ST(mqtt_packet_init(NULL, MQTT_PACKET_PINGREQ), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqtt_packet_init(&p, 0), MQTT_ERR_INVALID_ARGUMENT);
    CHECK_ST(mqtt_packet_init(&p, 16), MQTT_ERR_INVALID_ARGUMENT);
    CHECK_ST(mqtt_packet_init(&p, MQTT_PACKET_PINGREQ), MQTT_OK);
    CHECK_ST(mqtt_encoded_len(NULL, MQTT_V5, &n), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqtt_encoded_len(&p, MQTT_V5, NULL), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqtt_encoded_len(&p, 6, &n), MQTT_ERR_INVALID_ARGUMENT);
    CHECK_ST(mqtt_encode(NULL, MQTT_V5, buf, sizeof buf, &n), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqtt_encode(&p, MQTT_V5, NULL, 64, &n), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqtt_encode(&p, MQTT_V5, buf, sizeof buf, NULL), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqtt_encode(&p, MQTT_V5, buf, 1, &n), MQTT_ERR_BUFFER_TOO_SMALL);
    CHECK(n == 2);
    CHECK_ST(mqtt_encode(&p, MQTT_V5, buf, 2, &n), MQTT_OK);
    p.packet_type = 0;
    CHECK_ST(mqtt_encode(&p, MQTT_V5, buf, sizeof buf, &n), MQTT_ERR_INVALID_ARGUMENT);

    /* A PUBLISH one byte too big for the buffer. */
    mqtt_packet_init(&p, MQTT_PACKET_PUBLISH);
    p.topic = S("a/b");
    p.payload = S("hello");
    CHECK_ST(mqtt_encoded_len(&p, MQTT_V3_1_1, &n), MQTT_OK);
    CHECK(n == 12);
    CHECK_ST(mqtt_encode(&p, MQTT_V3_1_1, buf, 11, &n), MQTT_ERR_BUFFER_TOO_SMALL);
    CHECK(n == 12);
    p.payload.ptr = NULL;
    CHECK_ST(mqtt_encode(&p, MQTT_V3_1_1, buf, sizeof buf, &n), MQTT_ERR_NULL_POINTER);
    p.payload.len = 0;
    CHECK_ST(mqtt_encode(&p, MQTT_V3_1_1, buf, sizeof buf, &n), MQTT_OK);
    CHECK(n == 7);

    /* Lists. */
    l = mqtt_list_of_reason_codes(&rc, 1);
    rc = 0x80;
    CHECK_ST(mqtt_list_iter_init(NULL, &l), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqtt_list_iter_init(&it, NULL), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqtt_list_iter_init(&it, &l), MQTT_OK);
    CHECK_ST(mqtt_list_next_reason_code(NULL, &rc), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqtt_list_next_reason_code(&it, NULL), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqtt_list_next_subscription(&it, &s), MQTT_ERR_INVALID_ARGUMENT);
    CHECK_ST(mqtt_list_next_topic_filter(&it, &f), MQTT_ERR_INVALID_ARGUMENT);
    CHECK_ST(mqtt_list_next_user_property(&it, &up), MQTT_ERR_INVALID_ARGUMENT);
    CHECK_ST(mqtt_list_next_subscription_identifier(&it, &id), MQTT_ERR_INVALID_ARGUMENT);
    CHECK_ST(mqtt_list_next_reason_code(&it, &rc), MQTT_OK);
    CHECK(rc == 0x80);
    CHECK_ST(mqtt_list_next_reason_code(&it, &rc), MQTT_END);
    l = mqtt_list_of_reason_codes(NULL, 3);
    CHECK_ST(mqtt_list_iter_init(&it, &l), MQTT_OK);
    CHECK_ST(mqtt_list_next_reason_code(&it, &rc), MQTT_ERR_NULL_POINTER);
    mqtt_packet_init(&p, MQTT_PACKET_SUBACK);
    p.packet_id = 1;
    p.reason_codes = l;
    CHECK_ST(mqtt_encode(&p, MQTT_V5, buf, sizeof buf, &n), MQTT_ERR_NULL_POINTER);
    p.reason_codes = mqtt_list_of_subscription_identifiers(&id, 1);
    CHECK_ST(mqtt_encode(&p, MQTT_V5, buf, sizeof buf, &n), MQTT_ERR_INVALID_ARGUMENT);

    /* Topics. */
    CHECK_ST(mqtt_topic_name_validate(NULL, 1), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqtt_topic_filter_validate(NULL, 1, true), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqtt_topic_matches(NULL, 1, buf, 1, &m), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqtt_topic_matches(buf, 1, NULL, 1, &m), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqtt_topic_matches((const uint8_t *)"a", 1, (const uint8_t *)"a", 1, NULL),
             MQTT_ERR_NULL_POINTER);

    /* (NULL, 0) is an empty view everywhere. */
    CHECK_ST(mqtt_decode(NULL, 0, &opts, &p, &n), MQTT_NEED_MORE);
    CHECK_ST(mqtt_topic_name_validate(NULL, 0), MQTT_ERR_TOPIC_EMPTY);
    mqtt_packet_init(&p, MQTT_PACKET_PINGREQ);
    CHECK_ST(mqtt_encode(&p, MQTT_V5, NULL, 0, &n), MQTT_ERR_BUFFER_TOO_SMALL);
    CHECK(n == 2);

    /* A length past PTRDIFF_MAX (an unchecked -1 from recv()) is no buffer: refused before
     * a byte is read or written. */
    CHECK_ST(mqtt_decode(buf, (size_t)-1, &opts, &p, &n), MQTT_ERR_INVALID_ARGUMENT);
    CHECK_ST(mqtt_encode(&p, MQTT_V5, buf, (size_t)-1, &n), MQTT_ERR_INVALID_ARGUMENT);
    CHECK_ST(mqtt_topic_name_validate(buf, (size_t)-1), MQTT_ERR_INVALID_ARGUMENT);
    {
        static uint8_t rx[64];
        mqtt_decoder fixed;
        size_t taken = 7;
        CHECK_ST(mqtt_decoder_init(&fixed, rx, sizeof rx, &opts), MQTT_OK);
        CHECK_ST(mqtt_decoder_feed_some(&fixed, buf, (size_t)-1, &taken), MQTT_ERR_INVALID_ARGUMENT);
        CHECK(taken == 0);
        CHECK_ST(mqtt_decoder_feed(&fixed, buf, (size_t)-1), MQTT_ERR_INVALID_ARGUMENT);
    }
    mqtt_packet_init(&p, MQTT_PACKET_PUBLISH);
    p.topic = S("a/b");
    p.payload.ptr = buf;
    p.payload.len = (size_t)-1;
    CHECK_ST(mqtt_encode(&p, MQTT_V3_1_1, buf, sizeof buf, &n), MQTT_ERR_INVALID_ARGUMENT);

    /* A misplaced struct or handle is refused rather than read unaligned. */
    {
        static uint64_t room[(sizeof(mqtt_packet) + sizeof(mqtt_decoder)) / 8 + 2];
        mqtt_packet *odd = (mqtt_packet *)(void *)((uint8_t *)room + 1);
        mqtt_decoder *odd_decoder = (mqtt_decoder *)(void *)((uint8_t *)room + 1);
        static uint8_t rx[64];
        buf[0] = 0xC0;
        buf[1] = 0x00;
        CHECK_ST(mqtt_decode(buf, 2, &opts, odd, &n), MQTT_ERR_INVALID_ARGUMENT);
        CHECK_ST(mqtt_decoder_init(odd_decoder, rx, sizeof rx, &opts), MQTT_ERR_INVALID_ARGUMENT);
        CHECK_ST(mqtt_decoder_feed(odd_decoder, buf, 2), MQTT_ERR_INVALID_ARGUMENT);
    }

    /* A decode error the header does not name yet is malformed (0x81). */
    CHECK(mqtt_decode_error_reason_code(MQTT_ERR_DECODE_OTHER) == 0x81);
}

/* ---- encode errors -------------------------------------------------------------------- */

static void test_encode_errors(void) {
    uint8_t buf[128];
    size_t n;
    mqtt_packet p;
    mqtt_subscription bad_sub[1];

    mqtt_packet_init(&p, MQTT_PACKET_PUBLISH);
    p.topic = S("a");
    p.qos = 1;
    CHECK_ST(mqtt_encode(&p, MQTT_V5, buf, sizeof buf, &n), MQTT_ERR_MISSING_PACKET_ID);
    p.qos = 0;
    p.packet_id = 3;
    CHECK_ST(mqtt_encode(&p, MQTT_V5, buf, sizeof buf, &n), MQTT_ERR_UNEXPECTED_PACKET_ID);
    p.packet_id = 0;
    p.dup = true;
    CHECK_ST(mqtt_encode(&p, MQTT_V5, buf, sizeof buf, &n), MQTT_ERR_DUP_WITH_QOS0);
    p.dup = false;
    p.qos = 3;
    CHECK_ST(mqtt_encode(&p, MQTT_V5, buf, sizeof buf, &n), MQTT_ERR_INVALID_ARGUMENT);
    p.qos = 0;
    p.topic = S("a/#");
    CHECK_ST(mqtt_encode(&p, MQTT_V5, buf, sizeof buf, &n), MQTT_ERR_TOPIC_WILDCARD_IN_NAME);
    p.topic = S("\xC3\x28");
    CHECK_ST(mqtt_encode(&p, MQTT_V5, buf, sizeof buf, &n), MQTT_ERR_INVALID_STRING);
    p.topic = S("");
    CHECK_ST(mqtt_encode(&p, MQTT_V5, buf, sizeof buf, &n), MQTT_ERR_EMPTY_TOPIC);
    p.properties.has_topic_alias = true;
    p.properties.topic_alias = 0;
    CHECK_ST(mqtt_encode(&p, MQTT_V5, buf, sizeof buf, &n), MQTT_ERR_TOPIC_ALIAS_INVALID);
    p.properties.topic_alias = 4;
    CHECK_ST(mqtt_encode(&p, MQTT_V5, buf, sizeof buf, &n), MQTT_OK);
    CHECK_ST(mqtt_encode(&p, MQTT_V3_1_1, buf, sizeof buf, &n), MQTT_ERR_EMPTY_TOPIC);
    p.topic = S("a");
    CHECK_ST(mqtt_encode(&p, MQTT_V3_1_1, buf, sizeof buf, &n), MQTT_ERR_NOT_REPRESENTABLE);
    p.properties.has_topic_alias = false;
    p.properties.has_receive_maximum = true;
    p.properties.receive_maximum = 3;
    CHECK_ST(mqtt_encode(&p, MQTT_V5, buf, sizeof buf, &n), MQTT_ERR_PROPERTY_NOT_ALLOWED);

    mqtt_packet_init(&p, MQTT_PACKET_PUBACK);
    CHECK_ST(mqtt_encode(&p, MQTT_V5, buf, sizeof buf, &n), MQTT_ERR_ZERO_PACKET_ID);
    p.packet_id = 1;
    p.reason_code = 0x07;
    CHECK_ST(mqtt_encode(&p, MQTT_V5, buf, sizeof buf, &n), MQTT_ERR_INVALID_REASON_CODE);
    p.reason_code = 0x87;
    CHECK_ST(mqtt_encode(&p, MQTT_V5, buf, sizeof buf, &n), MQTT_OK);
    CHECK_ST(mqtt_encode(&p, MQTT_V3_1_1, buf, sizeof buf, &n), MQTT_ERR_NOT_REPRESENTABLE);

    mqtt_packet_init(&p, MQTT_PACKET_SUBSCRIBE);
    p.packet_id = 1;
    CHECK_ST(mqtt_encode(&p, MQTT_V5, buf, sizeof buf, &n), MQTT_ERR_EMPTY_SUBSCRIPTION_LIST);
    memset(bad_sub, 0, sizeof bad_sub);
    bad_sub[0].filter = S("a/#/b");
    p.subscriptions = mqtt_list_of_subscriptions(bad_sub, 1);
    CHECK_ST(mqtt_encode(&p, MQTT_V5, buf, sizeof buf, &n), MQTT_ERR_TOPIC_MULTI_LEVEL_WILDCARD);
    bad_sub[0].filter = S("a+");
    CHECK_ST(mqtt_encode(&p, MQTT_V5, buf, sizeof buf, &n), MQTT_ERR_TOPIC_SINGLE_LEVEL_WILDCARD);
    bad_sub[0].filter = S("$share/g/a");
    bad_sub[0].no_local = true;
    CHECK_ST(mqtt_encode(&p, MQTT_V5, buf, sizeof buf, &n),
             MQTT_ERR_NO_LOCAL_ON_SHARED_SUBSCRIPTION);
    CHECK_ST(mqtt_encode(&p, MQTT_V3_1_1, buf, sizeof buf, &n), MQTT_ERR_NOT_REPRESENTABLE);
    bad_sub[0].no_local = false;
    bad_sub[0].retain_handling = 3;
    CHECK_ST(mqtt_encode(&p, MQTT_V5, buf, sizeof buf, &n), MQTT_ERR_INVALID_ARGUMENT);

    mqtt_packet_init(&p, MQTT_PACKET_UNSUBSCRIBE);
    p.packet_id = 1;
    {
        mqtt_bytes empty[1];
        empty[0] = S("");
        p.topic_filters = mqtt_list_of_topic_filters(empty, 1);
        CHECK_ST(mqtt_encode(&p, MQTT_V5, buf, sizeof buf, &n), MQTT_ERR_EMPTY_TOPIC_FILTER);
    }

    mqtt_packet_init(&p, MQTT_PACKET_CONNECT);
    p.client_id = S("c");
    p.clean_start = true;
    p.password = S("pw");
    CHECK_ST(mqtt_encode(&p, MQTT_V3_1_1, buf, sizeof buf, &n), MQTT_ERR_PASSWORD_WITHOUT_USERNAME);
    CHECK_ST(mqtt_encode(&p, MQTT_V5, buf, sizeof buf, &n), MQTT_OK);
    p.password.ptr = NULL;
    p.password.len = 0;
    p.clean_start = false;
    p.client_id = S("");
    CHECK_ST(mqtt_encode(&p, MQTT_V3_1_1, buf, sizeof buf, &n),
             MQTT_ERR_EMPTY_CLIENT_ID_WITHOUT_CLEAN_SESSION);
    p.clean_start = true;
    p.protocol_version = MQTT_V5;
    CHECK_ST(mqtt_encode(&p, MQTT_V3_1_1, buf, sizeof buf, &n), MQTT_ERR_NOT_REPRESENTABLE);
    p.properties.authentication_data = S("x");
    CHECK_ST(mqtt_encode(&p, MQTT_V5, buf, sizeof buf, &n), MQTT_ERR_MISSING_AUTHENTICATION_METHOD);

    mqtt_packet_init(&p, MQTT_PACKET_CONNACK);
    p.session_present = true;
    p.reason_code = 0x87;
    CHECK_ST(mqtt_encode(&p, MQTT_V5, buf, sizeof buf, &n), MQTT_ERR_SESSION_PRESENT_ON_FAILURE);
    p.session_present = false;
    p.reason_code = 0x05;
    CHECK_ST(mqtt_encode(&p, MQTT_V5, buf, sizeof buf, &n), MQTT_ERR_INVALID_REASON_CODE);
    p.reason_code = 0x84; /* unsupported protocol version: 3.1.1 return code 1 */
    CHECK_ST(mqtt_encode(&p, MQTT_V3_1_1, buf, sizeof buf, &n), MQTT_OK);
    CHECK(n == 4 && buf[3] == 1);

    {
        /* A field longer than 65535 bytes: refused from its length, never read. Firmware has
           no RAM for it and points at its flash instead. */
#if defined(MQTT_CODEC_NO_HEAP)
        static const uint8_t *const big = (const uint8_t *)0x100;
        const size_t big_len = 70000;
#else
        static uint8_t big[70000];
        const size_t big_len = sizeof big;
        memset(big, 'a', sizeof big);
#endif
        mqtt_packet_init(&p, MQTT_PACKET_CONNECT);
        p.clean_start = true;
        p.client_id.ptr = big;
        p.client_id.len = big_len;
        CHECK_ST(mqtt_encode(&p, MQTT_V5, buf, sizeof buf, &n), MQTT_ERR_INVALID_STRING);
        mqtt_packet_init(&p, MQTT_PACKET_PUBLISH);
        p.topic = S("a");
        p.properties.correlation_data.ptr = big;
        p.properties.correlation_data.len = big_len;
        CHECK_ST(mqtt_encode(&p, MQTT_V5, buf, sizeof buf, &n), MQTT_ERR_FIELD_TOO_LONG);
    }
}

/* ---- topics ----------------------------------------------------------------------------- */

static int matches(const char *filter, const char *name) {
    bool m = false;
    mqtt_status st = mqtt_topic_matches((const uint8_t *)filter, strlen(filter),
                                        (const uint8_t *)name, strlen(name), &m);
    return st == MQTT_OK ? (int)m : -(int)st;
}

static void test_topics(void) {
#define NAME(s) mqtt_topic_name_validate((const uint8_t *)(s), strlen(s))
#define FILTER(s) mqtt_topic_filter_validate((const uint8_t *)(s), strlen(s), true)
    CHECK_ST(NAME("PV/sunshine"), MQTT_OK);
    CHECK_ST(NAME(""), MQTT_ERR_TOPIC_EMPTY);
    CHECK_ST(NAME("a/+"), MQTT_ERR_TOPIC_WILDCARD_IN_NAME);
    CHECK_ST(NAME("a\xff"), MQTT_ERR_INVALID_STRING);
    CHECK_ST(FILTER("PV/#"), MQTT_OK);
    CHECK_ST(FILTER("+/a/+"), MQTT_OK);
    CHECK_ST(FILTER("a/#/b"), MQTT_ERR_TOPIC_MULTI_LEVEL_WILDCARD);
    CHECK_ST(FILTER("a/b+"), MQTT_ERR_TOPIC_SINGLE_LEVEL_WILDCARD);
    CHECK_ST(FILTER("$share//a"), MQTT_ERR_TOPIC_SHARED_SUBSCRIPTION);
    CHECK_ST(mqtt_topic_filter_validate((const uint8_t *)"$share//a", 9, false), MQTT_OK);
    CHECK(matches("PV/#", "PV/sunshine") == 1);
    CHECK(matches("PV/+", "PV/sunshine") == 1);
    CHECK(matches("sport/tennis/#", "sport/tennis") == 1);
    CHECK(matches("+/+", "/finance") == 1);
    CHECK(matches("#", "$SYS/x") == 0);
    CHECK(matches("PV/+", "PV/a/b") == 0);
    CHECK(matches("$share/g/PV/#", "PV/x") == 1);
    CHECK(matches("a/#/b", "a") == -(int)MQTT_ERR_TOPIC_MULTI_LEVEL_WILDCARD);
    CHECK(matches("a", "a/+") == -(int)MQTT_ERR_TOPIC_WILDCARD_IN_NAME);
#undef NAME
#undef FILTER
}

static void test_status_text(void) {
    int s;
    for (s = -5; s < 460; s++) {
        const char *t = mqtt_status_str(s);
        CHECK(t != NULL && t[0] != '\0');
    }
    CHECK(strcmp(mqtt_status_str(MQTT_OK), "ok") == 0);
    CHECK(strcmp(mqtt_status_str(12345), "unknown status") == 0);
}

/* Several packets in one feed, then a chunk boundary inside a header. */
static void test_stream_mixed_with(int heap) {
    static uint8_t rx[64];
    mqtt_decoder fixed;
    uint8_t buf[64];
    size_t n = unhex("D0 00 30 07 00 03 61 2F 62 68 69 90 03 00 05 01 B0 02 00 05", buf, sizeof buf);
    mqtt_decode_options opts = {MQTT_V3_1_1, MQTT_ROLE_CLIENT, 0};
    mqtt_decoder *d;
    mqtt_packet p;
    mqtt_list_iter it;
    uint8_t rc;
    d = open_decoder(heap, &opts, rx, sizeof rx, &fixed);
    CHECK_ST(mqtt_decoder_feed(d, buf, 3), MQTT_OK);
    CHECK_ST(mqtt_decoder_next(d, &p), MQTT_OK);
    CHECK(p.packet_type == MQTT_PACKET_PINGRESP);
    CHECK_ST(mqtt_decoder_next(d, &p), MQTT_NEED_MORE);
    CHECK_ST(mqtt_decoder_feed(d, buf + 3, n - 3), MQTT_OK);
    CHECK_ST(mqtt_decoder_next(d, &p), MQTT_OK);
    CHECK(p.packet_type == MQTT_PACKET_PUBLISH && eq(p.topic, "a/b") && eq(p.payload, "hi"));
    CHECK_ST(mqtt_decoder_next(d, &p), MQTT_OK);
    CHECK(p.packet_type == MQTT_PACKET_SUBACK && p.packet_id == 5);
    CHECK_ST(mqtt_list_iter_init(&it, &p.reason_codes), MQTT_OK);
    CHECK_ST(mqtt_list_next_reason_code(&it, &rc), MQTT_OK);
    CHECK(rc == 1);
    CHECK_ST(mqtt_decoder_next(d, &p), MQTT_OK);
    CHECK(p.packet_type == MQTT_PACKET_UNSUBACK && p.packet_id == 5);
    CHECK_ST(mqtt_decoder_next(d, &p), MQTT_NEED_MORE);
    mqtt_decoder_free(d);
}

static void test_stream_mixed(void) {
    int heap;
    for (heap = 0; heap < DECODER_KINDS; heap++) test_stream_mixed_with(heap);
}

/* The library that is linked is the one the header describes. */
static void test_version(void) {
    CHECK(mqtt_codec_version() == MQTT_CODEC_VERSION);
    CHECK(MQTT_CODEC_VERSION == MQTT_CODEC_VERSION_MAJOR * 10000 + MQTT_CODEC_VERSION_MINOR * 100 +
                                    MQTT_CODEC_VERSION_PATCH);
}

#include "test_sn.inc.c"
#include "test_sn2.inc.c"
#ifdef MQTT_CODEC_CLIENT
#include "test_fixed_session.inc.c"
#endif
#ifdef MQTT_CODEC_SESSION
#include "test_session.inc.c"
#endif

/* Lists of every length encode alike: a short C array is converted in place (a 64-bit host
 * converts up to 16 subscriptions or filters and 4 User Properties so), a longer one is read
 * through the index. Same bytes, same checks, and the first bad item is named wherever it
 * sits. */
static void test_list_lengths(void) {
    static const size_t counts[] = {1, 4, 5, 15, 16, 17, 40};
    static char text[40][16];
    mqtt_subscription subs[40];
    mqtt_bytes filters[40];
    mqtt_user_property users[40];
    uint8_t buf[2048], want[2048];
    size_t k, i, n, w;
    mqtt_packet p;
    for (i = 0; i < 40; i++) {
        snprintf(text[i], sizeof text[i], "s/%u/+", (unsigned)i);
        memset(&subs[i], 0, sizeof subs[i]);
        subs[i].filter = S(text[i]);
        subs[i].qos = (uint8_t)(i % 3);
        filters[i] = S(text[i]);
        users[i].name = S("k");
        users[i].value = S(text[i]);
    }
    for (k = 0; k < sizeof counts / sizeof counts[0]; k++) {
        size_t count = counts[k], body = 2;
        for (i = 0; i < count; i++) body += 2 + strlen(text[i]) + 1;
        /* SUBSCRIBE under 3.1.1, written out by hand. */
        w = 0;
        want[w++] = 0x82;
        if (body > 127) { want[w++] = (uint8_t)(0x80 | (body & 0x7f)); want[w++] = (uint8_t)(body >> 7); }
        else want[w++] = (uint8_t)body;
        want[w++] = 0; want[w++] = 9;
        for (i = 0; i < count; i++) {
            size_t len = strlen(text[i]);
            want[w++] = 0; want[w++] = (uint8_t)len;
            memcpy(want + w, text[i], len); w += len;
            want[w++] = (uint8_t)(i % 3);
        }
        mqtt_packet_init(&p, MQTT_PACKET_SUBSCRIBE);
        p.packet_id = 9;
        p.subscriptions = mqtt_list_of_subscriptions(subs, count);
        CHECK_ST(mqtt_encoded_len(&p, MQTT_V3_1_1, &n), MQTT_OK);
        CHECK(n == w);
        CHECK_ST(mqtt_encode(&p, MQTT_V3_1_1, buf, sizeof buf, &n), MQTT_OK);
        CHECK(n == w && memcmp(buf, want, w) == 0);
        /* The last item breaks a rule: refused, nothing written. */
        subs[count - 1].filter = S("a/#/b");
        CHECK_ST(mqtt_encode(&p, MQTT_V3_1_1, buf, sizeof buf, &n), MQTT_ERR_TOPIC_MULTI_LEVEL_WILDCARD);
        CHECK(n == 0);
        subs[count - 1].filter = S(text[count - 1]);
        subs[count - 1].retain_handling = 3;
        CHECK_ST(mqtt_encode(&p, MQTT_V5, buf, sizeof buf, &n), MQTT_ERR_INVALID_ARGUMENT);
        subs[count - 1].retain_handling = 0;

        /* UNSUBSCRIBE: the same filters, without options. */
        mqtt_packet_init(&p, MQTT_PACKET_UNSUBSCRIBE);
        p.packet_id = 9;
        p.topic_filters = mqtt_list_of_topic_filters(filters, count);
        CHECK_ST(mqtt_encode(&p, MQTT_V3_1_1, buf, sizeof buf, &n), MQTT_OK);
        CHECK(n == 1 + (body - count > 127 ? 2 : 1) + body - count && buf[0] == 0xa2);
        filters[count - 1] = S("");
        CHECK_ST(mqtt_encode(&p, MQTT_V3_1_1, buf, sizeof buf, &n), MQTT_ERR_EMPTY_TOPIC_FILTER);
        filters[count - 1] = S(text[count - 1]);

        /* A 5.0 PUBLISH with `count` User Properties, read back in order. */
        mqtt_packet_init(&p, MQTT_PACKET_PUBLISH);
        p.topic = S("t");
        p.properties.user_properties = mqtt_list_of_user_properties(users, count);
        CHECK_ST(mqtt_encode(&p, MQTT_V5, buf, sizeof buf, &n), MQTT_OK);
        {
            mqtt_decode_options opts;
            mqtt_packet d;
            mqtt_list_iter it;
            mqtt_user_property u;
            size_t used = 0;
            opts.version = MQTT_V5;
            opts.role = MQTT_ROLE_ANY;
            opts.max_packet_size = 0;
            CHECK_ST(mqtt_decode(buf, n, &opts, &d, &used), MQTT_OK);
            CHECK(used == n && d.properties.user_properties.count == count);
            CHECK_ST(mqtt_list_iter_init(&it, &d.properties.user_properties), MQTT_OK);
            for (i = 0; i < count; i++) {
                CHECK_ST(mqtt_list_next_user_property(&it, &u), MQTT_OK);
                CHECK(u.value.len == strlen(text[i]) && memcmp(u.value.ptr, text[i], u.value.len) == 0);
            }
            CHECK_ST(mqtt_list_next_user_property(&it, &u), MQTT_END);
        }
        users[count - 1].value.ptr = (const uint8_t *)"\xff";
        users[count - 1].value.len = 1;
        CHECK_ST(mqtt_encode(&p, MQTT_V5, buf, sizeof buf, &n), MQTT_ERR_INVALID_STRING);
        users[count - 1].value = S(text[count - 1]);
    }
}

int main(void) {
    static const uint8_t versions[] = {MQTT_V3_1, MQTT_V3_1_1, MQTT_V5};
    static const size_t chunks[] = {1, 2, 3, 7, 1000};
    size_t v, t, c;
    setup_arrays();
    for (v = 0; v < sizeof versions; v++)
        for (t = 0; t < sizeof TYPES; t++)
            for (c = 0; c < sizeof chunks / sizeof chunks[0]; c++)
                roundtrip(TYPES[t], versions[v], chunks[c]);
    test_malformed();
    test_second_connect();
    test_args();
    test_encode_errors();
    test_list_lengths();
    test_topics();
    test_status_text();
    test_stream_mixed();
    test_version();
    test_fixed_decoder();
    test_sn();
    test_sn2();
#ifdef MQTT_CODEC_CLIENT
    test_fixed_session();
#endif
#ifdef MQTT_CODEC_SESSION
    test_session();
#endif
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
