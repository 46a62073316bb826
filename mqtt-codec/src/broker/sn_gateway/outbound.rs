//! What the broker sends a gateway client, as datagrams: each MQTT packet translated, topic
//! names turned into ids, held while a REGISTER is unacknowledged or the client sleeps.

use super::{Held, SnKey, SnState};
use crate::broker::{Action, Broker, ConnId, Level, Millis};
use crate::packet::{Packet, Publish};
use crate::sn::{Encapsulated, Message, ReturnCode, SnQos, TopicId};
use crate::ReasonCode;
use alloc::format;
use bytes::Bytes;

/// The MQTT-SN return code of a CONNACK's reason.
fn connack_code(reason: ReasonCode) -> ReturnCode {
    match reason {
        ReasonCode::Success => ReturnCode::Accepted,
        ReasonCode::ServerUnavailable | ReasonCode::ServerBusy | ReasonCode::QuotaExceeded => {
            ReturnCode::Congestion
        }
        _ => ReturnCode::NotSupported,
    }
}

impl Broker {
    /// The datagram of `message` for the client at `key`: wrapped for its forwarder when it
    /// has one (§5.5). `None` when it cannot be encoded or is larger than the network takes
    /// (SN-GW-14).
    fn sn_datagram(&mut self, key: &SnKey, message: &Message<&[u8]>) -> Option<Bytes> {
        self.sn_datagram_within(key, message, 0)
    }

    /// [`Broker::sn_datagram`], to be broadcast by a forwarder within `radius` hops (its
    /// envelope's Ctrl bits 1-0, SN-ENC-2; 0 for one node).
    fn sn_datagram_within(
        &mut self,
        key: &SnKey,
        message: &Message<&[u8]>,
        radius: u8,
    ) -> Option<Bytes> {
        let encoded = match message.to_vec() {
            Ok(data) => data,
            Err(e) => {
                self.log(
                    Level::Error,
                    format!(
                        "MQTT-SN peer {}: cannot encode {}: {e}",
                        key.peer,
                        message.msg_type()
                    ),
                );
                return None;
            }
        };
        let data = if key.node.is_empty() {
            encoded
        } else {
            let wrapped = Message::Encapsulated(Encapsulated {
                radius,
                node_id: &key.node[..],
                message: &encoded[..],
            });
            wrapped.to_vec().ok()?
        };
        if data.len() > self.config.mqttsn.max_datagram {
            self.stats.messages_dropped += 1;
            self.log(
                Level::Warn,
                format!(
                    "MQTT-SN peer {}: {} of {} octets is over the network's {}",
                    key.peer,
                    message.msg_type(),
                    data.len(),
                    self.config.mqttsn.max_datagram
                ),
            );
            return None;
        }
        Some(Bytes::from(data))
    }

    /// Sends `message` to `key` at once, past anything held (answers to what the client
    /// just sent).
    pub(crate) fn sn_emit_now(&mut self, key: &SnKey, message: &Message<&[u8]>) {
        self.sn_broadcast_now(key, message, 0);
    }

    /// [`Broker::sn_emit_now`] of a broadcast answer: a forwarder passes it on within
    /// `radius` hops (the radius of what it answers; the envelope holds 0 to 3).
    pub(crate) fn sn_broadcast_now(&mut self, key: &SnKey, message: &Message<&[u8]>, radius: u8) {
        if let Some(data) = self.sn_datagram_within(key, message, radius.min(0b11)) {
            self.sn_transmit(key, data);
        }
    }

    /// Sends the datagram `data` to `key`, to be sent again if it waits for an answer that
    /// does not come (SN-GW-12).
    pub(crate) fn sn_transmit(&mut self, key: &SnKey, data: Bytes) {
        self.sn_arm_retry(key, &data);
        self.actions.push_back(Action::SendDatagram {
            peer: key.peer,
            data,
        });
    }

