//! Enhanced authentication (5.0 §4.12) as the session core sees it: the method that
//! CONNECT named, an answer to each challenge, and a verdict on the server's final data.
//! The allocating session plugs its [`crate::client::Authenticator`] in; without one there
//! is no method, and any AUTH from the server breaks the protocol.

/// The authentication method of a connection.
pub(crate) trait Exchange {
    /// The Authentication Method CONNECT carried, if any.
    fn method(&self) -> Option<&str>;
    /// Answers the server's challenge `data`, giving the answer to `send`; false when the
    /// method cannot.
    #[cfg_attr(not(feature = "alloc"), allow(dead_code))]
    fn challenge(&mut self, data: &[u8], send: &mut dyn FnMut(&[u8])) -> bool;
    /// Whether the server's final data (CONNACK, or AUTH 0x00 ending a re-authentication)
    /// satisfies the method.
    fn finish(&mut self, data: &[u8]) -> bool;
}

/// No enhanced authentication.
pub(crate) struct NoExchange;

impl Exchange for NoExchange {
    fn method(&self) -> Option<&str> {
        None
    }
    fn challenge(&mut self, _: &[u8], _: &mut dyn FnMut(&[u8])) -> bool {
        false
    }
    fn finish(&mut self, _: &[u8]) -> bool {
        false
    }
}
