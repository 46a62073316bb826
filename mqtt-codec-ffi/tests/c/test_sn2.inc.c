/*
 * MQTT-SN 2.0 from C: included by test_codec.c right after test_sn.inc.c (it shares CHECK,
 * CHECK_ST, S, eq and unhex). Vectors W1-W9 and Y1-Y3 from shared/spec/mqtt-sn.md section
 * 4.3 (CSD01 layouts).
 */

/* W1-W9: parse, check the type, re-encode to the same bytes. */
static const struct {
    const char *hex;
    uint8_t type;
} SN2_VALID[] = {
    {"0E 01 01 00 01 02 00 3C 01 00 64 65 76 31", MQTTSN2_CONNECT},
    {"06 02 00 00 01 00", MQTTSN2_CONNACK},
    {"0C 03 23 00 02 00 03 61 2F 62 68 69", MQTTSN2_PUBLISH},
    {"07 12 01 00 05 6F 6E", MQTTSN2_PUBWOS},
    {"03 0E 00", MQTTSN2_DISCONNECT},
    {"04 0C 00 07", MQTTSN2_PINGREQ},
    {"09 13 00 00 08 00 00 0E 10", MQTTSN2_SLEEPREQ},
    {"0C FE 00 04 64 65 76 31 04 0C 00 07", MQTTSN2_CONNECTION},
    {"09 FC 02 12 34 04 0C 00 07", MQTTSN2_FORWARDER},
};

static void test_sn2_vectors(void) {
    size_t i;
    for (i = 0; i < sizeof SN2_VALID / sizeof SN2_VALID[0]; i++) {
        uint8_t in[64], out[64];
        size_t n = unhex(SN2_VALID[i].hex, in, sizeof in), need = 0, written = 0;
        mqttsn2_packet p;
        CHECK_ST(mqttsn2_parse(in, n, &p), MQTT_OK);
        CHECK(p.packet_type == SN2_VALID[i].type);
        CHECK_ST(mqttsn2_encoded_len(&p, &need), MQTT_OK);
        CHECK(need == n);
        CHECK_ST(mqttsn2_encode(&p, out, sizeof out, &written), MQTT_OK);
        CHECK(written == n && memcmp(in, out, n) == 0);
    }
}

