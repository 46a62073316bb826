//! Retained messages whose Message Expiry Interval has passed leave the store
//! ([MQTT-3.3.2-5]) without waiting for a subscriber to come across them: a broker that
//! keeps them grows for good (in memory and in its store) and counts them against its
//! retained limits.

use super::message::Message;
use super::{Broker, Millis};
use alloc::string::String;
use alloc::vec::Vec;

/// The least time between two sweeps of the retained messages: each is a walk of all of
/// them, so messages expiring one after another are swept together.
const SWEEP_GAP_MS: Millis = 1000;

impl Broker {
    /// Keeps `msg` as the retained message of its topic; its expiry, if it has one, is a
    /// time to sweep.
    pub(super) fn keep_retained(&mut self, msg: Message) {
        if let Some(at) = msg.expires_at {
            self.retained_sweep = Some(self.retained_sweep.map_or(at, |s| s.min(at)));
        }
        self.retained.insert(String::from(msg.topic.as_str()), msg);
    }

    /// Removes the retained messages expired at `now`, once their earliest expiry came.
    pub(super) fn sweep_retained(&mut self, now: Millis) {
        if !self.retained_sweep.is_some_and(|at| at <= now) {
            return;
        }
        // One walk: the expired ones (kept under their topics), and the next expiry.
        let mut expired: Vec<String> = Vec::new();
        let mut next: Option<Millis> = None;
        for m in self.retained.values() {
            match m.expires_at {
                Some(at) if at <= now => expired.push(String::from(m.topic.as_str())),
                Some(at) => next = Some(next.map_or(at, |n| n.min(at))),
                None => {}
            }
        }
        for topic in &expired {
            self.retained.remove(topic);
        }
        self.retained_sweep = next.map(|at| at.max(now.saturating_add(SWEEP_GAP_MS)));
    }
}
