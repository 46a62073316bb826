//! A map by client identifier or topic that remembers which keys were written since it was
//! last asked, so that persistence stores what changed without walking every session.
//!
//! Every mutable access counts as a change: a path that forgets to mark what it touched
//! cannot exist, which matters more than the few records written for nothing.

use alloc::collections::BTreeSet;
use alloc::string::String;
#[cfg(debug_assertions)]
use hashbrown::hash_map::Iter;
use hashbrown::hash_map::Values;
use hashbrown::HashMap;

/// A hash map by client identifier or topic with change tracking (off until
/// [`Tracked::track`]). Hashed rather than ordered: a broker looks a client up by its
/// identifier a couple of dozen times per message, and an ordered map of many clients
/// compares identifiers all the way down its tree each time. Nothing iterates it in an
/// order that shows.
#[derive(Debug)]
pub(crate) struct Tracked<V> {
    map: HashMap<String, V>,
    /// The keys written since [`Tracked::take_changed`]; `None` while nobody persists.
    changed: Option<BTreeSet<String>>,
}

impl<V> Default for Tracked<V> {
    fn default() -> Self {
        Tracked {
            map: HashMap::new(),
            changed: None,
        }
    }
}

impl<V> Tracked<V> {
    /// Starts recording changes.
    pub(crate) fn track(&mut self) {
        self.changed.get_or_insert_with(BTreeSet::new);
    }

    fn mark(&mut self, key: &str) {
        if let Some(changed) = &mut self.changed {
            if !changed.contains(key) {
                changed.insert(String::from(key));
            }
        }
    }

    /// The keys written since the last call, in order.
    pub(crate) fn take_changed(&mut self) -> BTreeSet<String> {
        self.changed
            .as_mut()
            .map(core::mem::take)
            .unwrap_or_default()
    }

    pub(crate) fn get(&self, key: &str) -> Option<&V> {
        self.map.get(key)
    }

    /// The value, counted as changed.
    pub(crate) fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        // Without tracking this stays one lookup.
        if self.changed.is_some() && self.map.contains_key(key) {
            self.mark(key);
        }
        self.map.get_mut(key)
    }

    pub(crate) fn insert(&mut self, key: String, value: V) -> Option<V> {
        self.mark(&key);
        self.map.insert(key, value)
    }

    pub(crate) fn remove(&mut self, key: &str) -> Option<V> {
        let old = self.map.remove(key);
        if old.is_some() {
            self.mark(key);
        }
        old
    }

    pub(crate) fn contains_key(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    /// For the debug builds' check of the timer index against a walk.
    #[cfg(debug_assertions)]
    pub(crate) fn iter(&self) -> Iter<'_, String, V> {
        self.map.iter()
    }

    pub(crate) fn values(&self) -> Values<'_, String, V> {
        self.map.values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_write_is_recorded_once_tracking_is_on() {
        let mut map = Tracked::default();
        map.insert("a".into(), 1);
        assert!(map.take_changed().is_empty(), "not tracking yet");
        map.track();
        map.insert("b".into(), 2);
        let _ = map.get("a");
        let _ = map.get_mut("missing");
        map.remove("missing");
        assert_eq!(
            map.take_changed()
                .into_iter()
                .collect::<alloc::vec::Vec<_>>(),
            ["b"]
        );
        if let Some(v) = map.get_mut("a") {
            *v = 3;
        }
        map.remove("b");
        assert_eq!(map.take_changed().len(), 2);
        assert!(map.take_changed().is_empty());
    }
}
