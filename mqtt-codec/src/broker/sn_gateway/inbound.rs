//! What the gateway does with each datagram a client sends.

use super::{with_slack, Held, PendingConnect, SnClient, SnKey, SnPeer, SnState};
use crate::broker::connection::Phase;
use crate::broker::message::Message as BrokerMessage;
use crate::broker::{Broker, Level, Millis};
use crate::packet::{
    Connect, Disconnect, Packet, PacketId, PubResponse, Publish, Subscribe, Subscription,
    Unsubscribe, Will,
};
use crate::sn::{self, Message, ReturnCode, SnOptions, SnQos, SubscribeTopic, TopicId};
use crate::topic::{TopicFilter, TopicName};
use crate::{MqttStr, ProtocolVersion, QoS, ReasonCode};
use alloc::boxed::Box;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use bytes::Bytes;

/// A topic name or id a PUBLISH or SUBSCRIBE resolved to.
enum Resolved {
    Name(String),
    Unknown,
}

impl Broker {
    /// A datagram arrived from `peer` (an MQTT-SN 1.2 message, or a forwarder's
    /// encapsulation of one). Answers come out as [`crate::broker::Action::SendDatagram`].
    pub fn datagram_received(&mut self, peer: SnPeer, data: &[u8], now: Millis) {
        self.sn_datagram_in(peer, data, now);
        self.settle_timers();
    }

    fn sn_datagram_in(&mut self, peer: SnPeer, data: &[u8], now: Millis) {
        self.clock = now;
        self.queued_live = false;
        let opts = SnOptions {
            max_client_id_len: self.config.mqttsn.max_client_id_len,
            strict_flags: false,
        };
        let key = SnKey {
            peer,
            node: alloc::vec::Vec::new(),
        };
        // An address bound to a 2.0 client speaks 2.0; any other 1.2, or 2.0 where 1.2
        // refuses the datagram (a 2.0 CONNECT, a 0xFC envelope).
        if self.sn_is_v2(&key) {
            match sn::v2::parse(data) {
                Ok(packet) => self.sn2_received(key, packet, now),
                Err(err) => self.sn2_refused(&key, &err),
            }
            return self.resume_if_drained(now);
        }
        let parsed = sn::parse_with(data, &opts);
        // A 2.0 PUBWOS has the type of a 1.2 SUBSCRIBE. From an address with no client, a
        // SUBSCRIBE could only be refused, while a PUBWOS needs no connection: it is read
        // as the PUBWOS (SN2-4).
        if matches!(parsed, Ok(Message::Subscribe(_))) && !self.sn.clients.contains_key(&key) {
            if let Ok(packet @ sn::v2::Packet::PubWos(_)) = sn::v2::parse(data) {
                self.sn2_received(key, packet, now);
                return self.resume_if_drained(now);
            }
        }
        // A 2.0 SEARCHGW without network information has the bytes of a 1.2 PINGRESP, which
        // no 1.2 client sends a gateway: from an address with no client it is the SEARCHGW
        // (SN2-19, SN2-21).
        if matches!(parsed, Ok(Message::PingResp)) && !self.sn.clients.contains_key(&key) {
            if let Ok(packet @ sn::v2::Packet::SearchGw { .. }) = sn::v2::parse(data) {
                self.sn2_received(key, packet, now);
                return self.resume_if_drained(now);
            }
        }
        if parsed.is_err() {
            // An address bound to a 1.2 client speaks 1.2 until it CONNECTs again (SN2-21):
            // its malformed datagram is not read as the 2.0 packet of the same type (a
            // 4-octet 1.2 PUBLISH is a 2.0 PINGREQ).
            let bound = self.sn.clients.contains_key(&key);
            if let Ok(packet) = sn::v2::parse(data) {
                if !bound || matches!(packet, sn::v2::Packet::Connect(_)) {
                    self.sn2_received(key, packet, now);
                    return self.resume_if_drained(now);
                }
            }
        }
        match parsed {
            Ok(Message::Encapsulated(e)) => {
                let key = SnKey {
                    peer,
                    node: e.node_id.to_vec(),
                };
                match sn::parse_with(e.message, &opts) {
                    Ok(inner) => self.sn_message(key, inner, now),
                    Err(err) => self.sn_refused(&key, &err, now),
                }
            }
            Ok(message) => self.sn_message(key, message, now),
            // The answer to a forwarded message that was refused goes back in an envelope
            // to its node (SN-ENC-2).
            Err(err) => self.sn_refused(&envelope_key(peer, data).unwrap_or(key), &err, now),
        }
        self.resume_if_drained(now);
    }

