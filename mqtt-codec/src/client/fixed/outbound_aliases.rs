//! Topic aliases towards the server (5.0), for the allocating session, which keeps a table
//! of them: a PUBLISH is read back from the message area and written with its alias.

#![deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use super::arena::{Arena, Span};
use super::session::Core;
use super::slots::AliasSlot;
use super::table::Table;
use crate::client::rules::Millis;
use crate::client::SessionError;
use crate::packet::{Packet, PacketRef, Publish};
use crate::packet_flow;
use crate::property_view::PropertyView;
use crate::string::MqttStr;
use crate::topic::TopicName;

impl Core<'_> {
    /// [`Core::send_publish`] with topic aliases.
    pub(super) fn send_publish_aliased(
        &mut self,
        packet: &PacketRef<'_>,
        now: Millis,
    ) -> Result<(), SessionError> {
        let version = self.config.version;
        let len = packet.encoded_len(version)?;
        let mut frame = self
            .messages
            .store(len, &mut self.outgoing, |room| {
                packet.encode_to_slice(version, room).is_ok()
            })
            .ok_or(SessionError::StorageFull("the message storage"))?;
        let sent = self.send_aliased(frame, false, now);
        self.messages.free(&mut frame);
        sent
    }

    /// Sends a stored PUBLISH with a topic alias: each topic gets the next alias on its
    /// first use while aliases last (that PUBLISH carries the topic and the alias, later ones
    /// the alias alone); aliases are never reassigned on a connection. The PUBLISH is read
    /// back (the message area set aside meanwhile, so that the view of it does not hold the
    /// session).
    pub(super) fn send_aliased(
        &mut self,
        frame: Span,
        dup: bool,
        now: Millis,
    ) -> Result<(), SessionError> {
        let messages = core::mem::replace(&mut self.messages, Arena::new(Table::Lent(&mut [])));
        let opts = crate::parse::ParseOptions::new(self.config.version);
        let sent = match crate::parse::parse(messages.get(frame), &opts) {
            Ok(crate::parse::Status::Complete((Packet::Publish(p), _))) => {
                let topic = p.topic.as_str().as_bytes();
                let used = self.out_aliases.iter().take_while(|a| a.alias != 0).count();
                let known = self
                    .out_aliases
                    .iter()
                    .take(used)
                    .position(|a| self.out_alias_topics.get(a.topic) == topic);
                let limit = u16::try_from(self.out_aliases.limit()).unwrap_or(u16::MAX);
                let maximum = self.server.topic_alias_maximum.min(limit);
                let plain = Publish { dup, ..p.clone() };
                let (alias, new) = match known {
                    Some(i) => (u16::try_from(i.saturating_add(1)).ok(), false),
                    None => (packet_flow::new_alias(used, maximum), true),
                };
                let index = used;
                let mut props = p.properties.to_properties();
                props.topic_alias = alias;
                let aliased = Publish {
                    dup,
                    topic: match new {
                        true => p.topic.clone(),
                        false => TopicName::from_validated(MqttStr::from_validated(&[][..])),
                    },
                    properties: PropertyView::new(&props),
                    ..p.clone()
                };
                match alias.map(|_| self.send(&Packet::Publish(aliased), now)) {
                    None => self.send(&Packet::Publish(plain), now),
                    // With its alias a PUBLISH is a few bytes longer: over the server's
                    // limit, it goes without.
                    Some(Err(SessionError::PacketTooLarge { .. })) => {
                        self.send(&Packet::Publish(plain), now)
                    }
                    Some(Ok(())) if new => {
                        self.remember_alias(index, topic);
                        Ok(())
                    }
                    Some(result) => result,
                }
            }
            // It cannot be anything else (the session stored it).
            _ => Err(SessionError::State("a stored message is not a PUBLISH")),
        };
        self.messages = messages;
        sent
    }

    /// Our alias `index + 1` stands for `topic` from now on this connection.
    fn remember_alias(&mut self, index: usize, topic: &[u8]) {
        let grown = self
            .out_aliases
            .grow_to(index.saturating_add(1), AliasSlot::FREE);
        let stored = self
            .out_alias_topics
            .store(topic.len(), &mut self.out_aliases, |room| {
                room.copy_from_slice(topic);
                true
            });
        if let (true, Some(span), Some(slot)) = (grown, stored, self.out_aliases.get_mut(index)) {
            let alias = u16::try_from(index.saturating_add(1)).unwrap_or(u16::MAX);
            *slot = AliasSlot { alias, topic: span };
        }
    }
}
