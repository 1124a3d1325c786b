//! The benchmark report of `cargo xtask bench`: what was measured, against which target,
//! written as `report.json`, `report.md` and SVG charts of the latency distributions; and,
//! in its submodules, what the bench measures beyond the load generator: the baseline room
//! it compares the relay with, workerd's CPU time, attachments, and a team reply's way to
//! a visitor who left (email and web push), and the assistant's answers.

pub mod assistant;
pub mod baseline;
pub mod console;
pub mod counting;
pub mod cpu;
pub mod files;
pub mod platform;
pub mod profile;
pub mod reach;

use plotters::prelude::*;
use serde::Serialize;
use std::io::Write;
use std::path::Path;

/// The size of one shipped file.
#[derive(Clone, Debug, Serialize)]
pub struct Weight {
    /// What it is.
    pub name: String,
    /// Bytes as stored.
    pub raw: usize,
    /// Bytes gzipped (level 9).
    pub gzip: usize,
    /// Bytes brotli-compressed (quality 11).
    pub brotli: usize,
}

/// Measures a file's weight.
pub fn weigh(name: &str, path: &Path) -> Weight {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gzip.write_all(&bytes).unwrap();
    let gzip = gzip.finish().unwrap().len();
    let mut brotli = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut brotli, 4096, 11, 22);
        writer.write_all(&bytes).unwrap();
    }
    Weight {
        name: name.to_string(),
        raw: bytes.len(),
        gzip,
        brotli: brotli.len(),
    }
}

/// A latency distribution.
#[derive(Clone, Debug, Serialize)]
pub struct Latency {
    /// What was measured.
    pub label: String,
    /// Messages sent.
    pub sent: usize,
    /// Messages that arrived.
    pub delivered: usize,
    /// Median, ms.
    pub p50: f64,
    /// 95th percentile, ms.
    pub p95: f64,
    /// 99th percentile, ms.
    pub p99: f64,
    /// Slowest, ms.
    pub max: f64,
    /// Every latency, sorted (for the charts; left out of the JSON).
    #[serde(skip)]
    pub sorted_ms: Vec<f64>,
}

impl Latency {
    /// A distribution from sorted latencies.
    pub fn new(label: &str, sent: usize, sorted_ms: Vec<f64>) -> Latency {
        let q = |q| crate::load::quantile(&sorted_ms, q);
        Latency {
            label: label.to_string(),
            sent,
            delivered: sorted_ms.len(),
            p50: q(0.5),
            p95: q(0.95),
            p99: q(0.99),
            max: q(1.0),
            sorted_ms,
        }
    }
}

/// A target of the issue and how this run did against it.
#[derive(Clone, Debug, Serialize)]
pub struct Target {
    /// What is aimed at.
    pub aim: String,
    /// What was measured (`None`: not measured by this version of the bench).
    pub measured: Option<String>,
    /// Whether it was met (`None`: not judged, for the reason in `note`).
    pub pass: Option<bool>,
    /// Why a measured target is not judged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<&'static str>,
}

impl Target {
    /// A target that was measured.
    pub fn measured(aim: &str, measured: String, pass: bool) -> Target {
        Target {
            aim: aim.to_string(),
            measured: Some(measured),
            pass: Some(pass),
            note: None,
        }
    }

    /// A target measured at a smaller scale (the quick run): neither pass nor miss.
    pub fn smaller(aim: &str, measured: String) -> Target {
        Target {
            aim: aim.to_string(),
            measured: Some(measured),
            pass: None,
            note: Some("smaller scale (quick run)"),
        }
    }

    /// A figure the issue asks the bench to report, with no number to meet.
    pub fn figure(aim: &str, measured: String) -> Target {
        Target {
            aim: aim.to_string(),
            measured: Some(measured),
            pass: None,
            note: Some("reported (no numeric target)"),
        }
    }

    /// A target the quick run leaves out (its scale is the full run's).
    pub fn full_run_only(aim: &str) -> Target {
        Target {
            aim: aim.to_string(),
            measured: None,
            pass: None,
            note: Some("full run only (not run by --quick)"),
        }
    }

    /// A target this bench does not measure yet (said so in the report, not hidden).
    pub fn not_measured(aim: &str) -> Target {
        Target {
            aim: aim.to_string(),
            measured: None,
            pass: None,
            note: None,
        }
    }
}

/// workerd's CPU time per delivered message, in ms.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct CpuPerMessage {
    /// The process that runs the Worker and its objects (what a deploy would spend).
    pub runtime_ms: f64,
    /// That and `wrangler dev`'s proxy process (only local runs have it).
    pub with_proxy_ms: f64,
}

