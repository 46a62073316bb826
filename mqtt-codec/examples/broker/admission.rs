//! Which network connections the broker takes: each gets its id here and, when the
//! operator limits them (`--max-connections`, mosquitto's `max_connections`), one of the
//! places, which its reader and writer tasks hold until both have ended (the socket is
//! closed with the last of its halves). A connection past the limit is closed as it is
//! accepted, before any handshake or byte is read, so that a flood of connections costs no
//! more than the accept.

use mqtt_codec::broker::ConnId;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The ids and places shared by every listener.
pub(crate) struct Admission {
    ids: AtomicU64,
    places: Option<Arc<Semaphore>>,
}

/// An admitted connection: its id, and its place while the ticket lives.
pub(crate) struct Ticket {
    pub(crate) id: ConnId,
    _place: Option<OwnedSemaphorePermit>,
}

impl Admission {
    /// At most `max` connections open at once across the listeners (`None`: no limit).
    pub(crate) fn new(max: Option<usize>) -> Arc<Self> {
        Arc::new(Admission {
            ids: AtomicU64::new(0),
            places: max.map(|n| Arc::new(Semaphore::new(n.min(Semaphore::MAX_PERMITS)))),
        })
    }

    /// A ticket for a connection just accepted, or `None` when every place is taken.
    pub(crate) fn admit(&self) -> Option<Ticket> {
        let place = match &self.places {
            Some(places) => Some(places.clone().try_acquire_owned().ok()?),
            None => None,
        };
        let id = self.ids.fetch_add(1, Ordering::Relaxed) + 1;
        Some(Ticket { id, _place: place })
    }
}

#[cfg(test)]
mod tests {
    use super::Admission;

    #[test]
    fn places_are_taken_and_given_back() {
        let a = Admission::new(Some(2));
        let first = a.admit().expect("a place");
        let second = a.admit().expect("a place");
        assert!(a.admit().is_none(), "both places taken");
        assert_ne!(first.id, second.id);
        drop(first);
        let third = a.admit().expect("the place given back");
        assert!(third.id > second.id, "ids are never reused");
        let open = Admission::new(None);
        assert!((0..1000).all(|_| open.admit().is_some()));
    }
}
