//! Owned 2.0 packets: the one mapping of every byte field, used to copy a view
//! ([`Packet::to_owned`]) and to slice a received `Bytes` ([`parse_bytes`]).

use super::message::*;
use super::types::Topic;
use super::Sn2Error;
use crate::string::MqttStr;
use bytes::Bytes;

/// Parses a received datagram into an owned packet whose byte fields are slices of it.
pub fn parse_bytes(datagram: &Bytes) -> Result<Packet<Bytes>, Sn2Error> {
    let view = super::parse(datagram)?;
    Ok(map(&view, &mut |b| {
        crate::to_owned::slice_or_copy(datagram, b)
    }))
}

impl Packet<&[u8]> {
    /// An owned copy: every byte field copied into its own `Bytes`.
    pub fn to_owned(&self) -> Packet<Bytes> {
        map(self, &mut Bytes::copy_from_slice)
    }
}

impl Packet<Bytes> {
    /// A view of this owned packet, borrowing its bytes.
    pub fn as_view(&self) -> Packet<&[u8]> {
        map(self, &mut |b| b)
    }
}

fn text<'s, B: AsRef<[u8]>, C: AsRef<[u8]>>(
    s: &'s MqttStr<B>,
    f: &mut impl FnMut(&'s [u8]) -> C,
) -> MqttStr<C> {
    MqttStr::from_validated(f(s.as_bytes()))
}

fn topic<'s, B: AsRef<[u8]>, C: AsRef<[u8]>>(
    t: &'s Topic<B>,
    f: &mut impl FnMut(&'s [u8]) -> C,
) -> Topic<C> {
    match t {
        Topic::Alias(a) => Topic::Alias(*a),
        Topic::Predefined(a) => Topic::Predefined(*a),
        Topic::Name(n) => Topic::Name(text(n, f)),
    }
}

fn auth<'s, B: AsRef<[u8]>, C: AsRef<[u8]>>(
    a: &'s AuthBlock<B>,
    f: &mut impl FnMut(&'s [u8]) -> C,
) -> AuthBlock<C> {
    AuthBlock {
        method: text(&a.method, f),
        data: f(a.data.as_ref()),
    }
}

/// Every byte field of `p` passed through `f`.
fn map<'s, B: AsRef<[u8]>, C: AsRef<[u8]>>(
    p: &'s Packet<B>,
    f: &mut impl FnMut(&'s [u8]) -> C,
) -> Packet<C> {
    match p {
        Packet::Connect(c) => Packet::Connect(Connect {
            clean_start: c.clean_start,
            address_may_change: c.address_may_change,
            server_may_suggest: c.server_may_suggest,
            packet_id: c.packet_id,
            protocol_version: c.protocol_version,
            keep_alive: c.keep_alive,
            max_packet_size: c.max_packet_size,
            default_awake_messages: c.default_awake_messages,
            session_expiry: c.session_expiry,
            will: c.will.as_ref().map(|w| Will {
                qos: w.qos,
                retain: w.retain,
                topic: topic(&w.topic, f),
                payload: f(w.payload.as_ref()),
            }),
            auth: c.auth.as_ref().map(|a| auth(a, f)),
            client_id: text(&c.client_id, f),
        }),
        Packet::ConnAck(a) => Packet::ConnAck(ConnAck {
            session_present: a.session_present,
            packet_id: a.packet_id,
            reason_code: a.reason_code,
            session_expiry: a.session_expiry,
            server_keep_alive: a.server_keep_alive,
            auth: a.auth.as_ref().map(|x| auth(x, f)),
            assigned_client_id: a.assigned_client_id.as_ref().map(|s| text(s, f)),
        }),
        Packet::Publish(x) => Packet::Publish(Publish {
            dup: x.dup,
            qos: x.qos,
            retain: x.retain,
            topic: topic(&x.topic, f),
            packet_id: x.packet_id,
            payload: f(x.payload.as_ref()),
        }),
        Packet::PubAck(a) => Packet::PubAck(*a),
        Packet::PubRec(a) => Packet::PubRec(*a),
        Packet::PubRel(a) => Packet::PubRel(*a),
        Packet::PubComp(a) => Packet::PubComp(*a),
        Packet::Subscribe(s) => Packet::Subscribe(Subscribe {
            no_local: s.no_local,
            qos: s.qos,
            retain_as_published: s.retain_as_published,
            retain_handling: s.retain_handling,
            packet_id: s.packet_id,
            topic: topic(&s.topic, f),
        }),
        Packet::SubAck(s) => Packet::SubAck(*s),
        Packet::Unsubscribe {
            packet_id,
            topic: t,
        } => Packet::Unsubscribe {
            packet_id: *packet_id,
            topic: topic(t, f),
        },
        Packet::UnsubAck(a) => Packet::UnsubAck(*a),
        Packet::PingReq { packet_id } => Packet::PingReq {
            packet_id: *packet_id,
        },
        Packet::PingResp {
            packet_id,
            messages_remaining,
        } => Packet::PingResp {
            packet_id: *packet_id,
            messages_remaining: *messages_remaining,
        },
        Packet::Disconnect(d) => Packet::Disconnect(Disconnect {
            packet_id: d.packet_id,
            session_expiry: d.session_expiry,
            reason_code: d.reason_code,
            reason_string: d.reason_string.as_ref().map(|s| text(s, f)),
        }),
        Packet::Auth(a) => Packet::Auth(Auth {
            packet_id: a.packet_id,
            reason_code: a.reason_code,
            method: text(&a.method, f),
            data: f(a.data.as_ref()),
        }),
        Packet::Register(r) => Packet::Register(Register {
            packet_id: r.packet_id,
            alias: r.alias,
            topic_name: text(&r.topic_name, f),
        }),
        Packet::RegAck(r) => Packet::RegAck(*r),
        Packet::PubWos(x) => Packet::PubWos(PubWos {
            retain: x.retain,
            topic: topic(&x.topic, f),
            payload: f(x.payload.as_ref()),
        }),
        Packet::SleepReq {
            retain_aliases,
            packet_id,
            duration,
        } => Packet::SleepReq {
            retain_aliases: *retain_aliases,
            packet_id: *packet_id,
            duration: *duration,
        },
        Packet::SleepResp {
            packet_id,
            duration,
            reason_code,
        } => Packet::SleepResp {
            packet_id: *packet_id,
            duration: *duration,
            reason_code: *reason_code,
        },
        Packet::Wakeup => Packet::Wakeup,
        Packet::Advertise { gw_id, duration } => Packet::Advertise {
            gw_id: *gw_id,
            duration: *duration,
        },
        Packet::SearchGw { info } => Packet::SearchGw {
            info: f(info.as_ref()),
        },
        Packet::GwInfo { gw_id, gw_addr } => Packet::GwInfo {
            gw_id: *gw_id,
            gw_addr: f(gw_addr.as_ref()),
        },
        Packet::Forwarder { address, packet } => Packet::Forwarder {
            address: f(address.as_ref()),
            packet: f(packet.as_ref()),
        },
        Packet::Connection { client_id, packet } => Packet::Connection {
            client_id: text(client_id, f),
            packet: f(packet.as_ref()),
        },
        Packet::Protection(x) => Packet::Protection(Protection {
            tag_length: x.tag_length,
            scheme: x.scheme,
            sender_id: x.sender_id,
            random: x.random,
            crypto: f(x.crypto.as_ref()),
            counter: f(x.counter.as_ref()),
            protected: f(x.protected.as_ref()),
        }),
    }
}
