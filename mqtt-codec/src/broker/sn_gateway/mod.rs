//! The MQTT-SN 1.2 gateway inside the broker: a transparent gateway (§4.1), each MQTT-SN
//! client holding a session of the broker's own under its ClientId, so that it shares the
//! ClientId namespace, the ACL, retained messages and takeover with MQTT clients.
//!
//! Each connected MQTT-SN client is a connection of the broker that speaks MQTT 3.1.1 on
//! the inside: what it sends is translated into MQTT packets and handled as any client's,
//! and what the broker sends it is translated back into datagrams (topic names into topic
//! ids, REGISTER first where the client has none). A datagram from an address the caller
//! names with an [`SnPeer`] goes in with [`Broker::datagram_received`]; datagrams come out
//! as [`super::Action::SendDatagram`].
//!
//! Decisions where the specification leaves a choice (the `[rec]` rows of the MQTT-SN
//! reference):
//! - one QoS 1 or 2 PUBLISH in flight towards a client at a time (SN-GW-13), so that the
//!   broker's queue, not the gateway, holds the rest;
//! - a REGISTER is answered from a per-client table (SN-GW-4); the gateway registers a name
//!   itself before the first PUBLISH on it and holds that PUBLISH until the REGACK
//!   (SN-GW-5);
//! - a PUBLISH goes out with a short name when the client subscribed with that short name,
//!   with the id the client holds for the name (its SUBACK's or REGACK's), else with a
//!   predefined id when the topic has one, else with an id registered now (SN-GW-6,
//!   SN-SUB-2); a name whose REGISTER the client refused is not sent to it (SN-REG-2);
//! - QoS −1 is published at QoS 0 as an anonymous client, from any address (SN-GW-7);
//! - keep alive and sleep are timed with the slack of SN-GW-8 (10 % above a minute, else
//!   50 %); a client that outlives it is lost and its will published;
//! - a sleeping client's messages wait, at most [`SnGatewayConfig::max_sleep_buffer`], and
//!   go out when it wakes, the PINGRESP last (SN-GW-9);
//! - what the gateway sends a 1.2 client and waits an answer for is sent again every
//!   [`SnGatewayConfig::retry_interval`] seconds (a PUBLISH with DUP), at most
//!   [`SnGatewayConfig::max_retries`] times, then the client is lost (SN-GW-12);
//! - a connection-bound message from an address with no client is answered with DISCONNECT
//!   (SN-GW-14), and so is a client whose session ends for another reason (a takeover).
//!
//! MQTT-SN 2.0 clients (the OASIS draft, [`crate::sn::v2`]) are served too, the version
//! learnt from their CONNECT: a datagram from an address bound to a 2.0 client is read as
//! 2.0, any other as 1.2 first and as 2.0 when 1.2 refuses it (a 2.0 CONNECT never reads as
//! 1.2). A 2.0 client is a broker connection speaking MQTT 5.0 inside, whose reason codes
//! 2.0 shares: session expiry, assigned client ids, reason codes and the will in CONNECT
//! pass through. Towards a 2.0 client a PUBLISH names its topic with the session alias the
//! client holds, else a predefined alias, else the name itself (2.0 allows it, so
//! the gateway registers nothing); one QoS 1 or 2 message is in flight either way (SN2-18);
//! SLEEPREQ and PINGREQ sleep and wake it like 1.2's DISCONNECT and PINGREQ; enhanced
//! authentication and the Protection Encapsulation are refused (CONNACK 0x8C, dropped).

mod config;
mod inbound;
mod outbound;
mod retry;
mod v2;

pub use config::{parse_predefined_topics, PredefinedTopicsError, SnGatewayConfig};

use super::{Broker, ConnId, Millis};
use alloc::collections::{BTreeMap, BTreeSet, VecDeque};
use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;

/// The caller's name for a datagram peer: an address (UDP host and port) the I/O loop maps
/// to a number, as it does connections to [`ConnId`]s.
pub type SnPeer = u64;

/// Connection ids from here up name the gateway's clients inside the broker; the I/O loop's
/// own connection ids must stay below it.
pub const SN_CONN_BASE: ConnId = 1 << 62;

/// Where a client is: a peer, and a wireless node id when it talks through a forwarder
/// (§5.5), empty otherwise.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct SnKey {
    pub(crate) peer: SnPeer,
    pub(crate) node: Vec<u8>,
}

/// Where a client stands (§6.14).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SnState {
    /// CONNECT received; prompting for the will (WILLTOPICREQ, WILLMSGREQ).
    AwaitWillTopic,
    /// Will topic received; waiting for WILLMSG.
    AwaitWillMsg,
    /// Connected.
    Active,
    /// Gone to sleep with DISCONNECT and a duration.
    Asleep,
    /// Woken by PINGREQ; the buffered messages are going out.
    Awake,
}

