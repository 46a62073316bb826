//! What the broker does with each packet a client sends.

use super::connection::Phase;
use super::delivery::Routed;
use super::message::Message;
use super::session::{OutState, Session, SubEntry};
use super::{is_broker_topic, Broker, ConnId, Level, Millis};
use crate::error::DecodeError;
use crate::packet::{
    ConnAck, Connect, Disconnect, Packet, PacketId, PubResponse, Publish, SubAck, Subscribe,
    UnsubAck, Unsubscribe,
};
use crate::packet_flow::{received_alias, ReceivedAlias};
use crate::qos::QoS;
use crate::reason::ReasonCode;
use crate::topic::{check_topic_filter, split_shared};
use crate::version::ProtocolVersion;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

fn ack(packet_id: PacketId, reason_code: ReasonCode) -> PubResponse {
    PubResponse {
        reason_code,
        ..PubResponse::new(packet_id)
    }
}

impl Broker {
    /// A whole packet arrived on a connection (bytes are decoded by
    /// [`Broker::bytes_received`]; an I/O loop with its own decoder may call this instead).
    pub fn packet_received(&mut self, conn: ConnId, packet: Packet, now: Millis) {
        self.on_packet(conn, packet, now);
        self.settle_timers();
    }

    /// [`Broker::packet_received`] but for the timers, which the caller settles.
    pub(super) fn on_packet(&mut self, conn: ConnId, packet: Packet, now: Millis) {
        self.clock = now;
        self.queued_live = false;
        self.handle_packet(conn, packet, now);
        self.resume_if_drained(now);
    }

    pub(super) fn handle_packet(&mut self, conn: ConnId, packet: Packet, now: Millis) {
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        c.last_seen = now;
        let phase = c.phase;
        if !c.timer_in_time() {
            self.index_conn(conn);
        }
        match packet {
            Packet::Connect(connect) if phase == Phase::AwaitConnect => {
                self.on_connect(conn, *connect, now)
            }
            _ if phase == Phase::AwaitConnect => self.detach(conn, now, false),
            packet if phase == Phase::Authenticating => self.on_authenticating(conn, packet, now),
            Packet::Auth(auth) => self.on_reauth(conn, auth, now),
            Packet::Connect(_) => self.disconnect_with(conn, ReasonCode::ProtocolError, now),
            Packet::Publish(p) => {
                self.on_publish(conn, p, now);
                self.throttle(conn);
            }
            Packet::PubAck(a) => self.on_puback(conn, a.packet_id, now),
            Packet::PubRec(a) => self.on_pubrec(conn, a, now),
            Packet::PubRel(a) => self.on_pubrel(conn, a.packet_id),
            Packet::PubComp(a) => self.on_pubcomp(conn, a.packet_id, now),
            Packet::Subscribe(s) => self.on_subscribe(conn, s, now),
            Packet::Unsubscribe(u) => self.on_unsubscribe(conn, u),
            Packet::PingReq => {
                self.send(conn, &Packet::PingResp);
            }
            Packet::Disconnect(d) => self.on_disconnect(conn, d, now),
            // A server sends nothing else a client may send back.
            _ => self.disconnect_with(conn, ReasonCode::ProtocolError, now),
        }
    }

    /// A decode error: 3.1.1 CONNECT errors that have a return code get that CONNACK, 5.0
    /// connections get DISCONNECT with the error's reason code; the connection closes.
    pub(super) fn decode_failed(&mut self, conn: ConnId, err: &DecodeError, now: Millis) {
        let Some(c) = self.conns.get(&conn) else {
            return;
        };
        if c.phase == Phase::AwaitConnect {
            let connack = Packet::ConnAck(ConnAck::new(err.reason_code()));
            // Level 5 under another name ("MQIsdp", say) is a client speaking 5.0: it reads
            // a 5.0 CONNACK 0x84 (the 3.1.1 form would be malformed to it).
            let says_v5 = matches!(err, DecodeError::UnsupportedProtocolLevel { level: 5, .. });
            let answer = if c.decoder.protocol_version() == Some(ProtocolVersion::V5) || says_v5 {
                // A CONNECT that named 5.0 and broke a later rule gets the reason in a 5.0
                // CONNACK before the close ([MQTT-3.1.4-1] allows it; §4.13): a client
                // learns why (0x81, 0x82, 0x95...).
                connack.to_bytes(ProtocolVersion::V5).ok()
            } else if err.v3_connack_code().is_some() {
                // The reason code a 5.0 client would get is, under 3.x (or a level nobody
                // speaks), the return code the 3.1.1 specification asks for (0x84 -> 0x01,
                // 0x85 -> 0x02).
                connack.to_bytes(ProtocolVersion::V3_1_1).ok()
            } else {
                None
            };
            if let Some(data) = answer {
                self.actions.push_back(super::Action::Send { conn, data });
            }
        }
        self.log(Level::Warn, format!("connection {conn}: {err}"));
        self.disconnect_with(conn, err.reason_code(), now);
    }

