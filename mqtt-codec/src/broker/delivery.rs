//! Routing: which sessions a message goes to (wildcards, `$` topics, No Local, shared
//! subscriptions), the retained store, and delivery with in-flight windows and bounded
//! queues.

use super::message::Message;
use super::session::{Delivery, OutState, Outgoing, Session};
use super::{Broker, Level, Millis};
use crate::packet::Packet;
use crate::packet_flow;
use crate::qos::QoS;
use crate::topic::{topic_matches, TopicName};
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// A member of a shared subscription group that matched a message.
struct Member<'a> {
    client_id: &'a str,
    qos: QoS,
    retain_as_published: bool,
    sub_id: Option<u32>,
    online: bool,
}

/// A subscriber chosen for a message.
struct Target {
    client_id: String,
    qos: QoS,
    retain_as_published: bool,
    sub_ids: Vec<u32>,
    /// The session has no connection: what it is sent waits in its queue.
    away: bool,
}

/// What became of a routed message.
pub(super) struct Routed {
    /// How many sessions it went to.
    pub(super) matched: usize,
}

/// What a retained message counts against `max_retained_bytes`: its topic and payload.
fn retained_size(msg: &Message) -> usize {
    msg.topic.as_str().len().saturating_add(msg.payload.len())
}

impl Broker {
    /// Routes a published message: stores or clears it as retained (within the operator's
    /// limits), then delivers it to every matching subscription, once per session at the
    /// highest QoS that matched (and to one member of each shared group).
    pub(super) fn route(&mut self, mut msg: Message, now: Millis) -> Routed {
        // A message kept for long (retained, or queued for a session that is away) is copied
        // out of the receive buffer once (see `Message::detached`), the copy shared by
        // every delivery.
        let mut detached = false;
        if msg.retain {
            if msg.payload.is_empty() || !self.retained_fits(&msg) {
                // Past the limits the message is delivered but not kept, and what its topic
                // held is superseded all the same: a later subscriber gets nothing rather
                // than a value older than the one just published.
                self.retained.remove(msg.topic.as_str());
            } else {
                msg = msg.detached();
                detached = true;
                self.keep_retained(msg.clone());
            }
        }
        let topic = msg.topic.as_str();
        let mut targets: Vec<Target> = Vec::new();
        let mut groups: BTreeMap<&str, Vec<Member>> = BTreeMap::new();
        // The index gives the matching subscriptions in order of client, then filter: each
        // session's in a run, as a walk of every session would meet them.
        let mut best: Option<Target> = None;
        for (client_id, filter) in self.subs.matches(topic) {
            if best.as_ref().is_some_and(|b| &b.client_id != client_id) {
                targets.extend(best.take());
            }
            if let Some(session) = self.sessions.get(client_id) {
                add_match(session, client_id, filter, &msg, &mut best, &mut groups);
            }
        }
        targets.extend(best);
        // A group's turn counter (by shared filter) goes with its last subscription,
        // looked for once the counters outnumber the shared filters twice (a client making
        // ever-new groups cannot grow them for good).
        if self.shared_next.len() > 2 * self.subs.shared_count() + 16 {
            let subs = &self.subs;
            self.shared_next.retain(|filter, _| subs.has_shared(filter));
        }
        let mut picks = Vec::new();
        for (group, members) in groups {
            // Round robin, preferring members that are connected.
            let online: Vec<_> = members.iter().filter(|m| m.online).collect();
            let pool: Vec<_> = if online.is_empty() {
                members.iter().collect()
            } else {
                online
            };
            let next = self.shared_next.entry(String::from(group)).or_insert(0);
            let member = pool[*next % pool.len()];
            *next = next.wrapping_add(1);
            picks.push(Target {
                client_id: String::from(member.client_id),
                qos: member.qos,
                // Retain As Published holds for a shared subscription as for any other
                // ([MQTT-3.3.1-12], [MQTT-3.3.1-13]).
                retain_as_published: member.retain_as_published,
                sub_ids: member.sub_id.into_iter().collect(),
                away: !member.online,
            });
        }
        targets.extend(picks);
        if !detached && targets.iter().any(|t| t.away) {
            msg = msg.detached();
        }
        let matched = targets.len();
        for t in targets {
            let delivery = Delivery {
                qos: msg.qos.min(t.qos),
                retain: msg.retain && t.retain_as_published,
                sub_ids: t.sub_ids,
                msg: msg.clone(),
                seq: 0,
            };
            self.deliver(&t.client_id, delivery, now);
        }
        Routed { matched }
    }

