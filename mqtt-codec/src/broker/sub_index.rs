//! Every session's subscriptions, indexed by topic level (a trie), so that routing a PUBLISH
//! costs in the length of its topic and the number of subscriptions it matches, not in the
//! number of sessions and filters.
//!
//! A filter is stored along its levels: a literal level is a child, `+` a child of its own,
//! and `#` ends the path in the node's `hash` set. A shared filter `$share/NAME/FILTER` is
//! stored along `FILTER`. Matching follows [`crate::topic_matches`]: `+` takes one level (an
//! empty one too), `#` its parent level and any below, and neither matches a first level
//! starting with `$`.

use super::small_map::SmallMap;
use crate::topic::split_shared;
use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

/// A subscription as the index holds it: the session's client identifier and the filter as
/// subscribed (the key of the session's subscription map).
pub(crate) type SubKey = (String, String);

/// A level of the trie. Most nodes below a device's own level have one child and one
/// subscription, hence the small maps (see [`SmallMap`]).
///
/// Every walk over the trie is a loop, its drop included: a valid filter may have 65,535
/// levels (`//////...`), and one call per level overflowed the broker thread's stack.
#[derive(Default)]
struct Node {
    children: SmallMap<Box<str>, Node>,
    plus: Option<Box<Node>>,
    /// Filters ending here with `#`.
    hash: SmallMap<SubKey, ()>,
    /// Filters ending exactly here.
    here: SmallMap<SubKey, ()>,
}

impl Node {
    fn is_empty(&self) -> bool {
        self.children.is_empty()
            && self.plus.is_none()
            && self.hash.is_empty()
            && self.here.is_empty()
    }

    /// Whether the node holds nothing but one child (or its `+` node).
    fn holds_only_a_child(&self) -> bool {
        self.hash.is_empty()
            && self.here.is_empty()
            && self.children.len() + usize::from(self.plus.is_some()) == 1
    }

    /// The node one level down along `level`.
    fn child(&self, level: &str) -> Option<&Node> {
        match level {
            "+" => self.plus.as_deref(),
            literal => self.children.get(literal),
        }
    }

    fn child_mut(&mut self, level: &str) -> Option<&mut Node> {
        match level {
            "+" => self.plus.as_deref_mut(),
            literal => self.children.get_mut(literal),
        }
    }

    /// Removes the child along `level`, with all below it.
    fn remove_child(&mut self, level: &str) {
        match level {
            "+" => self.plus = None,
            literal => {
                self.children.remove(literal);
            }
        }
    }

    /// Moves the node's children onto `out`, leaving it without any.
    fn take_children(&mut self, out: &mut Vec<Node>) {
        core::mem::take(&mut self.children).move_values_into(out);
        out.extend(self.plus.take().map(|plus| *plus));
    }
}

impl Drop for Node {
    /// Frees the nodes below one at a time, each emptied of its children first, so that no
    /// drop recurses.
    fn drop(&mut self) {
        let mut below = Vec::new();
        self.take_children(&mut below);
        while let Some(mut node) = below.pop() {
            node.take_children(&mut below);
        }
    }
}

/// The subscription index of a broker.
#[derive(Default)]
pub(crate) struct SubIndex {
    root: Node,
    /// How many sessions subscribe to each shared filter (`$share/NAME/FILTER`, one group
    /// a message is shared in, as delivery keys it).
    shared: BTreeMap<String, usize>,
}

impl core::fmt::Debug for SubIndex {
    /// Not the trie (printing it would recurse once per level): whether it holds anything.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SubIndex")
            .field("empty", &self.root.is_empty())
            .finish()
    }
}

/// The levels a filter is matched by.
fn levels(filter: &str) -> core::str::Split<'_, char> {
    split_shared(filter)
        .map_or(filter, |(_, inner)| inner)
        .split('/')
}

impl SubIndex {
    /// Adds `client`'s subscription to `filter` (again: no change).
    pub(crate) fn insert(&mut self, client: &str, filter: &str) {
        let key = (String::from(client), String::from(filter));
        let mut node = &mut self.root;
        let mut ends = None;
        for level in levels(filter) {
            node = match level {
                "#" => {
                    ends = Some(&mut node.hash);
                    break;
                }
                "+" => node.plus.get_or_insert_with(Box::default),
                literal => node
                    .children
                    .get_or_insert_with(Box::from(literal), Node::default),
            };
        }
        let added = ends.unwrap_or(&mut node.here).insert(key, ()).is_none();
        if added && split_shared(filter).is_some() {
            *self.shared.entry(String::from(filter)).or_default() += 1;
        }
    }

    /// Whether any session subscribes to the shared filter `filter`.
    pub(crate) fn has_shared(&self, filter: &str) -> bool {
        self.shared.contains_key(filter)
    }

    /// How many shared filters have subscriptions.
    pub(crate) fn shared_count(&self) -> usize {
        self.shared.len()
    }

    /// One subscription to `filter`, if shared, is gone.
    fn leave_shared(&mut self, filter: &str) {
        if let Some(count) = self.shared.get_mut(filter) {
            *count -= 1;
            if *count == 0 {
                self.shared.remove(filter);
            }
        }
    }

