//! Encoding MQTT-SN 2.0 packets into a caller's buffer, exactly, after checking the rules
//! the parser checks.

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use super::decode::{check_inner, known_scheme, COUNTER_LEN, CRYPTO_LEN};
use super::error::Sn2Error;
use super::message::{Ack, AuthBlock, Connect, Packet, Will};
use super::types::PacketType;
use super::types::Topic;
use crate::sn::encode::Counter;
use crate::sn::header::{put_length, total_len};
use crate::topic::{check_topic_filter, check_topic_name, TopicError};
use crate::wire::writer::{Put, SliceWriter};
use crate::QoS;

impl<B: AsRef<[u8]>> Packet<B> {
    /// The packet's encoded size, after checking it.
    pub fn encoded_len(&self) -> Result<usize, Sn2Error> {
        self.check()?;
        let mut count = Counter(0);
        self.write_fields(&mut count);
        total_len(count.0.saturating_add(1)).map_err(|_| Sn2Error::FieldTooLong("the packet"))
    }

    /// Encodes the packet at the start of `out`; returns the octets written.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, Sn2Error> {
        let total = self.encoded_len()?;
        if total > out.len() {
            return Err(Sn2Error::BufferTooSmall {
                needed: total,
                available: out.len(),
            });
        }
        let mut w = SliceWriter::new(out);
        self.write(&mut w, total);
        Ok(total)
    }

    /// Encodes the packet into a new vector.
    #[cfg(feature = "alloc")]
    pub fn to_vec(&self) -> Result<alloc::vec::Vec<u8>, Sn2Error> {
        let total = self.encoded_len()?;
        let mut out = alloc::vec::Vec::with_capacity(total);
        self.write(&mut out, total);
        Ok(out)
    }

    fn write(&self, w: &mut impl Put, total: usize) {
        put_length(w, total);
        w.put_u8(self.packet_type() as u8);
        self.write_fields(w);
    }

    fn write_fields(&self, w: &mut impl Put) {
        match self {
            Packet::Connect(c) => write_connect(w, c),
            Packet::ConnAck(a) => {
                let flags = u8::from(a.session_present)
                    | u8::from(a.session_expiry.is_some()) << 1
                    | u8::from(a.server_keep_alive.is_some()) << 2
                    | u8::from(a.auth.is_some()) << 3;
                w.put_u8(flags);
                w.put_u16(a.packet_id);
                w.put_u8(a.reason_code);
                if let Some(e) = a.session_expiry {
                    w.put_u32(e);
                }
                if let Some(k) = a.server_keep_alive {
                    w.put_u16(k);
                }
                if let Some(auth) = &a.auth {
                    put_auth(w, auth);
                }
                if let Some(id) = &a.assigned_client_id {
                    w.put_slice(id.as_bytes());
                }
            }
            Packet::Auth(a) => {
                w.put_u16(a.packet_id);
                w.put_u8(a.reason_code);
                put_short_prefixed(w, a.method.as_bytes());
                w.put_slice(a.data.as_ref());
            }
            Packet::Register(r) => {
                w.put_u8(u8::from(r.alias.is_some()));
                w.put_u16(r.packet_id);
                if let Some(alias) = r.alias {
                    w.put_u16(alias);
                }
                w.put_slice(r.topic_name.as_bytes());
            }
            Packet::RegAck(r) => {
                w.put_u8(u8::from(r.alias.is_some()) << 2 | r.kind.bits());
                w.put_u16(r.packet_id);
                if let Some(alias) = r.alias {
                    w.put_u16(alias);
                }
                put_reason(w, r.reason_code);
            }
            Packet::Publish(p) => {
                let flags = u8::from(p.dup) << 7
                    | (p.qos as u8) << 5
                    | u8::from(p.retain) << 4
                    | p.topic.type_bits();
                w.put_u8(flags);
                if let Some(id) = p.packet_id {
                    w.put_u16(id);
                }
                put_prefixed_topic(w, &p.topic);
                w.put_slice(p.payload.as_ref());
            }
            Packet::PubWos(p) => {
                w.put_u8(u8::from(p.retain) << 4 | p.topic.type_bits());
                put_prefixed_topic(w, &p.topic);
                w.put_slice(p.payload.as_ref());
            }
            Packet::PubAck(a)
            | Packet::PubRec(a)
            | Packet::PubRel(a)
            | Packet::PubComp(a)
            | Packet::UnsubAck(a) => put_ack(w, a),
            Packet::Subscribe(s) => {
                let flags = u8::from(s.no_local) << 7
                    | (s.qos as u8) << 5
                    | u8::from(s.retain_as_published) << 4
                    | (s.retain_handling & 0b11) << 2
                    | s.topic.type_bits();
                w.put_u8(flags);
                w.put_u16(s.packet_id);
                put_filter(w, &s.topic);
            }
            Packet::SubAck(s) => {
                w.put_u8(u8::from(s.alias.is_some()) << 2 | s.kind.bits());
                w.put_u16(s.packet_id);
                if let Some(alias) = s.alias {
                    w.put_u16(alias);
                }
                // Always sent, though the draft's layout lets it be left off (SN2-12).
                w.put_u8(s.reason_code);
            }
            Packet::Unsubscribe { packet_id, topic } => {
                w.put_u8(topic.type_bits());
                w.put_u16(*packet_id);
                put_filter(w, topic);
            }
            Packet::PingReq { packet_id } => w.put_u16(*packet_id),
            Packet::PingResp {
                packet_id,
                messages_remaining,
            } => {
                w.put_u16(*packet_id);
                if let Some(n) = messages_remaining {
                    w.put_u8(*n);
                }
            }
            Packet::Disconnect(d) => {
                let flags = u8::from(d.packet_id.is_some())
                    | u8::from(d.session_expiry.is_some()) << 1
                    | u8::from(d.reason_code.is_some()) << 2;
                w.put_u8(flags);
                if let Some(id) = d.packet_id {
                    w.put_u16(id);
                }
                if let Some(e) = d.session_expiry {
                    w.put_u32(e);
                }
                if let Some(rc) = d.reason_code {
                    w.put_u8(rc);
                }
                if let Some(s) = &d.reason_string {
                    w.put_slice(s.as_bytes());
                }
            }
            Packet::SleepReq {
                retain_aliases,
                packet_id,
                duration,
            } => {
                w.put_u8(u8::from(*retain_aliases));
                w.put_u16(*packet_id);
                w.put_u32(*duration);
            }
            Packet::SleepResp {
                packet_id,
                duration,
                reason_code,
            } => {
                w.put_u8(u8::from(duration.is_some()));
                w.put_u16(*packet_id);
                if let Some(d) = duration {
                    w.put_u32(*d);
                }
                put_reason(w, *reason_code);
            }
            Packet::Wakeup => {}
            Packet::Advertise { gw_id, duration } => {
                w.put_u8(*gw_id);
                w.put_u16(*duration);
            }
            Packet::SearchGw { info } => w.put_slice(info.as_ref()),
            Packet::GwInfo { gw_id, gw_addr } => {
                w.put_u8(*gw_id);
                w.put_slice(gw_addr.as_ref());
            }
            Packet::Forwarder { address, packet } => {
                put_short_prefixed(w, address.as_ref());
                w.put_slice(packet.as_ref());
            }
            Packet::Connection { client_id, packet } => {
                put_long_prefixed(w, client_id.as_bytes());
                w.put_slice(packet.as_ref());
            }
            Packet::Protection(p) => {
                let crypto = CRYPTO_LEN
                    .iter()
                    .position(|&n| n == p.crypto.as_ref().len())
                    .unwrap_or(0) as u8;
                let counter = COUNTER_LEN
                    .iter()
                    .position(|&n| n == p.counter.as_ref().len())
                    .unwrap_or(0) as u8;
                w.put_u8(p.tag_length << 4 | crypto << 2 | counter);
                w.put_u8(p.scheme);
                w.put_slice(&p.sender_id);
                w.put_slice(&p.random);
                w.put_slice(p.crypto.as_ref());
                w.put_slice(p.counter.as_ref());
                w.put_slice(p.protected.as_ref());
            }
        }
    }

    /// The rules the parser checks, on the fields given.
    fn check(&self) -> Result<(), Sn2Error> {
        let packet_type = self.packet_type();
        let id = |packet_id: u16| {
            if packet_id == 0 {
                Err(Sn2Error::ZeroPacketId(packet_type))
            } else {
                Ok(())
            }
        };
        let name = |t: &Topic<B>| check_topic(packet_type, t, check_topic_name);
        let filter = |t: &Topic<B>| check_topic(packet_type, t, |f| check_topic_filter(f, true));
        match self {
            Packet::Connect(c) => check_connect(c)?,
            Packet::ConnAck(a) => {
                id(a.packet_id)?;
                if a.session_present && a.reason_code != 0 {
                    return Err(Sn2Error::SessionPresentOnFailure(a.reason_code));
                }
                if let Some(auth) = &a.auth {
                    check_auth(auth)?;
                }
                if a.assigned_client_id
                    .as_ref()
                    .is_some_and(|id| id.is_empty())
                {
                    return Err(Sn2Error::EmptyField("the assigned client id"));
                }
            }
            Packet::Auth(a) => {
                id(a.packet_id)?;
                if a.method.len() > usize::from(u8::MAX) {
                    return Err(Sn2Error::FieldTooLong("the authentication method"));
                }
            }
            Packet::Register(r) => {
                id(r.packet_id)?;
                check_topic_name(r.topic_name.as_str()).map_err(|reason| {
                    Sn2Error::InvalidTopic {
                        packet_type,
                        reason,
                    }
                })?;
            }
            Packet::RegAck(r) => id(r.packet_id)?,
            Packet::Publish(p) => {
                if p.dup && p.qos != QoS::ExactlyOnce {
                    return Err(Sn2Error::DupBelowQos2);
                }
                match (p.qos, p.packet_id) {
                    (QoS::AtMostOnce, None) => {}
                    (QoS::AtMostOnce, Some(_)) | (_, None) => {
                        return Err(Sn2Error::PacketIdPresence)
                    }
                    (_, Some(packet_id)) => id(packet_id)?,
                }
                name(&p.topic)?;
            }
            Packet::PubWos(p) => {
                if let Topic::Alias(_) = p.topic {
                    return Err(Sn2Error::TopicType {
                        packet_type,
                        bits: 0,
                    });
                }
                name(&p.topic)?;
            }
            Packet::PubAck(a)
            | Packet::PubRec(a)
            | Packet::PubRel(a)
            | Packet::PubComp(a)
            | Packet::UnsubAck(a) => id(a.packet_id)?,
            Packet::Subscribe(s) => {
                id(s.packet_id)?;
                if s.retain_handling > 2 {
                    return Err(Sn2Error::SubscriptionOptions);
                }
                filter(&s.topic)?;
            }
            Packet::SubAck(s) => {
                id(s.packet_id)?;
                if s.alias.is_none() && s.kind == super::AliasKind::Session {
                    return Err(Sn2Error::AliasType {
                        packet_type,
                        bits: 0,
                    });
                }
            }
            Packet::Unsubscribe { packet_id, topic } => {
                id(*packet_id)?;
                filter(topic)?;
            }
            Packet::PingReq { packet_id } | Packet::PingResp { packet_id, .. } => id(*packet_id)?,
            Packet::Disconnect(d) => {
                if let Some(packet_id) = d.packet_id {
                    id(packet_id)?;
                }
                if d.reason_string.as_ref().is_some_and(|s| s.is_empty()) {
                    return Err(Sn2Error::EmptyField("the reason string"));
                }
            }
            Packet::SleepReq {
                packet_id,
                duration,
                ..
            } => {
                id(*packet_id)?;
                if *duration == 0 {
                    return Err(Sn2Error::SleepZero);
                }
            }
            Packet::SleepResp { packet_id, .. } => id(*packet_id)?,
            Packet::Forwarder { address, packet } => {
                if address.as_ref().len() > usize::from(u8::MAX) {
                    return Err(Sn2Error::FieldTooLong("the forwarder address"));
                }
                check_inner(packet_type, packet.as_ref())?;
            }
            Packet::Connection { client_id, packet } => {
                if client_id.len() > usize::from(u16::MAX) {
                    return Err(Sn2Error::FieldTooLong("the client id"));
                }
                check_inner(packet_type, packet.as_ref())?;
            }
            Packet::Protection(p) => {
                if p.tag_length > 15 || matches!(p.tag_length, 2 | 3) {
                    return Err(Sn2Error::ReservedFlags {
                        packet_type,
                        bits: p.tag_length,
                    });
                }
                if !known_scheme(p.scheme) {
                    return Err(Sn2Error::Encapsulation("a reserved protection scheme"));
                }
                if !CRYPTO_LEN.contains(&p.crypto.as_ref().len())
                    || !COUNTER_LEN.contains(&p.counter.as_ref().len())
                {
                    return Err(Sn2Error::FieldTooLong("the crypto material or counter"));
                }
                if p.protected.as_ref().is_empty() {
                    return Err(Sn2Error::WrongSize {
                        packet_type,
                        len: 0,
                    });
                }
            }
            Packet::Wakeup
            | Packet::Advertise { .. }
            | Packet::SearchGw { .. }
            | Packet::GwInfo { .. } => {}
        }
        Ok(())
    }
}