    /// Whether keeping `msg` as retained stays within `max_retained` and
    /// `max_retained_bytes` (it replaces what its topic holds).
    pub(super) fn retained_fits(&self, msg: &Message) -> bool {
        if self.config.max_retained.is_none() && self.config.max_retained_bytes.is_none() {
            return true;
        }
        let old = self.retained.get(msg.topic.as_str());
        let count = self.retained.len() + usize::from(old.is_none());
        let bytes = self
            .retained
            .values()
            .map(retained_size)
            .sum::<usize>()
            .saturating_sub(old.map_or(0, retained_size))
            .saturating_add(retained_size(msg));
        self.config.max_retained.map_or(true, |max| count <= max)
            && self
                .config
                .max_retained_bytes
                .map_or(true, |max| bytes <= max)
    }

    /// Sends the retained messages matching a new subscription (retain flag set,
    /// [MQTT-3.3.1-6]).
    pub(super) fn deliver_retained(
        &mut self,
        client_id: &str,
        filter: &str,
        granted: QoS,
        sub_id: Option<u32>,
        now: Millis,
    ) {
        let mut matching: Vec<Message> = self
            .retained
            .values()
            .filter(|m| topic_matches(filter, m.topic.as_str()))
            .cloned()
            .collect();
        // In order of topic, the same every time (the map is hashed).
        matching.sort_unstable_by(|a, b| a.topic.as_str().cmp(b.topic.as_str()));
        for msg in matching {
            if msg.expired(now) {
                self.retained.remove(msg.topic.as_str());
                continue;
            }
            let delivery = Delivery {
                qos: msg.qos.min(granted),
                retain: true,
                sub_ids: sub_id.into_iter().collect(),
                msg,
                seq: 0,
            };
            self.deliver(client_id, delivery, now);
        }
    }

    /// Delivers to one session: QoS 0 straight out if connected; QoS 1 and 2 into the
    /// in-flight window, else into the bounded queue.
    fn deliver(&mut self, client_id: &str, mut delivery: Delivery, now: Millis) {
        let Some(session) = self.sessions.get_mut(client_id) else {
            return;
        };
        self.next_seq = self.next_seq.wrapping_add(1);
        delivery.seq = self.next_seq;
        let conn = session.conn;
        if delivery.qos == QoS::AtMostOnce {
            if let Some(conn) = conn {
                self.send_publish(conn, &delivery, None, false, now);
            }
            return;
        }
        if session.queue.len() >= self.config.max_queued {
            self.stats.messages_dropped += 1;
            let dropped = self.stats.messages_dropped;
            if dropped.is_power_of_two() {
                self.log(
                    Level::Warn,
                    format!("client {client_id}: queue full, {dropped} messages dropped so far"),
                );
            }
            return;
        }
        session.queue.push_back(delivery);
        self.drain_queue(client_id, now);
        // Flow control looks at deliveries that had to wait for a connected client.
        self.queued_live |= conn.is_some()
            && self
                .sessions
                .get(client_id)
                .is_some_and(|s| !s.queue.is_empty());
    }

