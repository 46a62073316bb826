//! The library's version, as macros for the header and as a function for the library that
//! is actually loaded, so that a program can tell the two apart.

/// The major version of the header (`MQTT_CODEC_VERSION_MAJOR`).
pub const MQTT_CODEC_VERSION_MAJOR: u32 = 0;
/// The minor version of the header. Before 1.0 a new minor version may change the ABI; the
/// shared library's soname is `libmqtt_codec.so.0.MINOR`.
pub const MQTT_CODEC_VERSION_MINOR: u32 = 2;
/// The patch version of the header.
pub const MQTT_CODEC_VERSION_PATCH: u32 = 0;
/// The header's version in one number: `MAJOR * 10000 + MINOR * 100 + PATCH`, to compare
/// with [`mqtt_codec_version`].
pub const MQTT_CODEC_VERSION: u32 = 200;

/// The version of the library that is linked or loaded, in the form of
/// `MQTT_CODEC_VERSION`. A program built against one header and run against another library
/// sees the difference here.
///
/// ```c
/// if (mqtt_codec_version() / 100 != MQTT_CODEC_VERSION / 100) abort(); // ABI changed
/// ```
#[no_mangle]
pub extern "C" fn mqtt_codec_version() -> u32 {
    MQTT_CODEC_VERSION
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_macros_are_the_crate_version() {
        let expected: Vec<u32> = env!("CARGO_PKG_VERSION")
            .split('.')
            .map(|p| p.parse().unwrap())
            .collect();
        assert_eq!(
            expected,
            [
                MQTT_CODEC_VERSION_MAJOR,
                MQTT_CODEC_VERSION_MINOR,
                MQTT_CODEC_VERSION_PATCH
            ]
        );
        assert_eq!(
            MQTT_CODEC_VERSION,
            MQTT_CODEC_VERSION_MAJOR * 10000
                + MQTT_CODEC_VERSION_MINOR * 100
                + MQTT_CODEC_VERSION_PATCH
        );
    }
}
