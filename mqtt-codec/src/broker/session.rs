//! Session state: what outlives a network connection (§4.1): subscriptions, QoS 1 and 2
//! messages in flight or queued, QoS 2 messages received and not yet released, the will.

use super::message::Message;
use super::small_map::SmallMap;
use super::{ConnId, Millis};
use crate::packet::{PacketId, SubscriptionOptions};
use crate::qos::QoS;
use alloc::collections::{BTreeMap, BTreeSet, VecDeque};
use alloc::string::String;
use alloc::vec::Vec;

/// One subscription of a session.
#[derive(Clone, Debug)]
pub(crate) struct SubEntry {
    /// The options, with the QoS granted.
    pub(crate) options: SubscriptionOptions,
    /// The 5.0 Subscription Identifier.
    pub(crate) id: Option<u32>,
    /// A 5.0 `$share/` subscription.
    pub(crate) shared: bool,
}

/// Where an outgoing QoS 1 or 2 message stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OutState {
    /// Sent; waiting for PUBACK (QoS 1) or PUBREC (QoS 2).
    AwaitAck,
    /// PUBREL sent; waiting for PUBCOMP.
    AwaitComp,
}

/// A delivery: the message and how this subscriber gets it.
#[derive(Clone, Debug)]
pub(crate) struct Delivery {
    pub(crate) msg: Message,
    pub(crate) qos: QoS,
    pub(crate) retain: bool,
    pub(crate) sub_ids: Vec<u32>,
    /// Its place in the store (see `persist`): unique across sessions, given on delivery.
    pub(crate) seq: u64,
}

/// A delivery in flight.
#[derive(Clone, Debug)]
pub(crate) struct Outgoing {
    pub(crate) delivery: Delivery,
    pub(crate) state: OutState,
    /// Sent on an earlier connection and not yet again on this one (in `Session::resend`).
    pub(crate) awaiting_resend: bool,
    /// Released (PUBREC received) without being sent on this connection: it holds no place
    /// in the connection's window, whose send quota starts full ([MQTT-3.3.4-9], §4.9).
    pub(crate) released_before: bool,
    /// When its PUBREC came, by the broker's count of them: a resumed session's PUBRELs go
    /// again in that order ([MQTT-4.6.0-4]). 0 until then, and for a release read back from
    /// the store (older than any of this run; those keep their delivery order).
    pub(crate) released_at: u64,
}

/// A client's session.
#[derive(Debug)]
pub(crate) struct Session {
    pub(crate) conn: Option<ConnId>,
    /// The client connected as a bridge: what it publishes is not sent back to it, and the
    /// retain flag reaches it as published (mosquitto's treatment, so that `topic # both`
    /// does not loop).
    pub(crate) bridge: bool,
    /// By filter; most devices have one or two (see [`SmallMap`]).
    pub(crate) subscriptions: SmallMap<String, SubEntry>,
    pub(crate) inflight: BTreeMap<u16, Outgoing>,
    /// In-flight PUBLISHes a resumed connection has not had again yet, in the order they
    /// were first sent: beyond the client's Receive Maximum they wait their turn.
    pub(crate) resend: VecDeque<u16>,
    /// How many in-flight messages are `awaiting_resend`: the rest of `inflight` holds
    /// places in the connection's window. Kept as they change, not counted when asked (a
    /// count per message sent made a reconnection with 65,535 in flight take minutes).
    pub(crate) awaiting_resend: usize,
    /// How many in-flight messages are `released_before`, kept as they change.
    pub(crate) released_before: usize,
    pub(crate) queue: VecDeque<Delivery>,
    /// QoS 2 packet identifiers received and not yet released by PUBREL.
    pub(crate) incoming_qos2: BTreeSet<u16>,
    pub(crate) next_pid: u16,
    /// Session Expiry Interval in seconds; `u32::MAX` never expires.
    pub(crate) expiry_secs: u32,
    pub(crate) expire_at: Option<Millis>,
    pub(crate) will: Option<Message>,
    pub(crate) will_delay_ms: u64,
    pub(crate) will_at: Option<Millis>,
    /// When the client last acknowledged a message we sent it, or (re)connected: flow
    /// control tells a slow subscriber from a stuck one by it.
    pub(crate) last_progress: Millis,
    /// Where the timer index holds this session's deadline, and its stall deadline (see
    /// [`super::timer_index`]).
    pub(crate) timer: Option<Millis>,
    pub(crate) stall: Option<Millis>,
}

