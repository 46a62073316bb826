//! Regenerates `src/types/properties.rs` (the C struct `mqtt_properties` and the list of its
//! fields that the conversions walk) from the core's property table and fails when the
//! committed file is stale. To update it, then the header made from it:
//! `MQTT_CODEC_BLESS=1 cargo test -p mqtt-codec-ffi --test c_properties`, then
//! `MQTT_CODEC_BLESS=1 cargo test -p mqtt-codec-ffi --test header`.
//!
//! The struct is generated as text rather than by a macro because cbindgen reads the source
//! to write the header and does not expand macros.

use std::path::Path;

/// A row of the table: what the C struct needs.
struct Row {
    id: u8,
    variant: &'static str,
    field: &'static str,
    kind: &'static str,
    name: &'static str,
    note: Option<&'static str>,
}

macro_rules! rows {
    ($(
        ($id:literal, $variant:ident, $field:ident, $kind:ident, [$($section:ident),*],
            $name:literal $(, $note:literal)?)
    ),* $(,)?) => {
        [$( Row {
            id: $id,
            variant: stringify!($variant),
            field: stringify!($field),
            kind: stringify!($kind),
            name: $name,
            note: None $(.or(Some($note)))?,
        } ),*]
    };
}

/// The generated file, with `@FIELDS@`, `@ROWS@`, `@FIRST_VIEW@`, `@VIEWS_LEN@`,
/// `@FIRST_FLAG@`, `@LAST_FLAG@` and `@FLAGS_LEN@` to fill in.
const TEMPLATE: &str = r#"//! `mqtt_properties`, generated from the core's property table (`codec::for_each_property!`)
//! by tests/c_properties.rs: cbindgen reads this struct to write the header and does not
//! expand macros. Do not edit; regenerate with
//! `MQTT_CODEC_BLESS=1 cargo test -p mqtt-codec-ffi --test c_properties`.

use super::{mqtt_bytes, mqtt_list};

/// The MQTT 5.0 properties of a packet (or of a will). All absent when zeroed.
///
/// A numeric property is present when its `has_` flag is true; a string or binary one when its
/// `ptr` is not NULL. Encoding checks that every present property is allowed in the packet.
/// The fields come in groups, each in table order: the views, the `has_` flags side by side
/// (so that "is any property set" reads the views and flags together a word at a time), the
/// numbers, the lists.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct mqtt_properties {
@FIELDS@    /// Subscription Identifiers (0x0B): a list of `MQTT_LIST_SUBSCRIPTION_IDENTIFIERS`.
    pub subscription_identifiers: mqtt_list,
    /// User Properties (0x26): a list of `MQTT_LIST_USER_PROPERTIES`.
    pub user_properties: mqtt_list,
}

/// Calls `$callback!` with the single-value properties of [`mqtt_properties`] in table order:
/// `(Variant, field, Kind, has_field)` for a number (`Byte`, `U16` or `U32`),
/// `(Variant, field, Kind)` for a view (`Str`, `Topic` or `Bin`); `Variant` names the
/// property in `codec::PropertyId` and `codec::Property`.
macro_rules! for_each_c_property {
    ($callback:ident) => {
        $callback! {
@ROWS@        }
    };
}
pub(crate) use for_each_c_property;

/// How many bytes the views and the `has_` flags take, together, at the start of
/// [`mqtt_properties`]: all of them zero when no view or number is set, and none of them
/// padding, so that "is any set" reads them a word at a time.
pub(crate) const HEAD_LEN: usize =
    core::mem::offset_of!(mqtt_properties, @LAST_FLAG@) + 1;
// The views come first, with nothing before, between or inside them, then the @FLAGS_LEN@ flags
// side by side.
const _: () = assert!(core::mem::offset_of!(mqtt_properties, @FIRST_VIEW@) == 0);
const _: () = assert!(
    core::mem::size_of::<mqtt_bytes>()
        == core::mem::size_of::<*const u8>() + core::mem::size_of::<usize>()
);
const _: () = assert!(
    core::mem::offset_of!(mqtt_properties, @FIRST_FLAG@)
        == @VIEWS_LEN@ * core::mem::size_of::<mqtt_bytes>()
);
const _: () =
    assert!(HEAD_LEN == core::mem::offset_of!(mqtt_properties, @FIRST_FLAG@) + @FLAGS_LEN@);
"#;

/// The Rust type of a numeric property's C field, or `None` for a view (`mqtt_bytes`).
fn number_type(kind: &str) -> Option<&'static str> {
    match kind {
        "Byte" => Some("u8"),
        "U16" => Some("u16"),
        "U32" => Some("u32"),
        "Str" | "Topic" | "Bin" => None,
        other => panic!("no C type for the property kind {other}"),
    }
}

fn generate() -> String {
    // Three groups, each in table order: views, flags, numbers.
    let (mut views, mut flags, mut numbers) = (String::new(), String::new(), String::new());
    let mut flag_names = Vec::new();
    let mut view_names = Vec::new();
    let mut rows = String::new();
    for row in codec::for_each_property!(rows) {
        let (variant, field, kind) = (row.variant, row.field, row.kind);
        let label = format!("{} (0x{:02X})", row.name, row.id);
        let doc = match row.note {
            Some(note) => format!("{label}, {note}."),
            None => format!("{label}."),
        };
        match number_type(kind) {
            Some(ty) => {
                flags += &format!("    /// {label} is present.\n    pub has_{field}: bool,\n");
                numbers += &format!("    /// {doc}\n    pub {field}: {ty},\n");
                flag_names.push(format!("has_{field}"));
                rows += &format!("            ({variant}, {field}, {kind}, has_{field}),\n");
            }
            None => {
                views += &format!("    /// {doc}\n    pub {field}: mqtt_bytes,\n");
                view_names.push(field.to_string());
                rows += &format!("            ({variant}, {field}, {kind}),\n");
            }
        }
    }
    let (first, last) = match (flag_names.first(), flag_names.last()) {
        (Some(first), Some(last)) => (first, last),
        _ => panic!("the property table has no numeric property"),
    };
    let Some(first_view) = view_names.first() else {
        panic!("the property table has no string or binary property")
    };
    TEMPLATE
        .replace("@FIELDS@", &(views + &flags + &numbers))
        .replace("@FIRST_VIEW@", first_view)
        .replace("@VIEWS_LEN@", &view_names.len().to_string())
        .replace("@ROWS@", &rows)
        .replace("@FIRST_FLAG@", first)
        .replace("@LAST_FLAG@", last)
        .replace("@FLAGS_LEN@", &flag_names.len().to_string())
}

#[test]
fn committed_struct_is_up_to_date() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/types/properties.rs");
    let fresh = generate();
    if std::env::var_os("MQTT_CODEC_BLESS").is_some() {
        std::fs::write(&path, &fresh).expect("write src/types/properties.rs");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "src/types/properties.rs is stale: run `MQTT_CODEC_BLESS=1 cargo test -p mqtt-codec-ffi --test c_properties`, then the same with `--test header`"
    );
}
