//! MQTT-SN 2.0 clients of the gateway: their packets translated into MQTT 5.0 for the
//! broker, and what the broker sends them translated back.

use super::{with_slack, Held, SnClient, SnKey, SnState};
use crate::broker::connection::{Connection, Phase};
use crate::broker::{Action, Broker, Level, Millis};
use crate::packet::{
    Connect, Disconnect, Packet, PacketId, PubResponse, Publish, RetainHandling, Subscribe,
    Subscription, SubscriptionOptions, Unsubscribe, Will,
};
use crate::sn::v2::{self, Ack, AliasKind, Packet as Sn2, Topic};
use crate::sn::SnVersion;
use crate::topic::{TopicFilter, TopicName};
use crate::{MqttStr, ProtocolVersion, QoS, ReasonCode};
use alloc::boxed::Box;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use bytes::Bytes;

/// 0xF0: the alias is not known (SN2-16).
const UNKNOWN_ALIAS: u8 = 0xF0;
/// 0x1A: the name already has a predefined alias (REGACK, SN2-12).
const PREDEFINED_EXISTS: u8 = 0x1A;

fn reason(code: u8) -> ReasonCode {
    ReasonCode::from_u8(code).unwrap_or(ReasonCode::UnspecifiedError)
}

impl Broker {
    /// Whether the client at `key` spoke 2.0 in its CONNECT.
    pub(crate) fn sn_is_v2(&self, key: &SnKey) -> bool {
        self.sn
            .clients
            .get(key)
            .is_some_and(|c| c.version == SnVersion::V2_0)
    }

    /// A 2.0 datagram from `key` (an envelope's inner packet handled in place).
    pub(crate) fn sn2_received(&mut self, key: SnKey, packet: Sn2<&[u8]>, now: Millis) {
        if let Some(conn) = self.sn.clients.get(&key).map(|c| c.conn) {
            if let Some(c) = self.conns.get_mut(&conn) {
                c.last_seen = now;
            }
            self.index_conn(conn);
        }
        match packet {
            Sn2::Forwarder { address, packet } => {
                let key = SnKey {
                    peer: key.peer,
                    node: address.to_vec(),
                };
                match v2::parse(packet) {
                    Ok(inner) => self.sn2_received(key, inner, now),
                    Err(e) => self.sn2_refused(&key, &e),
                }
            }
            Sn2::Connection { client_id, packet } => {
                // The client's address changed: find it by its id ([MQTT-SN-3.18-1]).
                let Some(old) = self.sn.key_of(client_id.as_str()) else {
                    return self.sn2_emit_now(&key, &sn2_disconnect(0xF4));
                };
                // Only a client that said its address may change (CONNECT flag bit 5) may
                // use the envelope; moving it onto another client's address is refused too.
                let may_move = self
                    .sn
                    .clients
                    .get(&old)
                    .is_some_and(|c| c.address_may_change);
                if !may_move || (old != key && self.sn.clients.contains_key(&key)) {
                    return self.sn2_emit_now(&key, &sn2_disconnect(0x82));
                }
                if old != key {
                    if let Some(client) = self.sn.clients.remove(&old) {
                        self.sn.by_conn.insert(client.conn, key.clone());
                        self.sn.clients.insert(key.clone(), client);
                    }
                }
                match v2::parse(packet) {
                    Ok(inner) => self.sn2_received(key, inner, now),
                    Err(e) => self.sn2_refused(&key, &e),
                }
            }
            Sn2::Connect(c) => self.sn2_connect(key, c, now),
            Sn2::PubWos(p) => self.sn2_pubwos(&key, p, now),
            // SN2-19: a client looking for a gateway is told this one's id, in 2.0.
            Sn2::SearchGw { .. } => {
                let info = Sn2::<&[u8]>::GwInfo {
                    gw_id: self.config.mqttsn.gw_id,
                    gw_addr: &[],
                };
                self.sn2_emit_now(&key, &info);
            }
            // Other gateways' announcements and the server's own packets are not for a
            // gateway to act on; the Protection Encapsulation needs keys this gateway does
            // not have.
            Sn2::Advertise { .. }
            | Sn2::GwInfo { .. }
            | Sn2::Protection(_)
            | Sn2::ConnAck(_)
            | Sn2::SubAck(_)
            | Sn2::UnsubAck(_)
            | Sn2::PingResp { .. }
            | Sn2::SleepResp { .. }
            | Sn2::Wakeup
            | Sn2::RegAck(_) => self.log(
                Level::Debug,
                format!(
                    "MQTT-SN 2.0 peer {}: {} ignored",
                    key.peer,
                    packet_name(&packet)
                ),
            ),
            other => {
                if !self.sn.clients.get(&key).is_some_and(SnClient::connected) {
                    // No virtual connection (0xF4, SN2-16).
                    return self.sn2_emit_now(&key, &sn2_disconnect(0xF4));
                }
                self.sn_disarm_retry(&key, super::retry::answered_by_v2(&other));
                self.sn2_connected(key, other, now)
            }
        }
    }