    fn sn_refused(&mut self, key: &SnKey, err: &sn::SnError, now: Millis) {
        self.log(
            Level::Warn,
            format!("MQTT-SN peer {}: datagram refused: {err}", key.peer),
        );
        if let Some(answer) = err.answer() {
            self.sn_emit_now(key, &answer);
            // A refusing CONNACK (a bad WILLTOPIC, say) ends the connection being made: its
            // prompts are not sent again, and it cannot complete after the refusal.
            let pending = self
                .sn
                .clients
                .get(key)
                .filter(|c| !c.connected())
                .map(|c| c.conn);
            if let (Message::ConnAck { .. }, Some(conn)) = (answer, pending) {
                self.detach(conn, now, false);
            }
        }
    }

    fn sn_message(&mut self, key: SnKey, message: Message<&[u8]>, now: Millis) {
        self.sn_disarm_retry(&key, super::retry::answered_by(&message));
        if let Some(conn) = self.sn.clients.get(&key).map(|c| c.conn) {
            if let Some(c) = self.conns.get_mut(&conn) {
                c.last_seen = now;
            }
            self.index_conn(conn);
        }
        match message {
            // Answered to the sender; through a forwarder, broadcast within the SEARCHGW's
            // radius (SN-GW-11, SN-ENC-2).
            Message::SearchGw { radius } => {
                let info = Message::GwInfo {
                    gw_id: self.config.mqttsn.gw_id,
                    gw_addr: &[][..],
                };
                self.sn_broadcast_now(&key, &info, radius);
            }
            // Other gateways' announcements and answers are not for a gateway.
            Message::Advertise { .. } | Message::GwInfo { .. } => {}
            Message::Connect(c) => self.sn_connect(key, c, now),
            Message::WillTopic(will) => self.sn_will_topic(key, will, now),
            Message::WillMsg { message } => self.sn_will_msg(key, message, now),
            Message::Publish(p) if p.qos == SnQos::WithoutConnection => {
                self.sn_publish_without_connection(&key, p, now)
            }
            Message::PingReq {
                client_id: Some(id),
            } => self.sn_wake(key, id.as_str(), now),
            Message::PingReq { client_id: None } if self.sn_is(&key, SnState::Asleep) => {
                let id = self.sn.clients.get(&key).map(|c| c.client_id.clone());
                self.sn_wake(key, id.as_deref().unwrap_or_default(), now)
            }
            // Everything else needs a connected client (SN-GW-14).
            other => {
                if !self.sn.clients.get(&key).is_some_and(SnClient::connected) {
                    self.log(
                        Level::Info,
                        format!(
                            "MQTT-SN peer {}: {} without a connection",
                            key.peer,
                            other.msg_type()
                        ),
                    );
                    return self.sn_not_connected(&key, now);
                }
                self.sn_connected_message(key, other, now)
            }
        }
    }

    /// A message that needs a connection came from `key`, which has none: DISCONNECT tells
    /// it so. A CONNECT still prompting for its will ends with it: the gateway does not go
    /// on waiting for a will the client no longer sends.
    fn sn_not_connected(&mut self, key: &SnKey, now: Millis) {
        if let Some(conn) = self.sn.clients.get(key).map(|c| c.conn) {
            self.disconnect_with(conn, ReasonCode::ProtocolError, now);
        }
        self.sn_emit_now(key, &Message::Disconnect { duration: None });
    }

    fn sn_is(&self, key: &SnKey, state: SnState) -> bool {
        self.sn.clients.get(key).is_some_and(|c| c.state == state)
    }

