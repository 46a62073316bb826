//! Parsing one MQTT-SN 2.0 datagram into a borrowed [`Packet`]: no allocation, no copy.

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use super::error::Sn2Error;
use super::message::{
    Ack, Auth, AuthBlock, ConnAck, Connect, Disconnect, Packet, Protection, PubWos, Publish,
    RegAck, Register, SubAck, Subscribe, Will,
};
use super::types::{AliasKind, PacketType, Topic};
use crate::sn::header::split_raw;
use crate::sn::SnError;
use crate::string::{validate_str, MqttStr};
use crate::topic::{check_topic_filter, check_topic_name, TopicError};
use crate::QoS;

/// Parses one MQTT-SN 2.0 datagram.
///
/// ```
/// use mqtt_codec::sn::v2::{parse, Packet, Topic};
///
/// // PUBLISH QoS 1 to the topic name "a/b", packet id 2, payload "hi".
/// let datagram = [0x0C, 0x03, 0x23, 0x00, 0x02, 0x00, 0x03, b'a', b'/', b'b', b'h', b'i'];
/// let Packet::Publish(p) = parse(&datagram)? else { panic!("not a PUBLISH") };
/// assert_eq!(p.packet_id, Some(2));
/// assert!(matches!(p.topic, Topic::Name(ref n) if n == "a/b"));
/// assert_eq!(p.payload, b"hi");
/// # Ok::<(), mqtt_codec::sn::v2::Sn2Error>(())
/// ```
pub fn parse(datagram: &[u8]) -> Result<Packet<&[u8]>, Sn2Error> {
    let raw = split_raw(datagram)?;
    let packet_type = PacketType::from_u8(raw.octet).ok_or(Sn2Error::ReservedType(raw.octet))?;
    if raw.declared != datagram.len() {
        return Err(SnError::LengthMismatch {
            declared: raw.declared,
            actual: datagram.len(),
        }
        .into());
    }
    let mut b = Body {
        rest: raw.body,
        packet_type,
        total: raw.declared,
    };
    let packet = body(&mut b)?;
    b.end()?;
    Ok(packet)
}

/// The fields after the type, read front to back.
struct Body<'a> {
    rest: &'a [u8],
    packet_type: PacketType,
    total: usize,
}

impl<'a> Body<'a> {
    fn short(&self) -> Sn2Error {
        Sn2Error::WrongSize {
            packet_type: self.packet_type,
            len: self.total,
        }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], Sn2Error> {
        let (head, rest) = self.rest.split_at_checked(n).ok_or_else(|| self.short())?;
        self.rest = rest;
        Ok(head)
    }

    fn u8(&mut self) -> Result<u8, Sn2Error> {
        let (&first, rest) = self.rest.split_first().ok_or_else(|| self.short())?;
        self.rest = rest;
        Ok(first)
    }

    fn u16(&mut self) -> Result<u16, Sn2Error> {
        match *self.take(2)? {
            [a, b] => Ok(u16::from_be_bytes([a, b])),
            _ => Err(self.short()),
        }
    }

    fn u32(&mut self) -> Result<u32, Sn2Error> {
        match *self.take(4)? {
            [a, b, c, d] => Ok(u32::from_be_bytes([a, b, c, d])),
            _ => Err(self.short()),
        }
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], Sn2Error> {
        let bytes = self.take(N)?;
        <[u8; N]>::try_from(bytes).map_err(|_| self.short())
    }

