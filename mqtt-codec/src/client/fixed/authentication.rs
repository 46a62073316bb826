//! Enhanced authentication in the machine (5.0 §4.12), for the allocating session, which
//! plugs its authenticator in (`exchange.rs`): AUTH sent to start a re-authentication or
//! to answer a challenge, and the server's AUTH checked.

use super::event::Notice;
use super::exchange::Exchange;
use super::session::{Core, FixedSession};
use crate::client::rules::Millis;
use crate::client::SessionError;
use crate::packet::Packet;
use crate::properties::Properties;
use crate::property_view::PropertyView;
use crate::reason::ReasonCode;
use crate::storage::Borrowed;
use crate::string::MqttStr;

impl FixedSession<'_> {
    /// Whether a re-authentication may start now: connected, and none running (asked
    /// before the authenticator starts an exchange that could not be sent).
    pub(crate) fn may_reauthenticate(&self) -> Result<(), SessionError> {
        self.core.need_connection()?;
        match self.core.reauthenticating {
            true => Err(SessionError::State("a re-authentication already runs")),
            false => Ok(()),
        }
    }

    /// Starts a re-authentication (5.0 AUTH 0x19 with `method` and `data`).
    pub(crate) fn reauthenticate(
        &mut self,
        method: &str,
        data: &[u8],
        now: Millis,
    ) -> Result<(), SessionError> {
        self.may_reauthenticate()?;
        let core = &mut self.core;
        core.send_auth(method, ReasonCode::ReAuthenticate, data, now)?;
        core.reauthenticating = true;
        Ok(())
    }
}

impl Core<'_> {
    /// Sends AUTH with `reason`, `method` and `data`.
    pub(super) fn send_auth(
        &mut self,
        method: &str,
        reason: ReasonCode,
        data: &[u8],
        now: Millis,
    ) -> Result<(), SessionError> {
        let props = Properties::<Borrowed<'_>> {
            authentication_method: Some(
                MqttStr::try_new(method.as_bytes())
                    .map_err(|_| SessionError::State("the method is not a valid string"))?,
            ),
            authentication_data: Some(data),
            ..Properties::default()
        };
        let auth = crate::packet::Auth {
            reason_code: reason,
            properties: PropertyView::new(&props),
        };
        self.send(&Packet::Auth(auth), now)
    }

    /// AUTH from the server during an exchange: a challenge (0x18) is answered; the end of
    /// a re-authentication (0x00) is checked ([MQTT-4.12.0-5], AUT-6, AUT-8). Only the
    /// allocating session authenticates: without `alloc` this module is left out of the build.
    pub(super) fn on_auth(
        &mut self,
        auth: &crate::packet::Auth<Borrowed<'_>>,
        now: Millis,
        exchange: &mut dyn Exchange,
    ) {
        let method = auth.properties.authentication_method();
        let data = auth.properties.authentication_data().unwrap_or_default();
        let Some(method) = method
            .as_ref()
            .map(|m| m.as_str())
            .filter(|m| Some(*m) == exchange.method())
        else {
            return self.fail(ReasonCode::ProtocolError, now);
        };
        match auth.reason_code {
            ReasonCode::ContinueAuthentication => {
                let reason = ReasonCode::ContinueAuthentication;
                let mut sent = false;
                let mut send = |answer: &[u8]| {
                    sent = self.send_auth(method, reason, answer, now).is_ok();
                };
                // An answer AUTH cannot carry (more than 65,535 bytes, or more than the
                // server takes) fails the exchange as a refused challenge does.
                if !exchange.challenge(data, &mut send) || !sent {
                    self.fail_authentication(now);
                }
            }
            ReasonCode::Success if self.reauthenticating => {
                self.reauthenticating = false;
                match exchange.finish(data) {
                    true => self.notice(Notice::Reauthenticated),
                    false => self.fail_authentication(now),
                }
            }
            _ => self.fail(ReasonCode::ProtocolError, now),
        }
    }
}