impl CpuPerMessage {
    /// CPU `spent` over a run divided by the messages it `delivered` (`None` if none).
    pub fn new(spent: cpu::CpuTime, delivered: usize) -> Option<CpuPerMessage> {
        (delivered > 0).then(|| CpuPerMessage {
            runtime_ms: spent.runtime * 1000.0 / delivered as f64,
            with_proxy_ms: (spent.runtime + spent.proxy) * 1000.0 / delivered as f64,
        })
    }
}

/// One load run of Confab and of the baseline room, the same load generator at the same
/// rate over the same number of threads (rooms), one after the other on the same workerd.
#[derive(Clone, Debug, Serialize)]
pub struct SideBySide {
    /// The load, e.g. `200/s over 10 threads`.
    pub label: String,
    /// Confab's latency, send to another socket of the thread.
    pub confab: Latency,
    /// The baseline's, send to another socket of the room.
    pub baseline: Latency,
    /// Confab's workerd CPU per delivered message.
    pub confab_cpu: Option<CpuPerMessage>,
    /// The baseline's.
    pub baseline_cpu: Option<CpuPerMessage>,
}

impl SideBySide {
    /// Confab's median over the baseline's.
    pub fn p50_ratio(&self) -> f64 {
        self.confab.p50 / self.baseline.p50
    }

    /// Confab's 99th percentile over the baseline's.
    pub fn p99_ratio(&self) -> f64 {
        self.confab.p99 / self.baseline.p99
    }

    /// Confab's runtime CPU per message over the baseline's.
    pub fn cpu_ratio(&self) -> Option<f64> {
        Some(self.confab_cpu?.runtime_ms / self.baseline_cpu?.runtime_ms)
    }
}

/// Attachments through the relay (issue 15).
#[derive(Clone, Debug, Serialize)]
pub struct Attachments {
    /// A visitor's uploads, by size.
    pub uploads: Vec<files::UploadTime>,
    /// A team member's photo to the visitor's socket and its bytes.
    pub team_photo: files::TeamPhoto,
}

/// What the widget costs a host page (medians over several fresh loads).
#[derive(Clone, Debug, Default, Serialize)]
pub struct PageCost {
    /// From navigation start to the launcher on screen, styled (ms).
    pub launcher_visible_ms: Option<f64>,
    /// Long tasks (over 50 ms) before any interaction.
    pub long_tasks: f64,
    /// Bytes over the network before any interaction.
    pub bytes: f64,
    /// From a click on the launcher to the composer (ms).
    pub click_to_ready_ms: Option<f64>,
}

/// One tap on the launcher of a slow phone (390×844 touch, 150 ms RTT at 1.6 Mbps, CPU
/// slowed down 4×) to the open panel's composer ready for typing: medians over several
/// fresh loads.
#[derive(Clone, Debug, Default, Serialize)]
pub struct PhoneTaps {
    /// Rounds of each kind.
    pub rounds: usize,
    /// Tapped as soon as the launcher showed, while the app was loading (ms).
    pub not_loaded_ms: Option<f64>,
    /// How many of those taps did come before the app mounted.
    pub taps_while_loading: usize,
    /// The wasm's last byte after the tap, in those rounds (ms, median).
    pub wasm_after_tap_ms: Option<f64>,
    /// Tapped once the app had mounted (ms).
    pub loaded_ms: Option<f64>,
}

/// How long the bench's own steps took, in the order they ran.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Laps {
    /// Each finished step and its seconds.
    pub steps: Vec<(String, f64)>,
    #[serde(skip)]
    current: Option<(String, std::time::Instant)>,
}

impl Laps {
    /// Ends the step under way, if any, and starts `name`.
    pub fn step(&mut self, name: &str) {
        self.finish();
        self.current = Some((name.to_string(), std::time::Instant::now()));
    }

    /// Ends the step under way.
    pub fn finish(&mut self) {
        if let Some((name, started)) = self.current.take() {
            self.steps.push((name, started.elapsed().as_secs_f64()));
        }
    }

    /// The steps' total, in seconds.
    pub fn total(&self) -> f64 {
        self.steps.iter().map(|(_, seconds)| seconds).sum()
    }

    /// The steps as a Markdown table, the longest first.
    pub fn markdown(&self) -> String {
        let mut steps = self.steps.clone();
        steps.sort_by(|a, b| b.1.total_cmp(&a.1));
        let mut md = format!(
            "\n## The bench's own time\n\n{:.0} s from the first step to the report (the build before it not counted):\n\n| step | seconds |\n|---|---:|\n",
            self.total()
        );
        for (name, seconds) in steps {
            md += &format!("| {name} | {seconds:.1} |\n");
        }
        md
    }
}