    /// A refused 2.0 datagram: a client with a virtual connection loses it (SN2-17).
    pub(crate) fn sn2_refused(&mut self, key: &SnKey, err: &v2::Sn2Error) {
        self.log(
            Level::Warn,
            format!("MQTT-SN 2.0 peer {}: packet refused: {err}", key.peer),
        );
        if let Some(conn) = self.sn.clients.get(key).map(|c| c.conn) {
            let code = reason(err.reason_code());
            let now = self.clock;
            self.disconnect_with(conn, code, now);
        }
    }

    fn sn2_connect(&mut self, key: SnKey, c: v2::Connect<&[u8]>, now: Millis) {
        if let Some(old) = self.sn.clients.remove(&key) {
            self.sn.by_conn.remove(&old.conn);
            self.unindex(
                old.timer,
                crate::broker::timer_index::Timer::SnRetry(old.conn),
            );
            self.detach(old.conn, now, false);
        }
        let refuse = |code: u8| {
            Sn2::<&[u8]>::ConnAck(v2::ConnAck {
                session_present: false,
                packet_id: c.packet_id,
                reason_code: code,
                session_expiry: None,
                server_keep_alive: None,
                auth: None,
                assigned_client_id: None,
            })
        };
        if c.auth.is_some() {
            // No enhanced authentication here: Bad authentication method.
            return self.sn2_emit_now(&key, &refuse(0x8C));
        }
        let will = match &c.will {
            None => None,
            Some(w) => {
                let name = match &w.topic {
                    Topic::Name(n) => Some(n.as_str().to_string()),
                    Topic::Predefined(a) => self.config.mqttsn.predefined.get(a).cloned(),
                    Topic::Alias(_) => None,
                };
                let Some(topic) = name.and_then(|n| TopicName::new(&n).ok()) else {
                    return self.sn2_emit_now(&key, &refuse(UNKNOWN_ALIAS));
                };
                let mut will = Will::new(topic, Bytes::copy_from_slice(w.payload));
                will.qos = w.qos;
                will.retain = w.retain;
                Some(will)
            }
        };
        let Ok(id) = MqttStr::new(c.client_id.as_str()) else {
            return;
        };
        let conn = self.sn.new_conn();
        self.conns
            .insert(conn, Connection::new(self.config.max_packet_size, now));
        self.index_conn(conn);
        let mut client = SnClient::new(conn, c.client_id.as_str().to_string());
        client.version = SnVersion::V2_0;
        client.address_may_change = c.address_may_change;
        client.connect_id = c.packet_id;
        client.state = SnState::Active;
        self.sn.by_conn.insert(conn, key.clone());
        self.sn.clients.insert(key.clone(), client);

        let mut connect = Connect::new(ProtocolVersion::V5, id);
        connect.clean_start = c.clean_start;
        connect.keep_alive = c.keep_alive;
        connect.will = will;
        let p = &mut connect.properties;
        p.session_expiry_interval = c.session_expiry;
        // One QoS 1 or 2 message in flight towards the client (SN2-18).
        p.receive_maximum = Some(1);
        p.maximum_packet_size = (c.max_packet_size > 0).then(|| u32::from(c.max_packet_size));
        self.handle_packet(conn, Packet::Connect(Box::new(connect)), now);
        // A client that ends up not connected was answered by the broker's CONNACK.
        if let Some(client) = self.sn.clients.get_mut(&key) {
            if !self
                .conns
                .get(&client.conn)
                .is_some_and(|c| c.phase == Phase::Connected)
            {
                client.accepted = false;
            }
        }
    }

