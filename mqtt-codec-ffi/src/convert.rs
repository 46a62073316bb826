//! Between the core's packets and the C structs: `fill_*` makes C views of a decoded packet,
//! `build_*` makes a borrowed core packet of a C struct the caller filled, without allocating.

use crate::item_slots::{ItemSlots, LIST_SLOTS, USER_PROPERTY_SLOTS};
use crate::status::{self, mqtt_status, mqtt_status::*};
use crate::types::*;
use codec::list_kind::{ReasonCodes, Subscriptions, TopicFilters};
use codec::region::{
    next_reason_code, next_subscription, next_subscription_identifier, next_topic_filter,
    next_user_property,
};
use codec::{
    Auth, Borrowed, BorrowedList, ConnAck, Connect, ConnectSlot, Disconnect, MqttStr, Packet,
    PacketRef, PacketType, PropertySlot, PropertyView, ProtocolVersion, PubResponse, Publish, QoS,
    ReasonCode, RetainHandling, Role, Storage, SubAck, Subscribe, Subscription,
    SubscriptionOptions, TopicFilter, TopicName, UnsubAck, Unsubscribe, UserProperty, Will,
};
use core::mem::size_of;
use core::num::NonZeroU16;
use core::{ptr, slice};
#[cfg(feature = "alloc")]
use {codec::Owned, core::ffi::c_void};

/// The version of a protocol level, if it is one.
pub(crate) fn version_of(level: u8) -> Option<ProtocolVersion> {
    match level {
        MQTT_V3_1 => Some(ProtocolVersion::V3_1),
        MQTT_V3_1_1 => Some(ProtocolVersion::V3_1_1),
        MQTT_V5 => Some(ProtocolVersion::V5),
        _ => None,
    }
}

/// The core's parse options of the C ones.
pub(crate) fn parse_options(o: &mqtt_decode_options) -> Result<codec::ParseOptions, mqtt_status> {
    let version = match o.version {
        MQTT_VERSION_UNKNOWN => None,
        v => Some(version_of(v).ok_or(MQTT_ERR_INVALID_ARGUMENT)?),
    };
    let receiver = match o.role {
        MQTT_ROLE_ANY => None,
        MQTT_ROLE_CLIENT => Some(Role::Client),
        MQTT_ROLE_SERVER => Some(Role::Server),
        _ => return Err(MQTT_ERR_INVALID_ARGUMENT),
    };
    let max_packet_size = match o.max_packet_size {
        0 => codec::MAX_PACKET_SIZE,
        n => n,
    };
    Ok(codec::ParseOptions {
        version,
        receiver,
        max_packet_size,
    })
}

// ---------------------------------------------------------------------------------------
// Core -> C
// ---------------------------------------------------------------------------------------

/// The C field of a core property that is present, by its kind: a view, or a number.
macro_rules! to_c {
    (Str, $v:expr) => {
        mqtt_bytes::of($v.as_bytes())
    };
    (Topic, $v:expr) => {
        mqtt_bytes::of($v.as_mqtt_str().as_bytes())
    };
    (Bin, $v:expr) => {
        mqtt_bytes::of($v.as_ref())
    };
    ($number:ident, $v:expr) => {
        *$v
    };
}

/// Turns the lists of a decoded packet into `mqtt_list`s.
pub(crate) trait ListSink<S: Storage> {
    /// SUBSCRIBE subscriptions.
    fn subscriptions(&mut self, l: &S::List<Subscriptions>, level: u8) -> mqtt_list;
    /// UNSUBSCRIBE filters.
    fn filters(&mut self, l: &S::List<TopicFilters>) -> mqtt_list;
    /// SUBACK and UNSUBACK reason codes.
    fn codes(&mut self, l: &S::List<ReasonCodes>) -> mqtt_list;
    /// Writes the C views of the properties of the packet (`will == false`) or of the will
    /// into `out`, which must be cleared already.
    fn properties(&mut self, p: &S::Props, will: bool, out: &mut mqtt_properties);
}

/// Lists of a packet parsed from the caller's buffer: views of their regions of it.
pub(crate) struct Wire;

fn wire<T>(l: &BorrowedList<'_, T>, kind: u8, level: u8) -> mqtt_list {
    let raw = l.raw().unwrap_or_default();
    mqtt_list {
        kind,
        version: level,
        count: l.len(),
        items: core::ptr::null(),
        raw: raw.as_ptr(),
        raw_len: raw.len(),
    }
}

impl<'a> ListSink<Borrowed<'a>> for Wire {
    fn subscriptions(
        &mut self,
        l: &BorrowedList<'a, Subscription<Borrowed<'a>>>,
        level: u8,
    ) -> mqtt_list {
        wire(l, MQTT_LIST_SUBSCRIPTIONS, level)
    }
    fn filters(&mut self, l: &BorrowedList<'a, MqttStr<&'a [u8]>>) -> mqtt_list {
        wire(l, MQTT_LIST_TOPIC_FILTERS, 0)
    }
    fn codes(&mut self, l: &BorrowedList<'a, ReasonCode>) -> mqtt_list {
        // A region of reason codes is an array of them, one byte each: `items` too, so that
        // every decoded list of codes can be indexed, whoever decoded it.
        let mut list = wire(l, MQTT_LIST_REASON_CODES, 0);
        if !list.raw.is_null() {
            list.items = list.raw.cast::<core::ffi::c_void>();
        }
        list
    }
    fn properties(&mut self, p: &PropertyView<'a>, _will: bool, out: &mut mqtt_properties) {
        fill_section(p, out)
    }
}

