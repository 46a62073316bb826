/*
 * MQTT-SN 1.2 from C: included by test_codec.c (it shares CHECK, CHECK_ST, S, eq and
 * unhex), so that it runs wherever those tests run: ASan, valgrind, the firmware in QEMU.
 * Vectors from shared/spec/mqtt-sn.md section 4.
 */

/* Every valid example that re-encodes to the same bytes: parse, encode, compare. */
static const char *const SN_VALID[] = {
    "0A 04 04 01 00 3C 64 65 76 31", "08 04 0C 01 00 1E 63 31", "03 05 00", "02 06",
    "06 07 30 77 2F 74", "02 07", "02 08", "05 09 62 79 65", "09 0A 00 00 00 01 61 2F 62",
    "07 0B 00 01 00 01 00", "09 0C 00 00 01 00 00 68 69", "08 0C 21 00 05 00 02 31",
    "09 0C 52 61 62 00 03 01 02", "09 0C 61 00 07 00 00 6F 6E", "08 0C 62 74 74 00 00 78",
    "08 0C A1 00 05 00 02 31", "07 0D 00 05 00 02 00", "04 0F 00 03", "04 10 00 03",
    "04 0E 00 03", "08 12 20 00 0A 61 2F 2B", "07 12 01 00 0B 00 05", "07 12 42 00 0C 61 62",
    "08 13 20 00 00 00 0A 00", "08 14 00 00 0D 61 2F 2B", "04 15 00 0D", "02 16",
    "06 16 64 65 76 31", "02 17", "02 18", "04 18 02 58", "05 00 01 03 84", "03 01 01",
    "03 02 01", "07 02 01 C0 A8 00 0A", "06 1A 20 61 2F 62", "03 1B 00", "04 1C 6F 6B",
    "03 1D 00", "05 FE 00 12 34 02 16", "05 FE 01 12 34 03 05 00",
};

static void test_sn_vectors(void) {
    size_t i;
    for (i = 0; i < sizeof SN_VALID / sizeof SN_VALID[0]; i++) {
        uint8_t in[64], out[64];
        size_t n = unhex(SN_VALID[i], in, sizeof in), need = 0, written = 0;
        mqttsn_message m;
        CHECK_ST(mqttsn_parse(in, n, NULL, &m, NULL), MQTT_OK);
        CHECK(m.msg_type == in[1]);
        CHECK_ST(mqttsn_encoded_len(&m, &need), MQTT_OK);
        CHECK(need == n);
        CHECK_ST(mqttsn_encode(&m, out, sizeof out, &written), MQTT_OK);
        CHECK(written == n && memcmp(in, out, n) == 0);
    }
}

/* Encodes `r` with each of three topic ids, expecting the status given for each. */
static void encode_with_topic_ids(mqttsn_message *r, const uint16_t ids[3], const mqtt_status want[3]) {
    uint8_t out[64];
    size_t written = 0;
    for (int i = 0; i < 3; i++) {
        r->topic_id = ids[i];
        CHECK_ST(mqttsn_encode(r, out, sizeof out, &written), want[i]);
    }
}

