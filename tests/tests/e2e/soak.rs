//! The soak: many threads, each sending and answering through a relay whose providers fail
//! at random and which is killed once in the middle, clients retrying as the widget does
//! (the same client id until the relay answers). Then every copy of every thread — the
//! relay's history, its Telegram topic, the backend's events — must hold exactly what was
//! sent, once each, in the thread's order.
//!
//! Short by default (it runs in CI); `cargo xtask test --soak` sets `CONFAB_SOAK=1` for
//! thousands of messages.

use confab_e2e::api::Api;
use confab_e2e::eventually;
use confab_e2e::fakes::Failure;
use confab_e2e::world::World;
use confab_protocol::Session;
use futures_util::future::join_all;
use std::collections::BTreeMap;
use std::time::Duration;

/// How big the run is.
struct Size {
    threads: usize,
    /// Messages per thread in each of the two halves (before and after the restart).
    per_half: usize,
    /// Failures planned on each provider.
    failures: usize,
}

fn size() -> Size {
    match std::env::var("CONFAB_SOAK").as_deref() {
        Ok("1") => Size {
            threads: 60,
            per_half: 20,
            failures: 150,
        },
        _ => Size {
            threads: 6,
            per_half: 6,
            failures: 12,
        },
    }
}

/// A small xorshift generator: the run prints its seed, so a failure can be replayed.
struct Random(u64);

impl Random {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

fn random_failures(random: &mut Random, count: usize) -> Vec<Failure> {
    (0..count)
        .map(|_| match random.below(5) {
            0 => Failure::Status(500),
            1 => Failure::Status(503),
            2 => Failure::SlowDown(1),
            3 => Failure::HangUp,
            _ => Failure::Hang,
        })
        .collect()
}

/// One message of a thread: from the visitor (over HTTP), or from the team (agent API).
#[derive(Clone)]
struct Planned {
    text: String,
    from_visitor: bool,
    /// Sent a second time after the first answer, as a client that missed it would.
    resent: bool,
}

/// POSTs until the relay takes it (201) or says it had it already (200): connection
/// failures (the relay is down) and 429s are retried, with the same client id.
async fn deliver(api: &Api, session: &Session, key: &str, message: &Planned) {
    let url = match message.from_visitor {
        true => api.url(&format!("/v1/threads/{}/messages", session.thread_id)),
        false => api.url(&format!("/v1/agent/threads/{}/messages", session.thread_id)),
    };
    let credential = match message.from_visitor {
        true => session.token.as_str(),
        false => key,
    };
    let body = serde_json::json!({ "clientId": message.text, "text": message.text });
    let times = if message.resent { 2 } else { 1 };
    for _ in 0..times {
        eventually(120, || async {
            let answer = api
                .http
                .post(&url)
                .bearer_auth(credential)
                .json(&body)
                .send()
                .await;
            let answer = match answer {
                Ok(response) => Ok((
                    response.status().as_u16(),
                    response.text().await.unwrap_or_default(),
                )),
                Err(error) => Err(error),
            };
            match answer.as_ref().map(|(status, _)| *status) {
                Ok(200 | 201) => Ok(()),
                Ok(429) => {
                    // The relay asked for a pause (a second or so): honoured, as the widget does.
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    Err("429".to_string())
                }
                Ok(status) => panic!(
                    "{}: {status} {:?}",
                    message.text,
                    answer.map(|(_, body)| body)
                ),
                Err(error) => Err(format!("relay unreachable: {error}")),
            }
        })
        .await;
    }
}

/// Sends each thread's messages of one half, threads side by side, each in its order.
async fn send_half(api: &Api, key: &str, threads: &[(Session, Vec<Planned>)], half: usize) {
    join_all(threads.iter().map(|(session, plan)| async move {
        let per_half = plan.len() / 2;
        for message in &plan[half * per_half..(half + 1) * per_half] {
            deliver(api, session, key, message).await;
        }
    }))
    .await;
}

#[tokio::test]
async fn many_threads_through_random_faults_and_a_restart_keep_every_message_once() {
    let size = size();
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    println!("soak seed {seed}");
    let mut random = Random(seed);
    let mut world = World::start(&[
        ("DELIVERY_TIMEOUT_SECONDS", "2"),
        ("DELIVERY_LEASE_SECONDS", "15"),
    ])
    .await;
    world
        .telegram
        .fail_next(random_failures(&mut random, size.failures));
    world
        .backend
        .fail_next(random_failures(&mut random, size.failures));
    let key = world.api.agent_key("demo").await;

    let mut threads = Vec::new();
    for thread in 0..size.threads {
        let address = format!("10.9.{}.{}", thread / 250, thread % 250 + 1);
        let session = world.api.session_from("demo", &address).await;
        let plan: Vec<Planned> = (0..size.per_half * 2)
            .map(|n| Planned {
                text: format!("thread {thread} message {n}"),
                from_visitor: random.below(4) != 0,
                resent: random.below(5) == 0,
            })
            .collect();
        threads.push((session, plan));
    }

    send_half(&world.api, &key, &threads, 0).await;
    // Killed while the first half is still being forwarded; the second half waits for it.
    world.relay.restart_after(|| async {}).await;
    send_half(&world.api, &key, &threads, 1).await;

    let (api, telegram, backend) = (&world.api, &world.telegram, &world.backend);
    eventually(240, || async {
        let topics = telegram.seen(|seen| seen.topics.clone());
        let posted = telegram.seen(|seen| seen.posted.clone());
        let events = backend.received();
        for (session, plan) in &threads {
            let expected: Vec<&String> = plan.iter().map(|m| &m.text).collect();
            let history = api.history(session).await;
            let texts: Vec<&String> = history.iter().map(|m| &m.text).collect();
            if texts != expected {
                return Err(format!("{} has {texts:?}", session.thread_id));
            }
            let tag = confab_relay::connector::telegram::topic_name(session.thread_id.as_str());
            let topic = topics
                .iter()
                .find(|(_, name)| *name == tag)
                .map(|(id, _)| *id);
            let in_topic: Vec<&String> = posted
                .iter()
                .filter(|post| Some(post.topic_id) == topic)
                .map(|post| &post.text)
                .filter(|text| !text.starts_with("New conversation on"))
                .collect();
            let to_team: Vec<&String> = plan
                .iter()
                .filter(|m| m.from_visitor)
                .map(|m| &m.text)
                .collect();
            if in_topic != to_team {
                let named: Vec<(i64, usize)> = topics
                    .iter()
                    .filter(|(_, name)| *name == tag)
                    .map(|(id, _)| (*id, posted.iter().filter(|p| p.topic_id == *id).count()))
                    .collect();
                return Err(format!(
                    "topic {tag} ({named:?}) has {in_topic:?}, not {to_team:?}"
                ));
            }
            let mut heard: BTreeMap<u64, u32> = BTreeMap::new();
            for event in &events {
                if event.event["type"] == "message.created"
                    && event.event["threadId"] == session.thread_id.as_str()
                {
                    *heard
                        .entry(event.event["message"]["seq"].as_u64().unwrap_or(0))
                        .or_default() += 1;
                }
            }
            let once: BTreeMap<u64, u32> = history.iter().map(|m| (m.seq.0, 1)).collect();
            if heard != once {
                return Err(format!(
                    "the backend heard {heard:?} of {}",
                    session.thread_id
                ));
            }
        }
        Ok(())
    })
    .await;
    let total: usize = threads.iter().map(|(_, plan)| plan.len()).sum();
    println!(
        "soak: {total} messages over {} threads, seed {seed}",
        threads.len()
    );
}