impl Session {
    pub(crate) fn new(conn: ConnId) -> Self {
        Session {
            conn: Some(conn),
            bridge: false,
            subscriptions: SmallMap::default(),
            inflight: BTreeMap::new(),
            resend: VecDeque::new(),
            awaiting_resend: 0,
            released_before: 0,
            queue: VecDeque::new(),
            incoming_qos2: BTreeSet::new(),
            next_pid: 0,
            expiry_secs: 0,
            expire_at: None,
            will: None,
            will_delay_ms: 0,
            will_at: None,
            last_progress: 0,
            timer: None,
            stall: None,
        }
    }

    /// A packet identifier not in use by an in-flight message ([MQTT-2.3.1-2]).
    pub(crate) fn next_packet_id(&mut self) -> Option<PacketId> {
        let inflight = &self.inflight;
        crate::packet_flow::next_packet_id(&mut self.next_pid, |n| inflight.contains_key(&n))
    }

    /// The in-flight message `id` no longer waits to be sent again on this connection: it
    /// is being sent, or was acknowledged or dropped first. True when it was waiting.
    pub(crate) fn resend_done(&mut self, id: u16) -> bool {
        let waited = self
            .inflight
            .get_mut(&id)
            .is_some_and(|out| core::mem::take(&mut out.awaiting_resend));
        if waited {
            self.awaiting_resend = self.awaiting_resend.saturating_sub(1);
        }
        waited
    }

    /// The in-flight QoS 2 message `id` is released (PUBREC came, the broker's `order`th):
    /// it waits for PUBCOMP, holding no place in the window when its PUBLISH was not sent
    /// on this connection.
    pub(crate) fn released(&mut self, id: u16, sent_here: bool, order: u64) {
        let Some(out) = self.inflight.get_mut(&id) else {
            return;
        };
        if out.state != OutState::AwaitComp {
            out.released_at = order;
        }
        out.state = OutState::AwaitComp;
        if !sent_here && !core::mem::replace(&mut out.released_before, true) {
            self.released_before = self.released_before.saturating_add(1);
        }
    }

    /// Ends the flow of the message in flight under `id`, acknowledged or refused by the
    /// receiver: it leaves the window, and that is progress (flow control). False when
    /// nothing is in flight under `id`.
    pub(crate) fn end_flow(&mut self, id: u16, now: Millis) -> bool {
        if !self.inflight.contains_key(&id) {
            return false;
        }
        self.resend_done(id);
        if self
            .inflight
            .remove(&id)
            .is_some_and(|out| out.released_before)
        {
            self.released_before = self.released_before.saturating_sub(1);
        }
        self.last_progress = now;
        true
    }

    /// How many in-flight messages hold places in the connection's window: those sent on
    /// it and not yet acknowledged.
    pub(crate) fn window_used(&self) -> usize {
        self.window_claimed().saturating_sub(self.awaiting_resend)
    }

    /// How many places in the window are held or promised: beside [`Session::window_used`],
    /// the messages waiting to be sent again, which go before any new one.
    pub(crate) fn window_claimed(&self) -> usize {
        self.inflight.len().saturating_sub(self.released_before)
    }

    /// The earliest time this session needs attention.
    pub(crate) fn deadline(&self) -> Option<Millis> {
        match (self.expire_at, self.will_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}
