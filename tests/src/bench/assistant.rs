//! The assistant (issue 17): how long a visitor's question takes to come back as the bot's
//! answer on the visitor's socket, answered from the brand's knowledge by retrieval alone.
//!
//! A brand of the bench's relay gets the bot in `always` mode and the outdoor shop's
//! knowledge (the relay's own retrieval test data). One visitor asks the same answerable
//! question once per round, through the HTTP API, and the time runs from the send to the
//! bot's message on the visitor's socket: the queue's hop, the thread's check that the bot
//! still answers, the search and the stored answer's broadcast. The first round also builds
//! the brand's index in that isolate; it is reported on its own. Generative answers (an
//! LLM) are not built yet, so there is no "with an LLM" figure.

use super::{Latency, Target};
use crate::api::{Api, Socket};
use crate::relay::TEST_ADMIN_SECRET;
use confab_protocol::{Author, ServerFrame};
use serde::Serialize;
use serde_json::json;
use std::time::{Duration, Instant};

/// The outdoor shop's knowledge (English and Chinese).
const SHOP: &str = include_str!("../../../relay/src/knowledge/testdata/outdoor-shop.json");

/// The question each round asks: the shop answers it from its `shipping-cost` entry.
pub const QUESTION: &str = "How much does shipping cost?";

/// How long a round waits for the bot's answer before it counts as lost.
const ROUND_LIMIT: Duration = Duration::from_secs(30);

/// The bot's answers over the rounds.
#[derive(Clone, Debug, Serialize)]
pub struct BotAnswers {
    /// The first round's time (ms), which includes building the index.
    pub first_ms: Option<f64>,
    /// The later rounds: question sent → the bot's answer on the socket.
    pub latency: Latency,
}

impl BotAnswers {
    /// The report's rows: figures (the issue asks for the numbers, and sets no target).
    pub fn targets(&self) -> Vec<Target> {
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
        vec![
            Target::figure(
                "assistant: visitor's question → the bot's answer on the socket, retrieval \
                 only",
                measured,
            ),
            Target::not_measured(
                "assistant: the same with a generative model (OpenAI-compatible fake): not \
                 built yet",
            ),
        ]
    }

    /// The report's section.
    pub fn markdown(&self) -> String {
        let latency = &self.latency;
        format!(
            "\n## The assistant\n\nOne visitor asks \"{QUESTION}\" once per round; the bot \
             answers from the brand's knowledge (retrieval, no LLM). Question sent (HTTP) → \
             the bot's message on the visitor's socket: p50 {:.0} ms, p95 {:.0} ms, p99 {:.0} \
             ms, max {:.0} ms over {} of {} rounds after the first; the first, which builds \
             the brand's index in the isolate, {}.\n",
            latency.p50,
            latency.p95,
            latency.p99,
            latency.max,
            latency.delivered,
            latency.sent,
            self.first_ms
                .map_or("was lost".to_string(), |ms| format!("took {ms:.0} ms"))
        )
    }
}

/// Measures `rounds` questions (plus the first) on the relay behind `api`; `progress` is
/// called after each.
pub async fn measure(api: &Api, rounds: usize, mut progress: impl FnMut()) -> BotAnswers {
    let status = api
        .put_brand(
            "bench-bot",
            json!({
                "name": "Bench bot",
                "allowedOrigins": ["http://127.0.0.1:*"],
                "visitorRateLimit": { "burst": 100000, "perMinute": 6000000 },
                "assistant": { "mode": "always" },
            }),
        )
        .await;
    assert!(status < 300, "the bench's bot brand is stored ({status})");
    let imported = api
        .http
        .post(api.url("/v1/admin/brands/bench-bot/knowledge/import?mode=replace"))
        .bearer_auth(TEST_ADMIN_SECRET)
        .header("Content-Type", "application/json")
        .body(SHOP)
        .send()
        .await
        .expect("the relay answers");
    assert_eq!(imported.status(), 200, "the shop's knowledge is imported");
    let session = api.session_of("bench-bot").await;
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