/// How fast one thread goes: the highest rate it sustained, the first it missed, and
/// workerd's CPU per message at the one it sustained (a thread is one object, which runs on
/// one thread of one isolate, so that CPU sets the ceiling).
#[derive(Clone, Debug, Default, Serialize)]
pub struct Ceiling {
    /// The highest rate sustained with under 1% errors (messages/s).
    pub sustained: Option<u32>,
    /// workerd's CPU per delivered message at that rate (ms).
    pub cpu_ms_per_message: Option<f64>,
    /// The first rate missed (messages/s).
    pub missed: Option<u32>,
}

impl Ceiling {
    /// The report's paragraph on what sets the ceiling.
    pub fn markdown(&self) -> String {
        let Some(rate) = self.sustained else {
            return "\nOne thread: under 1,000 messages/s.\n".to_string();
        };
        let mut md = format!("\nOne thread sustained {rate} messages/s with under 1% errors");
        if let Some(missed) = self.missed {
            md += &format!(" and missed {missed}/s");
        }
        md +=
            " (the step tries 1,000, 2,000, 3,000, … and once more halfway after the first miss).";
        if let Some(cpu) = self.cpu_ms_per_message {
            md += &format!(
                " What sets the ceiling: a thread is one Durable Object, and an object handles \
                 one event at a time on one thread of its isolate; at {rate}/s workerd spent \
                 {cpu:.2} ms of CPU per message (the object's store and broadcast, and what the \
                 queue's consumer, D1 and the inbox do for its listings, which coalesce to one a \
                 second), so one thread tops out near {:.0}/s on this machine's cores. 3,000/s \
                 would need at most {:.2} ms a message.",
                1000.0 / cpu,
                1000.0 / 3000.0
            );
        }
        md + "\n"
    }
}

/// Everything a run measured.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Whether this was the quick run.
    pub quick: bool,
    /// The machine: cores, and the tools' versions.
    pub machine: String,
    /// Shipped files.
    pub weights: Vec<Weight>,
    /// The demo page with the widget.
    pub page_with: PageCost,
    /// The same page with the widget's script blocked.
    pub page_without: PageCost,
    /// One tap to a composer ready for typing, on a slow phone.
    pub phone: PhoneTaps,
    /// Relay latency, send to another socket of the thread.
    pub relay: Vec<Latency>,
    /// The highest rate one thread sustained with under 1% errors, and what set it.
    pub ceiling: Ceiling,
    /// Sockets held at once, and workerd's memory.
    pub sockets: crate::load::HeldSockets,
    /// Forwarding latency, send to the fake Telegram.
    pub forwarding: Option<Latency>,
    /// Confab against the bare chat room of `bench/baseline/`.
    pub baseline: Vec<SideBySide>,
    /// V8 CPU profiles of the relay over the Confab side of those runs.
    pub relay_profiles: Vec<profile::RelayProfile>,
    /// Uploads and a team photo's way to the visitor.
    pub attachments: Option<Attachments>,
    /// A team reply's way to a visitor who left, by email and web push (issue 16).
    pub reach: Option<reach::Reach>,
    /// The assistant's answers (issue 17).
    pub assistant: Option<assistant::Bot>,
    /// The brand console's files (issue 18).
    pub console_weights: Vec<Weight>,
    /// The console: a sign-in link to a usable inbox (issue 18).
    pub console: Option<console::ConsoleSignIn>,
    /// What each kind of step cost the platform, by the relay's meter (issue 21).
    pub platform: Vec<platform::Cost>,
    /// The simulation: a visitor message's cost at two scales of brands and threads.
    pub simulation: Vec<platform::Cost>,
    /// The targets.
    pub targets: Vec<Target>,
    /// How long the bench's own steps took.
    pub laps: Laps,
}

