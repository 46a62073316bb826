/*
 * The heap-free client session (mqtt_fixed_session_*) from C: included by test_codec.c (it
 * shares CHECK, CHECK_ST, S and eq) when the header declares the client side, so it runs on
 * the host (under ASan and valgrind) and in the firmware example on a Cortex-M3 in QEMU. The
 * session lives in static storage and talks to a scripted server made of the library's own
 * encoder (what the server sends) and one-shot decoder (what the session sent), with
 * injected millisecond ticks that cross the 32-bit wrap: no socket, no clock, no heap.
 */

/* ---- the session's storage and the scripted server ----------------------------------- */

static mqtt_fixed_session fx_session;
static mqtt_out_slot fx_out[4];
static mqtt_in_slot fx_in[2];
static mqtt_pending_slot fx_pending[2];
static mqtt_alias_slot fx_alias[2];
static uint8_t fx_messages[256], fx_alias_topics[64], fx_rx[256], fx_tx[256];

typedef struct {
    mqtt_fixed_session *s;
    uint8_t version;
    uint32_t now;
    uint8_t out[512]; /* what the session sent and the server has not read yet */
    size_t len, pos;
} fx_server;

static mqtt_fixed_config fx_cfg(uint8_t version) {
    mqtt_fixed_config cfg = mqtt_fixed_config_default();
    cfg.version = version;
    cfg.client_id = S("fw-1");
    cfg.keep_alive = 10;
    return cfg;
}

static mqtt_fixed_storage fx_storage(void) {
    mqtt_fixed_storage st;
    memset(&st, 0, sizeof st);
    st.outgoing = fx_out;
    st.outgoing_count = sizeof fx_out / sizeof fx_out[0];
    st.messages = fx_messages;
    st.messages_len = sizeof fx_messages;
    st.incoming = fx_in;
    st.incoming_count = sizeof fx_in / sizeof fx_in[0];
    st.pending = fx_pending;
    st.pending_count = sizeof fx_pending / sizeof fx_pending[0];
    st.aliases = fx_alias;
    st.aliases_count = sizeof fx_alias / sizeof fx_alias[0];
    st.alias_topics = fx_alias_topics;
    st.alias_topics_len = sizeof fx_alias_topics;
    st.rx = fx_rx;
    st.rx_len = sizeof fx_rx;
    st.tx = fx_tx;
    st.tx_len = sizeof fx_tx;
    return st;
}

static void fx_open(fx_server *sv, const mqtt_fixed_config *cfg, uint32_t now) {
    mqtt_fixed_storage st = fx_storage();
    memset(sv, 0, sizeof *sv);
    memset(&fx_session, 0, sizeof fx_session);
    sv->s = &fx_session;
    sv->version = cfg->version;
    sv->now = now;
    CHECK_ST(mqtt_fixed_session_init(sv->s, cfg, &st), MQTT_OK);
}

/* Takes everything the session has to send. */
static void fx_take(fx_server *sv) {
    const uint8_t *data = NULL;
    size_t n = 0;
    if (sv->pos == sv->len) sv->pos = sv->len = 0;
    CHECK_ST(mqtt_fixed_session_transmit(sv->s, sv->now, &data, &n), MQTT_OK);
    if (n > sizeof sv->out - sv->len) {
        fprintf(stderr, "scripted server: the session sent too much\n");
        exit(2);
    }
    if (n > 0) memcpy(sv->out + sv->len, data, n);
    sv->len += n;
}

/* The next packet the session sent (its type), or 0 when it sent nothing more. */
static uint8_t fx_next(fx_server *sv, mqtt_packet *p) {
    mqtt_decode_options o;
    size_t used = 0;
    mqtt_status st;
    fx_take(sv);
    if (sv->pos == sv->len) return 0;
    o.version = sv->version;
    o.role = MQTT_ROLE_SERVER;
    o.max_packet_size = 0;
    st = mqtt_decode(sv->out + sv->pos, sv->len - sv->pos, &o, p, &used);
    CHECK_ST(st, MQTT_OK);
    if (st != MQTT_OK) {
        sv->pos = sv->len;
        return 0;
    }
    sv->pos += used;
    return p->packet_type;
}

