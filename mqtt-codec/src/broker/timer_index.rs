//! The timer index: when each connection, session and MQTT-SN client next needs the broker,
//! in order, so that [`Broker::next_deadline`] and [`Broker::tick`] cost the same however
//! many clients are connected (a walk of every connection and session after each event
//! made each message cost time in proportion to the clients, idle or not).
//!
//! The timers:
//! - a connection's wait for CONNECT, then its keep alive (none while its reading is paused:
//!   the broker is the one not reading);
//! - a session's will delay and expiry;
//! - the retransmissions towards an MQTT-SN 1.2 client (none while it sleeps);
//! - flow control's stall deadlines (see [`super::flow`]), kept apart, exact (below).
//!
//! Each timer has at most one entry `(when, whose)`, and its owner records where that entry
//! stands (`timer` of a connection, a session, a gateway client), which tells the entry in
//! force from one left behind. An entry may be early, never late: where a deadline can move
//! earlier or appear (a connection opened, a CONNECT accepted, reading resumed, a session
//! left with a will or an expiry, a retransmission armed, a client woken), the code that
//! moved it calls `index_*`; where it moves later (keep alive activity, on every packet)
//! nothing is done, and the entry is put right when it comes first (`settle_timers`, after
//! each event) or comes due (`due_timers`, in `tick`). So a packet costs a comparison, not
//! a reinsertion, and the index stays exact where it is read: at the front.
//!
//! A stall deadline counts only while it is later than the clock, so the earliest one is
//! the first after the clock, not the first of all: those are kept exact (a multiset of
//! values, moved whenever a session's window, queue or progress changes).
//!
//! In debug builds every answer is checked against a walk of every owner (the code before
//! the index), after each event and at each tick.

use super::connection::Connection;
use super::flow::STALL_MS;
use super::session::Session;
use super::sn_gateway::{SnClient, SnKey, SnState};
use super::{Broker, ConnId, Millis, CONNECT_TIMEOUT_MS};
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::String;
use alloc::vec::Vec;

/// Whose timer an entry is.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Timer {
    /// A connection's wait for CONNECT or its keep alive.
    Conn(ConnId),
    /// A session's will delay or expiry, by client identifier.
    Session(String),
    /// The retransmissions towards an MQTT-SN client, by its connection.
    SnRetry(ConnId),
}

/// The broker's timers in order. See the [module documentation](self).
#[derive(Debug, Default)]
pub(super) struct TimerIndex {
    /// `(when, whose)`: never later than the owner's deadline.
    entries: BTreeSet<(Millis, Timer)>,
    /// `last_progress + STALL_MS` of every connected session with messages both in flight
    /// and queued, with how many sessions have that value.
    stalls: BTreeMap<Millis, usize>,
    /// The connected sessions with a queue: all that flow control's backlog counts, kept
    /// with the stall deadlines so that the backlog is not a walk of every session.
    pub(super) live_queues: BTreeSet<String>,
}

impl TimerIndex {
    /// After a change to the connection, the in-flight window, the queue or the progress of
    /// the session `s`: its stall deadline, exact.
    pub(super) fn stall_moved(&mut self, client_id: &str, s: &mut Session) {
        let live = s.conn.is_some() && !s.queue.is_empty();
        if live != self.live_queues.contains(client_id) {
            match live {
                true => self.live_queues.insert(String::from(client_id)),
                false => self.live_queues.remove(client_id),
            };
        }
        let stalls = live && !s.inflight.is_empty();
        let at = stalls.then(|| s.last_progress.saturating_add(STALL_MS));
        let old = core::mem::replace(&mut s.stall, at);
        self.move_stall(old, at);
    }

    /// One session's stall deadline went from `old` to `new`.
    fn move_stall(&mut self, old: Option<Millis>, new: Option<Millis>) {
        if old == new {
            return;
        }
        if let Some(old) = old {
            if let Some(count) = self.stalls.get_mut(&old) {
                *count -= 1;
                if *count == 0 {
                    self.stalls.remove(&old);
                }
            }
        }
        if let Some(new) = new {
            *self.stalls.entry(new).or_insert(0) += 1;
        }
    }
}

/// When the retransmissions towards `client` need the broker.
fn retry_deadline(client: &SnClient) -> Option<Millis> {
    if client.state == SnState::Asleep {
        return None;
    }
    client.retries.iter().map(|r| r.due).min()
}

impl Broker {
    /// The gateway client on `conn`.
    fn sn_client(&self, conn: ConnId) -> Option<&SnClient> {
        let key = self.sn.by_conn.get(&conn)?;
        self.sn.clients.get(key).filter(|c| c.conn == conn)
    }