    fn rest(&mut self) -> &'a [u8] {
        core::mem::take(&mut self.rest)
    }

    fn end(&self) -> Result<(), Sn2Error> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(self.short())
        }
    }

    /// A flags octet whose bits outside `used` are reserved.
    fn flags(&mut self, used: u8) -> Result<u8, Sn2Error> {
        let flags = self.u8()?;
        reserved(self.packet_type, flags, used)?;
        Ok(flags)
    }

    /// A packet id, never 0 ([MQTT-SN-2.2-1]).
    fn packet_id(&mut self) -> Result<u16, Sn2Error> {
        match self.u16()? {
            0 => Err(Sn2Error::ZeroPacketId(self.packet_type)),
            id => Ok(id),
        }
    }

    /// An optional trailing octet (a reason code absent means 0x00).
    fn optional_u8(&mut self) -> Result<Option<u8>, Sn2Error> {
        if self.rest.is_empty() {
            Ok(None)
        } else {
            self.u8().map(Some)
        }
    }

    fn text(&self, bytes: &'a [u8], field: &'static str) -> Result<MqttStr<&'a [u8]>, Sn2Error> {
        validate_str(bytes).map_err(|reason| Sn2Error::InvalidString {
            packet_type: self.packet_type,
            field,
            reason,
        })?;
        Ok(MqttStr::from_validated(bytes))
    }

    fn topic_text(
        &self,
        bytes: &'a [u8],
        check: fn(&str) -> Result<(), TopicError>,
    ) -> Result<MqttStr<&'a [u8]>, Sn2Error> {
        let text = self.text(bytes, "topic")?;
        check(text.as_str()).map_err(|reason| Sn2Error::InvalidTopic {
            packet_type: self.packet_type,
            reason,
        })?;
        Ok(text)
    }

    /// An alias, or a name behind a length: how PUBLISH, PUBWOS and the will carry a topic.
    fn prefixed_topic(&mut self, bits: u8) -> Result<Topic<&'a [u8]>, Sn2Error> {
        let field = self.u16()?;
        Ok(match bits {
            0b00 => Topic::Alias(field),
            0b01 => Topic::Predefined(field),
            0b11 => {
                let name = self.take(usize::from(field))?;
                Topic::Name(self.topic_text(name, check_topic_name)?)
            }
            _ => return Err(self.topic_type(bits)),
        })
    }

    /// An alias, or a filter running to the end: how SUBSCRIBE and UNSUBSCRIBE carry one.
    fn filter(&mut self, bits: u8) -> Result<Topic<&'a [u8]>, Sn2Error> {
        Ok(match bits {
            0b00 => Topic::Alias(self.u16()?),
            0b01 => Topic::Predefined(self.u16()?),
            0b11 => {
                let filter = self.rest();
                Topic::Name(self.topic_text(filter, |f| check_topic_filter(f, true))?)
            }
            _ => return Err(self.topic_type(bits)),
        })
    }

    fn topic_type(&self, bits: u8) -> Sn2Error {
        Sn2Error::TopicType {
            packet_type: self.packet_type,
            bits,
        }
    }

    /// The kind of alias of a REGACK or SUBACK (`00` or `01`; otherwise a Protocol Error,
    /// as the draft's prose says).
    fn alias_kind(&self, bits: u8) -> Result<AliasKind, Sn2Error> {
        match bits {
            0b00 => Ok(AliasKind::Session),
            0b01 => Ok(AliasKind::Predefined),
            _ => Err(Sn2Error::AliasType {
                packet_type: self.packet_type,
                bits,
            }),
        }
    }

    /// A method behind a 1-octet length and data behind a 2-octet one.
    fn auth_block(&mut self) -> Result<AuthBlock<&'a [u8]>, Sn2Error> {
        let len = self.u8()?;
        let method = self.take(usize::from(len))?;
        let method = self.text(method, "authentication method")?;
        let len = self.u16()?;
        Ok(AuthBlock {
            method,
            data: self.take(usize::from(len))?,
        })
    }

    fn ack(&mut self) -> Result<Ack, Sn2Error> {
        Ok(Ack {
            packet_id: self.packet_id()?,
            reason_code: self.optional_u8()?.unwrap_or(0),
        })
    }
}

/// Checks an envelope's inner packet: its type first, so that envelopes nested deep are
/// refused at the first level, then the packet itself. A Forwarder Encapsulation may carry
/// any packet but another one; a Connection Encapsulation only PUBLISH, SUBSCRIBE,
/// UNSUBSCRIBE, REGISTER, DISCONNECT, SLEEPREQ and PINGREQ ([MQTT-SN-3.18-3]).
pub(crate) fn check_inner(envelope: PacketType, packet: &[u8]) -> Result<(), Sn2Error> {
    use PacketType as T;
    let octet = split_raw(packet)?.octet;
    let inner = PacketType::from_u8(octet).ok_or(Sn2Error::ReservedType(octet))?;
    match (envelope, inner) {
        (T::Forwarder, T::Forwarder) => {
            return Err(Sn2Error::Encapsulation(
                "a forwarder encapsulation inside another",
            ))
        }
        (T::Forwarder, _) => {}
        (
            _,
            T::Publish
            | T::Subscribe
            | T::Unsubscribe
            | T::Register
            | T::Disconnect
            | T::SleepReq
            | T::PingReq,
        ) => {}
        (_, other) => return Err(Sn2Error::EncapsulatedType(other)),
    }
    parse(packet).map(drop)
}