    /// Removes `client`'s subscription to `filter`, and the nodes left empty.
    pub(crate) fn remove(&mut self, client: &str, filter: &str) {
        let key = (String::from(client), String::from(filter));
        let mut path: Vec<&str> = levels(filter).collect();
        let hash = path.last() == Some(&"#");
        if hash {
            path.pop();
        }
        // The node the filter ends at; nothing to do when the path is not there.
        let mut node = &mut self.root;
        for level in &path {
            match node.child_mut(level) {
                Some(child) => node = child,
                None => return,
            }
        }
        let removed = if hash {
            node.hash.remove(&key)
        } else {
            node.here.remove(&key)
        };
        let emptied = node.is_empty();
        if removed.is_some() {
            self.leave_shared(filter);
        }
        if !emptied {
            return;
        }
        // The empty end node goes, with every node above it that held only the way down to
        // it: cut below the deepest node on the path that holds something else (the root
        // at least), found walking down.
        let mut cut = 0;
        let mut node = &self.root;
        for (depth, level) in path.iter().enumerate() {
            if !node.holds_only_a_child() {
                cut = depth;
            }
            match node.child(level) {
                Some(child) => node = child,
                None => return,
            }
        }
        let Some(level) = path.get(cut) else {
            return;
        };
        let mut node = &mut self.root;
        for level in path.iter().take(cut) {
            match node.child_mut(level) {
                Some(child) => node = child,
                None => return,
            }
        }
        node.remove_child(level);
    }

    /// The subscriptions matching the topic `name`, in order of client, then filter.
    pub(crate) fn matches(&self, name: &str) -> Vec<&SubKey> {
        let path: Vec<&str> = name.split('/').collect();
        // Neither wildcard matches a first level starting with `$`.
        let dollar = name.starts_with('$');
        let mut out = Vec::new();
        // The nodes still to visit, with how many levels of the topic they have matched.
        let mut pending = alloc::vec![(&self.root, 0usize)];
        while let Some((node, depth)) = pending.pop() {
            let wildcards = !(dollar && depth == 0);
            if wildcards {
                out.extend(node.hash.keys());
            }
            match path.get(depth) {
                None => out.extend(node.here.keys()),
                Some(level) => {
                    let next = depth.saturating_add(1);
                    if let Some(child) = node.children.get(*level) {
                        pending.push((child, next));
                    }
                    if let (Some(plus), true) = (node.plus.as_deref(), wildcards) {
                        pending.push((plus, next));
                    }
                }
            }
        }
        out.sort_unstable();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topic::topic_matches;
    use alloc::collections::BTreeSet;
    use proptest::prelude::*;

    #[test]
    fn shared_filters_are_counted_until_their_last_subscription_goes() {
        let mut index = SubIndex::default();
        index.insert("a", "$share/g1/t/#");
        index.insert("a", "$share/g1/t/#"); // again: no change
        index.insert("b", "$share/g1/t/#");
        index.insert("b", "$share/g2/t");
        index.insert("b", "plain/#");
        assert_eq!(index.shared_count(), 2);
        index.remove("a", "$share/g1/t/#");
        index.remove("a", "$share/g1/t/#"); // not there any more: no change
        assert!(index.has_shared("$share/g1/t/#"));
        index.remove("b", "$share/g1/t/#");
        assert!(!index.has_shared("$share/g1/t/#") && index.has_shared("$share/g2/t"));
        index.remove("b", "$share/g2/t");
        index.remove("b", "plain/#");
        assert_eq!(index.shared_count(), 0);
        assert!(index.root.is_empty());
    }

    fn level() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            Just(String::from("a")),
            Just(String::from("b")),
            Just(String::from("$SYS")),
        ]
    }

    fn topic() -> impl Strategy<Value = String> {
        proptest::collection::vec(level(), 1..4).prop_map(|l| l.join("/"))
    }

    fn filter() -> impl Strategy<Value = String> {
        (
            proptest::collection::vec(prop_oneof![level(), Just(String::from("+"))], 0..3),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_filter_map("a filter needs a level", |(mut l, hash, shared)| {
                if hash {
                    l.push(String::from("#"));
                }
                if l.is_empty() {
                    return None;
                }
                let f = l.join("/");
                Some(if shared {
                    alloc::format!("$share/g/{f}")
                } else {
                    f
                })
            })
    }

    #[test]
    fn a_filter_of_65535_levels_is_indexed_matched_removed_and_freed() {
        // Valid (65,534 separators, every level empty); each walk once recursed per level,
        // past the stack of the broker's thread (and of this test's).
        let deep = "/".repeat(65_534);
        let mut index = SubIndex::default();
        index.insert("c", &deep);
        index.insert("d", &alloc::format!("{}#", "+/".repeat(30_000)));
        assert_eq!(index.matches(&deep).len(), 2);
        index.remove("c", &deep);
        assert_eq!(index.matches(&deep).len(), 1);
        index.insert("c", &deep);
        // Freed with the index.
        drop(index);
    }

    proptest! {
        /// The index finds exactly what checking every filter with `topic_matches` finds.
        #[test]
        fn the_index_agrees_with_topic_matches(
            subs in proptest::collection::vec((0u8..4, filter()), 0..24),
            removed in proptest::collection::vec(any::<proptest::sample::Index>(), 0..6),
            name in topic(),
        ) {
            let mut index = SubIndex::default();
            let mut all: BTreeSet<SubKey> = BTreeSet::new();
            for (client, f) in &subs {
                let client = alloc::format!("c{client}");
                index.insert(&client, f);
                all.insert((client, f.clone()));
            }
            for i in removed {
                if all.is_empty() {
                    break;
                }
                let key = all.iter().nth(i.index(all.len())).cloned().unwrap();
                index.remove(&key.0, &key.1);
                all.remove(&key);
            }
            let want: Vec<&SubKey> = all.iter().filter(|(_, f)| topic_matches(f, &name)).collect();
            prop_assert_eq!(index.matches(&name), want);
            for (c, f) in all.clone() {
                index.remove(&c, &f);
            }
            prop_assert!(index.root.is_empty(), "removing everything leaves no node");
        }
    }
}
