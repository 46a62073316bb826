//! What an operator sets for the MQTT-SN gateway, and the predefined topic file.

use crate::topic::TopicName;
use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};

/// The MQTT-SN 1.2 gateway's settings (`--mqttsn-*` in the reference broker).
#[derive(Clone, Debug)]
pub struct SnGatewayConfig {
    /// The gateway id in ADVERTISE and GWINFO.
    pub gw_id: u8,
    /// Predefined topic ids (§6.7), the same on the gateway and its clients.
    pub predefined: BTreeMap<u16, String>,
    /// The longest ClientId accepted; the specification's 23 by default (SN-FLD-2).
    pub max_client_id_len: usize,
    /// How many messages wait for a sleeping client (§6.14); beyond it new QoS 0 messages
    /// are dropped and counted (QoS 1 and 2 wait in the session, one in flight at a time).
    pub max_sleep_buffer: usize,
    /// The largest datagram the network carries: a message that would be larger is not
    /// sent to the client (SN-GW-14).
    pub max_datagram: usize,
    /// How many topic names one client's table holds (what it registered, the names it
    /// subscribed to, and those the gateway registered to deliver to it): past it a
    /// REGISTER, or a SUBSCRIBE to a new name, is answered 0x01 Congestion (SN-GW-4), and a
    /// message on a new name to a wildcard subscriber is not delivered (counted as
    /// dropped). It bounds what one client can make the gateway keep.
    pub max_topics: usize,
    /// Seconds between two transmissions of a message to a 1.2 client that waits for an
    /// answer (T_retry, SN-GW-12); 0 turns retransmission off.
    pub retry_interval: u16,
    /// How many times such a message is sent again before the client is lost (N_retry).
    pub max_retries: u8,
    /// Seconds between two ADVERTISEs ([`super::super::Action::SnAdvertise`]); `None` sends
    /// none.
    pub advertise_interval: Option<u16>,
}

impl Default for SnGatewayConfig {
    fn default() -> Self {
        SnGatewayConfig {
            gw_id: 1,
            predefined: BTreeMap::new(),
            max_client_id_len: 23,
            max_sleep_buffer: 100,
            max_datagram: 1472,
            max_topics: 1000,
            advertise_interval: None,
            retry_interval: 10,
            max_retries: 3,
        }
    }
}

/// Why a predefined topic file was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct PredefinedTopicsError {
    /// The line, from 1.
    pub line: usize,
    /// What is wrong with it.
    pub reason: String,
}

/// Reads a predefined topic file: one `ID TOPIC` a line (ID 1 to 65534, TOPIC a topic name
/// without wildcards), `#` comments and blank lines ignored; an id or a topic given twice is
/// refused.
///
/// ```
/// use mqtt_codec::broker::parse_predefined_topics;
///
/// let topics = parse_predefined_topics("# sensors\n1 sensors/temperature\n2 sensors/humidity\n")?;
/// assert_eq!(topics[&2], "sensors/humidity");
/// # Ok::<(), mqtt_codec::broker::PredefinedTopicsError>(())
/// ```
pub fn parse_predefined_topics(text: &str) -> Result<BTreeMap<u16, String>, PredefinedTopicsError> {
    let mut topics = BTreeMap::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let fail = |reason: &str| PredefinedTopicsError {
            line,
            reason: reason.to_string(),
        };
        let text = raw.trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        let (id, topic) = text
            .split_once(char::is_whitespace)
            .ok_or_else(|| fail("expected `ID TOPIC`"))?;
        let topic = topic.trim();
        let id: u16 = id
            .parse()
            .ok()
            .filter(|id| (1..0xFFFF).contains(id))
            .ok_or_else(|| fail("the id must be a number from 1 to 65534"))?;
        TopicName::new(topic).map_err(|e| fail(&alloc::format!("topic {topic:?}: {e}")))?;
        if topics.values().any(|t: &String| t == topic) {
            return Err(fail("the topic is predefined twice"));
        }
        if topics.insert(id, topic.to_string()).is_some() {
            return Err(fail("the id is predefined twice"));
        }
    }
    Ok(topics)
}