    /// The broker sends `packet` to the gateway client on `conn`: translated and queued
    /// behind what is held. False when it was not sent (see [`Broker::send`]).
    pub(crate) fn sn_send(&mut self, conn: ConnId, packet: &Packet) -> bool {
        let Some(key) = self.sn.by_conn.get(&conn).cloned() else {
            return false;
        };
        if self.sn_is_v2(&key) {
            return self.sn2_send(&key, packet);
        }
        let Some(client) = self.sn.clients.get_mut(&key) else {
            return false;
        };
        let message: Message<&[u8]> = match packet {
            Packet::ConnAck(a) => {
                client.accepted = !a.reason_code.is_error();
                Message::ConnAck {
                    return_code: connack_code(a.reason_code),
                }
            }
            Packet::Publish(p) => return self.sn_publish_out(&key, p),
            Packet::PubAck(a) => Message::PubAck {
                topic_id: client.puback_topics.remove(&a.packet_id.get()).unwrap_or(0),
                msg_id: a.packet_id.get(),
                return_code: ReturnCode::Accepted,
            },
            Packet::PubRec(a) => Message::PubRec {
                msg_id: a.packet_id.get(),
            },
            Packet::PubRel(a) => Message::PubRel {
                msg_id: a.packet_id.get(),
            },
            Packet::PubComp(a) => Message::PubComp {
                msg_id: a.packet_id.get(),
            },
            Packet::SubAck(s) => {
                let code = s
                    .reason_codes
                    .first()
                    .copied()
                    .unwrap_or(ReasonCode::UnspecifiedError);
                let (qos, return_code) = match code {
                    ReasonCode::Success => (SnQos::AtMostOnce, ReturnCode::Accepted),
                    ReasonCode::GrantedQoS1 => (SnQos::AtLeastOnce, ReturnCode::Accepted),
                    ReasonCode::GrantedQoS2 => (SnQos::ExactlyOnce, ReturnCode::Accepted),
                    _ => (SnQos::AtMostOnce, ReturnCode::NotSupported),
                };
                Message::SubAck {
                    qos,
                    topic_id: client.suback_topics.remove(&s.packet_id.get()).unwrap_or(0),
                    msg_id: s.packet_id.get(),
                    return_code,
                }
            }
            Packet::UnsubAck(u) => Message::UnsubAck {
                msg_id: u.packet_id.get(),
            },
            Packet::PingResp => Message::PingResp,
            // A 3.1.1 connection is sent nothing else.
            _ => return false,
        };
        if client.state == SnState::Active {
            // An answer to what the client sent (or a PUBREL) waits for nothing: only the
            // PUBLISHes behind a REGISTER need its REGACK first. Held behind it, a lost
            // REGISTER kept the client's PINGREQs and PUBLISHes unanswered for as long as
            // its retransmissions took (SN-GW-8, SN-PUB-5).
            self.sn_emit_now(&key, &message);
            return true;
        }
        let Some(data) = self.sn_datagram(&key, &message) else {
            return false;
        };
        // An answer is part of a flow the client started: never dropped for room.
        self.sn_hold(
            &key,
            Held::Datagram {
                topic_id: None,
                packet_id: None,
                expires: None,
                data,
            },
        )
    }