    /// Moves queued messages into the in-flight window while the client's Receive Maximum
    /// allows ([MQTT-3.3.4-8]). Every change to a session's window, queue or progress ends
    /// here (or calls [`Broker::index_stall`] itself): where it stops, the session's stall
    /// deadline is brought up to date.
    pub(super) fn drain_queue(&mut self, client_id: &str, now: Millis) {
        self.resend_in_window(client_id, now);
        loop {
            let Some(session) = self.sessions.get_mut(client_id) else {
                return;
            };
            let Some(conn) = session.conn else {
                return self.timers.stall_moved(client_id, session);
            };
            let window = self.conns.get(&conn).map_or(0, |c| c.receive_max_out);
            // Messages waiting to be sent again hold their places in the window.
            if session.window_claimed() >= window {
                return self.timers.stall_moved(client_id, session);
            }
            let Some(delivery) = session.queue.pop_front() else {
                return self.timers.stall_moved(client_id, session);
            };
            if delivery.msg.expired(now) {
                self.stats.messages_dropped += 1;
                continue;
            }
            let Some(id) = session.next_packet_id() else {
                session.queue.push_front(delivery);
                return self.timers.stall_moved(client_id, session);
            };
            if session.inflight.is_empty() {
                // The stall clock (flow control) starts with the first message in flight.
                session.last_progress = now;
            }
            let resumed = self.paused.remove(&conn);
            if resumed {
                // Its acknowledgements must be read: a receiver is never left paused.
                self.actions
                    .push_back(super::Action::ResumeReading { conn });
            }
            session.inflight.insert(
                id.get(),
                Outgoing {
                    delivery: delivery.clone(),
                    state: OutState::AwaitAck,
                    awaiting_resend: false,
                    released_before: false,
                    released_at: 0,
                },
            );
            if resumed {
                // Its keep alive counts again.
                self.index_conn(conn);
            }
            if !self.send_publish(conn, &delivery, Some(id), false, now) {
                // Too large for the client ([MQTT-3.1.2-25]) or not for it to read: dropped
                // as if delivered.
                if let Some(session) = self.sessions.get_mut(client_id) {
                    session.inflight.remove(&id.get());
                }
            }
        }
    }

    /// After a persistent session reconnects: resend unacknowledged PUBLISHes with DUP, in
    /// the order they were first sent, and PUBRELs, in the order their PUBRECs came
    /// ([MQTT-4.4.0-1], [MQTT-4.6.0-1], [MQTT-4.6.0-4]; by delivery sequence and release
    /// count, not packet identifier, which wraps). The PUBRELs go at once; the PUBLISHes as
    /// the new connection's Receive Maximum allows ([MQTT-3.3.4-9]: the quota starts again
    /// with each connection), the rest as acknowledgements free the window.
    pub(super) fn resend_inflight(&mut self, client_id: &str, now: Millis) {
        let Some(session) = self.sessions.get_mut(client_id) else {
            return;
        };
        let Some(conn) = session.conn else { return };
        // Sorted by (released, release count, delivery sequence): the PUBLISHes (unreleased,
        // count 0) by delivery, then the PUBRELs by release.
        let mut pending: Vec<(bool, u64, u64, u16)> = session
            .inflight
            .iter_mut()
            .map(|(id, out)| {
                let released = out.state == OutState::AwaitComp;
                out.awaiting_resend = !released;
                out.released_before = released;
                (released, out.released_at, out.delivery.seq, *id)
            })
            .collect();
        pending.sort_unstable();
        session.resend = pending
            .iter()
            .filter(|(released, ..)| !released)
            .map(|&(.., id)| id)
            .collect();
        session.awaiting_resend = session.resend.len();
        session.released_before = session.inflight.len().saturating_sub(session.resend.len());
        for (released, .., id) in pending {
            if let (true, Some(pid)) = (released, crate::PacketId::new(id)) {
                self.send(conn, &Packet::PubRel(crate::PubResponse::new(pid)));
            }
        }
        self.resend_in_window(client_id, now);
    }

    /// Sends again, with DUP, the in-flight PUBLISHes of a resumed connection that fit in
    /// the client's Receive Maximum beside those already sent on it.
    fn resend_in_window(&mut self, client_id: &str, now: Millis) {
        loop {
            let Some(session) = self.sessions.get_mut(client_id) else {
                return;
            };
            let Some(conn) = session.conn else { return };
            let window = self.conns.get(&conn).map_or(0, |c| c.receive_max_out);
            if session.window_used() >= window {
                return;
            }
            let Some(id) = session.resend.pop_front() else {
                return;
            };
            // An acknowledgement may have ended or moved on a flow before its turn came.
            session.resend_done(id);
            let Some(out) = session.inflight.get(&id).cloned() else {
                continue;
            };
            if let (OutState::AwaitAck, Some(pid)) = (out.state, crate::PacketId::new(id)) {
                if !self.send_publish(conn, &out.delivery, Some(pid), true, now) {
                    // Too large for this connection's client, or not for it to read:
                    // dropped as if delivered, as a first send would be.
                    if let Some(session) = self.sessions.get_mut(client_id) {
                        session.inflight.remove(&id);
                    }
                }
            }
        }
    }