    pub(super) fn refuse_connect(
        &mut self,
        conn: ConnId,
        version: ProtocolVersion,
        reason: ReasonCode,
    ) {
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        c.version = version;
        // A code without a 3.x return code closes a 3.x connection without a CONNACK.
        if version.is_v5() || crate::v3_return_code(reason).is_some() {
            self.send(conn, &Packet::ConnAck(ConnAck::new(reason)));
        }
        self.log(
            Level::Warn,
            format!("connection {conn}: CONNECT refused: {reason}"),
        );
        if let Some(c) = self.conns.remove(&conn) {
            self.unindex(c.timer, super::timer_index::Timer::Conn(conn));
        }
        self.paused.remove(&conn);
        self.close_conn(conn);
    }

    fn on_connect(&mut self, conn: ConnId, connect: Connect, now: Millis) {
        if connect.protocol_version.is_v5() && connect.properties.authentication_method.is_some() {
            // Enhanced authentication (§4.12): SCRAM-SHA-256 when configured, else refused
            // with 0x8C ([MQTT-4.12.0-1]).
            return self.start_authentication(conn, connect, now);
        }
        self.accept_connect(conn, connect, None, now);
    }

    /// The CONNECT, its client authenticated (`auth`: the SCRAM exchange's user, method and
    /// final data) or to be checked against the password file.
    pub(super) fn accept_connect(
        &mut self,
        conn: ConnId,
        connect: Connect,
        auth: Option<super::enhanced_auth::Authenticated>,
        now: Millis,
    ) {
        // What is due by now happens first, as a tick at this instant would have made it:
        // a session whose expiry has passed is ended rather than resumed, a will whose delay
        // has passed goes out rather than being cancelled ([MQTT-3.1.2-8], [MQTT-3.1.3-9],
        // [MQTT-4.1.0-2]), and a connection past its CONNECT deadline is closed (without
        // this, a takeover's own timer run closed it halfway through its CONNECT).
        self.run_timers(now);
        if !self.conns.contains_key(&conn) {
            return;
        }
        let version = connect.protocol_version;
        let v5 = version.is_v5();
        // Who the client is: the user SCRAM proved, or the User Name it gave.
        let user: Option<&str> = match &auth {
            Some(a) => Some(a.user.as_str()),
            None => connect.username.as_ref().map(|u| u.as_str()),
        };
        // Who may connect: anonymous clients if allowed, named ones by their password when a
        // password file is set (mosquitto's allow_anonymous and password_file); a client
        // authenticated by SCRAM is who it proved to be.
        match (&connect.username, &self.config.passwords) {
            _ if auth.is_some() => {}
            // Without a password file a user name proves nothing: when anonymous clients
            // are refused, so is everyone (mosquitto's rule).
            (None, _) | (Some(_), None) if !self.config.allow_anonymous => {
                return self.refuse_connect(conn, version, ReasonCode::NotAuthorized);
            }
            // No password at all is no password, even for a user whose password is empty.
            (Some(user), Some(passwords))
                if !connect
                    .password
                    .as_ref()
                    .is_some_and(|p| passwords.check(user.as_str(), p)) =>
            {
                return self.refuse_connect(conn, version, ReasonCode::BadUserNameOrPassword);
            }
            _ => {}
        }
        // max_keepalive as mosquitto applies it: a keep alive above it, or none at all, is
        // replaced for 5.0 (Server Keep Alive) and refused for 3.x, which cannot be told.
        let imposed_keep_alive = self
            .config
            .max_keepalive
            .filter(|&max| max > 0 && (connect.keep_alive == 0 || connect.keep_alive > max));
        if imposed_keep_alive.is_some() && !v5 {
            return self.refuse_connect(conn, version, ReasonCode::ClientIdentifierNotValid);
        }
        // MQTT 3.1 identifiers are 1 to 23 characters (3.1 §3.1, Client Identifier), and
        // 3.1 has no assigned identifiers: outside that, "identifier rejected" (0x02).
        let id_len = connect.client_id.as_str().chars().count();
        if version == ProtocolVersion::V3_1 && !(1..=23).contains(&id_len) {
            return self.refuse_connect(conn, version, ReasonCode::ClientIdentifierNotValid);
        }
        let mut assigned = None;
        let client_id = if connect.client_id.is_empty() {
            // One no session holds: a client may have chosen such an identifier itself, and
            // the counter starts again when the broker restarts from its store.
            let id = loop {
                self.assigned_ids += 1;
                let id = format!("auto-{:08x}", self.assigned_ids);
                if !self.sessions.contains_key(&id) {
                    break id;
                }
            };
            assigned = Some(id.clone());
            id
        } else {
            connect.client_id.as_str().to_string()
        };

        // A will the client could not publish itself is refused with the CONNECT
        // ([MQTT-3.2.2-12], [MQTT-3.2.2-13]; mosquitto checks the ACL the same way).
        // Judged as the connection will be: as the user SCRAM proved, not the User Name.
        if let Some(will) = &connect.will {
            let denied = (is_broker_topic(will.topic.as_str()) && !connect.bridge)
                || self
                    .config
                    .acl
                    .as_ref()
                    .is_some_and(|acl| !acl.can_publish(user, &client_id, will.topic.as_str()));
            let refusal = if will.qos > self.config.max_qos {
                Some(ReasonCode::QoSNotSupported)
            } else if will.retain && !self.config.retain_available {
                Some(ReasonCode::RetainNotSupported)
            } else if denied {
                Some(ReasonCode::NotAuthorized)
            } else {
                None
            };
            if let Some(reason) = refusal {
                return self.refuse_connect(conn, version, reason);
            }
        }

        // One more session than the operator allows is refused; taking up or replacing the
        // client's own is not.
        let full = self
            .config
            .max_sessions
            .is_some_and(|max| self.sessions.len() >= max);
        if full && !self.sessions.contains_key(&client_id) {
            let reason = if v5 {
                ReasonCode::QuotaExceeded
            } else {
                ReasonCode::ServerUnavailable
            };
            return self.refuse_connect(conn, version, reason);
        }

        // Take over a session in use by another connection ([MQTT-3.1.4-2], [MQTT-3.1.4-3]).
        if let Some(old) = self.sessions.get(&client_id).and_then(|s| s.conn) {
            if old != conn {
                if let Some(oc) = self.conns.get(&old) {
                    if oc.version == ProtocolVersion::V5 {
                        self.send(
                            old,
                            &Packet::Disconnect(Disconnect::new(ReasonCode::SessionTakenOver)),
                        );
                    }
                }
                self.log(
                    Level::Info,
                    format!("client {client_id}: session taken over by connection {conn}"),
                );
                // The server closes the old connection, not a DISCONNECT from its client: its
                // will goes as on any such close ([MQTT-3.1.4-3] points to 3.1.2.5; 3.1.1's
                // [MQTT-3.1.2-8]), at once without a delay. A delayed one is cancelled below
                // when this CONNECT takes the session up ([MQTT-3.1.3-9]) and published at
                // once when it ends the session. EMQX agrees (its issues #10551, #18565);
                // mosquitto drops the will when the session is resumed.
                self.detach(old, now, true);
            }
        }

        let asked = if v5 {
            connect.properties.session_expiry_interval.unwrap_or(0)
        } else if connect.clean_start {
            0
        } else {
            u32::MAX
        };
        let expiry = self.kept_expiry(asked);
        let resumed = !connect.clean_start && self.sessions.contains_key(&client_id);
        if !resumed {
            if let Some(mut old) = self.end_session(&client_id) {
                // A clean start ends the old session, and a will still waiting out its delay
                // goes now: it is published when the delay elapses or the session ends,
                // whichever comes first ([MQTT-3.1.2-8]); only a connection that takes the
                // session up again cancels it ([MQTT-3.1.3-9]). mosquitto and HiveMQ do the
                // same.
                let pending = old.will_at.is_some();
                if let (true, Some(will)) = (pending, old.will.take()) {
                    self.route(will.published_will(now), now);
                }
            }
            self.sessions.insert(client_id.clone(), Session::new(conn));
        }
        // A will an MQTT-SN client left for its next CONNECT is that CONNECT's to take (the
        // gateway took it before handing this one over); any other takes the session up
        // with its own.
        self.sn.kept_wills.remove(&client_id);
        let Some(session) = self.sessions.get_mut(&client_id) else {
            return;
        };
        session.conn = Some(conn);
        session.bridge = connect.bridge;
        session.last_progress = now;
        session.expiry_secs = expiry;
        session.expire_at = None;
        // Resuming before the will delay elapsed cancels the will ([MQTT-3.1.3-9]).
        session.will_at = None;
        session.will = connect
            .will
            .as_ref()
            .map(|w| Message::from_will(w, &client_id));
        session.will_delay_ms = connect
            .will
            .as_ref()
            .and_then(|w| w.properties.will_delay_interval)
            .map_or(0, |s| u64::from(s) * 1000);
        // (Its will and expiry timers are gone: their entries are put right when they come
        // first. Its stall deadline may have changed with the connection and progress.)
        self.index_stall(&client_id);

        let config = &self.config;
        let keep_alive = imposed_keep_alive.unwrap_or(connect.keep_alive);
        let mut ack = ConnAck::new(ReasonCode::Success);
        // MQTT 3.1 has no Session Present flag (the CONNACK would not encode).
        ack.session_present = resumed && version != ProtocolVersion::V3_1;
        if v5 {
            let p = &mut ack.properties;
            if expiry != asked {
                p.session_expiry_interval = Some(expiry);
            }
            p.receive_maximum = Some(config.receive_maximum);
            p.topic_alias_maximum = Some(config.topic_alias_maximum);
            if config.max_packet_size < crate::MAX_PACKET_SIZE {
                p.maximum_packet_size = Some(config.max_packet_size as u32);
            }
            if config.max_qos < QoS::ExactlyOnce {
                p.maximum_qos = Some(config.max_qos as u8);
            }
            if !config.retain_available {
                p.retain_available = Some(0);
            }
            if !config.wildcard_subscriptions {
                p.wildcard_subscription_available = Some(0);
            }
            if !config.shared_subscriptions {
                p.shared_subscription_available = Some(0);
            }
            if !config.subscription_identifiers {
                p.subscription_identifier_available = Some(0);
            }
            p.server_keep_alive = imposed_keep_alive;
            p.assigned_client_identifier = assigned
                .as_deref()
                .and_then(|id| crate::MqttStr::new(id).ok());
            if let Some(a) = &auth {
                // A successful CONNACK repeats the method and carries the server's final
                // data ([MQTT-4.12.0-5]).
                p.authentication_method = crate::MqttStr::new(crate::scram::METHOD).ok();
                p.authentication_data = Some(a.final_data.clone());
            }
        }
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        c.version = version;
        c.phase = Phase::Connected;
        c.client_id = client_id.clone();
        c.username = user.map(String::from);
        c.auth_method = auth.as_ref().map(|_| String::from(crate::scram::METHOD));
        c.keep_alive_ms = (keep_alive > 0).then(|| u64::from(keep_alive) * 1500);
        c.connect_expiry = asked;
        if v5 {
            let p = &connect.properties;
            c.max_packet_out = p
                .maximum_packet_size
                .map_or(crate::MAX_PACKET_SIZE, |m| m as usize);
            c.receive_max_out = usize::from(
                p.receive_maximum
                    .unwrap_or(u16::MAX)
                    .min(self.config.max_inflight),
            );
            c.alias_max_out = p.topic_alias_maximum.unwrap_or(0);
        } else if Self::is_sn_conn(conn) {
            // An MQTT-SN gateway client: one QoS 1 or 2 message in flight (SN-GW-13), also
            // for what a resumed session sends right below.
            c.receive_max_out = 1;
        } else {
            // 3.x has no Receive Maximum: the operator's limit alone.
            c.receive_max_out = usize::from(self.config.max_inflight);
        }
        // From the wait for CONNECT to the keep alive, which may be sooner.
        self.index_conn(conn);
        if !self.send(conn, &Packet::ConnAck(ack)) {
            // A client whose Maximum Packet Size cannot take even the CONNACK cannot be
            // answered ([MQTT-3.1.2-24]): end the connection rather than leave it waiting.
            self.detach(conn, now, false);
            // Nor is a session made for this CONNECT kept: the client never learnt of it (nor
            // of an identifier assigned to it), so nothing could resume it.
            if !resumed {
                self.end_session(&client_id);
            }
            return;
        }
        self.stats.connections += 1;
        self.log(
            Level::Info,
            format!("client {client_id} connected on {conn} (MQTT {version}{}, clean start {}, session present {resumed})", if connect.bridge { ", bridge" } else { "" }, connect.clean_start),
        );
        if resumed {
            self.resend_inflight(&client_id, now);
        }
        self.drain_queue(&client_id, now);
    }