/* Sends `p` to the session one byte at a time, as a UART delivers it. */
static void fx_send(fx_server *sv, const mqtt_packet *p) {
    uint8_t buf[128];
    size_t n = 0, i, taken;
    CHECK_ST(mqtt_encode(p, sv->version, buf, sizeof buf, &n), MQTT_OK);
    for (i = 0; i < n; i++) {
        CHECK_ST(mqtt_fixed_session_receive(sv->s, buf + i, 1, sv->now, &taken), MQTT_OK);
        CHECK(taken == 1);
    }
}

static void fx_ack(fx_server *sv, uint8_t type, uint16_t id) {
    mqtt_packet p;
    mqtt_packet_init(&p, type);
    p.packet_id = id;
    fx_send(sv, &p);
}

static void fx_publish(fx_server *sv, const char *topic, const char *payload, uint8_t qos,
                       uint16_t id, bool dup) {
    mqtt_packet p;
    mqtt_packet_init(&p, MQTT_PACKET_PUBLISH);
    p.topic = S(topic);
    p.payload = S(payload);
    p.qos = qos;
    p.packet_id = id;
    p.dup = dup;
    fx_send(sv, &p);
}

/* The next event's kind, or 0 when none waits. */
static uint8_t fx_event(fx_server *sv, mqtt_session_event *ev) {
    mqtt_status st = mqtt_fixed_session_poll_event(sv->s, sv->now, ev);
    if (st == MQTT_END) {
        CHECK(ev->kind == MQTT_SESSION_EVENT_NONE);
        return 0;
    }
    CHECK_ST(st, MQTT_OK);
    return ev->kind;
}

static mqtt_status fx_pub(fx_server *sv, const char *topic, const char *payload, uint8_t qos,
                          uint16_t *id) {
    return mqtt_fixed_session_publish(sv->s, (const uint8_t *)topic, strlen(topic),
                                      (const uint8_t *)payload, strlen(payload), qos, false,
                                      sv->now, id);
}

/* connect, CONNECT out, CONNACK in, the CONNECTED event. */
static void fx_connect(fx_server *sv, bool session_present) {
    mqtt_packet p;
    mqtt_session_event ev;
    CHECK_ST(mqtt_fixed_session_connect(sv->s, sv->now), MQTT_OK);
    CHECK(fx_next(sv, &p) == MQTT_PACKET_CONNECT);
    CHECK(eq(p.client_id, "fw-1") && p.protocol_version == sv->version);
    mqtt_packet_init(&p, MQTT_PACKET_CONNACK);
    p.session_present = session_present;
    fx_send(sv, &p);
    CHECK(fx_event(sv, &ev) == MQTT_SESSION_EVENT_CONNECTED);
    CHECK(ev.session_present == session_present);
    CHECK(mqtt_fixed_session_is_connected(sv->s));
}

/* ---- the flows --------------------------------------------------------------------- */

