//! Command-line flags, named like mosquitto.conf settings.

use clap::Parser;
use mqtt_codec::broker::{
    parse_predefined_topics, parse_scram_users, Acl, BrokerConfig, Passwords, ScramConfig,
    SnGatewayConfig,
};
use mqtt_codec::QoS;

/// The mqtt-codec reference broker.
#[derive(Parser, Debug)]
#[command(version, about)]
pub struct Options {
    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:1883")]
    pub listen: String,
    /// Address and port for MQTT over WebSocket (any path; subprotocols mqtt, mqttv3.1).
    #[arg(long)]
    pub ws_listen: Option<String>,
    /// Address and port for MQTT over TLS (needs --tls-cert and --tls-key).
    #[arg(long)]
    pub tls_listen: Option<String>,
    /// Address and port for MQTT over WebSocket over TLS (needs --tls-cert and --tls-key).
    #[arg(long)]
    pub wss_listen: Option<String>,
    /// The server's certificate chain, PEM.
    #[arg(long)]
    pub tls_cert: Option<std::path::PathBuf>,
    /// The server's private key, PEM.
    #[arg(long)]
    pub tls_key: Option<std::path::PathBuf>,
    /// A CA, PEM: client certificates signed by it are accepted (mosquitto's cafile).
    #[arg(long)]
    pub tls_ca: Option<std::path::PathBuf>,
    /// Refuse TLS clients without a certificate signed by --tls-ca.
    #[arg(long)]
    pub require_certificate: bool,
    /// Largest packet accepted from a client, in bytes.
    #[arg(long, default_value_t = 1024 * 1024)]
    pub max_packet_size: usize,
    /// Unacknowledged QoS 1/2 messages a 5.0 client may send us.
    #[arg(long, default_value_t = 100)]
    pub receive_maximum: u16,
    /// Unacknowledged QoS 1/2 messages the broker keeps in flight towards one client
    /// (mosquitto's max_inflight_messages); a 5.0 client's Receive Maximum may lower it.
    #[arg(long, default_value_t = 100)]
    pub max_inflight: u16,
    /// Highest topic alias a 5.0 client may use (0 disables).
    #[arg(long, default_value_t = 10)]
    pub topic_alias_maximum: u16,
    /// The longest keep alive a client may use, in seconds (mosquitto's max_keepalive): a
    /// 5.0 client asking for more, or for 0, is told this value (Server Keep Alive); a 3.x
    /// client asking for more, or for 0, is refused (CONNACK 0x02).
    #[arg(long, alias = "server-keep-alive")]
    pub max_keepalive: Option<u16>,
    /// Highest QoS granted and accepted (0, 1 or 2).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(0..=2))]
    pub max_qos: u8,
    /// Whether retained messages are supported.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pub retain_available: bool,
    /// QoS 1/2 messages queued per session before new ones are dropped.
    #[arg(long, default_value_t = 1000)]
    pub max_queued: usize,
    /// QoS 1/2 messages waiting for connected subscribers, all together, before the broker
    /// stops reading from the clients publishing into them (flow control; resumes at half).
    /// Keep it below --max-queued.
    #[arg(long, default_value_t = 500)]
    pub max_backlog: usize,
    /// The most subscriptions one client may hold (0x97 past it).
    #[arg(long)]
    pub max_subscriptions: Option<usize>,
    /// The most sessions held at once, connected or stored (a CONNECT that would start one
    /// more gets 0x97, 3.x 0x03).
    #[arg(long)]
    pub max_sessions: Option<usize>,
    /// The most network connections open at once, over every listener (mosquitto's
    /// max_connections): one more is closed as it is accepted, before any byte is read.
    #[arg(long)]
    pub max_connections: Option<usize>,
    /// The longest a session outlives its connection, in seconds; also ends the 3.x and
    /// MQTT-SN sessions that would otherwise never expire.
    #[arg(long, value_name = "SECONDS")]
    pub max_session_expiry: Option<u32>,
    /// The most retained messages kept (a retained PUBLISH past it is refused to a 5.0
    /// QoS 1/2 publisher with 0x97; from others it is delivered, not kept).
    #[arg(long)]
    pub max_retained: Option<usize>,
    /// The most bytes of retained messages kept (topics and payloads).
    #[arg(long)]
    pub max_retained_bytes: Option<usize>,
    /// ACL file in mosquitto's acl_file syntax.
    #[arg(long)]
    pub acl: Option<std::path::PathBuf>,
    /// Password file in mosquitto's password_file format (made by mosquitto_passwd): a user
    /// name must be in it, with its password.
    #[arg(long)]
    pub password_file: Option<std::path::PathBuf>,
    /// Whether clients may connect without a user name (false without --password-file or
    /// --scram-users refuses every client: a user name alone proves nothing).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pub allow_anonymous: bool,
    /// Log level (error, warn, info, debug); RUST_LOG overrides it.
    #[arg(long, default_value = "info")]
    pub log_level: String,
    /// Whether wildcard subscriptions are accepted.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pub wildcard_subscriptions: bool,
    /// Whether 5.0 shared subscriptions are accepted.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pub shared_subscriptions: bool,
    /// Whether 5.0 Subscription Identifiers are accepted.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pub subscription_identifiers: bool,
    /// SCRAM-SHA-256 users for MQTT 5.0 enhanced authentication: a file of
    /// `name:iterations:salt:stored-key:server-key` lines (make one with --scram-make-user).
    #[arg(long)]
    pub scram_users: Option<std::path::PathBuf>,
    /// Print the --scram-users line of NAME:PASSWORD (a fresh salt, 4096 iterations) and
    /// exit.
    #[arg(long, value_name = "NAME:PASSWORD")]
    pub scram_make_user: Option<String>,
    /// UDP address and port for MQTT-SN 1.2 clients (the broker becomes their gateway).
    #[arg(long)]
    pub mqttsn_listen: Option<String>,
    /// Keep sessions (subscriptions, queued and in-flight messages, wills) and retained
    /// messages in this directory across restarts; QoS 1 and 2 PUBLISHes are acknowledged
    /// once stored.
    #[arg(long, value_name = "DIR")]
    pub persistence: Option<std::path::PathBuf>,
    /// Predefined MQTT-SN topic ids: a file of `ID TOPIC` lines.
    #[arg(long)]
    pub mqttsn_predefined: Option<std::path::PathBuf>,
    /// UDP address and port to send ADVERTISE to (off by default; for example a local
    /// listener, never a broadcast address unless that is what you want).
    #[arg(long)]
    pub mqttsn_advertise: Option<String>,
    /// Seconds between two ADVERTISEs (T_ADV, which the specification wants above 15 minutes).
    #[arg(long, default_value_t = 1800)]
    pub mqttsn_advertise_interval: u16,
    /// The gateway id in ADVERTISE and GWINFO.
    #[arg(long, default_value_t = 1)]
    pub mqttsn_gateway_id: u8,
    /// The longest MQTT-SN ClientId accepted (the specification's 23 by default).
    #[arg(long, default_value_t = 23)]
    pub mqttsn_max_client_id: usize,
    /// Messages held for a sleeping MQTT-SN client before new QoS 0 ones are dropped.
    #[arg(long, default_value_t = 100)]
    pub mqttsn_sleep_buffer: usize,
    /// Seconds before a message to an MQTT-SN client that waits for an answer is sent again
    /// (T_retry; 0: never).
    #[arg(long, default_value_t = 10)]
    pub mqttsn_retry_interval: u16,
    /// How many times it is sent again before the client is taken as lost (N_retry).
    #[arg(long, default_value_t = 3)]
    pub mqttsn_max_retries: u8,
    /// The largest datagram sent to an MQTT-SN client; larger messages are not delivered.
    #[arg(long, default_value_t = 1472)]
    pub mqttsn_max_datagram: usize,
    /// Topic names one MQTT-SN client's table holds (registered by it, subscribed to, or
    /// registered by the gateway); past it REGISTER and SUBSCRIBE to a new name get 0x01
    /// Congestion.
    #[arg(long, default_value_t = 1000)]
    pub mqttsn_max_topics: usize,
}

