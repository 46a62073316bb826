//! The sans-IO broker core (feature `broker`): sessions, subscriptions and wildcard routing,
//! retained messages, wills, QoS 1 and 2 flows, keep alive, and the MQTT 5.0 extras (topic
//! aliases, receive maximum, message expiry, subscription identifiers, shared subscriptions).
//!
//! It reads no socket and no clock. Events go in: [`Broker::connection_opened`],
//! [`Broker::bytes_received`], [`Broker::connection_closed`] and [`Broker::tick`], each with
//! the current time in milliseconds of any monotonic clock; actions come out of
//! [`Broker::poll_action`] (bytes to send, connections to close, log lines), and
//! [`Broker::next_deadline`] says when to call `tick` next.
//!
//! ```
//! use mqtt_codec::broker::{Action, Broker, BrokerConfig};
//!
//! let mut broker = Broker::new(BrokerConfig::default());
//! broker.connection_opened(1, 0);
//! // CONNECT, MQTT 3.1.1, client "abc", clean session, keep alive 60 s.
//! broker.bytes_received(1, &[0x10, 0x0F, 0, 4, b'M', b'Q', b'T', b'T', 4, 2, 0, 60, 0, 3, b'a', b'b', b'c'], 0);
//! let sent: Vec<u8> = std::iter::from_fn(|| broker.poll_action())
//!     .filter_map(|a| match a { Action::Send { data, .. } => Some(data.to_vec()), _ => None })
//!     .flatten()
//!     .collect();
//! assert_eq!(sent, [0x20, 0x02, 0x00, 0x00]); // CONNACK, accepted
//! ```

mod acl;
mod config;
mod connection;
mod delivery;
mod droppable;
mod enhanced_auth;
mod flow;
mod handlers;
mod message;
mod passwords;
mod persist;
mod retained_expiry;
mod session;
mod small_map;
mod sn_gateway;
mod sub_index;
mod timer_index;
mod timers;
mod tracked;

pub use acl::{Access, Acl, AclError};
pub use config::BrokerConfig;
pub use enhanced_auth::{parse_scram_users, ScramConfig, ScramUsersError};
pub use flow::STALL_MS;
pub use passwords::{PasswordFileError, Passwords};
pub use persist::{Restored, StoreChange, StoreError, StoredRecord};
pub use sn_gateway::{
    parse_predefined_topics, PredefinedTopicsError, SnGatewayConfig, SnPeer, SN_CONN_BASE,
};

use crate::packet::{Disconnect, Packet};
use crate::reason::ReasonCode;
use crate::version::ProtocolVersion;
use alloc::collections::{BTreeMap, BTreeSet, VecDeque};
use alloc::string::String;
use bytes::Bytes;
use connection::{Connection, Phase};
use message::Message;
use session::Session;
use tracked::Tracked;

/// The caller's name for a network connection.
pub type ConnId = u64;

/// Milliseconds of the caller's monotonic clock.
pub type Millis = u64;

/// How long a new connection may take to send CONNECT.
const CONNECT_TIMEOUT_MS: u64 = 30_000;

/// The importance of a log line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Something failed.
    Error,
    /// Something was refused or dropped.
    Warn,
    /// Connections, subscriptions.
    Info,
    /// Per-packet detail.
    Debug,
}

/// What the broker asks its I/O loop to do.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// Write these bytes to the connection, in order.
    Send {
        /// The connection.
        conn: ConnId,
        /// One or more encoded packets.
        data: Bytes,
    },
    /// Close the connection (after writing what was sent before).
    Close {
        /// The connection.
        conn: ConnId,
    },
    /// Stop reading from the connection until [`Action::ResumeReading`]: the messages
    /// waiting for subscribers are over [`BrokerConfig::max_backlog`] (flow control; the
    /// bytes already received are still to be given to the broker).
    PauseReading {
        /// The connection.
        conn: ConnId,
    },
    /// Read from the connection again.
    ResumeReading {
        /// The connection.
        conn: ConnId,
    },
    /// Send this datagram to an MQTT-SN peer (the gateway, [`Broker::datagram_received`]).
    SendDatagram {
        /// The peer.
        peer: SnPeer,
        /// One MQTT-SN message.
        data: Bytes,
    },
    /// Send this ADVERTISE to the address the operator chose for announcements
    /// ([`SnGatewayConfig::advertise_interval`]).
    SnAdvertise {
        /// The ADVERTISE datagram.
        data: Bytes,
    },
    /// A line for the log.
    Log {
        /// Its level.
        level: Level,
        /// The text.
        message: String,
    },
}

