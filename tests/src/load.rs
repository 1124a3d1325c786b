//! Load from Rust: on one thread, or spread over many threads of the relay or rooms of the
//! bench's baseline Worker, always a sender socket and a watcher socket per thread or room.
//! Only loopback addresses are used; every run is bounded in count and time.

use crate::api::{Api, Socket, SocketSink, SocketStream};
use confab_protocol::{ClientFrame, ClientMessageId, ServerFrame};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// What a run measured.
#[derive(Clone, Debug)]
pub struct LoadReport {
    /// Messages sent.
    pub sent: usize,
    /// Messages that reached the watcher socket.
    pub delivered: usize,
    /// Sends the relay refused (`rejected` frames).
    pub rejected: usize,
    /// Send-to-watcher latencies, sorted, in milliseconds.
    pub latencies_ms: Vec<f64>,
    /// From the first send to the last delivery.
    pub elapsed: Duration,
}

impl LoadReport {
    /// The `q` quantile (0.0 to 1.0) of the latencies, in milliseconds.
    pub fn quantile(&self, q: f64) -> f64 {
        quantile(&self.latencies_ms, q)
    }

    /// Delivered messages per second.
    pub fn throughput(&self) -> f64 {
        self.delivered as f64 / self.elapsed.as_secs_f64()
    }
}

/// The `q` quantile (0.0 to 1.0) of sorted values (NaN if there are none).
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

/// Sends `count` messages on one new thread of the `bench` brand, at `rate` per second
/// (`None`: as fast as the socket takes them), and times each one's arrival on a second
/// socket of the thread. Gives up waiting `grace` after the last send.
pub async fn one_thread(api: &Api, count: usize, rate: Option<u32>, grace: Duration) -> LoadReport {
    // An address of its own each time (the relay limits new sessions per address), and
    // tried again if a relay still busy with the previous run answers 503.
    static RUNS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let run = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let session = api
        .session_from("bench", &format!("10.250.{}.{}", run >> 8 & 255, run & 255))
        .await;
    let mut sender = api.socket(&session, 0).await;
    let mut watcher = api.socket(&session, 0).await;
    sender.until_ready().await;
    watcher.until_ready().await;

    let (sent_tx, mut sent_rx) = tokio::sync::mpsc::unbounded_channel::<(String, Instant)>();
    let started = Instant::now();
    let sending = async move {
        let mut ticker = rate.map(|rate| {
            let mut ticker = tokio::time::interval(Duration::from_secs_f64(1.0 / f64::from(rate)));
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
            ticker
        });
        for i in 0..count {
            if let Some(ticker) = ticker.as_mut() {
                ticker.tick().await;
            }
            let client_id = format!("load-{i}");
            let _ = sent_tx.send((client_id.clone(), Instant::now()));
            sender
                .send(&ClientFrame::Send {
                    client_id: ClientMessageId::new(client_id),
                    text: format!("load message {i}"),
                })
                .await;
        }
        sender
    };
    let watching = async {
        let mut arrived: HashMap<String, Instant> = HashMap::new();
        while arrived.len() < count {
            match tokio::time::timeout(grace, watch_next(&mut watcher)).await {
                Ok(Some(client_id)) => {
                    arrived.entry(client_id).or_insert_with(Instant::now);
                }
                Ok(None) => {}
                Err(_) => break,
            }
        }
        arrived
    };
    let (mut sender, arrived) = tokio::join!(sending, watching);
    let elapsed = started.elapsed();
    let mut sent_at = HashMap::new();
    while let Ok((client_id, at)) = sent_rx.try_recv() {
        sent_at.insert(client_id, at);
    }
    let mut latencies_ms: Vec<f64> = arrived
        .iter()
        .filter_map(|(client_id, at)| {
            let sent = sent_at.get(client_id)?;
            Some(at.duration_since(*sent).as_secs_f64() * 1000.0)
        })
        .collect();
    latencies_ms.sort_by(f64::total_cmp);
    let rejected = count_rejections(&mut sender).await;
    LoadReport {
        sent: count,
        delivered: arrived.len(),
        rejected,
        latencies_ms,
        elapsed,
    }
}

async fn watch_next(watcher: &mut Socket) -> Option<String> {
    match watcher.next().await {
        ServerFrame::Message { message } => Some(message.client_id.to_string()),
        _ => None,
    }
}

/// Reads what the sender socket got back for a moment, counting refusals.
async fn count_rejections(sender: &mut Socket) -> usize {
    let mut rejected = 0;
    while let Ok(frame) = tokio::time::timeout(Duration::from_millis(200), sender.next()).await {
        if matches!(frame, ServerFrame::Rejected { .. }) {
            rejected += 1;
        }
    }
    rejected
}

/// New threads of the `bench` brand, `count` of them, made a few at a time as if by many
/// visitors (each from its own address, as the relay counts sessions per address).
pub async fn bench_sessions(api: &Api, count: usize) -> Vec<confab_protocol::Session> {
    use futures_util::StreamExt;
    futures_util::stream::iter(0..count)
        .map(|index| {
            let address = format!(
                "10.{}.{}.{}",
                index >> 16 & 255,
                index >> 8 & 255,
                index & 255
            );
            async move { api.session_from("bench", &address).await }
        })
        .buffer_unordered(8)
        .collect()
        .await
}

