//! How a packet holds its CONNECT ([`ConnectSlot`]): boxed in an owned packet, a view of
//! the validated body in a borrowed one ([`ConnectView`]).
//!
//! CONNECT has the most fields of any packet (a dozen byte fields with the will), and a
//! borrowed [`crate::PacketRef`] is as large as its largest variant; holding the CONNECT
//! inline made every view of every packet some 670 bytes. It comes once per connection, so
//! its view keeps the body and reads it again when asked.

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use super::connect::{Connect, Will, CLEAN, PASSWORD, USERNAME, WILL, WILL_QOS_SHIFT, WILL_RETAIN};
use crate::packet_type::PacketType;
use crate::property_view::PropertyView;
use crate::qos::QoS;
use crate::storage::{sealed::Sealed, Borrowed, Storage};
use crate::string::MqttStr;
use crate::topic::TopicName;
use crate::version::{ProtocolVersion, Role};
use crate::wire::reader::Reader;
use core::fmt;

/// How a packet of storage `S` holds a CONNECT: a `Box<Connect>` in an owned packet, a
/// [`ConnectView`] in a borrowed one. Generic code reads it through [`ConnectSlot::with`].
pub trait ConnectSlot<S: Storage>: Sealed + Clone + fmt::Debug + PartialEq + Eq {
    /// The protocol version the CONNECT asks for.
    fn protocol_version(&self) -> ProtocolVersion;

    /// The CONNECT properties.
    fn properties(&self) -> &S::Props;

    /// Calls `f` with the CONNECT: an owned packet's in place, a borrowed packet's read from
    /// its body for the call.
    fn with<R>(&self, f: impl FnOnce(&Connect<S>) -> R) -> R;
}

#[cfg(feature = "alloc")]
mod boxed {
    use super::*;
    use crate::storage::Owned;
    use alloc::boxed::Box;

    impl Sealed for Box<Connect<Owned>> {}

    impl ConnectSlot<Owned> for Box<Connect<Owned>> {
        fn protocol_version(&self) -> ProtocolVersion {
            self.protocol_version
        }
        fn properties(&self) -> &crate::BoxedProperties {
            &self.properties
        }
        fn with<R>(&self, f: impl FnOnce(&Connect<Owned>) -> R) -> R {
            f(self)
        }
    }
}

/// A CONNECT in a borrowed packet ([`crate::PacketRef`]): the body the parser validated, read
/// again on demand, or a [`Connect`] the caller built to encode.
///
/// ```
/// use mqtt_codec::{parse, Packet, ParseOptions, ProtocolVersion, Role, Status};
///
/// let buf = [0x10, 0x0F, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x02, 0x00, 0x3C,
///            0x00, 0x03, b'a', b'b', b'c'];
/// let options = ParseOptions { receiver: Some(Role::Server), ..ParseOptions::new(ProtocolVersion::V3_1_1) };
/// let Status::Complete((Packet::Connect(view), _)) = parse(&buf, &options)? else { panic!() };
/// assert_eq!(view.protocol_version(), ProtocolVersion::V3_1_1);
/// let connect = view.to_connect();
/// assert_eq!((connect.client_id.as_str(), connect.keep_alive), ("abc", 60));
/// # Ok::<(), mqtt_codec::DecodeError>(())
/// ```
#[derive(Clone, Copy)]
pub struct ConnectView<'a>(Repr<'a>);

#[derive(Clone, Copy)]
enum Repr<'a> {
    /// The body of a CONNECT the parser validated, with what its reading needs.
    Wire {
        body: &'a [u8],
        properties: PropertyView<'a>,
        version: ProtocolVersion,
        bridge: bool,
    },
    /// A CONNECT the caller built, to encode.
    Built(&'a Connect<Borrowed<'a>>),
}

impl<'a> ConnectView<'a> {
    /// A view of `connect`, for a borrowed packet that is to be encoded.
    pub fn new(connect: &'a Connect<Borrowed<'a>>) -> Self {
        ConnectView(Repr::Built(connect))
    }

    /// The view of a CONNECT the parser read from `body`.
    pub(crate) fn parsed(connect: &Connect<Borrowed<'a>>, body: &'a [u8]) -> Self {
        ConnectView(Repr::Wire {
            body,
            properties: connect.properties,
            version: connect.protocol_version,
            bridge: connect.bridge,
        })
    }

    /// The protocol version the CONNECT asks for.
    pub fn protocol_version(&self) -> ProtocolVersion {
        match self.0 {
            Repr::Wire { version, .. } => version,
            Repr::Built(c) => c.protocol_version,
        }
    }