    fn on_publish(&mut self, conn: ConnId, publish: Publish, now: Millis) {
        self.stats.messages_received += 1;
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        let v5 = c.version.is_v5();
        let mut topic = publish.topic.clone();
        if let Some(alias) = publish.properties.topic_alias {
            let maximum = self.config.topic_alias_maximum;
            match received_alias(alias, maximum, topic.is_empty()) {
                Err(reason) => return self.disconnect_with(conn, reason, now),
                Ok(ReceivedAlias::Resolve) => match c.aliases_in.get(&alias) {
                    Some(t) => topic = t.clone(),
                    None => return self.disconnect_with(conn, ReasonCode::ProtocolError, now),
                },
                Ok(ReceivedAlias::Set) => {
                    c.aliases_in.insert(alias, topic.clone());
                }
            }
        }
        if publish.qos > self.config.max_qos {
            return self.disconnect_with(conn, ReasonCode::QoSNotSupported, now);
        }
        if publish.retain && !self.config.retain_available {
            return self.disconnect_with(conn, ReasonCode::RetainNotSupported, now);
        }
        // `$SYS` is the broker's (§4.7.2: a server SHOULD keep clients from exchanging
        // messages on `$` topics); mosquitto refuses clients' publishes there the same way.
        // A bridge is another broker, which publishes its connection's state there (and
        // makes it its will): mosquitto's bridges do by default.
        let bridge = self.sessions.get(&c.client_id).is_some_and(|s| s.bridge);
        let broker_topic = is_broker_topic(topic.as_str()) && !bridge;
        let allowed = !broker_topic
            && self.config.acl.as_ref().map_or(true, |acl| {
                acl.can_publish(c.username.as_deref(), &c.client_id, topic.as_str())
            });
        let client_id = c.client_id.clone();
        if !allowed {
            let why = if broker_topic {
                "$SYS is the broker's"
            } else {
                "denied by ACL"
            };
            self.log(
                Level::Warn,
                format!("client {client_id}: publish to {topic} refused: {why}"),
            );
        }
        let message = Message::from_publish(&publish, topic, &client_id, now);
        // A retained message past the operator's limits: a 5.0 QoS 1 or 2 publisher is told
        // (0x97) and the message goes nowhere, as an error code says; anyone else cannot be
        // told, and it is delivered without being kept (see `route`).
        let over_quota = v5
            && publish.qos != QoS::AtMostOnce
            && message.retain
            && !message.payload.is_empty()
            && !self.retained_fits(&message);
        let allowed = allowed && !over_quota;
        // 5.0 says why in the acknowledgement ([MQTT-3.4.2], table 3-4): refused by the ACL
        // or the retained quota, or delivered to nobody (0x10, as mosquitto answers); 3.x
        // acknowledges either way.
        let code = |routed: Option<Routed>| match (allowed, v5, routed) {
            (false, true, _) if over_quota => ReasonCode::QuotaExceeded,
            (false, true, _) => ReasonCode::NotAuthorized,
            (true, true, Some(r)) if r.matched == 0 => ReasonCode::NoMatchingSubscribers,
            _ => ReasonCode::Success,
        };
        match (publish.qos, publish.packet_id) {
            (QoS::AtLeastOnce, Some(id)) => {
                let routed = allowed.then(|| self.route(message, now));
                self.send(conn, &Packet::PubAck(ack(id, code(routed))));
            }
            (QoS::ExactlyOnce, Some(id)) => {
                let Some(session) = self.sessions.get_mut(&client_id) else {
                    return;
                };
                let known = session.incoming_qos2.contains(&id.get());
                if !known
                    && session.incoming_qos2.len() >= usize::from(self.config.receive_maximum)
                    && v5
                {
                    return self.disconnect_with(conn, ReasonCode::ReceiveMaximumExceeded, now);
                }
                // A retransmission of a PUBLISH already taken is acknowledged again, not
                // delivered again ([MQTT-4.3.3-10]).
                let rec = if known {
                    ReasonCode::Success
                } else if allowed {
                    let rec = code(Some(self.route(message, now)));
                    // An error code ends the exchange (no PUBREL follows): only a success
                    // keeps the identifier until its PUBREL.
                    if !rec.is_error() {
                        if let Some(session) = self.sessions.get_mut(&client_id) {
                            session.incoming_qos2.insert(id.get());
                        }
                    }
                    rec
                } else {
                    code(None)
                };
                self.send(conn, &Packet::PubRec(ack(id, rec)));
            }
            _ => {
                if allowed {
                    self.route(message, now);
                }
            }
        }
    }

