//! Which of the bytes the broker sends its I/O loop may drop when a client does not keep
//! up: the decision stays with the core, which knows the connection's version and the
//! topic aliases it has told the client.

use super::{Broker, ConnId};
use crate::packet::Packet;
use crate::parse::{parse, ParseOptions, Status};
use crate::qos::QoS;
use crate::version::Role;

impl Broker {
    /// Whether `data`, queued for `conn` by an [`super::Action::Send`], may be dropped
    /// instead of written when the client does not read fast enough: a QoS 0 PUBLISH
    /// (at most once allows it) that does not define a topic alias. A PUBLISH that tells
    /// the client an alias must arrive: every later one using the alias alone would be a
    /// protocol error to the client (PUB-8, §3.3.2.1). Anything else (a QoS 1 or 2 PUBLISH
    /// the broker holds in flight, an acknowledgement) must not vanish from a live
    /// connection either.
    pub fn may_drop(&self, conn: ConnId, data: &[u8]) -> bool {
        let Some(c) = self.conns.get(&conn) else {
            return false;
        };
        let opts = ParseOptions {
            receiver: Some(Role::Client),
            ..ParseOptions::new(c.version)
        };
        match parse(data, &opts) {
            Ok(Status::Complete((Packet::Publish(p), used))) if used == data.len() => {
                p.qos == QoS::AtMostOnce
                    && (p.topic.as_str().is_empty() || p.properties.topic_alias().is_none())
            }
            _ => false,
        }
    }
}
