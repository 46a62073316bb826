//! Per network connection state: what does not outlive the socket (§3.3.2.3.4 topic aliases,
//! the negotiated limits, keep alive).

use super::Millis;
use crate::decoder::Decoder;
use crate::topic::TopicName;
use crate::version::ProtocolVersion;
use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::string::String;

/// Where a connection stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Waiting for CONNECT.
    AwaitConnect,
    /// CONNECT received with an Authentication Method; the exchange of AUTH packets runs
    /// before CONNACK ([MQTT-4.12.0-2]).
    Authenticating,
    /// CONNACK sent.
    Connected,
}

/// One client connection.
#[derive(Debug)]
pub(crate) struct Connection {
    pub(crate) decoder: Decoder,
    pub(crate) phase: Phase,
    pub(crate) version: ProtocolVersion,
    pub(crate) client_id: String,
    pub(crate) username: Option<String>,
    pub(crate) opened_at: Millis,
    pub(crate) last_seen: Millis,
    /// 1.5 times the keep alive, in ms ([MQTT-3.1.2-24] of 3.1.1, §3.1.2.10 of 5.0).
    pub(crate) keep_alive_ms: Option<u64>,
    /// The client's Maximum Packet Size.
    pub(crate) max_packet_out: usize,
    /// The client's Receive Maximum: our in-flight window towards it.
    pub(crate) receive_max_out: usize,
    /// Aliases the client set towards us.
    pub(crate) aliases_in: BTreeMap<u16, TopicName>,
    /// The client's Topic Alias Maximum and the aliases we assigned.
    pub(crate) alias_max_out: u16,
    pub(crate) aliases_out: BTreeMap<String, u16>,
    /// The Session Expiry Interval of CONNECT (DIS-7).
    pub(crate) connect_expiry: u32,
    /// The Authentication Method of CONNECT, when the client authenticated with one: every
    /// AUTH must carry the same ([MQTT-4.12.0-5], [MQTT-4.12.1-1]).
    pub(crate) auth_method: Option<String>,
    /// An authentication exchange in progress (before CONNACK, or a re-authentication).
    /// Boxed: few connections ever hold one, and inline it was 232 of the 528 bytes that
    /// every connection's entry in the broker's map took.
    pub(crate) exchange: Option<Box<super::enhanced_auth::Exchange>>,
    /// Where the timer index holds this connection's deadline (see [`super::timer_index`]).
    pub(crate) timer: Option<Millis>,
}

impl Connection {
    pub(crate) fn new(max_packet_size: usize, now: Millis) -> Self {
        Connection {
            // Bridges (mosquitto's, among others) mark their CONNECT; they are accepted.
            decoder: Decoder::server()
                .accept_bridges()
                .with_max_packet_size(max_packet_size),
            phase: Phase::AwaitConnect,
            version: ProtocolVersion::V3_1_1,
            client_id: String::new(),
            username: None,
            opened_at: now,
            last_seen: now,
            keep_alive_ms: None,
            max_packet_out: crate::MAX_PACKET_SIZE,
            receive_max_out: usize::from(u16::MAX),
            aliases_in: BTreeMap::new(),
            alias_max_out: 0,
            aliases_out: BTreeMap::new(),
            connect_expiry: 0,
            auth_method: None,
            exchange: None,
            timer: None,
        }
    }

    /// Whether the timer index holds this connection no later than its deadline (whatever
    /// else may have moved it: see [`super::timer_index`]).
    pub(crate) fn timer_in_time(&self) -> bool {
        match self.deadline(super::CONNECT_TIMEOUT_MS) {
            Some(at) => self.timer.is_some_and(|t| t <= at),
            None => true,
        }
    }

    /// When the keep alive (or the wait for CONNECT) runs out.
    pub(crate) fn deadline(&self, connect_timeout_ms: u64) -> Option<Millis> {
        match self.phase {
            Phase::AwaitConnect | Phase::Authenticating => {
                Some(self.opened_at.saturating_add(connect_timeout_ms))
            }
            Phase::Connected => self
                .keep_alive_ms
                .map(|ka| self.last_seen.saturating_add(ka)),
        }
    }
}