    fn session_of(&mut self, conn: ConnId) -> Option<(String, &mut Session)> {
        let id = self.conns.get(&conn)?.client_id.clone();
        let session = self.sessions.get_mut(&id)?;
        Some((id, session))
    }

    fn on_puback(&mut self, conn: ConnId, id: PacketId, now: Millis) {
        let Some((client_id, session)) = self.session_of(conn) else {
            return;
        };
        let Some(qos) = session.inflight.get(&id.get()).map(|o| o.delivery.qos) else {
            // Nothing in flight under that identifier (a late duplicate): not progress.
            return self.drain_queue(&client_id, now);
        };
        if qos != QoS::AtLeastOnce {
            return self.wrong_acknowledgement(conn, "PUBACK", id, now);
        }
        session.end_flow(id.get(), now);
        self.drain_queue(&client_id, now);
    }

    fn on_pubrec(&mut self, conn: ConnId, rec: PubResponse, now: Millis) {
        let id = rec.packet_id;
        self.releases = self.releases.wrapping_add(1);
        let order = self.releases;
        let Some((client_id, session)) = self.session_of(conn) else {
            return;
        };
        let qos = session.inflight.get(&id.get()).map(|o| o.delivery.qos);
        if qos.is_some_and(|q| q != QoS::ExactlyOnce) {
            return self.wrong_acknowledgement(conn, "PUBREC", id, now);
        }
        let known = qos.is_some();
        if known && rec.reason_code.is_error() {
            // 5.0: a failure code ends the flow and frees the identifier (§4.3.3).
            session.end_flow(id.get(), now);
            return self.drain_queue(&client_id, now);
        }
        if known {
            session.last_progress = now;
            let sent_here = !session.resend_done(id.get());
            session.released(id.get(), sent_here, order);
        }
        if known {
            // Progress: the stall deadline moves.
            self.index_stall(&client_id);
        }
        let code = if known {
            ReasonCode::Success
        } else {
            ReasonCode::PacketIdentifierNotFound
        };
        let version = self.conns.get(&conn).map(|c| c.version);
        let code = if version == Some(ProtocolVersion::V5) {
            code
        } else {
            ReasonCode::Success
        };
        self.send(conn, &Packet::PubRel(ack(id, code)));
    }