/// One room under load: the sending half of its sender socket, what comes back to that
/// socket (read so that no buffer fills, and refusals counted), and a watcher socket of
/// the same room, on which arrivals are timed.
pub struct Room {
    sink: SocketSink,
    echoes: SocketStream,
    watcher: SocketStream,
}

/// How a watcher reads an arrival: the client id in a text frame, if it is a message.
pub type Arrival = fn(&str) -> Option<String>;

/// An arrival on a relay socket: a `message` frame, by its client id.
pub fn relay_arrival(text: &str) -> Option<String> {
    match serde_json::from_str(text) {
        Ok(ServerFrame::Message { message }) => Some(message.client_id.to_string()),
        _ => None,
    }
}

/// An arrival on a baseline room's socket: the sender's own `send` frame, passed on as is.
pub fn baseline_arrival(text: &str) -> Option<String> {
    match serde_json::from_str(text) {
        Ok(ClientFrame::Send { client_id, .. }) => Some(client_id.to_string()),
        _ => None,
    }
}

/// Two ready sockets on each session's thread of the relay. A thread whose sockets do not
/// open is left out: the messages meant for it count as lost.
pub async fn relay_rooms(api: &Api, sessions: &[confab_protocol::Session]) -> Vec<Room> {
    let mut rooms = Vec::with_capacity(sessions.len());
    for session in sessions {
        let (Some(mut sender), Some(mut watcher)) =
            (api.try_socket(session).await, api.try_socket(session).await)
        else {
            continue;
        };
        let limit = Duration::from_secs(10);
        if !(sender.try_ready(limit).await && watcher.try_ready(limit).await) {
            continue;
        }
        let (sink, echoes) = sender.split();
        let (_, watcher) = watcher.split();
        rooms.push(Room {
            sink,
            echoes,
            watcher,
        });
    }
    rooms
}

/// Two sockets on each of `count` new rooms of the bench's baseline Worker at `origin`
/// (`bench/baseline`: `GET /rooms/{name}/ws`, no ticket and no `ready` frame: a room's
/// socket is ready once the upgrade is answered). Rooms that do not open are left out.
pub async fn baseline_rooms(origin: &str, count: usize) -> Vec<Room> {
    static BATCHES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let batch = BATCHES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let base = origin.replacen("http://", "ws://", 1);
    let mut rooms = Vec::with_capacity(count);
    for index in 0..count {
        let url = format!("{base}/rooms/bench-{batch}-{index}/ws");
        let (Ok((sender, _)), Ok((watcher, _))) = (
            tokio_tungstenite::connect_async(&url).await,
            tokio_tungstenite::connect_async(&url).await,
        ) else {
            continue;
        };
        let (sink, echoes) = futures_util::StreamExt::split(sender);
        let (_, watcher) = futures_util::StreamExt::split(watcher);
        rooms.push(Room {
            sink,
            echoes,
            watcher,
        });
    }
    rooms
}

/// Load spread over threads: `count` messages at `rate` per second, round-robin over the
/// `sessions`' threads, each sent on one socket of its thread and timed to its arrival on
/// another. Gives up waiting `grace` after the last send.
pub async fn many_threads(
    api: &Api,
    sessions: &[confab_protocol::Session],
    count: usize,
    rate: u32,
    grace: Duration,
) -> LoadReport {
    let rooms = relay_rooms(api, sessions).await;
    drive(rooms, count, rate, grace, relay_arrival).await
}