    /// Where the entry in force of `timer` stands, as its owner records it, and when the
    /// timer is due, as the owner says (what a walk of every owner finds); `None` when the
    /// owner is gone.
    fn owner(&self, timer: &Timer) -> Option<(Option<Millis>, Option<Millis>)> {
        match timer {
            Timer::Conn(id) => {
                let c = self.conns.get(id)?;
                // A connection the broker stopped reading is not late: the broker is.
                let due = if self.paused.contains(id) {
                    None
                } else {
                    c.deadline(CONNECT_TIMEOUT_MS)
                };
                Some((c.timer, due))
            }
            Timer::Session(id) => {
                let s = self.sessions.get(id)?;
                Some((s.timer, s.deadline()))
            }
            Timer::SnRetry(conn) => {
                let c = self.sn_client(*conn)?;
                Some((c.timer, retry_deadline(c)))
            }
        }
    }

    /// Where the entry in force of `timer` stands.
    fn indexed(&self, timer: &Timer) -> Option<Millis> {
        self.owner(timer)?.0
    }

    fn set_indexed(&mut self, timer: &Timer, at: Option<Millis>) {
        let slot = match timer {
            Timer::Conn(id) => self.conns.get_mut(id).map(|c| &mut c.timer),
            Timer::Session(id) => self.sessions.get_mut(id).map(|s| &mut s.timer),
            Timer::SnRetry(conn) => {
                let key = self.sn.by_conn.get(conn);
                key.and_then(|k| self.sn.clients.get_mut(k))
                    .filter(|c| c.conn == *conn)
                    .map(|c| &mut c.timer)
            }
        };
        if let Some(slot) = slot {
            *slot = at;
        }
    }

    /// Moves the entry of `timer` to `at` (`None`: out of the index).
    fn reindex(&mut self, timer: Timer, at: Option<Millis>) {
        let old = self.indexed(&timer);
        if old == at {
            return;
        }
        self.set_indexed(&timer, at);
        let mut entry = (0, timer);
        if let Some(old) = old {
            entry.0 = old;
            self.timers.entries.remove(&entry);
        }
        if let Some(at) = at {
            entry.0 = at;
            self.timers.entries.insert(entry);
        }
    }

    /// After something that may have moved the deadline of `timer` earlier, or given it one:
    /// an entry that is early stays as it is.
    fn index(&mut self, timer: Timer) {
        let Some((indexed, Some(at))) = self.owner(&timer) else {
            return;
        };
        if indexed.is_some_and(|t| t <= at) {
            return;
        }
        self.reindex(timer, Some(at));
    }

    /// See [`Broker::index`]: the connection `conn` (opened, connected, seen, resumed, its
    /// keep alive changed).
    pub(super) fn index_conn(&mut self, conn: ConnId) {
        if self.conns.get(&conn).is_some_and(Connection::timer_in_time) {
            return;
        }
        self.index(Timer::Conn(conn));
    }

    /// See [`Broker::index`]: the session of `client_id` (left with a will or an expiry).
    pub(super) fn index_session(&mut self, client_id: &str) {
        let Some(s) = self.sessions.get(client_id) else {
            return;
        };
        let Some(at) = s.deadline() else {
            return;
        };
        if s.timer.is_some_and(|t| t <= at) {
            return;
        }
        self.reindex(Timer::Session(String::from(client_id)), Some(at));
    }

    /// See [`Broker::index`]: the retransmissions towards the gateway client on `conn`
    /// (one armed, the client woken).
    pub(super) fn index_sn_retry(&mut self, conn: ConnId) {
        self.index(Timer::SnRetry(conn));
    }

    /// The owner of an entry is gone (`at`: where its entry stood): the entry goes too.
    pub(super) fn unindex(&mut self, at: Option<Millis>, timer: Timer) {
        if let Some(at) = at {
            self.timers.entries.remove(&(at, timer));
        }
    }

    /// After a change to the connection, the in-flight window, the queue or the progress of
    /// the session of `client_id` (or its end): its stall deadline, exact.
    pub(super) fn index_stall(&mut self, client_id: &str) {
        if let Some(s) = self.sessions.get_mut(client_id) {
            self.timers.stall_moved(client_id, s);
        }
    }

    /// The session of `client_id`, with stall deadline `at`, ended.
    pub(super) fn unindex_stall(&mut self, client_id: &str, at: Option<Millis>) {
        self.timers.live_queues.remove(client_id);
        self.timers.move_stall(at, None);
    }

    /// The earliest stall deadline after `after`.
    pub(super) fn next_stall(&self, after: Millis) -> Option<Millis> {
        let from = after.checked_add(1)?;
        self.timers.stalls.range(from..).next().map(|(at, _)| *at)
    }

    /// The earliest deadline of the index's owners: the first entry, which
    /// [`Broker::settle_timers`] made exact at the end of the latest event. (Entries are never
    /// late, so an exact first one is the earliest deadline of all.)
    pub(super) fn earliest_timer(&self) -> Option<Millis> {
        self.timers.entries.first().map(|(t, _)| *t)
    }

