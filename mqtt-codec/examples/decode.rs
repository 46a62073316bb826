//! Prints the packets of a hex string, or of a raw byte stream on stdin, one a line.
//!
//! ```text
//! cargo run --example decode -- [--protocol 3.1|3.1.1|5|sn|sn2] [HEX]
//! ```
//!
//! With `--protocol sn` (MQTT-SN 1.2) or `sn2` (MQTT-SN 2.0) the input is datagrams, one
//! after another, each as long as its Length field says (a 1.2 encapsulation: its envelope,
//! then the inner message).
//!
//! Without `--protocol` the version is learned from a leading CONNECT, else 3.1.1. Packets
//! of both directions are accepted. On malformed or truncated input it prints the error and
//! the offset of the offending packet and exits with status 1.

use mqtt_codec::{Decoder, DecoderConfig, ProtocolVersion, MAX_PACKET_SIZE};
use std::io::Read;
use std::process::ExitCode;

fn parse_hex(text: &str) -> Result<Vec<u8>, String> {
    let digits: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ':' && *c != ',')
        .collect();
    let digits = digits.strip_prefix("0x").unwrap_or(&digits);
    if digits.len() % 2 != 0 {
        return Err("odd number of hex digits".into());
    }
    (0..digits.len())
        .step_by(2)
        .map(|i| {
            u8::from_str_radix(&digits[i..i + 2], 16).map_err(|e| format!("bad hex at {i}: {e}"))
        })
        .collect()
}

fn parse_version(text: &str) -> Result<ProtocolVersion, String> {
    match text {
        "3.1" | "3" => Ok(ProtocolVersion::V3_1),
        "3.1.1" | "4" => Ok(ProtocolVersion::V3_1_1),
        "5" | "5.0" => Ok(ProtocolVersion::V5),
        other => Err(format!(
            "unknown protocol version {other:?} (use 3.1, 3.1.1 or 5)"
        )),
    }
}

/// Prints MQTT-SN datagrams laid end to end; false on the first one that does not parse.
fn run_sn(mut input: &[u8], v2: bool) -> bool {
    let mut offset = 0;
    while !input.is_empty() {
        let len = if v2 {
            sn2_datagram_len(input)
        } else {
            sn_datagram_len(input)
        }
        .min(input.len());
        let (datagram, rest) = input.split_at(len);
        let shown = if v2 {
            mqtt_codec::sn::v2::parse(datagram)
                .map(|p| p.to_string())
                .map_err(|e| e.to_string())
        } else {
            mqtt_codec::sn::parse(datagram)
                .map(|m| m.to_string())
                .map_err(|e| e.to_string())
        };
        match shown {
            Ok(line) => println!("{line}"),
            Err(e) => {
                println!("error at offset {offset}: {e}");
                return false;
            }
        }
        offset += len;
        input = rest;
    }
    true
}

/// The size of the datagram at the start of `input`, read from its Length; what is too
/// short to say is taken whole, for the parser to refuse.
fn sn_datagram_len(input: &[u8]) -> usize {
    let own = |b: &[u8]| match b {
        [1, hi, lo, ..] => usize::from(u16::from_be_bytes([*hi, *lo])),
        [n, ..] => usize::from(*n),
        [] => 0,
    };
    match input {
        [n, 0xFE, ..] if *n != 1 => {
            let envelope = usize::from(*n);
            envelope + input.get(envelope..).map_or(0, own)
        }
        _ => own(input).max(1),
    }
}

/// The size of a 2.0 datagram: its Length counts the whole packet, envelopes included.
fn sn2_datagram_len(input: &[u8]) -> usize {
    match input {
        [1, hi, lo, ..] => usize::from(u16::from_be_bytes([*hi, *lo])),
        [n, ..] => usize::from(*n),
        [] => 0,
    }
    .max(1)
}

fn run() -> Result<bool, String> {
    let mut args = std::env::args().skip(1);
    let mut version = None;
    let mut sn = None;
    let mut hex = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--protocol" | "-p" => {
                let v = args.next().ok_or("--protocol needs a value")?;
                if v == "sn" || v == "sn2" {
                    sn = Some(v == "sn2");
                } else {
                    version = Some(parse_version(&v)?);
                }
            }
            "--help" | "-h" => {
                println!("usage: decode [--protocol 3.1|3.1.1|5|sn|sn2] [HEX]   (raw bytes on stdin without HEX)");
                return Ok(true);
            }
            _ if hex.is_none() => hex = Some(arg),
            _ => return Err(format!("unexpected argument {arg:?}")),
        }
    }
    let input = match hex {
        Some(h) => parse_hex(&h)?,
        None => {
            let mut raw = Vec::new();
            std::io::stdin()
                .read_to_end(&mut raw)
                .map_err(|e| e.to_string())?;
            raw
        }
    };
    if let Some(v2) = sn {
        return Ok(run_sn(&input, v2));
    }
    // Learn the version from a leading CONNECT unless told; otherwise assume 3.1.1.
    let version = version
        .or_else(|| (input.first().map(|b| b >> 4) != Some(1)).then_some(ProtocolVersion::V3_1_1));
    let mut decoder = Decoder::new(DecoderConfig {
        version,
        role: None,
        max_packet_size: MAX_PACKET_SIZE,
    });
    decoder.feed(&input);
    loop {
        match decoder.next_packet() {
            Ok(Some(packet)) => println!("{packet}"),
            Ok(None) => break,
            Err(e) => {
                println!("error at offset {}: {e}", decoder.offset());
                return Ok(false);
            }
        }
    }
    if decoder.buffered() > 0 {
        println!(
            "error at offset {}: truncated packet ({} bytes of it received)",
            decoder.offset(),
            decoder.buffered()
        );
        return Ok(false);
    }
    Ok(true)
}

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("decode: {message}");
            ExitCode::from(2)
        }
    }
}