    fn sn_connected_message(&mut self, key: SnKey, message: Message<&[u8]>, now: Millis) {
        let Some(conn) = self.sn.clients.get(&key).map(|c| c.conn) else {
            return;
        };
        let id = |msg_id: u16| PacketId::new(msg_id);
        match message {
            Message::Register(r) => {
                let max_topics = self.config.mqttsn.max_topics;
                let Some(client) = self.sn.clients.get_mut(&key) else {
                    return;
                };
                let answer = match client.topic_id(r.topic_name.as_str(), max_topics) {
                    Some((topic_id, _)) => Message::RegAck {
                        topic_id,
                        msg_id: r.msg_id,
                        return_code: ReturnCode::Accepted,
                    },
                    None => Message::RegAck {
                        topic_id: 0,
                        msg_id: r.msg_id,
                        return_code: ReturnCode::Congestion,
                    },
                };
                self.sn_emit_now(&key, &answer);
            }
            Message::RegAck {
                msg_id,
                return_code,
                topic_id,
            } => self.sn_regack(&key, msg_id, topic_id, return_code, now),
            Message::Publish(p) => self.sn_publish(key, conn, p, now),
            Message::PubAck {
                topic_id,
                msg_id,
                return_code,
            } => {
                if return_code == ReturnCode::InvalidTopicId {
                    // The client lost the id: register again before the next PUBLISH.
                    self.log(
                        Level::Info,
                        format!("MQTT-SN client on peer {}: invalid topic id", key.peer),
                    );
                    if let Some(client) = self.sn.clients.get_mut(&key) {
                        if let Some(name) = client.names.remove(&topic_id) {
                            client.ids.remove(&name);
                        }
                    }
                }
                match id(msg_id) {
                    Some(pid) if return_code == ReturnCode::Accepted => {
                        self.handle_packet(conn, Packet::PubAck(PubResponse::new(pid)), now);
                    }
                    // A rejection answers a PUBLISH of any QoS, 2 included (MQTT-SN 1.2
                    // §6.7): the client refused the message and its flow ends.
                    Some(pid) => self.refused_delivery(conn, pid, now),
                    None => {}
                }
                // A woken client's PINGRESP may have waited for this (SN-GW-9).
                self.sn_flush(&key);
            }
            Message::PubRec { msg_id } => {
                if let Some(pid) = id(msg_id) {
                    self.handle_packet(conn, Packet::PubRec(PubResponse::new(pid)), now);
                }
            }
            Message::PubRel { msg_id } => {
                if let Some(pid) = id(msg_id) {
                    self.handle_packet(conn, Packet::PubRel(PubResponse::new(pid)), now);
                }
            }
            Message::PubComp { msg_id } => {
                if let Some(pid) = id(msg_id) {
                    self.handle_packet(conn, Packet::PubComp(PubResponse::new(pid)), now);
                }
                self.sn_flush(&key);
            }
            Message::Subscribe(s) => self.sn_subscribe(key, conn, s, now),
            Message::Unsubscribe { msg_id, topic } => {
                let filter = match self.sn_filter(&key, &topic) {
                    Resolved::Name(f) => f,
                    Resolved::Unknown => {
                        return self.sn_emit_now(&key, &Message::UnsubAck { msg_id });
                    }
                };
                let (Some(pid), Ok(f)) = (id(msg_id), MqttStr::new(&filter)) else {
                    return;
                };
                self.handle_packet(
                    conn,
                    Packet::Unsubscribe(Unsubscribe::new(pid, vec![f])),
                    now,
                );
            }
            Message::PingReq { .. } => self.handle_packet(conn, Packet::PingReq, now),
            Message::Disconnect { duration } => match duration {
                Some(secs) if secs > 0 => self.sn_sleep(&key, conn, secs, now),
                _ => {
                    // A normal disconnect publishes no will, but a persistent session keeps
                    // it for the next CONNECT (SN-GW-10); MQTT's DISCONNECT would drop it.
                    if let Some(client) = self.sn.clients.get(&key) {
                        let id = client.client_id.clone();
                        if let Some(will) = self
                            .sessions
                            .get(&id)
                            .filter(|s| s.expiry_secs != 0)
                            .and_then(|s| s.will.clone())
                        {
                            self.sn.kept_wills.insert(id, will);
                        }
                    }
                    self.handle_packet(
                        conn,
                        Packet::Disconnect(Disconnect::new(ReasonCode::Success)),
                        now,
                    )
                }
            },
            Message::WillTopicUpd(will) => self.sn_will_topic_update(&key, will),
            Message::WillMsgUpd { message } => self.sn_will_msg_update(&key, message),
            // Messages a gateway does not receive (CONNACK, SUBACK, the prompts, ...).
            other => self.log(
                Level::Debug,
                format!("MQTT-SN peer {}: {} ignored", key.peer, other.msg_type()),
            ),
        }
    }

