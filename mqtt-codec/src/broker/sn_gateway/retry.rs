//! Retransmission towards 1.2 and 2.0 clients (SN-GW-12): what the gateway sends and waits
//! an answer for (its REGISTER, a QoS 1 or 2 PUBLISH, a PUBREL, the 1.2 will prompts) is
//! sent again every `retry_interval` seconds, a PUBLISH with DUP set (in 2.0 at QoS 2 only,
//! SN2-10), at most `max_retries` times; then the client is lost, as when its keep alive
//! runs out (its will is published). Over UDP a lost datagram is otherwise never repaired,
//! and with one message in flight (SN-GW-13, SN2-18) every later one waits behind it.

use super::{SnKey, SnState};
use crate::broker::{Action, Broker, Millis};
use crate::sn::v2::{self, Packet as Sn2};
use crate::sn::{self, Message, SnVersion};
use crate::ReasonCode;
use alloc::vec::Vec;
use bytes::Bytes;

/// The answer a retransmitted message waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Awaited {
    /// REGACK of this MsgId.
    RegAck(u16),
    /// PUBACK or PUBREC of this MsgId.
    PubAck(u16),
    /// PUBCOMP of this MsgId.
    PubComp(u16),
    /// WILLTOPIC (after WILLTOPICREQ) or WILLMSG (after WILLMSGREQ).
    Will,
}

/// One message waiting for its answer.
#[derive(Clone, Debug)]
pub(crate) struct Retry {
    pub(crate) awaited: Awaited,
    /// The datagram as sent (a forwarder's envelope included).
    pub(crate) data: Bytes,
    pub(crate) attempts: u8,
    pub(crate) due: Millis,
}

/// The message a datagram holds, seen through a forwarder's envelope.
fn message_of(data: &[u8]) -> Option<Message<&[u8]>> {
    match sn::parse(data).ok()? {
        Message::Encapsulated(e) => sn::parse(e.message).ok(),
        m => Some(m),
    }
}

/// The 2.0 packet a datagram holds, seen through a forwarder's envelope.
fn packet_of(data: &[u8]) -> Option<Sn2<&[u8]>> {
    match v2::parse(data).ok()? {
        Sn2::Forwarder { packet, .. } => v2::parse(packet).ok(),
        p => Some(p),
    }
}

/// What 2.0 `packet` from the gateway waits for, if anything.
fn awaited_by_v2(packet: &Sn2<&[u8]>) -> Option<Awaited> {
    match packet {
        Sn2::Register(r) => Some(Awaited::RegAck(r.packet_id)),
        Sn2::Publish(p) => p.packet_id.map(Awaited::PubAck),
        Sn2::PubRel(a) => Some(Awaited::PubComp(a.packet_id)),
        _ => None,
    }
}

/// What 2.0 `packet` from the client answers.
pub(crate) fn answered_by_v2(packet: &Sn2<&[u8]>) -> Option<Awaited> {
    match packet {
        Sn2::RegAck(a) => Some(Awaited::RegAck(a.packet_id)),
        Sn2::PubAck(a) | Sn2::PubRec(a) => Some(Awaited::PubAck(a.packet_id)),
        Sn2::PubComp(a) => Some(Awaited::PubComp(a.packet_id)),
        _ => None,
    }
}

/// What `message` from the gateway waits for, if anything.
fn awaited_by(message: &Message<&[u8]>) -> Option<Awaited> {
    match message {
        Message::Register(r) => Some(Awaited::RegAck(r.msg_id)),
        Message::Publish(p) if p.msg_id != 0 => Some(Awaited::PubAck(p.msg_id)),
        Message::PubRel { msg_id } => Some(Awaited::PubComp(*msg_id)),
        Message::WillTopicReq | Message::WillMsgReq => Some(Awaited::Will),
        _ => None,
    }
}

/// What `message` from the client answers.
pub(crate) fn answered_by(message: &Message<&[u8]>) -> Option<Awaited> {
    match message {
        Message::RegAck { msg_id, .. } => Some(Awaited::RegAck(*msg_id)),
        Message::PubAck { msg_id, .. } | Message::PubRec { msg_id } => {
            Some(Awaited::PubAck(*msg_id))
        }
        Message::PubComp { msg_id } => Some(Awaited::PubComp(*msg_id)),
        Message::WillTopic(_) | Message::WillMsg { .. } => Some(Awaited::Will),
        _ => None,
    }
}

impl Broker {
    fn retry_interval(&self) -> Option<Millis> {
        match self.config.mqttsn.retry_interval {
            0 => None,
            secs => Some(u64::from(secs) * 1000),
        }
    }

