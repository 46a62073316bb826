//! Prints a markdown table of the latest criterion results: each case, our time, each peer's
//! time, and the ratio peer / ours (above 1 means we are faster; for a decode, ours is the
//! faster of the owned forms, `ours_owned` from the streaming decoder and `ours_copied` from
//! a slice).
//!
//! Every benchmark function whose name does not start with `ours` is a peer: each gets a time
//! column and a ratio column, known peers in the benchmark's order, any other after them by
//! name. A peer that does not support a case shows `–`.
//!
//! ```text
//! cargo bench -p mqtt-codec-benches && cargo run -p mqtt-codec-benches --bin bench-summary
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Reads `estimates.json` and returns the mean in nanoseconds.
fn mean_ns(path: &Path) -> Option<f64> {
    let text = std::fs::read_to_string(path).ok()?;
    let at = text.find("\"mean\"")?;
    let rest = &text[at..];
    let key = "\"point_estimate\":";
    let start = rest.find(key)? + key.len();
    let number: String = rest[start..]
        .chars()
        .skip_while(|c| c.is_whitespace())
        .take_while(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+'))
        .collect();
    number.parse().ok()
}

fn criterion_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"),
        PathBuf::from,
    );
    target.join("criterion")
}

fn format_ns(ns: f64) -> String {
    match ns {
        n if n >= 1e6 => format!("{:.2} ms", n / 1e6),
        n if n >= 1e3 => format!("{:.2} µs", n / 1e3),
        n => format!("{n:.1} ns"),
    }
}

fn main() {
    let root = criterion_dir();
    // kind/case -> implementation -> ns
    let mut table: BTreeMap<String, BTreeMap<String, f64>> = BTreeMap::new();
    let Ok(groups) = std::fs::read_dir(&root) else {
        eprintln!(
            "no criterion results under {}: run `cargo bench -p mqtt-codec-benches` first",
            root.display()
        );
        std::process::exit(1);
    };
    for group in groups.flatten() {
        let Ok(functions) = std::fs::read_dir(group.path()) else {
            continue;
        };
        for function in functions.flatten() {
            let estimates = function.path().join("new/estimates.json");
            let benchmark = function.path().join("new/benchmark.json");
            let Some(ns) = mean_ns(&estimates) else {
                continue;
            };
            let Ok(meta) = std::fs::read_to_string(&benchmark) else {
                continue;
            };
            let field = |key: &str| -> Option<String> {
                let at = meta.find(&format!("\"{key}\":\""))? + key.len() + 4;
                Some(meta[at..].split('"').next()?.to_string())
            };
            let (Some(group_id), Some(function_id)) = (field("group_id"), field("function_id"))
            else {
                continue;
            };
            table.entry(group_id).or_default().insert(function_id, ns);
        }
    }
    let peers = peer_columns(&table);
    let mut header = String::from(
        "| case | ours (owned) | ours (copied) | ours (borrowed) | ours (header only) |",
    );
    for peer in &peers {
        header.push_str(&format!(" {peer} |"));
    }
    for peer in &peers {
        header.push_str(&format!(" {peer} / ours |"));
    }
    println!("{header}");
    println!("|{}", "---|".repeat(5 + 2 * peers.len()));
    for (case, row) in &table {
        // A decode compares with the faster of our two owned forms (the streaming decoder's
        // and the copy from a slice), as a caller picks the one that fits its input.
        let ours = match (row.get("ours_owned"), row.get("ours_copied")) {
            (Some(&a), Some(&b)) => Some(a.min(b)),
            (a, _) => a.or_else(|| row.get("ours")).copied(),
        };
        let cell = |k: &str| row.get(k).map_or("–".to_string(), |&v| format_ns(v));
        let ratio = |k: &str| match (row.get(k), ours) {
            (Some(&peer), Some(ours)) if ours > 0.0 => format!("{:.2}×", peer / ours),
            _ => "–".to_string(),
        };
        let first = if row.contains_key("ours_owned") {
            cell("ours_owned")
        } else {
            cell("ours")
        };
        let mut line = format!(
            "| {case} | {first} | {} | {} | {} |",
            cell("ours_copied"),
            cell("ours_borrowed"),
            cell("ours_header_only"),
        );
        for peer in &peers {
            line.push_str(&format!(" {} |", cell(peer)));
        }
        for peer in &peers {
            line.push_str(&format!(" {} |", ratio(peer)));
        }
        println!("{line}");
    }
}

/// The peers of the benchmark, in the order `benches/benches/codec.rs` runs them.
const KNOWN_PEERS: &[&str] = &[
    "mqttbytes",
    "mqttrs",
    "mqtt-protocol",
    "mqtt-proto",
    "mqtt5-protocol",
    "mqtt-protocol-core",
    "ntex-mqtt",
    "flowsdk",
];

/// Every peer that has a result: the known ones in their order, then any other by name.
fn peer_columns(table: &BTreeMap<String, BTreeMap<String, f64>>) -> Vec<String> {
    let mut peers: Vec<String> = table
        .values()
        .flat_map(|row| row.keys())
        .filter(|f| !f.starts_with("ours"))
        .cloned()
        .collect();
    let rank = |p: &String| {
        KNOWN_PEERS
            .iter()
            .position(|k| k == p)
            .unwrap_or(KNOWN_PEERS.len())
    };
    peers.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.cmp(b)));
    peers.dedup();
    peers
}