impl Report {
    /// Writes `report.json`, `report.md` and the charts into `dir`.
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let json = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(dir.join("report.json"), json)?;
        std::fs::write(dir.join("report.md"), self.markdown())?;
        chart(
            &dir.join("relay-latency.svg"),
            "Relay: send → other socket",
            &self.relay,
        )?;
        if let Some(forwarding) = &self.forwarding {
            chart(
                &dir.join("forwarding-latency.svg"),
                "Forwarding: send → fake Telegram",
                std::slice::from_ref(forwarding),
            )?;
        }
        if !self.baseline.is_empty() {
            let series: Vec<Latency> = self
                .baseline
                .iter()
                .flat_map(|run| {
                    let mut confab = run.confab.clone();
                    confab.label = format!("Confab, {}", run.label);
                    let mut baseline = run.baseline.clone();
                    baseline.label = format!("baseline, {}", run.label);
                    [confab, baseline]
                })
                .collect();
            chart(
                &dir.join("baseline-latency.svg"),
                "Confab and a bare chat room: send → other socket",
                &series,
            )?;
        }
        Ok(())
    }

    /// The report as Markdown.
    pub fn markdown(&self) -> String {
        let kb = |bytes: usize| format!("{:.1} KB", bytes as f64 / 1024.0);
        let mut md = format!(
            "# Confab benchmarks{}\n\n{}\n\n## Targets\n\n| target | measured | |\n|---|---|---|\n",
            if self.quick { " (quick)" } else { "" },
            self.machine
        );
        for target in &self.targets {
            let verdict = match (target.pass, target.note) {
                (Some(true), _) => "pass",
                (Some(false), _) => "**miss**",
                (None, Some(note)) => note,
                (None, None) => "not measured yet",
            };
            md += &format!(
                "| {} | {} | {verdict} |\n",
                target.aim,
                target.measured.as_deref().unwrap_or("—")
            );
        }
        md += "\n## Weight\n\n| file | raw | gzip | brotli |\n|---|---:|---:|---:|\n";
        for weight in &self.weights {
            md += &format!(
                "| {} | {} | {} | {} |\n",
                weight.name,
                kb(weight.raw),
                kb(weight.gzip),
                kb(weight.brotli)
            );
        }
        let ms = |value: Option<f64>| value.map_or("—".to_string(), |v| format!("{v:.0} ms"));
        md += &format!(
            "\n## Host page\n\n| | without the widget | with the widget |\n|---|---:|---:|\n\
             | launcher visible | — | {} |\n\
             | long tasks before interaction | {} | {} |\n\
             | bytes before interaction | {} | {} |\n\
             | click to ready | — | {} |\n",
            ms(self.page_with.launcher_visible_ms),
            self.page_without.long_tasks,
            self.page_with.long_tasks,
            kb(self.page_without.bytes as usize),
            kb(self.page_with.bytes as usize),
            ms(self.page_with.click_to_ready_ms),
        );
        md += &format!(
            "\n## One tap on a slow phone\n\n390×844 touch, 150 ms RTT, 1.6 Mbps down, 750 Kbps up, CPU 4× slower; \
             from the touch on the launcher to the open panel's composer ready for typing, \
             median of {} fresh loads each.\n\n| | tap to composer |\n|---|---:|\n\
             | app loading (tapped as soon as the launcher showed; {} of {} taps before it mounted) | {} |\n\
             | app loaded | {} |\n",
            self.phone.rounds,
            self.phone.taps_while_loading,
            self.phone.rounds,
            ms(self.phone.not_loaded_ms),
            ms(self.phone.loaded_ms),
        );
        md += "\n## Latency\n\n![relay](relay-latency.svg)\n\n| run | sent | arrived | p50 ms | p95 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|---:|---:|\n";
        for latency in self.relay.iter().chain(&self.forwarding) {
            md += &format!(
                "| {} | {} | {} | {:.2} | {:.2} | {:.2} | {:.2} |\n",
                latency.label,
                latency.sent,
                latency.delivered,
                latency.p50,
                latency.p95,
                latency.p99,
                latency.max
            );
        }
        md += &self.ceiling.markdown();
        md += &self.baseline_markdown();
        for relay_profile in &self.relay_profiles {
            md += &relay_profile.markdown();
        }
        md += &self.attachments_markdown();
        md += &self
            .reach
            .as_ref()
            .map_or(String::new(), reach::Reach::markdown);
        md += &self
            .assistant
            .as_ref()
            .map_or(String::new(), assistant::Bot::markdown);
        md += &self.console_markdown();
        md += &self.misses_markdown();
        md += &self.platform_markdown();
        md += &self.laps.markdown();
        let sockets = &self.sockets;
        md += &format!(
            "\n{} of {} sockets opened and held at once, {}; workerd's resident memory {} MiB before, {} MiB while holding them.\n",
            sockets.ready,
            sockets.asked,
            if sockets.direct {
                "straight to workerd's own socket (wrangler dev's proxy holds two descriptors a socket and would run out first; production has no such proxy)"
            } else {
                "through wrangler dev's proxy (workerd's own socket was not found)"
            },
            sockets.workerd_mib_before.map_or("?".into(), |m| format!("{m:.0}")),
            sockets.workerd_mib_holding.map_or("?".into(), |m| format!("{m:.0}"))
        );
        md
    }
}

