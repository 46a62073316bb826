/*
 * The client session (mqtt_session_*) from C: included by test_codec.c after the MQTT-SN
 * tests (it shares CHECK, CHECK_ST, S, eq and unhex), only when the header declares the
 * session (MQTT_CODEC_SESSION). The session talks to a scripted server made of the
 * library's own encoder (what the server sends) and one-shot decoder (what the session
 * sent), with injected millisecond ticks: no socket, no clock, no sleep.
 */

/* ---- the scripted server ------------------------------------------------------------- */

typedef struct {
    mqtt_session *s;
    uint8_t version;
    uint32_t now;
    uint8_t out[8192]; /* what the session sent and the server has not read yet */
    size_t len, pos;
    size_t pieces;     /* how many calls data_to_send took so far */
    size_t piece;      /* the size of the buffer given to data_to_send */
} server;

static mqtt_session_config session_cfg(uint8_t version) {
    mqtt_session_config cfg = mqtt_session_config_default();
    cfg.version = version;
    cfg.client_id = S("c1");
    cfg.keep_alive = 10;
    return cfg;
}

static void srv_open(server *sv, const mqtt_session_config *cfg, uint32_t now) {
    mqtt_status st = MQTT_ERR_INTERNAL;
    memset(sv, 0, sizeof *sv);
    sv->version = cfg->version;
    sv->now = now;
    sv->piece = 7; /* small pieces: packets cross the calls */
    sv->s = mqtt_session_new(cfg, &st);
    CHECK_ST(st, MQTT_OK);
    CHECK(sv->s != NULL);
}

/* Takes everything the session has to send, `piece` bytes per call. */
static void srv_take(server *sv) {
    mqtt_status st;
    size_t n;
    if (sv->pos == sv->len) sv->pos = sv->len = 0;
    do {
        size_t room = sizeof sv->out - sv->len;
        if (room == 0) {
            fprintf(stderr, "scripted server: the session sent too much\n");
            exit(2);
        }
        size_t cap = room < sv->piece ? room : sv->piece;
        st = mqtt_session_data_to_send(sv->s, sv->out + sv->len, cap, &n);
        sv->len += n;
        sv->pieces++;
    } while (st == MQTT_MORE_TO_SEND);
    CHECK_ST(st, MQTT_OK);
}