/// Writes the C views of a property view into `out` (cleared already). The lists of a
/// parsed section are the section itself, read by the C list functions with the count of
/// their items; a view of built properties (which no parse makes) has no section for them,
/// and gives their counts alone, as [`wire`] does.
fn fill_section(p: &PropertyView<'_>, out: &mut mqtt_properties) {
    // A build without 5.0 has only empty sections (3.x has none): the test lets it leave
    // the reading out.
    if !cfg!(feature = "v5") || p.is_empty() {
        return type_empty_lists(out);
    }
    let raw = p.raw().unwrap_or_default();
    let (ids, users) = match p.raw() {
        Some(_) => section_fields(p, out),
        None => p.with(|p| {
            copy_present(p, out);
            (p.subscription_identifiers.len(), p.user_properties.len())
        }),
    };
    let list = |kind, count| mqtt_list {
        kind,
        version: 0,
        count,
        items: core::ptr::null(),
        raw: raw.as_ptr(),
        raw_len: raw.len(),
    };
    out.subscription_identifiers = list(MQTT_LIST_SUBSCRIPTION_IDENTIFIERS, ids);
    out.user_properties = list(MQTT_LIST_USER_PROPERTIES, users);
}

/// The single-value properties of a section into `out`, in one walk of it (reading the
/// whole set first and then copying the fields that are present cost twice the walk);
/// returns how many Subscription Identifiers and User Properties it holds.
#[cfg(not(target_os = "none"))]
fn section_fields(p: &PropertyView<'_>, out: &mut mqtt_properties) -> (usize, usize) {
    use codec::Property;
    // Asked again here so that the compiler knows the view is a section, and leaves out the
    // branch of `for_each` for built properties: the closure then has one call and goes in
    // line.
    if p.raw().is_none() {
        return (0, 0);
    }
    let (mut ids, mut users) = (0usize, 0usize);
    macro_rules! fill {
        ($( ($variant:ident, $field:ident, $kind:ident $(, $has:ident)?) ),* $(,)?) => {
            p.for_each(|property| match property {
                $( Property::$variant(v) => {
                    out.$field = to_c!($kind, &v);
                    $( out.$has = true; )?
                } )*
                Property::SubscriptionIdentifier(_) => ids = ids.saturating_add(1),
                Property::UserProperty(_) => users = users.saturating_add(1),
            })
        };
    }
    for_each_c_property!(fill);
    (ids, users)
}

/// [`section_fields`] on bare metal, where flash counts more than the nanoseconds: through
/// the set the core reads anyway (`with`), so that the image holds one walk of a section.
#[cfg(target_os = "none")]
fn section_fields(p: &PropertyView<'_>, out: &mut mqtt_properties) -> (usize, usize) {
    p.with(|p| {
        copy_present(p, out);
        (p.subscription_identifiers.len(), p.user_properties.len())
    })
}

/// Copies the single-value properties that `p` has into `out` (cleared already).
fn copy_present<S: Storage>(p: &codec::Properties<S>, out: &mut mqtt_properties) {
    macro_rules! fill {
        ($( ($variant:ident, $field:ident, $kind:ident $(, $has:ident)?) ),* $(,)?) => {
            $(
                if let Some(v) = &p.$field {
                    out.$field = to_c!($kind, v);
                    $( out.$has = true; )?
                }
            )*
        };
    }
    for_each_c_property!(fill);
}

/// Arrays of C items for the lists of an owned packet (the heap decoder's).
#[cfg(feature = "alloc")]
#[derive(Default)]
pub(crate) struct Arena {
    subs: alloc::vec::Vec<mqtt_subscription>,
    filters: alloc::vec::Vec<mqtt_bytes>,
    codes: alloc::vec::Vec<u8>,
    user: alloc::vec::Vec<mqtt_user_property>,
    will_user: alloc::vec::Vec<mqtt_user_property>,
    ids: alloc::vec::Vec<u32>,
}

#[cfg(feature = "alloc")]
fn array<T>(v: &[T], kind: u8) -> mqtt_list {
    mqtt_list {
        kind,
        count: v.len(),
        items: v.as_ptr().cast::<c_void>(),
        ..mqtt_list::default()
    }
}

pub(crate) fn subscription_to_c<S: Storage>(s: &Subscription<S>) -> mqtt_subscription {
    mqtt_subscription {
        filter: mqtt_bytes::of(s.filter.as_mqtt_str().as_bytes()),
        qos: s.options.qos as u8,
        no_local: s.options.no_local,
        retain_as_published: s.options.retain_as_published,
        retain_handling: s.options.retain_handling as u8,
    }
}

pub(crate) fn user_property_to_c<S: Storage>(p: &UserProperty<S>) -> mqtt_user_property {
    mqtt_user_property {
        name: mqtt_bytes::of(p.name.as_bytes()),
        value: mqtt_bytes::of(p.value.as_bytes()),
    }
}

#[cfg(feature = "alloc")]
impl ListSink<Owned> for Arena {
    fn subscriptions(&mut self, l: &alloc::vec::Vec<Subscription<Owned>>, _level: u8) -> mqtt_list {
        self.subs.clear();
        self.subs.extend(l.iter().map(subscription_to_c));
        array(&self.subs, MQTT_LIST_SUBSCRIPTIONS)
    }
    fn filters(&mut self, l: &alloc::vec::Vec<MqttStr>) -> mqtt_list {
        self.filters.clear();
        self.filters
            .extend(l.iter().map(|f| mqtt_bytes::of(f.as_bytes())));
        array(&self.filters, MQTT_LIST_TOPIC_FILTERS)
    }
    fn codes(&mut self, l: &alloc::vec::Vec<ReasonCode>) -> mqtt_list {
        self.codes.clear();
        self.codes.extend(l.iter().map(|c| c.value()));
        array(&self.codes, MQTT_LIST_REASON_CODES)
    }
    fn properties(&mut self, p: &codec::BoxedProperties, will: bool, out: &mut mqtt_properties) {
        fill_properties(p, self, will, out)
    }
}

