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
use alloc::string::String;
use alloc::vec::Vec;

/// A subscription as the index holds it: the session's client identifier and the filter as
/// subscribed (the key of the session's subscription map).
pub(crate) type SubKey = (String, String);

/// A level of the trie. Most nodes below a device's own level have one child and one
/// subscription, hence the small maps (see [`SmallMap`]).
#[derive(Debug, Default)]
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
}

/// The subscription index of a broker.
#[derive(Debug, Default)]
pub(crate) struct SubIndex {
    root: Node,
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
        for level in levels(filter) {
            node = match level {
                "#" => {
                    node.hash.insert(key, ());
                    return;
                }
                "+" => node.plus.get_or_insert_with(Box::default),
                literal => node
                    .children
                    .get_or_insert_with(Box::from(literal), Node::default),
            };
        }
        node.here.insert(key, ());
    }

    /// Removes `client`'s subscription to `filter`, and the nodes left empty.
    pub(crate) fn remove(&mut self, client: &str, filter: &str) {
        let key = (String::from(client), String::from(filter));
        let path: Vec<&str> = levels(filter).collect();
        remove_at(&mut self.root, &path, &key);
    }

    /// The subscriptions matching the topic `name`, in order of client, then filter.
    pub(crate) fn matches(&self, name: &str) -> Vec<&SubKey> {
        let path: Vec<&str> = name.split('/').collect();
        let mut out = Vec::new();
        collect(&self.root, &path, name.starts_with('$'), &mut out);
        out.sort_unstable();
        out
    }
}

fn remove_at(node: &mut Node, path: &[&str], key: &SubKey) {
    match path.split_first() {
        None => {
            node.here.remove(key);
        }
        Some((&"#", _)) => {
            node.hash.remove(key);
        }
        Some((&"+", rest)) => {
            if let Some(plus) = node.plus.as_deref_mut() {
                remove_at(plus, rest, key);
                if plus.is_empty() {
                    node.plus = None;
                }
            }
        }
        Some((level, rest)) => {
            if let Some(child) = node.children.get_mut(*level) {
                remove_at(child, rest, key);
                if child.is_empty() {
                    node.children.remove(*level);
                }
            }
        }
    }
}

/// Collects the subscriptions under `node` that match the rest of a topic, `path`;
/// `dollar` while the topic's first level starts with `$` and `node` is the root.
fn collect<'a>(node: &'a Node, path: &[&str], dollar: bool, out: &mut Vec<&'a SubKey>) {
    if !dollar {
        out.extend(node.hash.keys());
    }
    match path.split_first() {
        None => out.extend(node.here.keys()),
        Some((level, rest)) => {
            if let Some(child) = node.children.get(*level) {
                collect(child, rest, false, out);
            }
            if let (Some(plus), false) = (&node.plus, dollar) {
                collect(plus, rest, false, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topic::topic_matches;
    use alloc::collections::BTreeSet;
    use proptest::prelude::*;

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
