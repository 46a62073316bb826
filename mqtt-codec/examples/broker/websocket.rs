//! MQTT over WebSocket (`--ws-listen`, MQTT 5.0 §6 and 3.1.1 §6): the handshake accepts any
//! path and the subprotocols `mqtt` and `mqttv3.1`, then binary frames carry the byte stream
//! in either direction, a packet split across frames or several in one frame alike. A text
//! frame closes the connection ([MQTT-6.0.0-1]). Over TLS too (`--wss-listen`).

use crate::admission::{Admission, Ticket};
use crate::HANDSHAKE_TIMEOUT;
use crate::{hand_over, outbox, reading, spawn_tasks, Event, Reading, SwitchReceiver};
use bytes::BytesMut;
use futures_util::{SinkExt, StreamExt};
use mqtt_codec::broker::ConnId;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

/// The subprotocols MQTT registers for WebSocket, preferred first.
const SUBPROTOCOLS: [&str; 2] = ["mqtt", "mqttv3.1"];

/// Accepts WebSocket connections (over TLS, with `tls`); each is handshaken in a task of
/// its own. A WebSocket message is limited to `max_packet_size` and a margin (it may hold
/// several packets), so a client cannot make the broker buffer more than its packets may
/// be.
pub async fn accept_loop(
    listener: TcpListener,
    events: mpsc::Sender<Event>,
    admission: Arc<Admission>,
    tls: Option<tokio_rustls::TlsAcceptor>,
    max_packet_size: usize,
) {
    let limit = max_packet_size.saturating_add(64 * 1024);
    // Reads start small (tungstenite's 128 KiB default buffer is zeroed, so resident, for
    // every connection); frames go out as they are made, at most `WRITE_BATCH` of payload
    // each (see `write_loop`), and the write buffer is capped just above one: a client that
    // sends pings and reads nothing makes it keep one pong, not one per ping.
    let config = WebSocketConfig::default()
        .max_message_size(Some(limit))
        .max_frame_size(Some(limit))
        .read_buffer_size(4096)
        .write_buffer_size(0)
        .max_write_buffer_size(2 * crate::WRITE_BATCH);
    loop {
        let (stream, addr) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                crate::accept_failed("WebSocket", e).await;
                continue;
            }
        };
        let Some(ticket) = admission.admit() else {
            tracing::warn!("connection from {addr} refused: --max-connections reached");
            continue;
        };
        let (events, tls) = (events.clone(), tls.clone());
        tokio::spawn(async move {
            let _ = stream.set_nodelay(true);
            match tls {
                None => handshake(ticket, stream, addr, events, config).await,
                Some(acceptor) => match timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                    Ok(Ok(stream)) => handshake(ticket, stream, addr, events, config).await,
                    Ok(Err(e)) => tracing::info!("TLS handshake from {addr} failed: {e}"),
                    Err(_) => tracing::info!("TLS handshake from {addr} timed out"),
                },
            }
        });
    }
}

/// The WebSocket handshake over `stream`, then the connection's tasks.
async fn handshake<S>(
    ticket: Ticket,
    stream: S,
    addr: std::net::SocketAddr,
    events: mpsc::Sender<Event>,
    config: WebSocketConfig,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let accept =
        tokio_tungstenite::accept_hdr_async_with_config(stream, choose_subprotocol, Some(config));
    match timeout(HANDSHAKE_TIMEOUT, accept).await {
        Ok(Ok(ws)) => {
            tracing::debug!("connection {} from {addr} (websocket)", ticket.id);
            start(ticket, ws, events).await;
        }
        Ok(Err(e)) => tracing::info!("websocket handshake from {addr} failed: {e}"),
        Err(_) => tracing::info!("websocket handshake from {addr} timed out"),
    }
}

