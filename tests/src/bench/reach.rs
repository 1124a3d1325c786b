//! Reaching a visitor who left (issue 16): how long a team reply takes to leave the relay
//! as an email, and as a web push, when the visitor is not there to read it.
//!
//! Both run on a relay of their own, started with the VAPID variables web push needs (the
//! bench's shared relay is started without them), whose `bench` brand emails and pushes
//! after [`DELAY_SECONDS`]. Email: a visitor asks for replies at a unique address and opens
//! the verification link; then each round sends one team reply through the agent API and
//! polls, every [`POLL`], for the `.eml` file `wrangler dev` writes for it
//! ([`crate::mailbox`]), timing the file's write. Push: another visitor's "browser"
//! subscribes at the fake push service ([`FakePush`]); each round times a reply to the
//! push the fake received and decrypted. A round waits for its email or push before the
//! next reply, so the relay never groups two rounds into one burst, and the visitor never
//! reads, so every reply is still unseen when it falls due.

use super::platform::{Cost, Meter};
use super::{Latency, Target};
use crate::api::Api;
use crate::fakes::push::{FakePush, DEV_VAPID_PRIVATE_KEY, DEV_VAPID_SUBJECT};
use crate::mailbox::{self, unique_address};
use crate::Relay;
use confab_protocol::api::PushKey;
use confab_protocol::Session;
use serde::Serialize;
use serde_json::json;
use std::collections::HashSet;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

/// The brand's delay before it emails or pushes an unseen reply: email's minimum, and the
/// same for push so the two read alike.
pub const DELAY_SECONDS: u32 = 1;

/// How often a round looks for its email or push: fine enough that polling adds little
/// to what is measured (an email's time is its file's own write time in any case).
pub const POLL: Duration = Duration::from_millis(20);

/// How long a round waits for its email or push before the channel gives up.
const ROUND_LIMIT: Duration = Duration::from_secs(60);

/// One way of reaching a visitor who left, over the rounds.
#[derive(Clone, Debug, Serialize)]
pub struct ReachTimes {
    /// What was timed, e.g. `team reply → email written`.
    pub label: String,
    /// The brand's delay before the relay reaches out, in seconds.
    pub delay_seconds: u32,
    /// Reply to email or push (ms): `sent` replies, `delivered` that arrived.
    pub total: Latency,
    /// The same minus the brand's delay: the relay's own time (queue, alarm, composing or
    /// encrypting, sending).
    pub relay_own: Latency,
    /// Emails or pushes that carried an earlier round's reply too (0 when every round
    /// went on its own, as it should).
    pub grouped: usize,
}

impl ReachTimes {
    /// The times of `sent` replies whose email or push arrived after `times_ms`, with the
    /// brand's delay of `delay_seconds` taken off for the relay's own share.
    pub fn new(
        label: &str,
        delay_seconds: u32,
        sent: usize,
        mut times_ms: Vec<f64>,
        grouped: usize,
    ) -> ReachTimes {
        times_ms.sort_by(f64::total_cmp);
        let delay_ms = f64::from(delay_seconds) * 1000.0;
        // Taking a constant off keeps the order: still sorted.
        let own: Vec<f64> = times_ms.iter().map(|ms| ms - delay_ms).collect();
        ReachTimes {
            label: label.to_string(),
            delay_seconds,
            total: Latency::new(label, sent, times_ms),
            relay_own: Latency::new(&format!("{label}, minus the delay"), sent, own),
            grouped,
        }
    }

    /// The row of the targets table: p50 and max, with and without the delay.
    pub fn measured(&self) -> String {
        let (total, own) = (&self.total, &self.relay_own);
        if total.delivered == 0 {
            return format!("none of {} arrived", total.sent);
        }
        format!(
            "p50 {:.0} ms, max {:.0} ms; the relay's own (minus the {} s delay) p50 {:.0} ms, \
             max {:.0} ms; {} of {} arrived",
            total.p50, total.max, self.delay_seconds, own.p50, own.max, total.delivered, total.sent
        )
    }
}