static void test_sn_fields(void) {
    uint8_t in[64], out[64];
    size_t n = unhex("08 0C 21 00 05 00 02 31", in, sizeof in), written = 0;
    mqttsn_message m, inner;
    /* V13: PUBLISH QoS 1, predefined id 5, MsgId 2, "1". */
    CHECK_ST(mqttsn_parse(in, n, NULL, &m, NULL), MQTT_OK);
    CHECK(m.msg_type == MQTTSN_PUBLISH && m.qos == 1 && m.topic_id_type == MQTTSN_TOPIC_PREDEFINED);
    CHECK(m.topic_id == 5 && m.msg_id == 2 && m.data.len == 1 && m.data.ptr == in + 7);
    /* V15: QoS -1. */
    n = unhex("09 0C 61 00 07 00 00 6F 6E", in, sizeof in);
    CHECK_ST(mqttsn_parse(in, n, NULL, &m, NULL), MQTT_OK);
    CHECK(m.qos == -1 && m.topic_id == 7 && eq(m.data, "on"));
    /* V14: short name "ab". */
    n = unhex("09 0C 52 61 62 00 03 01 02", in, sizeof in);
    CHECK_ST(mqttsn_parse(in, n, NULL, &m, NULL), MQTT_OK);
    CHECK(m.topic_id_type == MQTTSN_TOPIC_SHORT && m.topic_id == 0x6162 && m.retain);
    /* V1: CONNECT "dev1". */
    n = unhex("0A 04 04 01 00 3C 64 65 76 31", in, sizeof in);
    CHECK_ST(mqttsn_parse(in, n, NULL, &m, NULL), MQTT_OK);
    CHECK(m.clean_session && !m.will && m.duration == 60 && eq(m.text, "dev1"));
    /* V34: DISCONNECT with a sleep duration. */
    n = unhex("04 18 02 58", in, sizeof in);
    CHECK_ST(mqttsn_parse(in, n, NULL, &m, NULL), MQTT_OK);
    CHECK(m.has_duration && m.duration == 600);
    /* V47: an encapsulated PINGREQ; the inner message parses on its own. */
    n = unhex("05 FE 00 12 34 02 16", in, sizeof in);
    CHECK_ST(mqttsn_parse(in, n, NULL, &m, NULL), MQTT_OK);
    CHECK(m.msg_type == MQTTSN_ENCAPSULATED && m.node_id.len == 2 && m.data.len == 2);
    CHECK_ST(mqttsn_parse(m.data.ptr, m.data.len, NULL, &inner, NULL), MQTT_OK);
    CHECK(inner.msg_type == MQTTSN_PINGREQ);
    /* The radius is two bits of the Ctrl octet [SN-ENC-2]: 4 is an argument out of range. */
    m.radius = 4;
    CHECK_ST(mqttsn_encode(&m, out, sizeof out, &written), MQTT_ERR_INVALID_ARGUMENT);
    m.radius = 3;
    CHECK_ST(mqttsn_encode(&m, out, sizeof out, &written), MQTT_OK);
    CHECK(written == 7 && out[1] == 0xFE && out[2] == 0x03);
    /* Wrapped where the inner message lies (it points into `in`): refused, `in` untouched. */
    CHECK_ST(mqttsn_encode(&m, in, sizeof in, &written), MQTT_ERR_INVALID_ARGUMENT);
    CHECK(written == 0 && in[1] == 0xFE && in[5] == 0x02);

    /* Encoding from fields the caller sets. */
    memset(&m, 0, sizeof m);
    m.msg_type = MQTTSN_PUBLISH;
    m.qos = 1;
    m.topic_id_type = MQTTSN_TOPIC_PREDEFINED;
    m.topic_id = 5;
    m.msg_id = 2;
    m.data = S("1");
    CHECK_ST(mqttsn_encode(&m, out, sizeof out, &written), MQTT_OK);
    n = unhex("08 0C 21 00 05 00 02 31", in, sizeof in);
    CHECK(written == n && memcmp(in, out, n) == 0);
    /* Too small: the size needed comes back, nothing is written. */
    CHECK_ST(mqttsn_encode(&m, out, 4, &written), MQTT_ERR_BUFFER_TOO_SMALL);
    CHECK(written == 8);
    /* Rules checked before a byte is written. */
    m.msg_id = 0;
    CHECK_ST(mqttsn_encode(&m, out, sizeof out, &written), MQTT_ERR_SN_ZERO_MSG_ID);
    m.msg_id = 2;
    m.topic_id_type = MQTTSN_TOPIC_NORMAL;
    m.topic_id = 0;
    CHECK_ST(mqttsn_encode(&m, out, sizeof out, &written), MQTT_ERR_SN_RESERVED_TOPIC_ID);
    /* ... and in a predefined SUBSCRIBE or UNSUBSCRIBE, and 0xFFFF in REGISTER [SN-FLD-1]. */
    {
        static const uint16_t ids[3] = {0, 0xFFFF, 5};
        static const mqtt_status client_topic[3] = {
            MQTT_ERR_SN_RESERVED_TOPIC_ID, MQTT_ERR_SN_RESERVED_TOPIC_ID, MQTT_OK};
        static const mqtt_status registered[3] = {MQTT_OK, MQTT_ERR_SN_RESERVED_TOPIC_ID, MQTT_OK};
        mqttsn_message r;
        memset(&r, 0, sizeof r);
        r.msg_id = 3;
        r.topic_id_type = MQTTSN_TOPIC_PREDEFINED;
        r.msg_type = MQTTSN_SUBSCRIBE;
        encode_with_topic_ids(&r, ids, client_topic);
        r.msg_type = MQTTSN_UNSUBSCRIBE;
        encode_with_topic_ids(&r, ids, client_topic);
        memset(&r, 0, sizeof r);
        r.msg_type = MQTTSN_REGISTER;
        r.msg_id = 3;
        r.text = S("a/b");
        encode_with_topic_ids(&r, ids, registered);
    }
    m.topic_id_type = 3;
    CHECK_ST(mqttsn_encode(&m, out, sizeof out, &written), MQTT_ERR_INVALID_ARGUMENT);
    m.msg_type = 0x03;
    CHECK_ST(mqttsn_encode(&m, out, sizeof out, &written), MQTT_ERR_INVALID_ARGUMENT);
}

