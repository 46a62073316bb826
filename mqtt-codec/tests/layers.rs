//! The core's modules form layers, and no module imports from a layer above its own:
//! types -> wire -> framing -> packets -> parse/decoder -> broker. A module's layer is its
//! top-level name in `LAYERS`; a new module must be placed there, or this test fails.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// Each layer, lowest first, with the top-level modules of `src/` in it.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "types",
        &[
            "version",
            "qos",
            "packet_type",
            "reason",
            "string",
            "topic",
            "property_table",
            "property_id",
            "error_kind",
            "error",
            "scram",
        ],
    ),
    ("wire", &["wire"]),
    ("framing", &["framing"]),
    (
        "packets",
        &[
            "storage",
            "list_kind",
            "property_slot",
            "property_view",
            "properties",
            "packet",
            "list_items",
            "packet_flow",
        ],
    ),
    (
        "parse and decoder",
        &[
            "parse",
            "recv_buffer",
            "decoder",
            "owned_body",
            "to_owned",
            "region",
            "sn",
        ],
    ),
    ("client session", &["client"]),
    ("tokio driver", &["tokio"]),
    ("broker", &["broker"]),
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, mods)| mods.contains(&module))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("read src") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level modules a file names as `crate::MODULE`, outside comments and its tests.
fn imports(text: &str) -> BTreeSet<String> {
    let code = text.split("#[cfg(test)]").next().unwrap_or_default();
    let mut found = BTreeSet::new();
    for line in code.lines() {
        let line = line.trim_start();
        if line.starts_with("//") {
            continue;
        }
        let mut rest = line;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            // `crate::Name` (an item re-exported at the root) names no module.
            if name.chars().next().is_some_and(|c| c.is_ascii_lowercase()) {
                found.insert(name);
            }
        }
    }
    found
}

#[test]
fn no_module_imports_from_a_layer_above_its_own() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut wrong = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(&src).unwrap();
        let top = rel
            .iter()
            .next()
            .unwrap()
            .to_string_lossy()
            .replace(".rs", "");
        if top == "lib" {
            continue;
        }
        let Some(own) = layer_of(&top) else {
            wrong.push(format!(
                "{}: module `{top}` has no layer in LAYERS",
                rel.display()
            ));
            continue;
        };
        for import in imports(&fs::read_to_string(file).unwrap()) {
            match layer_of(&import) {
                Some(layer) if layer > own => wrong.push(format!(
                    "{} ({}) imports `{import}` ({})",
                    rel.display(),
                    LAYERS[own].0,
                    LAYERS[layer].0
                )),
                // Macros exported at the root (`crate::for_each_property!`) name no module.
                _ => {}
            }
        }
    }
    assert!(wrong.is_empty(), "layering broken:\n{}", wrong.join("\n"));
}
