//! A received PUBLISH remembered by where its parts lie in the receive buffer, so that its
//! event is made from the same bytes after the decoder's borrow has ended, without parsing
//! the packet a second time.

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::packet::{PacketId, Publish};
use crate::property_view::PropertyView;
use crate::qos::QoS;
use crate::storage::Borrowed;
use crate::string::MqttStr;
use crate::topic::TopicName;

/// Where some bytes lie: an address and a length, found again inside a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Place {
    addr: usize,
    len: usize,
}

impl Place {
    fn of(bytes: &[u8]) -> Self {
        Place {
            addr: bytes.as_ptr() as usize,
            len: bytes.len(),
        }
    }

    /// The same bytes in `frame`, if they lie within it (no bytes lie anywhere).
    fn within(self, frame: &[u8]) -> Option<&[u8]> {
        if self.len == 0 {
            return Some(&[]);
        }
        let start = self.addr.checked_sub(frame.as_ptr() as usize)?;
        frame.get(start..start.checked_add(self.len)?)
    }
}

/// A parsed PUBLISH's fields, its byte fields as places in the frame it was parsed from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct LocatedPublish {
    dup: bool,
    qos: QoS,
    retain: bool,
    packet_id: Option<PacketId>,
    topic: Place,
    payload: Place,
    properties: Option<Place>,
}

impl LocatedPublish {
    /// Where `p`'s parts are.
    pub(super) fn of(p: &Publish<Borrowed<'_>>) -> Self {
        LocatedPublish {
            dup: p.dup,
            qos: p.qos,
            retain: p.retain,
            packet_id: p.packet_id,
            topic: Place::of(p.topic.as_mqtt_str().as_bytes()),
            payload: Place::of(p.payload),
            properties: p.properties.raw().map(Place::of),
        }
    }

    /// The PUBLISH again, from `frame`, the bytes it was parsed from (still where they
    /// were), which the parser validated; `None` when a part is not within `frame`.
    pub(super) fn view<'f>(&self, frame: &'f [u8]) -> Option<Publish<Borrowed<'f>>> {
        let properties = match self.properties {
            Some(place) => PropertyView::wire(place.within(frame)?),
            None => PropertyView::default(),
        };
        Some(Publish {
            dup: self.dup,
            qos: self.qos,
            retain: self.retain,
            topic: TopicName::from_validated(MqttStr::from_validated(self.topic.within(frame)?)),
            packet_id: self.packet_id,
            properties,
            payload: self.payload.within(frame)?,
        })
    }
}