/* Subscribe, QoS 1 and 2 both ways, keep alive across the tick's wrap, disconnect. */
static void test_fixed_flow(uint8_t version) {
    fx_server sv;
    mqtt_fixed_config cfg = fx_cfg(version);
    mqtt_packet p;
    mqtt_session_event ev;
    mqtt_list_iter it;
    uint8_t granted = 1, rc = 0xFF;
    uint16_t sub_id = 0, id1 = 0, id2 = 0;
    uint32_t deadline = 0, wait = 0;

    fx_open(&sv, &cfg, 0xFFFFF000u); /* 4 s before the tick wraps */
    CHECK(!mqtt_fixed_session_is_connected(sv.s));
    CHECK_ST(mqtt_fixed_session_connect(sv.s, sv.now), MQTT_OK);
    CHECK(fx_next(&sv, &p) == MQTT_PACKET_CONNECT);
    CHECK(p.clean_start && p.keep_alive == 10);
    if (version == MQTT_V5) {
        /* The limits come from the storage. */
        CHECK(p.properties.has_receive_maximum && p.properties.receive_maximum == 2);
        CHECK(p.properties.has_maximum_packet_size && p.properties.maximum_packet_size == 256);
        CHECK(p.properties.has_topic_alias_maximum && p.properties.topic_alias_maximum == 2);
    }
    CHECK(fx_event(&sv, &ev) == 0);
    mqtt_packet_init(&p, MQTT_PACKET_CONNACK);
    fx_send(&sv, &p);
    CHECK(fx_event(&sv, &ev) == MQTT_SESSION_EVENT_CONNECTED);

    CHECK_ST(mqtt_fixed_session_subscribe_one(sv.s, (const uint8_t *)"PV/#", 4, 1, sv.now, &sub_id),
             MQTT_OK);
    CHECK(fx_next(&sv, &p) == MQTT_PACKET_SUBSCRIBE && p.packet_id == sub_id);
    mqtt_packet_init(&p, MQTT_PACKET_SUBACK);
    p.packet_id = sub_id;
    p.reason_codes = mqtt_list_of_reason_codes(&granted, 1);
    fx_send(&sv, &p);
    CHECK(fx_event(&sv, &ev) == MQTT_SESSION_EVENT_SUBSCRIBED && ev.packet_id == sub_id);
    /* A decoded list of reason codes is an array too. */
    CHECK(ev.reason_codes.count == 1 && ev.reason_codes.items != NULL &&
          ((const uint8_t *)ev.reason_codes.items)[0] == 1);
    CHECK_ST(mqtt_list_iter_init(&it, &ev.reason_codes), MQTT_OK);
    CHECK_ST(mqtt_list_next_reason_code(&it, &rc), MQTT_OK);
    CHECK(rc == 1);
    CHECK_ST(mqtt_list_next_reason_code(&it, &rc), MQTT_END);

    /* Ours: QoS 1, then QoS 2 (PUBREC, PUBREL, PUBCOMP). */
    CHECK_ST(fx_pub(&sv, "PV/sunshine", "42", 1, &id1), MQTT_OK);
    CHECK(id1 != 0 && id1 != sub_id);
    CHECK(fx_next(&sv, &p) == MQTT_PACKET_PUBLISH && p.packet_id == id1 && p.qos == 1);
    CHECK(eq(p.topic, "PV/sunshine") && eq(p.payload, "42") && !p.dup);
    CHECK_ST(fx_pub(&sv, "PV/rain", "0", 2, &id2), MQTT_OK);
    CHECK(fx_next(&sv, &p) == MQTT_PACKET_PUBLISH && p.packet_id == id2 && p.qos == 2);
    fx_ack(&sv, MQTT_PACKET_PUBACK, id1);
    CHECK(fx_event(&sv, &ev) == MQTT_SESSION_EVENT_PUBLISHED && ev.packet_id == id1);
    fx_ack(&sv, MQTT_PACKET_PUBREC, id2);
    CHECK(fx_event(&sv, &ev) == 0);
    CHECK(fx_next(&sv, &p) == MQTT_PACKET_PUBREL && p.packet_id == id2);
    fx_ack(&sv, MQTT_PACKET_PUBCOMP, id2);
    CHECK(fx_event(&sv, &ev) == MQTT_SESSION_EVENT_PUBLISHED && ev.packet_id == id2);

    /* Theirs: QoS 1 acknowledged; QoS 2 delivered once though sent twice. */
    fx_publish(&sv, "PV/wind", "7", 1, 5, false);
    CHECK(fx_event(&sv, &ev) == MQTT_SESSION_EVENT_MESSAGE);
    CHECK(eq(ev.topic, "PV/wind") && eq(ev.payload, "7") && ev.qos == 1 && ev.packet_id == 5);
    CHECK(ev.ack_id == 0);
    CHECK(fx_next(&sv, &p) == MQTT_PACKET_PUBACK && p.packet_id == 5);
    fx_publish(&sv, "PV/temp", "21", 2, 6, false);
    CHECK(fx_event(&sv, &ev) == MQTT_SESSION_EVENT_MESSAGE && eq(ev.payload, "21"));
    CHECK(fx_next(&sv, &p) == MQTT_PACKET_PUBREC && p.packet_id == 6);
    fx_publish(&sv, "PV/temp", "21", 2, 6, true); /* [MQTT-4.3.3-10]: not delivered again */
    CHECK(fx_event(&sv, &ev) == 0);
    CHECK(fx_next(&sv, &p) == MQTT_PACKET_PUBREC && p.packet_id == 6);
    fx_ack(&sv, MQTT_PACKET_PUBREL, 6);
    CHECK(fx_event(&sv, &ev) == 0);
    CHECK(fx_next(&sv, &p) == MQTT_PACKET_PUBCOMP && p.packet_id == 6);

    /* Keep alive: the deadline lies across the 32-bit wrap of the tick. */
    CHECK_ST(mqtt_fixed_session_next_timeout(sv.s, sv.now, &deadline, &wait), MQTT_OK);
    CHECK(wait == 10000 && deadline == sv.now + 10000u);
    sv.now += 10000u; /* wraps */
    CHECK(sv.now < 0x10000u);
    CHECK_ST(mqtt_fixed_session_handle_timeout(sv.s, sv.now), MQTT_OK);
    CHECK(fx_next(&sv, &p) == MQTT_PACKET_PINGREQ);
    mqtt_packet_init(&p, MQTT_PACKET_PINGRESP);
    fx_send(&sv, &p);
    CHECK(fx_event(&sv, &ev) == 0);
    CHECK(mqtt_fixed_session_is_connected(sv.s));

    CHECK_ST(mqtt_fixed_session_disconnect(sv.s, sv.now), MQTT_OK);
    CHECK(fx_next(&sv, &p) == MQTT_PACKET_DISCONNECT);
    CHECK(fx_event(&sv, &ev) == MQTT_SESSION_EVENT_DISCONNECTED && !ev.by_server);
    CHECK(!mqtt_fixed_session_is_connected(sv.s));
}

