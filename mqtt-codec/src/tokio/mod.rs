//! The tokio glue (feature `tokio`): the codec for `tokio_util::codec::Framed`, and an async
//! driver of the client session.
//!
//! - [`MqttCodec`] implements `tokio_util::codec::Decoder` (owned [`crate::Packet`]s out,
//!   with a maximum packet size) and `Encoder` over the core's parser and encoder, for a
//!   loop of one's own, client or server side.
//! - [`Client`] runs a [`crate::client::Session`] over any `AsyncRead + AsyncWrite` stream
//!   (TCP, TLS, WebSocket) that a connector function opens, and opens a new one with
//!   exponential backoff when the connection is lost. `publish(..).await` resolves when
//!   the flow completes, received messages come out of [`Messages`], and
//!   [`Client::disconnect`] ends it cleanly. The session keeps taking every protocol
//!   decision; the driver only moves bytes and time.
//!
//! ```no_run
//! use mqtt_codec::client::SessionConfig;
//! use mqtt_codec::tokio::{Client, DriverOptions};
//! use mqtt_codec::{ProtocolVersion, QoS, Subscription, TopicFilter};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config = SessionConfig::new("sensor-1", ProtocolVersion::V5);
//! let connect = || tokio::net::TcpStream::connect("127.0.0.1:1883");
//! let (client, mut messages) = Client::spawn(config, connect, DriverOptions::default());
//! let filter = TopicFilter::new("PV/#")?;
//! client.subscribe(vec![Subscription::new(filter, QoS::AtLeastOnce)]).await?;
//! client.publish("PV/sunshine", "42", QoS::AtLeastOnce, false).await?; // PUBACK received
//! if let Some(message) = messages.recv().await {
//!     println!("{}: {:?}", message.topic, message.payload);
//! }
//! client.disconnect().await?;
//! # Ok(())
//! # }
//! ```

mod client;
mod codec;
mod driver;
mod resubscription;

pub use client::{Client, ClientError, ConnectionStatus, DriverOptions, Messages};
pub use codec::{CodecError, MqttCodec};
