//! Borrowed packets made owned: [`PacketRef::to_owned`] copies the bytes a view points to,
//! [`PacketRef::to_shared`] slices them out of the [`Bytes`] the view was parsed from, so a
//! caller that parsed without allocating can keep a packet past the life of its buffer.
//! [`PropertyView::to_owned`] and [`PropertyView::to_shared`] do the same for a property set
//! alone, and `to_owned` and `to_shared` of [`Publish`] and [`Connect`] views for a
//! caller that has matched the packet already.

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::packet::{
    Auth, ConnAck, Connect, Disconnect, Packet, PacketRef, PubResponse, Publish, SubAck, Subscribe,
    Subscription, UnsubAck, Unsubscribe, Will,
};
use crate::properties::{Properties, UserProperty};
use crate::property_slot::BoxedProperties;
use crate::property_view::{Property, PropertyView};
use crate::storage::{Borrowed, Owned};
use crate::string::MqttStr;
use crate::topic::{TopicFilter, TopicName};
use alloc::{boxed::Box, vec::Vec};
use bytes::Bytes;

/// How byte fields become owned: a field within `frame` (the bytes the view was parsed
/// from) is a zero-copy slice of it, anything else is copied.
#[derive(Clone, Copy)]
pub(crate) struct Owner<'f> {
    frame: Option<&'f Bytes>,
}

impl<'f> Owner<'f> {
    /// Copies every field.
    pub(crate) fn copying() -> Self {
        Owner { frame: None }
    }

    /// Slices the fields out of `frame`.
    pub(crate) fn sharing(frame: &'f Bytes) -> Self {
        Owner { frame: Some(frame) }
    }

    #[inline]
    fn bytes(self, b: &[u8]) -> Bytes {
        if b.is_empty() {
            return Bytes::new();
        }
        if let Some(frame) = self.frame {
            if let Some(start) = offset_within(frame, b) {
                let end = start.saturating_add(b.len());
                if end <= frame.len() {
                    return frame.slice(start..end);
                }
            }
        }
        Bytes::copy_from_slice(b)
    }

    #[inline(always)]
    fn str(self, s: &MqttStr<&[u8]>) -> MqttStr<Bytes> {
        MqttStr::from_validated(self.bytes(s.as_bytes()))
    }

    #[inline(always)]
    pub(crate) fn topic(self, t: &TopicName<&[u8]>) -> TopicName<Bytes> {
        TopicName::from_validated(self.str(t.as_mqtt_str()))
    }

    #[inline]
    fn filter(self, f: &TopicFilter<&[u8]>) -> TopicFilter<Bytes> {
        TopicFilter::from_validated(self.str(f.as_mqtt_str()))
    }

    #[inline(always)]
    pub(crate) fn properties(self, view: &PropertyView<'_>) -> BoxedProperties {
        if view.is_empty() {
            return BoxedProperties::default();
        }
        self.some_properties(view)
    }

    /// [`Owner::properties`] when there are some: out of line, as they are rare. A parsed
    /// section whose properties did not come in the order the encoder writes a set is
    /// kept beside the set, so that it encodes as it arrived (see [`BoxedProperties`]);
    /// one in that order would come out the same, and costs nothing more.
    #[inline(never)]
    fn some_properties(self, view: &PropertyView<'_>) -> BoxedProperties {
        BoxedProperties::filled(|p| match (self.gather(view, p), view.raw()) {
            (false, Some(raw)) => Some(self.bytes(raw)),
            _ => None,
        })
    }

