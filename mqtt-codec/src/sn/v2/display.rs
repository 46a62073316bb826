//! One-line `Display` of every 2.0 packet, as the 1.2 messages and the MQTT packets show.

use super::message::{AuthBlock, Packet};
use super::types::Topic;
use crate::string::fmt_payload;
use core::fmt;

const PREVIEW: usize = 64;

struct Data<'a>(&'a [u8]);

impl fmt::Display for Data<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_payload(f, self.0, PREVIEW)
    }
}

impl<B: AsRef<[u8]>> fmt::Display for Topic<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Topic::Alias(a) => write!(f, "alias:{a}"),
            Topic::Predefined(a) => write!(f, "predefined:{a}"),
            Topic::Name(n) => write!(f, "{:?}", n.as_str()),
        }
    }
}

fn auth<B: AsRef<[u8]>>(f: &mut fmt::Formatter<'_>, a: &Option<AuthBlock<B>>) -> fmt::Result {
    match a {
        // The data may be a secret: only its length is shown.
        Some(a) => write!(
            f,
            " auth={:?} auth_data=<{} bytes>",
            a.method.as_str(),
            a.data.as_ref().len()
        ),
        None => Ok(()),
    }
}

fn opt<T: fmt::Display>(f: &mut fmt::Formatter<'_>, name: &str, v: &Option<T>) -> fmt::Result {
    match v {
        Some(v) => write!(f, " {name}={v}"),
        None => Ok(()),
    }
}

impl<B: AsRef<[u8]>> fmt::Display for Packet<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.packet_type().name())?;
        match self {
            Packet::Connect(c) => {
                write!(
                    f,
                    " id={} client_id={:?} clean_start={} keep_alive={} max_packet_size={}",
                    c.packet_id,
                    c.client_id.as_str(),
                    c.clean_start,
                    c.keep_alive,
                    c.max_packet_size
                )?;
                opt(f, "session_expiry", &c.session_expiry)?;
                opt(f, "default_awake", &c.default_awake_messages)?;
                if let Some(w) = &c.will {
                    write!(
                        f,
                        " will={} qos={} retain={} payload={}",
                        w.topic,
                        w.qos,
                        w.retain,
                        Data(w.payload.as_ref())
                    )?;
                }
                auth(f, &c.auth)
            }
            Packet::ConnAck(a) => {
                write!(
                    f,
                    " id={} rc=0x{:02x} session_present={}",
                    a.packet_id, a.reason_code, a.session_present
                )?;
                opt(f, "session_expiry", &a.session_expiry)?;
                opt(f, "server_keep_alive", &a.server_keep_alive)?;
                if let Some(id) = &a.assigned_client_id {
                    write!(f, " assigned_client_id={:?}", id.as_str())?;
                }
                auth(f, &a.auth)
            }
            Packet::Auth(a) => write!(
                f,
                " id={} rc=0x{:02x} method={:?} data=<{} bytes>",
                a.packet_id,
                a.reason_code,
                a.method.as_str(),
                a.data.as_ref().len()
            ),
            Packet::Publish(p) => {
                write!(f, " qos={} topic={}", p.qos, p.topic)?;
                opt(f, "id", &p.packet_id)?;
                if p.retain {
                    f.write_str(" retain")?;
                }
                if p.dup {
                    f.write_str(" dup")?;
                }
                write!(f, " payload={}", Data(p.payload.as_ref()))
            }
            Packet::PubWos(p) => write!(
                f,
                " topic={}{} payload={}",
                p.topic,
                if p.retain { " retain" } else { "" },
                Data(p.payload.as_ref())
            ),
            Packet::PubAck(a)
            | Packet::PubRec(a)
            | Packet::PubRel(a)
            | Packet::PubComp(a)
            | Packet::UnsubAck(a) => write!(f, " id={} rc=0x{:02x}", a.packet_id, a.reason_code),
            Packet::Subscribe(s) => write!(
                f,
                " id={} topic={} qos={} no_local={} retain_as_published={} retain_handling={}",
                s.packet_id, s.topic, s.qos, s.no_local, s.retain_as_published, s.retain_handling
            ),
            Packet::SubAck(s) => {
                write!(
                    f,
                    " id={} rc=0x{:02x} kind={:?}",
                    s.packet_id, s.reason_code, s.kind
                )?;
                opt(f, "alias", &s.alias)
            }
            Packet::Unsubscribe { packet_id, topic } => write!(f, " id={packet_id} topic={topic}"),
            Packet::PingReq { packet_id } => write!(f, " id={packet_id}"),
            Packet::PingResp {
                packet_id,
                messages_remaining,
            } => {
                write!(f, " id={packet_id}")?;
                opt(f, "messages_remaining", messages_remaining)
            }
            Packet::Disconnect(d) => {
                opt(f, "id", &d.packet_id)?;
                opt(f, "session_expiry", &d.session_expiry)?;
                if let Some(rc) = d.reason_code {
                    write!(f, " rc=0x{rc:02x}")?;
                }
                match &d.reason_string {
                    Some(s) => write!(f, " reason={:?}", s.as_str()),
                    None => Ok(()),
                }
            }
            Packet::Register(r) => {
                write!(
                    f,
                    " id={} topic_name={:?}",
                    r.packet_id,
                    r.topic_name.as_str()
                )?;
                opt(f, "alias", &r.alias)
            }
            Packet::RegAck(r) => {
                write!(
                    f,
                    " id={} rc=0x{:02x} kind={:?}",
                    r.packet_id, r.reason_code, r.kind
                )?;
                opt(f, "alias", &r.alias)
            }
            Packet::SleepReq {
                retain_aliases,
                packet_id,
                duration,
            } => write!(
                f,
                " id={packet_id} duration={duration} retain_aliases={retain_aliases}"
            ),
            Packet::SleepResp {
                packet_id,
                duration,
                reason_code,
            } => {
                write!(f, " id={packet_id} rc=0x{reason_code:02x}")?;
                opt(f, "duration", duration)
            }
            Packet::Wakeup => Ok(()),
            Packet::Advertise { gw_id, duration } => {
                write!(f, " gw_id={gw_id} duration={duration}")
            }
            Packet::SearchGw { info } => match info.as_ref() {
                [] => Ok(()),
                i => write!(f, " info={}", Data(i)),
            },
            Packet::GwInfo { gw_id, gw_addr } => {
                write!(f, " gw_id={gw_id}")?;
                match gw_addr.as_ref() {
                    [] => Ok(()),
                    a => write!(f, " gw_addr={}", Data(a)),
                }
            }
            Packet::Forwarder { address, packet } => {
                write!(f, " address={}: ", Data(address.as_ref()))?;
                inner(f, packet.as_ref())
            }
            Packet::Connection { client_id, packet } => {
                write!(f, " client_id={:?}: ", client_id.as_str())?;
                inner(f, packet.as_ref())
            }
            Packet::Protection(p) => write!(
                f,
                " scheme=0x{:02x} tag_length={} sender={} protected=<{} bytes>",
                p.scheme,
                p.tag_length,
                Data(&p.sender_id),
                p.protected.as_ref().len()
            ),
        }
    }
}

/// An envelope's inner packet (validated when parsed; one level deep at most).
fn inner(f: &mut fmt::Formatter<'_>, packet: &[u8]) -> fmt::Result {
    match super::parse(packet) {
        Ok(p) => write!(f, "{p}"),
        Err(e) => write!(f, "<{e}>"),
    }
}