#[cfg(feature = "alloc")]
impl Arena {
    /// User Properties of the packet (`will == false`) or of the will.
    fn user_properties(&mut self, l: &[UserProperty<Owned>], will: bool) -> mqtt_list {
        let v = if will {
            &mut self.will_user
        } else {
            &mut self.user
        };
        v.clear();
        v.extend(l.iter().map(user_property_to_c));
        array(v, MQTT_LIST_USER_PROPERTIES)
    }

    /// Subscription Identifiers.
    fn subscription_ids(&mut self, l: &[u32]) -> mqtt_list {
        self.ids.clear();
        self.ids.extend_from_slice(l);
        array(&self.ids, MQTT_LIST_SUBSCRIPTION_IDENTIFIERS)
    }
}

/// Writes the C views of an owned packet's properties into `out`, which must be cleared
/// already (every caller's block is): only a property that is present is written, so a
/// packet with two properties pays for two fields rather than for all of them. Field by
/// field where it lies: returning the 280-byte block by value copied it through the stack
/// once more.
#[cfg(feature = "alloc")]
pub(crate) fn fill_properties(
    p: &codec::Properties<Owned>,
    arena: &mut Arena,
    will: bool,
    out: &mut mqtt_properties,
) {
    copy_present(p, out);
    out.subscription_identifiers = arena.subscription_ids(&p.subscription_identifiers);
    out.user_properties = arena.user_properties(&p.user_properties, will);
}

/// True when the C property block sets nothing: every view NULL with length 0, every flag
/// clear, both lists empty. What [`properties_view`] makes of it is then the empty set. (A
/// view is set when its pointer or its length is not zero; NULL with a length is an error
/// the full conversion reports.)
fn no_properties(p: &mqtt_properties) -> bool {
    (p.subscription_identifiers.count | p.user_properties.count) == 0 && head_set(p) == 0
}

/// The views and `has_` flags at the head of `p` OR-ed a word at a time, with no branch: not
/// zero when any is set. Most packets carry no property, and take this path.
fn head_set(p: &mqtt_properties) -> u64 {
    // SAFETY: the first HEAD_LEN bytes of `*p` are its views (pointers and lengths) and its
    // `has_` flags (`bool`s), with no padding among them (asserted where the struct is
    // generated): initialised bytes, valid as `u8`s, read as integers only (a pointer's
    // bytes without their provenance, only compared with zero). The pointer
    // comes from a reference to the whole struct, so it may read any of its bytes, and
    // `read_unaligned` needs no alignment.
    let head: [u8; HEAD_LEN] =
        unsafe { ptr::read_unaligned(ptr::from_ref(p).cast::<[u8; HEAD_LEN]>()) };
    let mut set = 0u64;
    for chunk in head.chunks(8) {
        let mut word = [0u8; 8];
        if let Some(start) = word.get_mut(..chunk.len()) {
            start.copy_from_slice(chunk);
        }
        set |= u64::from_ne_bytes(word);
    }
    set
}

/// Types the two (empty) lists of a property block as a filled set types them.
fn type_empty_lists(p: &mut mqtt_properties) {
    p.subscription_identifiers.kind = MQTT_LIST_SUBSCRIPTION_IDENTIFIERS;
    p.user_properties.kind = MQTT_LIST_USER_PROPERTIES;
}

/// Sets a PUBLISH's topic and payload views.
///
/// Out of line on purpose: the views arrive in registers, loaded a word at a time from the
/// packet the parser has just written. In line, the compiler copies each (pointer, length)
/// pair with one 16-byte load, which cannot take its data from the parser's two pending
/// 8-byte stores and waits for them to reach the cache.
#[inline(never)]
fn set_publish_views(out: &mut mqtt_packet, topic: &[u8], payload: &[u8]) {
    out.topic = mqtt_bytes::of(topic);
    out.payload = mqtt_bytes::of(payload);
}

/// Sets a CONNECT's client identifier, user name and password views, out of line for the
/// reason given at [`set_publish_views`]: the CONNECT was just read into place field by
/// field, and a 16-byte copy of each view stalled on those stores.
#[inline(never)]
fn set_connect_views(
    out: &mut mqtt_packet,
    client_id: &[u8],
    username: Option<&[u8]>,
    password: Option<&[u8]>,
) {
    out.client_id = mqtt_bytes::of(client_id);
    out.username = mqtt_bytes::opt(username);
    out.password = mqtt_bytes::opt(password);
}

