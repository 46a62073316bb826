//! Access control in mosquitto's `acl_file` syntax.
//!
//! ```text
//! # rules before any `user` line apply to clients without a user name
//! topic read public/#
//! user alice
//! topic readwrite alice/#
//! topic deny alice/secret
//! # patterns apply to everyone; %c = client id, %u = user name
//! pattern write devices/%c/status
//! ```
//!
//! A client may do what a matching rule of its section (or a pattern) grants; a matching
//! `deny` rule wins over grants; anything else is refused. Reading is checked for each
//! message delivered as well as at SUBSCRIBE, so a `deny` inside a granted wildcard holds.
//! A client whose identifier or user name holds `+` or `#` is refused everything, as
//! mosquitto refuses it: put into a `%c` or `%u` pattern, they would widen it to other
//! clients' topics. A `%u` pattern grants nothing to a client without a user name.

use crate::topic::topic_matches;
use alloc::borrow::Cow;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// What a rule grants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Subscribe and receive.
    Read,
    /// Publish.
    Write,
    /// Both.
    ReadWrite,
    /// Neither, overriding grants.
    Deny,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Rule {
    access: Access,
    filter: String,
    pattern: bool,
}

/// A parsed ACL file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Acl {
    anonymous: Vec<Rule>,
    users: Vec<(String, Vec<Rule>)>,
    patterns: Vec<Rule>,
}

/// A line of an ACL file that could not be understood.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("ACL line {line}: {message}")]
pub struct AclError {
    /// The 1-based line number.
    pub line: usize,
    /// What was wrong.
    pub message: String,
}

impl Acl {
    /// Parses the text of an ACL file.
    pub fn parse(text: &str) -> Result<Acl, AclError> {
        let mut acl = Acl::default();
        let mut current_user: Option<usize> = None;
        for (i, raw) in text.lines().enumerate() {
            // A topic may contain '#': only a line starting with '#' is a comment.
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let err = |message: &str| AclError {
                line: i + 1,
                message: message.to_string(),
            };
            let (keyword, rest) = line
                .split_once(char::is_whitespace)
                .ok_or_else(|| err("expected `topic`, `pattern` or `user`"))?;
            let rest = rest.trim();
            match keyword {
                "user" => {
                    acl.users.push((rest.to_string(), Vec::new()));
                    current_user = Some(acl.users.len() - 1);
                }
                "topic" | "pattern" => {
                    let (access, filter) = match rest.split_once(char::is_whitespace) {
                        Some((a, f)) if matches!(a, "read" | "write" | "readwrite" | "deny") => {
                            (a, f.trim())
                        }
                        // `topic read` names an access and no topic, as in mosquitto.
                        None if matches!(rest, "read" | "write" | "readwrite" | "deny") => {
                            (rest, "")
                        }
                        _ => ("readwrite", rest),
                    };
                    let access = match access {
                        "read" => Access::Read,
                        "write" => Access::Write,
                        "deny" => Access::Deny,
                        _ => Access::ReadWrite,
                    };
                    if filter.is_empty() {
                        return Err(err("missing topic"));
                    }
                    let rule = Rule {
                        access,
                        filter: filter.to_string(),
                        pattern: keyword == "pattern",
                    };
                    if rule.pattern {
                        acl.patterns.push(rule);
                    } else {
                        match current_user {
                            Some(u) => acl.users[u].1.push(rule),
                            None => acl.anonymous.push(rule),
                        }
                    }
                }
                _ => return Err(err("expected `topic`, `pattern` or `user`")),
            }
        }
        Ok(acl)
    }

    fn rules<'a>(&'a self, username: Option<&str>) -> impl Iterator<Item = &'a Rule> {
        let own: &[Rule] = match username {
            None => &self.anonymous,
            Some(name) => self
                .users
                .iter()
                .find(|(u, _)| u == name)
                .map_or(&[][..], |(_, rules)| rules.as_slice()),
        };
        own.iter().chain(self.patterns.iter())
    }

    fn allowed(
        &self,
        username: Option<&str>,
        client_id: &str,
        write: bool,
        covers: impl Fn(&str) -> bool,
    ) -> bool {
        let wildcard = |s: &str| s.contains(['+', '#']);
        if wildcard(client_id) || username.is_some_and(wildcard) {
            return false;
        }
        let mut granted = false;
        for rule in self.rules(username) {
            // Checked for every message delivered: only a pattern makes a string of its own.
            let filter: Cow<'_, str> = if rule.pattern {
                if username.is_none() && rule.filter.contains("%u") {
                    continue;
                }
                Cow::Owned(
                    rule.filter
                        .replace("%c", client_id)
                        .replace("%u", username.unwrap_or("")),
                )
            } else {
                Cow::Borrowed(&rule.filter)
            };
            if !covers(&filter) {
                continue;
            }
            match rule.access {
                Access::Deny => return false,
                Access::ReadWrite => granted = true,
                Access::Write if write => granted = true,
                Access::Read if !write => granted = true,
                _ => {}
            }
        }
        granted
    }

    /// May this client publish to `topic`?
    pub fn can_publish(&self, username: Option<&str>, client_id: &str, topic: &str) -> bool {
        self.allowed(username, client_id, true, |filter| {
            topic_matches(filter, topic)
        })
    }

    /// May this client receive a message published to `topic`? Checked for each message
    /// delivered: a subscription may be granted by a wide rule while a `deny` rule, or the
    /// absence of a grant, covers some of the topics it matches.
    pub fn can_read(&self, username: Option<&str>, client_id: &str, topic: &str) -> bool {
        self.allowed(username, client_id, false, |filter| {
            topic_matches(filter, topic)
        })
    }

    /// May this client subscribe to `filter`? Granted when a readable rule's filter covers
    /// every topic the subscription could match.
    pub fn can_subscribe(&self, username: Option<&str>, client_id: &str, filter: &str) -> bool {
        let filter = crate::topic::split_shared(filter).map_or(filter, |(_, f)| f);
        self.allowed(username, client_id, false, |rule| {
            filter_covers(rule, filter)
        })
    }
}

/// Whether every topic matched by `inner` is matched by `outer`.
fn filter_covers(outer: &str, inner: &str) -> bool {
    let mut inner_levels = inner.split('/');
    for level in outer.split('/') {
        match (level, inner_levels.next()) {
            ("#", _) => return true,
            ("+", Some(l)) if l != "#" => {}
            (o, Some(i)) if o == i => {}
            _ => return false,
        }
    }
    inner_levels.next().is_none()
}