/// What waits to go to a client: a datagram, or a REGISTER that must be acknowledged
/// before what follows it.
#[derive(Clone, Debug)]
pub(crate) enum Held {
    /// The gateway's REGISTER of `topic_id`.
    Register { msg_id: u16, data: Bytes },
    /// A message; `topic_id` when it is a PUBLISH on a registered id, `packet_id` when it
    /// is a QoS 1 or 2 PUBLISH (in flight in the session), `expires` when it is a QoS 0
    /// PUBLISH with a Message Expiry Interval: dropped if still held then ([MQTT-3.3.2-5]).
    Datagram {
        topic_id: Option<u16>,
        packet_id: Option<u16>,
        expires: Option<super::Millis>,
        data: Bytes,
    },
}

/// A CONNECT waiting for its will.
#[derive(Clone, Debug)]
pub(crate) struct PendingConnect {
    pub(crate) clean_session: bool,
    /// The CONNECT's Will flag: with it set, an empty WILLTOPIC deletes the will (SN-WIL-1)
    /// rather than keep the session's.
    pub(crate) will_flag: bool,
    pub(crate) duration: u16,
    pub(crate) will_topic: Option<(String, crate::QoS, bool)>,
    /// The will of the session, taken before the CONNECT ended this address's previous
    /// connection (which drops it): kept when CleanSession is 0 without the Will flag.
    pub(crate) kept_will: Option<super::message::Message>,
}

/// One MQTT-SN client.
#[derive(Debug)]
pub(crate) struct SnClient {
    pub(crate) conn: ConnId,
    pub(crate) client_id: String,
    pub(crate) state: SnState,
    pub(crate) pending: Option<PendingConnect>,
    /// Registered topic ids, both ways.
    pub(crate) names: BTreeMap<u16, String>,
    pub(crate) ids: BTreeMap<String, u16>,
    next_topic_id: u16,
    next_msg_id: u16,
    /// Short names the client subscribed with: messages on them go out as short names.
    pub(crate) short_names: BTreeSet<String>,
    /// The topic id field of the client's QoS 1 PUBLISHes, echoed in their PUBACK.
    pub(crate) puback_topics: BTreeMap<u16, u16>,
    /// The topic id each SUBSCRIBE's SUBACK reports.
    pub(crate) suback_topics: BTreeMap<u16, u16>,
    /// What waits to go out (a REGISTER unacknowledged, or the client asleep).
    pub(crate) held: VecDeque<Held>,
    /// The MsgId of the gateway's REGISTER awaiting REGACK.
    pub(crate) awaiting_regack: Option<u16>,
    /// 2.0: the packet id of the gateway's PUBREC whose PUBREL the client owes. It counts
    /// as the gateway's one unacknowledged request (SN2-18): no QoS 1 or 2 PUBLISH goes to
    /// the client until the PUBREL comes.
    pub(crate) awaiting_pubrel: Option<u16>,
    /// A WILLMSGUPD that came before any will topic.
    pub(crate) pending_will_msg: Option<Bytes>,
    /// The broker accepted the CONNECT.
    pub(crate) accepted: bool,
    /// The version the client spoke in its CONNECT.
    pub(crate) version: crate::sn::SnVersion,
    /// 2.0: the packet id of the CONNECT (echoed in CONNACK) and of the latest PINGREQ
    /// (echoed in PINGRESP).
    pub(crate) connect_id: u16,
    pub(crate) ping_id: u16,
    /// What waits for an answer, to be sent again (SN-GW-12).
    pub(crate) retries: Vec<retry::Retry>,
    /// 1.2: names whose REGISTER the client refused: it takes no more messages on them
    /// (SN-REG-2, SN-GW-5), until it subscribes again to a filter matching them or
    /// connects again.
    pub(crate) refused_names: BTreeSet<String>,
    /// Packet ids of QoS 1 and 2 messages the previous connection held and never sent
    /// (the client slept): the session sends them again with DUP, but for the client they
    /// are new.
    pub(crate) never_sent: BTreeSet<u16>,
    /// 2.0: CONNECT flag bit 5, without which the Connection Encapsulation is a protocol
    /// error (SN2-5).
    pub(crate) address_may_change: bool,
    /// Where the timer index holds the next retransmission (see
    /// [`crate::broker::timer_index`]).
    pub(crate) timer: Option<Millis>,
}

impl SnClient {
    pub(crate) fn new(conn: ConnId, client_id: String) -> Self {
        SnClient {
            conn,
            client_id,
            state: SnState::Active,
            pending: None,
            names: BTreeMap::new(),
            ids: BTreeMap::new(),
            next_topic_id: 0,
            next_msg_id: 0,
            short_names: BTreeSet::new(),
            puback_topics: BTreeMap::new(),
            suback_topics: BTreeMap::new(),
            held: VecDeque::new(),
            awaiting_regack: None,
            awaiting_pubrel: None,
            pending_will_msg: None,
            accepted: false,
            version: crate::sn::SnVersion::V1_2,
            connect_id: 0,
            ping_id: 0,
            retries: Vec::new(),
            refused_names: BTreeSet::new(),
            never_sent: BTreeSet::new(),
            address_may_change: false,
            timer: None,
        }
    }

    /// Whether the client is connected (CONNACK sent).
    pub(crate) fn connected(&self) -> bool {
        self.accepted
            && matches!(
                self.state,
                SnState::Active | SnState::Asleep | SnState::Awake
            )
    }

