//! Rules both ends of a connection keep alike, written once for the client session and the
//! broker core: which packet identifier to take next, and topic aliases (checking those
//! received, choosing those sent).

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use crate::packet::PacketId;
use crate::reason::ReasonCode;

/// The packet identifier after `last` that `in_use` does not hold ([MQTT-2.3.1-2]), which
/// becomes `last`. Identifiers are taken in turn, wrapping past 65,535 and skipping 0, so
/// that one just freed is the last to be taken again. `None` when every one is in use.
pub(crate) fn next_packet_id(
    last: &mut u16,
    mut in_use: impl FnMut(u16) -> bool,
) -> Option<PacketId> {
    for _ in 0..=u16::MAX {
        *last = last.wrapping_add(1);
        match PacketId::new(*last) {
            Some(id) if !in_use(id.get()) => return Some(id),
            _ => {}
        }
    }
    None
}

/// What the Topic Alias of a received PUBLISH does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ReceivedAlias {
    /// The PUBLISH names its topic: the alias stands for it from now on.
    Set,
    /// The topic is empty: the alias names it (unknown, it breaks the protocol).
    Resolve,
}

/// Checks a received Topic Alias against the maximum the receiver announced: 0, or above
/// that maximum, is Topic Alias Invalid (0x94; [MQTT-3.3.2-8], [MQTT-3.3.2-9],
/// [MQTT-3.3.2-10]).
pub(crate) fn received_alias(
    alias: u16,
    maximum: u16,
    topic_is_empty: bool,
) -> Result<ReceivedAlias, ReasonCode> {
    if alias == 0 || alias > maximum {
        return Err(ReasonCode::TopicAliasInvalid);
    }
    Ok(match topic_is_empty {
        true => ReceivedAlias::Resolve,
        false => ReceivedAlias::Set,
    })
}

/// The alias for a topic not aliased yet, when `assigned` aliases are in use and the peer
/// takes up to `maximum`: the next one while they last. Aliases are never reassigned on a
/// connection, so that a PUBLISH in flight never meets an alias changed under it.
#[cfg(feature = "alloc")]
pub(crate) fn new_alias(assigned: usize, maximum: u16) -> Option<u16> {
    u16::try_from(assigned)
        .ok()
        .filter(|&n| n < maximum)
        .and_then(|n| n.checked_add(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_taken_in_turn_skipping_zero_and_those_in_use() {
        let mut last = u16::MAX - 1;
        assert_eq!(
            next_packet_id(&mut last, |_| false).map(PacketId::get),
            Some(u16::MAX)
        );
        assert_eq!(
            next_packet_id(&mut last, |n| n == 1).map(PacketId::get),
            Some(2)
        );
        assert_eq!(next_packet_id(&mut last, |_| true), None);
    }

    #[test]
    fn received_aliases_are_checked_against_the_maximum() {
        assert_eq!(
            received_alias(0, 5, false),
            Err(ReasonCode::TopicAliasInvalid)
        );
        assert_eq!(
            received_alias(6, 5, true),
            Err(ReasonCode::TopicAliasInvalid)
        );
        assert_eq!(received_alias(5, 5, false), Ok(ReceivedAlias::Set));
        assert_eq!(received_alias(1, 5, true), Ok(ReceivedAlias::Resolve));
    }

    #[cfg(feature = "alloc")]
    #[test]
    fn new_aliases_run_up_to_the_maximum() {
        assert_eq!(new_alias(0, 2), Some(1));
        assert_eq!(new_alias(1, 2), Some(2));
        assert_eq!(new_alias(2, 2), None);
        assert_eq!(new_alias(0, 0), None);
    }
}
