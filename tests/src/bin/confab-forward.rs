//! `confab-forward`: measures forwarding on this machine — the time from a visitor's send
//! (the relay's 201) to the message's arrival at a local fake Telegram, through the real
//! queue on workerd. Sends one message at a time, paced, over fresh threads and a few
//! long ones, and prints p50/p95/p99/max.

use confab_e2e::api::Api;
use confab_e2e::fakes::telegram::FakeTelegram;
use confab_e2e::Relay;
use serde_json::json;
use std::time::{Duration, Instant};

const TOKEN: &str = "1:bench-bot";
const CHAT: i64 = -100200300;

#[tokio::main]
async fn main() {
    let count: usize = std::env::args()
        .skip(1)
        .find_map(|arg| arg.strip_prefix("--count=").and_then(|n| n.parse().ok()))
        .unwrap_or(200);
    let telegram = FakeTelegram::start(TOKEN, CHAT).await;
    let relay = Relay::start_with(&[
        ("TELEGRAM_API_BASE", &telegram.base),
        ("BENCH_TELEGRAM_TOKEN", TOKEN),
        ("BENCH_TELEGRAM_HOOK", "unused"),
    ])
    .await;
    let api = Api::new(relay.origin());
    let status = api
        .put_brand(
            "bench",
            json!({
                "name": "Bench",
                "allowedOrigins": ["http://127.0.0.1:*"],
                "visitorRateLimit": { "burst": 100000, "perMinute": 6000000 },
                "connectors": { "telegram": {
                    "chatId": CHAT,
                    "botTokenSecret": "BENCH_TELEGRAM_TOKEN",
                    "webhookSecret": "BENCH_TELEGRAM_HOOK",
                } },
            }),
        )
        .await;
    assert_eq!(status, 200, "the bench brand takes a Telegram connector");

    let threads = [
        api.session_of("bench").await,
        api.session_of("bench").await,
        api.session_of("bench").await,
        api.session_of("bench").await,
    ];
    // Each thread's first message also creates its topic: warm them up first.
    for (index, session) in threads.iter().enumerate() {
        api.send(session, &format!("warm-{index}"), &format!("warm {index}"))
            .await;
    }
    wait_for(&telegram, threads.len() * 2, Duration::from_secs(30)).await;

    let mut latencies = Vec::with_capacity(count);
    for index in 0..count {
        let session = &threads[index % threads.len()];
        let text = format!("forward {index}");
        let posted_before = telegram.texts().len();
        let sent = Instant::now();
        let (status, _) = api.send(session, &format!("f-{index}"), &text).await;
        assert_eq!(status, 201);
        wait_for(&telegram, posted_before + 1, Duration::from_secs(30)).await;
        let arrived = telegram.seen(|seen| {
            seen.posted
                .iter()
                .find(|post| post.text == text)
                .map(|post| post.at)
        });
        let arrived = arrived.expect("the message reached the fake Telegram");
        latencies.push(arrived.saturating_duration_since(sent).as_secs_f64() * 1000.0);
        // One message at a time, a little apart: latency, not throughput.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    latencies.sort_by(f64::total_cmp);
    let quantile = |q: f64| latencies[((latencies.len() - 1) as f64 * q).round() as usize];
    println!(
        "forwarding to the fake Telegram, send → arrival, {count} messages over {} threads",
        threads.len()
    );
    println!(
        "p50 {:.1} ms   p95 {:.1} ms   p99 {:.1} ms   max {:.1} ms",
        quantile(0.50),
        quantile(0.95),
        quantile(0.99),
        quantile(1.0)
    );
}

/// Waits until the fake has `count` posts (a bounded wait: the tool stops by itself).
async fn wait_for(telegram: &FakeTelegram, count: usize, limit: Duration) {
    let deadline = Instant::now() + limit;
    while telegram.texts().len() < count {
        assert!(
            Instant::now() < deadline,
            "the fake Telegram got {:?}",
            telegram.texts().len()
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}