    /// The id registered for `name`, assigned when new (1 to 65534, never a predefined
    /// id's number reused for two names of this client). `None` when the table holds `max`
    /// names already, or every id is taken.
    pub(crate) fn topic_id(&mut self, name: &str, max: usize) -> Option<(u16, bool)> {
        if let Some(&id) = self.ids.get(name) {
            return Some((id, false));
        }
        if self.ids.len() >= max {
            return None;
        }
        for _ in 0..0xFFFE {
            self.next_topic_id = self.next_topic_id % 0xFFFE + 1;
            let id = self.next_topic_id;
            if let alloc::collections::btree_map::Entry::Vacant(slot) = self.names.entry(id) {
                slot.insert(String::from(name));
                self.ids.insert(String::from(name), id);
                return Some((id, true));
            }
        }
        None
    }

    /// Forgets `name`'s id `id`, assigned for a REGISTER that was not sent.
    pub(crate) fn forget_topic(&mut self, name: &str, id: u16) {
        if self.ids.get(name) == Some(&id) {
            self.ids.remove(name);
            self.names.remove(&id);
        }
    }

    /// A MsgId for the gateway's own REGISTER.
    pub(crate) fn msg_id(&mut self) -> u16 {
        self.next_msg_id = self.next_msg_id % 0xFFFF + 1;
        self.next_msg_id
    }
}

/// The gateway's state inside the broker.
#[derive(Debug, Default)]
pub(crate) struct Gateway {
    pub(crate) clients: BTreeMap<SnKey, SnClient>,
    pub(crate) by_conn: BTreeMap<ConnId, SnKey>,
    next_conn: ConnId,
    pub(crate) next_advertise: Option<Millis>,
    /// Wills of 1.2 clients that disconnected normally with a persistent session: kept for
    /// their next CleanSession 0 CONNECT without the Will flag, dropped by one with it set
    /// or with CleanSession 1 (SN-GW-10).
    pub(crate) kept_wills: BTreeMap<String, crate::broker::message::Message>,
}

impl Gateway {
    /// A gateway with no client; `advertise` sends the first ADVERTISE at the first tick.
    pub(crate) fn new(advertise: bool) -> Self {
        Gateway {
            next_advertise: advertise.then_some(0),
            ..Gateway::default()
        }
    }

    /// A connection id for a new client.
    pub(crate) fn new_conn(&mut self) -> ConnId {
        self.next_conn = self.next_conn.wrapping_add(1);
        SN_CONN_BASE | (self.next_conn & (SN_CONN_BASE - 1))
    }

    /// The key of the client with `client_id`.
    pub(crate) fn key_of(&self, client_id: &str) -> Option<SnKey> {
        // An empty identifier names no one (one not yet assigned).
        if client_id.is_empty() {
            return None;
        }
        self.clients
            .iter()
            .find(|(_, c)| c.client_id == client_id)
            .map(|(k, _)| k.clone())
    }
}

/// Keep alive and sleep with the slack of SN-GW-8: 10 % above a minute, else 50 %.
pub(crate) fn with_slack(secs: u32) -> u64 {
    let ms = u64::from(secs) * 1000;
    if secs > 60 {
        ms + ms / 10
    } else {
        ms + ms / 2
    }
}

impl Broker {
    /// Whether the gateway holds anything for `peer` (a client connected, connecting,
    /// asleep or awaiting a retransmission from it). The I/O loop forgets the address of a
    /// peer that is not, so that datagrams from ever-new addresses (garbage, spoofed
    /// sources) do not grow its table for good; a peer forgotten and heard from again
    /// gets a new number.
    pub fn sn_peer_in_use(&self, peer: SnPeer) -> bool {
        let first = SnKey {
            peer,
            node: Vec::new(),
        };
        self.sn
            .clients
            .range(first..)
            .next()
            .is_some_and(|(key, _)| key.peer == peer)
    }

    /// Whether `conn` is one of the gateway's clients.
    pub(crate) fn is_sn_conn(conn: ConnId) -> bool {
        conn >= SN_CONN_BASE
    }

    /// When the gateway next needs the broker (an ADVERTISE, a retransmission), by a walk of
    /// every client: what the timer index is checked against in debug builds.
    #[cfg(debug_assertions)]
    pub(crate) fn sn_deadline_slow(&self) -> Option<Millis> {
        match (self.sn.next_advertise, self.sn_retry_deadline_slow()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Time has passed for the gateway: retransmissions and ADVERTISE when due.
    pub(crate) fn sn_tick(&mut self, now: Millis) {
        self.sn_retry_tick(now);
        let Some(interval) = self.config.mqttsn.advertise_interval else {
            return;
        };
        if self.sn.next_advertise.is_some_and(|at| at > now) {
            return;
        }
        self.sn.next_advertise = Some(now.saturating_add(u64::from(interval) * 1000));
        let advertise = crate::sn::Message::<&[u8]>::Advertise {
            gw_id: self.config.mqttsn.gw_id,
            duration: interval,
        };
        if let Ok(data) = advertise.to_vec() {
            self.actions.push_back(super::Action::SnAdvertise {
                data: Bytes::from(data),
            });
        }
    }
}