/// C views of a decoded packet; `level` is the protocol level it was decoded under.
///
/// `out` is filled in place, and must be cleared already (`mqtt_packet::clear`, which the
/// callers do through the raw pointer before any reference to it exists): the struct is
/// large (every field of every packet type and all the properties), and building it aside
/// and copying it in cost more than the parse.
pub(crate) fn fill_packet<S: Storage, L: ListSink<S>>(
    packet: &Packet<S>,
    level: u8,
    sink: &mut L,
    out: &mut mqtt_packet,
) {
    out.packet_type = packet.packet_type() as u8;
    // A build without 5.0 never decodes a property: the test lets it leave the code out.
    match packet.properties() {
        Some(p) if cfg!(feature = "v5") && !p.is_empty() => {
            sink.properties(p, false, &mut out.properties)
        }
        // The block is cleared already: only the lists' kinds differ from zero.
        _ => type_empty_lists(&mut out.properties),
    }
    match packet {
        // A borrowed CONNECT is read from its body for the call; every view still points
        // into the caller's buffer.
        Packet::Connect(c) => c.with(|c| {
            out.protocol_version = c.protocol_version.level();
            out.clean_start = c.clean_start;
            out.keep_alive = c.keep_alive;
            set_connect_views(
                out,
                c.client_id.as_bytes(),
                c.username.as_ref().map(|s| s.as_bytes()),
                c.password.as_ref().map(|b| b.as_ref()),
            );
            if let Some(w) = &c.will {
                out.has_will = true;
                out.will.topic = mqtt_bytes::of(w.topic.as_mqtt_str().as_bytes());
                out.will.payload = mqtt_bytes::of(w.payload.as_ref());
                out.will.qos = w.qos as u8;
                out.will.retain = w.retain;
                if cfg!(feature = "v5") {
                    sink.properties(&w.properties, true, &mut out.will.properties);
                } else {
                    type_empty_lists(&mut out.will.properties);
                }
            }
        }),
        Packet::ConnAck(c) => {
            out.session_present = c.session_present;
            out.reason_code = c.reason_code.value();
        }
        Packet::Publish(p) => {
            out.dup = p.dup;
            out.qos = p.qos as u8;
            out.retain = p.retain;
            out.packet_id = p.packet_id.map_or(0, |id| id.get());
            set_publish_views(out, p.topic.as_mqtt_str().as_bytes(), p.payload.as_ref());
        }
        Packet::PubAck(r) | Packet::PubRec(r) | Packet::PubRel(r) | Packet::PubComp(r) => {
            out.packet_id = r.packet_id.get();
            out.reason_code = r.reason_code.value();
        }
        Packet::Subscribe(s) => {
            out.packet_id = s.packet_id.get();
            out.subscriptions = sink.subscriptions(&s.subscriptions, level);
        }
        Packet::SubAck(s) => {
            out.packet_id = s.packet_id.get();
            out.reason_codes = sink.codes(&s.reason_codes);
        }
        Packet::Unsubscribe(u) => {
            out.packet_id = u.packet_id.get();
            out.topic_filters = sink.filters(&u.filters);
        }
        Packet::UnsubAck(u) => {
            out.packet_id = u.packet_id.get();
            out.reason_codes = sink.codes(&u.reason_codes);
        }
        Packet::Disconnect(d) => out.reason_code = d.reason_code.value(),
        Packet::Auth(a) => out.reason_code = a.reason_code.value(),
        Packet::PingReq | Packet::PingResp => {}
    }
}

// ---------------------------------------------------------------------------------------
// C -> core (encoding). Every view in the caller's struct must stay valid for the call.
// ---------------------------------------------------------------------------------------

/// The bytes of a required view (NULL with length 0 is the empty field).
///
/// # Safety
/// A non-NULL `b.ptr` must point to `b.len` readable bytes that outlive `'a`.
pub(crate) unsafe fn view<'a>(b: &mqtt_bytes) -> Result<&'a [u8], mqtt_status> {
    // SAFETY: the function's contract.
    unsafe { crate::c_args::bytes(b.ptr, b.len) }
}

/// True for the absent view (NULL, length 0). Tested where the field is set, so that an
/// absent property costs no call: the result of one comes back through the stack, and the
/// 16-byte load of it that follows waits for the call's narrower stores to retire (a store
/// that cannot be forwarded), three times in a 5.0 PUBLISH's properties.
#[inline(always)]
fn is_absent(b: &mqtt_bytes) -> bool {
    b.ptr.is_null() && b.len == 0
}

/// The bytes of an optional view (NULL is absent).
///
/// # Safety
/// As for [`view`].
unsafe fn opt_view<'a>(b: &mqtt_bytes) -> Result<Option<&'a [u8]>, mqtt_status> {
    if is_absent(b) {
        return Ok(None);
    }
    // SAFETY: the contract is this function's own.
    unsafe { view(b) }.map(Some)
}

/// # Safety
/// As for [`view`].
unsafe fn opt_str<'a>(b: &mqtt_bytes) -> Result<Option<MqttStr<&'a [u8]>>, mqtt_status> {
    // SAFETY: the contract is this function's own.
    match unsafe { opt_view(b) }? {
        None => Ok(None),
        Some(s) => MqttStr::try_new(s).map(Some).map_err(status::of_str),
    }
}

/// # Safety
/// As for [`view`].
unsafe fn req_str<'a>(b: &mqtt_bytes) -> Result<MqttStr<&'a [u8]>, mqtt_status> {
    // SAFETY: the contract is this function's own.
    MqttStr::try_new(unsafe { view(b) }?).map_err(status::of_str)
}

/// A non-empty topic name.
///
/// # Safety
/// As for [`view`].
unsafe fn topic_name<'a>(b: &mqtt_bytes) -> Result<TopicName<&'a [u8]>, mqtt_status> {
    // SAFETY: the contract is this function's own.
    let t = TopicName::try_from_bytes(unsafe { view(b) }?).map_err(|e| status::of_topic(&e))?;
    if t.is_empty() {
        return Err(MQTT_ERR_TOPIC_EMPTY);
    }
    Ok(t)
}

fn qos(q: u8) -> Result<QoS, mqtt_status> {
    QoS::from_bits(q).ok_or(MQTT_ERR_INVALID_ARGUMENT)
}

fn reason(code: u8) -> Result<ReasonCode, mqtt_status> {
    ReasonCode::from_u8(code).ok_or(MQTT_ERR_INVALID_REASON_CODE)
}

