//! Keeps `CONFORMANCE.md` true: one line per checklist row (189), each `tested` with tests
//! that exist, or `open: why`.

use std::collections::HashSet;
use std::path::Path;

const TABLE: &str = include_str!("../CONFORMANCE.md");
const ROW_COUNT: usize = 189;

fn rows() -> Vec<Vec<String>> {
    TABLE
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| ROW") && !l.starts_with("|---"))
        .map(|l| {
            l.trim()
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_string())
                .collect()
        })
        .collect()
}

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
fn every_checklist_row_is_listed_once() {
    let rows = rows();
    assert_eq!(
        rows.len(),
        ROW_COUNT,
        "CONFORMANCE.md must list all {ROW_COUNT} rows"
    );
    let ids: HashSet<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(ids.len(), ROW_COUNT, "a row is listed twice");
    for r in &rows {
        assert_eq!(r.len(), 4, "row {} must have 4 columns", r[0]);
    }
}

#[test]
fn every_status_is_tested_or_open_with_a_reason() {
    for r in rows() {
        let status = &r[3];
        let ok = status == "tested"
            || status
                .strip_prefix("open:")
                .is_some_and(|why| !why.trim().is_empty());
        assert!(
            ok,
            "row {}: status must be `tested` or `open: why`, got {status:?}",
            r[0]
        );
        if status == "tested" {
            assert!(!r[2].is_empty(), "row {} is tested but names no test", r[0]);
        }
    }
}

#[test]
fn every_named_test_exists() {
    let functions = test_functions();
    for r in rows() {
        for name in r[2]
            .split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty() && *n != "—" && *n != "-")
        {
            assert!(
                functions.contains(name),
                "row {} names a missing test {name}",
                r[0]
            );
        }
    }
}

/// The test names of the session and broker section (after the table): each in backticks,
/// each a test that exists.
#[test]
fn every_test_of_the_session_and_broker_section_exists() {
    let (_, section) = TABLE
        .split_once("## Session and broker rules")
        .expect("the session and broker section");
    let known = test_functions();
    let mut named = 0;
    for (i, part) in section.split('`').enumerate() {
        // Odd parts are inside backticks; test names are snake case with no path.
        let is_name = i % 2 == 1
            && part.contains('_')
            && part
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if is_name {
            assert!(known.contains(part), "no test named {part}");
            named += 1;
        }
    }
    assert!(named >= 40, "only {named} tests named");
}
