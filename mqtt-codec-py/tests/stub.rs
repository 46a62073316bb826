//! Regenerates the property lines of `python/mqtt_codec/_mqtt_codec.pyi` (the keywords and
//! getters of `Properties`) from the core's property table and fails when the committed stub
//! is stale. To update it: `MQTT_CODEC_BLESS=1 cargo test -p mqtt-codec-py --test stub`.
//!
//! The class itself is generated from the same table by a macro (src/properties.rs); a stub
//! is Python text, so it is generated here instead.

use std::path::Path;

/// The first line of a generated region; the region ends at [`END`].
const BEGIN: &str =
    "# Generated from the property table (mqtt_codec::for_each_property!) by tests/stub.rs.";
/// The last line of a generated region.
const END: &str = "# End of the generated lines.";

/// A row of the table: what the stub needs.
struct Row {
    field: &'static str,
    kind: &'static str,
}

macro_rules! rows {
    ($( ($id:literal, $variant:ident, $field:ident, $kind:ident $(, $rest:tt)*) ),* $(,)?) => {
        [$( Row { field: stringify!($field), kind: stringify!($kind) } ),*]
    };
}

/// The Python types of a property's keyword argument and of its getter.
fn python_types(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "Byte" | "U16" | "U32" => ("int", "int"),
        "Str" | "Topic" => ("str", "str"),
        "Bin" => ("_Bytes", "bytes"),
        other => panic!("no Python type for the property kind {other}"),
    }
}

/// Generated region `index` (0: the keywords of `Properties.__init__`, 1: its getters), each
/// line starting with `indent`.
fn region(index: usize, indent: &str) -> String {
    let mut text = String::new();
    for row in mqtt_codec::for_each_property!(rows) {
        let (arg, ret) = python_types(row.kind);
        let field = row.field;
        text += &match index {
            0 => format!("{indent}{field}: Optional[{arg}] = None,\n"),
            1 => format!("{indent}@property\n{indent}def {field}(self) -> Optional[{ret}]: ...\n"),
            _ => panic!("the stub has 2 generated regions, not {}", index + 1),
        };
    }
    text
}

/// `stub` with the lines between each [`BEGIN`] marker and the next [`END`] marker replaced
/// by the generated region, indented like its marker.
fn regenerate(stub: &str) -> String {
    let mut out = String::new();
    let mut regions = 0;
    let mut lines = stub.split_inclusive('\n');
    while let Some(line) = lines.next() {
        out += line;
        if line.trim() == BEGIN {
            let indent = &line[..line.len() - line.trim_start().len()];
            out += &region(regions, indent);
            regions += 1;
            let end = lines
                .find(|l| l.trim() == END)
                .expect("an end marker after each begin marker");
            out += end;
        }
    }
    assert_eq!(regions, 2, "the stub must have 2 generated regions");
    out
}

#[test]
fn committed_stub_is_up_to_date() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/mqtt_codec/_mqtt_codec.pyi");
    let committed = std::fs::read_to_string(&path).expect("read _mqtt_codec.pyi");
    let fresh = regenerate(&committed);
    if std::env::var_os("MQTT_CODEC_BLESS").is_some() {
        std::fs::write(&path, &fresh).expect("write _mqtt_codec.pyi");
        return;
    }
    assert!(
        committed == fresh,
        "python/mqtt_codec/_mqtt_codec.pyi is stale: run `MQTT_CODEC_BLESS=1 cargo test -p mqtt-codec-py --test stub`"
    );
}