// The builders of the common packets are out of line on purpose: inside `build_packet` the
// compiler merges the writes of every packet's result into one sequence of narrow stores,
// which the encoder's wide reads of the packet then wait on (a store that cannot be
// forwarded to a wider load; a quarter of a PUBACK's or a small PUBLISH's encode time).

/// The PUBLISH of a C one, written where the caller keeps it.
///
/// # Safety
/// The views in `p` must be valid for `'a`.
#[inline(never)]
unsafe fn publish<'a>(
    p: &mqtt_packet,
    properties: impl FnOnce() -> Result<PropertyView<'a>, mqtt_status>,
) -> Result<PacketRef<'a>, mqtt_status> {
    // The properties first: their view comes back through the stack, and the topic's check
    // gives the stores that wrote it time to retire before the packet's wide copy reads it.
    let properties = properties()?;
    // SAFETY: (whole block) the views are valid for 'a by this function's contract.
    unsafe {
        Ok(Packet::Publish(Publish {
            dup: p.dup,
            qos: qos(p.qos)?,
            retain: p.retain,
            topic: TopicName::try_from_bytes(view(&p.topic)?).map_err(|e| status::of_topic(&e))?,
            packet_id: NonZeroU16::new(p.packet_id),
            properties,
            payload: view(&p.payload)?,
        }))
    }
}

/// The acknowledgement (PUBACK, PUBREC, PUBREL, PUBCOMP) of a C one, written where the
/// caller keeps it.
#[inline(never)]
fn pub_response<'a>(
    p: &mqtt_packet,
    properties: impl FnOnce() -> Result<PropertyView<'a>, mqtt_status>,
) -> Result<PacketRef<'a>, mqtt_status> {
    let r = PubResponse {
        packet_id: packet_id(p.packet_id)?,
        reason_code: reason(p.reason_code)?,
        properties: properties()?,
    };
    Ok(match p.packet_type {
        MQTT_PACKET_PUBACK => Packet::PubAck(r),
        MQTT_PACKET_PUBREC => Packet::PubRec(r),
        MQTT_PACKET_PUBREL => Packet::PubRel(r),
        _ => Packet::PubComp(r),
    })
}

fn packet_id(id: u16) -> Result<NonZeroU16, mqtt_status> {
    NonZeroU16::new(id).ok_or(MQTT_ERR_ZERO_PACKET_ID)
}

/// An item of a list that a caller can give as a C array, or that is read from a region of
/// a decoded packet.
pub(crate) trait CItem<'a>: Sized + 'a {
    /// The C type of one array element.
    type C: Copy + 'static;
    /// The list kind (`MQTT_LIST_*`).
    const KIND: u8;
    /// The item of a C element.
    ///
    /// # Safety
    /// Every view inside `c` must be valid for `'a` (as for [`view`]).
    unsafe fn from_c(c: &'a Self::C) -> Result<Self, mqtt_status>;
    /// The item of a C element that [`CItem::from_c`] accepted already, read again without
    /// checking its strings (the encoder reads a list once to size it and once to write it).
    ///
    /// # Safety
    /// As for [`CItem::from_c`].
    unsafe fn from_checked_c(c: &'a Self::C) -> Option<Self> {
        // SAFETY: the contract of this function.
        unsafe { Self::from_c(c) }.ok()
    }
    /// Reads the next item of a region decoded under protocol `level`.
    fn next_raw(raw: &mut &'a [u8], level: u8) -> Option<Self>;
}

impl<'a> CItem<'a> for Subscription<Borrowed<'a>> {
    type C = mqtt_subscription;
    const KIND: u8 = MQTT_LIST_SUBSCRIPTIONS;
    // In line on 64-bit hosts, so that `build_list_in` builds the item in its slot: returned
    // through the stack, its 8-byte stores stalled the slot's 16-byte copy of it.
    #[cfg_attr(target_pointer_width = "64", inline(always))]
    unsafe fn from_c(c: &'a mqtt_subscription) -> Result<Self, mqtt_status> {
        // SAFETY: the contract of this function.
        let filter = unsafe { view(&c.filter) }?;
        // The version is not known here: the 5.0 `$share/` rules are checked by the encoder.
        let filter =
            TopicFilter::try_from_bytes(filter, false).map_err(|e| status::of_topic(&e))?;
        let retain_handling = match c.retain_handling {
            MQTT_RETAIN_SEND_AT_SUBSCRIBE => RetainHandling::SendAtSubscribe,
            MQTT_RETAIN_SEND_IF_NEW => RetainHandling::SendIfNew,
            MQTT_RETAIN_DO_NOT_SEND => RetainHandling::DoNotSend,
            _ => return Err(MQTT_ERR_INVALID_ARGUMENT),
        };
        Ok(Subscription {
            filter,
            options: SubscriptionOptions {
                qos: qos(c.qos)?,
                no_local: c.no_local,
                retain_as_published: c.retain_as_published,
                retain_handling,
            },
        })
    }
    unsafe fn from_checked_c(c: &'a mqtt_subscription) -> Option<Self> {
        // SAFETY: the contract of this function.
        let filter = TopicFilter::new_unchecked(unsafe { view(&c.filter) }.ok()?);
        let retain_handling = match c.retain_handling {
            MQTT_RETAIN_SEND_AT_SUBSCRIBE => RetainHandling::SendAtSubscribe,
            MQTT_RETAIN_SEND_IF_NEW => RetainHandling::SendIfNew,
            _ => RetainHandling::DoNotSend,
        };
        Some(Subscription {
            filter,
            options: SubscriptionOptions {
                qos: qos(c.qos).ok()?,
                no_local: c.no_local,
                retain_as_published: c.retain_as_published,
                retain_handling,
            },
        })
    }
    fn next_raw(raw: &mut &'a [u8], level: u8) -> Option<Self> {
        next_subscription(raw, version_of(level)?)
    }
}

impl<'a> CItem<'a> for MqttStr<&'a [u8]> {
    type C = mqtt_bytes;
    const KIND: u8 = MQTT_LIST_TOPIC_FILTERS;
    // In line on 64-bit hosts, as for subscriptions.
    #[cfg_attr(target_pointer_width = "64", inline(always))]
    unsafe fn from_c(c: &'a mqtt_bytes) -> Result<Self, mqtt_status> {
        // SAFETY: the contract of this function.
        unsafe { req_str(c) }
    }
    unsafe fn from_checked_c(c: &'a mqtt_bytes) -> Option<Self> {
        // SAFETY: the contract of this function.
        unsafe { view(c) }.ok().map(MqttStr::new_unchecked)
    }
    fn next_raw(raw: &mut &'a [u8], _level: u8) -> Option<Self> {
        next_topic_filter(raw)
    }
}

