//! A sorted map for the many tiny maps a broker keeps per client: the children of a node of
//! the topic trie below a device's own level, the subscriptions ending at a node, a
//! session's few filters. A `BTreeMap` allocates a whole node of eleven slots for its first
//! entry (more than a kilobyte for a trie node's children), so with thousands of devices
//! each subscribed to its own topic most of the broker's memory would be empty slots. This
//! one is a sorted vector, exactly as large as its entries, until it holds `SPILL`, then a
//! `BTreeMap`, so that a level with many children (`dev/<n>`) still inserts in O(log n).

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use core::borrow::Borrow;

/// Entries beyond which the vector becomes a tree (and below which, after removals, the
/// tree does not go back: a map that was large once is likely to be large again).
const SPILL: usize = 16;

/// A map sorted by key: a vector while small, a `BTreeMap` once large.
#[derive(Debug, Clone)]
pub(crate) enum SmallMap<K, V> {
    /// Few entries, sorted by key, no spare capacity kept.
    Few(Vec<(K, V)>),
    /// Many entries.
    Many(BTreeMap<K, V>),
}

impl<K, V> Default for SmallMap<K, V> {
    fn default() -> Self {
        SmallMap::Few(Vec::new())
    }
}

impl<K: Ord, V> SmallMap<K, V> {
    /// How many entries.
    pub(crate) fn len(&self) -> usize {
        match self {
            SmallMap::Few(v) => v.len(),
            SmallMap::Many(m) => m.len(),
        }
    }

    /// No entries.
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value of `key`.
    pub(crate) fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        match self {
            SmallMap::Few(v) => find(v, key).ok().map(|i| &v[i].1),
            SmallMap::Many(m) => m.get(key),
        }
    }

    /// The value of `key`, to change.
    pub(crate) fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        match self {
            SmallMap::Few(v) => match find(v, key) {
                Ok(i) => Some(&mut v[i].1),
                Err(_) => None,
            },
            SmallMap::Many(m) => m.get_mut(key),
        }
    }

    /// Whether `key` is there.
    pub(crate) fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.get(key).is_some()
    }

    /// The value of `key`, inserted with `make` when absent.
    pub(crate) fn get_or_insert_with(&mut self, key: K, make: impl FnOnce() -> V) -> &mut V {
        if let SmallMap::Few(v) = self {
            if v.len() >= SPILL && find(v, &key).is_err() {
                let tree: BTreeMap<K, V> = core::mem::take(v).into_iter().collect();
                *self = SmallMap::Many(tree);
            }
        }
        match self {
            SmallMap::Few(v) => {
                let i = match find(v, &key) {
                    Ok(i) => i,
                    Err(i) => {
                        v.reserve_exact(1);
                        v.insert(i, (key, make()));
                        i
                    }
                };
                &mut v[i].1
            }
            SmallMap::Many(m) => m.entry(key).or_insert_with(make),
        }
    }

    /// Sets `key` to `value`; the value it had, if any.
    pub(crate) fn insert(&mut self, key: K, value: V) -> Option<V> {
        let mut value = Some(value);
        let slot = self.get_or_insert_with(key, || value.take().expect("taken once"));
        value.map(|new| core::mem::replace(slot, new))
    }

    /// Removes `key`; its value, if it was there.
    pub(crate) fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        match self {
            SmallMap::Few(v) => {
                let i = find(v, key).ok()?;
                let (_, value) = v.remove(i);
                if v.is_empty() {
                    // An emptied vector gives its allocation back.
                    *v = Vec::new();
                }
                Some(value)
            }
            SmallMap::Many(m) => m.remove(key),
        }
    }

    /// The entries in key order.
    pub(crate) fn iter(&self) -> Iter<'_, K, V> {
        match self {
            SmallMap::Few(v) => Iter::Few(v.iter()),
            SmallMap::Many(m) => Iter::Many(m.iter()),
        }
    }

    /// The keys in order.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &K> {
        self.iter().map(|(k, _)| k)
    }

    /// Moves the values onto the end of `out`.
    pub(crate) fn move_values_into(self, out: &mut Vec<V>) {
        match self {
            SmallMap::Few(v) => out.extend(v.into_iter().map(|(_, value)| value)),
            SmallMap::Many(m) => out.extend(m.into_values()),
        }
    }
}

/// Where `key` is in the sorted vector, or where it would go.
fn find<K: Borrow<Q>, Q: Ord + ?Sized, V>(v: &[(K, V)], key: &Q) -> Result<usize, usize> {
    v.binary_search_by(|(k, _)| k.borrow().cmp(key))
}

/// The entries of a [`SmallMap`] in key order.
pub(crate) enum Iter<'a, K, V> {
    Few(core::slice::Iter<'a, (K, V)>),
    Many(alloc::collections::btree_map::Iter<'a, K, V>),
}

impl<'a, K, V> Iterator for Iter<'a, K, V> {
    type Item = (&'a K, &'a V);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Iter::Few(i) => i.next().map(|(k, v)| (k, v)),
            Iter::Many(i) => i.next(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Op {
        Insert(u8, u8),
        GetOrInsert(u8, u8),
        Remove(u8),
    }

    fn op() -> impl Strategy<Value = Op> {
        // Keys from a small range, so that entries collide and the map crosses SPILL.
        prop_oneof![
            3 => (0u8..40, any::<u8>()).prop_map(|(k, v)| Op::Insert(k, v)),
            2 => (0u8..40, any::<u8>()).prop_map(|(k, v)| Op::GetOrInsert(k, v)),
            3 => (0u8..40).prop_map(Op::Remove),
        ]
    }

    proptest! {
        /// The map behaves as a `BTreeMap` whatever it holds and whichever form it is in.
        #[test]
        fn small_map_agrees_with_a_btreemap(ops in prop::collection::vec(op(), 0..200)) {
            let mut ours: SmallMap<u8, u8> = SmallMap::default();
            let mut model: BTreeMap<u8, u8> = BTreeMap::new();
            for op in ops {
                match op {
                    Op::Insert(k, v) => prop_assert_eq!(ours.insert(k, v), model.insert(k, v)),
                    Op::GetOrInsert(k, v) => {
                        let got = *ours.get_or_insert_with(k, || v);
                        prop_assert_eq!(got, *model.entry(k).or_insert(v));
                    }
                    Op::Remove(k) => prop_assert_eq!(ours.remove(&k), model.remove(&k)),
                }
                prop_assert_eq!(ours.len(), model.len());
                let pairs: Vec<(u8, u8)> = ours.iter().map(|(k, v)| (*k, *v)).collect();
                let want: Vec<(u8, u8)> = model.iter().map(|(k, v)| (*k, *v)).collect();
                prop_assert_eq!(pairs, want);
                for k in 0..40u8 {
                    prop_assert_eq!(ours.get(&k), model.get(&k));
                }
            }
        }
    }
}
