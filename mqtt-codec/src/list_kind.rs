//! Names for what a packet's list fields hold, one marker type per kind of list.
//!
//! A [`Storage`] makes a list's type from its kind (`S::List<Subscriptions>` is a
//! `Vec<Subscription>` in an owned packet, a [`crate::BorrowedList`] of borrowed
//! subscriptions in a borrowed one). The list is named by a kind rather than by its item type
//! because a kind outlives every borrow, which lets a borrowed list hold a slice of the
//! caller's items (`BorrowedList::from_slice`): a list generic over its item type could not
//! prove that a borrowed item lives as long as the slice that holds it.

use core::fmt;

use crate::packet::Subscription;
use crate::properties::UserProperty;
use crate::reason::ReasonCode;
use crate::storage::{sealed::Sealed, Storage};
use crate::string::MqttStr;

/// A kind of list, and the type of its items under each storage. Implemented by the markers of
/// this module only.
pub trait ListKind: Sealed + 'static {
    /// The type of one item when the packet's storage is `S`.
    type Item<S: Storage>: Clone + fmt::Debug + PartialEq + Eq;
}

/// The subscriptions of a SUBSCRIBE.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Subscriptions;

/// The topic filters of an UNSUBSCRIBE.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct TopicFilters;

/// The reason codes of a SUBACK or UNSUBACK.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct ReasonCodes;

/// The User Properties of a property set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct UserProperties;

/// The Subscription Identifiers of a property set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct SubscriptionIdentifiers;

impl Sealed for Subscriptions {}
impl Sealed for TopicFilters {}
impl Sealed for ReasonCodes {}
impl Sealed for UserProperties {}
impl Sealed for SubscriptionIdentifiers {}

impl ListKind for Subscriptions {
    type Item<S: Storage> = Subscription<S>;
}

impl ListKind for TopicFilters {
    type Item<S: Storage> = MqttStr<S::Bytes>;
}

impl ListKind for ReasonCodes {
    type Item<S: Storage> = ReasonCode;
}

impl ListKind for UserProperties {
    type Item<S: Storage> = UserProperty<S>;
}

impl ListKind for SubscriptionIdentifiers {
    type Item<S: Storage> = u32;
}