    fn on_pubrel(&mut self, conn: ConnId, id: PacketId) {
        let Some((_, session)) = self.session_of(conn) else {
            return;
        };
        let known = session.incoming_qos2.remove(&id.get());
        let v5 = self.conns.get(&conn).is_some_and(|c| c.version.is_v5());
        let code = if known || !v5 {
            ReasonCode::Success
        } else {
            ReasonCode::PacketIdentifierNotFound
        };
        self.send(conn, &Packet::PubComp(ack(id, code)));
    }

    fn on_pubcomp(&mut self, conn: ConnId, id: PacketId, now: Millis) {
        let Some((client_id, session)) = self.session_of(conn) else {
            return;
        };
        let Some(state) = session.inflight.get(&id.get()).map(|o| o.state) else {
            return self.drain_queue(&client_id, now);
        };
        if state != OutState::AwaitComp {
            return self.wrong_acknowledgement(conn, "PUBCOMP", id, now);
        }
        session.end_flow(id.get(), now);
        self.drain_queue(&client_id, now);
    }

    /// The receiver refused the message in flight under `id` (an MQTT-SN PUBACK with a
    /// rejection code, which may answer a QoS 2 PUBLISH too): its flow ends, as a 5.0
    /// PUBREC with an error code ends one.
    pub(super) fn refused_delivery(&mut self, conn: ConnId, id: PacketId, now: Millis) {
        let Some((client_id, session)) = self.session_of(conn) else {
            return;
        };
        session.end_flow(id.get(), now);
        self.drain_queue(&client_id, now);
    }

