//! The records a [`super::FixedSession`] keeps in the caller's storage. Each type has a
//! `FREE` value to fill the arrays with; what a record holds is the session's business.

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use super::arena::Span;
use crate::client::PublishFailure;
use crate::qos::QoS;
use crate::reason::ReasonCode;

/// One of our QoS 1 or 2 PUBLISHes: queued, in flight, or completed and not yet reported.
/// The encoded PUBLISH waits in the message area until the server has it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutSlot {
    pub(super) state: Out,
    pub(super) packet_id: u16,
    pub(super) qos: QoS,
    /// Owed to the server again after a reconnect: the PUBLISH with DUP (`Sent`) or the
    /// PUBREL (`Released`), in `order`.
    pub(super) resend: bool,
    /// When `publish` accepted it; queued messages are sent, and resent, in this order.
    pub(super) order: u32,
    /// The encoded PUBLISH (DUP clear, no topic alias); from PUBREC on it holds no bytes,
    /// and its `at` is the PUBREC's place in `order`'s sequence (see [`OutSlot::release`]).
    pub(super) frame: Span,
}

impl OutSlot {
    /// PUBREC came (the PUBLISH's bytes freed already): PUBREL is owed, and is sent again
    /// after a reconnect in the order the PUBRECs came ([MQTT-4.6.0-4]), which the empty
    /// frame keeps (`order` stays the PUBLISH's, for the order of reports).
    pub(super) fn release(&mut self, pubrec_order: u32, in_window: bool) {
        self.state = Out::Released { in_window };
        self.frame = Span {
            at: pubrec_order,
            len: 0,
        };
    }

    /// True while the flow holds a place in this connection's in-flight window: a PUBLISH
    /// sent or owed again (PUBACK or PUBREC awaited), or released after going out on this
    /// connection ([MQTT-3.3.4-7]).
    pub(super) fn in_window(&self) -> bool {
        match self.state {
            Out::Sent => true,
            Out::Released { in_window } => in_window,
            _ => false,
        }
    }

    /// True from the PUBLISH's sending until the flow ends: PUBACK, PUBREC or PUBCOMP
    /// awaited.
    pub(super) fn in_flight(&self) -> bool {
        matches!(self.state, Out::Sent | Out::Released { .. })
    }

    /// True while the record keeps its packet identifier out of use for the server's
    /// session: [`Out::Held`], or about to be once its failure is reported.
    pub(super) fn holds_id(&self) -> bool {
        matches!(self.state, Out::Held | Out::Done { hold: true, .. })
    }

    /// The place of a released record's PUBREC (see [`OutSlot::release`]).
    pub(super) fn pubrec_order(&self) -> u32 {
        self.frame.at
    }

    /// An unused record.
    pub const FREE: OutSlot = OutSlot {
        state: Out::Free,
        packet_id: 0,
        qos: QoS::AtLeastOnce,
        resend: false,
        order: 0,
        frame: Span::EMPTY,
    };
}

/// Where an [`OutSlot`]'s message stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Out {
    Free,
    /// Accepted, not sent yet (no connection, or the in-flight window is full).
    Queued,
    /// Sent; PUBACK (QoS 1) or PUBREC (QoS 2) awaited.
    Sent,
    /// PUBREL sent; PUBCOMP awaited. `in_window`: its PUBLISH went out on this connection,
    /// so the flow holds a place in the server's Receive Maximum until PUBCOMP; a flow
    /// carried over from an earlier connection holds none, as each connection's send quota
    /// starts full (§4.9).
    Released {
        in_window: bool,
    },
    /// Over; the application is told at its `seq`, then the record is free, or `Held`
    /// when `hold`.
    Done {
        seq: u32,
        outcome: Outcome,
        hold: bool,
    },
    /// A QoS 2 PUBLISH reported failed that the server may have taken without our hearing
    /// its PUBREC: the server then keeps the packet identifier until a PUBREL that will not
    /// come, and would answer a new message sent under it with PUBREC and not pass it on
    /// ([MQTT-4.3.3-10]). The record keeps the identifier out of use until the session ends.
    Held,
}

/// How one of our PUBLISHes ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Outcome {
    Published(ReasonCode),
    Failed(PublishFailure),
}

/// A QoS 1 or 2 PUBLISH from the server whose flow is not over: its acknowledgement is owed
/// (automatic ones go out at once, manual ones in arrival order), or, at QoS 2, PUBREL is
/// awaited so that a resent copy is not delivered twice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InSlot {
    pub(super) state: In,
    pub(super) packet_id: u16,
    /// Arrival order, for acknowledging in order ([MQTT-4.6.0-2] to [MQTT-4.6.0-4]).
    pub(super) order: u32,
}

impl InSlot {
    /// An unused record.
    pub const FREE: InSlot = InSlot {
        state: In::Free,
        packet_id: 0,
        order: 0,
    };

    /// The record once the acknowledgement it owed is sent, or dropped with the
    /// connection: a QoS 2 message awaits its PUBREL, a QoS 1 record is free.
    pub(super) fn answered(self, qos2: bool) -> InSlot {
        match qos2 {
            true => InSlot {
                state: In::Received,
                ..self
            },
            false => InSlot::FREE,
        }
    }
}

/// Where an [`InSlot`]'s message stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum In {
    Free,
    /// Delivered; PUBACK (QoS 1) or PUBREC (QoS 2) owed, `acked` once the application gave
    /// it. `dup`: the server sent it as a retransmission.
    Owed {
        qos2: bool,
        acked: bool,
        dup: bool,
    },
    /// QoS 2, PUBREC sent: PUBREL awaited.
    Received,
}

/// A SUBSCRIBE or UNSUBSCRIBE of ours awaiting its answer, or lost with its connection and
/// not yet reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PendingSlot {
    pub(super) state: Pending,
    pub(super) packet_id: u16,
    /// How many filters it carried: the answer must have as many codes.
    pub(super) count: u16,
}

impl PendingSlot {
    /// An unused record.
    pub const FREE: PendingSlot = PendingSlot {
        state: Pending::Free,
        packet_id: 0,
        count: 0,
    };
}

/// Where a [`PendingSlot`] stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Pending {
    Free,
    Subscribe,
    Unsubscribe,
    /// The connection ended first; reported at `seq`.
    Lost {
        seq: u32,
        unsubscribe: bool,
    },
}

/// A topic alias the server set on this connection (5.0): its number and topic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AliasSlot {
    /// 0 when unused.
    pub(super) alias: u16,
    pub(super) topic: Span,
}

impl AliasSlot {
    /// An unused record.
    pub const FREE: AliasSlot = AliasSlot {
        alias: 0,
        topic: Span::EMPTY,
    };
}
