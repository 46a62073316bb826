//! The switch the broker task holds over each connection's reader.

use tokio::sync::watch;

/// What a connection's reader does with the bytes that arrive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reading {
    /// Hands them to the broker.
    On,
    /// Waits: the broker core has paused the connection (flow control), so the client's
    /// writes wait in the socket, which is the point.
    Paused,
    /// The broker has closed the connection and its last packets (a DISCONNECT with the
    /// reason) are going out: what the client still sends is read and dropped until it
    /// closes its side, or for `SHUTDOWN_FLUSH`. Closing a socket with bytes unread resets
    /// the connection, and a client that gets the reset fails its next write and may lose
    /// what it had not read yet, the DISCONNECT that says why included.
    Draining,
}

/// Waits while the connection is paused; `None` once the broker task has let go of it
/// without saying how (it then drops the reader).
pub(crate) async fn unpaused(switch: &mut watch::Receiver<Reading>) -> Option<Reading> {
    switch
        .wait_for(|r| *r != Reading::Paused)
        .await
        .ok()
        .map(|r| *r)
}

/// True once the broker has closed the connection: a reader that was already reading
/// drops what it got, and does not report the end of a stream the broker has let go.
pub(crate) fn draining(switch: &watch::Receiver<Reading>) -> bool {
    *switch.borrow() == Reading::Draining
}