fn check_topic<B: AsRef<[u8]>>(
    packet_type: PacketType,
    topic: &Topic<B>,
    check: fn(&str) -> Result<(), TopicError>,
) -> Result<(), Sn2Error> {
    if let Topic::Name(n) = topic {
        check(n.as_str()).map_err(|reason| Sn2Error::InvalidTopic {
            packet_type,
            reason,
        })?;
    }
    Ok(())
}

fn check_auth<B: AsRef<[u8]>>(auth: &AuthBlock<B>) -> Result<(), Sn2Error> {
    if auth.method.len() > usize::from(u8::MAX) || auth.data.as_ref().len() > usize::from(u16::MAX)
    {
        return Err(Sn2Error::FieldTooLong("authentication"));
    }
    Ok(())
}

fn check_connect<B: AsRef<[u8]>>(c: &Connect<B>) -> Result<(), Sn2Error> {
    if c.packet_id == 0 {
        return Err(Sn2Error::ZeroPacketId(PacketType::Connect));
    }
    if c.protocol_version != 2 {
        return Err(Sn2Error::UnsupportedVersion(c.protocol_version));
    }
    if c.keep_alive == 0 {
        return Err(Sn2Error::KeepAliveZero);
    }
    if (1..10).contains(&c.max_packet_size) {
        return Err(Sn2Error::MaxPacketSize(c.max_packet_size));
    }
    if let Some(will) = &c.will {
        check_topic(PacketType::Connect, &will.topic, check_topic_name)?;
        if will.payload.as_ref().len() > usize::from(u16::MAX) {
            return Err(Sn2Error::FieldTooLong("the will payload"));
        }
    }
    if let Some(auth) = &c.auth {
        check_auth(auth)?;
    }
    Ok(())
}

