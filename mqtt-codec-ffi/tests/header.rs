//! Regenerates `include/mqtt_codec.h` with cbindgen and fails when the committed header is
//! stale. To update it: `MQTT_CODEC_BLESS=1 cargo test -p mqtt-codec-ffi --test header`.

use std::path::Path;

#[test]
fn committed_header_is_up_to_date() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config =
        cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("read cbindgen.toml");
    let bindings = cbindgen::Builder::new()
        .with_crate(crate_dir)
        .with_config(config)
        .generate()
        .expect("generate the header");
    let mut fresh = Vec::new();
    bindings.write(&mut fresh);
    let path = crate_dir.join("../include/mqtt_codec.h");
    if std::env::var_os("MQTT_CODEC_BLESS").is_some() {
        std::fs::write(&path, &fresh).expect("write include/mqtt_codec.h");
        return;
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "include/mqtt_codec.h is stale: run `MQTT_CODEC_BLESS=1 cargo test -p mqtt-codec-ffi --test header`"
    );
}
