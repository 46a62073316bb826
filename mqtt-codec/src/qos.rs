//! Quality of service levels.

use core::fmt;

/// The delivery guarantee of a PUBLISH, a will or a subscription.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum QoS {
    /// QoS 0: fire and forget.
    #[default]
    AtMostOnce = 0,
    /// QoS 1: acknowledged with PUBACK, may be duplicated.
    AtLeastOnce = 1,
    /// QoS 2: the PUBREC/PUBREL/PUBCOMP exactly-once handshake.
    ExactlyOnce = 2,
}

impl QoS {
    /// The QoS for the two-bit value `bits`, or `None` for 3 (or anything larger).
    pub const fn from_bits(bits: u8) -> Option<QoS> {
        match bits {
            0 => Some(QoS::AtMostOnce),
            1 => Some(QoS::AtLeastOnce),
            2 => Some(QoS::ExactlyOnce),
            _ => None,
        }
    }
}

impl fmt::Display for QoS {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", *self as u8)
    }
}

impl TryFrom<u8> for QoS {
    type Error = u8;
    fn try_from(value: u8) -> Result<Self, u8> {
        QoS::from_bits(value).ok_or(value)
    }
}