    fn sn2_topic(&self, key: &SnKey, topic: &Topic<&[u8]>) -> Option<String> {
        match topic {
            Topic::Name(n) => Some(n.as_str().to_string()),
            Topic::Predefined(a) => self.config.mqttsn.predefined.get(a).cloned(),
            Topic::Alias(a) => self
                .sn
                .clients
                .get(key)
                .and_then(|c| c.names.get(a).cloned()),
        }
    }

    fn sn2_pubwos(&mut self, key: &SnKey, p: v2::PubWos<&[u8]>, now: Millis) {
        if let Some(name) = self.sn2_topic(key, &p.topic) {
            self.sn_publish_anonymous(&name, p.payload, p.retain, now);
        }
    }

    fn sn2_connected(&mut self, key: SnKey, packet: Sn2<&[u8]>, now: Millis) {
        let Some(conn) = self.sn.clients.get(&key).map(|c| c.conn) else {
            return;
        };
        let ack = |a: Ack| {
            PacketId::new(a.packet_id).map(|id| PubResponse {
                reason_code: reason(a.reason_code),
                ..PubResponse::new(id)
            })
        };
        match packet {
            Sn2::Publish(p) => {
                let Some(topic) = self
                    .sn2_topic(&key, &p.topic)
                    .and_then(|n| TopicName::new(&n).ok())
                else {
                    if let Some(id) = p.packet_id {
                        let answer = Sn2::<&[u8]>::PubAck(Ack {
                            packet_id: id,
                            reason_code: UNKNOWN_ALIAS,
                        });
                        self.sn2_emit_now(&key, &answer);
                    }
                    return;
                };
                let mut publish = Publish::new(topic, Bytes::copy_from_slice(p.payload));
                publish.qos = p.qos;
                publish.retain = p.retain;
                publish.dup = p.dup;
                publish.packet_id = p.packet_id.and_then(PacketId::new);
                self.handle_packet(conn, Packet::Publish(publish), now);
                self.throttle(conn);
            }
            Sn2::PubAck(a) => {
                if let Some(r) = ack(a) {
                    self.handle_packet(conn, Packet::PubAck(r), now);
                }
                // A woken client's PINGRESP may have waited for this (SN-GW-9).
                self.sn_flush(&key);
            }
            Sn2::PubRec(a) => {
                if let Some(r) = ack(a) {
                    self.handle_packet(conn, Packet::PubRec(r), now);
                }
            }
            Sn2::PubRel(a) => {
                if let Some(r) = ack(a) {
                    self.handle_packet(conn, Packet::PubRel(r), now);
                }
                // The PUBREC it answers no longer holds back the PUBLISHes towards it.
                if let Some(client) = self.sn.clients.get_mut(&key) {
                    if client.awaiting_pubrel == Some(a.packet_id) {
                        client.awaiting_pubrel = None;
                    }
                }
                self.sn_flush(&key);
            }
            Sn2::PubComp(a) => {
                if let Some(r) = ack(a) {
                    self.handle_packet(conn, Packet::PubComp(r), now);
                }
                self.sn_flush(&key);
            }
            Sn2::Register(r) => {
                let name = r.topic_name.as_str();
                let predefined = self
                    .config
                    .mqttsn
                    .predefined
                    .iter()
                    .find(|(_, t)| t.as_str() == name)
                    .map(|(a, _)| *a);
                let max_topics = self.config.mqttsn.max_topics;
                let Some(client) = self.sn.clients.get_mut(&key) else {
                    return;
                };
                // A predefined name gets no session alias beside its own: outgoing
                // PUBLISHes would use one the client was never told.
                let session_alias = match predefined {
                    Some(_) => None,
                    None => client.topic_id(name, max_topics),
                };
                let answer = match (predefined, session_alias) {
                    (Some(alias), _) => v2::RegAck {
                        packet_id: r.packet_id,
                        kind: AliasKind::Predefined,
                        alias: Some(alias),
                        reason_code: PREDEFINED_EXISTS,
                    },
                    (None, Some((alias, _))) => v2::RegAck {
                        packet_id: r.packet_id,
                        kind: AliasKind::Session,
                        alias: Some(alias),
                        reason_code: 0,
                    },
                    // Every alias is taken: Quota exceeded.
                    (None, None) => v2::RegAck {
                        packet_id: r.packet_id,
                        kind: AliasKind::Session,
                        alias: None,
                        reason_code: 0x97,
                    },
                };
                self.sn2_emit_now(&key, &Sn2::RegAck(answer));
            }
            Sn2::Subscribe(s) => {
                let Some(filter) = self
                    .sn2_topic(&key, &s.topic)
                    .and_then(|f| TopicFilter::for_version(&f, ProtocolVersion::V5).ok())
                else {
                    let answer = Sn2::<&[u8]>::SubAck(v2::SubAck {
                        packet_id: s.packet_id,
                        kind: AliasKind::Predefined,
                        alias: None,
                        reason_code: UNKNOWN_ALIAS,
                    });
                    return self.sn2_emit_now(&key, &answer);
                };
                // A name without wildcards gets a session alias the client may publish with
                // too; a wildcard filter, a shared subscription (its messages come on the
                // names it matches) or a predefined alias gets none.
                let max_topics = self.config.mqttsn.max_topics;
                let alias = match &s.topic {
                    Topic::Name(_) if !filter.has_wildcards() && filter.shared().is_none() => self
                        .sn
                        .clients
                        .get_mut(&key)
                        .and_then(|c| c.topic_id(filter.as_str(), max_topics))
                        .map_or(0, |(a, _)| a),
                    _ => 0,
                };
                if let Some(client) = self.sn.clients.get_mut(&key) {
                    client.suback_topics.insert(s.packet_id, alias);
                }
                let Some(pid) = PacketId::new(s.packet_id) else {
                    return;
                };
                let mut options = SubscriptionOptions::new(s.qos);
                options.no_local = s.no_local;
                options.retain_as_published = s.retain_as_published;
                options.retain_handling = match s.retain_handling {
                    1 => RetainHandling::SendIfNew,
                    2 => RetainHandling::DoNotSend,
                    _ => RetainHandling::SendAtSubscribe,
                };
                let subscription = Subscription { filter, options };
                self.handle_packet(
                    conn,
                    Packet::Subscribe(Subscribe::new(pid, vec![subscription])),
                    now,
                );
            }
            Sn2::Unsubscribe { packet_id, topic } => {
                let (Some(pid), Some(filter)) =
                    (PacketId::new(packet_id), self.sn2_topic(&key, &topic))
                else {
                    return;
                };
                let Ok(filter) = MqttStr::new(&filter) else {
                    return;
                };
                self.handle_packet(
                    conn,
                    Packet::Unsubscribe(Unsubscribe::new(pid, vec![filter])),
                    now,
                );
            }
            Sn2::PingReq { packet_id } => {
                let Some(client) = self.sn.clients.get_mut(&key) else {
                    return;
                };
                client.ping_id = packet_id;
                if client.state == SnState::Asleep {
                    // A PINGREQ wakes a sleeping client (SN2-14).
                    self.sn_awake(&key, conn, now);
                } else {
                    self.handle_packet(conn, Packet::PingReq, now);
                }
            }
            Sn2::SleepReq {
                retain_aliases,
                packet_id,
                duration,
            } => {
                if let Some(client) = self.sn.clients.get_mut(&key) {
                    client.state = SnState::Asleep;
                    if !retain_aliases {
                        client.names.clear();
                        client.ids.clear();
                    }
                }
                if let Some(c) = self.conns.get_mut(&conn) {
                    c.keep_alive_ms = Some(with_slack(duration));
                    c.last_seen = now;
                }
                self.index_conn(conn);
                let answer = Sn2::<&[u8]>::SleepResp {
                    packet_id,
                    duration: None,
                    reason_code: 0,
                };
                self.sn2_emit_now(&key, &answer);
            }
            Sn2::Disconnect(d) => {
                let mut disconnect = Disconnect::new(reason(d.reason_code.unwrap_or(0)));
                disconnect.properties.session_expiry_interval = d.session_expiry;
                self.handle_packet(conn, Packet::Disconnect(disconnect), now);
            }
            // No enhanced authentication here (§4.12 of MQTT 5.0, which 2.0 follows).
            Sn2::Auth(_) => self.disconnect_with(conn, ReasonCode::BadAuthenticationMethod, now),
            other => self.log(
                Level::Debug,
                format!(
                    "MQTT-SN 2.0 peer {}: {} ignored",
                    key.peer,
                    packet_name(&other)
                ),
            ),
        }
    }