static void test_sn2_fields(void) {
    uint8_t in[64];
    size_t n;
    mqttsn2_packet p, inner;
    /* W1: CONNECT, CleanStart, PacketId 1, version 2, keep alive 60, max 256, "dev1". */
    n = unhex(SN2_VALID[0].hex, in, sizeof in);
    CHECK_ST(mqttsn2_parse(in, n, &p), MQTT_OK);
    CHECK(p.clean_start && !p.address_may_change && !p.server_may_suggest);
    CHECK(p.has_packet_id && p.packet_id == 1 && p.protocol_version == 2);
    CHECK(p.keep_alive == 60 && p.max_packet_size == 256);
    CHECK(!p.has_default_awake_messages && !p.has_session_expiry && !p.has_will);
    CHECK(p.auth_method.ptr == NULL && p.auth_data.ptr == NULL);
    CHECK(eq(p.client_id, "dev1") && p.client_id.ptr == in + 10);
    /* W2: CONNACK, PacketId 1, Success, no assigned client id. */
    n = unhex(SN2_VALID[1].hex, in, sizeof in);
    CHECK_ST(mqttsn2_parse(in, n, &p), MQTT_OK);
    CHECK(p.packet_id == 1 && p.reason_code == 0 && !p.session_present);
    CHECK(!p.has_session_expiry && !p.has_server_keep_alive && p.client_id.ptr == NULL);
    /* W3: PUBLISH QoS 1, topic name "a/b", PacketId 2, "hi". */
    n = unhex(SN2_VALID[2].hex, in, sizeof in);
    CHECK_ST(mqttsn2_parse(in, n, &p), MQTT_OK);
    CHECK(p.qos == 1 && !p.dup && !p.retain && p.has_packet_id && p.packet_id == 2);
    CHECK(p.topic_type == MQTTSN2_TOPIC_NAME && eq(p.topic, "a/b") && p.topic.ptr == in + 7);
    CHECK(eq(p.payload, "hi") && p.payload.ptr == in + 10);
    /* W4: PUBWOS to predefined alias 5, "on". */
    n = unhex(SN2_VALID[3].hex, in, sizeof in);
    CHECK_ST(mqttsn2_parse(in, n, &p), MQTT_OK);
    CHECK(p.topic_type == MQTTSN2_TOPIC_PREDEFINED && p.topic_alias == 5 && p.topic.ptr == NULL);
    CHECK(eq(p.payload, "on") && !p.retain && !p.has_packet_id);
    /* W5: DISCONNECT without any optional field. */
    n = unhex(SN2_VALID[4].hex, in, sizeof in);
    CHECK_ST(mqttsn2_parse(in, n, &p), MQTT_OK);
    CHECK(!p.has_packet_id && !p.has_session_expiry && !p.has_reason_code);
    CHECK(p.reason_string.ptr == NULL);
    /* W6: PINGREQ, PacketId 7. */
    n = unhex(SN2_VALID[5].hex, in, sizeof in);
    CHECK_ST(mqttsn2_parse(in, n, &p), MQTT_OK);
    CHECK(p.packet_id == 7);
    /* W7: SLEEPREQ, aliases dropped, PacketId 8, 3600 s. */
    n = unhex(SN2_VALID[6].hex, in, sizeof in);
    CHECK_ST(mqttsn2_parse(in, n, &p), MQTT_OK);
    CHECK(!p.retain_aliases && p.packet_id == 8 && p.has_duration && p.duration == 3600);
    /* W8: Connection Encapsulation of "dev1" around W6; the inner packet parses on its own. */
    n = unhex(SN2_VALID[7].hex, in, sizeof in);
    CHECK_ST(mqttsn2_parse(in, n, &p), MQTT_OK);
    CHECK(eq(p.client_id, "dev1") && p.inner.ptr == in + 8 && p.inner.len == 4);
    CHECK_ST(mqttsn2_parse(p.inner.ptr, p.inner.len, &inner), MQTT_OK);
    CHECK(inner.packet_type == MQTTSN2_PINGREQ && inner.packet_id == 7);
    /* W9: Forwarder Encapsulation, address 12 34, around W6. */
    n = unhex(SN2_VALID[8].hex, in, sizeof in);
    CHECK_ST(mqttsn2_parse(in, n, &p), MQTT_OK);
    CHECK(p.address.len == 2 && p.address.ptr[0] == 0x12 && p.address.ptr[1] == 0x34);
    CHECK_ST(mqttsn2_parse(p.inner.ptr, p.inner.len, &inner), MQTT_OK);
    CHECK(inner.packet_type == MQTTSN2_PINGREQ && inner.packet_id == 7);
}

