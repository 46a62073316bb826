//! A PUBLISH that `decode` read from a `bytes` object and left there: the packet object
//! holds the `bytes` (immutable, so its contents cannot change) and where the topic and
//! the payload lie in it. Decoding one then copies nothing and allocates nothing but the
//! packet object; the topic and the payload are copied out when they are read, as they
//! would be from a decoded copy.
//!
//! A 5.0 PUBLISH with properties is kept the same way: its properties, which the parser
//! validated, are read again from the frame when they are asked for, so a subscriber that
//! only reads the topic and the payload never pays for them.

use bytes::Bytes;
use mqtt_codec::{
    parse, Borrowed, BoxedProperties, PacketId, PacketRef, ParseOptions, ProtocolVersion, Publish,
    QoS, Status, TopicName,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use std::ops::Range;

/// A PUBLISH read in place from the `bytes` it was decoded from.
pub(crate) struct FramedPublish {
    frame: Py<PyBytes>,
    topic: Range<usize>,
    /// The payload runs from here to the end of the frame.
    payload_start: usize,
    /// A 5.0 PUBLISH with properties: they are read from the frame again when asked for.
    has_properties: bool,
    pub(crate) dup: bool,
    pub(crate) qos: QoS,
    pub(crate) retain: bool,
    pub(crate) packet_id: Option<PacketId>,
}

impl FramedPublish {
    /// The PUBLISH `view`, parsed from `bytes`, the whole of `frame`. (`bytes` is passed in
    /// because each read of a `bytes` object's contents is two calls into the C API under
    /// the limited API.)
    pub(crate) fn new(
        frame: &Bound<'_, PyBytes>,
        bytes: &[u8],
        view: &Publish<Borrowed<'_>>,
    ) -> Self {
        let base = bytes.as_ptr() as usize;
        // The bytes, not `as_str`, which would check their UTF-8 once more.
        let topic = view.topic.as_mqtt_str().as_bytes();
        let topic_start = (topic.as_ptr() as usize).wrapping_sub(base);
        FramedPublish {
            frame: frame.clone().unbind(),
            topic: topic_start..topic_start.saturating_add(topic.len()),
            // The payload is the rest of the frame.
            payload_start: bytes.len().saturating_sub(view.payload.len()),
            has_properties: !view.properties.is_empty(),
            dup: view.dup,
            qos: view.qos,
            retain: view.retain,
            packet_id: view.packet_id,
        }
    }

    /// The topic name, as the parser checked it.
    pub(crate) fn topic<'a>(&'a self, py: Python<'_>) -> &'a str {
        let bytes = self
            .frame
            .as_bytes(py)
            .get(self.topic.clone())
            .unwrap_or_default();
        // Checked UTF-8 when decoded, and `bytes` do not change: this cannot fail.
        std::str::from_utf8(bytes).unwrap_or_default()
    }

    /// The payload.
    pub(crate) fn payload<'a>(&'a self, py: Python<'_>) -> &'a [u8] {
        let frame = self.frame.as_bytes(py);
        frame.get(self.payload_start..).unwrap_or_default()
    }

    /// The PUBLISH properties (none before 5.0), copied out of the frame alone.
    pub(crate) fn properties(&self, py: Python<'_>) -> PyResult<BoxedProperties> {
        if !self.has_properties {
            return Ok(BoxedProperties::default());
        }
        self.reparsed(py, |view| view.properties.to_owned())
    }

    /// The core's owned packet with the same fields, for encoding and comparing.
    pub(crate) fn to_publish(&self, py: Python<'_>) -> PyResult<Publish> {
        if self.has_properties {
            return self.reparsed(py, |view| view.to_owned());
        }
        let topic = TopicName::try_from_bytes(Bytes::copy_from_slice(self.topic(py).as_bytes()))
            .map_err(|e| PyValueError::new_err(format!("topic: {e}")))?;
        Ok(Publish {
            dup: self.dup,
            qos: self.qos,
            retain: self.retain,
            topic,
            packet_id: self.packet_id,
            properties: Default::default(),
            payload: Bytes::copy_from_slice(self.payload(py)),
        })
    }

    /// `read` of the PUBLISH parsed again from the frame: what the properties need, as only
    /// a 5.0 PUBLISH has them. The frame parsed once already, under the same options, so
    /// this cannot fail.
    fn reparsed<R>(
        &self,
        py: Python<'_>,
        read: impl FnOnce(Publish<Borrowed<'_>>) -> R,
    ) -> PyResult<R> {
        match parse(
            self.frame.as_bytes(py),
            &ParseOptions::new(ProtocolVersion::V5),
        ) {
            Ok(Status::Complete((PacketRef::Publish(view), _))) => Ok(read(view)),
            _ => Err(PyValueError::new_err("the PUBLISH no longer parses")),
        }
    }
}