/* A lost connection and a resumed session: the PUBREL again, then the PUBLISH in flight
 * with DUP [MQTT-4.4.0-1]. */
static void test_fixed_resume(uint8_t version) {
    fx_server sv;
    mqtt_fixed_config cfg = fx_cfg(version);
    mqtt_packet p;
    mqtt_session_event ev;
    uint16_t id1 = 0, id2 = 0;
    size_t in_flight = 9, queued = 9;

    cfg.clean_start = false;
    cfg.session_expiry_interval = 300;
    fx_open(&sv, &cfg, 100);
    fx_connect(&sv, false);
    CHECK_ST(fx_pub(&sv, "a", "1", 2, &id1), MQTT_OK);
    CHECK_ST(fx_pub(&sv, "b", "2", 1, &id2), MQTT_OK);
    CHECK(fx_next(&sv, &p) == MQTT_PACKET_PUBLISH && p.packet_id == id1);
    CHECK(fx_next(&sv, &p) == MQTT_PACKET_PUBLISH && p.packet_id == id2);
    fx_ack(&sv, MQTT_PACKET_PUBREC, id1);
    CHECK(fx_event(&sv, &ev) == 0);
    CHECK(fx_next(&sv, &p) == MQTT_PACKET_PUBREL && p.packet_id == id1);
    CHECK_ST(mqtt_fixed_session_pending(sv.s, &in_flight, &queued), MQTT_OK);
    CHECK(in_flight == 2 && queued == 0);

    CHECK_ST(mqtt_fixed_session_connection_lost(sv.s, sv.now), MQTT_OK);
    CHECK(fx_event(&sv, &ev) == MQTT_SESSION_EVENT_DISCONNECTED && !ev.has_reason_code);
    sv.now += 1000;
    fx_connect(&sv, true);
    CHECK(fx_next(&sv, &p) == MQTT_PACKET_PUBREL && p.packet_id == id1);
    CHECK(fx_next(&sv, &p) == MQTT_PACKET_PUBLISH && p.packet_id == id2 && p.dup);
    fx_ack(&sv, MQTT_PACKET_PUBCOMP, id1);
    fx_ack(&sv, MQTT_PACKET_PUBACK, id2);
    CHECK(fx_event(&sv, &ev) == MQTT_SESSION_EVENT_PUBLISHED && ev.packet_id == id1);
    CHECK(fx_event(&sv, &ev) == MQTT_SESSION_EVENT_PUBLISHED && ev.packet_id == id2);
}

/* The failure of a message dropped with its session comes before CONNECTED. */
static void test_fixed_session_lost(void) {
    fx_server sv;
    mqtt_fixed_config cfg = fx_cfg(MQTT_V3_1_1);
    mqtt_packet p;
    mqtt_session_event ev;
    uint16_t id = 0;

    cfg.clean_start = false;
    fx_open(&sv, &cfg, 100);
    fx_connect(&sv, false);
    CHECK_ST(fx_pub(&sv, "c", "3", 1, &id), MQTT_OK);
    CHECK(fx_next(&sv, &p) == MQTT_PACKET_PUBLISH);
    CHECK_ST(mqtt_fixed_session_connection_lost(sv.s, sv.now), MQTT_OK);
    CHECK(fx_event(&sv, &ev) == MQTT_SESSION_EVENT_DISCONNECTED);
    CHECK_ST(mqtt_fixed_session_connect(sv.s, sv.now), MQTT_OK);
    CHECK(fx_next(&sv, &p) == MQTT_PACKET_CONNECT && !p.clean_start);
    mqtt_packet_init(&p, MQTT_PACKET_CONNACK);
    fx_send(&sv, &p);
    CHECK(fx_event(&sv, &ev) == MQTT_SESSION_EVENT_PUBLISH_FAILED && ev.packet_id == id);
    CHECK(ev.session_lost);
    CHECK(fx_event(&sv, &ev) == MQTT_SESSION_EVENT_CONNECTED && !ev.session_present);
}

