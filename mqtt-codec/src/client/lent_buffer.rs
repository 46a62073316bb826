//! Receiving straight into the session's own buffer, for transports that read into a
//! buffer they are given (asyncio's `BufferedProtocol`, `recv_into`, a `read_buf`): the
//! bytes land where the decoder parses them, with no copy on the way in.

use super::rules::Millis;
use super::session::Session;
use bytes::BytesMut;

/// The session's receive buffer, lent out for one read: the start of a packet not yet
/// whole, then room for the read ([`LentBuffer::room`]). Give it back with
/// [`Session::receive_lent`].
#[derive(Debug)]
pub struct LentBuffer {
    buf: BytesMut,
    /// Where the room begins.
    start: usize,
}

impl LentBuffer {
    /// Where the read goes: zeroed bytes, as many as were asked for.
    pub fn room(&mut self) -> &mut [u8] {
        self.buf.get_mut(self.start..).unwrap_or_default()
    }

    /// How many bytes the room holds.
    pub fn room_len(&self) -> usize {
        self.buf.len().saturating_sub(self.start)
    }
}

impl Session {
    /// Lends the receive buffer with at least `room` bytes (one at least) to read into, or
    /// `None` while it is lent already (one read at a time: give that one back first).
    /// Until it comes back through [`Session::receive_lent`], what [`Session::receive`] is
    /// given waits, and is parsed after what the lent buffer brings back.
    ///
    /// ```
    /// use mqtt_codec::client::{Session, SessionConfig};
    /// use mqtt_codec::ProtocolVersion;
    ///
    /// let mut session = Session::new(SessionConfig::new("dev", ProtocolVersion::V3_1_1));
    /// session.connect(0)?;
    /// let mut lent = session.lend_receive_buffer(4096).expect("not lent yet");
    /// let connack = [0x20, 0x02, 0x00, 0x00];
    /// lent.room()[..4].copy_from_slice(&connack); // what a socket's recv_into would do
    /// session.receive_lent(lent, 4, 1);
    /// assert!(session.is_connected());
    /// # Ok::<(), mqtt_codec::client::SessionError>(())
    /// ```
    pub fn lend_receive_buffer(&mut self, room: usize) -> Option<LentBuffer> {
        if self.lent {
            return None;
        }
        let mut buf = core::mem::take(self.receive_buffer()?);
        let start = buf.len();
        buf.resize(start.saturating_add(room.max(1)), 0);
        self.lent = true;
        Some(LentBuffer { buf, start })
    }

    /// Takes back a buffer nothing was read into (the read failed, or was never made).
    /// Bytes [`Session::receive`] was given meanwhile are parsed at the next receive.
    pub fn give_back_unused(&mut self, lent: LentBuffer) {
        self.restore(lent, 0);
    }

    /// Takes the buffer back with `written` bytes read into its room (more than the room is
    /// taken as all of it) and handles them as [`Session::receive`] would. A buffer lent
    /// before the session connected again is dropped: it held the old connection's bytes.
    pub fn receive_lent(&mut self, lent: LentBuffer, written: usize, now: Millis) {
        if let Some((head, n)) = self.restore(lent, written) {
            self.take_in(&head[..n], now);
        }
    }

    /// Puts the buffer back in place, what came meanwhile after it; returns the start of
    /// what is new (for [`Session::take_in`]), or `None` when there is nothing to parse.
    fn restore(&mut self, lent: LentBuffer, written: usize) -> Option<([u8; 4], usize)> {
        let LentBuffer { mut buf, start } = lent;
        if !core::mem::take(&mut self.lent) {
            // A new connection started since it was lent: its bytes are the old one's.
            return None;
        }
        let end = start.saturating_add(written).min(buf.len());
        buf.truncate(end);
        let rx = self.receive_buffer()?;
        let meanwhile = core::mem::replace(rx, buf);
        if !meanwhile.is_empty() {
            rx.extend_from_slice(&meanwhile);
        }
        let new = match end > start {
            true => rx.get(start..end).unwrap_or_default(),
            false => &meanwhile[..],
        };
        let mut head = [0u8; 4];
        let n = new.len().min(head.len());
        head[..n].copy_from_slice(&new[..n]);
        match self.is_idle() || (end == start && meanwhile.is_empty()) {
            true => None,
            false => Some((head, n)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::{Event, SessionConfig};
    use crate::ProtocolVersion;

    fn connected() -> Session {
        let mut s = Session::new(SessionConfig::new("lent", ProtocolVersion::V3_1_1));
        s.connect(0).expect("connect");
        s.receive(&[0x20, 0x02, 0x00, 0x00], 1);
        assert!(s.is_connected());
        while s.poll_event().is_some() {}
        s
    }

    /// A PUBLISH (QoS 0, topic "a", payload "hi") split across two lent reads, the first
    /// ending inside its header: the same as receive() in two chunks.
    #[test]
    fn a_packet_split_across_lent_reads_arrives_whole() {
        let publish = [0x30, 0x05, 0x00, 0x01, b'a', b'h', b'i'];
        let mut s = connected();
        let mut lent = s.lend_receive_buffer(1).expect("lend");
        assert!(s.lend_receive_buffer(1).is_none(), "one loan at a time");
        assert_eq!(lent.room().len(), 1);
        lent.room()[0] = publish[0];
        s.receive_lent(lent, 1, 2);
        assert!(s.poll_event().is_none());
        let mut lent = s.lend_receive_buffer(64).expect("lend");
        lent.room()[..6].copy_from_slice(&publish[1..]);
        s.receive_lent(lent, 6, 3);
        match s.poll_event() {
            Some(Event::Message { publish, .. }) => assert_eq!(&publish.payload[..], b"hi"),
            other => panic!("expected the message, got {other:?}"),
        }
    }

    #[test]
    fn bytes_received_while_lent_come_after_the_lent_ones_and_overlong_counts_are_cut() {
        let mut s = connected();
        let mut lent = s.lend_receive_buffer(3).expect("lend");
        lent.room().copy_from_slice(&[0x30, 0x05, 0x00]);
        s.receive(&[0x01, b'a', b'h', b'i'], 2);
        s.receive_lent(lent, 99, 3);
        match s.poll_event() {
            Some(Event::Message { publish, .. }) => assert_eq!(publish.topic.as_str(), "a"),
            other => panic!("expected the message, got {other:?}"),
        }
    }

    #[test]
    fn a_buffer_lent_before_a_new_connection_is_dropped() {
        let mut s = connected();
        let mut lent = s.lend_receive_buffer(2).expect("lend");
        lent.room().copy_from_slice(&[0x30, 0x05]);
        s.connection_lost(2);
        s.connect(3).expect("connect");
        s.receive_lent(lent, 2, 4);
        s.receive(&[0x20, 0x02, 0x00, 0x00], 5);
        assert!(
            s.is_connected(),
            "the CONNACK was not taken for the old PUBLISH's tail"
        );
    }
}