impl Report {
    /// Why the latency and CPU targets against the bare room are missed, in this run's own
    /// numbers: what the relay does per message that the room does not (the meter), and
    /// where the relay's time went (the profile).
    fn misses_markdown(&self) -> String {
        let Some(run) = self.baseline.first() else {
            return String::new();
        };
        let plain = self
            .platform
            .iter()
            .find(|cost| cost.what.starts_with("visitor message (socket)"));
        let summary = self
            .relay_profiles
            .iter()
            .flat_map(|profile| profile.targets.iter())
            .find_map(|target| target.summary.as_ref());
        let (Some(plain), Some(summary)) = (plain, summary) else {
            return String::new();
        };
        let per = |rows: &[profile::Row], name: &str| {
            rows.iter()
                .find(|row| row.name == name)
                .map_or(0.0, |row| row.ms_per_message)
        };
        let exec = per(&summary.top_self, "exec");
        let store = summary
            .steps
            .iter()
            .find(|row| row.name == "store")
            .map_or(0.0, |row| row.ms_per_message);
        let list = summary
            .steps
            .iter()
            .find(|row| row.name == "list")
            .map_or(0.0, |row| row.ms_per_message);
        use confab_relay::meter::Use;
        format!(
            "\n## Why the targets against the bare room are missed\n\nThe bare room does one thing per message: one key-value put and one send per other socket. Confab's relay, per visitor message in this run (the meter, \"{}\"): {:.1} SQLite statements ({:.1} rows written: the message, its sequence, the thread's counts and figures, the outbox job and its lease), {:.2} queue messages, {:.1} D1 statements ({:.1} rows written: the inbox's list row and its search index) and {:.2} further Durable Object requests (the queue's consumer claiming and settling the job with the thread, and telling the brand's inbox), all in the same workerd as the room's one put. The profile of the 200/s run says where the relay's own isolate spent its time per message: SQLite's `exec` alone {exec:.2} ms, storing a message {store:.2} ms of which working out and queueing its listing {list:.2} ms. That is the work of durability, order, de-duplication, the inbox and its search, and it is what the ratios of {:.1}× CPU and {:.1}× p50 measure; on two shared cores the extra CPU also queues the messages behind one another, which is the latency. Done so far, each measured by this bench: a thread's `meta` read from memory (32 statements a message became {:.0}); a listing worked out once per turn of the directory lane, not per message (its share of storing a message fell from 1.8 ms to the {list:.2} ms above); a message no longer writes the thread's activity; the client-id check and the insert are one statement (`INSERT … SELECT … WHERE NOT EXISTS`, which leaves no gap in `seq`); a job's claim and settlement check and lease it in one statement each; a woken object reads every `meta` row in one statement and alters its tables only when their version changed (with sockets open on 2,000 threads, objects hibernate between messages, and each woken one ran 11 statements before its first answer). What is left is that work itself. The next ways in: the unread count and the Insights figures in one `meta` row, and the inbox's list and search out of D1 (see the capacity table). Against many threads the latency is the listing's: messages on different threads do not coalesce, so each pays its own queue message, consumer, D1 writes and inbox call (see the latency table: 50/s over 1 thread against over 100).\n",
            plain.what,
            plain.per_unit(Use::SqliteStatements),
            plain.per_unit(Use::SqliteRowsWritten),
            plain.per_unit(Use::QueueMessagesOut),
            plain.per_unit(Use::D1Queries),
            plain.per_unit(Use::D1RowsWritten),
            plain.per_unit(Use::ObjectRequests),
            run.cpu_ratio().unwrap_or(f64::NAN),
            run.p50_ratio(),
            plain.per_unit(Use::SqliteStatements),
        )
    }

    fn platform_markdown(&self) -> String {
        if self.platform.is_empty() && self.simulation.is_empty() {
            return String::new();
        }
        let mut md = String::from(
            "\n## What a message costs the platform\n\nCounted by the relay itself (`relay/src/meter.rs`, read at `/v1/dev/meter`): every Worker invocation, Durable Object request, SQLite statement and the rows SQLite says it read and wrote, every D1 statement and D1's own rows read and written, queue messages and their bytes, R2 operations, provider calls and socket frames. Each step starts once the relay is quiet and is read once it is quiet again, so the queue's work for it (listings, deliveries, the inbox) is in its count. Per message or session:\n\n",
        );
        md += &platform::markdown(&self.platform);
        let find = |start: &str| {
            self.platform
                .iter()
                .find(|cost| cost.what.starts_with(start))
        };
        // The day's message, taken at its dearest: every connector on.
        let message = find("visitor message (widget), Telegram").or(find("visitor message"));
        if let (Some(message), Some(session)) = (message, find("session start")) {
            md += "\n### Capacity at internet scale\n\n";
            md += &platform::capacity_markdown(message, session);
        }
        if !self.simulation.is_empty() {
            md += "\nThe simulation: new brands and threads, their sockets opened first, then visitor messages on every thread, through the relay's real paths (queue, D1, inbox objects included). Costs per message must not grow with the number of brands and threads:\n\n";
            md += &platform::markdown(&self.simulation);
        }
        md
    }