static void test_sn_refused(void) {
    uint8_t in[64];
    size_t n;
    mqttsn_message m, answer;
    /* X1: the Length says 5, the datagram has 3: dropped, no answer. */
    n = unhex("05 18 00", in, sizeof in);
    CHECK_ST(mqttsn_parse(in, n, NULL, &m, &answer), MQTT_ERR_SN_LENGTH_MISMATCH);
    CHECK(answer.msg_type == MQTTSN_NO_MESSAGE && m.msg_type == MQTTSN_NO_MESSAGE);
    /* X5: reserved MsgType. */
    n = unhex("02 03", in, sizeof in);
    CHECK_ST(mqttsn_parse(in, n, NULL, &m, &answer), MQTT_ERR_SN_RESERVED_MSG_TYPE);
    /* X8: SUBSCRIBE with QoS -1 is answered with SUBACK "not supported" for MsgId 10. */
    n = unhex("08 12 60 00 0A 61 2F 2B", in, sizeof in);
    CHECK_ST(mqttsn_parse(in, n, NULL, &m, &answer), MQTT_ERR_SN_QOS_MINUS_ONE);
    CHECK(answer.msg_type == MQTTSN_SUBACK && answer.msg_id == 10 && answer.return_code == 3);
    /* X10: CONNECT with ProtocolId 2 is answered with CONNACK "not supported". */
    n = unhex("0A 04 04 02 00 3C 64 65 76 31", in, sizeof in);
    CHECK_ST(mqttsn_parse(in, n, NULL, &m, &answer), MQTT_ERR_SN_PROTOCOL_ID);
    CHECK(answer.msg_type == MQTTSN_CONNACK && answer.return_code == 3);
    /* X20: QoS 1 PUBLISH with MsgId 0. */
    n = unhex("08 0C 20 00 05 00 00 31", in, sizeof in);
    CHECK_ST(mqttsn_parse(in, n, NULL, &m, NULL), MQTT_ERR_SN_ZERO_MSG_ID);
    /* A longer ClientId when the gateway allows it. */
    {
        mqttsn_options opts = {30, false};
        n = unhex("1E 04 04 01 00 3C 61 62 63 64 65 66 67 68 69 6A 6B 6C 6D 6E 6F 70 71 72 73 74 75 76 77 78",
                  in, sizeof in);
        CHECK_ST(mqttsn_parse(in, n, NULL, &m, &answer), MQTT_ERR_SN_CLIENT_ID_LENGTH);
        CHECK_ST(mqttsn_parse(in, n, &opts, &m, &answer), MQTT_OK);
        /* ... and a client of that gateway encodes it under the same options. */
        uint8_t again[64];
        size_t len = 0, w = 0;
        CHECK_ST(mqttsn_encoded_len(&m, &len), MQTT_ERR_SN_CLIENT_ID_LENGTH);
        CHECK_ST(mqttsn_encode(&m, again, sizeof again, &w), MQTT_ERR_SN_CLIENT_ID_LENGTH);
        CHECK_ST(mqttsn_encoded_len_with(&m, &opts, &len), MQTT_OK);
        CHECK(len == n);
        CHECK_ST(mqttsn_encode_with(&m, &opts, again, sizeof again, &w), MQTT_OK);
        CHECK(w == n && memcmp(again, in, n) == 0);
        CHECK_ST(mqttsn_encode_with(&m, NULL, again, sizeof again, &w), MQTT_ERR_SN_CLIENT_ID_LENGTH);
    }
    /* NULL arguments. */
    CHECK_ST(mqttsn_parse(NULL, 1, NULL, &m, NULL), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqttsn_parse(NULL, 0, NULL, &m, NULL), MQTT_ERR_SN_TOO_SHORT); /* empty */
    CHECK_ST(mqttsn_parse(in, n, NULL, NULL, NULL), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqttsn_encode(NULL, in, sizeof in, &n), MQTT_ERR_NULL_POINTER);
    CHECK(strcmp(mqtt_status_str(MQTT_ERR_SN_LENGTH_MISMATCH),
                 "MQTT-SN Length disagrees with the datagram [SN-HDR-4]") == 0);
}

static void test_sn(void) {
    test_sn_vectors();
    test_sn_fields();
    test_sn_refused();
}
