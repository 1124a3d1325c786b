//! The relay's thread guarantees on real workerd: one order, no duplicates, nothing missed
//! on resume, nothing lost across a restart.

use confab_e2e::api::Api;
use confab_e2e::Relay;
use confab_protocol::{ClientFrame, ClientMessageId, Message, ServerFrame};
use std::collections::HashSet;

fn seqs(messages: &[Message]) -> Vec<u64> {
    messages.iter().map(|message| message.seq.0).collect()
}

fn client_ids(messages: &[Message], prefix: &str) -> Vec<String> {
    messages
        .iter()
        .map(|message| message.client_id.to_string())
        .filter(|id| id.starts_with(prefix))
        .collect()
}

fn send_frame(client_id: &str) -> ClientFrame {
    ClientFrame::Send {
        client_id: ClientMessageId::new(client_id),
        text: format!("text of {client_id}"),
    }
}

#[tokio::test]
async fn concurrent_and_retried_sends_get_one_order_without_duplicates() {
    const EACH: usize = 15;
    let relay = Relay::start().await;
    let api = Api::new(relay.origin());
    // The `bench` brand: this burst is far over the demo brand's send limit.
    let session = api.session_of("bench").await;
    let mut alice = api.socket(&session, 0).await;
    let mut bob = api.socket(&session, 0).await;
    assert_eq!(alice.until_ready().await.0, vec![]);
    assert_eq!(bob.until_ready().await.0, vec![]);

    // Two sockets and HTTP send at once, and every message is sent twice (a retry).
    let ids = |prefix: &'static str| (0..EACH).map(move |i| format!("{prefix}{i:02}"));
    let http_sends = async {
        for id in ids("h") {
            let (first, stored) = api.send(&session, &id, &format!("text of {id}")).await;
            let (again, repeated) = api.send(&session, &id, &format!("text of {id}")).await;
            assert_eq!((first, again), (201, 200), "{id}");
            assert_eq!(stored, repeated, "a retry returns the first copy");
        }
    };
    let socket_sends = async {
        for (a, b) in ids("a").zip(ids("b")) {
            for _ in 0..2 {
                alice.send(&send_frame(&a)).await;
                bob.send(&send_frame(&b)).await;
            }
        }
    };
    tokio::join!(http_sends, socket_sends);

    let total = 3 * EACH;
    let (seen_by_alice, seen_by_bob) = tokio::join!(alice.messages(total), bob.messages(total));
    let history = api.history(&session).await;
    let expected_seqs: Vec<u64> = (1..=total as u64).collect();
    assert_eq!(seqs(&history), expected_seqs, "one gap-free order");
    let unique: HashSet<_> = history.iter().map(|m| m.client_id.clone()).collect();
    assert_eq!(unique.len(), total, "no client id stored twice");
    // Both sockets saw the thread's order, and each sender's own order was kept.
    assert_eq!(seqs(&seen_by_alice), expected_seqs);
    assert_eq!(seqs(&seen_by_bob), expected_seqs);
    for prefix in ["a", "b", "h"] {
        assert_eq!(
            client_ids(&history, prefix),
            ids(prefix).collect::<Vec<_>>()
        );
    }
}

#[tokio::test]
async fn a_dropped_socket_resumes_with_nothing_missed_or_repeated() {
    let relay = Relay::start().await;
    let api = Api::new(relay.origin());
    let session = api.session().await;
    let mut socket = api.socket(&session, 0).await;
    socket.until_ready().await;
    for id in ["m1", "m2", "m3"] {
        api.send(&session, id, id).await;
    }
    assert_eq!(seqs(&socket.messages(3).await), vec![1, 2, 3]);
    socket.close().await;

    for id in ["m4", "m5"] {
        api.send(&session, id, id).await;
    }
    let mut resumed = api.socket(&session, 3).await;
    let (missed, ready) = resumed.until_ready().await;
    assert_eq!(seqs(&missed), vec![4, 5]);
    let ServerFrame::Ready {
        last_seq,
        complete,
        protocol,
    } = ready
    else {
        unreachable!()
    };
    assert_eq!((last_seq.0, complete, protocol), (5, true, 1));

    // Live frames follow the backlog.
    api.send(&session, "m6", "m6").await;
    assert_eq!(seqs(&resumed.messages(1).await), vec![6]);
}

#[tokio::test]
async fn a_socket_ticket_works_once() {
    let relay = Relay::start().await;
    let api = Api::new(relay.origin());
    let session = api.session().await;
    let ticket = api.ticket(&session).await;
    let url = api.socket_url(&session.thread_id, &ticket.ticket, 0);
    let (first, _) = tokio_tungstenite::connect_async(url.clone())
        .await
        .expect("the first use opens a socket");
    drop(first);
    match tokio_tungstenite::connect_async(url).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 401)
        }
        other => panic!(
            "a reused ticket must be refused, got {:?}",
            other.map(|_| ())
        ),
    }
}

#[tokio::test]
async fn a_restart_on_the_same_state_loses_nothing() {
    let mut relay = Relay::start().await;
    let api = Api::new(relay.origin());
    let session = api.session().await;
    for id in ["r1", "r2", "r3"] {
        assert_eq!(api.send(&session, id, id).await.0, 201);
    }
    relay.restart().await;
    assert_eq!(seqs(&api.history(&session).await), vec![1, 2, 3]);
    let (status, repeated) = api.send(&session, "r2", "r2").await;
    assert_eq!(
        (status, repeated.seq.0),
        (200, 2),
        "idempotency survives the restart"
    );
    let (status, next) = api.send(&session, "r4", "r4").await;
    assert_eq!((status, next.seq.0), (201, 4));
}