    fn console_markdown(&self) -> String {
        let Some(console) = &self.console else {
            return String::new();
        };
        let kb = |bytes: usize| format!("{:.1} KB", bytes as f64 / 1024.0);
        let ms = |value: Option<f64>| value.map_or("—".to_string(), |v| format!("{v:.0} ms"));
        let mut md = String::from(
            "\n## The console\n\nThe brand console (`/console/`), as a member's browser loads it:\n\n\
             | file | raw | gzip | brotli |\n|---|---:|---:|---:|\n",
        );
        for weight in &self.console_weights {
            md += &format!(
                "| {} | {} | {} | {} |\n",
                weight.name,
                kb(weight.raw),
                kb(weight.gzip),
                kb(weight.brotli)
            );
        }
        md += &format!(
            "\nFrom opening a sign-in link (navigation start) to a usable inbox, median of {} \
             fresh browsers each, a new member and link each time: the page loads, spends the \
             link, reads the member and the brand's threads, and opens the inbox socket. The \
             phone is 390×844 touch, 150 ms RTT, 1.6 Mbps down, CPU 4× slower.\n\n\
             | | threads listed | inbox live |\n|---|---:|---:|\n\
             | desktop | {} | {} |\n| slow phone | {} | {} |\n",
            console.rounds,
            ms(console.desktop.rows_ms),
            ms(console.desktop.live_ms),
            ms(console.phone.rows_ms),
            ms(console.phone.live_ms),
        );
        md
    }

    fn baseline_markdown(&self) -> String {
        if self.baseline.is_empty() {
            return String::new();
        }
        let mut md = String::from(
            "\n## Against a bare chat room\n\n\
             The baseline (`bench/baseline/`) is a Worker of ours with one Durable Object per \
             room that passes each socket message to the room's other sockets and keeps it \
             with the key-value storage API: no sequencing, no de-duplication, no \
             acknowledgement. Both run on the same workerd under `wrangler dev`, driven by the \
             same load generator in this run, one after the other, each straight to its \
             workerd's own entry socket: `wrangler dev`'s proxy, which production does not \
             have, passes every socket message through a script of its own, and with a \
             thousand threads' sockets it once spun at full CPU for twenty minutes and stalled \
             the run. CPU is the user + system time (`/proc/<pid>/stat`) of the workerd process \
             that runs the Worker, over the run, divided by messages delivered. Ratios are \
             Confab's over the baseline's; the targets are ≤ 1.0×. This machine's cores are \
             shared, so single runs are noisy.\n\n\
             ![baseline](baseline-latency.svg)\n\n\
             | load | | Confab | baseline | ratio |\n|---|---|---:|---:|---:|\n",
        );
        let cpu = |value: Option<CpuPerMessage>| {
            value.map_or("—".to_string(), |cpu| format!("{:.3} ms", cpu.runtime_ms))
        };
        for run in &self.baseline {
            md += &format!(
                "| {label} | arrived | {} of {} | {} of {} | |\n\
                 | {label} | p50 | {:.2} ms | {:.2} ms | {:.2}× |\n\
                 | {label} | p99 | {:.2} ms | {:.2} ms | {:.2}× |\n\
                 | {label} | workerd CPU per delivered message | {} | {} | {} |\n",
                run.confab.delivered,
                run.confab.sent,
                run.baseline.delivered,
                run.baseline.sent,
                run.confab.p50,
                run.baseline.p50,
                run.p50_ratio(),
                run.confab.p99,
                run.baseline.p99,
                run.p99_ratio(),
                cpu(run.confab_cpu),
                cpu(run.baseline_cpu),
                run.cpu_ratio()
                    .map_or("—".into(), |ratio| format!("{ratio:.2}×")),
                label = run.label,
            );
        }
        md
    }