    /// The gateway just sent `data` to the client at `key`: when it waits for an answer,
    /// it is sent again unless the answer comes in time.
    pub(crate) fn sn_arm_retry(&mut self, key: &SnKey, data: &Bytes) {
        let Some(interval) = self.retry_interval() else {
            return;
        };
        let now = self.clock;
        let Some(client) = self.sn.clients.get_mut(key) else {
            return;
        };
        let awaited = match client.version {
            SnVersion::V1_2 => message_of(data).as_ref().and_then(awaited_by),
            SnVersion::V2_0 => packet_of(data).as_ref().and_then(awaited_by_v2),
        };
        let Some(awaited) = awaited else {
            return;
        };
        client.retries.retain(|r| r.awaited != awaited);
        client.retries.push(Retry {
            awaited,
            data: data.clone(),
            attempts: 0,
            due: now.saturating_add(interval),
        });
        let conn = client.conn;
        self.index_sn_retry(conn);
    }

    /// The client at `key` sent what answers `answered` (see [`answered_by`]): it needs no
    /// more retransmission.
    pub(crate) fn sn_disarm_retry(&mut self, key: &SnKey, answered: Option<Awaited>) {
        if let (Some(answered), Some(client)) = (answered, self.sn.clients.get_mut(key)) {
            client.retries.retain(|r| r.awaited != answered);
        }
    }

    /// The earliest retransmission due, by a walk of every client (see
    /// [`Broker::sn_deadline_slow`]).
    #[cfg(debug_assertions)]
    pub(crate) fn sn_retry_deadline_slow(&self) -> Option<Millis> {
        self.sn
            .clients
            .values()
            .filter(|c| c.state != SnState::Asleep)
            .flat_map(|c| c.retries.iter().map(|r| r.due))
            .min()
    }

    /// Sends again what is due; a client whose retries ran out is lost.
    pub(crate) fn sn_retry_tick(&mut self, now: Millis) {
        let Some(interval) = self.retry_interval() else {
            return;
        };
        let max = self.config.mqttsn.max_retries;
        let mut sends = Vec::new();
        let mut lost = Vec::new();
        // Only the clients the timer index says are due, in the order of their addresses.
        for key in self.due_sn_retries(now) {
            let Some(client) = self.sn.clients.get_mut(&key) else {
                continue;
            };
            if client.state == SnState::Asleep {
                continue;
            }
            for r in client.retries.iter_mut().filter(|r| r.due <= now) {
                if r.attempts >= max {
                    lost.push(client.conn);
                    break;
                }
                r.attempts = r.attempts.saturating_add(1);
                r.due = now.saturating_add(interval);
                if let Awaited::PubAck(_) = r.awaited {
                    let again = match client.version {
                        SnVersion::V1_2 => with_dup(&r.data, &key),
                        SnVersion::V2_0 => with_dup_v2(&r.data, &key),
                    };
                    r.data = again.unwrap_or_else(|| r.data.clone());
                }
                sends.push((key.peer, r.data.clone()));
            }
        }
        for (peer, data) in sends {
            self.actions.push_back(Action::SendDatagram { peer, data });
        }
        for conn in lost {
            self.disconnect_with(conn, ReasonCode::KeepAliveTimeout, now);
        }
    }
}

/// A PUBLISH datagram with DUP set (a retransmission, §5.3.4), re-wrapped for the client's
/// forwarder when it has one.
fn with_dup(data: &Bytes, key: &SnKey) -> Option<Bytes> {
    let Some(Message::Publish(mut p)) = message_of(data) else {
        return None;
    };
    p.dup = true;
    let inner = Message::Publish(p).to_vec().ok()?;
    if key.node.is_empty() {
        return Some(Bytes::from(inner));
    }
    let wrapped = Message::Encapsulated(sn::Encapsulated {
        radius: 0,
        node_id: &key.node[..],
        message: &inner[..],
    });
    wrapped.to_vec().ok().map(Bytes::from)
}

/// A 2.0 QoS 2 PUBLISH datagram with DUP set, re-wrapped for the client's forwarder; a
/// QoS 1 one goes again as it was (DUP stays 0 below QoS 2, SN2-10).
fn with_dup_v2(data: &Bytes, key: &SnKey) -> Option<Bytes> {
    let Some(Sn2::Publish(mut p)) = packet_of(data) else {
        return None;
    };
    if p.qos != crate::QoS::ExactlyOnce {
        return Some(data.clone());
    }
    p.dup = true;
    let inner = Sn2::Publish(p).to_vec().ok()?;
    if key.node.is_empty() {
        return Some(Bytes::from(inner));
    }
    let wrapped = Sn2::Forwarder {
        address: &key.node[..],
        packet: &inner[..],
    };
    wrapped.to_vec().ok().map(Bytes::from)
}