    /// A PUBLISH towards a client: a short name when it subscribed with it, a predefined id
    /// when the topic has one, else a registered id, registered first if new (SN-GW-5,
    /// SN-GW-6).
    fn sn_publish_out(&mut self, key: &SnKey, p: &Publish) -> bool {
        let name = p.topic.as_str();
        let predefined = self
            .config
            .mqttsn
            .predefined
            .iter()
            .find(|(_, t)| t.as_str() == name)
            .map(|(id, _)| *id);
        let max_topics = self.config.mqttsn.max_topics;
        let Some(client) = self.sn.clients.get_mut(key) else {
            return false;
        };
        if client.refused_names.contains(name) {
            // The client refused the name's REGISTER: not delivered, as one too large for
            // it is not.
            self.stats.messages_dropped += 1;
            return false;
        }
        // The first transmission to this client of a message the session resends.
        let dup = match p.packet_id {
            Some(id) => p.dup && !client.never_sent.remove(&id.get()),
            None => false,
        };
        let mut register = None;
        let topic = if name.len() == 2 && client.short_names.contains(name) {
            let b = name.as_bytes();
            TopicId::Short([b[0], b[1]])
        } else if let Some(&id) = client.ids.get(name) {
            // The id its SUBACK or REGACK gave the client, even for a topic that also has a
            // predefined one (SN-SUB-2).
            TopicId::Normal(id)
        } else if let Some(id) = predefined {
            TopicId::Predefined(id)
        } else {
            match client.topic_id(name, max_topics) {
                Some((id, new)) => {
                    if new {
                        register = Some((client.msg_id(), id));
                    }
                    TopicId::Normal(id)
                }
                None => return self.sn_dropped(key, "topic table full"),
            }
        };
        let message = Message::Publish(crate::sn::Publish {
            dup,
            qos: SnQos::from(p.qos),
            retain: p.retain,
            topic,
            msg_id: p.packet_id.map_or(0, |id| id.get()),
            data: &p.payload[..],
        });
        // The id is kept only once its REGISTER and the PUBLISH are sure to be sent: one
        // recorded for a PUBLISH dropped here would go out later unregistered (SN-GW-5).
        let Some(data) = self.sn_datagram(key, &message) else {
            return self.sn_unregister(key, name, register);
        };
        let reg_data = match register {
            Some((msg_id, topic_id)) => {
                let reg = Message::Register(crate::sn::Register {
                    topic_id,
                    msg_id,
                    topic_name: crate::MqttStr::from_validated(p.topic.as_mqtt_str().as_bytes()),
                });
                let Some(reg_data) = self.sn_datagram(key, &reg) else {
                    return self.sn_unregister(key, name, register);
                };
                Some((msg_id, reg_data))
            }
            None => None,
        };
        // A QoS 0 message is dropped when a sleeping client's buffer is full; a QoS 1 or 2
        // one is in flight in the session (one at a time, SN-GW-13) and always waits.
        let qos0 = p.packet_id.is_none();
        let needed = 1 + usize::from(reg_data.is_some());
        if qos0 && !self.sn_has_room(key, needed) {
            self.sn_unregister(key, name, register);
            return self.sn_dropped(key, "buffer full");
        }
        if let Some((msg_id, data)) = reg_data {
            self.sn_hold(key, Held::Register { msg_id, data });
        }
        let topic_id = match topic {
            TopicId::Normal(id) => Some(id),
            _ => None,
        };
        let packet_id = p.packet_id.map(|id| id.get());
        let expires = self.held_expiry(p);
        self.sn_hold(
            key,
            Held::Datagram {
                topic_id,
                packet_id,
                expires,
                data,
            },
        )
    }

    /// Forgets the id just assigned to `name` for a REGISTER that will not be sent
    /// (`register`, when one was to be); false, for the PUBLISH not sent either.
    fn sn_unregister(&mut self, key: &SnKey, name: &str, register: Option<(u16, u16)>) -> bool {
        if let (Some((_, id)), Some(client)) = (register, self.sn.clients.get_mut(key)) {
            client.forget_topic(name, id);
        }
        false
    }

    /// True when a sleeping client's buffer has room for `needed` more items.
    pub(crate) fn sn_has_room(&self, key: &SnKey, needed: usize) -> bool {
        let max = self.config.mqttsn.max_sleep_buffer;
        self.sn
            .clients
            .get(key)
            .is_some_and(|c| c.held.len().saturating_add(needed) <= max)
    }

    /// A message not delivered to the client at `key`, for `why`: counted and logged;
    /// false, for the message not sent.
    pub(crate) fn sn_dropped(&mut self, key: &SnKey, why: &str) -> bool {
        let id = self
            .sn
            .clients
            .get(key)
            .map(|c| c.client_id.clone())
            .unwrap_or_default();
        self.stats.messages_dropped += 1;
        self.log(
            Level::Warn,
            format!("MQTT-SN client {id}: {why}, message dropped"),
        );
        false
    }