    fn attachments_markdown(&self) -> String {
        let Some(files) = &self.attachments else {
            return String::new();
        };
        let ms = |value: Option<f64>| value.map_or("—".to_string(), |v| format!("{v:.0} ms"));
        let mut md = String::from(
            "\n## Attachments\n\nA visitor's upload through the relay (`POST \
             /v1/threads/{id}/uploads`, streamed to the local R2 bucket), from the request's \
             start to the relay's answer, median of the rounds.\n\n\
             | file | stored | median |\n|---|---:|---:|\n",
        );
        for upload in &files.uploads {
            md += &format!(
                "| {:.0} MB ({} bytes) | {} of {} | {} |\n",
                upload.bytes as f64 / 1e6,
                upload.bytes,
                upload.stored,
                upload.tried,
                ms(upload.median_ms)
            );
        }
        let photo = &files.team_photo;
        md += &format!(
            "\nA team member's photo of {:.0} KB through the agent API (upload, then a message \
             naming it), to the visitor: medians of {} rounds, {} complete. Time to the first \
             thumbnail as far as the relay can measure it, without a browser: up to the \
             photo's bytes fetched through the message's signed link, not decoded or drawn.\n\n\
             | from the start of the upload to | median |\n|---|---:|\n\
             | the agent's upload answered | {} |\n\
             | the message with the photo on the visitor's socket | {} |\n\
             | the photo's bytes fetched through its signed link | {} |\n",
            photo.bytes as f64 / 1024.0,
            photo.rounds,
            photo.arrived,
            ms(photo.upload_ms),
            ms(photo.to_message_ms),
            ms(photo.to_bytes_ms),
        );
        md
    }
}