/// The ACL and the password file, read from their files: at start and on SIGHUP.
pub type Access = (Option<Acl>, Option<Passwords>);

impl Options {
    /// The ACL (--acl) and the passwords (--password-file), read now.
    pub fn access(&self) -> Result<Access, Box<dyn std::error::Error>> {
        let read = |path: &std::path::Path| {
            std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
        };
        let acl = match &self.acl {
            Some(path) => {
                Some(Acl::parse(&read(path)?).map_err(|e| format!("{}: {e}", path.display()))?)
            }
            None => None,
        };
        let passwords = match &self.password_file {
            Some(path) => Some(
                Passwords::parse(&read(path)?).map_err(|e| format!("{}: {e}", path.display()))?,
            ),
            None => None,
        };
        Ok((acl, passwords))
    }

    /// The broker core's configuration.
    pub fn broker_config(&self) -> Result<BrokerConfig, Box<dyn std::error::Error>> {
        let (acl, passwords) = self.access()?;
        let predefined = match &self.mqttsn_predefined {
            Some(path) => parse_predefined_topics(&std::fs::read_to_string(path)?)
                .map_err(|e| format!("{}: {e}", path.display()))?,
            None => Default::default(),
        };
        let scram = match &self.scram_users {
            Some(path) => Some(ScramConfig {
                users: parse_scram_users(&std::fs::read_to_string(path)?)
                    .map_err(|e| format!("{}: {e}", path.display()))?,
                seed: random_seed(),
            }),
            None => None,
        };
        Ok(BrokerConfig {
            max_packet_size: self.max_packet_size,
            receive_maximum: self.receive_maximum.max(1),
            max_inflight: self.max_inflight.max(1),
            topic_alias_maximum: self.topic_alias_maximum,
            max_keepalive: self.max_keepalive,
            max_qos: QoS::from_bits(self.max_qos).unwrap_or(QoS::ExactlyOnce),
            retain_available: self.retain_available,
            max_queued: self.max_queued,
            max_backlog: self.max_backlog.max(1),
            acl,
            passwords,
            allow_anonymous: self.allow_anonymous,
            max_subscriptions: self.max_subscriptions,
            max_sessions: self.max_sessions,
            max_session_expiry: self.max_session_expiry,
            max_retained: self.max_retained,
            max_retained_bytes: self.max_retained_bytes,
            scram,
            wildcard_subscriptions: self.wildcard_subscriptions,
            shared_subscriptions: self.shared_subscriptions,
            subscription_identifiers: self.subscription_identifiers,
            mqttsn: SnGatewayConfig {
                gw_id: self.mqttsn_gateway_id,
                predefined,
                max_client_id_len: self.mqttsn_max_client_id.max(1),
                max_sleep_buffer: self.mqttsn_sleep_buffer,
                max_datagram: self.mqttsn_max_datagram.max(16),
                max_topics: self.mqttsn_max_topics,
                retry_interval: self.mqttsn_retry_interval,
                max_retries: self.mqttsn_max_retries,
                advertise_interval: self
                    .mqttsn_advertise
                    .as_ref()
                    .map(|_| self.mqttsn_advertise_interval.max(1)),
            },
        })
    }
}

/// 32 bytes from the operating system's random source, for the SCRAM nonces and salts.
pub fn random_seed() -> [u8; 32] {
    use std::io::Read;
    let mut seed = [0u8; 32];
    if std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut seed))
        .is_err()
    {
        // No /dev/urandom: the clock and the process, hashed by the standard library's
        // randomly keyed hasher.
        use std::hash::{BuildHasher, Hasher};
        for chunk in seed.chunks_mut(8) {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u128(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos()),
            );
            chunk.copy_from_slice(&h.finish().to_be_bytes()[..chunk.len()]);
        }
    }
    seed
}
