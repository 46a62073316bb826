//! One-line `Display` of every packet: the type name, then each field. Payloads are cut after
//! 64 bytes; passwords and authentication data show only their length, so a log line never
//! leaks a secret.

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use super::publish::PAYLOAD_PREVIEW;
use super::*;
use crate::list_kind::ListKind;
use crate::property_slot::PropertySlot;
use crate::string::fmt_payload;

struct Payload<'a>(&'a [u8]);

impl fmt::Display for Payload<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_payload(f, self.0, PAYLOAD_PREVIEW)
    }
}

fn props<S: Storage>(f: &mut fmt::Formatter<'_>, slot: &S::Props) -> fmt::Result {
    if slot.is_empty() {
        return Ok(());
    }
    let mut shown = slot.with(Properties::clone);
    let secret = shown.authentication_data.take().map(|d| d.as_ref().len());
    write!(f, " {shown:?}")?;
    if let Some(len) = secret {
        write!(f, " authentication_data=<{len} bytes>")?;
    }
    Ok(())
}

fn list<S: Storage, K: ListKind>(
    f: &mut fmt::Formatter<'_>,
    items: &S::List<K>,
    mut show: impl FnMut(&mut fmt::Formatter<'_>, &K::Item<S>) -> fmt::Result,
) -> fmt::Result {
    f.write_str("[")?;
    let mut first = true;
    let mut result = Ok(());
    S::for_each(items, |item| {
        if !first {
            result = result.and_then(|()| f.write_str(", "));
        }
        first = false;
        result = result.and_then(|()| show(f, item));
    });
    result?;
    f.write_str("]")
}

impl<S: Storage> fmt::Display for Packet<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.packet_type().name())?;
        match self {
            Packet::Connect(c) => c.with(|c| {
                write!(
                    f,
                    " version={} client_id={:?} clean_start={} keep_alive={}",
                    c.protocol_version, c.client_id, c.clean_start, c.keep_alive
                )?;
                if let Some(u) = &c.username {
                    write!(f, " username={u:?}")?;
                }
                if let Some(p) = &c.password {
                    write!(f, " password=<{} bytes>", p.as_ref().len())?;
                }
                if let Some(w) = &c.will {
                    write!(
                        f,
                        " will(topic={:?} qos={} retain={} payload={}",
                        w.topic,
                        w.qos,
                        w.retain,
                        Payload(w.payload.as_ref())
                    )?;
                    props::<S>(f, &w.properties)?;
                    f.write_str(")")?;
                }
                props::<S>(f, &c.properties)
            }),
            Packet::ConnAck(c) => {
                write!(
                    f,
                    " session_present={} reason={}",
                    c.session_present, c.reason_code
                )?;
                props::<S>(f, &c.properties)
            }
            Packet::Publish(p) => {
                write!(f, " topic={:?} qos={}", p.topic, p.qos)?;
                if let Some(id) = p.packet_id {
                    write!(f, " packet_id={id}")?;
                }
                write!(f, " dup={} retain={}", p.dup, p.retain)?;
                props::<S>(f, &p.properties)?;
                write!(f, " payload={}", Payload(p.payload.as_ref()))
            }
            Packet::PubAck(a) | Packet::PubRec(a) | Packet::PubRel(a) | Packet::PubComp(a) => {
                write!(f, " packet_id={} reason={}", a.packet_id, a.reason_code)?;
                props::<S>(f, &a.properties)
            }
            Packet::Subscribe(s) => {
                write!(f, " packet_id={}", s.packet_id)?;
                props::<S>(f, &s.properties)?;
                f.write_str(" ")?;
                list::<S, _>(f, &s.subscriptions, |f, sub| {
                    let o = sub.options;
                    write!(f, "{:?} qos={}", sub.filter, o.qos)?;
                    if o.no_local {
                        f.write_str(" no_local")?;
                    }
                    if o.retain_as_published {
                        f.write_str(" retain_as_published")?;
                    }
                    if o.retain_handling != RetainHandling::SendAtSubscribe {
                        write!(f, " retain_handling={}", o.retain_handling as u8)?;
                    }
                    Ok(())
                })
            }
            Packet::SubAck(s) => {
                write!(f, " packet_id={}", s.packet_id)?;
                props::<S>(f, &s.properties)?;
                f.write_str(" ")?;
                list::<S, _>(f, &s.reason_codes, |f, c| write!(f, "{c}"))
            }
            Packet::Unsubscribe(u) => {
                write!(f, " packet_id={}", u.packet_id)?;
                props::<S>(f, &u.properties)?;
                f.write_str(" ")?;
                list::<S, _>(f, &u.filters, |f, t| write!(f, "{t:?}"))
            }
            Packet::UnsubAck(u) => {
                write!(f, " packet_id={}", u.packet_id)?;
                props::<S>(f, &u.properties)?;
                f.write_str(" ")?;
                list::<S, _>(f, &u.reason_codes, |f, c| write!(f, "{c}"))
            }
            Packet::PingReq | Packet::PingResp => Ok(()),
            Packet::Disconnect(d) => {
                write!(f, " reason={}", d.reason_code)?;
                props::<S>(f, &d.properties)
            }
            Packet::Auth(a) => {
                write!(f, " reason={}", a.reason_code)?;
                props::<S>(f, &a.properties)
            }
        }
    }
}
