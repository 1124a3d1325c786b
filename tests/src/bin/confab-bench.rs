//! `confab-bench`: what `cargo xtask bench` runs after building — the weight of what ships,
//! the relay's latency and sustained rate on real workerd (one thread so far), and the
//! forwarding latency to a fake Telegram; each against the targets. Writes
//! `target/bench/report.{md,json}` and SVG charts. `--quick` runs smaller counts.
//! Everything talks to 127.0.0.1 only and stops by itself.

use confab_e2e::api::Api;
use confab_e2e::bench::{weigh, Latency, Report, Target};
use confab_e2e::load::one_thread;
use confab_e2e::{forward, repo_root, Relay};
use indicatif::{ProgressBar, ProgressStyle};
use std::time::Duration;

#[tokio::main]
async fn main() {
    let quick = std::env::args().any(|arg| arg == "--quick");
    let scale = if quick { 1 } else { 4 };
    let rates = [
        (50u32, 100 * scale),
        (200, 400 * scale),
        (1000, 1000 * scale),
    ];
    let forwards = 50 * scale;
    let steps: u64 = 1 + rates.iter().map(|(_, n)| *n as u64).sum::<u64>() + 5 + forwards as u64;
    let progress = ProgressBar::new(steps).with_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} {msg}")
            .unwrap(),
    );

    progress.set_message("weight");
    let dist = repo_root().join("dist");
    let weights = vec![
        weigh("loader (widget.js)", &dist.join("widget.js")),
        weigh("widget wasm", &dist.join("widget/confab_widget_bg.wasm")),
        weigh("widget JS glue", &dist.join("widget/confab_widget.js")),
        weigh("widget CSS", &dist.join("widget/widget.css")),
    ];
    progress.inc(1);

    progress.set_message("relay latency (workerd)");
    let relay = Relay::start().await;
    let api = Api::new(relay.origin());
    let mut latencies = Vec::new();
    for (rate, count) in rates {
        let report = one_thread(&api, count, Some(rate), Duration::from_secs(10)).await;
        progress.inc(count as u64);
        latencies.push(Latency::new(
            &format!("{rate}/s, 1 thread"),
            report.sent,
            report.latencies_ms,
        ));
    }

    progress.set_message("highest sustained rate, one thread");
    let mut sustained = None;
    for rate in [1000u32, 2000, 3000, 4000, 6000] {
        let count = (rate as usize) * 2;
        let report = one_thread(&api, count, Some(rate), Duration::from_secs(5)).await;
        progress.inc(1);
        let errors = (report.sent - report.delivered) + report.rejected;
        let kept_up = report.throughput() >= f64::from(rate) * 0.9;
        if (errors as f64) < report.sent as f64 * 0.01 && kept_up {
            sustained = Some(rate);
        } else {
            break;
        }
    }
    drop(relay);

    progress.set_message("forwarding to a fake Telegram");
    let (_forwarding_relay, api, telegram) = forward::relay_with_telegram().await;
    let forwarded = forward::latencies(&api, &telegram, forwards, || progress.inc(1)).await;
    let forwarding = Latency::new("forwarding, send → fake Telegram", forwards, forwarded);
    progress.finish_with_message("done");

    let kb = |bytes: usize| bytes as f64 / 1024.0;
    let loader = kb(weights[0].gzip);
    let widget: f64 = weights[1..].iter().map(|weight| kb(weight.gzip)).sum();
    let at_1000 = &latencies[2];
    let targets = vec![
        Target::measured(
            "loader ≤ 2 KB gzip",
            format!("{loader:.1} KB"),
            loader <= 2.0,
        ),
        Target::measured(
            "full widget (wasm, glue, CSS) ≤ 120 KB gzip",
            format!("{widget:.1} KB"),
            widget <= 120.0,
        ),
        Target::measured(
            "relay p50 ≤ 2 ms, p99 ≤ 10 ms at 1,000 msg/s (here over 1 thread)",
            format!("p50 {:.2} ms, p99 {:.2} ms", at_1000.p50, at_1000.p99),
            at_1000.p50 <= 2.0 && at_1000.p99 <= 10.0,
        ),
        Target::measured(
            "one thread sustains 3,000 msg/s with < 1% errors",
            sustained.map_or("under 1,000 msg/s".into(), |rate| format!("{rate} msg/s")),
            sustained.is_some_and(|rate| rate >= 3000),
        ),
        Target::not_measured("relay latency over 100 and 1,000 threads"),
        Target::not_measured("10,000 sockets held over 1,000 threads, workerd memory"),
        Target::not_measured(
            "host page: launcher visible, long tasks, bytes, click to ready ≤ 100 ms",
        ),
    ];
    let machine = format!(
        "{} cores; relay on workerd through wrangler dev; every figure from this run.",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let report = Report {
        quick,
        machine,
        weights,
        relay: latencies,
        sustained_rate: sustained,
        forwarding: Some(forwarding),
        targets,
    };
    let out = repo_root().join("target/bench");
    report.write(&out).expect("the report is written");
    println!("{}", report.markdown());
    println!("written to {}", out.display());
}