/// Both ways of reaching a visitor who left.
#[derive(Clone, Debug, Serialize)]
pub struct Reach {
    /// A team reply to the email the runtime wrote.
    pub email: ReachTimes,
    /// A team reply to the push the fake push service received.
    pub push: ReachTimes,
    /// What a reply that reached the visitor cost the platform: by email, by push.
    pub costs: Vec<Cost>,
}

impl Reach {
    /// The report's rows: figures, as the issue sets no target.
    pub fn targets(&self) -> Vec<Target> {
        let rounds = self.email.total.sent;
        vec![
            Target::figure(
                &format!(
                    "reaching a visitor who left: team reply (agent API) → email written by the \
                     runtime, brand delay {} s ({rounds} rounds)",
                    self.email.delay_seconds
                ),
                self.email.measured(),
            ),
            Target::figure(
                &format!(
                    "reaching a visitor who left: team reply (agent API) → web push received \
                     and decrypted by a fake push service, brand delay {} s ({} rounds)",
                    self.push.delay_seconds, self.push.total.sent
                ),
                self.push.measured(),
            ),
        ]
    }

    /// The report's section.
    pub fn markdown(&self) -> String {
        let ms = |latency: &Latency, value: f64| match latency.delivered {
            0 => "—".to_string(),
            _ => format!("{value:.0} ms"),
        };
        let mut md = format!(
            "\n## Reaching visitors later\n\n\
             A visitor who left: per round one team reply through the agent API, timed to the \
             email the runtime wrote (`wrangler dev`'s `send_email`: the `.eml` file's write \
             time) and to the push the fake push service (`tests/src/fakes/push.rs`) received \
             and decrypted. Each round waits for its own email or push before the next reply, \
             and the visitor reads nothing. The brand's delay is {} s for both; \"the relay's \
             own\" is the time minus that delay: the queue (whose delays are whole seconds), \
             the wait and its re-queue, composing or encrypting, and sending. Run on a relay of \
             its own, started with the VAPID variables the bench's shared relay lacks.\n\n\
             | reply → | arrived | p50 | max | the relay's own, p50 | the relay's own, max | \
             grouped with an earlier round |\n|---|---:|---:|---:|---:|---:|---:|\n",
            self.email.delay_seconds
        );
        for (name, times) in [
            ("email written", &self.email),
            ("push received", &self.push),
        ] {
            let (total, own) = (&times.total, &times.relay_own);
            md += &format!(
                "| {name} | {} of {} | {} | {} | {} | {} | {} |\n",
                total.delivered,
                total.sent,
                ms(total, total.p50),
                ms(total, total.max),
                ms(own, own.p50),
                ms(own, own.max),
                times.grouped
            );
        }
        md
    }
}

/// The relay the reach rounds run on: its own, with VAPID keys and a fake push service.
pub struct ReachRelay {
    _relay: Relay,
    api: Api,
    fake: FakePush,
}

impl ReachRelay {
    /// Starts it (the bench starts it beside the others, before anything is measured).
    pub async fn start() -> ReachRelay {
        let fake = FakePush::start().await;
        let relay = Relay::start_with(&[
            ("VAPID_PRIVATE_KEY", DEV_VAPID_PRIVATE_KEY),
            ("VAPID_SUBJECT", DEV_VAPID_SUBJECT),
            // Listed as production lists (the tests' relays list at once).
            ("LISTING_DELAY_SECONDS", "1"),
        ])
        .await;
        let api = Api::new(relay.origin());
        // Set before any session, so no isolate holds the seeded settings in its cache.
        let status = api
            .put_brand(
                "bench",
                json!({
                    "name": "Bench",
                    "allowedOrigins": ["http://127.0.0.1:*"],
                    "visitorRateLimit": { "burst": 100000, "perMinute": 6000000 },
                    "email": {
                        "from": "support@bench.example",
                        "replyDomain": "reply.bench.example",
                        "page": "http://127.0.0.1:9/help",
                        "delaySeconds": DELAY_SECONDS,
                    },
                    "push": { "delaySeconds": DELAY_SECONDS },
                }),
            )
            .await;
        assert_eq!(status, 200, "the bench brand takes email and push settings");
        ReachRelay {
            _relay: relay,
            api,
            fake,
        }
    }
}

