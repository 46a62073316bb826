//! Borrowed packets made owned: [`PacketRef::to_owned`] copies the bytes a view points to,
//! [`PacketRef::to_shared`] slices them out of the [`Bytes`] the view was parsed from, so a
//! caller that parsed without allocating can keep a packet past the life of its buffer.

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::packet::{
    Auth, ConnAck, Connect, Disconnect, Packet, PacketRef, PubResponse, Publish, SubAck, Subscribe,
    Subscription, UnsubAck, Unsubscribe, Will,
};
use crate::properties::{Properties, UserProperty};
use crate::property_slot::BoxedProperties;
use crate::property_view::PropertyView;
use crate::storage::{Borrowed, Owned};
use crate::string::MqttStr;
use crate::topic::{TopicFilter, TopicName};
use alloc::boxed::Box;
use bytes::Bytes;

/// How byte fields become owned: sliced out of a frame when they lie in it, copied otherwise.
#[derive(Clone, Copy)]
struct Owner<'f> {
    frame: Option<&'f Bytes>,
}

impl Owner<'_> {
    fn bytes(self, b: &[u8]) -> Bytes {
        match self.frame {
            Some(frame) => slice_or_copy(frame, b),
            None => Bytes::copy_from_slice(b),
        }
    }

    fn str(self, s: &MqttStr<&[u8]>) -> MqttStr<Bytes> {
        MqttStr::from_validated(self.bytes(s.as_bytes()))
    }

    fn topic(self, t: &TopicName<&[u8]>) -> TopicName<Bytes> {
        TopicName::from_validated(self.str(t.as_mqtt_str()))
    }

    fn filter(self, f: &TopicFilter<&[u8]>) -> TopicFilter<Bytes> {
        TopicFilter::from_validated(self.str(f.as_mqtt_str()))
    }

    fn properties(self, view: &PropertyView<'_>) -> BoxedProperties {
        if view.is_empty() {
            return BoxedProperties::default();
        }
        let p = &view.to_properties();
        macro_rules! convert {
            ($( ($id:literal, $variant:ident, $field:ident, $kind:ident $(, $rest:tt)*) ),* $(,)?) => {
                Properties::<Owned> {
                    $( $field: p.$field.as_ref().map(|v| convert!(@ $kind, v)), )*
                    subscription_identifiers: p.subscription_identifiers.iter().collect(),
                    user_properties: p
                        .user_properties
                        .iter()
                        .map(|u| UserProperty {
                            name: self.str(&u.name),
                            value: self.str(&u.value),
                        })
                        .collect(),
                }
            };
            (@ Byte, $v:expr) => { *$v };
            (@ U16, $v:expr) => { *$v };
            (@ U32, $v:expr) => { *$v };
            (@ Str, $v:expr) => { self.str($v) };
            (@ Topic, $v:expr) => { self.topic($v) };
            (@ Bin, $v:expr) => { self.bytes($v) };
        }
        crate::for_each_property!(convert).into()
    }

    fn packet(self, p: &PacketRef<'_>) -> Packet {
        match p {
            PacketRef::Connect(c) => Packet::Connect(Box::new(self.connect(&c.to_connect()))),
            PacketRef::ConnAck(c) => Packet::ConnAck(ConnAck {
                session_present: c.session_present,
                reason_code: c.reason_code,
                properties: self.properties(&c.properties),
            }),
            PacketRef::Publish(p) => Packet::Publish(Publish {
                dup: p.dup,
                qos: p.qos,
                retain: p.retain,
                topic: self.topic(&p.topic),
                packet_id: p.packet_id,
                properties: self.properties(&p.properties),
                payload: self.bytes(p.payload),
            }),
            PacketRef::PubAck(a) => Packet::PubAck(self.response(a)),
            PacketRef::PubRec(a) => Packet::PubRec(self.response(a)),
            PacketRef::PubRel(a) => Packet::PubRel(self.response(a)),
            PacketRef::PubComp(a) => Packet::PubComp(self.response(a)),
            PacketRef::Subscribe(s) => Packet::Subscribe(Subscribe {
                packet_id: s.packet_id,
                properties: self.properties(&s.properties),
                subscriptions: s
                    .subscriptions
                    .iter()
                    .map(|sub| Subscription {
                        filter: self.filter(&sub.filter),
                        options: sub.options,
                    })
                    .collect(),
            }),
            PacketRef::SubAck(s) => Packet::SubAck(SubAck {
                packet_id: s.packet_id,
                properties: self.properties(&s.properties),
                reason_codes: s.reason_codes.iter().collect(),
            }),
            PacketRef::Unsubscribe(u) => Packet::Unsubscribe(Unsubscribe {
                packet_id: u.packet_id,
                properties: self.properties(&u.properties),
                filters: u.filters.iter().map(|f| self.str(&f)).collect(),
            }),
            PacketRef::UnsubAck(u) => Packet::UnsubAck(UnsubAck {
                packet_id: u.packet_id,
                properties: self.properties(&u.properties),
                reason_codes: u.reason_codes.iter().collect(),
            }),
            PacketRef::PingReq => Packet::PingReq,
            PacketRef::PingResp => Packet::PingResp,
            PacketRef::Disconnect(d) => Packet::Disconnect(Disconnect {
                reason_code: d.reason_code,
                properties: self.properties(&d.properties),
            }),
            PacketRef::Auth(a) => Packet::Auth(Auth {
                reason_code: a.reason_code,
                properties: self.properties(&a.properties),
            }),
        }
    }

    fn connect(self, c: &Connect<Borrowed<'_>>) -> Connect<Owned> {
        Connect {
            protocol_version: c.protocol_version,
            bridge: c.bridge,
            clean_start: c.clean_start,
            keep_alive: c.keep_alive,
            client_id: self.str(&c.client_id),
            will: c.will.as_ref().map(|w| Will {
                topic: self.topic(&w.topic),
                payload: self.bytes(w.payload),
                qos: w.qos,
                retain: w.retain,
                properties: self.properties(&w.properties),
            }),
            username: c.username.as_ref().map(|u| self.str(u)),
            password: c.password.map(|p| self.bytes(p)),
            properties: self.properties(&c.properties),
        }
    }

    fn response(self, a: &PubResponse<Borrowed<'_>>) -> PubResponse<Owned> {
        PubResponse {
            packet_id: a.packet_id,
            reason_code: a.reason_code,
            properties: self.properties(&a.properties),
        }
    }
}

