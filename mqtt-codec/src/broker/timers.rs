//! Time: keep alive at one and a half times the interval, the wait for CONNECT, will
//! delays, session expiry (and the retained messages' expiry, `retained_expiry.rs`). What
//! is due comes from the timer index (`timer_index.rs`): a tick looks at what is due, not
//! at every connection and session.

use super::connection::Phase;
use super::{Broker, Level, Millis};
use crate::reason::ReasonCode;
use alloc::format;

impl Broker {
    /// Time has passed: closes connections whose keep alive ran out (5.0: DISCONNECT 0x8D,
    /// then the will), publishes wills whose delay elapsed, ends expired sessions and
    /// removes expired retained messages.
    pub fn tick(&mut self, now: Millis) {
        self.run_timers(now);
        self.settle_timers();
    }

    /// What [`Broker::tick`] does. Closing a connection runs it too, so that a session that
    /// ends with its connection ends at once and a will without delay goes out at once;
    /// from within a run (a connection the run closes) it leaves that to the run, which
    /// goes on until nothing is due: the late connections in order, then the sessions due
    /// in order, as often as that makes more due.
    pub(super) fn run_timers(&mut self, now: Millis) {
        self.clock = now;
        if self.ticking {
            return;
        }
        self.ticking = true;
        loop {
            let late = self.late_conns(now);
            for &conn in &late {
                // An earlier one's end may have ended this one as well.
                let Some(phase) = self.conns.get(&conn).map(|c| c.phase) else {
                    continue;
                };
                if phase != Phase::Connected {
                    self.log(
                        Level::Info,
                        format!("connection {conn}: no CONNECT in time"),
                    );
                    self.detach(conn, now, false);
                } else {
                    self.log(
                        Level::Info,
                        format!("connection {conn}: keep alive timeout"),
                    );
                    self.disconnect_with(conn, ReasonCode::KeepAliveTimeout, now);
                }
            }
            let due = self.due_sessions(now);
            for client_id in &due {
                let Some(session) = self.sessions.get_mut(client_id) else {
                    continue;
                };
                if session.conn.is_some() {
                    continue;
                }
                let ends = session.expire_at.is_some_and(|at| at <= now);
                let will_due = session.will_at.is_some_and(|at| at <= now) || ends;
                let will = if will_due { session.will.take() } else { None };
                if will_due {
                    session.will_at = None;
                }
                if ends {
                    self.end_session(client_id);
                }
                if let Some(will) = will {
                    self.log(
                        Level::Info,
                        format!("client {client_id}: publishing will on {}", will.topic),
                    );
                    self.route(will.published_will(now), now);
                }
            }
            if late.is_empty() && due.is_empty() {
                break;
            }
        }
        self.ticking = false;
        self.sweep_retained(now);
        self.sn_tick(now);
        // A subscriber may have just turned from slow to stuck.
        self.resume_if_drained(now);
    }
}