    /// Encodes a 2.0 packet for `key`, wrapped for its forwarder when it has one.
    fn sn2_encode_for(&mut self, key: &SnKey, packet: &Sn2<&[u8]>) -> Option<Bytes> {
        let encoded = match packet.to_vec() {
            Ok(d) => d,
            Err(e) => {
                self.log(
                    Level::Error,
                    format!("MQTT-SN 2.0 peer {}: cannot encode: {e}", key.peer),
                );
                return None;
            }
        };
        let data = if key.node.is_empty() {
            encoded
        } else {
            Sn2::Forwarder {
                address: &key.node[..],
                packet: &encoded[..],
            }
            .to_vec()
            .ok()?
        };
        if data.len() > self.config.mqttsn.max_datagram {
            self.stats.messages_dropped += 1;
            return None;
        }
        Some(Bytes::from(data))
    }

    pub(crate) fn sn2_emit_now(&mut self, key: &SnKey, packet: &Sn2<&[u8]>) {
        if let Some(data) = self.sn2_encode_for(key, packet) {
            self.actions.push_back(Action::SendDatagram {
                peer: key.peer,
                data,
            });
        }
    }

    /// What the broker sends a 2.0 client: translated, queued behind what is held.
    pub(crate) fn sn2_send(&mut self, key: &SnKey, packet: &Packet) -> bool {
        let predefined = match packet {
            Packet::Publish(p) => self
                .config
                .mqttsn
                .predefined
                .iter()
                .find(|(_, t)| t.as_str() == p.topic.as_str())
                .map(|(a, _)| *a),
            _ => None,
        };
        let Some(client) = self.sn.clients.get_mut(key) else {
            return false;
        };
        let out: Sn2<&[u8]> = match packet {
            Packet::ConnAck(a) => {
                client.accepted = !a.reason_code.is_error();
                // The session lives under the identifier the broker assigned: the gateway
                // finds it, and the client's new address, by that one.
                if let Some(id) = &a.properties.assigned_client_identifier {
                    client.client_id = id.as_str().to_string();
                }
                Sn2::ConnAck(v2::ConnAck {
                    session_present: a.session_present,
                    packet_id: client.connect_id,
                    reason_code: a.reason_code.value(),
                    session_expiry: a.properties.session_expiry_interval,
                    server_keep_alive: a.properties.server_keep_alive,
                    auth: None,
                    assigned_client_id: a
                        .properties
                        .assigned_client_identifier
                        .as_ref()
                        .map(|id| MqttStr::from_validated(id.as_bytes())),
                })
            }
            Packet::Publish(p) => {
                // The alias the client registered or was given at SUBSCRIBE, before a
                // predefined one.
                let topic = match (client.ids.get(p.topic.as_str()), predefined) {
                    (Some(&a), _) => Topic::Alias(a),
                    (None, Some(a)) => Topic::Predefined(a),
                    (None, None) => {
                        Topic::Name(MqttStr::from_validated(p.topic.as_str().as_bytes()))
                    }
                };
                Sn2::Publish(v2::Publish {
                    // DUP is for QoS 2 only in 2.0 ([MQTT-SN-3.6.2.2.3-1]).
                    dup: p.dup && p.qos == QoS::ExactlyOnce,
                    qos: p.qos,
                    retain: p.retain,
                    topic,
                    packet_id: p.packet_id.map(|id| id.get()),
                    payload: &p.payload[..],
                })
            }
            Packet::PubAck(a) => Sn2::PubAck(ack_of(a)),
            Packet::PubRec(a) => {
                // A refusing PUBREC ends the flow: no PUBREL follows it.
                if !a.reason_code.is_error() {
                    client.awaiting_pubrel = Some(a.packet_id.get());
                }
                Sn2::PubRec(ack_of(a))
            }
            Packet::PubRel(a) => Sn2::PubRel(ack_of(a)),
            Packet::PubComp(a) => Sn2::PubComp(ack_of(a)),
            Packet::SubAck(s) => {
                let alias = client
                    .suback_topics
                    .remove(&s.packet_id.get())
                    .filter(|&a| a != 0);
                Sn2::SubAck(v2::SubAck {
                    packet_id: s.packet_id.get(),
                    kind: if alias.is_some() {
                        AliasKind::Session
                    } else {
                        AliasKind::Predefined
                    },
                    alias,
                    reason_code: s.reason_codes.first().map_or(0x80, |c| c.value()),
                })
            }
            Packet::UnsubAck(u) => Sn2::UnsubAck(Ack {
                packet_id: u.packet_id.get(),
                reason_code: u.reason_codes.first().map_or(0, |c| c.value()),
            }),
            Packet::PingResp => Sn2::PingResp {
                packet_id: client.ping_id.max(1),
                messages_remaining: None,
            },
            Packet::Disconnect(d) => Sn2::Disconnect(v2::Disconnect {
                packet_id: None,
                session_expiry: None,
                reason_code: Some(d.reason_code.value()),
                reason_string: None,
            }),
            _ => return false,
        };
        let conn = client.conn;
        let Some(data) = self.sn2_encode_for(key, &out) else {
            return false;
        };
        let limit = self
            .conns
            .get(&conn)
            .map_or(usize::MAX, |c| c.max_packet_out);
        if data.len() > limit {
            // Over the client's Maximum Packet Size (SN2-7): dropped, as for MQTT 5.0
            // ([MQTT-3.1.2-25]).
            self.stats.messages_dropped += 1;
            self.log(
                Level::Warn,
                format!(
                    "MQTT-SN 2.0 peer {}: {} octets over the client's maximum packet size",
                    key.peer,
                    data.len()
                ),
            );
            return false;
        }
        let (packet_id, expires) = match packet {
            Packet::Publish(p) => (p.packet_id.map(|id| id.get()), self.held_expiry(p)),
            _ => {
                let active = self
                    .sn
                    .clients
                    .get(key)
                    .is_some_and(|c| c.state == SnState::Active);
                if active {
                    // Not a PUBLISH: an answer (or a PUBREL) goes at once, ahead of held
                    // messages, as for 1.2.
                    self.sn_transmit(key, data);
                    return true;
                }
                (None, None)
            }
        };
        // Only a QoS 0 PUBLISH may be dropped for room.
        let droppable = matches!(packet, Packet::Publish(p) if p.packet_id.is_none());
        if droppable && !self.sn_has_room(key, 1) {
            return self.sn_dropped(key, "buffer full");
        }
        self.sn_hold(
            key,
            Held::Datagram {
                topic_id: None,
                packet_id,
                expires,
                data,
            },
        )
    }

    /// The PINGRESP that ends a 2.0 client's wake-up.
    pub(crate) fn sn2_wake_done(&mut self, key: &SnKey) {
        let ping_id = self.sn.clients.get(key).map_or(1, |c| c.ping_id.max(1));
        self.sn2_emit_now(
            key,
            &Sn2::PingResp {
                packet_id: ping_id,
                messages_remaining: Some(0),
            },
        );
    }
}

fn ack_of(a: &PubResponse) -> Ack {
    Ack {
        packet_id: a.packet_id.get(),
        reason_code: a.reason_code.value(),
    }
}

fn sn2_disconnect(code: u8) -> Sn2<&'static [u8]> {
    Sn2::Disconnect(v2::Disconnect {
        packet_id: None,
        session_expiry: None,
        reason_code: Some(code),
        reason_string: None,
    })
}

fn packet_name<B: AsRef<[u8]>>(p: &Sn2<B>) -> &'static str {
    p.packet_type().name()
}
