//! The bytes the session has for the connection, copied out into the caller's buffer as
//! far as it reaches; the rest waits for the next call.

use alloc::vec::Vec;
use codec::client::Session;

/// What was taken from the session and not yet copied out.
#[derive(Default)]
pub(super) struct Outbox {
    bytes: Vec<u8>,
    /// How much of `bytes` was copied out already.
    taken: usize,
}

impl Outbox {
    /// Copies into `buf` what waits, the session's new bytes after the older ones; returns
    /// how many bytes were copied and whether more wait.
    pub(super) fn copy_out(&mut self, session: &mut Session, buf: &mut [u8]) -> (usize, bool) {
        self.absorb(session);
        let waiting = self.bytes.get(self.taken..).unwrap_or_default();
        let n = waiting.len().min(buf.len());
        buf[..n].copy_from_slice(&waiting[..n]);
        self.taken += n;
        let more = self.taken < self.bytes.len();
        if !more {
            self.bytes.clear();
            self.taken = 0;
        } else if self.taken >= 4096 && self.taken * 2 >= self.bytes.len() {
            // Keep the buffer from growing when the caller's is small: drop what was taken
            // once it is the larger part.
            self.bytes.drain(..self.taken);
            self.taken = 0;
        }
        (n, more)
    }

    /// Takes what the session holds, after what waits already.
    pub(super) fn absorb(&mut self, session: &mut Session) {
        while let Some(b) = session.poll_transmit() {
            self.bytes.extend_from_slice(&b);
        }
    }

    /// Drops what waits: the bytes of a connection that is over.
    pub(super) fn clear(&mut self) {
        self.bytes.clear();
        self.taken = 0;
    }
}
