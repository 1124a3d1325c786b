//! Load on one thread, from Rust: a sender socket and a watcher socket on the same thread.
//! Only loopback addresses are used; every run is bounded in count and time.

use crate::api::{Api, Socket};
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
    let session = api.session_of("bench").await;
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
