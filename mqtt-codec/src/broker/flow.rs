//! Flow control: while the messages waiting for connected subscribers pile up past a mark,
//! the broker asks the I/O loop to stop reading from the clients that publish into them.
//!
//! A broker that reads every publisher as fast as they write, and acknowledges each QoS 1
//! PUBLISH at once, turns a subscriber slower than its publishers into an ever longer queue:
//! memory grows and every message waits behind all the others. MQTT's own flow control
//! (the in-flight window) only works if the broker holds back on reading. So when a PUBLISH
//! had to be queued and the backlog is over [`super::BrokerConfig::max_backlog`], the broker
//! emits [`Action::PauseReading`] for that publisher; the publisher's TCP window fills and
//! it waits, as it would behind a slower broker. Once the backlog is down to half the mark,
//! [`Action::ResumeReading`] lets every paused connection go on.
//!
//! Only sessions that drain count. An offline session's queue cannot drain until it comes
//! back, nor can the queue of a subscriber that has acknowledged nothing for [`STALL_MS`]
//! while it has messages in flight: a stuck client must not stall every publisher (and,
//! through them, every other subscriber). Those queues are bounded by `max_queued` instead.
//! A connection with messages in flight towards it is never paused, since its
//! acknowledgements are what drains the backlog; nor does a paused connection time out on
//! keep alive, since the broker is the one not reading it.

use super::session::Session;
use super::{Action, Broker, ConnId, Level, Millis};
use alloc::format;

/// A subscriber that has acknowledged nothing for this long while it has messages in
/// flight is stuck, not slow: its queue no longer holds publishers back.
pub const STALL_MS: Millis = 1000;

impl Broker {
    /// Messages waiting in the queues of connected sessions that are draining (not stuck:
    /// nothing in flight, or an acknowledgement within [`STALL_MS`]), as of the latest
    /// event: what flow control bounds (see [`Action::PauseReading`]).
    ///
    /// It looks only at the connected sessions with a queue (kept as queues change), not
    /// at every session.
    pub fn backlog(&self) -> usize {
        let backlog = self
            .timers
            .live_queues
            .iter()
            .filter_map(|id| self.sessions.get(id))
            .filter(|s| self.draining(s))
            .map(|s| s.queue.len())
            .sum();
        // The set against a walk of every session.
        #[cfg(debug_assertions)]
        debug_assert_eq!(
            backlog,
            self.sessions
                .values()
                .filter(|s| s.conn.is_some() && self.draining(s))
                .map(|s| s.queue.len())
                .sum::<usize>(),
            "the backlog of the live queues disagrees with a walk"
        );
        backlog
    }

    /// Connected, and either nothing in flight or an acknowledgement within [`STALL_MS`].
    fn draining(&self, s: &Session) -> bool {
        s.conn.is_some()
            && (s.inflight.is_empty() || self.clock.saturating_sub(s.last_progress) < STALL_MS)
    }

    /// While some connection is paused: when the next draining session with a queue would
    /// count as stuck, so that [`Broker::tick`] can resume the paused ones if that clears
    /// the backlog.
    pub(super) fn stall_deadline(&self) -> Option<Millis> {
        if self.paused.is_empty() {
            return None;
        }
        // Draining with messages both in flight and queued: `last_progress + STALL_MS` is
        // later than the clock (see the timer index).
        self.next_stall(self.clock)
    }

    /// [`Broker::stall_deadline`] by a walk of every session: what the timer index is
    /// checked against in debug builds.
    #[cfg(debug_assertions)]
    pub(super) fn stall_deadline_slow(&self) -> Option<Millis> {
        if self.paused.is_empty() {
            return None;
        }
        self.sessions
            .values()
            .filter(|s| !s.queue.is_empty() && !s.inflight.is_empty() && self.draining(s))
            .map(|s| s.last_progress.saturating_add(STALL_MS))
            .filter(|&at| at > self.clock)
            .min()
    }

    /// Whether the broker has asked the I/O loop to stop reading from `conn`.
    pub fn is_reading_paused(&self, conn: ConnId) -> bool {
        self.paused.contains(&conn)
    }

    /// Whether the broker waits for acknowledgements from the client on `conn` (messages in
    /// flight towards it): an I/O loop that stops reading a client which does not read
    /// what it is sent must still read this one, or the acknowledgements that free its
    /// window (and tell a slow subscriber from a stuck one) would never come.
    pub fn awaits_acknowledgement(&self, conn: ConnId) -> bool {
        self.conns
            .get(&conn)
            .and_then(|c| self.sessions.get(&c.client_id))
            .is_some_and(|s| s.conn == Some(conn) && !s.inflight.is_empty())
    }

    /// After a PUBLISH from `conn` was routed: pauses `conn` if the message had to wait in
    /// a connected session's queue and the backlog is over the mark.
    pub(super) fn throttle(&mut self, conn: ConnId) {
        // A gateway client's datagrams come on the socket all of them share: it cannot be
        // paused alone, and marked paused it would escape its keep alive and sleep timers.
        if !core::mem::take(&mut self.queued_live)
            || self.paused.contains(&conn)
            || Self::is_sn_conn(conn)
        {
            return;
        }
        let Some(c) = self.conns.get(&conn) else {
            return;
        };
        let receiving = self
            .sessions
            .get(&c.client_id)
            .is_some_and(|s| !s.inflight.is_empty());
        if receiving || self.backlog() <= self.config.max_backlog {
            return;
        }
        self.paused.insert(conn);
        self.actions.push_back(Action::PauseReading { conn });
        self.log(
            Level::Debug,
            format!(
                "connection {conn}: reading paused, {} messages waiting",
                self.backlog()
            ),
        );
    }

    /// After every event: once the backlog is down to half the mark, resumes every paused
    /// connection, whose keep alive starts again from now.
    pub(super) fn resume_if_drained(&mut self, now: Millis) {
        if self.paused.is_empty() || self.backlog() > self.config.max_backlog / 2 {
            return;
        }
        for conn in core::mem::take(&mut self.paused) {
            if let Some(c) = self.conns.get_mut(&conn) {
                c.last_seen = now;
                self.actions.push_back(Action::ResumeReading { conn });
            }
            self.index_conn(conn);
        }
    }
}
