//! MQTT-SN 2.0, the OASIS draft (Committee Specification Draft 01, still changing): a
//! second version of the codec beside 1.2, with the same shape. [`parse`] reads one
//! datagram into a borrowed [`Packet`]; [`Packet::encode`] writes one into a caller's
//! buffer after the parser's checks; with `alloc`, [`Packet::to_owned`] and [`parse_bytes`]
//! give owned packets of `bytes::Bytes`.
//!
//! ```
//! use mqtt_codec::sn::v2::{parse, Packet};
//!
//! // CONNECT: clean start, packet id 1, version 2, keep alive 60 s, maximum packet size
//! // 256, client id "dev1".
//! let datagram = [0x0E, 0x01, 0x01, 0x00, 0x01, 0x02, 0x00, 0x3C, 0x01, 0x00, b'd', b'e', b'v', b'1'];
//! let Packet::Connect(c) = parse(&datagram)? else { panic!("not a CONNECT") };
//! assert_eq!((c.keep_alive, c.max_packet_size, c.client_id.as_str()), (60, 256, "dev1"));
//! let mut out = [0u8; 32];
//! let n = Packet::Connect(c).encode(&mut out)?;
//! assert_eq!(&out[..n], &datagram);
//! # Ok::<(), mqtt_codec::sn::v2::Sn2Error>(())
//! ```
//!
//! The draft's text (CSD01 as of 19 August 2026) is followed field by field; where it is
//! unclear or silent, these are the decisions, each also a row of the MQTT-SN reference:
//! - the Forwarder Encapsulation is 0xFC and every envelope's Length counts the whole
//!   packet, inner one included (the change of 13 August 2026); the Protection
//!   Encapsulation's protected packet and tag are kept together, since where one ends
//!   depends on the scheme;
//! - a reason code the layout makes optional (the acknowledgements, REGACK, SLEEPRESP) is
//!   left off when it is 0x00, and read as 0x00 when absent; SUBACK always carries one,
//!   though the draft is of two minds (SN2-12);
//! - a packet id of 0 is a Protocol Error, as are DUP below QoS 2 ([MQTT-SN-3.6.2.2.3-1]),
//!   a Maximum Packet Size of 1 to 9 and a SLEEPREQ of 0 seconds; QoS 3 and Topic Type
//!   `10` are Malformed, since the layout after them cannot be known;
//! - a PUBWOS may not name a session alias (it has no session);
//! - a topic filter may use MQTT 5.0's `$share/NAME/FILTER`, checked as MQTT checks it.
//!
//! [`detect_version`] tells a 1.2 CONNECT from a 2.0 one, for a gateway that serves both.

mod decode;
mod display;
mod encode;
mod error;
mod message;
mod types;

pub use decode::parse;
pub use error::Sn2Error;
pub use message::{
    Ack, Auth, AuthBlock, ConnAck, Connect, Disconnect, Packet, Protection, PubWos, Publish,
    RegAck, Register, SubAck, Subscribe, Will,
};
pub use types::{AliasKind, PacketType, Topic};

/// Which MQTT-SN version a CONNECT datagram speaks (SN2-21): 1.2's CONNECT is type 0x04
/// with ProtocolId 0x01 after its Flags; 2.0's is type 0x01 with version 0x02 after its
/// packet id. `None` for anything else (a 1.2 SEARCHGW is also type 0x01, but 3 octets; a
/// 2.0 PUBACK is type 0x04, but 4 or 5), and for a CONNECT shorter than its fixed part.
pub fn detect_version(datagram: &[u8]) -> Option<crate::sn::SnVersion> {
    let raw = crate::sn::header::split_raw(datagram).ok()?;
    match (raw.octet, raw.body) {
        // Flags, ProtocolId, Duration (2) and a ClientId of at least one octet (§5.4.4).
        (0x04, body @ [_, 0x01, ..]) if body.len() >= 5 => Some(crate::sn::SnVersion::V1_2),
        (0x01, [flags, rest @ ..]) => {
            // The version follows the will flags (when the Will bit is set) and the id, and
            // Keep Alive (2) and Maximum Packet Size (2) follow it (SN2-6: 10 octets at
            // least without a will).
            let skip = if flags & 0b10 != 0 { 3 } else { 2 };
            (rest.len() >= skip + 5 && rest.get(skip) == Some(&0x02))
                .then_some(crate::sn::SnVersion::V2_0)
        }
        _ => None,
    }
}

#[cfg(feature = "alloc")]
mod owned;
#[cfg(feature = "alloc")]
pub use owned::parse_bytes;
