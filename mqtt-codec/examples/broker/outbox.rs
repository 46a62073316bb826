//! The queue of bytes the broker task hands a connection's writer: a `VecDeque` behind a
//! lock and a `Notify`. Unlike tokio's unbounded channel, which allocates a block of 32
//! slots (over 1 KiB) and a cache-padded state for every connection when it is made, an
//! empty outbox holds no buffer, so an idle connection costs what it holds. It counts the
//! bytes queued and not yet written, by which the broker task bounds it (it closes a
//! connection that lets them grow), and by which the connection's reader holds back
//! ([`Backlog`]): a client that does not read what it is sent is not read either, since
//! the answers to its requests would only pile up.

use bytes::Bytes;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::Notify;

/// What both ends share.
struct Shared {
    state: Mutex<State>,
    /// Wakes the writer: something was queued, or the sender went away.
    ready: Notify,
    /// Bytes queued or being written, not written yet.
    pending: AtomicUsize,
    /// Bytes written since the outbox was made: the writer's progress.
    written: AtomicU64,
    /// The write limit: past it the reader waits until half of it is written.
    limit: usize,
    /// Wakes the reader waiting for that.
    caught_up: Notify,
    /// The reader may be held back: the broker awaits no acknowledgement from the client
    /// (see `Sender::set_holdable`).
    holdable: AtomicBool,
    /// The writer has stopped (the socket failed): nothing more will be written, and the
    /// reader must read on to see the end.
    writer_gone: AtomicBool,
}

struct State {
    queue: VecDeque<Bytes>,
    /// The broker task dropped its end: the writer writes what is left and stops.
    closed: bool,
}

impl Shared {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // Nothing runs under the lock that can panic half-way; a poisoned lock still
        // holds a whole queue.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The broker task's end.
pub(crate) struct Sender {
    shared: Arc<Shared>,
}

/// The writer's end.
pub(crate) struct Receiver {
    shared: Arc<Shared>,
}

/// The reader's view of the outbox: how far behind the writer is.
pub(crate) struct Backlog {
    shared: Arc<Shared>,
}

/// A new, empty outbox whose reader holds back past `limit` bytes waiting.
pub(crate) fn channel(limit: usize) -> (Sender, Receiver, Backlog) {
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            queue: VecDeque::new(),
            closed: false,
        }),
        ready: Notify::new(),
        pending: AtomicUsize::new(0),
        written: AtomicU64::new(0),
        limit,
        caught_up: Notify::new(),
        holdable: AtomicBool::new(true),
        writer_gone: AtomicBool::new(false),
    });
    (
        Sender {
            shared: Arc::clone(&shared),
        },
        Receiver {
            shared: Arc::clone(&shared),
        },
        Backlog { shared },
    )
}

impl Backlog {
    /// True while more than the limit waits to be written and the reader may be held
    /// back for it.
    pub(crate) fn over(&self) -> bool {
        self.holds(self.shared.limit)
    }

    /// Waits until no more than half the limit waits to be written (or the reader may no
    /// longer be held back).
    pub(crate) async fn caught_up(&self) {
        // `notify_one` leaves a permit when nobody waits, so a change between the check
        // and the wait is not missed.
        while self.holds(self.shared.limit / 2) {
            self.shared.caught_up.notified().await;
        }
    }

    fn holds(&self, mark: usize) -> bool {
        self.shared.holdable.load(Ordering::Relaxed)
            && !self.shared.writer_gone.load(Ordering::Relaxed)
            && self.shared.pending.load(Ordering::Relaxed) > mark
    }
}

impl Sender {
    /// Queues `data` for the writer.
    pub(crate) fn send(&self, data: Bytes) {
        self.shared.pending.fetch_add(data.len(), Ordering::Relaxed);
        self.shared.state().queue.push_back(data);
        self.shared.ready.notify_one();
    }

    /// Bytes queued and not yet written to the socket.
    pub(crate) fn pending(&self) -> usize {
        self.shared.pending.load(Ordering::Relaxed)
    }

    /// Bytes written to the socket so far: unchanged while the client reads nothing.
    pub(crate) fn written_total(&self) -> u64 {
        self.shared.written.load(Ordering::Relaxed)
    }

    /// Whether the reader may be held back while the client does not read: not while the
    /// broker awaits its acknowledgements (`Broker::awaits_acknowledgement`).
    pub(crate) fn set_holdable(&self, holdable: bool) {
        let was = self.shared.holdable.swap(holdable, Ordering::Relaxed);
        if was && !holdable {
            self.shared.caught_up.notify_one();
        }
    }
}

