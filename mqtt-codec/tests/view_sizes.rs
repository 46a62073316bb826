//! A borrowed view is returned by value from every parse, so its size is paid on every
//! packet: a PUBLISH view stays within 64 bytes and any view within 128 (the CONNECT and the
//! properties are held as the regions the parser validated, not as fields).

use mqtt_codec::{Borrowed, PacketRef, PropertyView, Publish, Subscribe};
use std::mem::size_of;

#[test]
fn a_publish_view_is_at_most_64_bytes() {
    assert!(
        size_of::<Publish<Borrowed<'static>>>() <= 64,
        "{}",
        size_of::<Publish<Borrowed<'static>>>()
    );
}

#[test]
fn any_view_is_at_most_128_bytes() {
    assert!(
        size_of::<PacketRef<'static>>() <= 128,
        "{}",
        size_of::<PacketRef<'static>>()
    );
    assert!(size_of::<Subscribe<Borrowed<'static>>>() <= 128);
    assert!(size_of::<PropertyView<'static>>() <= 24);
}
