//! Forwarding latency: from a visitor's send (the relay's 201) to the message's arrival at a
//! local fake Telegram, through the real queue on workerd.

use crate::api::Api;
use crate::fakes::telegram::FakeTelegram;
use crate::Relay;
use serde_json::json;
use std::time::{Duration, Instant};

const TOKEN: &str = "1:bench-bot";
const CHAT: i64 = -100200300;

/// A relay whose `bench` brand forwards to a fake Telegram group, and the fake.
pub async fn relay_with_telegram() -> (Relay, Api, FakeTelegram) {
    let telegram = FakeTelegram::start(TOKEN, CHAT).await;
    let relay = Relay::start_with(&[
        ("TELEGRAM_API_BASE", &telegram.base),
        ("BENCH_TELEGRAM_TOKEN", TOKEN),
        ("BENCH_TELEGRAM_HOOK", "unused"),
        // Listed as production lists (the tests' relays list at once).
        ("LISTING_DELAY_SECONDS", "1"),
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
    (relay, api, telegram)
}

/// Sends `count` messages one at a time over four threads and returns each one's latency
/// to the fake, sorted, in milliseconds. `progress` is called after each message.
pub async fn latencies(
    api: &Api,
    telegram: &FakeTelegram,
    count: usize,
    mut progress: impl FnMut(),
) -> Vec<f64> {
    let mut threads = Vec::new();
    for _ in 0..4 {
        threads.push(api.session_of("bench").await);
    }
    // Each thread's first message also creates its topic: not what is measured.
    for (index, session) in threads.iter().enumerate() {
        api.send(session, &format!("warm-{index}"), &format!("warm {index}"))
            .await;
    }
    wait_for(telegram, threads.len() * 2).await;
    let mut latencies = Vec::with_capacity(count);
    for index in 0..count {
        let session = &threads[index % threads.len()];
        let text = format!("forward {index}");
        let posted_before = telegram.texts().len();
        let sent = Instant::now();
        let (status, _) = api.send(session, &format!("f-{index}"), &text).await;
        assert_eq!(status, 201);
        wait_for(telegram, posted_before + 1).await;
        let arrived = telegram
            .seen(|seen| {
                seen.posted
                    .iter()
                    .find(|post| post.text == text)
                    .map(|post| post.at)
            })
            .expect("the message reached the fake Telegram");
        latencies.push(arrived.saturating_duration_since(sent).as_secs_f64() * 1000.0);
        progress();
        // One message at a time, a little apart: latency, not throughput.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    latencies.sort_by(f64::total_cmp);
    latencies
}

/// Waits until the fake has `count` posts; gives up after 30 s (the tools stop by
/// themselves).
async fn wait_for(telegram: &FakeTelegram, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while telegram.texts().len() < count {
        assert!(
            Instant::now() < deadline,
            "the fake Telegram has {} posts, expected {count}",
            telegram.texts().len()
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}
