//! Differential check against an independent decoder from crates.io, `mqttbytes` 0.6
//! (`mqttbytes::v4::read` for 3.1.1, `mqttbytes::v5::read` for 5.0), on the same bytes:
//! the verdict (valid, malformed, incomplete) and, when both accept, the decoded fields.
//!
//! Every known class of disagreement is listed in `fuzz/DIFFERENCES.md` with the spec rule
//! that decides it, and in `KNOWN` below; the target skips those and fails only on a new
//! class. Set `DIFF_LEARN=1` to print new classes instead of failing (to survey).
//!
//! Input layout: byte 0 bit 0 picks 3.1.1 or 5.0, the rest is the packet.
#![no_main]
use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use mqtt_codec::{
    parse, DecodeError, Packet, PacketRef, ParseOptions, ProtocolVersion, QoS, Status,
};
use mqtt_codec_fuzz::to_hex;
use std::cell::Cell;
use std::sync::Once;

/// The classes recorded in DIFFERENCES.md (prefix match on the class string).
const KNOWN: &[&str] = &include!("../differences.list");

thread_local! {
    static IN_PEER: Cell<bool> = const { Cell::new(false) };
}
static HOOK: Once = Once::new();

/// Runs the peer decoder; its own panics are its bugs, recorded as a class, not ours.
fn peer<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    HOOK.call_once(|| {
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !IN_PEER.with(|c| c.get()) {
                prev(info);
            }
        }));
    });
    IN_PEER.with(|c| c.set(true));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    IN_PEER.with(|c| c.set(false));
    r.map_err(|e| {
        e.downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| e.downcast_ref::<String>().cloned())
            .unwrap_or_default()
    })
}

fn kind(debug: String) -> String {
    debug
        .split(|c: char| !c.is_ascii_alphanumeric())
        .next()
        .unwrap_or("")
        .to_string()
}

fn type_name(byte: u8) -> &'static str {
    [
        "Reserved0",
        "Connect",
        "ConnAck",
        "Publish",
        "PubAck",
        "PubRec",
        "PubRel",
        "PubComp",
        "Subscribe",
        "SubAck",
        "Unsubscribe",
        "UnsubAck",
        "PingReq",
        "PingResp",
        "Disconnect",
        "Auth",
    ][(byte >> 4) as usize]
}

fn q(q: QoS) -> u8 {
    q as u8
}

