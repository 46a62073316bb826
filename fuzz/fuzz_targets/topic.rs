//! Topic filter validation and matching against a plain reference implementation written
//! here from the spec (§4.7.1, §4.7.2, §4.8.2), not from the library.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mqtt_codec::{
    topic_matches, validate_topic_filter, validate_topic_name, TopicFilter, TopicName,
};

/// A valid MQTT UTF-8 string: UTF-8 (Rust `str`), no U+0000, at most 65,535 bytes.
fn ref_string_ok(s: &str) -> bool {
    !s.contains('\0') && s.len() <= 65_535
}

/// [MQTT-4.7.3-1] at least one character; no wildcard characters in a name.
fn ref_name_ok(s: &str) -> bool {
    ref_string_ok(s) && !s.is_empty() && !s.contains(['+', '#'])
}

/// The levels of a non-shared filter: '#' only alone and last, '+' only alone.
fn ref_levels_ok(f: &str) -> bool {
    if f.is_empty() {
        return false;
    }
    let levels: Vec<&str> = f.split('/').collect();
    for (i, l) in levels.iter().enumerate() {
        if l.contains('#') && (*l != "#" || i + 1 != levels.len()) {
            return false;
        }
        if l.contains('+') && *l != "+" {
            return false;
        }
    }
    true
}

/// Splits `$share/NAME/FILTER` (5.0 only).
fn ref_shared(f: &str) -> Option<(&str, &str)> {
    let rest = f.strip_prefix("$share/")?;
    let slash = rest.find('/')?;
    Some((&rest[..slash], &rest[slash + 1..]))
}

fn ref_filter_ok(f: &str, shared: bool) -> bool {
    if !ref_string_ok(f) {
        return false;
    }
    if shared && f.starts_with("$share/") {
        return match ref_shared(f) {
            Some((name, inner)) => {
                !name.is_empty() && !name.contains(['+', '#']) && ref_levels_ok(inner)
            }
            None => false,
        };
    }
    ref_levels_ok(f)
}

/// Level-by-level recursive match.
fn ref_match_levels(f: &[&str], n: &[&str]) -> bool {
    match (f.first(), n.first()) {
        (Some(&"#"), _) => true, // '#' also matches the parent level
        (Some(&"+"), Some(_)) => ref_match_levels(&f[1..], &n[1..]),
        (Some(a), Some(b)) if a == b => ref_match_levels(&f[1..], &n[1..]),
        (None, None) => true,
        _ => false,
    }
}

fn ref_matches(filter: &str, name: &str) -> bool {
    let inner = match ref_shared(filter) {
        Some((_, inner)) => inner,
        None => filter,
    };
    let f: Vec<&str> = inner.split('/').collect();
    let n: Vec<&str> = name.split('/').collect();
    // [MQTT-4.7.2-1] '$' topics are not matched by a filter starting with a wildcard.
    if name.starts_with('$') && (f[0] == "#" || f[0] == "+") {
        return false;
    }
    ref_match_levels(&f, &n)
}

fuzz_target!(|data: &[u8]| {
    // Filter and name separated by the first 0xFF byte (never valid UTF-8).
    let (fb, nb) = match data.iter().position(|&b| b == 0xFF) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b""[..]),
    };
    let Ok(filter) = std::str::from_utf8(fb) else {
        assert!(validate_topic_filter_bytes_rejected(fb));
        return;
    };
    for shared in [false, true] {
        assert_eq!(
            validate_topic_filter(filter, shared).is_ok(),
            ref_filter_ok(filter, shared),
            "filter {filter:?} shared={shared}"
        );
    }
    assert_eq!(
        TopicFilter::new(filter).is_ok(),
        ref_filter_ok(filter, true)
    );
    let Ok(name) = std::str::from_utf8(nb) else {
        return;
    };
    assert_eq!(
        validate_topic_name(name).is_ok(),
        ref_name_ok(name),
        "name {name:?}"
    );
    assert_eq!(TopicName::new(name).is_ok(), ref_name_ok(name));
    if ref_filter_ok(filter, true) && ref_name_ok(name) {
        let got = topic_matches(filter, name);
        assert_eq!(
            got,
            ref_matches(filter, name),
            "filter {filter:?} name {name:?}"
        );
        let (f, n) = (
            TopicFilter::new(filter).unwrap(),
            TopicName::new(name).unwrap(),
        );
        assert_eq!(f.matches(&n), got);
    }
    // Also a name against the filter made of its own levels: always a match.
    if ref_name_ok(name) {
        assert!(
            topic_matches(name, name) || name.starts_with("$share/"),
            "{name:?} does not match itself"
        );
        if !name.starts_with('$') {
            assert!(topic_matches("#", name));
        }
    }
});

fn validate_topic_filter_bytes_rejected(b: &[u8]) -> bool {
    mqtt_codec::validate_str(b).is_err()
}
