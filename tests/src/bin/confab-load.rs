//! `confab-load`: measures one thread of a relay on this machine (loopback only).
//!
//! Starts its own relay on workerd (`wrangler dev`, fresh state) unless `--relay URL` names
//! a running one (which must be on 127.0.0.1 and have the `bench` brand), then prints the
//! send-to-other-socket latency at fixed rates and the highest rate one thread sustained.

use confab_e2e::api::Api;
use confab_e2e::load::one_thread;
use confab_e2e::Relay;
use std::time::Duration;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let given = args
        .windows(2)
        .find(|pair| pair[0] == "--relay")
        .map(|pair| pair[1].clone());
    if let Some(url) = &given {
        assert!(
            url.starts_with("http://127.0.0.1:") || url.starts_with("http://localhost:"),
            "confab-load only drives a relay on this machine"
        );
    }
    let relay = match given {
        Some(_) => None,
        None => Some(Relay::start().await),
    };
    let origin = given.unwrap_or_else(|| relay.as_ref().map(Relay::origin).unwrap_or_default());
    let api = Api::new(origin);

    println!("one thread, latency from a send to its arrival on a second socket");
    println!(
        "{:>8} {:>6} {:>9} {:>8} {:>8} {:>8} {:>8}",
        "rate/s", "sent", "delivered", "p50 ms", "p95 ms", "p99 ms", "max ms"
    );
    for (rate, count) in [(50, 250), (200, 1000), (1000, 3000)] {
        let report = one_thread(&api, count, Some(rate), Duration::from_secs(10)).await;
        println!(
            "{rate:>8} {:>6} {:>9} {:>8.2} {:>8.2} {:>8.2} {:>8.2}",
            report.sent,
            report.delivered,
            report.quantile(0.5),
            report.quantile(0.95),
            report.quantile(0.99),
            report.quantile(1.0)
        );
    }
    let burst = one_thread(&api, 5000, None, Duration::from_secs(10)).await;
    println!(
        "\none thread, 5000 sends as fast as one socket takes them: {:.0} messages/s delivered \
         ({} of {}, {} refused, {:.2} s)",
        burst.throughput(),
        burst.delivered,
        burst.sent,
        burst.rejected,
        burst.elapsed.as_secs_f64()
    );
}
