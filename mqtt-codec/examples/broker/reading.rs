//! The switch the broker task holds over each connection's reader: a state and a `Notify`,
//! where tokio's `watch` channel made a shared state of several hundred bytes (eight
//! `Notify`s for its receivers) for every connection.

use crate::outbox::Backlog;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::Arc;
use tokio::sync::Notify;

/// What a connection's reader does with the bytes that arrive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
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

impl Reading {
    fn from_u8(v: u8) -> Reading {
        match v {
            0 => Reading::On,
            1 => Reading::Paused,
            _ => Reading::Draining,
        }
    }
}

/// What both ends share.
struct Shared {
    reading: AtomicU8,
    /// The broker task dropped its end.
    gone: AtomicBool,
    /// Wakes the reader when either changes.
    changed: Notify,
}

/// The broker task's end.
pub(crate) struct Switch {
    shared: Arc<Shared>,
}

/// The reader's end, with the connection's write backlog, which holds it back too.
pub(crate) struct SwitchReceiver {
    shared: Arc<Shared>,
    backlog: Backlog,
}

/// A switch set to `initial`, over a reader that also waits while `backlog` is over its
/// limit.
pub(crate) fn switch(initial: Reading, backlog: Backlog) -> (Switch, SwitchReceiver) {
    let shared = Arc::new(Shared {
        reading: AtomicU8::new(initial as u8),
        gone: AtomicBool::new(false),
        changed: Notify::new(),
    });
    (
        Switch {
            shared: Arc::clone(&shared),
        },
        SwitchReceiver { shared, backlog },
    )
}

impl Switch {
    /// Sets the switch and wakes the reader if it waits.
    pub(crate) fn set(&self, reading: Reading) {
        self.shared.reading.store(reading as u8, Ordering::Release);
        self.shared.changed.notify_one();
    }
}

impl Drop for Switch {
    fn drop(&mut self) {
        self.shared.gone.store(true, Ordering::Release);
        self.shared.changed.notify_one();
    }
}

impl SwitchReceiver {
    fn get(&self) -> Reading {
        Reading::from_u8(self.shared.reading.load(Ordering::Acquire))
    }
}

/// Waits while the connection is paused, or while more than its write limit waits to go
/// out to the client (until half has gone: a client that does not read is not read
/// either); `None` once the broker task has let go of it without saying how (it then drops
/// the reader).
pub(crate) async fn unpaused(switch: &mut SwitchReceiver) -> Option<Reading> {
    loop {
        let reading = switch.get();
        let held_back = reading == Reading::On && switch.backlog.over();
        if reading != Reading::Paused && !held_back {
            return Some(reading);
        }
        if switch.shared.gone.load(Ordering::Acquire) {
            return None;
        }
        // `notify_one` leaves a permit when nobody waits, so a change between the checks
        // above and this wait is not missed.
        let changed = switch.shared.changed.notified();
        if held_back {
            tokio::select! {
                _ = changed => {}
                // The switch is read again: the core may have paused it meanwhile.
                _ = switch.backlog.caught_up() => {}
            }
        } else {
            changed.await;
        }
    }
}

/// True once the broker has closed the connection: a reader that was already reading
/// drops what it got, and does not report the end of a stream the broker has let go.
pub(crate) fn draining(switch: &SwitchReceiver) -> bool {
    switch.get() == Reading::Draining
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_backlog() -> Backlog {
        crate::outbox::channel(usize::MAX).2
    }

    #[tokio::test]
    async fn a_paused_reader_waits_for_the_switch() {
        let (tx, mut rx) = switch(Reading::Paused, no_backlog());
        let reader = tokio::spawn(async move { unpaused(&mut rx).await });
        tokio::task::yield_now().await;
        assert!(!reader.is_finished());
        tx.set(Reading::Draining);
        assert_eq!(reader.await.ok().flatten(), Some(Reading::Draining));
    }

    #[tokio::test]
    async fn a_paused_reader_ends_when_the_broker_lets_go() {
        let (tx, mut rx) = switch(Reading::Paused, no_backlog());
        drop(tx);
        assert_eq!(unpaused(&mut rx).await, None);
        let (tx, mut rx) = switch(Reading::On, no_backlog());
        tx.set(Reading::Draining);
        drop(tx);
        // The last setting stays readable.
        assert!(draining(&rx));
        assert_eq!(unpaused(&mut rx).await, Some(Reading::Draining));
    }

    #[tokio::test]
    async fn a_reader_whose_client_does_not_read_waits_for_the_writer() {
        let (out, writer, backlog) = crate::outbox::channel(4);
        let (_tx, mut rx) = switch(Reading::On, backlog);
        out.send(bytes::Bytes::from_static(b"12345"));
        let reader = tokio::spawn(async move { unpaused(&mut rx).await });
        tokio::task::yield_now().await;
        assert!(
            !reader.is_finished(),
            "5 bytes waiting, over the limit of 4"
        );
        writer.written(3);
        assert_eq!(reader.await.ok().flatten(), Some(Reading::On));
    }
}