/// Counters of what the broker did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BrokerStats {
    /// Connections accepted (CONNACK success sent).
    pub connections: u64,
    /// PUBLISH packets received from clients.
    pub messages_received: u64,
    /// PUBLISH packets sent to clients.
    pub messages_sent: u64,
    /// Messages dropped: queue full, larger than the client accepts, or expired.
    pub messages_dropped: u64,
}

/// The broker core. See the [module documentation](self).
#[derive(Debug)]
pub struct Broker {
    config: BrokerConfig,
    /// Hashed: looked up on every packet (see [`Tracked`] for why not ordered).
    conns: hashbrown::HashMap<ConnId, Connection>,
    sessions: Tracked<Session>,
    /// Every session's subscriptions by topic level, for routing.
    subs: sub_index::SubIndex,
    retained: Tracked<Message>,
    /// When the retained messages are next swept for expired ones (`retained_expiry.rs`).
    retained_sweep: Option<Millis>,
    actions: VecDeque<Action>,
    shared_next: BTreeMap<String, usize>,
    assigned_ids: u64,
    stats: BrokerStats,
    /// Connections the I/O loop was asked to stop reading (flow control).
    paused: BTreeSet<ConnId>,
    /// A message was just queued for a connected session (flow control looks at it).
    queued_live: bool,
    /// The time of the latest event.
    clock: Millis,
    /// The MQTT-SN gateway's clients.
    sn: sn_gateway::Gateway,
    /// SCRAM server nonces drawn so far.
    nonces: u64,
    /// Every connection's, session's and gateway client's next deadline, in order.
    timers: timer_index::TimerIndex,
    /// [`Broker::tick`] is at work (a connection it closes leaves the rest to it).
    ticking: bool,
    /// The last delivery's store sequence number.
    next_seq: u64,
    /// PUBRECs taken so far, which number the releases (see `Outgoing::released_at`).
    releases: u64,
    /// What the store holds, when the broker persists (see `persist`).
    stored: Option<persist::Stored>,
}

