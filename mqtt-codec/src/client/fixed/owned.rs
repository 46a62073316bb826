//! What the allocating session, which runs the machine over memory it owns, needs of it
//! beyond the heap-free session's public interface.

use super::session::FixedSession;
use super::table::Received;
use crate::client::rules::{Millis, State};

impl FixedSession<'_> {
    /// The caller keeps a server-assigned client identifier of any length.
    pub(crate) fn keep_long_ids(&mut self) {
        self.core.keeps_long_ids = true;
    }

    /// How many outgoing records there are, in use or not (at least as many as the
    /// messages in flight and queued).
    pub(crate) fn out_records(&self) -> usize {
        self.core.outgoing.len()
    }

    /// True when one more QoS 1 or 2 PUBLISH may go out now: fewer flows hold a place in
    /// this connection's in-flight window than it has.
    pub(crate) fn window_has_room(&self) -> bool {
        let window = usize::from(self.core.server.window(self.core.config.max_inflight));
        self.core.outgoing.iter().filter(|o| o.in_window()).count() < window
    }

    /// Between connections (what arrives then is dropped).
    pub(crate) fn is_idle(&self) -> bool {
        self.core.state == State::Idle
    }

    /// The owned receive buffer, to read into.
    pub(crate) fn owned_rx(&mut self) -> Option<&mut bytes::BytesMut> {
        match self.decoder.buf_mut() {
            Received::Owned(b) => Some(b),
            Received::Lent(_) => None,
        }
    }

    /// `head`, the start of bytes put in the receive buffer some other way than
    /// [`FixedSession::receive`], arrived at `now`.
    pub(crate) fn arrived(&mut self, head: &[u8], now: Millis) {
        if self.core.state != State::Idle {
            self.core.arrived(head);
            self.core.heard(now);
        }
    }

    /// Appends `data` to the receive buffer without taking it as arrived (that comes
    /// with [`FixedSession::arrived`]).
    pub(crate) fn feed_only(&mut self, data: &[u8]) {
        if self.core.state != State::Idle {
            self.decoder.feed(data);
        }
    }
}