impl Drop for Sender {
    fn drop(&mut self) {
        self.shared.state().closed = true;
        self.shared.ready.notify_one();
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        // A held reader reads on, and sees the connection's end.
        self.shared.writer_gone.store(true, Ordering::Relaxed);
        self.shared.caught_up.notify_one();
    }
}

impl Receiver {
    /// The next bytes queued, waiting for them; `None` once the sender is gone and the
    /// queue is empty.
    pub(crate) async fn recv(&mut self) -> Option<Bytes> {
        loop {
            {
                let mut state = self.shared.state();
                if let Some(data) = state.queue.pop_front() {
                    return Some(data);
                }
                if state.closed {
                    return None;
                }
                // About to wait: the slots go back, so an idle connection holds none (a
                // busy one waits only when it has written everything).
                if state.queue.capacity() > 0 {
                    state.queue = VecDeque::new();
                }
            }
            // `notify_one` leaves a permit when nobody waits, so a send between the check
            // above and this wait is not missed.
            self.shared.ready.notified().await;
        }
    }

    /// The next bytes queued, if any, without waiting.
    pub(crate) fn try_recv(&mut self) -> Option<Bytes> {
        self.shared.state().queue.pop_front()
    }

    /// `n` bytes taken from the queue are written: they no longer count as pending.
    pub(crate) fn written(&self, n: usize) {
        let before = self.shared.pending.fetch_sub(n, Ordering::Relaxed);
        self.shared.written.fetch_add(n as u64, Ordering::Relaxed);
        let low = self.shared.limit / 2;
        if before > low && before.saturating_sub(n) <= low {
            self.shared.caught_up.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn delivers_in_order_then_ends_when_the_sender_goes() {
        let (tx, mut rx, _) = channel(usize::MAX);
        tx.send(Bytes::from_static(b"a"));
        tx.send(Bytes::from_static(b"b"));
        assert_eq!(tx.pending(), 2);
        assert_eq!(rx.recv().await.as_deref(), Some(&b"a"[..]));
        rx.written(1);
        assert_eq!(tx.pending(), 1);
        assert_eq!(tx.written_total(), 1);
        assert_eq!(rx.try_recv().as_deref(), Some(&b"b"[..]));
        assert_eq!(rx.try_recv(), None);
        tx.send(Bytes::from_static(b"c"));
        drop(tx);
        assert_eq!(rx.recv().await.as_deref(), Some(&b"c"[..]));
        assert_eq!(rx.recv().await, None);
    }

    #[tokio::test]
    async fn a_waiting_writer_wakes_on_send() {
        let (tx, mut rx, _) = channel(usize::MAX);
        let writer = tokio::spawn(async move { rx.recv().await });
        tokio::task::yield_now().await;
        tx.send(Bytes::from_static(b"x"));
        assert_eq!(writer.await.ok().flatten().as_deref(), Some(&b"x"[..]));
    }

    #[tokio::test]
    async fn a_backlog_over_the_limit_holds_until_half_is_written() {
        let (tx, mut rx, backlog) = channel(4);
        tx.send(Bytes::from_static(b"12345"));
        assert!(backlog.over());
        let reader = tokio::spawn(async move { backlog.caught_up().await });
        tokio::task::yield_now().await;
        assert!(!reader.is_finished());
        let _ = rx.recv().await;
        rx.written(2);
        tokio::task::yield_now().await;
        assert!(!reader.is_finished(), "3 waiting, over half of 4");
        rx.written(1);
        reader.await.unwrap();
        assert_eq!(tx.pending(), 2);
    }

    #[tokio::test]
    async fn a_held_backlog_lets_go_when_the_writer_stops_or_acknowledgements_are_awaited() {
        let (tx, rx, backlog) = channel(4);
        tx.send(Bytes::from_static(b"12345"));
        let reader = tokio::spawn(async move { backlog.caught_up().await });
        tokio::task::yield_now().await;
        assert!(!reader.is_finished());
        drop(rx); // the socket failed: nothing more will be written
        reader.await.unwrap();

        let (tx, _rx, backlog) = channel(4);
        tx.send(Bytes::from_static(b"12345"));
        assert!(backlog.over());
        let reader = tokio::spawn(async move { backlog.caught_up().await });
        tokio::task::yield_now().await;
        assert!(!reader.is_finished());
        tx.set_holdable(false);
        reader.await.unwrap();
    }
}