/// Compares the decoded fields; returns the class of the first mismatch.
macro_rules! compare_common {
    ($m:ident, $ours:expr, $theirs:expr) => {{
        use mqttbytes::$m::Packet as T;
        let ours: &PacketRef = $ours;
        match (ours, $theirs) {
            (Packet::Connect(view), T::Connect(t)) => {
                let c = &view.to_connect();
                if c.client_id.as_str() != t.client_id {
                    return Some("field:connect.client_id".into());
                }
                if c.keep_alive != t.keep_alive {
                    return Some("field:connect.keep_alive".into());
                }
                if c.clean_start != t.clean_session {
                    return Some("field:connect.clean".into());
                }
                match (&c.will, &t.last_will) {
                    (None, None) => {}
                    (Some(w), Some(tw)) => {
                        if w.topic.as_str() != tw.topic
                            || w.payload != &tw.message[..]
                            || q(w.qos) != tw.qos as u8
                            || w.retain != tw.retain
                        {
                            return Some("field:connect.will".into());
                        }
                    }
                    _ => return Some("field:connect.will_presence".into()),
                }
                let user = c.username.as_ref().map(|u| u.as_str()).unwrap_or("");
                let pass: &[u8] = c.password.unwrap_or(b"");
                match &t.login {
                    None => {
                        if !user.is_empty() || !pass.is_empty() {
                            return Some("field:connect.login".into());
                        }
                    }
                    Some(l) => {
                        if l.username != user || l.password.as_bytes() != pass {
                            return Some("field:connect.login".into());
                        }
                    }
                }
            }
            (Packet::ConnAck(c), T::ConnAck(t)) => {
                if c.session_present != t.session_present {
                    return Some("field:connack.session_present".into());
                }
            }
            (Packet::Publish(p), T::Publish(t)) => {
                if p.dup != t.dup || q(p.qos) != t.qos as u8 || p.retain != t.retain {
                    return Some("field:publish.flags".into());
                }
                if p.topic.as_str() != t.topic {
                    return Some("field:publish.topic".into());
                }
                if p.packet_id.map_or(0, |i| i.get()) != t.pkid {
                    return Some("field:publish.pkid".into());
                }
                if p.payload != &t.payload[..] {
                    return Some("field:publish.payload".into());
                }
            }
            (Packet::PubAck(p), T::PubAck(t)) => {
                if p.packet_id.get() != t.pkid {
                    return Some("field:puback.pkid".into());
                }
            }
            (Packet::PubRec(p), T::PubRec(t)) => {
                if p.packet_id.get() != t.pkid {
                    return Some("field:pubrec.pkid".into());
                }
            }
            (Packet::PubRel(p), T::PubRel(t)) => {
                if p.packet_id.get() != t.pkid {
                    return Some("field:pubrel.pkid".into());
                }
            }
            (Packet::PubComp(p), T::PubComp(t)) => {
                if p.packet_id.get() != t.pkid {
                    return Some("field:pubcomp.pkid".into());
                }
            }
            (Packet::Subscribe(s), T::Subscribe(t)) => {
                if s.packet_id.get() != t.pkid {
                    return Some("field:subscribe.pkid".into());
                }
                let ours: Vec<(String, u8)> = s
                    .subscriptions
                    .iter()
                    .map(|x| (x.filter.as_str().to_string(), q(x.options.qos)))
                    .collect();
                let theirs: Vec<(String, u8)> = t
                    .filters
                    .iter()
                    .map(|f| (f.path.clone(), f.qos as u8))
                    .collect();
                if ours != theirs {
                    return Some("field:subscribe.filters".into());
                }
            }
            (Packet::SubAck(s), T::SubAck(t)) => {
                if s.packet_id.get() != t.pkid {
                    return Some("field:suback.pkid".into());
                }
                if s.reason_codes.len() != t.return_codes.len() {
                    return Some("field:suback.codes".into());
                }
            }
            (Packet::Unsubscribe(s), T::Unsubscribe(t)) => {
                if s.packet_id.get() != t.pkid {
                    return Some("field:unsubscribe.pkid".into());
                }
                let ours: Vec<String> = s.filters.iter().map(|f| f.as_str().to_string()).collect();
                let theirs: Vec<String> = unsub_filters!($m, t);
                if ours != theirs {
                    return Some("field:unsubscribe.filters".into());
                }
            }
            (Packet::UnsubAck(s), T::UnsubAck(t)) => {
                if s.packet_id.get() != t.pkid {
                    return Some("field:unsuback.pkid".into());
                }
            }
            (Packet::PingReq, T::PingReq) | (Packet::PingResp, T::PingResp) => {}
            (Packet::Disconnect(_), T::Disconnect { .. }) => {}
            (o, t) => {
                return Some(format!(
                    "type:{:?}:{}",
                    o.packet_type(),
                    kind(format!("{t:?}"))
                ))
            }
        }
        None
    }};
}

macro_rules! unsub_filters {
    (v4, $t:expr) => {
        $t.topics.clone()
    };
    (v5, $t:expr) => {
        $t.filters.clone()
    };
}

fn compare_v4(ours: &PacketRef, theirs: &mqttbytes::v4::Packet) -> Option<String> {
    compare_common!(v4, ours, theirs)
}

fn compare_v5(ours: &PacketRef, theirs: &mqttbytes::v5::Packet) -> Option<String> {
    if let (Packet::Subscribe(s), mqttbytes::v5::Packet::Subscribe(t)) = (ours, theirs) {
        let o: Vec<(bool, bool, u8)> = s
            .subscriptions
            .iter()
            .map(|x| {
                (
                    x.options.no_local,
                    x.options.retain_as_published,
                    x.options.retain_handling as u8,
                )
            })
            .collect();
        let th: Vec<(bool, bool, u8)> = t
            .filters
            .iter()
            .map(|f| {
                (
                    f.nolocal,
                    f.preserve_retain,
                    f.retain_forward_rule.clone() as u8,
                )
            })
            .collect();
        if o != th {
            return Some("field:subscribe.options".into());
        }
    }
    compare_common!(v5, ours, theirs)
}

