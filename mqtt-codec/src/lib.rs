//! A sans-IO MQTT codec for MQTT 3.1, 3.1.1 and 5.0: bytes in, packets out; packets in,
//! bytes out. No sockets, no clocks, no `unsafe`, and `no_std` with `alloc`.
//!
//! Decode a stream, fed in any chunks:
//!
//! ```
//! use mqtt_codec::{Decoder, Packet, ProtocolVersion};
//!
//! // A server-side decoder learns the version from the client's CONNECT.
//! let mut decoder = Decoder::server();
//! decoder.feed(&[0x10, 0x0F, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x02, 0x00, 0x3C]);
//! decoder.feed(&[0x00, 0x03, b'a', b'b', b'c', 0x30, 0x07, 0x00, 0x03, b'a', b'/', b'b', b'h', b'i']);
//! let Some(Packet::Connect(connect)) = decoder.next_packet()? else { panic!("not a CONNECT") };
//! assert_eq!(connect.client_id, "abc");
//! assert_eq!(decoder.protocol_version(), Some(ProtocolVersion::V3_1_1));
//! let Some(Packet::Publish(publish)) = decoder.next_packet()? else { panic!("not a PUBLISH") };
//! assert_eq!((publish.topic.as_str(), &publish.payload[..]), ("a/b", &b"hi"[..]));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Encode a packet, with its exact size known first:
//!
//! ```
//! use mqtt_codec::{Packet, PacketId, ProtocolVersion, Publish, QoS, TopicName};
//!
//! let topic = TopicName::new("PV/sunshine")?;
//! let publish = Publish::with_qos(topic, "true", QoS::AtLeastOnce, PacketId::new(1).unwrap());
//! let packet = Packet::Publish(publish);
//! let len = packet.encoded_len(ProtocolVersion::V5)?;
//! let mut out = [0u8; 64];
//! let written = packet.encode_to_slice(ProtocolVersion::V5, &mut out)?; // no allocation
//! assert_eq!(len, written);
//! assert_eq!(&out[..5], &[0x32, 0x14, 0x00, 0x0B, b'P']);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The pieces:
//! - [`Decoder`]: the streaming decoder (zero-copy [`Packet`]s of [`bytes::Bytes`] slices).
//! - [`parse`]: the borrowed, allocation-free parse of one packet in a `&[u8]` ([`PacketRef`]).
//! - [`Packet::encode`], [`Packet::encode_to_slice`], [`Packet::encoded_len`] and
//!   [`Publish::encode_header`] for vectored writes.
//! - [`TopicName`], [`TopicFilter`] and [`topic_matches`].
//! - [`DecodeError`] and [`EncodeError`], each naming the rule that was broken;
//!   [`DecodeError::reason_code`] gives the 5.0 reason code to send.
//! - [`sn`]: MQTT-SN 1.2, the datagram variant, with the same shape.
//! - `client` (feature `client`): the client session, sans-IO; `tokio` (feature `tokio`):
//!   a `tokio_util` codec and an async driver of that session with reconnects.

#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

#[cfg(feature = "broker")]
pub mod broker;
#[cfg(feature = "client")]
pub mod client;
mod decoder;
mod error;
mod error_kind;
mod framing;
mod list_items;
pub mod list_kind;
#[cfg(feature = "alloc")]
mod owned_body;
mod packet;
#[cfg(any(feature = "client", feature = "broker"))]
mod packet_flow;
mod packet_type;
mod parse;
mod properties;
mod property_id;
mod property_slot;
mod property_table;
mod property_view;
mod qos;
mod reason;
mod recv_buffer;
pub mod region;
#[cfg(feature = "scram")]
pub mod scram;
pub mod sn;
mod storage;
mod string;
#[cfg(feature = "alloc")]
mod to_owned;
#[cfg(feature = "tokio")]
pub mod tokio;
mod topic;
mod version;
mod wire;

pub use decoder::{Decoder, DecoderConfig, DefaultRecvBuffer, DEFAULT_MAX_PACKET_SIZE};
pub use error::{DecodeError, EncodeError};
pub use error_kind::DecodeErrorKind;
pub use framing::FixedHeader;
pub use list_kind::ListKind;
pub use packet::connack::v3_return_code;
pub use packet::{
    Auth, ConnAck, Connect, ConnectSlot, ConnectView, Disconnect, Encode, Packet, PacketId,
    PacketRef, Prepared, PubAck, PubComp, PubRec, PubRel, PubResponse, Publish, RetainHandling,
    SubAck, Subscribe, Subscription, SubscriptionOptions, TypedResponse, UnsubAck, Unsubscribe,
    Will, MAX_PACKET_SIZE,
};
pub use packet_type::PacketType;
pub use parse::{parse, parse_header, ParseOptions, Status};
pub use properties::{Properties, PropertyId, UserProperty};
#[cfg(feature = "alloc")]
pub use property_slot::BoxedProperties;
pub use property_slot::PropertySlot;
pub use property_view::{Property, PropertyView};
pub use qos::QoS;
pub use reason::ReasonCode;
pub use recv_buffer::{RecvBuffer, SliceBuffer};
#[cfg(feature = "alloc")]
pub use storage::Owned;
pub use storage::{Borrowed, BorrowedList, BorrowedListIter, DefaultStorage, Storage};
pub use string::{validate_str, DefaultBytes, MqttStr, StrError};
pub use topic::{
    split_shared, topic_matches, validate_topic_filter, validate_topic_name, TopicError,
    TopicFilter, TopicName, SHARE_PREFIX,
};
pub use version::{ProtocolVersion, Role};

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
pub use wire::varint::{varint_len, MAX_VARINT};
