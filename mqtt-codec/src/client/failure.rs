//! Why a PUBLISH of ours did not complete: the same answer from both client sessions.

use crate::reason::ReasonCode;

/// Why a PUBLISH of ours did not complete.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PublishFailure {
    /// The server refused it (5.0: PUBACK or PUBREC with a reason code of 0x80 or more), or
    /// would: 0x95 Packet Too Large for a message sent again on a resumed session to a
    /// server whose Maximum Packet Size is now smaller. A QoS 2 message that fails so may
    /// have reached the server, which then keeps its packet identifier until a PUBREL; the
    /// session keeps that identifier out of use (in the heap-free session, with its
    /// record) until the server's session ends.
    Refused(ReasonCode),
    /// The server did not resume the session on reconnect (session present 0), so the
    /// message in flight was dropped with it ([MQTT-4.1.0-1]). Messages still queued (never
    /// sent) are not: they go out on the new session. A QoS 2 message whose PUBREC came
    /// may have been delivered before the session ended (by a server that passes messages
    /// on as it receives them) or not (by one that waits for PUBREL): sending it again may
    /// deliver it twice.
    SessionLost,
}