/* Y1-Y3 and a few more: refused, with the status and the 2.0 reason code. */
static void test_sn2_refused(void) {
    static const struct {
        const char *hex;
        mqtt_status want;
        uint8_t reason_code;
    } BAD[] = {
        /* Y1: PUBLISH with QoS 11: Malformed. */
        {"0C 03 63 00 02 00 03 61 2F 62 68 69", MQTT_ERR_SN2_RESERVED_QOS, 0x81},
        /* Y2: CONNECT with keep alive 0: Protocol Error. */
        {"0E 01 01 00 01 02 00 00 01 00 64 65 76 31", MQTT_ERR_SN2_KEEP_ALIVE_ZERO, 0x82},
        /* Y3: DISCONNECT with reserved flag bit 7: Malformed. */
        {"03 0E 80", MQTT_ERR_SN2_RESERVED_FLAGS, 0x81},
        /* W1 with protocol version 1: Unsupported Protocol Version. */
        {"0E 01 01 00 01 01 00 3C 01 00 64 65 76 31", MQTT_ERR_SN2_UNSUPPORTED_VERSION, 0x84},
        /* W6 with PacketId 0. */
        {"04 0C 00 00", MQTT_ERR_SN2_ZERO_PACKET_ID, 0x82},
        /* The Length says 5, the datagram has 4. */
        {"05 0C 00 07", MQTT_ERR_SN2_LENGTH_MISMATCH, 0x81},
        /* The reserved type 0x00. */
        {"02 00", MQTT_ERR_SN2_RESERVED_TYPE, 0x81},
        /* PINGREQ cut short. */
        {"03 0C 00", MQTT_ERR_SN2_WRONG_SIZE, 0x81},
        /* A Connection Encapsulation around a CONNACK (W2). */
        {"0E FE 00 04 64 65 76 31 06 02 00 00 01 00", MQTT_ERR_SN2_ENCAPSULATED_TYPE, 0x82},
        /* A SUBACK without an alias must say predefined (type 01). */
        {"06 09 00 00 0A 00", MQTT_ERR_SN2_ALIAS_TYPE, 0x82},
        /* A Forwarder Encapsulation inside another (W9 inside W9). */
        {"0E FC 02 12 34 09 FC 02 12 34 04 0C 00 07", MQTT_ERR_SN2_ENCAPSULATION, 0x81},
    };
    size_t i;
    for (i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        uint8_t in[64];
        size_t n = unhex(BAD[i].hex, in, sizeof in);
        mqttsn2_packet p;
        mqtt_status st = mqttsn2_parse(in, n, &p);
        CHECK_ST(st, BAD[i].want);
        CHECK(p.packet_type == MQTTSN2_NO_PACKET);
        CHECK(mqttsn2_error_reason_code(st) == BAD[i].reason_code);
    }
    /* Only 2.0 statuses have a 2.0 reason code. */
    CHECK(mqttsn2_error_reason_code(MQTT_OK) == 0);
    CHECK(mqttsn2_error_reason_code(MQTT_ERR_SN_WRONG_SIZE) == 0);
    CHECK(mqttsn2_error_reason_code(MQTT_ERR_SN2_PACKET_ID_PRESENCE) == 0);
    CHECK(mqttsn2_error_reason_code(12345) == 0);
    CHECK(strcmp(mqtt_status_str(MQTT_ERR_SN2_KEEP_ALIVE_ZERO),
                 "MQTT-SN 2.0 CONNECT with keep alive 0 [MQTT-SN-3.1.6-4]") == 0);
}