fn write_connect<B: AsRef<[u8]>>(w: &mut impl Put, c: &Connect<B>) {
    let flags = u8::from(c.clean_start)
        | u8::from(c.will.is_some()) << 1
        | u8::from(c.auth.is_some()) << 2
        | u8::from(c.session_expiry.is_some()) << 3
        | u8::from(c.default_awake_messages.is_some()) << 4
        | u8::from(c.address_may_change) << 5
        | u8::from(c.server_may_suggest) << 6;
    w.put_u8(flags);
    if let Some(will) = &c.will {
        w.put_u8(will_flags(will));
    }
    w.put_u16(c.packet_id);
    w.put_u8(c.protocol_version);
    w.put_u16(c.keep_alive);
    w.put_u16(c.max_packet_size);
    if let Some(n) = c.default_awake_messages {
        w.put_u8(n);
    }
    if let Some(e) = c.session_expiry {
        w.put_u32(e);
    }
    if let Some(will) = &c.will {
        put_prefixed_topic(w, &will.topic);
        put_long_prefixed(w, will.payload.as_ref());
    }
    if let Some(auth) = &c.auth {
        put_auth(w, auth);
    }
    w.put_slice(c.client_id.as_bytes());
}

fn will_flags<B: AsRef<[u8]>>(will: &Will<B>) -> u8 {
    u8::from(will.retain) << 4 | (will.qos as u8) << 2 | will.topic.type_bits()
}