impl<'a> CItem<'a> for ReasonCode {
    type C = u8;
    const KIND: u8 = MQTT_LIST_REASON_CODES;
    unsafe fn from_c(c: &'a u8) -> Result<Self, mqtt_status> {
        reason(*c)
    }
    fn next_raw(raw: &mut &'a [u8], _level: u8) -> Option<Self> {
        next_reason_code(raw)
    }
}

impl<'a> CItem<'a> for UserProperty<Borrowed<'a>> {
    type C = mqtt_user_property;
    const KIND: u8 = MQTT_LIST_USER_PROPERTIES;
    // In line on 64-bit hosts, as for subscriptions.
    #[cfg_attr(target_pointer_width = "64", inline(always))]
    unsafe fn from_c(c: &'a mqtt_user_property) -> Result<Self, mqtt_status> {
        // SAFETY: the contract of this function.
        let (name, value) = unsafe { (req_str(&c.name)?, req_str(&c.value)?) };
        Ok(UserProperty { name, value })
    }
    unsafe fn from_checked_c(c: &'a mqtt_user_property) -> Option<Self> {
        // SAFETY: the contract of this function.
        let (name, value) = unsafe { (view(&c.name).ok()?, view(&c.value).ok()?) };
        Some(UserProperty {
            name: MqttStr::new_unchecked(name),
            value: MqttStr::new_unchecked(value),
        })
    }
    fn next_raw(raw: &mut &'a [u8], _level: u8) -> Option<Self> {
        next_user_property(raw)
    }
}

impl<'a> CItem<'a> for u32 {
    type C = u32;
    const KIND: u8 = MQTT_LIST_SUBSCRIPTION_IDENTIFIERS;
    unsafe fn from_c(c: &'a u32) -> Result<Self, mqtt_status> {
        Ok(*c)
    }
    fn next_raw(raw: &mut &'a [u8], _level: u8) -> Option<Self> {
        next_subscription_identifier(raw)
    }
}

/// Element `i` of a byte view of a C array of `T`, checked for bounds and alignment.
fn item_at<T>(data: &[u8], i: usize) -> Option<&T> {
    let size = size_of::<T>();
    let start = i.checked_mul(size)?;
    let end = start.checked_add(size)?;
    if end > data.len() {
        return None;
    }
    let ptr = data.as_ptr().wrapping_add(start).cast::<T>();
    // One mask of the address (what `align_offset` would compute takes more).
    if !ptr.is_aligned() {
        return None;
    }
    // SAFETY: `data` is only ever a byte view of a caller's array of `T` that `c_array`
    // checked, made by `build_list` (whose `get_item` is this function's sole user); the
    // element lies inside it and is aligned.
    Some(unsafe { &*ptr })
}

/// The `get` of a list over a C array: converts element `i`.
fn get_item<'a, T: CItem<'a>>(data: &'a [u8], i: usize) -> Option<T> {
    let c = item_at::<T::C>(data, i)?;
    // SAFETY: `build_list` checked every element with `from_c` under the same contract (the
    // caller's views stay valid for the encode call) before making the list.
    unsafe { T::from_checked_c(c) }
}

/// A borrowed list of a C list, checked item by item first so that no item is dropped.
///
/// # Safety
/// `l.items` (if not NULL) must point to `l.count` elements of `T::C` and `l.raw` (if not
/// NULL) to `l.raw_len` bytes, and every view in them must be valid, all for `'a`.
// In line on 64-bit hosts: returned from a call, the list was written a field at a time and
// its caller's first 16-byte copy of it waited for those stores to reach the cache. Firmware
// (an in-order core, no such wait) keeps one copy per item type.
#[cfg_attr(target_pointer_width = "64", inline(always))]
pub(crate) unsafe fn build_list<'a, T: CItem<'a>>(
    l: &mqtt_list,
) -> Result<BorrowedList<'a, T>, mqtt_status> {
    if l.count == 0 {
        return Ok(BorrowedList::default());
    }
    if l.kind != T::KIND {
        return Err(MQTT_ERR_INVALID_ARGUMENT);
    }
    if !l.items.is_null() {
        // SAFETY: the contract of this function.
        let array = unsafe { c_array::<T>(l) }?;
        for c in array {
            // SAFETY: the views in the items are valid for 'a by this function's contract.
            unsafe { T::from_c(c) }?;
        }
        // The list reads the array through a byte view, as the core's lists know no C type.
        // SAFETY: the bytes of the `count` elements `c_array` checked; never read as bytes:
        // `item_at` casts them back to `T::C`.
        let data: &'a [u8] = unsafe {
            slice::from_raw_parts(array.as_ptr().cast::<u8>(), core::mem::size_of_val(array))
        };
        Ok(BorrowedList::from_fn(l.count, data, get_item::<T>))
    } else if !l.raw.is_null() {
        // SAFETY: by this function's contract `raw` holds `raw_len` bytes for 'a.
        let data: &'a [u8] = unsafe { crate::c_args::bytes(l.raw, l.raw_len) }?;
        let mut rest = data;
        for _ in 0..l.count {
            T::next_raw(&mut rest, l.version).ok_or(MQTT_ERR_INVALID_ARGUMENT)?;
        }
        // Encoding walks the region once with a cursor (`T::next_raw`), item after item.
        Ok(BorrowedList::from_region(
            l.count,
            data,
            l.version,
            T::next_raw,
        ))
    } else {
        Err(MQTT_ERR_NULL_POINTER)
    }
}

