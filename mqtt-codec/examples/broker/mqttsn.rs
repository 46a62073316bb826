//! The MQTT-SN side of the I/O loop: one UDP socket, its datagrams handed to the broker
//! core, its answers sent back. Addresses become the core's `SnPeer` numbers here.

use crate::Event;
use bytes::Bytes;
use mqtt_codec::broker::SnPeer;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::UdpSocket;
use tokio::sync::mpsc;

/// The largest datagram read (UDP's own limit).
const MAX_DATAGRAM: usize = 65_535;

/// The broker task's handle on the UDP socket.
pub(crate) struct Gateway {
    socket: Arc<UdpSocket>,
    peers: HashMap<SocketAddr, SnPeer>,
    addrs: HashMap<SnPeer, SocketAddr>,
    advertise: Option<SocketAddr>,
}

impl Gateway {
    /// Binds `listen`, starts the reader task, and resolves the ADVERTISE address.
    pub(crate) async fn start(
        listen: &str,
        advertise: Option<&str>,
        events: mpsc::Sender<Event>,
    ) -> std::io::Result<Gateway> {
        let socket = Arc::new(UdpSocket::bind(listen).await?);
        tracing::info!("MQTT-SN (UDP) on {}", socket.local_addr()?);
        let advertise = match advertise {
            Some(a) => Some(
                tokio::net::lookup_host(a)
                    .await?
                    .next()
                    .ok_or_else(|| std::io::Error::other(format!("no address for {a}")))?,
            ),
            None => None,
        };
        tokio::spawn(read_loop(socket.clone(), events));
        Ok(Gateway {
            socket,
            peers: HashMap::new(),
            addrs: HashMap::new(),
            advertise,
        })
    }

    /// The peer number of `addr`, given on first sight.
    pub(crate) fn peer(&mut self, addr: SocketAddr) -> SnPeer {
        let next = self.peers.len() as SnPeer + 1;
        let peer = *self.peers.entry(addr).or_insert(next);
        self.addrs.insert(peer, addr);
        peer
    }

    /// Sends `data` to `peer`; a datagram the socket cannot take now is dropped, as the
    /// network may drop any.
    pub(crate) fn send(&self, peer: SnPeer, data: &[u8]) {
        if let Some(addr) = self.addrs.get(&peer) {
            if let Err(e) = self.socket.try_send_to(data, *addr) {
                tracing::debug!("MQTT-SN datagram to {addr} not sent: {e}");
            }
        }
    }

    /// Sends an ADVERTISE to the address the operator gave.
    pub(crate) fn advertise(&self, data: &[u8]) {
        if let Some(addr) = self.advertise {
            if let Err(e) = self.socket.try_send_to(data, addr) {
                tracing::debug!("ADVERTISE to {addr} not sent: {e}");
            }
        }
    }
}

async fn read_loop(socket: Arc<UdpSocket>, events: mpsc::Sender<Event>) {
    let mut buf = vec![0u8; MAX_DATAGRAM];
    loop {
        match socket.recv_from(&mut buf).await {
            Ok((n, addr)) => {
                let data = Bytes::copy_from_slice(&buf[..n]);
                if events.send(Event::Datagram(addr, data)).await.is_err() {
                    return;
                }
            }
            // ICMP errors from earlier sends surface here on some systems: keep reading.
            Err(e) => tracing::debug!("MQTT-SN receive: {e}"),
        }
    }
}