/// Refuses the bits of `flags` outside `used`.
fn reserved(packet_type: PacketType, flags: u8, used: u8) -> Result<(), Sn2Error> {
    match flags & !used {
        0 => Ok(()),
        bits => Err(Sn2Error::ReservedFlags { packet_type, bits }),
    }
}

/// QoS 0 to 2 of two bits; 3 is reserved.
fn qos(packet_type: PacketType, bits: u8) -> Result<QoS, Sn2Error> {
    QoS::from_bits(bits).ok_or(Sn2Error::ReservedQos(packet_type))
}

fn body<'a>(b: &mut Body<'a>) -> Result<Packet<&'a [u8]>, Sn2Error> {
    use PacketType as T;
    Ok(match b.packet_type {
        T::Connect => Packet::Connect(connect(b)?),
        T::ConnAck => {
            let flags = b.flags(0b0000_1111)?;
            let packet_id = b.packet_id()?;
            let reason_code = b.u8()?;
            let session_present = flags & 0b0001 != 0;
            if session_present && reason_code != 0 {
                return Err(Sn2Error::SessionPresentOnFailure(reason_code));
            }
            let session_expiry = (flags & 0b0010 != 0).then(|| b.u32()).transpose()?;
            let server_keep_alive = (flags & 0b0100 != 0).then(|| b.u16()).transpose()?;
            let auth = (flags & 0b1000 != 0).then(|| b.auth_block()).transpose()?;
            let assigned = match b.rest() {
                [] => None,
                id => Some(b.text(id, "assigned client id")?),
            };
            Packet::ConnAck(ConnAck {
                session_present,
                packet_id,
                reason_code,
                session_expiry,
                server_keep_alive,
                auth,
                assigned_client_id: assigned,
            })
        }
        T::Auth => {
            let packet_id = b.packet_id()?;
            let reason_code = b.u8()?;
            let len = b.u8()?;
            let method = b.take(usize::from(len))?;
            Packet::Auth(Auth {
                packet_id,
                reason_code,
                method: b.text(method, "authentication method")?,
                data: b.rest(),
            })
        }
        T::Register => {
            let flags = b.flags(0b0000_0001)?;
            let packet_id = b.packet_id()?;
            let alias = (flags & 1 != 0).then(|| b.u16()).transpose()?;
            let name = b.rest();
            Packet::Register(Register {
                packet_id,
                alias,
                topic_name: b.topic_text(name, check_topic_name)?,
            })
        }
        T::RegAck => {
            let flags = b.flags(0b0000_0111)?;
            let kind = b.alias_kind(flags & 0b11)?;
            let packet_id = b.packet_id()?;
            let alias = (flags & 0b100 != 0).then(|| b.u16()).transpose()?;
            Packet::RegAck(RegAck {
                packet_id,
                kind,
                alias,
                reason_code: b.optional_u8()?.unwrap_or(0),
            })
        }
        T::Publish => {
            let flags = b.flags(0b1111_0011)?;
            let qos = qos(T::Publish, (flags >> 5) & 0b11)?;
            let dup = flags & 0x80 != 0;
            if dup && qos != QoS::ExactlyOnce {
                return Err(Sn2Error::DupBelowQos2);
            }
            let packet_id = (qos != QoS::AtMostOnce)
                .then(|| b.packet_id())
                .transpose()?;
            let topic = b.prefixed_topic(flags & 0b11)?;
            Packet::Publish(Publish {
                dup,
                qos,
                retain: flags & 0x10 != 0,
                topic,
                packet_id,
                payload: b.rest(),
            })
        }
        T::PubWos => {
            let flags = b.flags(0b0001_0011)?;
            let bits = flags & 0b11;
            if bits == 0b00 {
                // A session alias needs a session (SN2-4).
                return Err(b.topic_type(bits));
            }
            let topic = b.prefixed_topic(bits)?;
            Packet::PubWos(PubWos {
                retain: flags & 0x10 != 0,
                topic,
                payload: b.rest(),
            })
        }
        T::PubAck => Packet::PubAck(b.ack()?),
        T::PubRec => Packet::PubRec(b.ack()?),
        T::PubRel => Packet::PubRel(b.ack()?),
        T::PubComp => Packet::PubComp(b.ack()?),
        T::UnsubAck => Packet::UnsubAck(b.ack()?),
        T::Subscribe => {
            let flags = b.u8()?;
            let qos_bits = (flags >> 5) & 0b11;
            let retain_handling = (flags >> 2) & 0b11;
            if qos_bits == 3 || retain_handling == 3 {
                return Err(Sn2Error::SubscriptionOptions);
            }
            let packet_id = b.packet_id()?;
            Packet::Subscribe(Subscribe {
                no_local: flags & 0x80 != 0,
                qos: qos(T::Subscribe, qos_bits)?,
                retain_as_published: flags & 0x10 != 0,
                retain_handling,
                packet_id,
                topic: b.filter(flags & 0b11)?,
            })
        }
        T::SubAck => {
            let flags = b.flags(0b0000_0111)?;
            let kind = b.alias_kind(flags & 0b11)?;
            let packet_id = b.packet_id()?;
            let alias = (flags & 0b100 != 0).then(|| b.u16()).transpose()?;
            // Without an alias the type says predefined ([MQTT-SN-3.8.2.1-2]).
            if alias.is_none() && kind == AliasKind::Session {
                return Err(Sn2Error::AliasType {
                    packet_type: T::SubAck,
                    bits: 0,
                });
            }
            Packet::SubAck(SubAck {
                packet_id,
                kind,
                alias,
                reason_code: b.optional_u8()?.unwrap_or(0),
            })
        }
        T::Unsubscribe => {
            let flags = b.flags(0b0000_0011)?;
            let packet_id = b.packet_id()?;
            Packet::Unsubscribe {
                packet_id,
                topic: b.filter(flags & 0b11)?,
            }
        }
        T::PingReq => Packet::PingReq {
            packet_id: b.packet_id()?,
        },
        T::PingResp => Packet::PingResp {
            packet_id: b.packet_id()?,
            messages_remaining: b.optional_u8()?,
        },
        T::Disconnect => {
            let flags = b.flags(0b0000_0111)?;
            let packet_id = (flags & 0b001 != 0).then(|| b.packet_id()).transpose()?;
            let session_expiry = (flags & 0b010 != 0).then(|| b.u32()).transpose()?;
            let reason_code = (flags & 0b100 != 0).then(|| b.u8()).transpose()?;
            let reason_string = match b.rest() {
                [] => None,
                text => Some(b.text(text, "reason string")?),
            };
            Packet::Disconnect(Disconnect {
                packet_id,
                session_expiry,
                reason_code,
                reason_string,
            })
        }
        T::SleepReq => {
            let flags = b.flags(0b0000_0001)?;
            let packet_id = b.packet_id()?;
            let duration = b.u32()?;
            if duration == 0 {
                return Err(Sn2Error::SleepZero);
            }
            Packet::SleepReq {
                retain_aliases: flags & 1 != 0,
                packet_id,
                duration,
            }
        }
        T::SleepResp => {
            let flags = b.flags(0b0000_0001)?;
            let packet_id = b.packet_id()?;
            let duration = (flags & 1 != 0).then(|| b.u32()).transpose()?;
            Packet::SleepResp {
                packet_id,
                duration,
                reason_code: b.optional_u8()?.unwrap_or(0),
            }
        }
        T::Wakeup => Packet::Wakeup,
        T::Advertise => Packet::Advertise {
            gw_id: b.u8()?,
            duration: b.u16()?,
        },
        T::SearchGw => Packet::SearchGw { info: b.rest() },
        T::GwInfo => Packet::GwInfo {
            gw_id: b.u8()?,
            gw_addr: b.rest(),
        },
        T::Forwarder => {
            let len = b.u8()?;
            let address = b.take(usize::from(len))?;
            let packet = b.rest();
            check_inner(PacketType::Forwarder, packet)?;
            Packet::Forwarder { address, packet }
        }
        T::Connection => {
            let len = b.u16()?;
            let id = b.take(usize::from(len))?;
            let client_id = b.text(id, "client id")?;
            let packet = b.rest();
            check_inner(PacketType::Connection, packet)?;
            Packet::Connection { client_id, packet }
        }
        T::Protection => Packet::Protection(protection(b)?),
    })
}