    fn sn_connect(&mut self, key: SnKey, c: sn::Connect<&[u8]>, now: Millis) {
        // What is due by now first: a will kept below is one of a session still alive.
        self.run_timers(now);
        // A new CONNECT from the same address starts over: the old connection ends quietly
        // (its will is not published: the client is evidently alive). Ending it drops the
        // will, which a CleanSession 0 CONNECT without the Will flag keeps (SN-GW-2).
        let mut kept_will = None;
        let mut never_sent = alloc::collections::BTreeSet::new();
        if let Some(old) = self.sn.clients.remove(&key) {
            self.sn.by_conn.remove(&old.conn);
            if old.client_id == c.client_id.as_str() {
                never_sent = old
                    .held
                    .iter()
                    .filter_map(|h| match h {
                        Held::Datagram { packet_id, .. } => *packet_id,
                        Held::Register { .. } => None,
                    })
                    .chain(old.never_sent.iter().copied())
                    .collect();
            }
            self.unindex(
                old.timer,
                crate::broker::timer_index::Timer::SnRetry(old.conn),
            );
            if !c.clean_session && !c.will && old.client_id == c.client_id.as_str() {
                kept_will = self
                    .sessions
                    .get(&old.client_id)
                    .filter(|s| s.expiry_secs != 0)
                    .and_then(|s| s.will.clone());
            }
            self.detach(old.conn, now, false);
        }
        let conn = self.sn.new_conn();
        self.conns.insert(
            conn,
            crate::broker::connection::Connection::new(self.config.max_packet_size, now),
        );
        self.index_conn(conn);
        let mut client = SnClient::new(conn, c.client_id.as_str().to_string());
        client.never_sent = never_sent;
        client.pending = Some(PendingConnect {
            clean_session: c.clean_session,
            will_flag: c.will,
            duration: c.duration,
            will_topic: None,
            kept_will,
        });
        client.state = SnState::AwaitWillTopic;
        self.sn.by_conn.insert(conn, key.clone());
        self.sn.clients.insert(key.clone(), client);
        if c.will {
            self.sn_emit_now(&key, &Message::WillTopicReq);
        } else {
            self.sn_finish_connect(&key, None, now);
        }
    }

    fn sn_will_topic(&mut self, key: SnKey, will: Option<sn::WillTopic<&[u8]>>, now: Millis) {
        let Some(client) = self.sn.clients.get_mut(&key) else {
            return;
        };
        if client.state != SnState::AwaitWillTopic {
            return;
        }
        match will {
            // The empty form: no will (SN-GW-1), CONNACK at once.
            None => self.sn_finish_connect(&key, None, now),
            Some(w) => {
                if let Some(p) = client.pending.as_mut() {
                    p.will_topic = Some((w.topic.as_str().to_string(), w.qos.to_mqtt(), w.retain));
                }
                client.state = SnState::AwaitWillMsg;
                self.sn_emit_now(&key, &Message::WillMsgReq);
            }
        }
    }

    fn sn_will_msg(&mut self, key: SnKey, message: &[u8], now: Millis) {
        if !self.sn_is(&key, SnState::AwaitWillMsg) {
            return;
        }
        self.sn_finish_connect(&key, Some(Bytes::copy_from_slice(message)), now);
    }

    /// Hands the CONNECT to the broker as an MQTT 3.1.1 one; its CONNACK comes back through
    /// the translation of what the broker sends.
    fn sn_finish_connect(&mut self, key: &SnKey, will_msg: Option<Bytes>, now: Millis) {
        let Some(client) = self.sn.clients.get_mut(key) else {
            return;
        };
        let Some(pending) = client.pending.take() else {
            return;
        };
        let conn = client.conn;
        let client_id = client.client_id.clone();
        // What the broker answers now goes out at once (CONNACK).
        client.state = SnState::Active;
        let Ok(id) = MqttStr::new(&client_id) else {
            return;
        };
        let mut connect = Connect::new(ProtocolVersion::V3_1_1, id);
        connect.clean_start = pending.clean_session;
        connect.keep_alive = pending.duration;
        if let (Some((topic, qos, retain)), Some(payload)) = (&pending.will_topic, will_msg) {
            if let Ok(topic) = TopicName::new(topic) {
                let mut will = Will::new(topic, payload);
                will.qos = *qos;
                will.retain = *retain;
                connect.will = Some(will);
            }
        }
        // What is due by now first, as for any CONNECT (see `accept_connect`): a session
        // that expired takes its kept will with it rather than handing it to the new one.
        self.run_timers(now);
        // CleanSession 0 without the Will flag keeps the will the session had (SN-GW-2).
        let stashed = self.sn.kept_wills.remove(&client_id);
        let kept_will = match (pending.clean_session, pending.will_flag) {
            (false, false) => pending
                .kept_will
                .clone()
                .or_else(|| self.sessions.get(&client_id).and_then(|s| s.will.clone()))
                .or(stashed),
            _ => None,
        };
        self.handle_packet(conn, Packet::Connect(Box::new(connect)), now);
        let connected = self
            .conns
            .get(&conn)
            .is_some_and(|c| c.phase == Phase::Connected);
        if !connected {
            return;
        }
        let expiry = self.kept_expiry(u32::MAX);
        if let Some(session) = self.sessions.get_mut(&client_id) {
            // An MQTT-SN session outlives the connection whatever CleanSession said:
            // CleanSession 1 clears it at CONNECT (done above, as MQTT's clean session),
            // and the subscriptions and will then stay until the client removes them or
            // connects with CleanSession 1 again (SN-GW-2, SN-GW-10), through a sleep or a
            // DISCONNECT alike (within the operator's limit on session lifetimes).
            session.expiry_secs = expiry;
            if kept_will.is_some() {
                session.will = kept_will;
            }
        }
        if let Some(c) = self.conns.get_mut(&conn) {
            // (One QoS 1 or 2 message in flight towards the client, SN-GW-13: set by the
            // broker's CONNECT handling, before a resumed session's messages go out.)
            c.keep_alive_ms =
                (pending.duration > 0).then(|| with_slack(u32::from(pending.duration)));
        }
        self.index_conn(conn);
    }

