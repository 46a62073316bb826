//! Python bindings of `mqtt-codec`: the extension module `mqtt_codec._mqtt_codec`, re-exported
//! with the enums and exceptions of `python/mqtt_codec` as the package `mqtt_codec`.
//!
//! The binding holds no protocol logic: each Python class wraps a core type, constructors
//! convert their arguments and ask the core whether some version can encode the result,
//! and the core's errors become Python exceptions.

// `unsafe` only in `new_bytes` and `receive_buffer`, the two places that call the C API
// directly.
#![deny(unsafe_code)]
#![deny(missing_docs)]

mod client;
mod client_auth;
mod convert;
mod decoder;
mod framed_publish;
mod new_bytes;
mod packets;
mod properties;
#[cfg(feature = "abi3-py311")]
mod receive_buffer;
mod sn;
mod sn2;
mod sn_fields;

use pyo3::prelude::*;

/// topic_matches(filter, name) -> bool: whether the topic name matches the topic filter
/// (the wildcard rules of MQTT §4.7, `$`-topics not matched by leading wildcards; a shared
/// filter `$share/NAME/FILTER` matches as FILTER). A filter or name that breaks the rules of
/// §4.7, or a `$share/` filter that breaks those of §4.8.2, raises ValueError (it would
/// match nothing a server delivers).
#[pyfunction]
fn topic_matches(filter: &Bound<'_, PyAny>, name: &Bound<'_, PyAny>) -> PyResult<bool> {
    // Matched as a shared filter when it is one, so checked as one (as the C function does).
    let filter_text = convert::str_arg(filter, "filter")?;
    let filter =
        mqtt_codec::TopicFilter::for_version(&filter_text, mqtt_codec::ProtocolVersion::V5)
            .map_err(|e| convert::topic_error("filter", &filter_text, &e))?;
    let name_text = convert::str_arg(name, "name")?;
    let name = mqtt_codec::TopicName::new(&name_text)
        .map_err(|e| convert::topic_error("name", &name_text, &e))?;
    Ok(mqtt_codec::topic_matches(filter.as_str(), name.as_str()))
}

/// _reason_codes() -> list[tuple[int, str]]: every reason code the core defines, with the
/// specification's name; the tests compare it with the `ReasonCode` enum.
#[pyfunction]
fn _reason_codes() -> Vec<(u8, &'static str)> {
    (0..=u8::MAX)
        .filter_map(mqtt_codec::ReasonCode::from_u8)
        .map(|c| (c.value(), c.description()))
        .collect()
}

/// The extension module `mqtt_codec._mqtt_codec`.
#[pymodule]
fn _mqtt_codec(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<properties::PyProperties>()?;
    m.add_class::<properties::PyWill>()?;
    m.add_class::<properties::PySubscription>()?;
    m.add_class::<packets::PyConnect>()?;
    m.add_class::<packets::PyConnAck>()?;
    m.add_class::<packets::PyPublish>()?;
    m.add_class::<packets::PyPubAck>()?;
    m.add_class::<packets::PyPubRec>()?;
    m.add_class::<packets::PyPubRel>()?;
    m.add_class::<packets::PyPubComp>()?;
    m.add_class::<packets::PySubscribe>()?;
    m.add_class::<packets::PySubAck>()?;
    m.add_class::<packets::PyUnsubscribe>()?;
    m.add_class::<packets::PyUnsubAck>()?;
    m.add_class::<packets::PyPingReq>()?;
    m.add_class::<packets::PyPingResp>()?;
    m.add_class::<packets::PyDisconnect>()?;
    m.add_class::<packets::PyAuth>()?;
    m.add_class::<decoder::PyDecoder>()?;
    m.add_class::<client::PyClient>()?;
    #[cfg(feature = "abi3-py311")]
    m.add_class::<receive_buffer::PyReceiveBuffer>()?;
    m.add_class::<client_auth::PyScram>()?;
    m.add_function(wrap_pyfunction!(decoder::decode, m)?)?;
    m.add_function(wrap_pyfunction!(topic_matches, m)?)?;
    m.add_function(wrap_pyfunction!(sn::_sn_parse, m)?)?;
    m.add_function(wrap_pyfunction!(sn::_sn_encode, m)?)?;
    m.add_function(wrap_pyfunction!(sn2::_sn2_parse, m)?)?;
    m.add_function(wrap_pyfunction!(sn2::_sn2_encode, m)?)?;
    m.add_function(wrap_pyfunction!(_reason_codes, m)?)?;
    m.add(
        "DEFAULT_MAX_PACKET_SIZE",
        mqtt_codec::DEFAULT_MAX_PACKET_SIZE,
    )?;
    m.add("MAX_PACKET_SIZE", mqtt_codec::MAX_PACKET_SIZE)?;
    Ok(())
}