    /// An acknowledgement of the wrong kind for the message in flight under `id` (a PUBREC
    /// or PUBCOMP for a QoS 1 message, a PUBACK for a QoS 2 one, a PUBCOMP before the
    /// PUBREC): it acknowledges no packet we sent, a protocol violation ([MQTT-2.3.1-6], 5.0
    /// [MQTT-2.2.1-5]) that closes the connection (5.0: DISCONNECT 0x82), as mosquitto
    /// does. The message stays in the session, resent on the next connection if the session
    /// outlives this one. (A PUBCOMP answering our PUBREL 0x92 to a stray PUBREC would meet
    /// a new message only if its identifier came round again in between: not worth a
    /// record.)
    fn wrong_acknowledgement(&mut self, conn: ConnId, kind: &str, id: PacketId, now: Millis) {
        self.log(
            Level::Warn,
            format!("connection {conn}: {kind} {id} does not match the message in flight"),
        );
        self.disconnect_with(conn, ReasonCode::ProtocolError, now)
    }

    fn on_subscribe(&mut self, conn: ConnId, subscribe: Subscribe, now: Millis) {
        let Some(c) = self.conns.get(&conn) else {
            return;
        };
        let (version, username, client_id) = (c.version, c.username.clone(), c.client_id.clone());
        let v5 = version.is_v5();
        let sub_id = subscribe
            .properties
            .subscription_identifiers
            .first()
            .copied();
        // What the operator turned off, and 5.0 announced so in CONNACK, ends the
        // connection (SUB-4, SUB-12, SUB-13).
        if v5 && sub_id.is_some() && !self.config.subscription_identifiers {
            return self.disconnect_with(
                conn,
                ReasonCode::SubscriptionIdentifiersNotSupported,
                now,
            );
        }
        for sub in &subscribe.subscriptions {
            let filter = sub.filter.as_str();
            if v5 && !self.config.shared_subscriptions && split_shared(filter).is_some() {
                return self.disconnect_with(
                    conn,
                    ReasonCode::SharedSubscriptionsNotSupported,
                    now,
                );
            }
            if v5 && !self.config.wildcard_subscriptions && sub.filter.has_wildcards() {
                return self.disconnect_with(
                    conn,
                    ReasonCode::WildcardSubscriptionsNotSupported,
                    now,
                );
            }
        }
        let mut codes = Vec::with_capacity(subscribe.subscriptions.len());
        let mut retained_for = Vec::new();
        for sub in &subscribe.subscriptions {
            let filter = sub.filter.as_str();
            // 3.x cannot be told: the filter is refused in SUBACK ([MQTT-3.8.3-2]).
            let is_shared = split_shared(filter).is_some();
            if !self.config.wildcard_subscriptions && sub.filter.has_wildcards()
                || !self.config.shared_subscriptions && is_shared
            {
                codes.push(ReasonCode::UnspecifiedError);
                continue;
            }
            let allowed = self.config.acl.as_ref().map_or(true, |acl| {
                acl.can_subscribe(username.as_deref(), &client_id, filter)
            });
            if !allowed {
                self.log(
                    Level::Warn,
                    format!("client {client_id}: subscription to {filter} denied by ACL"),
                );
                codes.push(if v5 {
                    ReasonCode::NotAuthorized
                } else {
                    ReasonCode::UnspecifiedError
                });
                continue;
            }
            let granted = sub.options.qos.min(self.config.max_qos);
            // `$share/NAME/FILTER` from a 3.x client is a shared subscription too, as
            // mosquitto makes it: matched as its inner filter, it would otherwise be an
            // ordinary one that gets every message of the group.
            let shared = is_shared;
            let mut options = sub.options;
            options.qos = granted;
            let Some(session) = self.sessions.get_mut(&client_id) else {
                return;
            };
            // A new filter past the operator's limit is refused (0x97 Quota exceeded); one
            // already subscribed is only replaced.
            let full = self
                .config
                .max_subscriptions
                .is_some_and(|max| session.subscriptions.len() >= max);
            if full && !session.subscriptions.contains_key(filter) {
                self.log(
                    Level::Warn,
                    format!("client {client_id}: subscription to {filter} over the limit"),
                );
                codes.push(if v5 {
                    ReasonCode::QuotaExceeded
                } else {
                    ReasonCode::UnspecifiedError
                });
                continue;
            }
            let existed = session
                .subscriptions
                .insert(
                    filter.to_string(),
                    SubEntry {
                        options,
                        id: sub_id,
                        shared,
                    },
                )
                .is_some();
            if !existed {
                self.subs.insert(&client_id, filter);
            }
            codes.push(match granted {
                QoS::AtMostOnce => ReasonCode::Success,
                QoS::AtLeastOnce => ReasonCode::GrantedQoS1,
                QoS::ExactlyOnce => ReasonCode::GrantedQoS2,
            });
            use crate::packet::RetainHandling::*;
            let send_retained = match options.retain_handling {
                SendAtSubscribe => true,
                SendIfNew => !existed,
                DoNotSend => false,
            };
            // Retained messages are not sent to shared subscriptions (§4.8.2).
            if send_retained && !shared {
                retained_for.push((filter.to_string(), granted));
            }
            self.log(
                Level::Info,
                format!("client {client_id} subscribed to {filter} (QoS {granted})"),
            );
        }
        self.send(
            conn,
            &Packet::SubAck(SubAck::new(subscribe.packet_id, codes)),
        );
        for (filter, granted) in retained_for {
            self.deliver_retained(&client_id, &filter, granted, sub_id, now);
        }
    }