    /// DISCONNECT with a duration: the client sleeps; the keep-alive timer becomes the sleep
    /// timer (SN-GW-9).
    fn sn_sleep(&mut self, key: &SnKey, conn: crate::broker::ConnId, secs: u16, now: Millis) {
        if let Some(client) = self.sn.clients.get_mut(key) {
            client.state = SnState::Asleep;
        }
        if let Some(c) = self.conns.get_mut(&conn) {
            c.keep_alive_ms = Some(with_slack(u32::from(secs)));
            c.last_seen = now;
        }
        // The sleep may be shorter than the keep alive.
        self.index_conn(conn);
        self.log(
            Level::Info,
            format!("MQTT-SN client on peer {} sleeps for {secs} s", key.peer),
        );
        self.sn_emit_now(key, &Message::Disconnect { duration: None });
    }

    /// PINGREQ with a ClientId: a sleeping client wakes, receives what waited, then PINGRESP
    /// and it sleeps again (SN-GW-9).
    fn sn_wake(&mut self, key: SnKey, client_id: &str, now: Millis) {
        let old_key = match self.sn.key_of(client_id) {
            Some(k) => k,
            // Nobody of that name is here: from a connected client, its own PINGREQ
            // (answering DISCONNECT would tell it its connection ended, which it has not);
            // from anyone else, DISCONNECT (SN-PNG-1).
            None => {
                return match self.sn.clients.get(&key).filter(|c| c.connected()) {
                    Some(c) if c.state == SnState::Active => {
                        let conn = c.conn;
                        self.handle_packet(conn, Packet::PingReq, now)
                    }
                    _ => self.sn_emit_now(&key, &Message::Disconnect { duration: None }),
                };
            }
        };
        // The client may wake on another address, if it sleeps and the address is free: a
        // PINGREQ naming a client that is awake, or from the address of another client, is
        // no wake-up and moves nobody (SN-PNG-1).
        let sleeping = self
            .sn
            .clients
            .get(&old_key)
            .is_some_and(|c| matches!(c.state, SnState::Asleep | SnState::Awake));
        if old_key != key && (!sleeping || self.sn.clients.contains_key(&key)) {
            self.log(
                Level::Info,
                format!(
                    "MQTT-SN peer {}: PINGREQ for client {client_id}, which is not asleep there",
                    key.peer
                ),
            );
            return match self.sn.clients.get(&key).filter(|c| c.connected()) {
                Some(c) if !sleeping || c.client_id != client_id => {
                    let conn = c.conn;
                    self.handle_packet(conn, Packet::PingReq, now)
                }
                _ => self.sn_emit_now(&key, &Message::Disconnect { duration: None }),
            };
        }
        if old_key != key {
            if let Some(client) = self.sn.clients.remove(&old_key) {
                self.sn.by_conn.insert(client.conn, key.clone());
                self.sn.clients.insert(key.clone(), client);
            }
        }
        let Some(client) = self.sn.clients.get_mut(&key) else {
            return;
        };
        let conn = client.conn;
        match client.state {
            // Not asleep: an ordinary PINGREQ.
            SnState::Active => return self.handle_packet(conn, Packet::PingReq, now),
            // Still prompted for its will: not connected (as for any message that needs
            // a connection).
            SnState::AwaitWillTopic | SnState::AwaitWillMsg => {
                return self.sn_not_connected(&key, now);
            }
            SnState::Asleep | SnState::Awake => {}
        }
        self.sn_awake(&key, conn, now);
    }