/* The next packet the session sent (its type), or 0 when it sent nothing more. */
static uint8_t srv_next(server *sv, mqtt_packet *p) {
    mqtt_decode_options o;
    size_t used = 0;
    mqtt_status st;
    srv_take(sv);
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

/* The session sent nothing. */
static int srv_quiet(server *sv) {
    mqtt_packet p;
    return srv_next(sv, &p) == 0;
}

/* The session sent an acknowledgement of `type` for `id` next. */
static int srv_got_ack(server *sv, uint8_t type, uint16_t id) {
    mqtt_packet p;
    return srv_next(sv, &p) == type && p.packet_id == id;
}

static void srv_send(server *sv, const mqtt_packet *p) {
    uint8_t buf[512];
    size_t n = 0;
    CHECK_ST(mqtt_encode(p, sv->version, buf, sizeof buf, &n), MQTT_OK);
    CHECK_ST(mqtt_session_receive(sv->s, buf, n, sv->now), MQTT_OK);
}

static void srv_ack(server *sv, uint8_t type, uint16_t id) {
    mqtt_packet p;
    mqtt_packet_init(&p, type);
    p.packet_id = id;
    srv_send(sv, &p);
}

static void srv_connack(server *sv, bool session_present, uint8_t reason) {
    mqtt_packet p;
    mqtt_packet_init(&p, MQTT_PACKET_CONNACK);
    p.session_present = session_present;
    p.reason_code = reason;
    srv_send(sv, &p);
}

/* mqtt_session_publish of two C strings. */
static mqtt_status pub(mqtt_session *s, const char *topic, const char *payload, uint8_t qos,
                       bool retain, uint32_t now, uint16_t *id) {
    return mqtt_session_publish(s, (const uint8_t *)topic, strlen(topic), (const uint8_t *)payload,
                                strlen(payload), qos, retain, now, id);
}

static void srv_publish(server *sv, const char *topic, const char *payload, uint8_t qos,
                        uint16_t id) {
    mqtt_packet p;
    mqtt_packet_init(&p, MQTT_PACKET_PUBLISH);
    p.topic = S(topic);
    p.payload = S(payload);
    p.qos = qos;
    p.packet_id = id;
    srv_send(sv, &p);
}

static void srv_suback(server *sv, uint16_t id, uint8_t *codes, size_t n) {
    mqtt_packet p;
    mqtt_packet_init(&p, MQTT_PACKET_SUBACK);
    p.packet_id = id;
    p.reason_codes = mqtt_list_of_reason_codes(codes, n);
    srv_send(sv, &p);
}

/* The next event's kind, or 0 when none waits. */
static uint8_t next_event(server *sv, mqtt_session_event *ev) {
    mqtt_status st = mqtt_session_poll_event(sv->s, ev);
    if (st == MQTT_END) {
        CHECK(ev->kind == MQTT_SESSION_EVENT_NONE);
        return 0;
    }
    CHECK_ST(st, MQTT_OK);
    return ev->kind;
}

/* connect, CONNECT out, CONNACK (accepted) in, the CONNECTED event. */
static void srv_connect(server *sv, bool session_present) {
    mqtt_packet p;
    mqtt_session_event ev;
    CHECK_ST(mqtt_session_connect(sv->s, sv->now), MQTT_OK);
    CHECK(srv_next(sv, &p) == MQTT_PACKET_CONNECT);
    CHECK(eq(p.client_id, "c1") && p.protocol_version == sv->version);
    srv_connack(sv, session_present, 0);
    CHECK(next_event(sv, &ev) == MQTT_SESSION_EVENT_CONNECTED);
    CHECK(ev.session_present == session_present);
    CHECK(mqtt_session_is_connected(sv->s));
}

static void srv_close(server *sv) {
    mqtt_session_free(sv->s);
    sv->s = NULL;
}

/* ---- connect, subscribe, QoS 0, 1 and 2 both ways, unsubscribe, disconnect ----------- */

static void test_session_flow(uint8_t version) {
    int v5 = version == MQTT_V5;
    server sv;
    mqtt_session_config cfg = session_cfg(version);
    mqtt_packet p;
    mqtt_session_event ev;
    mqtt_subscription subs2[2];
    mqtt_bytes unsub = S("a/#");
    mqtt_user_property up;
    mqtt_list_iter it;
    uint8_t granted[2] = {2, 1}, rc;
    uint16_t sub_id = 0, id1 = 0, id2 = 0, id0 = 99, unsub_id = 0;

    srv_open(&sv, &cfg, 1000);
    CHECK(!mqtt_session_is_connected(sv.s));
    CHECK_ST(mqtt_session_connect(sv.s, sv.now), MQTT_OK);
    CHECK(srv_next(&sv, &p) == MQTT_PACKET_CONNECT);
    CHECK(p.protocol_version == version && p.clean_start && p.keep_alive == 10);
    CHECK(eq(p.client_id, "c1") && !p.has_will && p.username.ptr == NULL);
    CHECK(sv.pieces > 1); /* 7-byte pieces */
    CHECK(next_event(&sv, &ev) == 0);

    mqtt_packet_init(&p, MQTT_PACKET_CONNACK);
    if (v5) {
        p.properties.has_receive_maximum = true;
        p.properties.receive_maximum = 10;
    }
    srv_send(&sv, &p);
    CHECK(next_event(&sv, &ev) == MQTT_SESSION_EVENT_CONNECTED);
    CHECK(!ev.session_present);
    CHECK(ev.properties.has_receive_maximum == (bool)v5);
    CHECK(mqtt_session_is_connected(sv.s));

    /* SUBSCRIBE / SUBACK */
    memset(subs2, 0, sizeof subs2);
    subs2[0].filter = S("a/#");
    subs2[0].qos = 2;
    subs2[1].filter = S("b");
    subs2[1].qos = 1;
    CHECK_ST(mqtt_session_subscribe(sv.s, subs2, 2, sv.now, &sub_id), MQTT_OK);
    CHECK(sub_id != 0);
    CHECK(srv_next(&sv, &p) == MQTT_PACKET_SUBSCRIBE && p.packet_id == sub_id);
    CHECK(p.subscriptions.count == 2);
    srv_suback(&sv, sub_id, granted, 2);
    CHECK(next_event(&sv, &ev) == MQTT_SESSION_EVENT_SUBSCRIBED);
    CHECK(ev.packet_id == sub_id && ev.reason_codes.count == 2);
    CHECK(((const uint8_t *)ev.reason_codes.items)[0] == 2);
    CHECK_ST(mqtt_list_iter_init(&it, &ev.reason_codes), MQTT_OK);
    CHECK_ST(mqtt_list_next_reason_code(&it, &rc), MQTT_OK);
    CHECK_ST(mqtt_list_next_reason_code(&it, &rc), MQTT_OK);
    CHECK(rc == 1);
    CHECK_ST(mqtt_list_next_reason_code(&it, &rc), MQTT_END);

    /* Our QoS 0: out, no event, packet identifier 0. */
    CHECK_ST(pub(sv.s, "a/0", "zero", 0, false, sv.now, &id0), MQTT_OK);
    CHECK(id0 == 0);
    CHECK(srv_next(&sv, &p) == MQTT_PACKET_PUBLISH && p.qos == 0 && eq(p.topic, "a/0"));
    CHECK(eq(p.payload, "zero") && !p.retain && !p.dup);

    /* Our QoS 1: PUBLISH, PUBACK, PUBLISHED. */
    CHECK_ST(pub(sv.s, "a/1", "one", 1, true, sv.now, &id1), MQTT_OK);
    CHECK(id1 != 0 && id1 != sub_id);
    CHECK(srv_next(&sv, &p) == MQTT_PACKET_PUBLISH && p.qos == 1 && p.packet_id == id1 && p.retain);
    CHECK(next_event(&sv, &ev) == 0);
    srv_ack(&sv, MQTT_PACKET_PUBACK, id1);
    CHECK(next_event(&sv, &ev) == MQTT_SESSION_EVENT_PUBLISHED);
    CHECK(ev.packet_id == id1 && ev.reason_code == 0);

    /* Our QoS 2: PUBLISH, PUBREC, PUBREL, PUBCOMP, PUBLISHED. */
    CHECK_ST(pub(sv.s, "a/2", "two", 2, false, sv.now, &id2), MQTT_OK);
    CHECK(srv_next(&sv, &p) == MQTT_PACKET_PUBLISH && p.qos == 2 && p.packet_id == id2);
    srv_ack(&sv, MQTT_PACKET_PUBREC, id2);
    CHECK(srv_got_ack(&sv, MQTT_PACKET_PUBREL, id2));
    CHECK(next_event(&sv, &ev) == 0);
    srv_ack(&sv, MQTT_PACKET_PUBCOMP, id2);
    CHECK(next_event(&sv, &ev) == MQTT_SESSION_EVENT_PUBLISHED && ev.packet_id == id2);

    /* The server's QoS 0, 1 and 2. */
    srv_publish(&sv, "a/x", "m0", 0, 0);
    CHECK(srv_quiet(&sv));
    CHECK(next_event(&sv, &ev) == MQTT_SESSION_EVENT_MESSAGE);
    CHECK(eq(ev.topic, "a/x") && eq(ev.payload, "m0") && ev.qos == 0 && ev.packet_id == 0);
    CHECK(ev.ack_id == 0 && !ev.retain && !ev.dup);
    srv_publish(&sv, "a/y", "m1", 1, 7);
    CHECK(srv_got_ack(&sv, MQTT_PACKET_PUBACK, 7));
    CHECK(next_event(&sv, &ev) == MQTT_SESSION_EVENT_MESSAGE);
    CHECK(eq(ev.topic, "a/y") && eq(ev.payload, "m1") && ev.qos == 1 && ev.packet_id == 7);
    CHECK(ev.ack_id == 0); /* auto_ack */
    srv_publish(&sv, "a/z", "m2", 2, 8);
    CHECK(srv_got_ack(&sv, MQTT_PACKET_PUBREC, 8));
    /* The event's views outlive other calls, until the next poll. */
    CHECK(next_event(&sv, &ev) == MQTT_SESSION_EVENT_MESSAGE);
    srv_ack(&sv, MQTT_PACKET_PUBREL, 8);
    CHECK(srv_got_ack(&sv, MQTT_PACKET_PUBCOMP, 8));
    CHECK(eq(ev.topic, "a/z") && eq(ev.payload, "m2") && ev.qos == 2 && ev.packet_id == 8);
    /* A QoS 2 message sent again (DUP) before its PUBREL is acknowledged again, not
       delivered twice [MQTT-4.3.3-10]. */
    srv_publish(&sv, "a/z", "m2", 2, 9);
    CHECK(srv_got_ack(&sv, MQTT_PACKET_PUBREC, 9));
    CHECK(next_event(&sv, &ev) == MQTT_SESSION_EVENT_MESSAGE);
    mqtt_packet_init(&p, MQTT_PACKET_PUBLISH);
    p.topic = S("a/z");
    p.payload = S("m2");
    p.qos = 2;
    p.dup = true;
    p.packet_id = 9;
    srv_send(&sv, &p);
    CHECK(srv_got_ack(&sv, MQTT_PACKET_PUBREC, 9));
    CHECK(next_event(&sv, &ev) == 0);
    srv_ack(&sv, MQTT_PACKET_PUBREL, 9);
    CHECK(srv_got_ack(&sv, MQTT_PACKET_PUBCOMP, 9));

    if (v5) {
        /* 5.0 properties both ways. */
        mqtt_user_property ups1[1];
        uint16_t idp = 0;
        ups1[0].name = S("k");
        ups1[0].value = S("v");
        mqtt_packet_init(&p, MQTT_PACKET_PUBLISH);
        p.topic = S("a/p");
        p.payload = S("props");
        p.properties.user_properties = mqtt_list_of_user_properties(ups1, 1);
        p.properties.response_topic = S("a/reply");
        srv_send(&sv, &p);
        CHECK(next_event(&sv, &ev) == MQTT_SESSION_EVENT_MESSAGE);
        CHECK(eq(ev.properties.response_topic, "a/reply"));
        CHECK_ST(mqtt_list_iter_init(&it, &ev.properties.user_properties), MQTT_OK);
        CHECK_ST(mqtt_list_next_user_property(&it, &up), MQTT_OK);
        CHECK(eq(up.name, "k") && eq(up.value, "v"));
        CHECK_ST(mqtt_list_next_user_property(&it, &up), MQTT_END);

        mqtt_packet_init(&p, MQTT_PACKET_PUBLISH);
        p.topic = S("a/q");
        p.payload = S("with expiry");
        p.qos = 1;
        p.packet_id = 4242; /* the session's to set */
        p.properties.has_message_expiry_interval = true;
        p.properties.message_expiry_interval = 60;
        CHECK_ST(mqtt_session_publish_packet(sv.s, &p, sv.now, &idp), MQTT_OK);
        CHECK(idp != 0 && idp != 4242);
        CHECK(srv_next(&sv, &p) == MQTT_PACKET_PUBLISH && p.packet_id == idp);
        CHECK(p.properties.has_message_expiry_interval);
        CHECK(p.properties.message_expiry_interval == 60);
        srv_ack(&sv, MQTT_PACKET_PUBACK, idp);
        CHECK(next_event(&sv, &ev) == MQTT_SESSION_EVENT_PUBLISHED && ev.packet_id == idp);
    }

    /* UNSUBSCRIBE / UNSUBACK */
    CHECK_ST(mqtt_session_unsubscribe(sv.s, &unsub, 1, sv.now, &unsub_id), MQTT_OK);
    CHECK(srv_next(&sv, &p) == MQTT_PACKET_UNSUBSCRIBE && p.packet_id == unsub_id);
    mqtt_packet_init(&p, MQTT_PACKET_UNSUBACK);
    p.packet_id = unsub_id;
    rc = 0;
    if (v5) p.reason_codes = mqtt_list_of_reason_codes(&rc, 1);
    srv_send(&sv, &p);
    CHECK(next_event(&sv, &ev) == MQTT_SESSION_EVENT_UNSUBSCRIBED);
    CHECK(ev.packet_id == unsub_id && ev.reason_codes.count == (size_t)(v5 ? 1 : 0));

    /* DISCONNECT */
    CHECK_ST(mqtt_session_disconnect(sv.s, sv.now), MQTT_OK);
    CHECK(srv_next(&sv, &p) == MQTT_PACKET_DISCONNECT && p.reason_code == 0);
    CHECK(next_event(&sv, &ev) == MQTT_SESSION_EVENT_DISCONNECTED);
    CHECK(ev.has_reason_code && ev.reason_code == 0 && !ev.by_server);
    CHECK(!mqtt_session_is_connected(sv.s));
    CHECK(next_event(&sv, &ev) == 0);
    srv_close(&sv);
}

/* ---- manual acknowledgement: in the order the messages came --------------------------- */

static void test_session_manual_ack(void) {
    server sv;
    mqtt_session_config cfg = session_cfg(MQTT_V3_1_1);
    mqtt_session_event ev;
    cfg.auto_ack = false;
    srv_open(&sv, &cfg, 0);
    srv_connect(&sv, false);
    srv_publish(&sv, "m/1", "a", 1, 5);
    srv_publish(&sv, "m/2", "b", 2, 6);
    CHECK(srv_quiet(&sv));
    CHECK(next_event(&sv, &ev) == MQTT_SESSION_EVENT_MESSAGE && ev.ack_id == 5);
    CHECK(next_event(&sv, &ev) == MQTT_SESSION_EVENT_MESSAGE && ev.ack_id == 6);
    CHECK_ST(mqtt_session_ack(sv.s, 6, sv.now), MQTT_OK);
    CHECK(srv_quiet(&sv)); /* waits for 5 */
    CHECK_ST(mqtt_session_ack(sv.s, 5, sv.now), MQTT_OK);
    CHECK(srv_got_ack(&sv, MQTT_PACKET_PUBACK, 5));
    CHECK(srv_got_ack(&sv, MQTT_PACKET_PUBREC, 6));
    CHECK_ST(mqtt_session_ack(sv.s, 5, sv.now), MQTT_ERR_SESSION_UNKNOWN_PACKET_ID);
    CHECK_ST(mqtt_session_ack(sv.s, 0, sv.now), MQTT_ERR_ZERO_PACKET_ID);
    srv_close(&sv);
}

/* ---- keep alive with injected ticks, across the 32-bit wrap --------------------------- */

static void test_session_keep_alive_from(uint32_t t0) {
    server sv;
    mqtt_session_config cfg = session_cfg(MQTT_V3_1_1); /* keep alive 10 s */
    mqtt_packet p;
    mqtt_session_event ev;
    uint32_t deadline = 1, wait = 1;

    srv_open(&sv, &cfg, t0);
    CHECK_ST(mqtt_session_next_timeout(sv.s, t0, &deadline, &wait), MQTT_END); /* idle */
    CHECK(deadline == 0 && wait == 0);
    CHECK_ST(mqtt_session_connect(sv.s, t0), MQTT_OK);
    CHECK(srv_next(&sv, &p) == MQTT_PACKET_CONNECT);
    /* Waiting for CONNACK: as long as the keep alive. */
    CHECK_ST(mqtt_session_next_timeout(sv.s, t0, &deadline, &wait), MQTT_OK);
    CHECK(deadline == t0 + 10000u && wait == 10000);
    sv.now = t0 + 5u;
    srv_connack(&sv, false, 0);
    CHECK(next_event(&sv, &ev) == MQTT_SESSION_EVENT_CONNECTED);

    /* Nothing sent since CONNECT at t0: PINGREQ at t0 + 10 s. */
    CHECK_ST(mqtt_session_next_timeout(sv.s, t0 + 5u, &deadline, &wait), MQTT_OK);
    CHECK(deadline == t0 + 10000u && wait == 9995);
    CHECK_ST(mqtt_session_handle_timeout(sv.s, t0 + 9999u), MQTT_OK);
    CHECK(srv_quiet(&sv));
    CHECK_ST(mqtt_session_handle_timeout(sv.s, t0 + 10000u), MQTT_OK);
    CHECK(srv_next(&sv, &p) == MQTT_PACKET_PINGREQ);
    /* A stale tick moves nothing. */
    CHECK_ST(mqtt_session_handle_timeout(sv.s, t0 + 9000u), MQTT_OK);
    CHECK(srv_quiet(&sv));
    /* PINGRESP awaited until t0 + 20 s. */
    CHECK_ST(mqtt_session_next_timeout(sv.s, t0 + 10000u, &deadline, NULL), MQTT_OK);
    CHECK(deadline == t0 + 20000u);
    sv.now = t0 + 10100u;
    mqtt_packet_init(&p, MQTT_PACKET_PINGRESP);
    srv_send(&sv, &p);
    CHECK(next_event(&sv, &ev) == 0);
    /* Answered: the next PINGREQ 10 s after the last one. */
    CHECK_ST(mqtt_session_next_timeout(sv.s, t0 + 10100u, NULL, &wait), MQTT_OK);
    CHECK(wait == 9900);
    CHECK_ST(mqtt_session_handle_timeout(sv.s, t0 + 20000u), MQTT_OK);
    CHECK(srv_next(&sv, &p) == MQTT_PACKET_PINGREQ);
    /* No answer: lost 10 s later. */
    CHECK_ST(mqtt_session_handle_timeout(sv.s, t0 + 29999u), MQTT_OK);
    CHECK(next_event(&sv, &ev) == 0 && mqtt_session_is_connected(sv.s));
    CHECK_ST(mqtt_session_next_timeout(sv.s, t0 + 29999u, &deadline, &wait), MQTT_OK);
    CHECK(deadline == t0 + 30000u && wait == 1);
    CHECK_ST(mqtt_session_handle_timeout(sv.s, t0 + 30000u), MQTT_OK);
    CHECK(next_event(&sv, &ev) == MQTT_SESSION_EVENT_DISCONNECTED);
    CHECK(!ev.has_reason_code && !ev.by_server);
    CHECK(!mqtt_session_is_connected(sv.s));
    CHECK_ST(mqtt_session_next_timeout(sv.s, t0 + 30001u, &deadline, &wait), MQTT_END);
    srv_close(&sv);
}

static void test_session_keep_alive(void) {
    /* From 0; with the wrap between CONNACK and the first PINGREQ; between the two PINGREQs;
       between the second PINGREQ and the loss. */
    test_session_keep_alive_from(0);
    test_session_keep_alive_from(0xFFFFFFFFu - 4999u);
    test_session_keep_alive_from(0xFFFFFFFFu - 14999u);
    test_session_keep_alive_from(0xFFFFFFFFu - 25000u);
}

/* ---- a lost connection: resume with resend, or a lost session ------------------------- */

static void test_session_resume(uint8_t version) {
    int v5 = version == MQTT_V5;
    server sv;
    mqtt_session_config cfg = session_cfg(version);
    mqtt_packet p;
    mqtt_session_event ev;
    mqtt_subscription sub;
    uint8_t granted = 1;
    uint16_t id1 = 0, id2 = 0, sub_id = 0, id3 = 0;
    size_t in_flight = 9, queued = 9;

    if (v5) {
        cfg.session_expiry_interval = 3600; /* clean start, then resume */
    } else {
        cfg.clean_start = false;
    }
    srv_open(&sv, &cfg, 50);
    srv_connect(&sv, false);
    CHECK_ST(pub(sv.s, "r/1", "1", 1, false, sv.now, &id1), MQTT_OK);
    CHECK_ST(pub(sv.s, "r/2", "2", 2, false, sv.now, &id2), MQTT_OK);
    CHECK(srv_next(&sv, &p) == MQTT_PACKET_PUBLISH && p.packet_id == id1);
    CHECK(srv_next(&sv, &p) == MQTT_PACKET_PUBLISH && p.packet_id == id2);
    srv_ack(&sv, MQTT_PACKET_PUBREC, id2);
    CHECK(srv_got_ack(&sv, MQTT_PACKET_PUBREL, id2));
    memset(&sub, 0, sizeof sub);
    sub.filter = S("x/y");
    sub.qos = 1;
    CHECK_ST(mqtt_session_subscribe(sv.s, &sub, 1, sv.now, &sub_id), MQTT_OK);
    CHECK(srv_next(&sv, &p) == MQTT_PACKET_SUBSCRIBE);
    CHECK_ST(mqtt_session_pending(sv.s, &in_flight, &queued), MQTT_OK);
    CHECK(in_flight == 2 && queued == 0);

    /* The socket dies. */
    CHECK_ST(mqtt_session_connection_lost(sv.s, sv.now), MQTT_OK);
    CHECK(next_event(&sv, &ev) == MQTT_SESSION_EVENT_SUBSCRIBE_LOST);
    CHECK(ev.packet_id == sub_id && ev.subscriptions.count == 1);
    CHECK(eq(((const mqtt_subscription *)ev.subscriptions.items)[0].filter, "x/y"));
    CHECK(next_event(&sv, &ev) == MQTT_SESSION_EVENT_DISCONNECTED);
    CHECK(!ev.has_reason_code && !ev.by_server);
    CHECK(next_event(&sv, &ev) == 0);

    /* Reconnect: the session resumes; PUBREL again (in PUBREC order), then PUBLISH again with
     * DUP (in PUBLISH order). */
    sv.now = 5000;
    CHECK_ST(mqtt_session_connect(sv.s, sv.now), MQTT_OK);
    CHECK(srv_next(&sv, &p) == MQTT_PACKET_CONNECT && !p.clean_start);
    CHECK(srv_quiet(&sv)); /* nothing before CONNACK */
    srv_connack(&sv, true, 0);
    CHECK(next_event(&sv, &ev) == MQTT_SESSION_EVENT_CONNECTED && ev.session_present);
    CHECK(srv_got_ack(&sv, MQTT_PACKET_PUBREL, id2));
    CHECK(srv_next(&sv, &p) == MQTT_PACKET_PUBLISH && p.packet_id == id1 && p.dup);
    CHECK(eq(p.topic, "r/1") && eq(p.payload, "1"));
    srv_ack(&sv, MQTT_PACKET_PUBACK, id1);
    srv_ack(&sv, MQTT_PACKET_PUBCOMP, id2);
    CHECK(next_event(&sv, &ev) == MQTT_SESSION_EVENT_PUBLISHED && ev.packet_id == id1);
    CHECK(next_event(&sv, &ev) == MQTT_SESSION_EVENT_PUBLISHED && ev.packet_id == id2);

    /* Now the server loses the session: what was in flight fails, the subscriptions are
       reported lost. */
    CHECK_ST(mqtt_session_subscribe(sv.s, &sub, 1, sv.now, &sub_id), MQTT_OK);
    CHECK(srv_next(&sv, &p) == MQTT_PACKET_SUBSCRIBE);
    srv_suback(&sv, sub_id, &granted, 1);
    CHECK(next_event(&sv, &ev) == MQTT_SESSION_EVENT_SUBSCRIBED);
    CHECK_ST(pub(sv.s, "r/3", "3", 1, false, sv.now, &id3), MQTT_OK);
    CHECK(srv_next(&sv, &p) == MQTT_PACKET_PUBLISH);
    CHECK_ST(mqtt_session_connection_lost(sv.s, sv.now), MQTT_OK);
    CHECK(next_event(&sv, &ev) == MQTT_SESSION_EVENT_DISCONNECTED);
    sv.now = 9000;
    CHECK_ST(mqtt_session_connect(sv.s, sv.now), MQTT_OK);
    CHECK(srv_next(&sv, &p) == MQTT_PACKET_CONNECT && !p.clean_start);
    srv_connack(&sv, false, 0);
    CHECK(next_event(&sv, &ev) == MQTT_SESSION_EVENT_PUBLISH_FAILED);
    CHECK(ev.packet_id == id3 && ev.session_lost);
    CHECK(next_event(&sv, &ev) == MQTT_SESSION_EVENT_SUBSCRIPTIONS_LOST);
    CHECK(ev.subscriptions.count == 1);
    {
        mqtt_list_iter it;
        mqtt_subscription got;
        CHECK_ST(mqtt_list_iter_init(&it, &ev.subscriptions), MQTT_OK);
        CHECK_ST(mqtt_list_next_subscription(&it, &got), MQTT_OK);
        CHECK(eq(got.filter, "x/y") && got.qos == 1);
        CHECK_ST(mqtt_list_next_subscription(&it, &got), MQTT_END);
    }
    CHECK(next_event(&sv, &ev) == MQTT_SESSION_EVENT_CONNECTED && !ev.session_present);
    CHECK(srv_quiet(&sv));
    srv_close(&sv);
}

/* ---- refusals: a 3.1.1 server's answer to a 5.0 CONNECT, a refused CONNACK ------------ */

static void test_session_refused(void) {
    server sv;
    mqtt_session_config cfg = session_cfg(MQTT_V5);
    mqtt_packet p;
    mqtt_session_event ev;
    uint8_t v3_answer[4];
    size_t n = unhex("20 02 00 01", v3_answer, sizeof v3_answer);

    srv_open(&sv, &cfg, 0);
    CHECK_ST(mqtt_session_connect(sv.s, 0), MQTT_OK);
    CHECK(srv_next(&sv, &p) == MQTT_PACKET_CONNECT && p.protocol_version == MQTT_V5);
    CHECK_ST(mqtt_session_receive(sv.s, v3_answer, n, 1), MQTT_OK);
    CHECK(next_event(&sv, &ev) == MQTT_SESSION_EVENT_CONNECTION_REFUSED);
    CHECK(ev.server_speaks_v3 && ev.reason_code == 0x84);
    CHECK(!mqtt_session_is_connected(sv.s));
    CHECK(srv_quiet(&sv));
    CHECK_ST(mqtt_session_connect(sv.s, 2), MQTT_OK); /* idle again */
    srv_close(&sv);

    /* The 3.1.1 session the application would make then, refused: return code 5. */
    cfg = session_cfg(MQTT_V3_1_1);
    srv_open(&sv, &cfg, 0);
    CHECK_ST(mqtt_session_connect(sv.s, 0), MQTT_OK);
    CHECK(srv_next(&sv, &p) == MQTT_PACKET_CONNECT && p.protocol_version == MQTT_V3_1_1);
    srv_connack(&sv, false, 0x87);
    CHECK(next_event(&sv, &ev) == MQTT_SESSION_EVENT_CONNECTION_REFUSED);
    CHECK(!ev.server_speaks_v3 && ev.reason_code == 0x87);
    CHECK(mqtt_connack_v3_return_code(ev.reason_code) == 5);
    srv_close(&sv);
}

/* ---- a server that breaks a rule, a server that disconnects, 5.0 limits --------------- */

static void test_session_v5_server(void) {
    server sv;
    mqtt_session_config cfg = session_cfg(MQTT_V5);
    mqtt_packet p;
    mqtt_session_event ev;
    uint8_t code = 0;
    char big[64];

    srv_open(&sv, &cfg, 0);
    srv_connect(&sv, false);
    /* A SUBACK for a SUBSCRIBE never sent: DISCONNECT 0x82, Protocol Error. */
    srv_suback(&sv, 9, &code, 1);
    CHECK(srv_next(&sv, &p) == MQTT_PACKET_DISCONNECT && p.reason_code == 0x82);
    CHECK(next_event(&sv, &ev) == MQTT_SESSION_EVENT_DISCONNECTED);
    CHECK(ev.has_reason_code && ev.reason_code == 0x82 && !ev.by_server);
    CHECK_ST(mqtt_session_connection_lost(sv.s, 0), MQTT_OK);

    /* The server's limits: Maximum QoS 1, no retain, 40-byte packets. */
    CHECK_ST(mqtt_session_connect(sv.s, 1), MQTT_OK);
    CHECK(srv_next(&sv, &p) == MQTT_PACKET_CONNECT);
    mqtt_packet_init(&p, MQTT_PACKET_CONNACK);
    p.properties.has_maximum_qos = true;
    p.properties.maximum_qos = 1;
    p.properties.has_retain_available = true;
    p.properties.retain_available = 0;
    p.properties.has_maximum_packet_size = true;
    p.properties.maximum_packet_size = 40;
    srv_send(&sv, &p);
    CHECK(next_event(&sv, &ev) == MQTT_SESSION_EVENT_CONNECTED);
    CHECK(ev.properties.has_maximum_qos && ev.properties.maximum_qos == 1);
    CHECK_ST(mqtt_session_publish(sv.s, (const uint8_t *)"l/q", 3, NULL, 0, 2, false, 1, NULL),
             MQTT_ERR_SESSION_QOS_NOT_SUPPORTED);
    CHECK_ST(mqtt_session_publish(sv.s, (const uint8_t *)"l/r", 3, NULL, 0, 0, true, 1, NULL),
             MQTT_ERR_SESSION_RETAIN_NOT_SUPPORTED);
    memset(big, 'x', sizeof big);
    CHECK_ST(mqtt_session_publish(sv.s, (const uint8_t *)"l/b", 3, (const uint8_t *)big, sizeof big,
                                  0, false, 1, NULL),
             MQTT_ERR_SESSION_PACKET_TOO_LARGE);
    CHECK(srv_quiet(&sv)); /* nothing was sent for them */
    CHECK_ST(mqtt_session_publish(sv.s, (const uint8_t *)"l/ok", 4, NULL, 0, 1, false, 1, NULL),
             MQTT_OK);
    CHECK(srv_next(&sv, &p) == MQTT_PACKET_PUBLISH && p.payload.len == 0);

    /* The server goes away: DISCONNECT 0x8B. */
    mqtt_packet_init(&p, MQTT_PACKET_DISCONNECT);
    p.reason_code = 0x8B;
    srv_send(&sv, &p);
    CHECK(next_event(&sv, &ev) == MQTT_SESSION_EVENT_DISCONNECTED);
    CHECK(ev.has_reason_code && ev.reason_code == 0x8B && ev.by_server);
    srv_close(&sv);
}

/* ---- snapshot round trip --------------------------------------------------------------- */

static void test_session_snapshot(void) {
    server sv;
    mqtt_session_config cfg = session_cfg(MQTT_V3_1_1), cfg5 = session_cfg(MQTT_V5);
    mqtt_packet p;
    mqtt_session_event ev;
    mqtt_subscription sub;
    mqtt_status st = MQTT_OK;
    uint8_t granted = 2, small[8], *snap;
    uint16_t a = 0, b = 0, c = 0;
    size_t need = 0, len = 0, in_flight = 0, queued = 0;

    cfg.clean_start = false;
    cfg.max_inflight = 2;
    srv_open(&sv, &cfg, 0);
    srv_connect(&sv, false);
    memset(&sub, 0, sizeof sub);
    sub.filter = S("snap/#");
    sub.qos = 2;
    CHECK_ST(mqtt_session_subscribe(sv.s, &sub, 1, 0, NULL), MQTT_OK);
    CHECK(srv_next(&sv, &p) == MQTT_PACKET_SUBSCRIBE);
    srv_suback(&sv, p.packet_id, &granted, 1);
    CHECK(next_event(&sv, &ev) == MQTT_SESSION_EVENT_SUBSCRIBED);
    CHECK_ST(pub(sv.s, "s/a", "A", 1, false, 0, &a), MQTT_OK);
    CHECK_ST(pub(sv.s, "s/b", "B", 2, false, 0, &b), MQTT_OK);
    CHECK_ST(pub(sv.s, "s/c", "C", 1, false, 0, &c), MQTT_OK); /* queued: the window is 2 */
    CHECK(srv_next(&sv, &p) == MQTT_PACKET_PUBLISH && p.packet_id == a);
    CHECK(srv_next(&sv, &p) == MQTT_PACKET_PUBLISH && p.packet_id == b);
    CHECK(srv_quiet(&sv));
    srv_ack(&sv, MQTT_PACKET_PUBREC, b);
    CHECK(srv_got_ack(&sv, MQTT_PACKET_PUBREL, b));
    CHECK_ST(mqtt_session_connection_lost(sv.s, 1), MQTT_OK);
    CHECK(next_event(&sv, &ev) == MQTT_SESSION_EVENT_DISCONNECTED);

    /* Size first, then the bytes. */
    CHECK_ST(mqtt_session_snapshot(sv.s, NULL, 0, &need), MQTT_OK);
    CHECK(need > sizeof small);
    CHECK_ST(mqtt_session_snapshot(sv.s, small, sizeof small, &len), MQTT_ERR_BUFFER_TOO_SMALL);
    CHECK(len == need);
    CHECK_ST(mqtt_session_snapshot(sv.s, NULL, 5, &len), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqtt_session_snapshot(sv.s, small, sizeof small, NULL), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqtt_session_snapshot(NULL, NULL, 0, &len), MQTT_ERR_NULL_POINTER);
    snap = (uint8_t *)malloc(need);
    CHECK_ST(mqtt_session_snapshot(sv.s, snap, need, &len), MQTT_OK);
    CHECK(len == need && memcmp(snap, "MQCS", 4) == 0);
    srv_close(&sv);

    /* Read back: refused as it should be... */
    CHECK(mqtt_session_from_snapshot(&cfg, (const uint8_t *)"nope", 4, &st) == NULL);
    CHECK_ST(st, MQTT_ERR_SNAPSHOT_NOT_A_SNAPSHOT);
    CHECK(mqtt_session_from_snapshot(&cfg5, snap, len, &st) == NULL);
    CHECK_ST(st, MQTT_ERR_SNAPSHOT_VERSION);
    CHECK(mqtt_session_from_snapshot(&cfg, snap, len - 1, &st) == NULL);
    CHECK_ST(st, MQTT_ERR_SNAPSHOT_CORRUPT);
    CHECK(mqtt_session_from_snapshot(&cfg, NULL, len, &st) == NULL);
    CHECK_ST(st, MQTT_ERR_NULL_POINTER);
    CHECK(mqtt_session_from_snapshot(&cfg, NULL, 0, &st) == NULL); /* empty: no snapshot */
    CHECK_ST(st, MQTT_ERR_SNAPSHOT_NOT_A_SNAPSHOT);
    CHECK(mqtt_session_from_snapshot(NULL, snap, len, NULL) == NULL);

    /* ...and resumed: a new process, its clock starting anywhere. */
    memset(&sv, 0, sizeof sv);
    sv.version = MQTT_V3_1_1;
    sv.piece = 4096;
    sv.now = 0xFFFFFF00u;
    sv.s = mqtt_session_from_snapshot(&cfg, snap, len, &st);
    CHECK_ST(st, MQTT_OK);
    {
        /* The configuration's client identifier gives way to the snapshot's: an empty one
           with clean start off is no error here. */
        mqtt_session_config anon = cfg;
        mqtt_session *again;
        anon.client_id = S("");
        again = mqtt_session_from_snapshot(&anon, snap, len, &st);
        CHECK_ST(st, MQTT_OK);
        mqtt_session_free(again);
    }
    free(snap);
    if (sv.s == NULL) return;
    CHECK_ST(mqtt_session_pending(sv.s, &in_flight, &queued), MQTT_OK);
    CHECK(in_flight == 2 && queued == 1);
    CHECK_ST(mqtt_session_connect(sv.s, sv.now), MQTT_OK);
    CHECK(srv_next(&sv, &p) == MQTT_PACKET_CONNECT && !p.clean_start && eq(p.client_id, "c1"));
    srv_connack(&sv, true, 0);
    CHECK(next_event(&sv, &ev) == MQTT_SESSION_EVENT_CONNECTED && ev.session_present);
    CHECK(srv_got_ack(&sv, MQTT_PACKET_PUBREL, b));
    CHECK(srv_next(&sv, &p) == MQTT_PACKET_PUBLISH && p.packet_id == a && p.dup);
    CHECK(eq(p.payload, "A"));
    /* The window of 2 holds A and C: b, released before, holds no place (section 4.9). */
    CHECK(srv_next(&sv, &p) == MQTT_PACKET_PUBLISH && p.packet_id == c && !p.dup);
    CHECK(srv_quiet(&sv));
    srv_ack(&sv, MQTT_PACKET_PUBACK, a);
    CHECK(next_event(&sv, &ev) == MQTT_SESSION_EVENT_PUBLISHED && ev.packet_id == a);
    srv_ack(&sv, MQTT_PACKET_PUBCOMP, b);
    CHECK(next_event(&sv, &ev) == MQTT_SESSION_EVENT_PUBLISHED && ev.packet_id == b);
    srv_close(&sv);
}

/* ---- misuse: NULLs, bad lengths, commands out of turn, small buffers ------------------ */

static void test_session_misuse(void) {
    static uint64_t junk[1024]; /* zeroes, larger than a session */
    server sv;
    mqtt_session_config cfg = mqtt_session_config_default();
    mqtt_session *s;
    mqtt_session_event ev;
    mqtt_subscription sub;
    mqtt_bytes f = S("a/#");
    mqtt_packet p;
    mqtt_status st = MQTT_OK;
    uint8_t buf[64];
    uint16_t id = 77;
    uint32_t deadline = 5, wait = 5;
    size_t n = 5, in_flight = 0, queued = 0;

    memset(buf, 0, sizeof buf);
    /* The defaults, as documented. */
    CHECK(cfg.version == MQTT_V3_1_1 && cfg.client_id.len == 0 && cfg.keep_alive == 60);
    CHECK(cfg.clean_start && cfg.session_expiry_interval == 0 && cfg.receive_maximum == 16);
    CHECK(cfg.max_inflight == 16 && cfg.max_queued == 1000 && cfg.max_packet_size == 1048576);
    CHECK(cfg.topic_alias_maximum == 0 && cfg.auto_ack && cfg.request_problem_information);
    CHECK(cfg.username.ptr == NULL && cfg.password.ptr == NULL && !cfg.has_will);

    /* Bad configurations. */
    CHECK(mqtt_session_new(NULL, &st) == NULL);
    CHECK_ST(st, MQTT_ERR_NULL_POINTER);
    CHECK(mqtt_session_new(NULL, NULL) == NULL);
    cfg.version = 7;
    CHECK(mqtt_session_new(&cfg, &st) == NULL);
    CHECK_ST(st, MQTT_ERR_INVALID_ARGUMENT);
    cfg = session_cfg(MQTT_V3_1_1);
    cfg.client_id = S("bad\xff");
    CHECK(mqtt_session_new(&cfg, &st) == NULL);
    CHECK_ST(st, MQTT_ERR_INVALID_STRING);
    cfg.client_id.ptr = NULL; /* NULL with a length */
    CHECK(mqtt_session_new(&cfg, &st) == NULL);
    CHECK_ST(st, MQTT_ERR_NULL_POINTER);
    cfg = session_cfg(MQTT_V3_1_1);
    cfg.password = S("secret");
    CHECK(mqtt_session_new(&cfg, &st) == NULL);
    CHECK_ST(st, MQTT_ERR_PASSWORD_WITHOUT_USERNAME);
    cfg = session_cfg(MQTT_V3_1_1);
    cfg.client_id = S("");
    cfg.clean_start = false;
    CHECK(mqtt_session_new(&cfg, &st) == NULL);
    CHECK_ST(st, MQTT_ERR_EMPTY_CLIENT_ID_WITHOUT_CLEAN_SESSION);
    cfg = session_cfg(MQTT_V3_1_1);
    cfg.has_will = true;
    cfg.will.topic = S("w/+");
    CHECK(mqtt_session_new(&cfg, &st) == NULL);
    CHECK_ST(st, MQTT_ERR_TOPIC_WILDCARD_IN_NAME);
    cfg.will.topic = S("w/gone");
    cfg.will.properties.has_will_delay_interval = true; /* 5.0 only */
    CHECK(mqtt_session_new(&cfg, &st) == NULL);
    CHECK_ST(st, MQTT_ERR_NOT_REPRESENTABLE);

    /* A will, user name and password go into CONNECT. */
    cfg.will.properties.has_will_delay_interval = false;
    cfg.will.payload = S("bye");
    cfg.will.qos = 1;
    cfg.username = S("u");
    cfg.password = S("pw");
    srv_open(&sv, &cfg, 0);
    CHECK_ST(mqtt_session_connect(sv.s, 0), MQTT_OK);
    CHECK(srv_next(&sv, &p) == MQTT_PACKET_CONNECT);
    CHECK(p.has_will && eq(p.will.topic, "w/gone") && eq(p.will.payload, "bye") && p.will.qos == 1);
    CHECK(eq(p.username, "u") && eq(p.password, "pw"));
    srv_close(&sv);

    /* NULL sessions, and a pointer to something that is not a session. */
    sub.filter = S("a/#");
    sub.qos = 0;
    sub.no_local = false;
    sub.retain_as_published = false;
    sub.retain_handling = 0;
    CHECK_ST(mqtt_session_connect(NULL, 0), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqtt_session_connect((mqtt_session *)junk, 0), MQTT_ERR_INVALID_ARGUMENT);
    CHECK_ST(mqtt_session_publish(NULL, buf, 1, buf, 1, 0, false, 0, &id), MQTT_ERR_NULL_POINTER);
    CHECK(id == 0);
    CHECK_ST(mqtt_session_publish_packet(NULL, &p, 0, NULL), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqtt_session_subscribe(NULL, &sub, 1, 0, NULL), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqtt_session_unsubscribe(NULL, &f, 1, 0, NULL), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqtt_session_ack(NULL, 1, 0), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqtt_session_disconnect(NULL, 0), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqtt_session_connection_lost(NULL, 0), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqtt_session_receive(NULL, buf, 1, 0), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqtt_session_handle_timeout(NULL, 0), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqtt_session_next_timeout(NULL, 0, &deadline, &wait), MQTT_ERR_NULL_POINTER);
    CHECK(deadline == 0 && wait == 0);
    CHECK_ST(mqtt_session_data_to_send(NULL, buf, sizeof buf, &n), MQTT_ERR_NULL_POINTER);
    CHECK(n == 0);
    CHECK_ST(mqtt_session_poll_event(NULL, &ev), MQTT_ERR_NULL_POINTER);
    CHECK(!mqtt_session_is_connected(NULL));
    CHECK_ST(mqtt_session_pending(NULL, &in_flight, &queued), MQTT_ERR_NULL_POINTER);
    mqtt_session_free(NULL);
    mqtt_session_free((mqtt_session *)junk); /* refused, not freed */

    cfg = session_cfg(MQTT_V3_1_1);
    cfg.max_queued = 1;
    s = mqtt_session_new(&cfg, &st);
    CHECK_ST(st, MQTT_OK);
    if (s == NULL) return;

    /* NULL arguments and bad lengths. */
    CHECK_ST(mqtt_session_publish(s, NULL, 1, buf, 1, 1, false, 0, &id), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqtt_session_publish(s, buf, 1, NULL, 3, 1, false, 0, &id), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqtt_session_publish(s, (const uint8_t *)"t", SIZE_MAX, NULL, 0, 1, false, 0, &id),
             MQTT_ERR_INVALID_ARGUMENT);
    CHECK_ST(mqtt_session_publish_packet(s, NULL, 0, &id), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqtt_session_subscribe(s, NULL, 1, 0, &id), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqtt_session_unsubscribe(s, NULL, 1, 0, &id), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqtt_session_receive(s, NULL, 1, 0), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqtt_session_receive(s, buf, SIZE_MAX, 0), MQTT_ERR_INVALID_ARGUMENT);
    CHECK_ST(mqtt_session_data_to_send(s, NULL, 10, &n), MQTT_ERR_NULL_POINTER);
    /* NULL with a length of 0 is empty, as everywhere. */
    CHECK_ST(mqtt_session_receive(s, NULL, 0, 0), MQTT_OK);
    CHECK_ST(mqtt_session_data_to_send(s, NULL, 0, &n), MQTT_OK);
    CHECK(n == 0);
    CHECK_ST(mqtt_session_subscribe(s, NULL, 0, 0, &id), MQTT_ERR_EMPTY_SUBSCRIPTION_LIST);
    CHECK_ST(mqtt_session_unsubscribe(s, NULL, 0, 0, &id), MQTT_ERR_EMPTY_SUBSCRIPTION_LIST);
    CHECK_ST(mqtt_session_data_to_send(s, buf, sizeof buf, NULL), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqtt_session_data_to_send(s, buf, SIZE_MAX, &n), MQTT_ERR_INVALID_ARGUMENT);
    CHECK_ST(mqtt_session_poll_event(s, NULL), MQTT_ERR_NULL_POINTER);
    CHECK_ST(mqtt_session_pending(s, NULL, NULL), MQTT_OK);

    /* Bad messages. */
    CHECK_ST(mqtt_session_publish(s, (const uint8_t *)"t", 1, NULL, 0, 3, false, 0, &id),
             MQTT_ERR_INVALID_ARGUMENT);
    CHECK_ST(mqtt_session_publish(s, (const uint8_t *)"", 0, NULL, 0, 1, false, 0, &id),
             MQTT_ERR_TOPIC_EMPTY);
    CHECK_ST(mqtt_session_publish(s, (const uint8_t *)"a/+", 3, NULL, 0, 1, false, 0, &id),
             MQTT_ERR_TOPIC_WILDCARD_IN_NAME);
    CHECK_ST(mqtt_session_publish(s, (const uint8_t *)"a\xff", 2, NULL, 0, 1, false, 0, &id),
             MQTT_ERR_INVALID_STRING);
    mqtt_packet_init(&p, MQTT_PACKET_PUBACK);
    CHECK_ST(mqtt_session_publish_packet(s, &p, 0, &id), MQTT_ERR_INVALID_ARGUMENT);

    /* Before connect: QoS 0, subscribe, unsubscribe and disconnect need a connection; QoS 1
       waits in the queue (here of one). */
    CHECK_ST(mqtt_session_publish(s, (const uint8_t *)"t", 1, NULL, 0, 0, false, 0, &id),
             MQTT_ERR_SESSION_NOT_CONNECTED);
    CHECK_ST(mqtt_session_subscribe(s, &sub, 1, 0, &id), MQTT_ERR_SESSION_NOT_CONNECTED);
    CHECK_ST(mqtt_session_unsubscribe(s, &f, 1, 0, &id), MQTT_ERR_SESSION_NOT_CONNECTED);
    CHECK_ST(mqtt_session_disconnect(s, 0), MQTT_ERR_SESSION_NOT_CONNECTED);
    CHECK_ST(mqtt_session_ack(s, 5, 0), MQTT_ERR_SESSION_UNKNOWN_PACKET_ID);
    CHECK_ST(pub(s, "q/1", "early", 1, false, 0, &id), MQTT_OK);
    CHECK(id == 1);
    CHECK_ST(mqtt_session_publish(s, (const uint8_t *)"q/2", 3, NULL, 0, 1, false, 0, &id),
             MQTT_ERR_SESSION_QUEUE_FULL);
    CHECK(id == 0);
    CHECK_ST(mqtt_session_pending(s, &in_flight, &queued), MQTT_OK);
    CHECK(in_flight == 0 && queued == 1);
    CHECK_ST(mqtt_session_data_to_send(s, buf, sizeof buf, &n), MQTT_OK);
    CHECK(n == 0);
    CHECK_ST(mqtt_session_poll_event(s, &ev), MQTT_END);
    CHECK(ev.kind == MQTT_SESSION_EVENT_NONE);
    CHECK_ST(mqtt_session_next_timeout(s, 0, &deadline, &wait), MQTT_END);
    CHECK_ST(mqtt_session_receive(s, buf, 0, 0), MQTT_OK); /* nothing, and ignored */

    /* A buffer of one byte: CONNECT comes out a byte at a time. */
    memset(&sv, 0, sizeof sv);
    sv.s = s;
    sv.version = MQTT_V3_1_1;
    sv.piece = 1;
    CHECK_ST(mqtt_session_connect(s, 0), MQTT_OK);
    CHECK_ST(mqtt_session_connect(s, 0), MQTT_ERR_SESSION_ALREADY_CONNECTED);
    CHECK(srv_next(&sv, &p) == MQTT_PACKET_CONNECT);
    CHECK(sv.pieces == sv.len); /* one call per byte, the last one says nothing more waits */
    srv_connack(&sv, false, 0);
    CHECK(next_event(&sv, &ev) == MQTT_SESSION_EVENT_CONNECTED);
    CHECK(srv_next(&sv, &p) == MQTT_PACKET_PUBLISH && eq(p.topic, "q/1") && eq(p.payload, "early"));

    /* Connected: the bad lists. */
    CHECK_ST(mqtt_session_subscribe(s, &sub, 0, 0, &id), MQTT_ERR_EMPTY_SUBSCRIPTION_LIST);
    sub.filter = S("a/#/b");
    CHECK_ST(mqtt_session_subscribe(s, &sub, 1, 0, &id), MQTT_ERR_TOPIC_MULTI_LEVEL_WILDCARD);
    sub.filter = S("a/#");
    sub.qos = 3;
    CHECK_ST(mqtt_session_subscribe(s, &sub, 1, 0, &id), MQTT_ERR_INVALID_ARGUMENT);
    CHECK_ST(mqtt_session_unsubscribe(s, &f, 0, 0, &id), MQTT_ERR_EMPTY_SUBSCRIPTION_LIST);
    CHECK(srv_quiet(&sv));

    /* The bytes of a dead connection do not leak into the next one. */
    CHECK_ST(mqtt_session_disconnect(s, 0), MQTT_OK);
    CHECK_ST(mqtt_session_data_to_send(s, buf, 1, &n), MQTT_MORE_TO_SEND); /* half of it */
    CHECK_ST(mqtt_session_connect(s, 0), MQTT_OK);
    sv.pos = sv.len = 0;
    CHECK(srv_next(&sv, &p) == MQTT_PACKET_CONNECT);
    mqtt_session_free(s);
}

/* Every session status has its own text. */
static void test_session_status_text(void) {
    static const mqtt_status all[] = {
        MQTT_MORE_TO_SEND,
        MQTT_ERR_SESSION_NOT_CONNECTED,
        MQTT_ERR_SESSION_ALREADY_CONNECTED,
        MQTT_ERR_SESSION_NO_PACKET_ID,
        MQTT_ERR_SESSION_QUEUE_FULL,
        MQTT_ERR_SESSION_PACKET_TOO_LARGE,
        MQTT_ERR_SESSION_QOS_NOT_SUPPORTED,
        MQTT_ERR_SESSION_RETAIN_NOT_SUPPORTED,
        MQTT_ERR_SESSION_UNKNOWN_PACKET_ID,
        MQTT_ERR_SESSION_OTHER,
        MQTT_ERR_SNAPSHOT_NOT_A_SNAPSHOT,
        MQTT_ERR_SNAPSHOT_FORMAT,
        MQTT_ERR_SNAPSHOT_VERSION,
        MQTT_ERR_SNAPSHOT_CORRUPT,
        MQTT_ERR_SNAPSHOT_OTHER,
    };
    size_t i, j;
    for (i = 0; i < sizeof all / sizeof all[0]; i++) {
        CHECK(strcmp(mqtt_status_str(all[i]), "unknown status") != 0);
        for (j = 0; j < i; j++)
            CHECK(strcmp(mqtt_status_str(all[i]), mqtt_status_str(all[j])) != 0);
    }
}

/* ---- SCRAM-SHA-256 (RFC 7677's example exchange), CAK-12 and AUT rows from C --------- */

/* The server's AUTH or CONNACK carrying SCRAM-SHA-256 and `data`. */
static void srv_scram(server *sv, uint8_t type, uint8_t reason, const char *data) {
    mqtt_packet p;
    mqtt_packet_init(&p, type);
    p.reason_code = reason;
    p.properties.authentication_method = S("SCRAM-SHA-256");
    p.properties.authentication_data = S(data);
    srv_send(sv, &p);
}

static void test_session_scram(void) {
    static const char *client_first = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
    static const char *server_first =
        "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    static const char *client_final =
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
        "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    static const char *server_final = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";
    server sv;
    mqtt_session_config cfg = session_cfg(MQTT_V5);
    mqtt_packet p;
    mqtt_session_event ev;

    /* The exchange: method and client-first in CONNECT, the challenge answered, the
     * server's proof checked in CONNACK. */
    srv_open(&sv, &cfg, 0);
    CHECK_ST(mqtt_session_set_scram(sv.s, S("user"), S("pencil"), S("rOprNGfwEbeRWgbNEkqO")),
             MQTT_OK);
    CHECK_ST(mqtt_session_connect(sv.s, 0), MQTT_OK);
    CHECK(srv_next(&sv, &p) == MQTT_PACKET_CONNECT);
    CHECK(eq(p.properties.authentication_method, "SCRAM-SHA-256"));
    CHECK(eq(p.properties.authentication_data, client_first));
    srv_scram(&sv, MQTT_PACKET_AUTH, 0x18, server_first);
    CHECK(srv_next(&sv, &p) == MQTT_PACKET_AUTH && p.reason_code == 0x18);
    CHECK(eq(p.properties.authentication_data, client_final));
    srv_scram(&sv, MQTT_PACKET_CONNACK, 0, server_final);
    CHECK(next_event(&sv, &ev) == MQTT_SESSION_EVENT_CONNECTED);
    CHECK(mqtt_session_is_connected(sv.s));
    /* A re-authentication needs a fresh nonce; without one it cannot start. */
    CHECK_ST(mqtt_session_reauthenticate(sv.s, 1), MQTT_ERR_SESSION_AUTH_NOT_READY);
    CHECK_ST(mqtt_session_set_scram(sv.s, S("user"), S("pencil"), S("second-nonce-0123")),
             MQTT_OK);
    CHECK_ST(mqtt_session_reauthenticate(sv.s, 2), MQTT_OK);
    CHECK(srv_next(&sv, &p) == MQTT_PACKET_AUTH && p.reason_code == 0x19);
    CHECK(eq(p.properties.authentication_method, "SCRAM-SHA-256"));
    srv_close(&sv);

    /* A server whose final message does not prove the password: disconnected, reported as
     * 0x87 Not authorized; DISCONNECT says 0x80, as 0x87 is a server's code there. */
    srv_open(&sv, &cfg, 0);
    CHECK_ST(mqtt_session_set_scram(sv.s, S("user"), S("pencil"), S("rOprNGfwEbeRWgbNEkqO")),
             MQTT_OK);
    CHECK_ST(mqtt_session_connect(sv.s, 0), MQTT_OK);
    CHECK(srv_next(&sv, &p) == MQTT_PACKET_CONNECT);
    srv_scram(&sv, MQTT_PACKET_AUTH, 0x18, server_first);
    CHECK(srv_next(&sv, &p) == MQTT_PACKET_AUTH);
    srv_scram(&sv, MQTT_PACKET_CONNACK, 0, "v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
    CHECK(srv_next(&sv, &p) == MQTT_PACKET_DISCONNECT && p.reason_code == 0x80);
    CHECK(next_event(&sv, &ev) == MQTT_SESSION_EVENT_DISCONNECTED && ev.reason_code == 0x87);
    CHECK(!mqtt_session_is_connected(sv.s));
    /* The nonce is used up: the next connect says so (not "already connected"), and goes
     * with a fresh one. */
    mqtt_session_connection_lost(sv.s, 1);
    CHECK_ST(mqtt_session_connect(sv.s, 2), MQTT_ERR_SESSION_AUTH_NOT_READY);
    CHECK_ST(mqtt_session_set_scram(sv.s, S("user"), S("pencil"), S("third-nonce-4567")),
             MQTT_OK);
    CHECK_ST(mqtt_session_connect(sv.s, 3), MQTT_OK);
    srv_close(&sv);

    /* Refused: a 3.1.1 session, a nonce with a comma, a password that is not UTF-8. */
    cfg = session_cfg(MQTT_V3_1_1);
    srv_open(&sv, &cfg, 0);
    CHECK_ST(mqtt_session_set_scram(sv.s, S("user"), S("pencil"), S("abc")),
             MQTT_ERR_INVALID_ARGUMENT);
    srv_close(&sv);
    cfg = session_cfg(MQTT_V5);
    srv_open(&sv, &cfg, 0);
    CHECK_ST(mqtt_session_set_scram(sv.s, S("user"), S("pencil"), S("a,b")),
             MQTT_ERR_INVALID_ARGUMENT);
    CHECK_ST(mqtt_session_set_scram(sv.s, S("user"), S("\xff"), S("abc")),
             MQTT_ERR_INVALID_ARGUMENT);
    CHECK_ST(mqtt_session_set_scram(NULL, S("user"), S("pencil"), S("abc")),
             MQTT_ERR_NULL_POINTER);
    srv_close(&sv);
}

static void test_session(void) {
    test_session_flow(MQTT_V3_1_1);
    test_session_flow(MQTT_V5);
    test_session_manual_ack();
    test_session_keep_alive();
    test_session_resume(MQTT_V3_1_1);
    test_session_resume(MQTT_V5);
    test_session_refused();
    test_session_v5_server();
    test_session_scram();
    test_session_snapshot();
    test_session_misuse();
    test_session_status_text();
}