    fn on_unsubscribe(&mut self, conn: ConnId, unsubscribe: Unsubscribe) {
        let Some((client_id, session)) = self.session_of(conn) else {
            return;
        };
        let mut removed = Vec::new();
        let codes: Vec<ReasonCode> = unsubscribe
            .filters
            .iter()
            .map(|f| match session.subscriptions.remove(f.as_str()) {
                Some(_) => {
                    removed.push(f.as_str());
                    ReasonCode::Success
                }
                // A filter that breaks the filter rules can match no subscription: 5.0
                // says why with 0x8F rather than 0x11 (the checklist's lenient answer to a
                // filter that is compared character by character, [MQTT-3.10.4-1], where
                // closing the connection would be the strict one). 3.x has no codes.
                None if check_topic_filter(f.as_str(), true).is_err() => {
                    ReasonCode::TopicFilterInvalid
                }
                None => ReasonCode::NoSubscriptionExisted,
            })
            .collect();
        for filter in removed {
            self.subs.remove(&client_id, filter);
        }
        let v5 = self.conns.get(&conn).is_some_and(|c| c.version.is_v5());
        let codes = if v5 { codes } else { Vec::new() };
        self.log(
            Level::Info,
            format!(
                "client {client_id} unsubscribed from {} filters",
                unsubscribe.filters.len()
            ),
        );
        self.send(
            conn,
            &Packet::UnsubAck(UnsubAck::new(unsubscribe.packet_id, codes)),
        );
    }

    fn on_disconnect(&mut self, conn: ConnId, disconnect: Disconnect, now: Millis) {
        let Some(c) = self.conns.get(&conn) else {
            return;
        };
        let connect_expiry = c.connect_expiry;
        let client_id = c.client_id.clone();
        if let Some(expiry) = disconnect.properties.session_expiry_interval {
            // DIS-7: a session that expired on close cannot be given a lifetime now.
            if connect_expiry == 0 && expiry != 0 {
                return self.disconnect_with(conn, ReasonCode::ProtocolError, now);
            }
            let kept = self.kept_expiry(expiry);
            if let Some(session) = self.sessions.get_mut(&client_id) {
                session.expiry_secs = kept;
            }
        }
        // Only a normal disconnection (0x00) discards the will; 0x04 asks for it, and a
        // client that ends with an error code keeps it too ([MQTT-3.14.4-3], DIS-9).
        let with_will = disconnect.reason_code != ReasonCode::Success;
        self.log(
            Level::Info,
            format!(
                "client {client_id} disconnected ({})",
                disconnect.reason_code
            ),
        );
        self.detach(conn, now, with_will);
    }
}
