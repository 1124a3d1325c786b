//! `confab-forward`: measures forwarding on this machine — the time from a visitor's send
//! to the message's arrival at a local fake Telegram, through the real queue on workerd —
//! and prints p50/p95/p99/max. `--count=N` messages (default 200).

use confab_e2e::forward::{latencies, relay_with_telegram};
use confab_e2e::load::quantile;

#[tokio::main]
async fn main() {
    let count: usize = std::env::args()
        .skip(1)
        .find_map(|arg| arg.strip_prefix("--count=").and_then(|n| n.parse().ok()))
        .unwrap_or(200);
    let (_relay, api, telegram) = relay_with_telegram().await;
    let latencies = latencies(&api, &telegram, count, || {}).await;
    println!("forwarding to the fake Telegram, send → arrival, {count} messages over 4 threads");
    println!(
        "p50 {:.1} ms   p95 {:.1} ms   p99 {:.1} ms   max {:.1} ms",
        quantile(&latencies, 0.50),
        quantile(&latencies, 0.95),
        quantile(&latencies, 0.99),
        quantile(&latencies, 1.0)
    );
}