fn connect<'a>(b: &mut Body<'a>) -> Result<Connect<&'a [u8]>, Sn2Error> {
    let flags = b.flags(0b0111_1111)?;
    let will_flags = (flags & 0b10 != 0)
        .then(|| b.flags(0b0001_1111))
        .transpose()?;
    let packet_id = b.packet_id()?;
    let protocol_version = b.u8()?;
    if protocol_version != 2 {
        return Err(Sn2Error::UnsupportedVersion(protocol_version));
    }
    let keep_alive = b.u16()?;
    if keep_alive == 0 {
        return Err(Sn2Error::KeepAliveZero);
    }
    let max_packet_size = b.u16()?;
    if (1..10).contains(&max_packet_size) {
        return Err(Sn2Error::MaxPacketSize(max_packet_size));
    }
    let default_awake_messages = (flags & 0b1_0000 != 0).then(|| b.u8()).transpose()?;
    let session_expiry = (flags & 0b1000 != 0).then(|| b.u32()).transpose()?;
    let will = match will_flags {
        Some(wf) => {
            let qos = qos(PacketType::Connect, (wf >> 2) & 0b11)?;
            let topic = b.prefixed_topic(wf & 0b11)?;
            let len = b.u16()?;
            Some(Will {
                qos,
                retain: wf & 0x10 != 0,
                topic,
                payload: b.take(usize::from(len))?,
            })
        }
        None => None,
    };
    let auth = (flags & 0b100 != 0).then(|| b.auth_block()).transpose()?;
    let id = b.rest();
    Ok(Connect {
        clean_start: flags & 1 != 0,
        address_may_change: flags & 0b10_0000 != 0,
        server_may_suggest: flags & 0b100_0000 != 0,
        packet_id,
        protocol_version,
        keep_alive,
        max_packet_size,
        default_awake_messages,
        session_expiry,
        will,
        auth,
        client_id: b.text(id, "client id")?,
    })
}