/// Measures both over `rounds` replies each, on the reach relay; `progress` is called
/// after each round.
pub async fn measure(reach: &ReachRelay, rounds: usize, mut progress: impl FnMut()) -> Reach {
    let ReachRelay { api, fake, .. } = reach;
    let key = api.agent_key("bench").await;
    let (email, by_email) = email_rounds(api, &key, rounds, &mut progress).await;
    let (push, by_push) = push_rounds(api, &key, fake, rounds, &mut progress).await;
    Reach {
        email,
        push,
        costs: vec![by_email, by_push],
    }
}

/// A reply's text: says which round it is, so its email or push is told from the others.
fn reply_text(channel: &str, round: usize) -> String {
    format!("Bench reply {channel}-{round}: we are on it.")
}

/// The team replies through the agent API.
async fn reply(api: &Api, key: &str, session: &Session, client_id: &str, text: &str) {
    let (status, body) = api
        .agent_send(key, &session.thread_id, client_id, text)
        .await;
    assert_eq!(status, 201, "the agent API stores the reply: {body}");
}

async fn email_rounds(
    api: &Api,
    key: &str,
    rounds: usize,
    progress: &mut impl FnMut(),
) -> (ReachTimes, Cost) {
    let session = api.session_of("bench").await;
    let address = unique_address("bench-reach");
    let asked = api
        .http
        .post(api.url(&format!("/v1/threads/{}/email", session.thread_id)))
        .bearer_auth(session.token.as_str())
        .json(&json!({ "address": address, "language": "en" }))
        .send()
        .await
        .expect("the relay answers");
    assert_eq!(asked.status(), 202, "replies by email are asked for");
    let verification = mailbox::wait_for(&address, 1).await.remove(0);
    let link = verification
        .link(&api.url("/v1/email/verify?"))
        .expect("a verification link");
    let opened = api.http.get(&link).send().await.expect("the relay answers");
    assert_eq!(opened.status(), 200, "the verification link works");

    // Files written before the first reply (other relays', the verification) are not ours.
    let mut known: HashSet<PathBuf> = mailbox::sent_files().into_iter().collect();
    // The rounds alone are metered: the set-up above is not a reply's cost.
    let meter = Meter::of(api);
    let before = meter.settled().await;
    let mut times = Vec::new();
    let mut grouped = 0;
    for round in 0..rounds {
        let text = reply_text("email", round);
        let sent_at = SystemTime::now();
        let started = Instant::now();
        reply(api, key, &session, &format!("reach-email-{round}"), &text).await;
        let mut found = None;
        while found.is_none() && started.elapsed() < ROUND_LIMIT {
            tokio::time::sleep(POLL).await;
            for path in mailbox::sent_files() {
                if known.contains(&path) {
                    continue;
                }
                let Some(email) = mailbox::read_sent(&path) else {
                    continue; // Not whole yet: read again next time.
                };
                if !email.to.eq_ignore_ascii_case(&address) {
                    known.insert(path);
                } else if email.text.contains(&text) {
                    known.insert(path);
                    found = Some(email);
                    break;
                }
                // Ours but without this round's reply: read again, in case the file was
                // still being written.
            }
        }
        progress();
        let Some(email) = found else {
            break; // A later reply would be grouped with this one: nothing more to time.
        };
        if (0..round).any(|earlier| email.text.contains(&reply_text("email", earlier))) {
            grouped += 1;
        }
        let took = email.written.duration_since(sent_at).unwrap_or_default();
        times.push(took.as_secs_f64() * 1000.0);
    }
    let cost = Cost {
        what: "team reply (agent API) to a visitor away, by email".into(),
        unit: "message",
        count: rounds,
        usage: meter.since(&before).await,
    };
    let times = ReachTimes::new(
        "team reply → email written",
        DELAY_SECONDS,
        rounds,
        times,
        grouped,
    );
    (times, cost)
}

