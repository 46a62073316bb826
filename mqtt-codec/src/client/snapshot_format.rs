//! The snapshot format both client sessions write and read (see `snapshot.rs` for the
//! layout): its constants, its error, and a reader over the bytes.

/// The first bytes of every snapshot.
pub(super) const MAGIC: &[u8; 4] = b"MQCS";
/// The format version written. Version 1 stored a PUBREL-stage message whole; version 2
/// stores its packet identifier alone (the message is not sent again); version 3 adds
/// [`STAGE_HELD`], and is written only by a session that holds such an identifier, so that
/// every other snapshot stays readable by the libraries that read version 2. All are read.
pub(super) const FORMAT: u8 = 3;
/// The format version written when no identifier is held.
pub(super) const FORMAT_WITHOUT_HELD: u8 = 2;

/// In flight: waiting for PUBACK or PUBREC (the PUBLISH follows).
pub(super) const STAGE_SENT: u8 = 0;
/// In flight: PUBREL sent, PUBCOMP awaited (the packet identifier follows).
pub(super) const STAGE_RELEASED: u8 = 1;
/// A failed QoS 2 message's packet identifier, kept out of use for the server's session
/// (the identifier follows; format 3).
pub(super) const STAGE_HELD: u8 = 2;

/// Why a snapshot was refused, or could not be written.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SnapshotError {
    /// Not a session snapshot.
    #[error("not a session snapshot (no MQCS magic)")]
    NotASnapshot,
    /// A snapshot of a format version this library does not read.
    #[error("snapshot format version {0}; this library reads versions 1 to 3")]
    Format(u8),
    /// A snapshot of a session of another protocol version than the configuration's.
    #[error(
        "the snapshot is of a protocol level {found} session, the configuration says {expected}"
    )]
    Version {
        /// The configuration's protocol level.
        expected: u8,
        /// The snapshot's.
        found: u8,
    },
    /// Cut short, or a field that does not hold what it must.
    #[error("corrupt snapshot: {0}")]
    Corrupt(&'static str),
    /// The heap-free session's storage cannot hold what the snapshot holds (it names what).
    #[error("the session's storage cannot hold the snapshot's {0}")]
    StorageFull(&'static str),
    /// The buffer given to the heap-free session's snapshot is too small.
    #[error("the snapshot needs {needed} bytes")]
    BufferTooSmall {
        /// Its size.
        needed: usize,
    },
}

/// A reader over the snapshot that fails with [`SnapshotError::Corrupt`] when cut short.
pub(super) struct Reader<'a>(pub(super) &'a [u8]);

impl<'a> Reader<'a> {
    /// The magic, then a format version read and the protocol level.
    fn format_and_level(&mut self) -> Result<(u8, u8), SnapshotError> {
        if self.take(4).map_err(|_| SnapshotError::NotASnapshot)? != MAGIC {
            return Err(SnapshotError::NotASnapshot);
        }
        let format = self.u8()?;
        if !(1..=FORMAT).contains(&format) {
            return Err(SnapshotError::Format(format));
        }
        Ok((format, self.u8()?))
    }

    pub(super) fn take(&mut self, n: usize) -> Result<&'a [u8], SnapshotError> {
        let (head, rest) = self
            .0
            .split_at_checked(n)
            .ok_or(SnapshotError::Corrupt("cut short"))?;
        self.0 = rest;
        Ok(head)
    }
    pub(super) fn u8(&mut self) -> Result<u8, SnapshotError> {
        Ok(self.take(1)?.first().copied().unwrap_or(0))
    }
    pub(super) fn u16(&mut self) -> Result<u16, SnapshotError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([
            b.first().copied().unwrap_or(0),
            b.get(1).copied().unwrap_or(0),
        ]))
    }
    pub(super) fn u32(&mut self) -> Result<u32, SnapshotError> {
        let b = self.take(4)?;
        let mut v = [0u8; 4];
        v.copy_from_slice(b);
        Ok(u32::from_be_bytes(v))
    }
    /// A u16-length-prefixed UTF-8 string.
    pub(super) fn str(&mut self) -> Result<&'a str, SnapshotError> {
        let len = self.u16()?;
        let bytes = self.take(usize::from(len))?;
        core::str::from_utf8(bytes).map_err(|_| SnapshotError::Corrupt("a string is not UTF-8"))
    }
    /// A u32-length-prefixed encoded packet.
    pub(super) fn frame(&mut self) -> Result<&'a [u8], SnapshotError> {
        let len = self.u32()?;
        self.take(len as usize)
    }

    /// The header: the magic, a format version read, the protocol level of `version`.
    /// Returns the format version.
    pub(super) fn header(
        &mut self,
        version: crate::version::ProtocolVersion,
    ) -> Result<u8, SnapshotError> {
        let (format, level) = self.format_and_level()?;
        if level != version.level() {
            return Err(SnapshotError::Version {
                expected: version.level(),
                found: level,
            });
        }
        Ok(format)
    }
}

/// The protocol version of the session a snapshot (of `Session` or `FixedSession`) holds,
/// from its header: the version a configuration to restore it needs.
///
/// ```
/// use mqtt_codec::client::{snapshot_version, Session, SessionConfig};
/// use mqtt_codec::ProtocolVersion;
///
/// let snapshot = Session::new(SessionConfig::new("meter-9", ProtocolVersion::V3_1_1)).snapshot();
/// assert_eq!(snapshot_version(&snapshot), Ok(ProtocolVersion::V3_1_1));
/// ```
pub fn snapshot_version(snapshot: &[u8]) -> Result<crate::version::ProtocolVersion, SnapshotError> {
    use crate::version::ProtocolVersion;
    let (_, level) = Reader(snapshot).format_and_level()?;
    [
        ProtocolVersion::V3_1,
        ProtocolVersion::V3_1_1,
        ProtocolVersion::V5,
    ]
    .into_iter()
    .find(|v| v.level() == level)
    .ok_or(SnapshotError::Corrupt("an unknown protocol level"))
}