/// An alias, or a name behind its 2-octet length.
fn put_prefixed_topic<B: AsRef<[u8]>>(w: &mut impl Put, topic: &Topic<B>) {
    match topic {
        Topic::Alias(a) | Topic::Predefined(a) => w.put_u16(*a),
        Topic::Name(n) => put_long_prefixed(w, n.as_bytes()),
    }
}

/// An alias, or a filter running to the end.
fn put_filter<B: AsRef<[u8]>>(w: &mut impl Put, topic: &Topic<B>) {
    match topic {
        Topic::Alias(a) | Topic::Predefined(a) => w.put_u16(*a),
        Topic::Name(n) => w.put_slice(n.as_bytes()),
    }
}

fn put_auth<B: AsRef<[u8]>>(w: &mut impl Put, auth: &AuthBlock<B>) {
    put_short_prefixed(w, auth.method.as_bytes());
    put_long_prefixed(w, auth.data.as_ref());
}

fn put_short_prefixed(w: &mut impl Put, bytes: &[u8]) {
    w.put_u8(u8::try_from(bytes.len()).unwrap_or(u8::MAX));
    w.put_slice(bytes);
}

fn put_long_prefixed(w: &mut impl Put, bytes: &[u8]) {
    w.put_u16(u16::try_from(bytes.len()).unwrap_or(u16::MAX));
    w.put_slice(bytes);
}

/// A reason code that the draft lets be left off when it is 0x00.
fn put_reason(w: &mut impl Put, code: u8) {
    if code != 0 {
        w.put_u8(code);
    }
}

fn put_ack(w: &mut impl Put, a: &Ack) {
    w.put_u16(a.packet_id);
    put_reason(w, a.reason_code);
}