/// Answers the MQTT subprotocol the client offers that comes first in `SUBPROTOCOLS`:
/// "mqtt" whenever it is offered ([MQTT-6.0.0-4]), whatever the client's order; a client
/// offering none is accepted without one (some send no header at all).
// The signature is tungstenite's handshake callback; its error type is not ours to shrink.
#[allow(clippy::result_large_err)]
fn choose_subprotocol(req: &Request, mut resp: Response) -> Result<Response, ErrorResponse> {
    let offered: Vec<&str> = req
        .headers()
        .get_all("sec-websocket-protocol")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let chosen = SUBPROTOCOLS.iter().find(|p| offered.contains(p));
    if let Some(protocol) = chosen {
        if let Ok(value) = HeaderValue::from_str(protocol) {
            resp.headers_mut().insert("sec-websocket-protocol", value);
        }
    }
    Ok(resp)
}

/// Starts the reader and writer tasks of a WebSocket connection and hands it to the broker.
async fn start<S>(ticket: Ticket, ws: WebSocketStream<S>, events: mpsc::Sender<Event>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (sink, stream) = ws.split();
    let reader_events = events.clone();
    // The slot first: the reader's first bytes must not come before `Opened`.
    let Ok(slot) = events.reserve().await else {
        return;
    };
    let id = ticket.id;
    let peer = spawn_tasks(
        ticket,
        move |reading| read_loop(id, stream, reader_events, reading),
        move |rx| write_loop(sink, rx),
    );
    slot.send(Event::Opened(id, peer));
}

type WsSink<S> = futures_util::stream::SplitSink<WebSocketStream<S>, Message>;
type WsStream<S> = futures_util::stream::SplitStream<WebSocketStream<S>>;

/// Hands the payload of every binary frame to the broker, as its switch says (see
/// `Reading`), as the TCP reader does.
async fn read_loop<S: AsyncRead + AsyncWrite + Unpin>(
    id: ConnId,
    mut stream: WsStream<S>,
    events: mpsc::Sender<Event>,
    mut switch: SwitchReceiver,
) {
    loop {
        match reading::unpaused(&mut switch).await {
            Some(Reading::On) => {}
            Some(Reading::Draining) => {
                while let Some(Ok(_)) = stream.next().await {}
                return;
            }
            _ => return,
        }
        match stream.next().await {
            Some(Ok(_)) if reading::draining(&switch) => {}
            Some(Ok(Message::Binary(data))) => {
                if !hand_over(&events, Event::Bytes(id, data)).await {
                    return;
                }
            }
            Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
            Some(Ok(Message::Text(_))) => {
                tracing::warn!("connection {id}: a text frame; MQTT needs binary frames");
                break;
            }
            Some(Ok(Message::Close(_)) | Err(_)) | None => break,
        }
    }
    if !reading::draining(&switch) {
        hand_over(&events, Event::Closed(id)).await;
    }
}

/// Sends what the broker writes, what is queued together in one binary frame of up to
/// `WRITE_BATCH` bytes (each frame counts as the writer's progress, see `Peer::stalled`),
/// a larger chunk in frames of that size (an MQTT packet may span frames); closes the
/// WebSocket once the broker drops its sender.
async fn write_loop<S: AsyncRead + AsyncWrite + Unpin>(
    mut sink: WsSink<S>,
    mut rx: outbox::Receiver,
) {
    while let Some(first) = rx.recv().await {
        let mut next = Some(first);
        while let Some(mut chunk) = next.take() {
            while chunk.len() > crate::WRITE_BATCH {
                let part = chunk.split_to(crate::WRITE_BATCH);
                if sink.send(Message::Binary(part)).await.is_err() {
                    return;
                }
                rx.written(crate::WRITE_BATCH);
            }
            // What else is queued joins the frame while it fits; the first chunk that
            // does not starts the next one.
            let mut sent = chunk.len();
            let mut batch: Option<BytesMut> = None;
            while let Some(more) = rx.try_recv() {
                if sent + more.len() > crate::WRITE_BATCH {
                    next = Some(more);
                    break;
                }
                batch
                    .get_or_insert_with(|| BytesMut::from(&chunk[..]))
                    .extend_from_slice(&more);
                sent += more.len();
            }
            let frame = batch.map_or(chunk, BytesMut::freeze);
            if sink.send(Message::Binary(frame)).await.is_err() {
                return;
            }
            rx.written(sent);
        }
    }
    let _ = sink.close().await;
}
