//! What one message costs the platform (issue 21), counted by the relay itself: its meter
//! (`/v1/dev/meter`, `confab_relay::meter`) is read around a step of the bench, once the
//! queue's work for that step has settled, and divided by the step's messages or sessions.
//! The same counts at two scales of brands and threads (the simulation) show whether a
//! message's cost grows with the number of brands or threads: a hidden scan would.

use crate::api::{Api, Socket};
use crate::relay::TEST_ADMIN_SECRET;
use confab_protocol::{ClientFrame, ClientMessageId, ServerFrame, Session};
use confab_relay::meter::Use;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

mod capacity;

pub use capacity::{capacity_markdown, DAY_MESSAGES, DAY_SESSIONS, PEAK, PRICES};

/// The meter's counts of one step.
pub type Usage = BTreeMap<String, u64>;

/// What a step of the bench cost the platform.
#[derive(Clone, Debug, Serialize)]
pub struct Cost {
    /// What was done, e.g. "visitor message (socket), no connectors".
    pub what: String,
    /// What one unit is: "message" or "session".
    pub unit: &'static str,
    /// How many units the step did.
    pub count: usize,
    /// The meter's counts over the whole step, its queued work included.
    pub usage: Usage,
}

impl Cost {
    /// The count of `what` per unit.
    pub fn per_unit(&self, what: Use) -> f64 {
        let total = self.usage.get(what.name()).copied().unwrap_or(0);
        total as f64 / self.count.max(1) as f64
    }
}

/// The relay's meter.
pub struct Meter<'a> {
    api: &'a Api,
}

impl<'a> Meter<'a> {
    /// The meter of the relay `api` talks to.
    pub fn of(api: &'a Api) -> Meter<'a> {
        Meter { api }
    }

    /// The counts since the relay started (the meter is never reset here: a step's cost
    /// is the difference of two readings).
    async fn read(&self) -> Usage {
        self.api
            .http
            .get(self.api.url("/v1/dev/meter"))
            .bearer_auth(TEST_ADMIN_SECRET)
            .send()
            .await
            .expect("the relay answers")
            .error_for_status()
            .expect("a development relay has a meter")
            .json()
            .await
            .expect("the meter's counts")
    }

    /// Waits for the relay to settle, then reads its counts: every queue message sent has
    /// been consumed (the listings' delay and the queue's batching included), and nothing
    /// has changed for half a second (the consumer's own calls, which may queue the next
    /// job of a lane, are done). Gives up waiting after 30 seconds.
    pub async fn settled(&self) -> Usage {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut last = self.read().await;
        let mut still_since = Instant::now();
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let now = self.read().await;
            if now != last {
                last = now;
                still_since = Instant::now();
                continue;
            }
            let count = |what: Use| last.get(what.name()).copied().unwrap_or(0);
            let drained = count(Use::QueueMessagesIn) >= count(Use::QueueMessagesOut);
            let still = still_since.elapsed() >= Duration::from_millis(500);
            if (drained && still) || Instant::now() >= deadline {
                return last;
            }
        }
    }

    /// Waits for the relay to settle (see [`Meter::settled`]) and gives what it did since
    /// `before`.
    pub async fn since(&self, before: &Usage) -> Usage {
        let after = self.settled().await;
        after
            .iter()
            .map(|(what, count)| {
                let earlier = before.get(what).copied().unwrap_or(0);
                (what.clone(), count.saturating_sub(earlier))
            })
            .collect()
    }

    /// The cost of `step`: the relay settles first, so that nothing earlier is counted.
    pub async fn cost<F: std::future::Future<Output = usize>>(
        &self,
        what: &str,
        unit: &'static str,
        step: F,
    ) -> Cost {
        let before = self.settled().await;
        let count = step.await;
        Cost {
            what: what.to_string(),
            unit,
            count,
            usage: self.since(&before).await,
        }
    }
}

/// `count` new sessions of `brand`, each from an address no other visitor of the bench
/// used (the relay limits new sessions per address).
pub async fn new_sessions(api: &Api, brand: &str, count: usize) -> Vec<Session> {
    let mut sessions = Vec::with_capacity(count);
    for _ in 0..count {
        sessions.push(api.session_from(brand, &next_address()).await);
    }
    sessions
}

/// New sessions of `brand`; gives how many.
async fn start_sessions(api: &Api, brand: &str, count: usize) -> usize {
    new_sessions(api, brand, count).await.len()
}