/// A topic of the `$SYS` tree, where only brokers may publish: a client's PUBLISH or will
/// there is refused like one its ACL denies, a bridge's is not (mosquitto's bridges keep
/// their connection's state there).
pub(crate) fn is_broker_topic(topic: &str) -> bool {
    topic
        .strip_prefix("$SYS")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

impl Broker {
    /// A broker with `config`.
    pub fn new(config: BrokerConfig) -> Self {
        let advertise = config.mqttsn.advertise_interval.is_some();
        Broker {
            config,
            conns: hashbrown::HashMap::new(),
            sessions: Tracked::default(),
            subs: sub_index::SubIndex::default(),
            retained: Tracked::default(),
            retained_sweep: None,
            actions: VecDeque::new(),
            shared_next: BTreeMap::new(),
            assigned_ids: 0,
            stats: BrokerStats::default(),
            paused: BTreeSet::new(),
            queued_live: false,
            clock: 0,
            sn: sn_gateway::Gateway::new(advertise),
            nonces: 0,
            timers: timer_index::TimerIndex::default(),
            ticking: false,
            next_seq: 0,
            releases: 0,
            stored: None,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &BrokerConfig {
        &self.config
    }

    /// Replaces the ACL and the password file while the broker runs (what mosquitto does on
    /// SIGHUP). What a client may publish, subscribe to and receive is judged by the new ACL
    /// from the next packet on, for the clients connected already too; the passwords apply
    /// to the next CONNECT, and a client that logged in keeps its connection.
    pub fn reload_access(&mut self, acl: Option<Acl>, passwords: Option<Passwords>) {
        self.config.acl = acl;
        self.config.passwords = passwords;
        self.log(
            Level::Info,
            alloc::string::String::from("access control reloaded (ACL and password file)"),
        );
    }

    /// The counters.
    pub fn stats(&self) -> BrokerStats {
        self.stats
    }

    /// Open network connections.
    pub fn connection_count(&self) -> usize {
        self.conns.len()
    }

    /// Sessions held, connected or not.
    pub fn session_count(&self) -> usize {
        self.sessions.len()
    }

    /// Retained messages held.
    pub fn retained_count(&self) -> usize {
        self.retained.len()
    }

    /// The next action for the I/O loop, if any.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// A network connection was accepted.
    pub fn connection_opened(&mut self, conn: ConnId, now: Millis) {
        self.clock = now;
        let old = self
            .conns
            .insert(conn, Connection::new(self.config.max_packet_size, now));
        if let Some(old) = old {
            self.unindex(old.timer, timer_index::Timer::Conn(conn));
        }
        self.index_conn(conn);
        self.resume_if_drained(now);
        self.settle_timers();
    }

    /// Bytes arrived on a connection.
    pub fn bytes_received(&mut self, conn: ConnId, data: &[u8], now: Millis) {
        self.clock = now;
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        // The keep alive is kept by whole packets only ([MQTT-3.1.2-22], 3.1.1
        // [MQTT-3.1.2-24]): a client trickling a byte at a time of a packet it never ends
        // is closed on time. Each packet sets `last_seen` where it is handled.
        c.decoder.feed(data);
        while let Some(c) = self.conns.get_mut(&conn) {
            match c.decoder.next_packet() {
                Ok(Some(packet)) => self.on_packet(conn, packet, now),
                Ok(None) => break,
                Err(e) => {
                    self.decode_failed(conn, &e, now);
                    break;
                }
            }
        }
        self.settle_timers();
    }

    /// The broker is stopping (SIGTERM): every 5.0 client is sent DISCONNECT 0x8B (Server
    /// shutting down) and every connection is closed. Nobody's will is published (the
    /// clients did nothing wrong, and the sessions outlive the process when persisted), as
    /// mosquitto does on shutdown.
    pub fn shutdown(&mut self, now: Millis) {
        self.clock = now;
        let mut conns: alloc::vec::Vec<ConnId> = self.conns.keys().copied().collect();
        conns.sort_unstable();
        for conn in conns {
            if let Some(c) = self.conns.get(&conn) {
                if c.phase == Phase::Connected && c.version.is_v5() {
                    self.send(
                        conn,
                        &Packet::Disconnect(Disconnect::new(ReasonCode::ServerShuttingDown)),
                    );
                }
            }
            self.detach(conn, now, false);
        }
        self.log(Level::Info, String::from("shut down"));
        self.settle_timers();
    }

    /// The network connection closed or failed (not by the broker's own [`Action::Close`]):
    /// an abnormal end, so the will is published ([MQTT-3.1.2-8]).
    pub fn connection_closed(&mut self, conn: ConnId, now: Millis) {
        self.clock = now;
        if self.conns.contains_key(&conn) {
            self.log(Level::Info, alloc::format!("connection {conn} lost"));
            self.detach(conn, now, true);
        }
        self.resume_if_drained(now);
        self.settle_timers();
    }

    /// When [`Broker::tick`] must be called next, if ever.
    ///
    /// It costs the same however many clients there are: the deadlines are kept in order
    /// as they change (see `timer_index.rs`).
    pub fn next_deadline(&self) -> Option<Millis> {
        let next = self
            .earliest_timer()
            .into_iter()
            .chain(self.stall_deadline())
            .chain(self.sn.next_advertise)
            .chain(self.retained_sweep)
            .min();
        // The index against a walk of every connection, session and gateway client.
        #[cfg(debug_assertions)]
        debug_assert_eq!(
            next,
            self.next_deadline_slow(),
            "the timer index disagrees with a walk"
        );
        next
    }

    fn log(&mut self, level: Level, message: String) {
        self.actions.push_back(Action::Log { level, message });
    }

    /// Encodes `packet` for `conn` and queues it. Returns false when it was not sent: the
    /// connection is gone, or the packet is larger than the client's Maximum Packet Size
    /// ([MQTT-3.1.2-24]: dropped as if sent).
    fn send(&mut self, conn: ConnId, packet: &Packet) -> bool {
        if Self::is_sn_conn(conn) {
            return self.sn_send(conn, packet);
        }
        let Some(c) = self.conns.get(&conn) else {
            return false;
        };
        let bytes = match packet.to_bytes(c.version) {
            Ok(b) => b,
            Err(e) => {
                self.log(
                    Level::Error,
                    alloc::format!(
                        "connection {conn}: cannot encode {}: {e}",
                        packet.packet_type()
                    ),
                );
                return false;
            }
        };
        if bytes.len() > c.max_packet_out {
            self.stats.messages_dropped += 1;
            self.log(
                Level::Warn,
                alloc::format!(
                    "connection {conn}: {} of {} bytes exceeds the client's maximum packet size",
                    packet.packet_type(),
                    bytes.len()
                ),
            );
            return false;
        }
        self.actions.push_back(Action::Send { conn, data: bytes });
        true
    }

    /// Asks the I/O loop to close `conn`; the gateway's own clients are told and forgotten.
    fn close_conn(&mut self, conn: ConnId) {
        if Self::is_sn_conn(conn) {
            self.sn_closed(conn);
        } else {
            self.actions.push_back(Action::Close { conn });
        }
    }

    /// Ends a connection on a protocol error: 5.0 clients get DISCONNECT with `reason` when
    /// connected ([MQTT-4.13.1-1]), then the connection closes and the will is published.
    fn disconnect_with(&mut self, conn: ConnId, reason: ReasonCode, now: Millis) {
        let Some(c) = self.conns.get(&conn) else {
            return;
        };
        let v5_connected = c.phase == Phase::Connected && c.version == ProtocolVersion::V5;
        let message = alloc::format!("connection {conn} ({}): closing: {reason}", c.client_id);
        if v5_connected {
            self.send(conn, &Packet::Disconnect(Disconnect::new(reason)));
        }
        self.log(Level::Warn, message);
        self.detach(conn, now, true);
    }

    /// Ends the session of `client_id`, its subscriptions leaving the index; returns it.
    fn end_session(&mut self, client_id: &str) -> Option<Session> {
        let session = self.sessions.remove(client_id)?;
        // A will an MQTT-SN client kept for its next CONNECT ends with the session.
        self.sn.kept_wills.remove(client_id);
        for filter in session.subscriptions.keys() {
            self.subs.remove(client_id, filter);
        }
        self.unindex(session.timer, timer_index::Timer::Session(client_id.into()));
        self.unindex_stall(client_id, session.stall);
        Some(session)
    }

    /// The Session Expiry Interval kept for one asked for (`u32::MAX`: never), within the
    /// operator's [`BrokerConfig::max_session_expiry`].
    pub(crate) fn kept_expiry(&self, asked: u32) -> u32 {
        self.config
            .max_session_expiry
            .map_or(asked, |max| asked.min(max))
    }

    /// Removes the connection, closes it, and leaves its session: the will is published
    /// (now or after its delay) when `publish_will`, dropped otherwise; a session with
    /// expiry 0 ends here.
    fn detach(&mut self, conn: ConnId, now: Millis, publish_will: bool) {
        let Some(c) = self.conns.remove(&conn) else {
            return;
        };
        self.unindex(c.timer, timer_index::Timer::Conn(conn));
        self.paused.remove(&conn);
        self.close_conn(conn);
        if c.phase != Phase::Connected {
            return;
        }
        let Some(session) = self.sessions.get_mut(&c.client_id) else {
            return;
        };
        if session.conn != Some(conn) {
            return;
        }
        session.conn = None;
        if !publish_will {
            session.will = None;
        } else if session.will.is_some() {
            session.will_at = Some(now.saturating_add(session.will_delay_ms));
        }
        match session.expiry_secs {
            0 => session.expire_at = Some(now),
            u32::MAX => {}
            secs => session.expire_at = Some(now.saturating_add(u64::from(secs) * 1000)),
        }
        self.index_session(&c.client_id);
        self.index_stall(&c.client_id);
        // A session that ends with its connection ends now, a will without delay goes now.
        self.run_timers(now);
    }
}
