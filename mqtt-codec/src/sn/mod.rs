//! MQTT-SN 1.2, the variant of MQTT for datagram networks (UDP, ZigBee, ...): a codec of its
//! own, in the same shape as the MQTT one.
//!
//! A datagram is one message: [`parse`] reads it into a borrowed [`Message`] without copying
//! or allocating, and [`Message::encode`] writes one into a caller's buffer, with every rule
//! the parser checks checked first. With `alloc`, [`Message::to_owned`] copies a view into
//! `bytes::Bytes` and [`parse_bytes`] slices a received `Bytes` instead.
//!
//! ```
//! use mqtt_codec::sn::{parse, Connect, Message};
//!
//! // CONNECT, CleanSession, keep-alive 60 s, ClientId "dev1" (spec example V1).
//! let datagram = [0x0A, 0x04, 0x04, 0x01, 0x00, 0x3C, b'd', b'e', b'v', b'1'];
//! let message = parse(&datagram)?;
//! let Message::Connect(Connect { clean_session, duration, client_id, .. }) = &message else {
//!     panic!("not a CONNECT")
//! };
//! assert!(*clean_session);
//! assert_eq!((*duration, client_id.as_str()), (60, "dev1"));
//!
//! let mut out = [0u8; 32];
//! let n = message.encode(&mut out)?;
//! assert_eq!(&out[..n], &datagram);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Decisions where the specification is silent are those of `shared/spec/mqtt-sn.md`,
//! marked `[rec]` there:
//! - the Length must match the datagram exactly; the 3-octet form is accepted at any size
//!   and written only above 255 octets;
//! - a MsgId of zero is refused where a reply is matched to it (QoS 1 and 2 PUBLISH,
//!   SUBSCRIBE, UNSUBSCRIBE, REGISTER); at QoS 0 and −1 the MsgId and DUP are read as zero;
//! - unused flag bits are ignored unless [`SnOptions::strict_flags`] is set;
//! - a WILLTOPIC of Flags only (Paho's empty form) deletes the will like the 2-octet form;
//! - a topic filter may use MQTT 5.0's `$share/NAME/FILTER`, checked as MQTT checks it;
//! - an encapsulation must use the 1-octet Length, and may not hold another one.
//!
//! Errors that 1.2 answers with a return code rather than silence say so:
//! [`SnError::answer`].

mod decode;
mod display;
pub(crate) mod encode;
mod error;
pub(crate) mod header;
mod message;
mod types;
pub mod v2;

pub use decode::{parse, parse_with, SnOptions};
pub use error::{SnEncodeError, SnError};
pub use message::{
    Connect, Encapsulated, Message, Publish, Register, Subscribe, SubscribeTopic, WillTopic,
};
pub use types::{MsgType, ReturnCode, SnQos, TopicId};

/// The two versions of MQTT-SN.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SnVersion {
    /// MQTT-SN 1.2 (IBM, 2013): this module.
    V1_2,
    /// MQTT-SN 2.0 (OASIS draft, CSD01): [`v2`].
    V2_0,
}

/// A parsed message that borrows its datagram.
pub type MessageRef<'a> = Message<&'a [u8]>;

/// Parses a received datagram into an owned message whose byte fields are slices of it
/// (nothing copied).
#[cfg(feature = "alloc")]
pub fn parse_bytes(
    datagram: &bytes::Bytes,
    opts: &SnOptions,
) -> Result<Message<bytes::Bytes>, SnError> {
    let view = parse_with(datagram, opts)?;
    Ok(view.map_bytes(&mut |b: &&[u8]| crate::to_owned::slice_or_copy(datagram, b)))
}