/// An address of the 10.200.0.0/13 block that no visitor of this bench had before.
fn next_address() -> String {
    static VISITORS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let index = VISITORS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!(
        "10.{}.{}.{}",
        200 + (index >> 16 & 7),
        index >> 8 & 255,
        index & 255
    )
}

/// A ready socket on each session's thread, as the widget opens it.
pub async fn open_sockets(api: &Api, sessions: &[Session]) -> Vec<Socket> {
    let mut sockets = Vec::with_capacity(sessions.len());
    for session in sessions {
        let mut socket = api.socket(session, 0).await;
        socket.until_ready().await;
        sockets.push(socket);
    }
    sockets
}

/// The least time between two messages of one thread in a metered conversation: longer
/// than the relay's listing delay (1 s in production and in the bench), so that each
/// message pays for its own listing, as messages of a conversation seconds apart do. A
/// burst (no gap) shows what coalescing saves.
pub const CONVERSATION_GAP: Duration = Duration::from_millis(1200);

/// Waits until `gap` has passed since `since` (nothing if it has).
async fn pace(since: Instant, gap: Duration) {
    tokio::time::sleep(gap.saturating_sub(since.elapsed())).await;
}

/// `per_thread` visitor messages on each socket's thread, sent as the widget sends them,
/// each waited for on its socket before the next, a round over the threads at most every
/// `gap`; gives how many were stored.
pub async fn socket_messages(sockets: &mut [Socket], per_thread: usize, gap: Duration) -> usize {
    static RUNS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let run = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut stored = 0;
    let mut round_started = Instant::now();
    for round in 0..per_thread {
        if round > 0 {
            pace(round_started, gap).await;
            round_started = Instant::now();
        }
        for (index, socket) in sockets.iter_mut().enumerate() {
            let client_id = format!("meter-{run}-{index}-{round}");
            socket
                .send(&ClientFrame::Send {
                    client_id: ClientMessageId::new(client_id.clone()),
                    text: format!("How long does shipping take? ({round})"),
                })
                .await;
            stored += usize::from(stored_on(socket, &client_id).await);
        }
    }
    stored
}

/// Whether the message `client_id` comes back on `socket` (stored) within ten seconds.
async fn stored_on(socket: &mut Socket, client_id: &str) -> bool {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        match tokio::time::timeout_at(deadline, socket.next()).await {
            Ok(ServerFrame::Message { message }) if message.client_id.as_str() == client_id => {
                return true
            }
            Ok(ServerFrame::Rejected { .. }) | Err(_) => return false,
            Ok(_) => {}
        }
    }
}

/// One scale of the simulation: `brands` new brands of `threads` new threads each, then
/// `per_thread` visitor messages on every thread (sockets opened first, not counted): the
/// relay's real paths, the queue's and D1's work included.
pub async fn simulate(api: &Api, brands: usize, threads: usize, per_thread: usize) -> Cost {
    static SCALES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let scale = SCALES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut sessions = Vec::with_capacity(brands * threads);
    for brand in 0..brands {
        let id = format!("sim-{scale}-{brand}");
        let settings = serde_json::json!({
            "name": format!("Simulated {brand}"),
            "allowedOrigins": ["http://127.0.0.1:*"],
            "visitorRateLimit": { "burst": 100000, "perMinute": 6000000 },
        });
        let status = api.put_brand(&id, settings).await;
        assert!(matches!(status, 200 | 201), "brand {id}: {status}");
        sessions.extend(new_sessions(api, &id, threads).await);
    }
    let mut sockets = open_sockets(api, &sessions).await;
    let what = format!("visitor message, {brands} brands × {threads} threads");
    let cost = Meter::of(api)
        .cost(
            &what,
            "message",
            socket_messages(&mut sockets, per_thread, CONVERSATION_GAP),
        )
        .await;
    for socket in sockets {
        socket.close().await;
    }
    cost
}

/// `count` visitor messages over HTTP on `session`'s thread, `gap` apart at least (as a widget without its socket
/// sends them); gives how many were stored.
pub async fn http_messages(api: &Api, session: &Session, count: usize, gap: Duration) -> usize {
    static RUNS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let run = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut stored = 0;
    let mut last = Instant::now();
    for index in 0..count {
        if index > 0 {
            pace(last, gap).await;
            last = Instant::now();
        }
        // New in every run: a known client id is a retry, answered but not stored again.
        let client_id = format!("meter-http-{run}-{index}");
        let (status, _) = api.send(session, &client_id, "Do you ship abroad?").await;
        stored += usize::from(status == 201);
    }
    stored
}