/* Manual acknowledgement: given out of order, sent in arrival order [MQTT-4.6.0-2]. */
static void test_fixed_manual_ack(void) {
    fx_server sv;
    mqtt_fixed_config cfg = fx_cfg(MQTT_V3_1_1);
    mqtt_packet p;
    mqtt_session_event ev;

    cfg.auto_ack = false;
    fx_open(&sv, &cfg, 100);
    fx_connect(&sv, false);
    fx_publish(&sv, "t", "1", 1, 11, false);
    CHECK(fx_event(&sv, &ev) == MQTT_SESSION_EVENT_MESSAGE && ev.ack_id == 11);
    fx_publish(&sv, "t", "2", 1, 12, false);
    CHECK(fx_event(&sv, &ev) == MQTT_SESSION_EVENT_MESSAGE && ev.ack_id == 12);
    CHECK_ST(mqtt_fixed_session_ack(sv.s, 12, sv.now), MQTT_OK);
    CHECK(fx_next(&sv, &p) == 0);
    CHECK_ST(mqtt_fixed_session_ack(sv.s, 11, sv.now), MQTT_OK);
    CHECK(fx_next(&sv, &p) == MQTT_PACKET_PUBACK && p.packet_id == 11);
    CHECK(fx_next(&sv, &p) == MQTT_PACKET_PUBACK && p.packet_id == 12);
    CHECK_ST(mqtt_fixed_session_ack(sv.s, 11, sv.now), MQTT_ERR_SESSION_UNKNOWN_PACKET_ID);
}

/* 5.0: topic aliases from the server, a rule broken, limits of the storage. */
static void test_fixed_v5(void) {
    fx_server sv;
    mqtt_fixed_config cfg = fx_cfg(MQTT_V5);
    mqtt_packet p;
    mqtt_session_event ev;
    uint16_t id = 0;
    int i;

    fx_open(&sv, &cfg, 100);
    fx_connect(&sv, false);
    mqtt_packet_init(&p, MQTT_PACKET_PUBLISH);
    p.topic = S("PV/long/topic");
    p.payload = S("x");
    p.properties.has_topic_alias = true;
    p.properties.topic_alias = 2;
    fx_send(&sv, &p);
    CHECK(fx_event(&sv, &ev) == MQTT_SESSION_EVENT_MESSAGE && eq(ev.topic, "PV/long/topic"));
    p.topic = S("");
    p.payload = S("y");
    fx_send(&sv, &p);
    CHECK(fx_event(&sv, &ev) == MQTT_SESSION_EVENT_MESSAGE && eq(ev.topic, "PV/long/topic"));
    CHECK(eq(ev.payload, "y"));

    /* The outgoing records are the limit of what may wait: four. */
    CHECK_ST(mqtt_fixed_session_connection_lost(sv.s, sv.now), MQTT_OK);
    CHECK(fx_event(&sv, &ev) == MQTT_SESSION_EVENT_DISCONNECTED);
    for (i = 0; i < 4; i++) CHECK_ST(fx_pub(&sv, "q", "1", 1, &id), MQTT_OK);
    CHECK_ST(fx_pub(&sv, "q", "1", 1, &id), MQTT_ERR_SESSION_QUEUE_FULL);
    CHECK(id == 0);
    CHECK_ST(fx_pub(&sv, "q", "1", 0, &id), MQTT_ERR_SESSION_NOT_CONNECTED);

    /* A second CONNACK breaks [MQTT-3.2.0-2]: DISCONNECT 0x82, then the event. */
    fx_connect(&sv, false);
    for (i = 0; i < 4; i++) CHECK(fx_next(&sv, &p) == MQTT_PACKET_PUBLISH);
    mqtt_packet_init(&p, MQTT_PACKET_CONNACK);
    fx_send(&sv, &p);
    CHECK(fx_event(&sv, &ev) == MQTT_SESSION_EVENT_DISCONNECTED);
    CHECK(ev.has_reason_code && ev.reason_code == 0x82 && !ev.by_server);
    CHECK(fx_next(&sv, &p) == MQTT_PACKET_DISCONNECT && p.reason_code == 0x82);
}