/// The load generator itself, the same for the relay and the baseline: `count` relay
/// `send` frames at `rate` per second, round-robin over the `rooms`' sender sockets, each
/// timed to its first arrival (read by `arrival`) on the room's watcher socket. Gives up
/// waiting `grace` after the last arrival; the rooms' sockets are dropped when done.
pub async fn drive(
    rooms: Vec<Room>,
    count: usize,
    rate: u32,
    grace: Duration,
    arrival: Arrival,
) -> LoadReport {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message as WsMessage;
    let (arrived_tx, mut arrived_rx) = tokio::sync::mpsc::unbounded_channel::<(String, Instant)>();
    let (rejected_tx, mut rejected_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    let mut sinks = Vec::with_capacity(rooms.len());
    let mut readers = Vec::new();
    for room in rooms {
        let Room {
            sink,
            mut echoes,
            mut watcher,
        } = room;
        sinks.push(sink);
        let arrived = arrived_tx.clone();
        readers.push(tokio::spawn(async move {
            while let Some(Ok(WsMessage::Text(text))) = watcher.next().await {
                if let Some(client_id) = arrival(&text) {
                    let _ = arrived.send((client_id, Instant::now()));
                }
            }
        }));
        // The sender's own copies are read too, so that no socket's buffer fills.
        let rejected = rejected_tx.clone();
        readers.push(tokio::spawn(async move {
            while let Some(Ok(frame)) = echoes.next().await {
                if let WsMessage::Text(text) = frame {
                    if let Ok(ServerFrame::Rejected { .. }) = serde_json::from_str(&text) {
                        let _ = rejected.send(());
                    }
                }
            }
        }));
    }
    // Client ids are new in every run: a repeated one is a retry, which the relay answers
    // only to its sender.
    static RUNS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let run = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut ticker = tokio::time::interval(Duration::from_secs_f64(1.0 / f64::from(rate)));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let started = Instant::now();
    let mut sent_at = HashMap::with_capacity(count);
    for index in 0..count {
        ticker.tick().await;
        let client_id = format!("spread-{run}-{index}");
        let frame = ClientFrame::Send {
            client_id: ClientMessageId::new(client_id.clone()),
            text: format!("load message {index}"),
        };
        let json = serde_json::to_string(&frame).expect("frames serialise");
        sent_at.insert(client_id, Instant::now());
        if sinks.is_empty() {
            break;
        }
        let slot = index % sinks.len();
        if sinks[slot].send(WsMessage::text(json)).await.is_err() {
            continue;
        }
    }
    let mut arrived: HashMap<String, Instant> = HashMap::with_capacity(count);
    while arrived.len() < count {
        match tokio::time::timeout(grace, arrived_rx.recv()).await {
            Ok(Some((client_id, at))) => {
                arrived.entry(client_id).or_insert(at);
            }
            _ => break,
        }
    }
    let elapsed = started.elapsed();
    for reader in readers {
        reader.abort();
    }
    let mut rejected = 0;
    while rejected_rx.try_recv().is_ok() {
        rejected += 1;
    }
    let mut latencies_ms: Vec<f64> = arrived
        .iter()
        .filter_map(|(client_id, at)| {
            Some(at.duration_since(*sent_at.get(client_id)?).as_secs_f64() * 1000.0)
        })
        .collect();
    latencies_ms.sort_by(f64::total_cmp);
    LoadReport {
        sent: count,
        delivered: arrived.len(),
        rejected,
        latencies_ms,
        elapsed,
    }
}

/// What holding many sockets came to.
#[derive(Clone, Debug, serde::Serialize)]
pub struct HeldSockets {
    /// Sockets asked for.
    pub asked: usize,
    /// Sockets that opened and said `ready`.
    pub ready: usize,
    /// Whether they went straight to workerd's own socket, without `wrangler dev`'s proxy.
    pub direct: bool,
    /// Resident memory of workerd before opening them (MiB; `None` off Linux).
    pub workerd_mib_before: Option<f64>,
    /// Resident memory of workerd while holding them (MiB).
    pub workerd_mib_holding: Option<f64>,
}

/// Opens `per_thread` sockets on each session's thread, holds them all at once, and
/// reads the memory of the workerd that runs `api`'s relay before and while (other relays
/// of the bench may be running); then closes them. The sockets go straight to workerd's own
/// entry socket when it can be found ([`Workerd::direct_origin`]): `wrangler dev`'s proxy
/// would run out of descriptors first, and it is not there in production.
///
/// [`Workerd::direct_origin`]: crate::bench::cpu::Workerd::direct_origin
pub async fn hold_sockets(
    api: &Api,
    sessions: &[confab_protocol::Session],
    per_thread: usize,
) -> HeldSockets {
    use futures_util::StreamExt;
    let port = api
        .origin
        .rsplit(':')
        .next()
        .and_then(|port| port.parse().ok());
    let workerd = port.and_then(crate::bench::cpu::Workerd::serving);
    let resident = || workerd.as_ref().and_then(|workerd| workerd.resident_mib());
    let before = resident();
    let direct = match &workerd {
        Some(workerd) => workerd.direct_origin(&api.origin).await,
        None => None,
    };
    let direct_api = direct.as_ref().map(|origin| Api::new(origin.clone()));
    let api = direct_api.as_ref().unwrap_or(api);
    let asked = sessions.len() * per_thread;
    let wanted: Vec<_> = sessions
        .iter()
        .flat_map(|session| std::iter::repeat_n(session, per_thread))
        .collect();
    let mut held: Vec<Socket> = Vec::with_capacity(asked);
    // In chunks, stopping once a chunk mostly fails: the machine's limit is reached, and
    // trying on would only wait out timeouts.
    for chunk in wanted.chunks(500) {
        let opened: Vec<Option<Socket>> = futures_util::stream::iter(chunk)
            .map(|session| async move {
                let mut socket = api.try_socket(session).await?;
                socket
                    .try_ready(Duration::from_secs(5))
                    .await
                    .then_some(socket)
            })
            .buffer_unordered(32)
            .collect()
            .await;
        let before_chunk = held.len();
        held.extend(opened.into_iter().flatten());
        if held.len() - before_chunk < chunk.len() * 95 / 100 {
            break;
        }
    }
    let ready = held.len();
    let holding = resident();
    drop(held);
    HeldSockets {
        asked,
        ready,
        direct: direct.is_some(),
        workerd_mib_before: before,
        workerd_mib_holding: holding,
    }
}
