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
    /// `msg` became a retained message: its expiry, if it has one, is a time to sweep.
    pub(super) fn note_retained(&mut self, msg: &Message) {
        if let Some(at) = msg.expires_at {
            self.retained_sweep = Some(self.retained_sweep.map_or(at, |s| s.min(at)));
        }
    }

    /// Removes the retained messages expired at `now`, once their earliest expiry came.
    pub(super) fn sweep_retained(&mut self, now: Millis) {
        if !self.retained_sweep.is_some_and(|at| at <= now) {
            return;
        }
        // A retained message is kept under its topic.
        let expired: Vec<String> = self
            .retained
            .values()
            .filter(|m| m.expired(now))
            .map(|m| String::from(m.topic.as_str()))
            .collect();
        for topic in &expired {
            self.retained.remove(topic);
        }
        self.retained_sweep = self
            .retained
            .values()
            .filter_map(|m| m.expires_at)
            .min()
            .map(|at| at.max(now.saturating_add(SWEEP_GAP_MS)));
    }
}
