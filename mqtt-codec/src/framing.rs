//! Framing: the fixed header (packet type, flags, remaining length), checked the moment each
//! byte arrives, so that an oversized or reserved packet is refused before its body is read.

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::error::DecodeError;
use crate::packet_type::PacketType;
use crate::qos::QoS;
use crate::version::{ProtocolVersion, Role};
use crate::wire::varint::{VarIntError, VarIntState};

/// A parsed fixed header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FixedHeader {
    /// The packet type.
    pub packet_type: PacketType,
    /// The flag nibble.
    pub flags: u8,
    /// The remaining length: the bytes after the fixed header.
    pub remaining_length: usize,
    /// The size of the fixed header itself (2 to 5 bytes).
    pub header_len: usize,
}

impl FixedHeader {
    /// The size of the whole packet.
    pub fn packet_len(&self) -> usize {
        self.header_len.saturating_add(self.remaining_length)
    }
}

/// Checks the first byte of a packet: the type exists in `version` (tab 2.1 / 2-1), the flags
/// are the ones the type requires ([MQTT-2.2.2-1], [MQTT-2.1.3-1], PUB-1, PUB-2), and the
/// type travels towards `receiver` (FH-4). `version` is `None` before a server has seen
/// CONNECT.
pub(crate) fn check_first_byte(
    byte: u8,
    version: Option<ProtocolVersion>,
    receiver: Option<Role>,
) -> Result<(PacketType, u8), DecodeError> {
    if let Some(v) = version.filter(|v| !v.is_enabled()) {
        return Err(DecodeError::UnsupportedProtocolLevel { level: v.level() });
    }
    let raw_type = byte >> 4;
    let flags = byte & 0x0F;
    let packet_type = PacketType::from_u8(raw_type).ok_or(DecodeError::ReservedPacketType {
        packet_type: raw_type,
    })?;
    if packet_type == PacketType::Auth && version.is_some_and(|v| !v.is_v5()) {
        return Err(DecodeError::ReservedPacketType {
            packet_type: raw_type,
        });
    }
    match packet_type.required_flags() {
        None => {
            let qos = QoS::from_bits((flags >> 1) & 0b11).ok_or(DecodeError::PublishQos3)?;
            if qos == QoS::AtMostOnce && flags & 0b1000 != 0 {
                return Err(DecodeError::DupWithQos0);
            }
        }
        Some(required) if version == Some(ProtocolVersion::V3_1) => {
            // MQTT 3.1 predates the reserved-flag rule: its senders may set DUP on PUBREL,
            // SUBSCRIBE and UNSUBSCRIBE retries, and other packets' flags were unused.
            if required != 0 && flags & 0b0111 != required {
                return Err(DecodeError::InvalidFlags { packet_type, flags });
            }
        }
        Some(required) => {
            if flags != required {
                return Err(DecodeError::InvalidFlags { packet_type, flags });
            }
        }
    }
    let allowed = match receiver {
        None if Role::Client.is_enabled() && Role::Server.is_enabled() => true,
        None => {
            received_by(packet_type, version, Role::Client)
                || received_by(packet_type, version, Role::Server)
        }
        Some(role) => received_by(packet_type, version, role),
    };
    if !allowed {
        let fallback = if Role::Server.is_enabled() {
            Role::Server
        } else {
            Role::Client
        };
        return Err(DecodeError::UnexpectedPacket {
            packet_type,
            role: receiver.unwrap_or(fallback),
        });
    }
    Ok((packet_type, flags))
}

/// True when `role` receives packets of `packet_type` under `version` and this build takes
/// that side ([`Role::is_enabled`]).
fn received_by(packet_type: PacketType, version: Option<ProtocolVersion>, role: Role) -> bool {
    role.is_enabled()
        && match role {
            Role::Server => packet_type.sent_by_client(),
            Role::Client => {
                packet_type.sent_by_server()
                    && (packet_type != PacketType::Disconnect
                        || version.map_or(true, ProtocolVersion::is_v5))
            }
        }
}

/// Incremental fixed-header reader: each byte is examined once, whatever the chunking.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct HeaderReader {
    first: Option<(PacketType, u8)>,
    length: VarIntState,
    consumed: usize,
}

impl HeaderReader {
    /// Bytes of the header consumed so far.
    pub(crate) fn consumed(&self) -> usize {
        self.consumed
    }

    /// Feeds one byte; returns the header once the remaining length is complete. The size
    /// limit is checked right then, before any body byte is wanted.
    pub(crate) fn push(
        &mut self,
        byte: u8,
        version: Option<ProtocolVersion>,
        receiver: Option<Role>,
        max_packet_size: usize,
    ) -> Result<Option<FixedHeader>, DecodeError> {
        self.consumed = self.consumed.saturating_add(1);
        let Some((packet_type, flags)) = self.first else {
            self.first = Some(check_first_byte(byte, version, receiver)?);
            return Ok(None);
        };
        let field = "remaining length";
        match self.length.push(byte) {
            Ok(None) => Ok(None),
            Ok(Some((value, _))) => {
                let header = FixedHeader {
                    packet_type,
                    flags,
                    remaining_length: value as usize,
                    header_len: self.consumed,
                };
                if header.packet_len() > max_packet_size {
                    return Err(DecodeError::PacketTooLarge {
                        size: header.packet_len(),
                        max: max_packet_size,
                    });
                }
                Ok(Some(header))
            }
            Err(VarIntError::NonMinimal) => Err(DecodeError::NonMinimalVarInt { field }),
            Err(_) => Err(DecodeError::VarIntTooLong { field }),
        }
    }
}