    /// The body (variable header and payload) of a parsed CONNECT, as it arrived; `None` for
    /// a view of a built [`Connect`].
    pub fn raw(&self) -> Option<&'a [u8]> {
        match self.0 {
            Repr::Wire { body, .. } => Some(body),
            Repr::Built(_) => None,
        }
    }

    /// The CONNECT, every field a view of the body.
    pub fn to_connect(&self) -> Connect<Borrowed<'a>> {
        match self.0 {
            Repr::Wire {
                body,
                version,
                bridge,
                ..
            } => {
                // Only a server's parser makes this view: a build without the server side
                // links no reader for it.
                if !Role::Server.is_enabled() {
                    return empty(version);
                }
                // The parser accepted this body, so reading it succeeds; a body that did not
                // come from the parser reads as an empty CONNECT of its version.
                read_validated(body, version, bridge).unwrap_or_else(|| empty(version))
            }
            Repr::Built(c) => c.clone(),
        }
    }
}

/// The CONNECT of a body the parser validated, read without checking anything again.
fn read_validated(
    body: &[u8],
    version: ProtocolVersion,
    bridge: bool,
) -> Option<Connect<Borrowed<'_>>> {
    let mut r = Reader::new(body, PacketType::Connect);
    string(&mut r)?; // protocol name
    r.u8("").ok()?; // protocol level
    let flags = r.u8("").ok()?;
    let keep_alive = r.u16("").ok()?;
    let v5 = version.is_v5();
    let properties = if v5 {
        section(&mut r)?
    } else {
        PropertyView::default()
    };
    let client_id = MqttStr::from_validated(string(&mut r)?);
    let will = if flags & WILL != 0 {
        let properties = if v5 {
            section(&mut r)?
        } else {
            PropertyView::default()
        };
        let topic = TopicName::from_validated(MqttStr::from_validated(string(&mut r)?));
        Some(Will {
            topic,
            payload: string(&mut r)?,
            qos: QoS::from_bits((flags >> WILL_QOS_SHIFT) & 0b11)?,
            retain: flags & WILL_RETAIN != 0,
            properties,
        })
    } else {
        None
    };
    let username = match flags & USERNAME {
        0 => None,
        _ => Some(MqttStr::from_validated(string(&mut r)?)),
    };
    let password = match flags & PASSWORD {
        0 => None,
        _ => Some(string(&mut r)?),
    };
    Some(Connect {
        protocol_version: version,
        bridge,
        clean_start: flags & CLEAN != 0,
        keep_alive,
        client_id,
        will,
        username,
        password,
        properties,
    })
}

/// A length-prefixed field the parser validated.
fn string<'a>(r: &mut Reader<'a>) -> Option<&'a [u8]> {
    r.binary("").ok()
}

/// A property section (its length, then its content) the parser validated.
fn section<'a>(r: &mut Reader<'a>) -> Option<PropertyView<'a>> {
    let len = usize::try_from(r.varint("").ok()?).ok()?;
    Some(PropertyView::wire(r.take(len, "").ok()?))
}

/// A CONNECT with no field set.
fn empty<'a>(version: ProtocolVersion) -> Connect<Borrowed<'a>> {
    Connect {
        protocol_version: version,
        bridge: false,
        clean_start: true,
        keep_alive: 0,
        client_id: MqttStr::from_validated(&[]),
        will: None,
        username: None,
        password: None,
        properties: Default::default(),
    }
}

impl<'a> From<&'a Connect<Borrowed<'a>>> for ConnectView<'a> {
    fn from(c: &'a Connect<Borrowed<'a>>) -> Self {
        ConnectView::new(c)
    }
}

impl Sealed for ConnectView<'_> {}

impl<'a> ConnectSlot<Borrowed<'a>> for ConnectView<'a> {
    fn protocol_version(&self) -> ProtocolVersion {
        ConnectView::protocol_version(self)
    }

    fn properties(&self) -> &PropertyView<'a> {
        match &self.0 {
            Repr::Wire { properties, .. } => properties,
            Repr::Built(c) => &c.properties,
        }
    }

    fn with<R>(&self, f: impl FnOnce(&Connect<Borrowed<'a>>) -> R) -> R {
        match self.0 {
            Repr::Built(c) => f(c),
            Repr::Wire { .. } => f(&self.to_connect()),
        }
    }
}

impl PartialEq for ConnectView<'_> {
    /// Equal when the CONNECTs are, however each view holds them.
    fn eq(&self, other: &Self) -> bool {
        self.with(|a| other.with(|b| a == b))
    }
}

impl Eq for ConnectView<'_> {}

impl fmt::Debug for ConnectView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.with(|c| c.fmt(f))
    }
}
