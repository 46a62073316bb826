//! Time: keep alive at one and a half times the interval, the wait for CONNECT, will
//! delays and session expiry.

use super::connection::Phase;
use super::{Broker, Level, Millis, CONNECT_TIMEOUT_MS};
use crate::reason::ReasonCode;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

impl Broker {
    /// Time has passed: closes connections whose keep alive ran out (5.0: DISCONNECT 0x8D,
    /// then the will), publishes wills whose delay elapsed, and ends expired sessions.
    pub fn tick(&mut self, now: Millis) {
        self.clock = now;
        let late: Vec<(u64, Phase)> = self
            .conns
            .iter()
            // A connection the broker stopped reading is not late: the broker is.
            .filter(|(id, _)| !self.paused.contains(id))
            .filter(|(_, c)| c.deadline(CONNECT_TIMEOUT_MS).is_some_and(|d| d <= now))
            .map(|(id, c)| (*id, c.phase))
            .collect();
        for (conn, phase) in late {
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
        let due: Vec<String> = self
            .sessions
            .iter()
            .filter(|(_, s)| s.conn.is_none() && s.deadline().is_some_and(|d| d <= now))
            .map(|(id, _)| id.clone())
            .collect();
        for client_id in due {
            let Some(session) = self.sessions.get_mut(&client_id) else {
                continue;
            };
            let ends = session.expire_at.is_some_and(|at| at <= now);
            let will_due = session.will_at.is_some_and(|at| at <= now) || ends;
            let will = if will_due { session.will.take() } else { None };
            if will_due {
                session.will_at = None;
            }
            if ends {
                self.end_session(&client_id);
            }
            if let Some(will) = will {
                self.log(
                    Level::Info,
                    format!("client {client_id}: publishing will on {}", will.topic),
                );
                self.route(will, now);
            }
        }
        self.sn_tick(now);
        // A subscriber may have just turned from slow to stuck.
        self.resume_if_drained(now);
    }
}