/// Draws latency distributions (share of messages at or under a latency) as an SVG chart.
fn chart(path: &Path, title: &str, series: &[Latency]) -> std::io::Result<()> {
    let max = series
        .iter()
        .map(|latency| latency.max)
        .filter(|max| max.is_finite())
        .fold(1.0, f64::max);
    let area = SVGBackend::new(path, (720, 420)).into_drawing_area();
    let draw = || -> Result<(), Box<dyn std::error::Error>> {
        area.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&area)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(48)
            .build_cartesian_2d(0.0..max * 1.05, 0.0..1.0)?;
        chart
            .configure_mesh()
            .x_desc("latency (ms)")
            .y_desc("share of messages")
            .draw()?;
        for (index, latency) in series.iter().enumerate() {
            let color = Palette99::pick(index).to_rgba();
            let count = latency.sorted_ms.len().max(1) as f64;
            chart
                .draw_series(LineSeries::new(
                    latency
                        .sorted_ms
                        .iter()
                        .enumerate()
                        .map(|(rank, ms)| (*ms, (rank + 1) as f64 / count)),
                    color.stroke_width(2),
                ))?
                .label(latency.label.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color));
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
        area.present()?;
        Ok(())
    };
    draw().map_err(|e| std::io::Error::other(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighs_and_reports() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("widget.js");
        std::fs::write(&file, "console.log('hello');".repeat(100)).unwrap();
        let weight = weigh("loader", &file);
        assert_eq!(weight.raw, 2100);
        assert!(weight.gzip < 100 && weight.brotli < 100, "{weight:?}");
        let report = Report {
            quick: true,
            machine: "test".into(),
            weights: vec![weight],
            page_with: PageCost::default(),
            page_without: PageCost::default(),
            phone: PhoneTaps {
                rounds: 3,
                not_loaded_ms: Some(700.0),
                taps_while_loading: 3,
                wasm_after_tap_ms: Some(500.0),
                loaded_ms: Some(120.0),
            },
            sockets: crate::load::HeldSockets {
                asked: 10,
                ready: 10,
                direct: true,
                workerd_mib_before: Some(100.0),
                workerd_mib_holding: Some(120.0),
            },
            relay: vec![Latency::new("50/s", 3, vec![1.0, 2.0, 3.0])],
            ceiling: Ceiling {
                sustained: Some(1000),
                cpu_ms_per_message: Some(0.5),
                missed: Some(2000),
            },
            forwarding: None,
            baseline: vec![SideBySide {
                label: "200/s over 10 threads".into(),
                confab: Latency::new("Confab", 4, vec![2.0, 3.0, 4.0, 8.0]),
                baseline: Latency::new("baseline", 4, vec![1.0, 2.0, 2.0, 4.0]),
                confab_cpu: CpuPerMessage::new(
                    cpu::CpuTime {
                        runtime: 0.006,
                        proxy: 0.002,
                    },
                    4,
                ),
                baseline_cpu: CpuPerMessage::new(
                    cpu::CpuTime {
                        runtime: 0.004,
                        proxy: 0.004,
                    },
                    4,
                ),
            }],
            relay_profiles: Vec::new(),
            attachments: Some(Attachments {
                uploads: vec![files::UploadTime {
                    bytes: 1_000_000,
                    stored: 3,
                    tried: 3,
                    median_ms: Some(42.0),
                }],
                team_photo: files::TeamPhoto {
                    bytes: 300 * 1024,
                    rounds: 3,
                    arrived: 3,
                    upload_ms: Some(20.0),
                    to_message_ms: Some(30.0),
                    to_bytes_ms: Some(35.0),
                },
            }),
            reach: None,
            assistant: None,
            console_weights: vec![Weight {
                name: "console wasm".into(),
                raw: 2048,
                gzip: 1024,
                brotli: 512,
            }],
            console: Some(console::ConsoleSignIn {
                rounds: 3,
                desktop: console::SignInRound {
                    rows_ms: Some(310.0),
                    live_ms: Some(340.0),
                },
                phone: console::SignInRound {
                    rows_ms: Some(1900.0),
                    live_ms: None,
                },
            }),
            platform: vec![platform::Cost {
                what: "session start".into(),
                unit: "session",
                count: 2,
                usage: [("sqliteRowsWritten".to_string(), 9)].into(),
            }],
            simulation: Vec::new(),
            laps: Laps {
                steps: vec![("weight".into(), 0.5), ("host page".into(), 12.25)],
                current: None,
            },
            targets: vec![
                Target::measured("loader ≤ 2 KB gzip", "0.1 KB".into(), true),
                Target::not_measured("10,000 sockets held"),
                Target::figure("upload of 1 MB", "42 ms".into()),
                Target::full_run_only("1,000/s over 100 threads ≤ 1.0×"),
            ],
        };
        report.write(dir.path()).unwrap();
        let md = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
        assert!(
            md.contains("| loader ≤ 2 KB gzip | 0.1 KB | pass |"),
            "{md}"
        );
        assert!(
            md.contains("| 10,000 sockets held | — | not measured yet |"),
            "{md}"
        );
        assert!(md.contains("| 50/s | 3 | 3 | 2.00 |"), "{md}");
        assert!(
            md.contains("3 of 3 taps before it mounted) | 700 ms |"),
            "{md}"
        );
        assert!(md.contains("| app loaded | 120 ms |"), "{md}");
        assert!(
            md.contains("| console wasm | 2.0 KB | 1.0 KB | 0.5 KB |"),
            "{md}"
        );
        assert!(md.contains("| desktop | 310 ms | 340 ms |"), "{md}");
        assert!(md.contains("| SQLite rows written | 4.50 |"), "{md}");
        assert!(md.contains("13 s from the first step"), "{md}");
        assert!(
            md.contains("| host page | 12.2 |\n| weight | 0.5 |"),
            "{md}"
        );
        assert!(md.contains("| slow phone | 1900 ms | — |"), "{md}");
        assert!(
            md.contains("| upload of 1 MB | 42 ms | reported (no numeric target) |"),
            "{md}"
        );
        assert!(
            md.contains(
                "| 1,000/s over 100 threads ≤ 1.0× | — | full run only (not run by --quick) |"
            ),
            "{md}"
        );
        // Ratios are Confab's over the baseline's: p50 4 / 2 (the upper middle rank),
        // p99 8 / 4, CPU 1.5 / 1 ms per message (the proxy's, which the load bypasses, is not
        // shown).
        assert!(
            md.contains("| 200/s over 10 threads | p50 | 4.00 ms | 2.00 ms | 2.00× |"),
            "{md}"
        );
        assert!(
            md.contains("| 200/s over 10 threads | p99 | 8.00 ms | 4.00 ms | 2.00× |"),
            "{md}"
        );
        assert!(
            md.contains(
                "| 200/s over 10 threads | workerd CPU per delivered message | 1.500 ms | 1.000 ms | 1.50× |"
            ),
            "{md}"
        );
        assert!(!md.contains("wrangler's proxy |"), "{md}");
        assert!(
            md.contains("| 1 MB (1000000 bytes) | 3 of 3 | 42 ms |"),
            "{md}"
        );
        assert!(
            md.contains("| the photo's bytes fetched through its signed link | 35 ms |"),
            "{md}"
        );
        let svg = std::fs::read_to_string(dir.path().join("baseline-latency.svg")).unwrap();
        assert!(svg.contains("baseline, 200/s over 10 threads"));
        let svg = std::fs::read_to_string(dir.path().join("relay-latency.svg")).unwrap();
        assert!(svg.contains("<svg") && svg.contains("50/s"));
    }
}