    /// The sleeping client at `key` (on `conn`) is awake (1.2 and 2.0): what it left
    /// unanswered (sent before it slept, or on a wake it slept again from without
    /// answering) goes again first, DUP set, as a retransmission (SN-GW-12); then what
    /// waited for it, and the PINGRESP once those flows are over (`sn_flush`).
    pub(super) fn sn_awake(&mut self, key: &SnKey, conn: crate::broker::ConnId, now: Millis) {
        let Some(client) = self.sn.clients.get_mut(key) else {
            return;
        };
        client.state = SnState::Awake;
        for r in client.retries.iter_mut() {
            r.due = now;
        }
        if let Some(c) = self.conns.get_mut(&conn) {
            c.last_seen = now;
        }
        // Awake, its retransmissions count again.
        self.index_conn(conn);
        self.index_sn_retry(conn);
        self.sn_retry_tick(now);
        self.sn_flush(key);
    }

    fn sn_regack(
        &mut self,
        key: &SnKey,
        msg_id: u16,
        topic_id: u16,
        code: ReturnCode,
        now: Millis,
    ) {
        let Some(client) = self.sn.clients.get_mut(key) else {
            return;
        };
        if client.awaiting_regack != Some(msg_id) {
            return;
        }
        client.awaiting_regack = None;
        if !code.is_accepted() {
            // Refused: the messages on that name are not delivered (§6.10). Those of QoS 1
            // and 2 leave the session's in-flight window as if delivered (as one too large
            // for a client does), or the window of one (SN-GW-13) would stay full.
            if let Some(name) = client.names.remove(&topic_id) {
                client.ids.remove(&name);
                client.refused_names.insert(name);
            }
            let mut dropped = 0;
            let mut released = alloc::vec::Vec::new();
            client.held.retain(|h| match h {
                Held::Datagram {
                    topic_id: Some(t),
                    packet_id,
                    ..
                } if *t == topic_id => {
                    dropped += 1;
                    released.extend(*packet_id);
                    false
                }
                _ => true,
            });
            let client_id = client.client_id.clone();
            self.stats.messages_dropped += dropped;
            if let Some(session) = self.sessions.get_mut(&client_id) {
                for id in &released {
                    session.inflight.remove(id);
                }
            }
            if !released.is_empty() {
                self.drain_queue(&client_id, now);
            }
        }
        self.sn_flush(key);
    }

    /// What a PUBLISH's topic id stands for.
    fn sn_topic_name(&self, key: &SnKey, topic: TopicId) -> Resolved {
        let name = match topic {
            TopicId::Normal(id) => self
                .sn
                .clients
                .get(key)
                .and_then(|c| c.names.get(&id).cloned()),
            TopicId::Predefined(id) => self.config.mqttsn.predefined.get(&id).cloned(),
            TopicId::Short(name) => core::str::from_utf8(&name).ok().map(String::from),
        };
        name.map_or(Resolved::Unknown, Resolved::Name)
    }

    /// What a SUBSCRIBE or UNSUBSCRIBE names.
    fn sn_filter(&self, _key: &SnKey, topic: &SubscribeTopic<&[u8]>) -> Resolved {
        match topic {
            SubscribeTopic::Name(name) => Resolved::Name(name.as_str().to_string()),
            SubscribeTopic::Predefined(id) => self
                .config
                .mqttsn
                .predefined
                .get(id)
                .cloned()
                .map_or(Resolved::Unknown, Resolved::Name),
            SubscribeTopic::Short(name) => core::str::from_utf8(name)
                .ok()
                .map_or(Resolved::Unknown, |s| Resolved::Name(s.to_string())),
        }
    }