async fn push_rounds(
    api: &Api,
    key: &str,
    fake: &FakePush,
    rounds: usize,
    progress: &mut impl FnMut(),
) -> (ReachTimes, Cost) {
    let session = api.session_of("bench").await;
    let server_key: PushKey = api
        .http
        .get(api.url("/v1/push/key"))
        .send()
        .await
        .expect("the relay answers")
        .json()
        .await
        .expect("the VAPID key");
    let subscription = fake.subscribe(&server_key.public_key);
    let subscribed = api
        .http
        .post(api.url(&format!("/v1/threads/{}/push", session.thread_id)))
        .bearer_auth(session.token.as_str())
        .json(&subscription)
        .send()
        .await
        .expect("the relay answers");
    assert_eq!(subscribed.status(), 204, "the browser subscribes");
    let id = subscription
        .endpoint
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();

    // The rounds alone are metered: the set-up above is not a reply's cost.
    let meter = Meter::of(api);
    let before = meter.settled().await;
    let mut times = Vec::new();
    let mut grouped = 0;
    for round in 0..rounds {
        let text = reply_text("push", round);
        let started = Instant::now();
        reply(api, key, &session, &format!("reach-push-{round}"), &text).await;
        let mut found = None;
        while found.is_none() && started.elapsed() < ROUND_LIMIT {
            tokio::time::sleep(POLL).await;
            found = fake.received().into_iter().find(|push| {
                push.subscription == id && push.payload["body"].as_str() == Some(text.as_str())
            });
        }
        progress();
        let Some(push) = found else {
            break;
        };
        // A push carries one reply's first line: a burst shows its latest only, so an
        // earlier round that was never pushed on its own counts as grouped.
        let pushed = fake
            .received()
            .iter()
            .filter(|push| push.subscription == id)
            .count();
        if pushed < round + 1 {
            grouped += 1;
        }
        times.push(push.at.duration_since(started).as_secs_f64() * 1000.0);
    }
    let cost = Cost {
        what: "team reply (agent API) to a visitor away, by web push".into(),
        unit: "message",
        count: rounds,
        usage: meter.since(&before).await,
    };
    let times = ReachTimes::new(
        "team reply → push received",
        DELAY_SECONDS,
        rounds,
        times,
        grouped,
    );
    (times, cost)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_the_delay_off_and_reports_what_arrived() {
        let times = ReachTimes::new("reply → email", 1, 4, vec![1900.0, 1200.0, 1500.0], 0);
        assert_eq!(times.total.sorted_ms, vec![1200.0, 1500.0, 1900.0]);
        assert_eq!(times.relay_own.sorted_ms, vec![200.0, 500.0, 900.0]);
        assert_eq!((times.total.p50, times.total.max), (1500.0, 1900.0));
        assert_eq!(
            times.measured(),
            "p50 1500 ms, max 1900 ms; the relay's own (minus the 1 s delay) p50 500 ms, \
             max 900 ms; 3 of 4 arrived"
        );
        let none = ReachTimes::new("reply → push", 1, 3, Vec::new(), 0);
        assert_eq!(none.measured(), "none of 3 arrived");
        let reach = Reach {
            email: times,
            push: none,
            costs: Vec::new(),
        };
        let md = reach.markdown();
        assert!(
            md.contains("| email written | 3 of 4 | 1500 ms | 1900 ms | 500 ms | 900 ms | 0 |"),
            "{md}"
        );
        assert!(
            md.contains("| push received | 0 of 3 | — | — | — | — | 0 |"),
            "{md}"
        );
        let targets = reach.targets();
        assert_eq!(targets.len(), 2);
        assert!(targets[0].aim.contains("email written"), "{targets:?}");
        assert_eq!(targets[1].measured.as_deref(), Some("none of 3 arrived"));
    }
}
