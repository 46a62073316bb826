//! Gives the shared library its soname, so that programs linked against one ABI refuse to
//! load an incompatible one: `libmqtt_codec.so.MAJOR`, or `libmqtt_codec.so.0.MINOR` before
//! 1.0 (where a minor release may break the ABI, as semver allows).

fn main() {
    let major = env("CARGO_PKG_VERSION_MAJOR");
    let minor = env("CARGO_PKG_VERSION_MINOR");
    let abi = if major == "0" {
        format!("0.{minor}")
    } else {
        major
    };
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libmqtt_codec.so.{abi}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_default()
}