/// The C array of a list (`items` not NULL, `count` elements of `T::C`), checked for size
/// and alignment.
///
/// # Safety
/// As for [`build_list`].
#[inline(always)]
unsafe fn c_array<'a, T: CItem<'a>>(l: &mqtt_list) -> Result<&'a [T::C], mqtt_status> {
    l.count
        .checked_mul(size_of::<T::C>())
        .filter(|&size| size <= isize::MAX as usize)
        .ok_or(MQTT_ERR_INVALID_ARGUMENT)?;
    if !l.items.cast::<T::C>().is_aligned() {
        return Err(MQTT_ERR_INVALID_ARGUMENT);
    }
    // SAFETY: by the caller's contract `items` holds `count` elements for 'a; they span no
    // more than `isize::MAX` bytes and the pointer is aligned (both checked above).
    Ok(unsafe { slice::from_raw_parts(l.items.cast::<T::C>(), l.count) })
}

/// [`build_list`], with the items of a C array that fits in `slots` converted into them
/// (each checked as it is converted), so that the encoder walks them in place.
///
/// # Safety
/// As for [`build_list`].
#[inline(always)]
pub(crate) unsafe fn build_list_in<'a, T: CItem<'a>, const N: usize>(
    l: &mqtt_list,
    slots: &'a mut ItemSlots<T, N>,
) -> Result<BorrowedList<'a, T>, mqtt_status> {
    if l.count != 0 && l.count <= N && l.kind == T::KIND && !l.items.is_null() {
        // SAFETY: the contract of this function.
        let array = unsafe { c_array::<T>(l) }?;
        let filled = slots.fill(l.count, |i| {
            let c = array.get(i).ok_or(MQTT_ERR_INTERNAL)?;
            // SAFETY: the views in the items are valid for 'a by this function's contract.
            unsafe { T::from_c(c) }
        });
        if let Some(items) = filled {
            return Ok(BorrowedList::from_slice(items?));
        }
    }
    // SAFETY: the contract of this function.
    unsafe { build_list(l) }
}

/// A core property of its C field, by its kind; returns from the function on an invalid view.
/// Must be used in an `unsafe` block whose views are valid for the result's lifetime.
macro_rules! from_c {
    (Str, $v:expr) => {
        if is_absent(&$v) {
            None
        } else {
            Some(req_str(&$v)?)
        }
    };
    (Topic, $v:expr) => {
        if is_absent(&$v) {
            None
        } else {
            Some(topic_name(&$v)?)
        }
    };
    (Bin, $v:expr) => {
        if is_absent(&$v) {
            None
        } else {
            Some(view(&$v)?)
        }
    };
    ($number:ident, $v:expr, $has:expr) => {
        $has.then_some($v)
    };
}

/// A view of the borrowed properties of C ones, kept in `slot`.
///
/// # Safety
/// Every view and list in `p` must be valid for `'a`.
#[inline]
unsafe fn properties_view<'a>(
    p: &mqtt_properties,
    slot: &'a mut PropertySlots<'a>,
) -> Result<PropertyView<'a>, mqtt_status> {
    // Most packets carry no property: nothing to convert or check, and the slot (some 300
    // bytes) is left untouched.
    if no_properties(p) {
        return Ok(PropertyView::default());
    }
    // SAFETY: the contract of this function.
    unsafe { set_properties_view(p, slot) }
}

/// [`properties_view`] of a block that sets some property, out of line so that the path
/// without one saves no registers for it. The set is built where the slot keeps it: built
/// aside and moved in, it took a second copy of its ~300 bytes of stack (which firmware
/// pays for), and the move's 16-byte loads waited for the 8-byte stores that had just
/// written the views.
///
/// # Safety
/// Every view and list in `p` must be valid for `'a`.
#[inline(never)]
unsafe fn set_properties_view<'a>(
    p: &mqtt_properties,
    slot: &'a mut PropertySlots<'a>,
) -> Result<PropertyView<'a>, mqtt_status> {
    // A build without 5.0 has nowhere to put one (3.x has no properties).
    if !cfg!(feature = "v5") {
        return Err(MQTT_ERR_NOT_REPRESENTABLE);
    }
    let PropertySlots {
        properties,
        user_properties,
    } = slot;
    let out = properties.insert(codec::Properties::default());
    macro_rules! build {
        ($( ($variant:ident, $field:ident, $kind:ident $(, $has:ident)?) ),* $(,)?) => {
            $( out.$field = from_c!($kind, p.$field $(, p.$has)?); )*
        };
    }
    // SAFETY: (whole block) the views and lists are valid for 'a by this function's contract.
    unsafe {
        for_each_c_property!(build);
        out.subscription_identifiers = build_list(&p.subscription_identifiers)?;
        out.user_properties = build_list_in(&p.user_properties, user_properties)?;
    }
    Ok(PropertyView::new(out))
}