    /// When a QoS 0 `p` held for a sleeping client expires. (A QoS 1 or 2 one is in flight
    /// in the session, which must see its flow through once started.)
    pub(crate) fn held_expiry(&self, p: &Publish) -> Option<Millis> {
        let secs = p.properties.message_expiry_interval?;
        (p.packet_id.is_none()).then(|| self.clock.saturating_add(u64::from(secs) * 1000))
    }

    /// Queues `item` for the client and sends what may go now; false when there is no such
    /// client. It is never dropped here: a caller that may drop a QoS 0 PUBLISH for want of
    /// room checks `sn_has_room` first (answers and QoS 1 and 2 flows, bounded by the
    /// session's window, always wait).
    pub(crate) fn sn_hold(&mut self, key: &SnKey, item: Held) -> bool {
        let Some(client) = self.sn.clients.get_mut(key) else {
            return false;
        };
        client.held.push_back(item);
        self.sn_flush(key);
        true
    }

    /// Sends what is held, up to a REGISTER awaiting its REGACK; nothing while the client
    /// sleeps. A client woken by PINGREQ gets its PINGRESP once nothing is left, and sleeps
    /// again (SN-GW-9).
    pub(crate) fn sn_flush(&mut self, key: &SnKey) {
        loop {
            let now = self.clock;
            let Some(client) = self.sn.clients.get_mut(key) else {
                return;
            };
            // One request per direction (SN2-18): a QoS 1 or 2 PUBLISH waits for the PUBREL
            // of the gateway's PUBREC.
            let publish_waits = client.awaiting_pubrel.is_some()
                && matches!(
                    client.held.front(),
                    Some(Held::Datagram {
                        packet_id: Some(_),
                        ..
                    })
                );
            if !matches!(client.state, SnState::Active | SnState::Awake)
                || client.awaiting_regack.is_some()
                || publish_waits
            {
                return;
            }
            let data = match client.held.pop_front() {
                Some(Held::Register { msg_id, data, .. }) => {
                    client.awaiting_regack = Some(msg_id);
                    data
                }
                Some(Held::Datagram { expires, data, .. }) => {
                    if expires.is_some_and(|at| at <= now) {
                        self.stats.messages_dropped += 1;
                        continue;
                    }
                    data
                }
                None => {
                    if client.state == SnState::Awake {
                        // What the session still queues behind the one message in flight
                        // (SN-GW-13) comes as the client acknowledges, and the flows sent
                        // finish first (their answers are retransmitted for): PINGRESP
                        // sends the client back to sleep, where it answers nothing.
                        if !client.retries.is_empty()
                            || self
                                .sessions
                                .get(&client.client_id)
                                .is_some_and(|s| !s.queue.is_empty())
                        {
                            return;
                        }
                        client.state = SnState::Asleep;
                        let conn = client.conn;
                        if let Some(c) = self.conns.get_mut(&conn) {
                            c.last_seen = now;
                        }
                        self.index_conn(conn);
                        if self.sn_is_v2(key) {
                            self.sn2_wake_done(key);
                        } else {
                            self.sn_emit_now(key, &Message::<&[u8]>::PingResp);
                        }
                    }
                    return;
                }
            };
            self.sn_transmit(key, data);
        }
    }

    /// The broker ends the gateway client on `conn` (keep alive or sleep ran out, a
    /// takeover, its DISCONNECT): a connected client is told with DISCONNECT (SN-DIS-1) and
    /// forgotten.
    pub(crate) fn sn_closed(&mut self, conn: ConnId) {
        let Some(key) = self.sn.by_conn.remove(&conn) else {
            return;
        };
        let Some(client) = self.sn.clients.remove(&key) else {
            return;
        };
        self.unindex(
            client.timer,
            crate::broker::timer_index::Timer::SnRetry(conn),
        );
        // A 2.0 DISCONNECT is never answered, and one the gateway sends came through
        // `sn2_send` with its reason code.
        if client.connected() && client.version == crate::sn::SnVersion::V1_2 {
            self.sn_emit_now(&key, &Message::<&[u8]>::Disconnect { duration: None });
        }
    }
}