/// The costs of the `bench` brand's everyday steps on the main bench relay: a session's
/// start, a visitor's message on a new thread and on `long_thread` (`history` messages
/// long), and a team reply.
pub async fn everyday(api: &Api, long_thread: &Session, history: usize) -> Vec<Cost> {
    let meter = Meter::of(api);
    let mut costs = Vec::new();
    let started = start_sessions(api, "bench", 10);
    costs.push(meter.cost("session start", "session", started).await);
    let fresh = new_sessions(api, "bench", 8).await;
    let mut sockets = open_sockets(api, &fresh).await;
    let sent = socket_messages(&mut sockets, 2, CONVERSATION_GAP);
    let what = "visitor message (socket), no connectors";
    costs.push(meter.cost(what, "message", sent).await);
    let mut long = open_sockets(api, std::slice::from_ref(long_thread)).await;
    let what = format!("the same on a thread of {history} messages");
    let sent = socket_messages(&mut long, 2, CONVERSATION_GAP);
    costs.push(meter.cost(&what, "message", sent).await);
    let burst = new_sessions(api, "bench", 1).await;
    let mut burst = open_sockets(api, &burst).await;
    let what = "a burst: 10 messages in a row on one thread";
    let sent = socket_messages(&mut burst, 10, Duration::ZERO);
    costs.push(meter.cost(what, "message", sent).await);
    let key = api.agent_key("bench").await;
    let replies = team_replies(api, &key, &fresh);
    let what = "team reply (agent API), one per thread";
    costs.push(meter.cost(what, "message", replies).await);
    for socket in sockets.into_iter().chain(long).chain(burst) {
        socket.close().await;
    }
    costs
}

/// The costs with every connector on (the [`World`](crate::world::World) relay: the `demo`
/// brand forwards to a fake Telegram group, a fake WhatsApp number and a fake backend's
/// signed webhook), on a thread carried onto the visitor's WhatsApp: a visitor's message
/// from the widget, one from WhatsApp (Meta's signed hook), and a team reply from the
/// Telegram topic, `count` each, a conversation's gap apart.
pub async fn everything_on(world: &crate::world::World, count: usize) -> Vec<Cost> {
    let api = &world.api;
    let meter = Meter::of(api);
    let session = api.session().await;
    // The first message opens the thread's Telegram topic; the link's code and its
    // confirmation are the thread's once, not every message's.
    api.send(&session, "everything-warm", "Hello").await;
    let topic = world.first_topic().await;
    world.link_whatsapp(&session).await;
    let mut costs = Vec::new();
    let what = "visitor message (widget), Telegram, WhatsApp and webhook on";
    let sent = http_messages(api, &session, count, CONVERSATION_GAP);
    costs.push(meter.cost(what, "message", sent).await);
    let what = "visitor message from WhatsApp (Meta's hook), Telegram and webhook on";
    let from_whatsapp = async {
        let mut stored = 0;
        for index in 0..count {
            let started = Instant::now();
            let wamid = format!("wamid.METER{index}");
            let status = world.whatsapp_says(&wamid, "Is it waterproof?").await;
            stored += usize::from(status == 200);
            pace(started, CONVERSATION_GAP).await;
        }
        stored
    };
    costs.push(meter.cost(what, "message", from_whatsapp).await);
    let what = "team reply from Telegram, to the visitor's WhatsApp and the webhook";
    let from_telegram = async {
        let mut stored = 0;
        for index in 0..count {
            let started = Instant::now();
            let id = 9_000 + i64::try_from(index).unwrap_or(0);
            let status = world
                .team_says_on_telegram(topic, id, "Ana", "Yes, fully waterproof.")
                .await;
            stored += usize::from(status == 200);
            pace(started, CONVERSATION_GAP).await;
        }
        stored
    };
    costs.push(meter.cost(what, "message", from_telegram).await);
    costs
}

/// A team reply through the agent API on each session's thread; gives how many were
/// stored.
pub async fn team_replies(api: &Api, key: &str, sessions: &[Session]) -> usize {
    static RUNS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let run = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut stored = 0;
    for (index, session) in sessions.iter().enumerate() {
        let client_id = format!("meter-reply-{run}-{index}");
        let (status, _) = api
            .agent_send(key, &session.thread_id, &client_id, "It ships in two days.")
            .await;
        stored += usize::from(status == 201);
    }
    stored
}