    /// Builds and sends one PUBLISH, with an outgoing topic alias for 5.0 clients that
    /// accept them; false when it is not sent (too large for the client, or a topic the
    /// ACL does not let it read).
    fn send_publish(
        &mut self,
        conn: super::ConnId,
        delivery: &Delivery,
        packet_id: Option<crate::PacketId>,
        dup: bool,
        now: Millis,
    ) -> bool {
        let Some(c) = self.conns.get_mut(&conn) else {
            return false;
        };
        // Reading is checked for each message, here where every PUBLISH to a client leaves:
        // a subscription granted by a wide rule must not carry what a `deny` rule withholds.
        if let Some(acl) = &self.config.acl {
            let topic = delivery.msg.topic.as_str();
            if !acl.can_read(c.username.as_deref(), &c.client_id, topic) {
                return false;
            }
        }
        let v5 = c.version.is_v5();
        let mut publish =
            delivery
                .msg
                .to_publish(delivery.qos, delivery.retain, &delivery.sub_ids, now, v5);
        publish.packet_id = packet_id;
        publish.dup = dup;
        if !v5 && delivery.msg.expires_at.is_some() && self.sn.by_conn.contains_key(&conn) {
            // An MQTT-SN PUBLISH has no properties, but the gateway drops a QoS 0 message
            // that expires while its client sleeps: it is told the interval.
            publish.properties.message_expiry_interval = delivery.msg.expiry_left(now);
        }
        let mut new_alias = None;
        if v5 && c.alias_max_out > 0 {
            let topic = delivery.msg.topic.as_str();
            if let Some(&alias) = c.aliases_out.get(topic) {
                publish.properties.topic_alias = Some(alias);
                publish.topic = TopicName::empty_for_alias();
            } else if let Some(alias) = packet_flow::new_alias(c.aliases_out.len(), c.alias_max_out)
            {
                new_alias = Some(alias);
                publish.properties.topic_alias = Some(alias);
            }
        }
        let sent = self.send(conn, &Packet::Publish(publish));
        if sent {
            self.stats.messages_sent += 1;
            // Only a PUBLISH that went out sets the alias on the client (one dropped as too
            // large must not leave the broker using an alias the client never learnt).
            if let (Some(alias), Some(c)) = (new_alias, self.conns.get_mut(&conn)) {
                c.aliases_out
                    .insert(String::from(delivery.msg.topic.as_str()), alias);
            }
        }
        sent
    }
}

/// Adds one matching subscription of `session` to the session's delivery (`best`: the
/// highest QoS, the identifiers, retain as published) or, shared, to its group.
fn add_match<'s>(
    session: &Session,
    client_id: &'s str,
    filter: &'s str,
    msg: &Message,
    best: &mut Option<Target>,
    groups: &mut BTreeMap<&'s str, Vec<Member<'s>>>,
) {
    let Some(entry) = session.subscriptions.get(filter) else {
        return;
    };
    if entry.shared {
        groups.entry(filter).or_default().push(Member {
            client_id,
            qos: entry.options.qos,
            retain_as_published: entry.options.retain_as_published,
            sub_id: entry.id,
            online: session.conn.is_some(),
        });
        return;
    }
    let own = msg.origin.as_deref() == Some(client_id.as_bytes());
    if (entry.options.no_local || session.bridge) && own {
        return;
    }
    let t = best.get_or_insert_with(|| Target {
        client_id: String::from(client_id),
        qos: QoS::AtMostOnce,
        retain_as_published: false,
        sub_ids: Vec::new(),
        away: session.conn.is_none(),
    });
    t.qos = t.qos.max(entry.options.qos);
    t.retain_as_published |= entry.options.retain_as_published || session.bridge;
    t.sub_ids.extend(entry.id);
}
