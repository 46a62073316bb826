//! What the driver needs to make again the subscriptions a new session lost: the 5.0
//! properties each was made with (a Subscription Identifier, User Properties), which the
//! session's own record of subscriptions does not keep.

use crate::packet::Subscription;
use crate::properties::Properties;
use crate::string::MqttStr;
use std::collections::HashMap;
use std::string::String;
use std::vec::Vec;

/// The properties of the SUBSCRIBE that made each filter's subscription, for the filters
/// made with any; a filter made again without properties is dropped from it.
#[derive(Debug, Default)]
pub(super) struct SubscribeProperties {
    by_filter: HashMap<String, Properties>,
}

impl SubscribeProperties {
    /// A SUBSCRIBE of `subscriptions` with `properties` went out. Its SUBACK may refuse a
    /// filter; a refused one is never reported lost, so its entry does no harm.
    pub(super) fn subscribed(&mut self, subscriptions: &[Subscription], properties: &Properties) {
        for s in subscriptions {
            if properties.is_empty() {
                self.by_filter.remove(s.filter.as_str());
            } else {
                self.by_filter
                    .insert(String::from(s.filter.as_str()), properties.clone());
            }
        }
    }

    /// An UNSUBSCRIBE of `filters` went out.
    pub(super) fn unsubscribed(&mut self, filters: &[MqttStr]) {
        for f in filters {
            self.by_filter.remove(f.as_str());
        }
    }

    /// The lost subscriptions gathered by the properties they were made with, each group
    /// to be made again in one SUBSCRIBE, in the order each group first appears.
    pub(super) fn groups(&self, lost: Vec<Subscription>) -> Vec<(Properties, Vec<Subscription>)> {
        let mut groups: Vec<(Properties, Vec<Subscription>)> = Vec::new();
        for s in lost {
            let properties = self
                .by_filter
                .get(s.filter.as_str())
                .cloned()
                .unwrap_or_default();
            match groups.iter_mut().find(|(p, _)| *p == properties) {
                Some((_, group)) => group.push(s),
                None => groups.push((properties, std::vec![s])),
            }
        }
        groups
    }
}