    /// Sets in `p` every property of `view`, in one walk ([`PropertyView::for_each`]),
    /// trusted as the parser validated it; true when they came in the order
    /// `Properties::write_content` writes them (the single ones by identifier, then the
    /// Subscription Identifiers, then the User Properties).
    #[inline(always)]
    fn gather(self, view: &PropertyView<'_>, p: &mut Properties<Owned>) -> bool {
        const SUBSCRIPTION_IDENTIFIER: u16 = 0x100;
        const USER_PROPERTY: u16 = 0x101;
        let (mut last, mut in_order) = (0u16, true);
        let mut next = |rank: u16| {
            in_order &= rank >= last;
            last = rank;
        };
        macro_rules! gather {
            ($( ($id:literal, $variant:ident, $field:ident, $kind:ident $(, $rest:tt)*) ),* $(,)?) => {
                view.for_each(|property| match property {
                    $( Property::$variant(v) => {
                        next($id);
                        p.$field = Some(gather!(@ $kind, v));
                    } )*
                    Property::SubscriptionIdentifier(id) => {
                        next(SUBSCRIPTION_IDENTIFIER);
                        p.subscription_identifiers.push(id);
                    }
                    Property::UserProperty(u) => {
                        next(USER_PROPERTY);
                        p.user_properties.push(UserProperty {
                            name: self.str(&u.name),
                            value: self.str(&u.value),
                        });
                    }
                })
            };
            (@ Byte, $v:expr) => { $v };
            (@ U16, $v:expr) => { $v };
            (@ U32, $v:expr) => { $v };
            (@ Str, $v:expr) => { self.str(&$v) };
            (@ Topic, $v:expr) => { self.topic(&$v) };
            (@ Bin, $v:expr) => { self.bytes($v) };
        }
        // The same walk twice over: asked apart, a parsed section lets the compiler drop
        // `for_each`'s branch for built properties, and the closure goes in line.
        match view.raw() {
            Some(_) => crate::for_each_property!(gather),
            None => crate::for_each_property!(gather),
        }
        in_order
    }