    /// At the end of every event (every public method that changes the broker): the entries
    /// at the front that are early (or whose owner is gone) move to their owner's deadline,
    /// until the first one is exact.
    pub(super) fn settle_timers(&mut self) {
        while let Some((t, timer)) = self.timers.entries.first() {
            let t = *t;
            let (in_force, at) = match self.owner(timer) {
                Some((indexed, at)) if indexed == Some(t) => (true, at),
                _ => (false, None),
            };
            if in_force && at == Some(t) {
                break;
            }
            let Some((_, timer)) = self.timers.entries.pop_first() else {
                break;
            };
            if in_force {
                self.set_indexed(&timer, at);
                if let Some(at) = at {
                    self.timers.entries.insert((at, timer));
                }
            }
        }
        // In debug builds, the index against a walk of every owner.
        #[cfg(debug_assertions)]
        let _ = self.next_deadline();
    }

    /// The timers due at `now`, in the index's order. The entries met on the way are
    /// checked against their owners: one that was early moves to its owner's deadline, one
    /// whose owner is gone goes; the due ones stay (their handling moves them).
    pub(super) fn due_timers(&mut self, now: Millis) -> Vec<Timer> {
        let mut due = Vec::new();
        while self.timers.entries.first().is_some_and(|(t, _)| *t <= now) {
            let Some((t, timer)) = self.timers.entries.pop_first() else {
                break;
            };
            let Some((Some(indexed), at)) = self.owner(&timer) else {
                continue;
            };
            if indexed != t {
                continue;
            }
            match at {
                Some(at) if at <= now => due.push((at, timer)),
                Some(at) => {
                    self.set_indexed(&timer, Some(at));
                    self.timers.entries.insert((at, timer));
                }
                None => self.set_indexed(&timer, None),
            }
        }
        due.into_iter()
            .map(|(at, timer)| {
                self.set_indexed(&timer, Some(at));
                self.timers.entries.insert((at, timer.clone()));
                timer
            })
            .collect()
    }

    /// The connections whose wait for CONNECT or keep alive ran out at `now`, in order.
    pub(super) fn late_conns(&mut self, now: Millis) -> Vec<ConnId> {
        let mut late: Vec<ConnId> = self
            .due_timers(now)
            .into_iter()
            .filter_map(|t| match t {
                Timer::Conn(id) => Some(id),
                _ => None,
            })
            .collect();
        late.sort_unstable();
        #[cfg(debug_assertions)]
        {
            let mut walk: Vec<ConnId> = self
                .conns
                .iter()
                .filter(|(id, _)| !self.paused.contains(id))
                .filter(|(_, c)| c.deadline(CONNECT_TIMEOUT_MS).is_some_and(|d| d <= now))
                .map(|(id, _)| *id)
                .collect();
            walk.sort_unstable();
            debug_assert_eq!(late, walk, "late connections: the index against a walk");
        }
        late
    }

    /// The sessions without a connection whose will delay or expiry ran out at `now`, in
    /// order of client identifier.
    pub(super) fn due_sessions(&mut self, now: Millis) -> Vec<String> {
        let mut due: Vec<String> = self
            .due_timers(now)
            .into_iter()
            .filter_map(|t| match t {
                Timer::Session(id) => Some(id),
                _ => None,
            })
            .filter(|id| self.sessions.get(id).is_some_and(|s| s.conn.is_none()))
            .collect();
        due.sort_unstable();
        #[cfg(debug_assertions)]
        {
            let mut walk: Vec<&String> = self
                .sessions
                .iter()
                .filter(|(_, s)| s.conn.is_none() && s.deadline().is_some_and(|d| d <= now))
                .map(|(id, _)| id)
                .collect();
            walk.sort_unstable();
            debug_assert_eq!(
                due.iter().collect::<Vec<_>>(),
                walk,
                "due sessions: the index against a walk"
            );
        }
        due
    }

    /// The gateway clients with a retransmission due at `now`, in order of address.
    pub(super) fn due_sn_retries(&mut self, now: Millis) -> Vec<SnKey> {
        let mut due: Vec<SnKey> = self
            .due_timers(now)
            .into_iter()
            .filter_map(|t| match t {
                Timer::SnRetry(conn) => self.sn.by_conn.get(&conn).cloned(),
                _ => None,
            })
            .collect();
        due.sort_unstable();
        due.dedup();
        #[cfg(debug_assertions)]
        {
            let walk: Vec<&SnKey> = self
                .sn
                .clients
                .iter()
                .filter(|(_, c)| retry_deadline(c).is_some_and(|d| d <= now))
                .map(|(key, _)| key)
                .collect();
            debug_assert_eq!(
                due.iter().collect::<Vec<_>>(),
                walk,
                "due retransmissions: the index against a walk"
            );
        }
        due
    }

    /// What [`Broker::next_deadline`] returned before the index: a walk of every connection,
    /// session and gateway client. Debug builds check the index against it.
    #[cfg(debug_assertions)]
    pub(super) fn next_deadline_slow(&self) -> Option<Millis> {
        let conns = self
            .conns
            .iter()
            .filter(|(id, _)| !self.paused.contains(id))
            .filter_map(|(_, c)| c.deadline(CONNECT_TIMEOUT_MS));
        let sessions = self.sessions.values().filter_map(Session::deadline);
        conns
            .chain(sessions)
            .chain(self.stall_deadline_slow())
            .chain(self.sn_deadline_slow())
            .chain(self.retained_sweep)
            .min()
    }
}
