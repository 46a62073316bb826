//! Keeps `MQTTSN-CONFORMANCE.md` (beside CONFORMANCE.md) true: one row per rule ID of the
//! MQTT-SN reference's sections 1.1, 1.3, 1.5, 1.7 and 2, in order, each `tested` with
//! tests that exist or `open: why`.
//!
//! The reference (`shared/spec/mqtt-sn.md`) is not part of the repository, so its rule IDs
//! are written out here: when the reference gains or loses a row, change `RULE_IDS` and the
//! table together.

use std::collections::HashSet;
use std::path::Path;

const TABLE: &str = include_str!("../MQTTSN-CONFORMANCE.md");

const ROW_COUNT: usize = 58;

/// The rule IDs of the reference's sections 1.1, 1.3, 1.5, 1.7 and 2, in its order.
#[rustfmt::skip]
const RULE_IDS: [&str; ROW_COUNT] = [
    // 1.1 Header
    "SN-HDR-1", "SN-HDR-2", "SN-HDR-3", "SN-HDR-4", "SN-HDR-5", "SN-HDR-6", "SN-HDR-7",
    "SN-HDR-8", "SN-HDR-9",
    // 1.3 Flags
    "SN-FLG-1", "SN-FLG-2", "SN-FLG-3", "SN-FLG-4",
    // 1.5 Fields
    "SN-FLD-1", "SN-FLD-2", "SN-FLD-3", "SN-FLD-4", "SN-FLD-5", "SN-FLD-6",
    // 1.7 Per-message rules
    "SN-MSG-1", "SN-ADV-1",
    "SN-CON-1", "SN-CON-2", "SN-CON-3", "SN-CON-4",
    "SN-WIL-1", "SN-WIL-2", "SN-WIL-3",
    "SN-REG-1", "SN-REG-2",
    "SN-PUB-1", "SN-PUB-2", "SN-PUB-3", "SN-PUB-4", "SN-PUB-5",
    "SN-SUB-1", "SN-SUB-2", "SN-SUB-3",
    "SN-PNG-1", "SN-PNG-2",
    "SN-DIS-1",
    "SN-ENC-1", "SN-ENC-2",
    // 2 Gateway behaviour
    "SN-GW-1", "SN-GW-2", "SN-GW-3", "SN-GW-4", "SN-GW-5", "SN-GW-6", "SN-GW-7", "SN-GW-8",
    "SN-GW-9", "SN-GW-10", "SN-GW-11", "SN-GW-12", "SN-GW-13", "SN-GW-14", "SN-GW-15",
];

/// A table row: `| ROW | Rule (short) | Status | Tests |`.
struct Row {
    id: String,
    rule: String,
    status: String,
    tests: Vec<String>,
    columns: usize,
}

fn rows() -> Vec<Row> {
    TABLE
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| ROW") && !l.starts_with("|---"))
        .map(|l| {
            let cells: Vec<String> = l
                .trim()
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_string())
                .collect();
            let cell = |i: usize| cells.get(i).cloned().unwrap_or_default();
            Row {
                id: cell(0),
                rule: cell(1),
                status: cell(2),
                tests: cell(3)
                    .split(',')
                    .map(|t| t.trim().to_string())
                    .filter(|t| !t.is_empty())
                    .collect(),
                columns: cells.len(),
            }
        })
        .collect()
}

/// The names of the functions defined in `mqtt-codec/tests/`.
fn test_functions() -> HashSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut names = HashSet::new();
    let mut stack = vec![dir];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for part in text.split("fn ").skip(1) {
                    let name: String = part
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    names.insert(name);
                }
            }
        }
    }
    names
}

#[test]
fn every_sn_rule_is_listed_once_in_order() {
    let rows = rows();
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids.len(),
        ROW_COUNT,
        "MQTTSN-CONFORMANCE.md must list all {ROW_COUNT} rules"
    );
    assert_eq!(
        ids, RULE_IDS,
        "the rows must be the reference's rule IDs, in order"
    );
    let unique: HashSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ROW_COUNT, "a rule is listed twice");
    for r in &rows {
        assert_eq!(r.columns, 4, "row {} must have 4 columns", r.id);
        assert!(!r.rule.is_empty(), "row {} must say the rule", r.id);
    }
}

#[test]
fn every_sn_status_is_tested_or_open_with_a_reason() {
    for r in rows() {
        let open_why = r.status.strip_prefix("open:").map(str::trim);
        assert!(
            r.status == "tested" || open_why.is_some_and(|why| !why.is_empty()),
            "row {}: status must be `tested` or `open: why`, got {:?}",
            r.id,
            r.status
        );
        if r.status == "tested" {
            assert!(
                !r.tests.is_empty(),
                "row {} is tested but names no test",
                r.id
            );
        }
    }
}

#[test]
fn every_named_sn_test_exists() {
    let functions = test_functions();
    for r in rows() {
        for test in &r.tests {
            let name = test
                .strip_prefix('`')
                .and_then(|t| t.strip_suffix('`'))
                .unwrap_or_else(|| panic!("row {}: test {test} must be in backticks", r.id));
            assert!(
                functions.contains(name),
                "row {} names a missing test {name}",
                r.id
            );
        }
    }
}
