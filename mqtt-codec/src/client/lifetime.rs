//! What the session knows of how long the server keeps its session (MQTT 5.0 expiry), to
//! tell the session it left from a new one made by a CONNECT whose CONNACK never came.
//!
//! When a 5.0 session may have expired at the server, the next CONNECT makes a new, empty
//! session under our client identifier. If that CONNECT's CONNACK (session present 0) is
//! lost, the following CONNECT resumes the new session and is answered with session present
//! 1, which reads exactly like the old session resumed: MQTT gives no way to tell them
//! apart. Believing it, the client would resend QoS 2 messages the server no longer knows
//! (delivered twice), keep QoS 2 identifiers the server will never release (which count
//! against the Receive Maximum forever) and think itself still subscribed. So after such an
//! unanswered CONNECT the session starts clean instead, and reports what that drops.

use super::rules::Millis;

/// How much earlier than the last packet received the server may have started the expiry
/// countdown (the packet's flight), and the rounding of the interval to seconds.
const SLACK_MS: u64 = 1_000;

/// The server's side of the session's life, as far as the client can know it.
#[derive(Clone, Debug, Default)]
pub(super) struct Lifetime {
    /// When the server last showed that it held the session: a packet received on an
    /// accepted connection.
    heard_at: Option<Millis>,
    /// The Session Expiry Interval the server applies, in milliseconds (`None`: the
    /// session does not expire, or 3.x, which has no expiry).
    expiry_ms: Option<u64>,
    /// The CONNECT now waiting for its CONNACK went out when the old session may already
    /// have expired.
    connect_after_expiry: bool,
    /// Such a CONNECT went unanswered: the server may hold a new session we never saw.
    doubtful: bool,
}

impl Lifetime {
    /// A session read back from a snapshot, `doubtful` as it was saved. For 5.0 (`v5`) the
    /// expiry the server applied is not known (it may have lowered the one asked for) nor how
    /// long the process was away: the first CONNECT is taken as sent after the expiry may
    /// have run out.
    pub(super) fn restored(doubtful: bool, v5: bool) -> Self {
        Lifetime {
            doubtful,
            expiry_ms: v5.then_some(0),
            ..Lifetime::default()
        }
    }

    /// What a snapshot keeps: the doubt, or the CONNECT now waiting that would raise it if
    /// the process ended before its CONNACK.
    pub(super) fn doubtful_if_ended_now(&self, connecting: bool) -> bool {
        self.doubtful || connecting && self.connect_after_expiry
    }

    /// The server accepted a connection, with this expiry (seconds; `u32::MAX` is never).
    pub(super) fn accepted(&mut self, expiry: Option<u32>, now: Millis) {
        self.expiry_ms = expiry_ms(expiry);
        self.heard_at = Some(now);
        self.connect_after_expiry = false;
        self.doubtful = false;
    }

    /// A packet arrived on an accepted connection.
    pub(super) fn heard(&mut self, now: Millis) {
        self.heard_at = Some(now);
    }

    /// A CONNECT goes out, asking to resume (`resume`) or not.
    pub(super) fn connecting(&mut self, resume: bool, now: Millis) {
        self.connect_after_expiry = resume
            && match (self.expiry_ms, self.heard_at) {
                (Some(expiry), Some(heard)) => {
                    now.saturating_sub(heard).saturating_add(SLACK_MS) >= expiry
                }
                // Restored from a snapshot: away for who knows how long.
                (Some(_), None) => true,
                (None, _) => false,
            };
    }

    /// The connection ended before CONNACK.
    pub(super) fn unanswered(&mut self) {
        if self.connect_after_expiry {
            self.doubtful = true;
        }
    }

    /// A session present 1 could not be trusted: the next CONNECT must start clean.
    pub(super) fn doubtful(&self) -> bool {
        self.doubtful
    }
}

/// An expiry in seconds as milliseconds; `None` for none (3.x) or never (`u32::MAX`).
fn expiry_ms(seconds: Option<u32>) -> Option<u64> {
    seconds
        .filter(|&s| s != u32::MAX)
        .map(|s| u64::from(s) * 1_000)
}