/// The class of the disagreement between our verdict and the peer's, if any.
/// What the peer made of the bytes.
struct Theirs {
    /// It decoded a packet.
    ok: bool,
    /// The kind of its error, if any.
    dbg: String,
    /// How its packet differs from ours, when both decoded one.
    cmp: Option<String>,
}

/// Runs the peer's `read` (its panic is a class of its own) and compares its packet with
/// ours.
fn judge<P, E: std::fmt::Debug>(
    read: impl FnOnce() -> Result<P, E>,
    ours: &Result<Status<(PacketRef, usize)>, DecodeError>,
    compare: fn(&PacketRef, &P) -> Option<String>,
    t: &str,
) -> Result<Theirs, String> {
    let r = peer(read)
        .map_err(|msg| format!("peer-panic:{t}:{}", msg.split(':').next().unwrap_or("")))?;
    Ok(Theirs {
        ok: r.is_ok(),
        dbg: match &r {
            Ok(_) => String::new(),
            Err(e) => kind(format!("{e:?}")),
        },
        cmp: match (ours, &r) {
            (Ok(Status::Complete((p, _))), Ok(tp)) => compare(p, tp),
            _ => None,
        },
    })
}

fn classify(v5: bool, buf: &[u8]) -> Option<String> {
    // A CONNECT says its own version: read it with the peer's reader for that version.
    let v5 = match buf {
        [0x10, ..] => match buf
            .windows(5)
            .position(|w| w == b"MQTT\x05" || w == b"MQTT\x04")
        {
            Some(i) if i <= 4 => buf[i + 4] == 5,
            _ => v5,
        },
        _ => v5,
    };
    let opts = ParseOptions {
        version: Some(if v5 {
            ProtocolVersion::V5
        } else {
            ProtocolVersion::V3_1_1
        }),
        receiver: None,
        max_packet_size: mqtt_codec::MAX_PACKET_SIZE,
    };
    let ours = parse(buf, &opts);
    let t = type_name(*buf.first()?);
    let mut stream = BytesMut::from(buf);
    let theirs = if v5 {
        let read = || mqttbytes::v5::read(&mut stream, 1 << 28);
        judge(read, &ours, compare_v5, t)
    } else {
        let read = || mqttbytes::v4::read(&mut stream, 1 << 28);
        judge(read, &ours, compare_v4, t)
    };
    let Theirs {
        ok: theirs_ok,
        dbg: theirs_dbg,
        cmp,
    } = match theirs {
        Ok(theirs) => theirs,
        Err(class) => return Some(class),
    };
    let peer_incomplete = theirs_dbg == "InsufficientBytes";
    match (&ours, theirs_ok) {
        (Ok(Status::Complete(_)), true) => cmp,
        (Ok(Status::Complete(_)), false) => Some(format!("theirs:{theirs_dbg}:{t}")),
        // We refuse from the fixed header, before the body has arrived: by design.
        (Err(_), false) if peer_incomplete => None,
        (Err(_), false) => None, // both malformed (the reasons may differ)
        (Err(e), true) => Some(format!("ours:{}:{t}", kind(format!("{e:?}")))),
        (Ok(Status::Partial(_)), _) if peer_incomplete => None,
        (Ok(Status::Partial(_)), ok) => Some(format!(
            "partial:{}:{t}",
            if ok { "Ok" } else { theirs_dbg.as_str() }
        )),
    }
}

fn known(class: &str) -> bool {
    KNOWN.iter().any(|k| class.starts_with(k))
}

fuzz_target!(|input: &[u8]| {
    let Some((&sel, buf)) = input.split_first() else {
        return;
    };
    let v5 = sel & 1 == 1;
    if let Some(class) = classify(v5, buf) {
        if !known(&class) {
            if std::env::var_os("DIFF_LEARN").is_some() {
                eprintln!(
                    "NEWCLASS {class} v5={v5} {}",
                    to_hex(&buf[..buf.len().min(64)])
                );
            } else {
                panic!(
                    "new disagreement class {class} (v5={v5}) on {}",
                    to_hex(buf)
                );
            }
        }
    }
    let _ = DecodeError::SecondConnect; // keep the import meaningful for readers
});