    fn sn_publish(
        &mut self,
        key: SnKey,
        conn: crate::broker::ConnId,
        p: sn::Publish<&[u8]>,
        now: Millis,
    ) {
        let topic_field = u16::from_be_bytes(p.topic.field());
        let name = match self.sn_topic_name(&key, p.topic) {
            Resolved::Name(n) => n,
            // An unknown id is answered at any QoS (SN-PUB-4).
            Resolved::Unknown => {
                let answer = Message::PubAck {
                    topic_id: topic_field,
                    msg_id: p.msg_id,
                    return_code: ReturnCode::InvalidTopicId,
                };
                return self.sn_emit_now(&key, &answer);
            }
        };
        let Ok(topic) = TopicName::new(&name) else {
            return;
        };
        let qos = p.qos.to_mqtt();
        if qos > self.config.max_qos {
            // Refused with the answer MQTT-SN has for it, which ends a flow of any QoS
            // (§6.7), rather than the MQTT server's DISCONNECT 0x9B: the client keeps its
            // connection and can publish at a QoS the gateway takes.
            let answer = Message::PubAck {
                topic_id: topic_field,
                msg_id: p.msg_id,
                return_code: ReturnCode::NotSupported,
            };
            return self.sn_emit_now(&key, &answer);
        }
        let mut publish = Publish::new(topic, Bytes::copy_from_slice(p.data));
        publish.qos = qos;
        publish.retain = p.retain;
        publish.dup = p.dup;
        if qos != QoS::AtMostOnce {
            publish.packet_id = PacketId::new(p.msg_id);
            if let Some(client) = self.sn.clients.get_mut(&key) {
                client.puback_topics.insert(p.msg_id, topic_field);
            }
        }
        self.handle_packet(conn, Packet::Publish(publish), now);
        self.throttle(conn);
    }

    /// QoS −1: published at QoS 0 for an anonymous client, from any address (SN-GW-7).
    fn sn_publish_without_connection(&mut self, key: &SnKey, p: sn::Publish<&[u8]>, now: Millis) {
        let Resolved::Name(name) = self.sn_topic_name(key, p.topic) else {
            return self.log(
                Level::Info,
                format!(
                    "MQTT-SN peer {}: QoS -1 PUBLISH to an unknown topic",
                    key.peer
                ),
            );
        };
        if !self.sn_publish_anonymous(&name, p.data, p.retain, now) {
            self.log(
                Level::Warn,
                format!("MQTT-SN peer {}: QoS -1 PUBLISH to {name} denied", key.peer),
            );
        }
    }

    /// Publishes at QoS 0 for an anonymous client without a session (1.2's QoS −1, 2.0's
    /// PUBWOS), as the ACL and `allow_anonymous` permit (and `retain_available`, for a
    /// retained one); false when refused.
    pub(crate) fn sn_publish_anonymous(
        &mut self,
        name: &str,
        data: &[u8],
        retain: bool,
        now: Millis,
    ) -> bool {
        let Ok(topic) = TopicName::new(name) else {
            return false;
        };
        let allowed = self.config.allow_anonymous
            && (self.config.retain_available || !retain)
            && !crate::broker::is_broker_topic(name)
            && self
                .config
                .acl
                .as_ref()
                .map_or(true, |acl| acl.can_publish(None, "", name));
        if !allowed {
            return false;
        }
        self.stats.messages_received += 1;
        let mut publish = Publish::new(topic.clone(), Bytes::copy_from_slice(data));
        publish.retain = retain;
        let message = BrokerMessage::from_publish(&publish, topic, "", now);
        self.route(message, now);
        true
    }