    /// The owned packet of `p`.
    pub(crate) fn packet(self, p: &PacketRef<'_>) -> Packet {
        match p {
            PacketRef::Connect(c) => Packet::Connect(Box::new(self.connect(&c.to_connect()))),
            PacketRef::ConnAck(c) => Packet::ConnAck(ConnAck {
                session_present: c.session_present,
                reason_code: c.reason_code,
                properties: self.properties(&c.properties),
            }),
            PacketRef::Publish(p) => Packet::Publish(self.publish(p)),
            PacketRef::PubAck(a) => Packet::PubAck(self.response(a)),
            PacketRef::PubRec(a) => Packet::PubRec(self.response(a)),
            PacketRef::PubRel(a) => Packet::PubRel(self.response(a)),
            PacketRef::PubComp(a) => Packet::PubComp(self.response(a)),
            PacketRef::Subscribe(s) => Packet::Subscribe(Subscribe {
                packet_id: s.packet_id,
                properties: self.properties(&s.properties),
                subscriptions: exact(s.subscriptions.len(), s.subscriptions.iter(), |sub| {
                    Subscription {
                        filter: self.filter(&sub.filter),
                        options: sub.options,
                    }
                }),
            }),
            PacketRef::SubAck(s) => Packet::SubAck(SubAck {
                packet_id: s.packet_id,
                properties: self.properties(&s.properties),
                reason_codes: exact(s.reason_codes.len(), s.reason_codes.iter(), |c| c),
            }),
            PacketRef::Unsubscribe(u) => Packet::Unsubscribe(Unsubscribe {
                packet_id: u.packet_id,
                properties: self.properties(&u.properties),
                filters: exact(u.filters.len(), u.filters.iter(), |f| self.str(&f)),
            }),
            PacketRef::UnsubAck(u) => Packet::UnsubAck(UnsubAck {
                packet_id: u.packet_id,
                properties: self.properties(&u.properties),
                reason_codes: exact(u.reason_codes.len(), u.reason_codes.iter(), |c| c),
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

    /// The owned PUBLISH of `p`.
    #[inline(always)]
    pub(crate) fn publish(self, p: &Publish<Borrowed<'_>>) -> Publish<Owned> {
        Publish {
            dup: p.dup,
            qos: p.qos,
            retain: p.retain,
            topic: self.topic(&p.topic),
            packet_id: p.packet_id,
            properties: self.properties(&p.properties),
            payload: self.bytes(p.payload),
        }
    }

    pub(crate) fn connect(self, c: &Connect<Borrowed<'_>>) -> Connect<Owned> {
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

/// The items of a list of `len` items, converted, in one allocation.
fn exact<T, U>(len: usize, items: impl Iterator<Item = T>, convert: impl FnMut(T) -> U) -> Vec<U> {
    let mut out = Vec::with_capacity(len);
    out.extend(items.map(convert));
    out
}

/// `b` as a slice of `frame` when it lies in it (nothing copied), else a copy.
pub(crate) fn slice_or_copy(frame: &Bytes, b: &[u8]) -> Bytes {
    Owner::sharing(frame).bytes(b)
}

/// The offset of `part` in `whole` when it lies within it (compared as addresses; nothing
/// is dereferenced).
fn offset_within(whole: &[u8], part: &[u8]) -> Option<usize> {
    let start = whole.as_ptr() as usize;
    let p = part.as_ptr() as usize;
    let offset = p.checked_sub(start)?;
    (offset.saturating_add(part.len()) <= whole.len()).then_some(offset)
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
        Owner::copying().packet(self)
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
        Owner::sharing(frame).packet(self)
    }
}

impl Publish<Borrowed<'_>> {
    /// An owned PUBLISH with a copy of the topic, the payload and the properties: what
    /// [`PacketRef::to_owned`] makes of it, for a caller that has matched the view already.
    ///
    /// ```
    /// use mqtt_codec::{parse, PacketRef, ParseOptions, ProtocolVersion, Status};
    ///
    /// let buf = [0x32, 0x09, 0x00, 0x03, b'a', b'/', b'b', 0x00, 0x07, b'h', b'i'];
    /// let Status::Complete((PacketRef::Publish(view), _)) = parse(&buf, &ParseOptions::new(ProtocolVersion::V3_1_1))? else {
    ///     panic!()
    /// };
    /// let kept = view.to_owned();
    /// assert_eq!((kept.topic.as_str(), kept.packet_id.map(|id| id.get())), ("a/b", Some(7)));
    /// # Ok::<(), mqtt_codec::DecodeError>(())
    /// ```
    pub fn to_owned(&self) -> Publish<Owned> {
        Owner::copying().publish(self)
    }

    /// An owned PUBLISH whose topic, payload and properties are zero-copy slices of
    /// `frame`, the buffer the view was parsed from, as [`PacketRef::to_shared`] makes it.
    pub fn to_shared(&self, frame: &Bytes) -> Publish<Owned> {
        Owner::sharing(frame).publish(self)
    }
}

impl Connect<Borrowed<'_>> {
    /// An owned CONNECT with a copy of every string, binary and property (the will's
    /// included): what [`PacketRef::to_owned`] makes of it.
    pub fn to_owned(&self) -> Connect<Owned> {
        Owner::copying().connect(self)
    }

    /// An owned CONNECT whose byte fields are zero-copy slices of `frame`, the buffer the
    /// view was parsed from, as [`PacketRef::to_shared`] makes it.
    pub fn to_shared(&self, frame: &Bytes) -> Connect<Owned> {
        Owner::sharing(frame).connect(self)
    }
}

impl PropertyView<'_> {
    /// Owned properties with a copy of every string and binary: what [`PacketRef::to_owned`]
    /// makes of a packet's properties, without the rest of the packet.
    ///
    /// ```
    /// use mqtt_codec::{parse, Packet, ParseOptions, PropertySlot, ProtocolVersion, Status};
    ///
    /// // A 5.0 PUBLISH to "a" with a Content Type "t".
    /// let buf = [0x30, 0x08, 0x00, 0x01, b'a', 0x04, 0x03, 0x00, 0x01, b't'];
    /// let Status::Complete((Packet::Publish(p), _)) = parse(&buf, &ParseOptions::new(ProtocolVersion::V5))? else {
    ///     panic!()
    /// };
    /// let owned = p.properties.to_owned();
    /// assert_eq!(owned.with(|o| o.content_type.as_ref().map(|t| t.as_str().to_string())), Some("t".into()));
    /// # Ok::<(), mqtt_codec::DecodeError>(())
    /// ```
    pub fn to_owned(&self) -> BoxedProperties {
        Owner::copying().properties(self)
    }

    /// Owned properties whose strings and binaries are zero-copy slices of `frame`, the
    /// buffer the view was parsed from (a field outside `frame` is copied), as
    /// [`PacketRef::to_shared`] makes them.
    pub fn to_shared(&self, frame: &Bytes) -> BoxedProperties {
        Owner::sharing(frame).properties(self)
    }
}
