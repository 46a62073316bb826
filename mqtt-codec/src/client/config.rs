//! What a client session is told at creation: who it is, what it asks of the server, and
//! the limits it keeps to.

use super::error::SessionError;
use crate::error::EncodeError;
use crate::packet::Will;
use crate::packet::{Connect, Packet};
use crate::storage::Owned;
use crate::string::MqttStr;
use crate::version::ProtocolVersion;
use alloc::boxed::Box;
use alloc::string::{String, ToString};
use bytes::Bytes;

/// The settings of a [`super::Session`]. [`SessionConfig::new`] gives the defaults; the
/// fields are public so that a caller changes what it needs.
#[derive(Clone, Debug)]
pub struct SessionConfig {
    /// The protocol version spoken.
    pub version: ProtocolVersion,
    /// The client identifier; empty asks the server to assign one (3.1.1 with a clean
    /// session, and 5.0).
    pub client_id: String,
    /// Keep alive in seconds; 0 turns it off.
    pub keep_alive: u16,
    /// Start with a new session (the first CONNECT; a reconnect resumes the session when
    /// there is one to resume).
    pub clean_start: bool,
    /// 5.0 Session Expiry Interval in seconds (0: the session ends with the connection).
    pub session_expiry_interval: u32,
    /// User name.
    pub username: Option<String>,
    /// Password.
    pub password: Option<Bytes>,
    /// The will.
    pub will: Option<Will>,
    /// How many QoS 1 and 2 PUBLISHes the server may have unacknowledged towards us (5.0
    /// Receive Maximum); a server that exceeds it is disconnected with 0x93.
    pub receive_maximum: u16,
    /// How many of our QoS 1 and 2 PUBLISHes may be sent on one connection and not yet
    /// acknowledged when the server does not say (3.x; in 5.0 the server's Receive Maximum,
    /// if lower, wins). QoS 2 flows released on an earlier connection do not count (§4.9),
    /// so more may be in flight just after a resumed session.
    pub max_inflight: u16,
    /// How many QoS 1 and 2 PUBLISHes wait beyond the in-flight window before `publish`
    /// refuses more with [`super::SessionError::QueueFull`].
    pub max_queued: usize,
    /// The largest packet accepted from the server (5.0 Maximum Packet Size, and the
    /// decoder's limit in every version).
    pub max_packet_size: u32,
    /// The highest topic alias the server may use towards us (5.0; 0: none).
    pub topic_alias_maximum: u16,
    /// Acknowledge received QoS 1 and 2 messages as soon as they are delivered as events;
    /// off, the application calls [`super::Session::ack`] and the session still sends the
    /// acknowledgements in the order the messages arrived ([MQTT-4.6.0-2] to
    /// [MQTT-4.6.0-4]).
    pub auto_ack: bool,
    /// 5.0 Request Problem Information; when false the server may put a Reason String or
    /// User Properties only on PUBLISH, CONNACK and DISCONNECT (PR-9).
    pub request_problem_information: bool,
}

impl SessionConfig {
    /// The defaults for `client_id` under `version`: keep alive 60 s, clean start, QoS 1/2
    /// window of 16 with 1000 queued behind it, 1 MiB packets, no topic aliases, automatic
    /// acknowledgement.
    pub fn new(client_id: &str, version: ProtocolVersion) -> Self {
        SessionConfig {
            version,
            client_id: client_id.to_string(),
            keep_alive: 60,
            clean_start: true,
            session_expiry_interval: 0,
            username: None,
            password: None,
            will: None,
            receive_maximum: 16,
            max_inflight: 16,
            max_queued: 1000,
            max_packet_size: 1024 * 1024,
            topic_alias_maximum: 0,
            auto_ack: true,
            request_problem_information: true,
        }
    }

    /// Checks what the settings promise: that CONNECT can carry them in `version` and that
    /// the limits are ones the protocol allows. [`super::Session::connect`] checks it too;
    /// a binding calls it when the configuration is made, so that a bad one fails there.
    ///
    /// Refused: a client identifier or user name that is not an MQTT string (§1.5.4); in
    /// 3.x a password without a user name ([MQTT-3.1.2-22]) and, in 3.1.1, an empty client
    /// identifier without a clean session ([MQTT-3.1.3-7]);
    /// will properties before 5.0, which no 3.x CONNECT can carry; a Receive Maximum or
    /// Maximum Packet Size of 0, which are protocol errors in a 5.0 CONNECT (§3.1.2.11.3,
    /// §3.1.2.11.4) and would let nothing through in any version; `max_inflight` 0, which
    /// would never send a QoS 1 or 2 message.
    pub fn check(&self) -> Result<(), SessionError> {
        let text = |s: &str, what| MqttStr::new(s).map_err(|_| SessionError::State(what));
        let mut connect = Connect::new(
            self.version,
            text(
                &self.client_id,
                "the client identifier is not a valid string",
            )?,
        );
        connect.username = match &self.username {
            Some(u) => Some(text(u, "the user name is not a valid string")?),
            None => None,
        };
        if let Some(will) = &self.will {
            if !self.version.is_v5() && !will.properties.is_empty() {
                return Err(SessionError::Encode(EncodeError::NotRepresentable {
                    what: "will properties",
                    version: self.version,
                }));
            }
        }
        // Every rule the CONNECT encoder knows (a 3.x password without a user name, a
        // 3.1.1 empty client identifier without a clean session...), as FixedConfig checks.
        connect.clean_start = self.clean_start;
        connect.password = self.password.clone();
        connect.will = self.will.clone();
        Packet::<Owned>::Connect(Box::new(connect)).encoded_len(self.version)?;
        if self.receive_maximum == 0 {
            return Err(SessionError::State("the receive maximum must not be 0"));
        }
        if self.max_packet_size == 0 {
            return Err(SessionError::State("the maximum packet size must not be 0"));
        }
        if self.max_inflight == 0 {
            return Err(SessionError::State("max_inflight must not be 0"));
        }
        Ok(())
    }
}