/* A snapshot, as a device keeps it across a reboot: what was in flight is resent after the
 * restored session resumes. */
static void test_fixed_snapshot(void) {
    static uint8_t snap[256];
    fx_server sv;
    mqtt_fixed_config cfg = fx_cfg(MQTT_V3_1_1);
    mqtt_fixed_storage st;
    mqtt_packet p;
    mqtt_session_event ev;
    size_t need = 0, n = 0;
    uint16_t id = 0;

    cfg.clean_start = false;
    fx_open(&sv, &cfg, 100);
    fx_connect(&sv, false);
    CHECK_ST(fx_pub(&sv, "a/b", "kept", 1, &id), MQTT_OK);
    CHECK(fx_next(&sv, &p) == MQTT_PACKET_PUBLISH && p.packet_id == id);
    CHECK_ST(mqtt_fixed_session_snapshot(sv.s, NULL, 0, &need), MQTT_OK);
    CHECK(need > 4);
    CHECK_ST(mqtt_fixed_session_snapshot(sv.s, snap, 4, &n), MQTT_ERR_BUFFER_TOO_SMALL);
    CHECK(n == need);
    CHECK_ST(mqtt_fixed_session_snapshot(sv.s, snap, sizeof snap, &n), MQTT_OK);
    CHECK(n == need && memcmp(snap, "MQCS", 4) == 0);

    /* A reboot: the same memory, a new session from the snapshot. */
    st = fx_storage();
    memset(&fx_session, 0, sizeof fx_session);
    /* Snapshot bytes that lie in the storage would be overwritten as they are read. */
    memcpy(st.tx, snap, n);
    CHECK_ST(mqtt_fixed_session_init_from_snapshot(sv.s, &cfg, &st, st.tx, n),
             MQTT_ERR_INVALID_ARGUMENT);
    CHECK_ST(mqtt_fixed_session_init_from_snapshot(sv.s, &cfg, &st, snap, 3),
             MQTT_ERR_SNAPSHOT_NOT_A_SNAPSHOT);
    CHECK_ST(mqtt_fixed_session_init_from_snapshot(sv.s, &cfg, &st, snap, n - 1),
             MQTT_ERR_SNAPSHOT_CORRUPT);
    CHECK_ST(mqtt_fixed_session_init_from_snapshot(sv.s, &cfg, &st, snap, n), MQTT_OK);
    sv.len = sv.pos = 0;
    CHECK_ST(mqtt_fixed_session_connect(sv.s, sv.now), MQTT_OK);
    CHECK(fx_next(&sv, &p) == MQTT_PACKET_CONNECT && !p.clean_start);
    mqtt_packet_init(&p, MQTT_PACKET_CONNACK);
    p.session_present = true;
    fx_send(&sv, &p);
    CHECK(fx_event(&sv, &ev) == MQTT_SESSION_EVENT_CONNECTED && ev.session_present);
    CHECK(fx_next(&sv, &p) == MQTT_PACKET_PUBLISH && p.packet_id == id && p.dup);
    CHECK(eq(p.payload, "kept"));
}

