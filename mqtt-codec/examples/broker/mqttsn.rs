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

/// The address table is first pruned at this size, then each time it has doubled.
const PRUNE_FIRST: usize = 1024;

/// The broker task's handle on the UDP socket.
pub(crate) struct Gateway {
    socket: Arc<UdpSocket>,
    peers: HashMap<SocketAddr, SnPeer>,
    addrs: HashMap<SnPeer, SocketAddr>,
    /// The last peer number given: numbers are never given twice, so an action for a
    /// forgotten peer finds no address rather than another peer's.
    last_peer: SnPeer,
    /// The table size at which `prune` next looks.
    prune_at: usize,
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
            last_peer: 0,
            prune_at: PRUNE_FIRST,
            advertise,
        })
    }

    /// The peer number of `addr`, given on first sight.
    pub(crate) fn peer(&mut self, addr: SocketAddr) -> SnPeer {
        if let Some(&peer) = self.peers.get(&addr) {
            return peer;
        }
        self.last_peer += 1;
        self.peers.insert(addr, self.last_peer);
        self.addrs.insert(self.last_peer, addr);
        self.last_peer
    }

    /// Once the table has grown to its mark, forgets the addresses of the peers the
    /// broker holds nothing for (`in_use`); called with no action for any of them waiting.
    pub(crate) fn prune(&mut self, in_use: impl Fn(SnPeer) -> bool) {
        if self.peers.len() < self.prune_at {
            return;
        }
        self.peers.retain(|_, peer| in_use(*peer));
        self.addrs.retain(|peer, _| in_use(*peer));
        self.prune_at = (self.peers.len() * 2).max(PRUNE_FIRST);
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