    fn sn_subscribe(
        &mut self,
        key: SnKey,
        conn: crate::broker::ConnId,
        s: sn::Subscribe<&[u8]>,
        now: Millis,
    ) {
        let filter = match self.sn_filter(&key, &s.topic) {
            Resolved::Name(f) => f,
            Resolved::Unknown => {
                let answer = Message::SubAck {
                    qos: SnQos::AtMostOnce,
                    topic_id: 0,
                    msg_id: s.msg_id,
                    return_code: ReturnCode::InvalidTopicId,
                };
                return self.sn_emit_now(&key, &answer);
            }
        };
        let Ok(topic_filter) = TopicFilter::for_version(&filter, ProtocolVersion::V3_1_1) else {
            let answer = Message::SubAck {
                qos: SnQos::AtMostOnce,
                topic_id: 0,
                msg_id: s.msg_id,
                return_code: ReturnCode::NotSupported,
            };
            return self.sn_emit_now(&key, &answer);
        };
        // The SUBACK's topic id: a name without wildcards is registered now, so that the
        // client can publish with it too; a wildcard filter, a shared subscription or a
        // short name has none, a predefined id is itself (SN-SUB-2).
        let max_topics = self.config.mqttsn.max_topics;
        let Some(client) = self.sn.clients.get_mut(&key) else {
            return;
        };
        // Subscribing again takes back the refusal of the names the filter matches.
        client
            .refused_names
            .retain(|name| !crate::topic::topic_matches(&filter, name));
        let reported = match &s.topic {
            SubscribeTopic::Name(_)
                if !topic_filter.has_wildcards() && topic_filter.shared().is_none() =>
            {
                match client.topic_id(&filter, max_topics) {
                    Some((id, _)) => id,
                    // The client's topic table is full: its messages could never be
                    // delivered, so the subscription is refused (SN-GW-4).
                    None => {
                        let answer = Message::SubAck {
                            qos: SnQos::AtMostOnce,
                            topic_id: 0,
                            msg_id: s.msg_id,
                            return_code: ReturnCode::Congestion,
                        };
                        return self.sn_emit_now(&key, &answer);
                    }
                }
            }
            SubscribeTopic::Name(_) => 0,
            SubscribeTopic::Predefined(id) => *id,
            SubscribeTopic::Short(_) => {
                client.short_names.insert(filter.clone());
                0
            }
        };
        client.suback_topics.insert(s.msg_id, reported);
        let Some(pid) = PacketId::new(s.msg_id) else {
            return;
        };
        let subscribe = Subscribe::new(pid, vec![Subscription::new(topic_filter, s.qos.to_mqtt())]);
        self.handle_packet(conn, Packet::Subscribe(subscribe), now);
    }

    fn sn_will_topic_update(&mut self, key: &SnKey, will: Option<sn::WillTopic<&[u8]>>) {
        let Some(client) = self.sn.clients.get_mut(key) else {
            return;
        };
        let client_id = client.client_id.clone();
        let pending_msg = client.pending_will_msg.take();
        let username = self
            .conns
            .get(&client.conn)
            .and_then(|c| c.username.clone());
        let code = match will {
            // The empty form deletes the topic and the message (SN-WIL-1).
            None => {
                if let Some(session) = self.sessions.get_mut(&client_id) {
                    session.will = None;
                }
                ReturnCode::Accepted
            }
            Some(w) => {
                let qos = w.qos.to_mqtt();
                let denied = qos > self.config.max_qos
                    || (w.retain && !self.config.retain_available)
                    || self.config.acl.as_ref().is_some_and(|acl| {
                        !acl.can_publish(username.as_deref(), &client_id, w.topic.as_str())
                    });
                match (
                    TopicName::new(w.topic.as_str()),
                    self.sessions.get_mut(&client_id),
                ) {
                    (Ok(topic), Some(session)) if !denied => {
                        let payload = session
                            .will
                            .as_ref()
                            .map(|m| m.payload.clone())
                            .or(pending_msg)
                            .unwrap_or_default();
                        let mut will = Will::new(topic, payload);
                        will.qos = qos;
                        will.retain = w.retain;
                        session.will = Some(BrokerMessage::from_will(&will, &client_id));
                        ReturnCode::Accepted
                    }
                    _ => ReturnCode::NotSupported,
                }
            }
        };
        self.sn_emit_now(key, &Message::WillTopicResp { return_code: code });
    }

    fn sn_will_msg_update(&mut self, key: &SnKey, message: &[u8]) {
        let Some(client) = self.sn.clients.get_mut(key) else {
            return;
        };
        let payload = Bytes::copy_from_slice(message);
        match self
            .sessions
            .get_mut(&client.client_id)
            .and_then(|s| s.will.as_mut())
        {
            Some(will) => will.payload = payload,
            // The updates are independent (SN-GW-3): the message waits for a topic.
            None => client.pending_will_msg = Some(payload),
        }
        self.sn_emit_now(
            key,
            &Message::WillMsgResp {
                return_code: ReturnCode::Accepted,
            },
        );
    }
}

/// The node an encapsulated datagram comes from (its envelope read alone, the inner
/// message left unread): `None` for any other datagram.
fn envelope_key(peer: SnPeer, data: &[u8]) -> Option<SnKey> {
    match data {
        // The one-octet Length form (the parser refuses the other for an envelope).
        [len, 0xFE, _ctrl, ..] if *len != 0x01 => Some(SnKey {
            peer,
            node: data.get(3..usize::from(*len))?.to_vec(),
        }),
        _ => None,
    }
}