/// Where a borrowed property block built of a C one is kept, with room for its User
/// Properties.
#[derive(Default)]
pub(crate) struct PropertySlots<'a> {
    properties: Option<codec::Properties<Borrowed<'a>>>,
    user_properties: ItemSlots<UserProperty<Borrowed<'a>>, USER_PROPERTY_SLOTS>,
}

/// What a borrowed packet built of a C one points at besides the caller's bytes: its
/// properties, its will's, its CONNECT (a borrowed packet holds views of them) and the
/// converted items of its list.
#[derive(Default)]
pub(crate) struct Scratch<'a> {
    properties: PropertySlots<'a>,
    will_properties: PropertySlots<'a>,
    connect: Option<Connect<Borrowed<'a>>>,
    subscriptions: ItemSlots<Subscription<Borrowed<'a>>, LIST_SLOTS>,
    filters: ItemSlots<MqttStr<&'a [u8]>, LIST_SLOTS>,
}

/// A borrowed core packet of a C one, to be encoded under `version`; what it points at
/// besides `p`'s views is kept in `scratch`.
///
/// # Safety
/// Every view and list in `p` must be valid for `'a`.
pub(crate) unsafe fn build_packet<'a>(
    p: &mqtt_packet,
    version: ProtocolVersion,
    scratch: &'a mut Scratch<'a>,
) -> Result<PacketRef<'a>, mqtt_status> {
    let pid = || packet_id(p.packet_id);
    let Scratch {
        properties,
        will_properties,
        connect,
        subscriptions,
        filters,
    } = scratch;
    // SAFETY: (whole block) the views and lists are valid for 'a by this function's contract.
    let packet = unsafe {
        // Converted in the arms of the packets that have properties, once (the slot moves
        // into the call: the closure is FnOnce).
        let props = move || {
            let slot = properties;
            properties_view(&p.properties, slot)
        };
        // A type this build never sends is refused here, as the encoder would refuse it, so
        // that its conversion is not linked (the guards are constants).
        let sent = PacketType::sent_in_build;
        match p.packet_type {
            MQTT_PACKET_CONNECT if sent(PacketType::Connect) => {
                let protocol_version = match p.protocol_version {
                    0 => version,
                    v => version_of(v).ok_or(MQTT_ERR_INVALID_ARGUMENT)?,
                };
                let will = if p.has_will {
                    Some(Will {
                        topic: topic_name(&p.will.topic)?,
                        payload: view(&p.will.payload)?,
                        qos: qos(p.will.qos)?,
                        retain: p.will.retain,
                        properties: properties_view(&p.will.properties, will_properties)?,
                    })
                } else {
                    None
                };
                let connect: &'a Connect<Borrowed<'a>> = connect.insert(Connect {
                    protocol_version,
                    bridge: false,
                    clean_start: p.clean_start,
                    keep_alive: p.keep_alive,
                    client_id: req_str(&p.client_id)?,
                    will,
                    username: opt_str(&p.username)?,
                    password: opt_view(&p.password)?,
                    properties: props()?,
                });
                PacketRef::from(connect)
            }
            MQTT_PACKET_CONNACK if sent(PacketType::ConnAck) => Packet::ConnAck(ConnAck {
                session_present: p.session_present,
                reason_code: reason(p.reason_code)?,
                properties: props()?,
            }),
            MQTT_PACKET_PUBLISH => return publish(p, props),
            MQTT_PACKET_PUBACK..=MQTT_PACKET_PUBCOMP => return pub_response(p, props),
            MQTT_PACKET_SUBSCRIBE if sent(PacketType::Subscribe) => Packet::Subscribe(Subscribe {
                packet_id: pid()?,
                properties: props()?,
                subscriptions: build_list_in(&p.subscriptions, subscriptions)?,
            }),
            MQTT_PACKET_SUBACK if sent(PacketType::SubAck) => Packet::SubAck(SubAck {
                packet_id: pid()?,
                properties: props()?,
                reason_codes: build_list(&p.reason_codes)?,
            }),
            MQTT_PACKET_UNSUBSCRIBE if sent(PacketType::Unsubscribe) => {
                Packet::Unsubscribe(Unsubscribe {
                    packet_id: pid()?,
                    properties: props()?,
                    filters: build_list_in(&p.topic_filters, filters)?,
                })
            }
            MQTT_PACKET_UNSUBACK if sent(PacketType::UnsubAck) => Packet::UnsubAck(UnsubAck {
                packet_id: pid()?,
                properties: props()?,
                reason_codes: build_list(&p.reason_codes)?,
            }),
            MQTT_PACKET_PINGREQ if sent(PacketType::PingReq) => Packet::PingReq,
            MQTT_PACKET_PINGRESP if sent(PacketType::PingResp) => Packet::PingResp,
            MQTT_PACKET_DISCONNECT => Packet::Disconnect(Disconnect {
                reason_code: reason(p.reason_code)?,
                properties: props()?,
            }),
            MQTT_PACKET_AUTH => Packet::Auth(Auth {
                reason_code: reason(p.reason_code)?,
                properties: props()?,
            }),
            MQTT_PACKET_CONNECT..=MQTT_PACKET_AUTH => return Err(MQTT_ERR_NOT_IN_BUILD),
            _ => return Err(MQTT_ERR_INVALID_ARGUMENT),
        }
    };
    Ok(packet)
}
