//! The assistant (issue 17): how long a visitor's question takes to come back as the bot's
//! answer on the visitor's socket, from the brand's knowledge by retrieval alone, and with
//! a language model wording it (the fake of `fakes/llm.rs`, which answers at once: the
//! figure is the relay's own cost of the call, not a real model's thinking).
//!
//! Two brands of the bench's relay get the bot in `always` mode and the outdoor shop's
//! knowledge (the relay's own retrieval test data), one of them the model too. One visitor
//! of each asks the same answerable question once per round, through the HTTP API, and the
//! time runs from the send to the bot's message on the visitor's socket: the queue's hop,
//! the thread's check that the bot still answers, the search (and the model's call), and
//! the stored answer's broadcast. The first round also builds the brand's index in that
//! isolate; it is reported on its own.

use super::{Latency, Target};
use crate::api::{Api, Socket};
use crate::fakes::llm::FakeLlm;
use crate::relay::TEST_ADMIN_SECRET;
use confab_protocol::{Author, ServerFrame};
use serde::Serialize;
use serde_json::json;
use std::time::{Duration, Instant};

/// The outdoor shop's knowledge (English and Chinese).
const SHOP: &str = include_str!("../../../relay/src/knowledge/testdata/outdoor-shop.json");

/// The question each round asks: the shop answers it from its `shipping-cost` entry.
pub const QUESTION: &str = "How much does shipping cost?";

/// The Worker secret of the bench relay holding the fake model's key.
pub const LLM_KEY_SECRET: &str = "BENCH_LLM_KEY";

/// The fake model's key.
pub const LLM_KEY: &str = "bench-llm-key";

/// How long a round waits for the bot's answer before it counts as lost.
const ROUND_LIMIT: Duration = Duration::from_secs(30);

/// The bot's answers, by retrieval alone and with the (fake) model.
#[derive(Clone, Debug, Serialize)]
pub struct Bot {
    /// From the entries as written.
    pub retrieval: BotAnswers,
    /// Worded by the fake model.
    pub generative: BotAnswers,
}

impl Bot {
    /// The report's rows: figures (the issue asks for the numbers, and sets no target).
    pub fn targets(&self) -> Vec<Target> {
        vec![
            self.retrieval.target("retrieval only"),
            self.generative
                .target("worded by a fake OpenAI-compatible model that answers at once"),
        ]
    }

    /// The report's section.
    pub fn markdown(&self) -> String {
        format!(
            "\n## The assistant\n\nOne visitor asks \"{QUESTION}\" once per round; the bot \
             answers from the brand's knowledge. Question sent (HTTP) → the bot's message on \
             the visitor's socket, after the first round (which builds the brand's index in \
             the isolate):\n\n| answer | p50 | p95 | p99 | max | answered | first round |\n\
             |---|---:|---:|---:|---:|---:|---:|\n{}{}",
            self.retrieval.row("retrieval only"),
            self.generative.row("worded by the fake model")
        )
    }
}

/// The bot's answers over the rounds.
#[derive(Clone, Debug, Serialize)]
pub struct BotAnswers {
    /// The first round's time (ms), which includes building the index.
    pub first_ms: Option<f64>,
    /// The later rounds: question sent → the bot's answer on the socket.
    pub latency: Latency,
}

impl BotAnswers {
    /// The row of the targets table.
    fn target(&self, how: &str) -> Target {
        let latency = &self.latency;
        let measured = match latency.delivered {
            0 => format!("no answer in {} rounds", latency.sent),
            delivered => format!(
                "p50 {:.0} ms, p99 {:.0} ms ({delivered} of {} answered; the first, which \
                 builds the index, {})",
                latency.p50,
                latency.p99,
                latency.sent,
                self.first_ms
                    .map_or("lost".to_string(), |ms| format!("{ms:.0} ms"))
            ),
        };
        Target::figure(
            &format!("assistant: visitor's question → the bot's answer on the socket, {how}"),
            measured,
        )
    }

    /// The row of the report's table.
    fn row(&self, how: &str) -> String {
        let latency = &self.latency;
        format!(
            "| {how} | {:.0} ms | {:.0} ms | {:.0} ms | {:.0} ms | {} of {} | {} |\n",
            latency.p50,
            latency.p95,
            latency.p99,
            latency.max,
            latency.delivered,
            latency.sent,
            self.first_ms
                .map_or("lost".to_string(), |ms| format!("{ms:.0} ms"))
        )
    }
}

/// Measures `rounds` questions (plus the first) of each kind on the relay behind `api`,
/// whose Worker secret [`LLM_KEY_SECRET`] holds [`LLM_KEY`]; `progress` is called after
/// each.
pub async fn measure(api: &Api, rounds: usize, mut progress: impl FnMut()) -> Bot {
    let model = FakeLlm::start(LLM_KEY).await;
    let retrieval = measure_brand(
        api,
        "bench-bot",
        json!({ "mode": "always" }),
        rounds,
        &mut progress,
    )
    .await;
    let generative = json!({
        "mode": "always",
        "generative": {
            "baseUrl": model.base_url,
            "model": "bench-fake",
            "keySecret": LLM_KEY_SECRET,
        },
    });
    let generative = measure_brand(api, "bench-bot-llm", generative, rounds, &mut progress).await;
    assert!(model.refused() == 0, "the relay sends the brand's key");
    Bot {
        retrieval,
        generative,
    }
}

/// Measures `rounds` questions (plus the first) to `brand`, given the bot's `assistant`
/// settings.
async fn measure_brand(
    api: &Api,
    brand: &str,
    assistant: serde_json::Value,
    rounds: usize,
    progress: &mut impl FnMut(),
) -> BotAnswers {
    let status = api
        .put_brand(
            brand,
            json!({
                "name": "Bench bot",
                "allowedOrigins": ["http://127.0.0.1:*"],
                "visitorRateLimit": { "burst": 100000, "perMinute": 6000000 },
                "assistant": assistant,
            }),
        )
        .await;
    assert!(status < 300, "the bench's bot brand is stored ({status})");
    let imported = api
        .http
        .post(api.url(&format!(
            "/v1/admin/brands/{brand}/knowledge/import?mode=replace"
        )))
        .bearer_auth(TEST_ADMIN_SECRET)
        .header("Content-Type", "application/json")
        .body(SHOP)
        .send()
        .await
        .expect("the relay answers");
    assert_eq!(imported.status(), 200, "the shop's knowledge is imported");
    let session = api.session_of(brand).await;
    let mut socket = api.socket(&session, 0).await;
    socket.until_ready().await;
    let mut times = Vec::new();
    let mut first_ms = None;
    for round in 0..=rounds {
        let asked = Instant::now();
        let (status, _) = api.send(&session, &format!("q{round}"), QUESTION).await;
        assert!(status < 300, "the question is stored ({status})");
        let answered = bot_answer(&mut socket)
            .await
            .then(|| asked.elapsed().as_secs_f64() * 1000.0);
        match round {
            0 => first_ms = answered,
            _ => times.extend(answered),
        }
        progress();
    }
    times.sort_by(f64::total_cmp);
    BotAnswers {
        first_ms,
        latency: Latency::new("question → bot's answer", rounds, times),
    }
}

/// Whether the bot's next message arrives on `socket` within [`ROUND_LIMIT`].
async fn bot_answer(socket: &mut Socket) -> bool {
    let waiting = async {
        loop {
            if let ServerFrame::Message { message } = socket.next().await {
                if message.author == Author::Bot {
                    return;
                }
            }
        }
    };
    tokio::time::timeout(ROUND_LIMIT, waiting).await.is_ok()
}