/// `b` as a slice of `frame` when it lies in it (nothing copied), else a copy.
pub(crate) fn slice_or_copy(frame: &Bytes, b: &[u8]) -> Bytes {
    if contains(frame, b) {
        frame.slice_ref(b)
    } else {
        Bytes::copy_from_slice(b)
    }
}

/// True when `part` lies within `whole` (compared as addresses; nothing is dereferenced).
fn contains(whole: &[u8], part: &[u8]) -> bool {
    let start = whole.as_ptr() as usize;
    let end = start.saturating_add(whole.len());
    let p = part.as_ptr() as usize;
    p >= start && p.saturating_add(part.len()) <= end
}

impl PacketRef<'_> {
    /// An owned packet with a copy of every byte field: keeps nothing of the buffer the view
    /// was parsed from.
    ///
    /// ```
    /// use mqtt_codec::{parse, Packet, ParseOptions, ProtocolVersion, Status};
    ///
    /// let buf = [0x30, 0x07, 0x00, 0x03, b'a', b'/', b'b', b'h', b'i'];
    /// let Status::Complete((view, _)) = parse(&buf, &ParseOptions::new(ProtocolVersion::V3_1_1))? else {
    ///     panic!()
    /// };
    /// let Packet::Publish(p) = view.to_owned() else { panic!() };
    /// assert_eq!((p.topic.as_str(), &p.payload[..]), ("a/b", &b"hi"[..]));
    /// # Ok::<(), mqtt_codec::DecodeError>(())
    /// ```
    pub fn to_owned(&self) -> Packet {
        Owner { frame: None }.packet(self)
    }

    /// An owned packet whose byte fields are zero-copy slices of `frame`, the buffer the view
    /// was parsed from (a field outside `frame` is copied). The packet shares `frame`'s
    /// storage: nothing is copied, and the storage lives as long as the packet.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use mqtt_codec::{parse, Packet, ParseOptions, ProtocolVersion, Status};
    ///
    /// let frame = Bytes::from_static(&[0x30, 0x07, 0x00, 0x03, b'a', b'/', b'b', b'h', b'i']);
    /// let Status::Complete((view, _)) = parse(&frame, &ParseOptions::new(ProtocolVersion::V3_1_1))? else {
    ///     panic!()
    /// };
    /// let Packet::Publish(p) = view.to_shared(&frame) else { panic!() };
    /// assert_eq!(p.payload.as_ptr(), frame[7..].as_ptr()); // the same bytes, not a copy
    /// # Ok::<(), mqtt_codec::DecodeError>(())
    /// ```
    pub fn to_shared(&self, frame: &Bytes) -> Packet {
        Owner { frame: Some(frame) }.packet(self)
    }
}