/// The sizes of the crypto material and the counter their flag bits announce.
pub(crate) const CRYPTO_LEN: [usize; 4] = [0, 2, 4, 12];
pub(crate) const COUNTER_LEN: [usize; 3] = [0, 2, 4];

/// Whether a protection scheme octet is one the draft defines or leaves to providers.
pub(crate) fn known_scheme(scheme: u8) -> bool {
    matches!(scheme, 0x00..=0x04 | 0x3C..=0x49 | 0xF0..=0xFF)
}

fn protection<'a>(b: &mut Body<'a>) -> Result<Protection<&'a [u8]>, Sn2Error> {
    let flags = b.u8()?;
    let tag_length = flags >> 4;
    let counter_code = usize::from(flags & 0b11);
    if matches!(tag_length, 2 | 3) || counter_code == 3 {
        return Err(Sn2Error::ReservedFlags {
            packet_type: PacketType::Protection,
            bits: flags,
        });
    }
    let scheme = b.u8()?;
    if !known_scheme(scheme) {
        return Err(Sn2Error::Encapsulation("a reserved protection scheme"));
    }
    let sender_id = b.array::<8>()?;
    let random = b.array::<4>()?;
    let crypto_len = CRYPTO_LEN
        .get(usize::from((flags >> 2) & 0b11))
        .copied()
        .unwrap_or(0);
    let counter_len = COUNTER_LEN.get(counter_code).copied().unwrap_or(0);
    let crypto = b.take(crypto_len)?;
    let counter = b.take(counter_len)?;
    let protected = b.rest();
    if protected.is_empty() {
        return Err(b.short());
    }
    Ok(Protection {
        tag_length,
        scheme,
        sender_id,
        random,
        crypto,
        counter,
        protected,
    })
}