/* Arguments C can get wrong give a status, never a crash. */
static void test_fixed_misuse(void) {
    static mqtt_fixed_session zeroed, copy;
    mqtt_fixed_config cfg = fx_cfg(MQTT_V3_1_1);
    mqtt_fixed_storage st = fx_storage();
    mqtt_session_event ev;
    const uint8_t *data;
    size_t n;

    CHECK_ST(mqtt_fixed_session_init(NULL, &cfg, &st), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqtt_fixed_session_init(&zeroed, NULL, &st), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqtt_fixed_session_connect(&zeroed, 0), MQTT_ERR_INVALID_ARGUMENT);
    CHECK_ST(mqtt_fixed_session_connect(NULL, 0), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqtt_fixed_session_poll_event(&zeroed, 0, &ev), MQTT_ERR_INVALID_ARGUMENT);
    CHECK_ST(mqtt_fixed_session_transmit(&zeroed, 0, &data, &n), MQTT_ERR_INVALID_ARGUMENT);
    CHECK(!mqtt_fixed_session_is_connected(&zeroed));
    /* A copy of a live session would share its storage: refused. */
    CHECK_ST(mqtt_fixed_session_init(&fx_session, &cfg, &st), MQTT_OK);
    copy = fx_session;
    CHECK_ST(mqtt_fixed_session_connect(&copy, 0), MQTT_ERR_INVALID_ARGUMENT);
    CHECK_ST(mqtt_fixed_session_connect(&fx_session, 0), MQTT_OK);
    /* A client identifier that is no MQTT string, a will topic with a wildcard. */
    cfg.client_id.ptr = (const uint8_t *)"a\0b";
    cfg.client_id.len = 3;
    CHECK_ST(mqtt_fixed_session_init(&zeroed, &cfg, &st), MQTT_ERR_INVALID_STRING);
    cfg = fx_cfg(MQTT_V3_1_1);
    cfg.has_will = true;
    cfg.will_topic = S("will/#");
    CHECK_ST(mqtt_fixed_session_init(&zeroed, &cfg, &st), MQTT_ERR_TOPIC_WILDCARD_IN_NAME);
    cfg.version = 9;
    CHECK_ST(mqtt_fixed_session_init(&zeroed, &cfg, &st), MQTT_ERR_INVALID_ARGUMENT);
    cfg = fx_cfg(MQTT_V3_1_1);
    st.rx = NULL;
    CHECK_ST(mqtt_fixed_session_init(&zeroed, &cfg, &st), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqtt_fixed_session_connect(&zeroed, 0), MQTT_ERR_INVALID_ARGUMENT);
    /* Pieces of storage that overlap would corrupt each other: refused. */
    st = fx_storage();
    st.tx = st.rx;
    CHECK_ST(mqtt_fixed_session_init(&zeroed, &cfg, &st), MQTT_ERR_INVALID_ARGUMENT);
    st = fx_storage();
    st.messages = fx_rx + 8;
    st.messages_len = 16;
    CHECK_ST(mqtt_fixed_session_init(&zeroed, &cfg, &st), MQTT_ERR_INVALID_ARGUMENT);
    st = fx_storage();
    st.incoming = (mqtt_in_slot *)(void *)fx_out;
    CHECK_ST(mqtt_fixed_session_init(&zeroed, &cfg, &st), MQTT_ERR_INVALID_ARGUMENT);
    /* Settings whose CONNECT the encoder refuses: connect says which rule. */
    st = fx_storage();
    cfg = fx_cfg(MQTT_V3_1_1);
    cfg.password = S("secret");
    CHECK_ST(mqtt_fixed_session_init(&zeroed, &cfg, &st), MQTT_OK);
    CHECK_ST(mqtt_fixed_session_connect(&zeroed, 0), MQTT_ERR_PASSWORD_WITHOUT_USERNAME);
    /* A transmit buffer smaller than CONNECT can never send it: not "full, try again". */
    cfg = fx_cfg(MQTT_V3_1_1);
    st = fx_storage();
    st.tx_len = 8;
    CHECK_ST(mqtt_fixed_session_init(&zeroed, &cfg, &st), MQTT_OK);
    CHECK_ST(mqtt_fixed_session_connect(&zeroed, 0), MQTT_ERR_SESSION_STORAGE_TOO_SMALL);
    /* Read-only queries take a const session. */
    {
        const mqtt_fixed_session *ro = &fx_session;
        size_t in_flight, queued;
        CHECK(mqtt_fixed_session_is_connected(ro) == mqtt_fixed_session_is_connected(&fx_session));
        CHECK_ST(mqtt_fixed_session_pending(ro, &in_flight, &queued), MQTT_OK);
    }
}

static void test_fixed_session(void) {
    test_fixed_flow(MQTT_V3_1_1);
    test_fixed_flow(MQTT_V5);
    test_fixed_resume(MQTT_V3_1_1);
    test_fixed_resume(MQTT_V5);
    test_fixed_session_lost();
    test_fixed_manual_ack();
    test_fixed_v5();
    test_fixed_snapshot();
    test_fixed_misuse();
}
