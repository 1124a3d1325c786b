//! The thread model against the real relay, as a property: any interleaving of sends over
//! HTTP and over two sockets, retries of the same client id, and socket reconnects that
//! resume after the last message seen, gives one order — `seq` from 1 with no gaps — with
//! each client id stored once, every retry answered with the first copy, and every socket
//! seeing each message once, in order.

use confab_e2e::api::{Api, Socket};
use confab_e2e::{eventually, Relay};
use confab_protocol::{ClientFrame, ClientMessageId, Message, ServerFrame, Session};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// One step of a visitor's client.
#[derive(Clone, Debug)]
enum Step {
    /// Send message `n` over HTTP and wait for the answer.
    Http(u8),
    /// Send message `n` over socket `k`, without waiting.
    Socket(usize, u8),
    /// Close socket `k` and open it again after the last message it saw.
    Reconnect(usize),
}

fn step() -> impl Strategy<Value = Step> {
    // Few distinct messages, so that many sends are retries of one already sent.
    prop_oneof![
        (0u8..10).prop_map(Step::Http),
        (0usize..2, 0u8..10).prop_map(|(k, n)| Step::Socket(k, n)),
        (0usize..2).prop_map(Step::Reconnect),
    ]
}

/// A socket, the `seq`s it has seen in arrival order, and the messages sent over it.
struct Watcher {
    socket: Socket,
    seen: Vec<u64>,
    sent: BTreeSet<u8>,
}

impl Watcher {
    async fn open(api: &Api, session: &Session, after: u64) -> Watcher {
        let mut socket = api.socket(session, after).await;
        let (backlog, _) = socket.until_ready().await;
        Watcher {
            socket,
            seen: backlog.iter().map(|m| m.seq.0).collect(),
            sent: BTreeSet::new(),
        }
    }

    /// The `seq`s seen, each the first time only.
    fn first_sightings(&self) -> Vec<u64> {
        let mut known = BTreeSet::new();
        self.seen
            .iter()
            .copied()
            .filter(|seq| known.insert(*seq))
            .collect()
    }

    /// Reads until the socket has seen `count` distinct messages.
    async fn catch_up(&mut self, count: usize) {
        tokio::time::timeout(Duration::from_secs(20), async {
            while self.first_sightings().len() < count {
                match self.socket.next().await {
                    ServerFrame::Message { message } => self.seen.push(message.seq.0),
                    ServerFrame::Rejected { code, .. } => panic!("a send was refused: {code}"),
                    _ => {}
                }
            }
        })
        .await
        .unwrap_or_else(|_| panic!("the socket saw only {:?}", self.seen));
    }
}

fn text(n: u8) -> String {
    format!("message {n}")
}

async fn run(api: &Api, address: &str, steps: &[Step]) -> Result<(), TestCaseError> {
    let session = api.session_from("demo", address).await;
    let mut watchers = vec![
        Watcher::open(api, &session, 0).await,
        Watcher::open(api, &session, 0).await,
    ];
    let mut sent = BTreeSet::new();
    let mut first_copy: BTreeMap<u8, u64> = BTreeMap::new();
    for step in steps {
        match step {
            Step::Http(n) => {
                let (status, message) = api.send(&session, &text(*n), &text(*n)).await;
                let first = *first_copy.entry(*n).or_insert(message.seq.0);
                prop_assert!(status == 201 || status == 200, "status {status}");
                prop_assert_eq!(first, message.seq.0, "a retry answers the first copy");
                sent.insert(*n);
            }
            Step::Socket(k, n) => {
                let frame = ClientFrame::Send {
                    client_id: ClientMessageId::new(text(*n)),
                    text: text(*n),
                };
                watchers[*k].socket.send(&frame).await;
                watchers[*k].sent.insert(*n);
                sent.insert(*n);
            }
            Step::Reconnect(k) => {
                let after = watchers[*k].seen.last().copied().unwrap_or(0);
                let resumed = Watcher::open(api, &session, after).await;
                let old = std::mem::replace(&mut watchers[*k], resumed);
                old.socket.close().await;
                let mut seen = old.seen;
                seen.extend(&watchers[*k].seen);
                watchers[*k].seen = seen;
                watchers[*k].sent = old.sent;
            }
        }
    }
    // As the widget's outbox does, whatever went over a socket is sent again until an
    // answer says it is stored: over HTTP here, each a retry or the first arrival.
    for n in &sent {
        let (status, message) = api.send(&session, &text(*n), &text(*n)).await;
        prop_assert!(status == 201 || status == 200, "status {status}");
        let first = *first_copy.entry(*n).or_insert(message.seq.0);
        prop_assert_eq!(first, message.seq.0, "a retry answers the first copy");
    }
    let history: Vec<Message> = eventually(20, || async {
        let history = api.history(&session).await;
        match history.len() == sent.len() {
            true => Ok(history),
            false => Err(format!("{} of {} stored", history.len(), sent.len())),
        }
    })
    .await;
    let seqs: Vec<u64> = history.iter().map(|m| m.seq.0).collect();
    prop_assert_eq!(seqs, (1..=sent.len() as u64).collect::<Vec<_>>(), "no gaps");
    let ids: BTreeSet<String> = history.iter().map(|m| m.client_id.to_string()).collect();
    let expected: BTreeSet<String> = sent.iter().map(|n| text(*n)).collect();
    prop_assert_eq!(ids, expected, "each client id once");
    // Each socket sees every message, first in `seq` order; a message comes again only
    // as the answer to a send of its client id over that very socket (a retry).
    let sender_of = |seq: u64| history[seq as usize - 1].client_id.to_string();
    for (k, watcher) in watchers.iter_mut().enumerate() {
        watcher.catch_up(sent.len()).await;
        let in_order: Vec<u64> = (1..=sent.len() as u64).collect();
        prop_assert_eq!(watcher.first_sightings(), in_order, "socket {} in order", k);
        let own: BTreeSet<String> = watcher.sent.iter().map(|n| text(*n)).collect();
        let mut known = BTreeSet::new();
        for seq in &watcher.seen {
            if !known.insert(*seq) {
                prop_assert!(own.contains(&sender_of(*seq)), "socket {k} got {seq} twice");
            }
        }
    }
    for watcher in watchers {
        watcher.socket.close().await;
    }
    Ok(())
}

#[test]
fn any_interleaving_of_sends_retries_and_reconnects_gives_one_gapless_order() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let relay = runtime.block_on(Relay::start());
    let api = Api::new(relay.origin());
    let mut runner = TestRunner::new(Config {
        cases: 24,
        failure_persistence: None,
        ..Config::default()
    });
    let case = std::cell::Cell::new(0u32);
    // At most 18 steps and 10 closing retries: within the thread's burst of 30 sends.
    let steps = proptest::collection::vec(step(), 1..18);
    let outcome = runner.run(&steps, |steps| {
        let case = case.replace(case.get() + 1);
        // A new visitor per case (new sessions are limited per address).
        let address = format!("10.8.{}.{}", case / 250, case % 250 + 1);
        runtime.block_on(run(&api, &address, &steps))
    });
    if let Err(failure) = outcome {
        panic!("{failure}");
    }
}