/// The units the report shows, in its order, with their labels.
const SHOWN: [(Use, &str); 21] = [
    (Use::WorkerRequests, "Worker requests"),
    (Use::ObjectRequests, "Durable Object requests"),
    (Use::ObjectStarts, "object instances started"),
    (Use::SocketMessagesIn, "WebSocket messages in"),
    (Use::SocketFramesOut, "WebSocket frames out"),
    (Use::SocketBytesOut, "WebSocket bytes out"),
    (Use::ObjectAlarms, "object alarms"),
    (Use::SqliteStatements, "SQLite statements"),
    (Use::SqliteRowsRead, "SQLite rows read"),
    (Use::SqliteRowsWritten, "SQLite rows written"),
    (Use::QueueMessagesOut, "queue messages sent"),
    (Use::QueueBytesOut, "queue bytes sent"),
    (Use::QueueBatches, "queue batches consumed"),
    (Use::D1Queries, "D1 queries"),
    (Use::D1RowsRead, "D1 rows read"),
    (Use::D1RowsWritten, "D1 rows written"),
    (Use::R2ClassA, "R2 class A"),
    (Use::R2ClassB, "R2 class B"),
    (Use::Subrequests, "subrequests (providers)"),
    (Use::SubrequestBytesOut, "subrequest bytes out"),
    (Use::EmailsOut, "emails sent"),
];

/// The costs as a Markdown table: a row per unit of use, a column per step, each cell per
/// message or session.
pub fn markdown(costs: &[Cost]) -> String {
    let mut out = String::from("| per unit |");
    for cost in costs {
        out += &format!(" {} (per {}, {} done) |", cost.what, cost.unit, cost.count);
    }
    out += "\n|---|";
    out += &"---:|".repeat(costs.len());
    out += "\n";
    for (what, label) in SHOWN {
        out += &format!("| {label} |");
        for cost in costs {
            out += &format!(" {} |", figure(cost.per_unit(what)));
        }
        out += "\n";
    }
    out += "| **USD per million at list prices** (requests, rows, queue operations, R2) |";
    for cost in costs {
        out += &format!(" {:.2} |", cost.dollars_per_million());
    }
    out += "\n";
    out
}

fn figure(value: f64) -> String {
    if value == 0.0 {
        "0".into()
    } else if value >= 100.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.2}")
    }
}

/// The units whose cost per message must not grow with the number of brands and threads.
pub const FLAT: [Use; 8] = [
    Use::ObjectRequests,
    Use::SqliteStatements,
    Use::SqliteRowsRead,
    Use::SqliteRowsWritten,
    Use::QueueMessagesOut,
    Use::D1Queries,
    Use::D1RowsRead,
    Use::D1RowsWritten,
];

/// The units whose cost per message grew from `small` to `large` by more than a fifth
/// (and more than one unit, so that rounding of tiny counts is no growth): empty if the
/// cost stayed flat.
pub fn growth(small: &Cost, large: &Cost) -> Vec<(Use, f64, f64)> {
    FLAT.iter()
        .map(|what| (*what, small.per_unit(*what), large.per_unit(*what)))
        .filter(|(_, small, large)| *large > small * 1.2 && *large > small + 1.0)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A step of `count` units that read and wrote these rows (the capacity tests use it
    /// too).
    pub(in crate::bench::platform) fn cost(count: usize, rows_read: u64, written: u64) -> Cost {
        Cost {
            what: "visitor message".into(),
            unit: "message",
            count,
            usage: BTreeMap::from([
                (Use::SqliteRowsRead.name().to_string(), rows_read),
                (Use::D1RowsWritten.name().to_string(), written),
            ]),
        }
    }

    #[test]
    fn divides_by_the_units_done() {
        let cost = cost(4, 10, 6);
        assert_eq!(cost.per_unit(Use::SqliteRowsRead), 2.5);
        assert_eq!(cost.per_unit(Use::D1RowsWritten), 1.5);
        assert_eq!(cost.per_unit(Use::R2ClassA), 0.0);
        let table = markdown(&[cost]);
        assert!(table.contains("| SQLite rows read | 2.50 |"), "{table}");
        assert!(table.contains("(per message, 4 done)"), "{table}");
    }

    #[test]
    fn tells_growth_from_flat() {
        for (small, large, grown) in [
            (cost(10, 100, 50), cost(100, 1000, 500), false),
            (cost(10, 100, 50), cost(100, 1150, 500), false),
            (cost(10, 100, 50), cost(100, 3000, 500), true),
            // Tiny counts: 0.1 to 0.3 rows per message is not a scan.
            (cost(10, 1, 50), cost(100, 30, 500), false),
        ] {
            let found = growth(&small, &large);
            assert_eq!(!found.is_empty(), grown, "{found:?}");
        }
    }
}