/* Encoding from fields the caller sets, and the rules checked before a byte is written. */
static void test_sn2_encode(void) {
    uint8_t want[64], out[400], payload[300];
    size_t n, written = 0, need = 0;
    mqttsn2_packet p, q;

    /* W3 from fields. */
    memset(&p, 0, sizeof p);
    p.packet_type = MQTTSN2_PUBLISH;
    p.qos = 1;
    p.has_packet_id = true;
    p.packet_id = 2;
    p.topic_type = MQTTSN2_TOPIC_NAME;
    p.topic = S("a/b");
    p.payload = S("hi");
    n = unhex(SN2_VALID[2].hex, want, sizeof want);
    CHECK_ST(mqttsn2_encode(&p, out, sizeof out, &written), MQTT_OK);
    CHECK(written == n && memcmp(want, out, n) == 0);
    /* Too small: the size needed comes back and the buffer is untouched. */
    memset(out, 0xAA, sizeof out);
    CHECK_ST(mqttsn2_encode(&p, out, 4, &written), MQTT_ERR_BUFFER_TOO_SMALL);
    CHECK(written == n && out[0] == 0xAA && out[3] == 0xAA);
    CHECK_ST(mqttsn2_encode(&p, out, n - 1, &written), MQTT_ERR_BUFFER_TOO_SMALL);
    CHECK(written == n && out[0] == 0xAA);
    CHECK_ST(mqttsn2_encode(&p, out, n, &written), MQTT_OK);
    CHECK(written == n && memcmp(want, out, n) == 0);
    /* A Forwarder Encapsulation of that datagram, written where the datagram lies: refused,
       the datagram untouched; into a buffer of its own it goes. */
    memset(&q, 0, sizeof q);
    q.packet_type = MQTTSN2_FORWARDER;
    q.address = S("A");
    q.inner.ptr = out;
    q.inner.len = n;
    CHECK_ST(mqttsn2_encode(&q, out, sizeof out, &written), MQTT_ERR_INVALID_ARGUMENT);
    CHECK(written == 0 && memcmp(want, out, n) == 0);
    CHECK_ST(mqttsn2_encode(&q, payload, sizeof payload, &written), MQTT_OK);
    CHECK(written == n + 4 && memcmp(payload + 4, want, n) == 0);
    /* Rules: a QoS 1 PUBLISH needs its packet id, never 0; DUP only at QoS 2. */
    p.has_packet_id = false;
    CHECK_ST(mqttsn2_encode(&p, out, sizeof out, &written), MQTT_ERR_SN2_PACKET_ID_PRESENCE);
    CHECK(written == 0);
    p.has_packet_id = true;
    p.packet_id = 0;
    CHECK_ST(mqttsn2_encoded_len(&p, &need), MQTT_ERR_SN2_ZERO_PACKET_ID);
    CHECK(need == 0);
    p.packet_id = 2;
    p.dup = true;
    CHECK_ST(mqttsn2_encode(&p, out, sizeof out, &written), MQTT_ERR_SN2_DUP_BELOW_QOS2);
    p.dup = false;
    p.topic = S("a/+");
    CHECK_ST(mqttsn2_encode(&p, out, sizeof out, &written), MQTT_ERR_SN2_INVALID_TOPIC);
    p.topic = S("\xC3\x28");
    CHECK_ST(mqttsn2_encode(&p, out, sizeof out, &written), MQTT_ERR_SN2_INVALID_STRING);
    p.topic.ptr = NULL;
    p.topic.len = 3;
    CHECK_ST(mqttsn2_encode(&p, out, sizeof out, &written), MQTT_ERR_NULL_POINTER);
    p.topic = S("a/b");
    /* Fields out of range for the wire. */
    p.qos = 3;
    CHECK_ST(mqttsn2_encode(&p, out, sizeof out, &written), MQTT_ERR_INVALID_ARGUMENT);
    p.qos = 1;
    p.topic_type = 2;
    CHECK_ST(mqttsn2_encode(&p, out, sizeof out, &written), MQTT_ERR_INVALID_ARGUMENT);
    p.topic_type = MQTTSN2_TOPIC_NAME;
    p.packet_type = MQTTSN2_NO_PACKET;
    CHECK_ST(mqttsn2_encode(&p, out, sizeof out, &written), MQTT_ERR_INVALID_ARGUMENT);
    p.packet_type = 0x19;
    CHECK_ST(mqttsn2_encode(&p, out, sizeof out, &written), MQTT_ERR_INVALID_ARGUMENT);

    /* W1 from a zeroed struct: protocol version 0 means 2. */
    memset(&p, 0, sizeof p);
    p.packet_type = MQTTSN2_CONNECT;
    p.clean_start = true;
    p.packet_id = 1;
    p.keep_alive = 60;
    p.max_packet_size = 256;
    p.client_id = S("dev1");
    n = unhex(SN2_VALID[0].hex, want, sizeof want);
    CHECK_ST(mqttsn2_encode(&p, out, sizeof out, &written), MQTT_OK);
    CHECK(written == n && memcmp(want, out, n) == 0);
    p.keep_alive = 0;
    CHECK_ST(mqttsn2_encode(&p, out, sizeof out, &written), MQTT_ERR_SN2_KEEP_ALIVE_ZERO);
    p.keep_alive = 60;
    p.protocol_version = 1;
    CHECK_ST(mqttsn2_encode(&p, out, sizeof out, &written), MQTT_ERR_SN2_UNSUPPORTED_VERSION);
    p.protocol_version = 2;
    p.max_packet_size = 9;
    CHECK_ST(mqttsn2_encode(&p, out, sizeof out, &written), MQTT_ERR_SN2_MAX_PACKET_SIZE);
    p.max_packet_size = 256;
    /* Every optional CONNECT field, through the wire and back. */
    p.address_may_change = true;
    p.server_may_suggest = true;
    p.has_default_awake_messages = true;
    p.default_awake_messages = 3;
    p.has_session_expiry = true;
    p.session_expiry = 86400;
    p.has_will = true;
    p.will_qos = 2;
    p.will_retain = true;
    p.will_topic_type = MQTTSN2_TOPIC_NAME;
    p.will_topic = S("dev1/state");
    p.will_payload = S("offline");
    p.auth_method = S("PLAIN");
    p.auth_data = S("secret");
    CHECK_ST(mqttsn2_encode(&p, out, sizeof out, &written), MQTT_OK);
    CHECK_ST(mqttsn2_parse(out, written, &q), MQTT_OK);
    CHECK(q.packet_type == MQTTSN2_CONNECT && q.clean_start && q.address_may_change);
    CHECK(q.server_may_suggest && q.has_default_awake_messages && q.default_awake_messages == 3);
    CHECK(q.has_session_expiry && q.session_expiry == 86400);
    CHECK(q.has_will && q.will_qos == 2 && q.will_retain);
    CHECK(q.will_topic_type == MQTTSN2_TOPIC_NAME && eq(q.will_topic, "dev1/state"));
    CHECK(eq(q.will_payload, "offline") && eq(q.auth_method, "PLAIN") && eq(q.auth_data, "secret"));
    CHECK(eq(q.client_id, "dev1") && q.keep_alive == 60 && q.max_packet_size == 256);
    /* A will to a predefined alias. */
    p.will_topic_type = MQTTSN2_TOPIC_PREDEFINED;
    p.will_topic_alias = 9;
    p.will_topic.ptr = NULL;
    p.will_topic.len = 0;
    CHECK_ST(mqttsn2_encode(&p, out, sizeof out, &written), MQTT_OK);
    CHECK_ST(mqttsn2_parse(out, written, &q), MQTT_OK);
    CHECK(q.will_topic_type == MQTTSN2_TOPIC_PREDEFINED && q.will_topic_alias == 9);
    p.will_qos = 3;
    CHECK_ST(mqttsn2_encode(&p, out, sizeof out, &written), MQTT_ERR_INVALID_ARGUMENT);

    /* SUBACK with a session alias: flags 04, PacketId 10, alias 0x0101, granted QoS 1. */
    memset(&p, 0, sizeof p);
    p.packet_type = MQTTSN2_SUBACK;
    p.packet_id = 10;
    p.alias_kind = MQTTSN2_ALIAS_SESSION;
    p.has_alias = true;
    p.alias = 0x0101;
    p.reason_code = 1;
    n = unhex("08 09 04 00 0A 01 01 01", want, sizeof want);
    CHECK_ST(mqttsn2_encode(&p, out, sizeof out, &written), MQTT_OK);
    CHECK(written == n && memcmp(want, out, n) == 0);
    CHECK_ST(mqttsn2_parse(out, written, &q), MQTT_OK);
    CHECK(q.alias_kind == MQTTSN2_ALIAS_SESSION && q.has_alias && q.alias == 0x0101);
    CHECK(q.reason_code == 1 && q.packet_id == 10);
    p.alias_kind = 2;
    CHECK_ST(mqttsn2_encode(&p, out, sizeof out, &written), MQTT_ERR_INVALID_ARGUMENT);
    /* Without an alias the kind is predefined. */
    p.has_alias = false;
    p.alias_kind = MQTTSN2_ALIAS_SESSION;
    CHECK_ST(mqttsn2_encode(&p, out, sizeof out, &written), MQTT_ERR_SN2_ALIAS_TYPE);
    p.alias_kind = MQTTSN2_ALIAS_PREDEFINED;
    n = unhex("06 09 01 00 0A 01", want, sizeof want);
    CHECK_ST(mqttsn2_encode(&p, out, sizeof out, &written), MQTT_OK);
    CHECK(written == n && memcmp(want, out, n) == 0);

    /* SUBSCRIBE to a filter. */
    memset(&p, 0, sizeof p);
    p.packet_type = MQTTSN2_SUBSCRIBE;
    p.qos = 2;
    p.no_local = true;
    p.retain_handling = 1;
    p.packet_id = 10;
    p.topic_type = MQTTSN2_TOPIC_NAME;
    p.topic = S("a/+");
    n = unhex("08 08 C7 00 0A 61 2F 2B", want, sizeof want);
    CHECK_ST(mqttsn2_encode(&p, out, sizeof out, &written), MQTT_OK);
    CHECK(written == n && memcmp(want, out, n) == 0);
    p.retain_handling = 3;
    CHECK_ST(mqttsn2_encode(&p, out, sizeof out, &written), MQTT_ERR_SN2_SUBSCRIPTION_OPTIONS);

    /* DISCONNECT from a server: reason code 0x8E and a reason string. */
    memset(&p, 0, sizeof p);
    p.packet_type = MQTTSN2_DISCONNECT;
    p.has_reason_code = true;
    p.reason_code = 0x8E;
    p.reason_string = S("bye");
    n = unhex("07 0E 04 8E 62 79 65", want, sizeof want);
    CHECK_ST(mqttsn2_encode(&p, out, sizeof out, &written), MQTT_OK);
    CHECK(written == n && memcmp(want, out, n) == 0);
    CHECK_ST(mqttsn2_parse(out, written, &q), MQTT_OK);
    CHECK(q.has_reason_code && q.reason_code == 0x8E && eq(q.reason_string, "bye"));
    /* A present but empty reason string cannot be told from none on the wire. */
    p.reason_string = S("");
    CHECK_ST(mqttsn2_encode(&p, out, sizeof out, &written), MQTT_ERR_SN2_EMPTY_FIELD);
    CHECK(mqttsn2_error_reason_code(MQTT_ERR_SN2_EMPTY_FIELD) == 0);

    /* CONNACK with an assigned client id; an empty one is refused the same way. */
    memset(&p, 0, sizeof p);
    p.packet_type = MQTTSN2_CONNACK;
    p.packet_id = 1;
    p.client_id = S("a1");
    n = unhex("08 02 00 00 01 00 61 31", want, sizeof want);
    CHECK_ST(mqttsn2_encode(&p, out, sizeof out, &written), MQTT_OK);
    CHECK(written == n && memcmp(want, out, n) == 0);
    p.client_id = S("");
    CHECK_ST(mqttsn2_encode(&p, out, sizeof out, &written), MQTT_ERR_SN2_EMPTY_FIELD);
    p.client_id.ptr = NULL;
    p.session_present = true;
    p.reason_code = 0x80;
    CHECK_ST(mqttsn2_encode(&p, out, sizeof out, &written),
             MQTT_ERR_SN2_SESSION_PRESENT_ON_FAILURE);

    /* PUBWOS cannot name a session alias. */
    memset(&p, 0, sizeof p);
    p.packet_type = MQTTSN2_PUBWOS;
    p.topic_type = MQTTSN2_TOPIC_ALIAS;
    p.topic_alias = 5;
    CHECK_ST(mqttsn2_encode(&p, out, sizeof out, &written), MQTT_ERR_SN2_TOPIC_TYPE);

    /* SLEEPREQ of 0 seconds; ADVERTISE's duration has 16 bits. */
    memset(&p, 0, sizeof p);
    p.packet_type = MQTTSN2_SLEEPREQ;
    p.packet_id = 8;
    CHECK_ST(mqttsn2_encode(&p, out, sizeof out, &written), MQTT_ERR_SN2_SLEEP_ZERO);
    memset(&p, 0, sizeof p);
    p.packet_type = MQTTSN2_ADVERTISE;
    p.gw_id = 1;
    p.duration = 900;
    n = unhex("05 16 01 03 84", want, sizeof want);
    CHECK_ST(mqttsn2_encode(&p, out, sizeof out, &written), MQTT_OK);
    CHECK(written == n && memcmp(want, out, n) == 0);
    p.duration = 70000;
    CHECK_ST(mqttsn2_encode(&p, out, sizeof out, &written), MQTT_ERR_INVALID_ARGUMENT);

    /* A Connection Encapsulation may not carry a CONNACK. */
    memset(&p, 0, sizeof p);
    n = unhex(SN2_VALID[1].hex, want, sizeof want);
    p.packet_type = MQTTSN2_CONNECTION;
    p.client_id = S("dev1");
    p.inner.ptr = want;
    p.inner.len = n;
    CHECK_ST(mqttsn2_encode(&p, out, sizeof out, &written), MQTT_ERR_SN2_ENCAPSULATED_TYPE);

    /* Protection Encapsulation: tag length code 1, 2 octets of crypto material, no counter. */
    memset(&p, 0, sizeof p);
    n = unhex("04 0C 00 07 DE AD BE EF", want, sizeof want);
    p.packet_type = MQTTSN2_PROTECTION;
    p.tag_length = 1;
    p.scheme = 0x01;
    memcpy(p.sender_id, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    memcpy(p.random, "\xAA\xBB\xCC\xDD", 4);
    p.crypto = S("\x11\x22");
    p.protected_packet.ptr = want;
    p.protected_packet.len = n;
    CHECK_ST(mqttsn2_encode(&p, out, sizeof out, &written), MQTT_OK);
    CHECK(written == 26 && out[0] == 26 && out[1] == 0xFF && out[2] == 0x14 && out[3] == 0x01);
    CHECK_ST(mqttsn2_parse(out, written, &q), MQTT_OK);
    CHECK(q.tag_length == 1 && q.scheme == 0x01 && q.sender_id[7] == 0x08 && q.random[0] == 0xAA);
    CHECK(q.crypto.len == 2 && q.counter.len == 0 && q.protected_packet.len == n);
    CHECK(memcmp(q.protected_packet.ptr, want, n) == 0);
    p.tag_length = 2;
    CHECK_ST(mqttsn2_encode(&p, out, sizeof out, &written), MQTT_ERR_SN2_RESERVED_FLAGS);
    p.tag_length = 16;
    CHECK_ST(mqttsn2_encode(&p, out, sizeof out, &written), MQTT_ERR_SN2_RESERVED_FLAGS);
    p.tag_length = 1;
    p.crypto = S("\x11\x22\x33");
    CHECK_ST(mqttsn2_encode(&p, out, sizeof out, &written), MQTT_ERR_SN2_FIELD_TOO_LONG);

    /* Over 255 octets: the 3-octet Length (01, then 16 bits). */
    memset(&p, 0, sizeof p);
    memset(payload, 'x', sizeof payload);
    p.packet_type = MQTTSN2_PUBLISH;
    p.topic_type = MQTTSN2_TOPIC_PREDEFINED;
    p.topic_alias = 1;
    p.payload.ptr = payload;
    p.payload.len = sizeof payload;
    CHECK_ST(mqttsn2_encoded_len(&p, &need), MQTT_OK);
    CHECK(need == 307);
    CHECK_ST(mqttsn2_encode(&p, out, sizeof out, &written), MQTT_OK);
    CHECK(written == 307 && out[0] == 0x01 && out[1] == 0x01 && out[2] == 0x33 && out[3] == 0x03);
    CHECK_ST(mqttsn2_parse(out, written, &q), MQTT_OK);
    CHECK(q.packet_type == MQTTSN2_PUBLISH && q.qos == 0 && !q.has_packet_id);
    CHECK(q.payload.len == sizeof payload && q.payload.ptr == out + 7);
}

static void test_sn2_args(void) {
    uint8_t in[16], out[16];
    size_t n = unhex(SN2_VALID[5].hex, in, sizeof in), len = 0;
    mqttsn2_packet p;
    CHECK_ST(mqttsn2_parse(NULL, 1, &p), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqttsn2_parse(NULL, 0, &p), MQTT_ERR_SN2_TOO_SHORT); /* empty */
    CHECK_ST(mqttsn2_parse(in, n, NULL), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqttsn2_parse(in, n, &p), MQTT_OK);
    CHECK_ST(mqttsn2_encoded_len(NULL, &len), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqttsn2_encoded_len(&p, NULL), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqttsn2_encode(NULL, out, sizeof out, &len), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqttsn2_encode(&p, NULL, sizeof out, &len), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqttsn2_encode(&p, out, sizeof out, NULL), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqttsn2_encode(&p, out, sizeof out, &len), MQTT_OK);
    CHECK(len == n && memcmp(in, out, n) == 0);
    /* An empty datagram is too short for a header. */
    CHECK_ST(mqttsn2_parse(in, 0, &p), MQTT_ERR_SN2_TOO_SHORT);
}

static void test_sn2(void) {
    test_sn2_vectors();
    test_sn2_fields();
    test_sn2_refused();
    test_sn2_encode();
    test_sn2_args();
}
