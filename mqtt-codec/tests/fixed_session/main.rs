//! The heap-free client session (`mqtt_codec::client::FixedSession`) driven as a server
//! would drive it, in the manner of `client_session.rs`: what it sends is decoded with a
//! server-side `Decoder`, what the server sends is built with the codec's owned packets, and
//! time is injected (no sleeps). Its storage is leaked from the heap so that each test
//! sizes it as it needs; the session itself allocates nothing.
//!
//! Its own shape is tested too: `receive` only buffers, `poll_event` reads one packet at a
//! time and only when the transmit buffer has room for an answer, and every limit is the
//! size of a piece of the storage (Receive Maximum, Maximum Packet Size, Topic Alias
//! Maximum, the outgoing records, the message area).

mod aliases;
mod buffers;
mod connect;
mod harness;
mod incoming;
mod keep_alive;
mod outgoing;
mod packet_ids;
mod problem_information;
mod reconnect;
mod refusals;
mod server_limits;
mod snapshot;
mod suback;
mod unsuback;
