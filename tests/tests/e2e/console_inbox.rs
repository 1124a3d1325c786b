//! The console's inbox, with an agent key: the brand's inbox socket follows a thread's
//! summary (a visitor's message, the team's reply, the team's read); the thread list's
//! filters and search answer exactly the seeded threads; team sockets see each other's
//! typing with the member's name while the visitor sees only "the team"; and another
//! brand reaches none of it.

use confab_e2e::api::Api;
use confab_e2e::inbox::{inbox_socket, listed, team_socket, team_ticket};
use confab_e2e::{eventually, Relay};
use confab_protocol::{Author, Channel, ClientFrame, ServerFrame, ThreadId};
use serde_json::json;
use std::time::Duration;

/// The demo brand with a bot that waits an hour before answering: every thread is the
/// bot's until a person writes, and no bot message comes during the test.
async fn inbox_relay() -> (Relay, Api) {
    let relay = Relay::start().await;
    let api = Api::new(relay.origin());
    let settings = json!({
        "name": "Acme Outdoor",
        "allowedOrigins": ["http://127.0.0.1:*"],
        "assistant": { "mode": "afterSeconds", "afterSeconds": 3600 },
    });
    assert_eq!(api.put_brand("demo", settings).await, 200);
    (relay, api)
}

#[tokio::test]
async fn the_inbox_socket_follows_a_thread_from_the_visitor_to_the_teams_read() {
    let (_relay, api) = inbox_relay().await;
    let key = api.agent_key("demo").await;
    let other_key = api.agent_key("bench").await;
    let mut inbox = inbox_socket(&api, &key).await;
    let mut other_inbox = inbox_socket(&api, &other_key).await;
    let session = api.session().await;
    let thread = session.thread_id.clone();
    let mut seen = Vec::new();

    let (_, message) = api.send(&session, "v1", "Is the tent waterproof?").await;
    let waiting = inbox
        .until(&thread, &mut seen, |summary| summary.unread == 1)
        .await;
    assert!(waiting.awaiting_reply && !waiting.resolved && waiting.assistant);
    assert_eq!(
        waiting.last_text.as_deref(),
        Some("Is the tent waterproof?")
    );
    assert_eq!(waiting.channels, [Channel::Web]);

    let (status, _) = api.agent_send(&key, &thread, "a1", "Yes, 3000 mm.").await;
    assert_eq!(status, 201);
    let answered = inbox
        .until(&thread, &mut seen, |summary| !summary.awaiting_reply)
        .await;
    // A person wrote: the bot stands down; the visitor's message is still unread.
    assert_eq!((answered.unread, answered.assistant), (1, false));
    assert_eq!(answered.last_text.as_deref(), Some("Yes, 3000 mm."));

    let read = json!({ "seq": message.seq.0 });
    let path = format!("/v1/agent/threads/{thread}/read");
    assert_eq!(api.agent_post(&key, &path, read).await, 204);
    let cleared = inbox
        .until(&thread, &mut seen, |summary| summary.unread == 0)
        .await;
    assert!(!cleared.awaiting_reply);

    // The other brand's inbox heard nothing of it: its first frame is its own thread's.
    let own = api.session_of("bench").await;
    api.send(&own, "b1", "bench's own").await;
    let mut other_seen = Vec::new();
    other_inbox
        .until(&own.thread_id, &mut other_seen, |_| true)
        .await;
    assert!(
        other_seen
            .iter()
            .all(|summary| summary.thread_id == own.thread_id),
        "another brand's inbox saw {other_seen:?}"
    );
    // And nothing of the other brand's reached this one.
    while let Some(frame) = inbox.next_within(Duration::from_millis(500)).await {
        if let confab_protocol::console::InboxFrame::Thread { thread: summary } = frame {
            assert_eq!(summary.thread_id, thread, "a foreign thread on the inbox");
        }
    }
}

#[tokio::test]
async fn filters_and_search_answer_exactly_the_seeded_threads() {
    let (_relay, api) = inbox_relay().await;
    let key = api.agent_key("demo").await;
    // Waiting for an answer, the bot's still.
    let parcel = api.session().await;
    api.send(&parcel, "p1", "Where is my parcel?").await;
    // Answered by a person (the bot stands down).
    let refund = api.session().await;
    api.send(&refund, "r1", "I would like a refund").await;
    api.agent_send(&key, &refund.thread_id, "r2", "Your REFUND is on its way")
        .await;
    // Resolved by the team.
    let done = api.session().await;
    api.send(&done, "d1", "Thanks, all good now").await;
    let resolve = format!("/v1/agent/threads/{}/resolve", done.thread_id);
    assert_eq!(api.agent_post(&key, &resolve, json!({})).await, 200);
    // Started, never written to.
    let quiet = api.session().await;
    // Another brand's thread with the same words is never listed here.
    let foreign = api.session_of("bench").await;
    api.send(&foreign, "f1", "Where is my parcel?").await;

    let [parcel, refund, done, quiet] =
        [&parcel, &refund, &done, &quiet].map(|session| session.thread_id.clone());
    let all = |ids: &[&ThreadId]| {
        let mut ids: Vec<ThreadId> = ids.iter().map(|id| (*id).clone()).collect();
        ids.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        ids
    };
    let cases: Vec<(&str, Vec<ThreadId>)> = vec![
        ("", all(&[&parcel, &refund, &done, &quiet])),
        ("status=all", all(&[&parcel, &refund, &done, &quiet])),
        ("status=open", all(&[&parcel, &refund, &quiet])),
        ("status=resolved", all(&[&done])),
        ("unanswered=1", all(&[&parcel, &done])),
        ("bot=1", all(&[&parcel, &done, &quiet])),
        ("channel=web", all(&[&parcel, &refund, &done])),
        ("channel=whatsapp", all(&[])),
        ("q=parcel", all(&[&parcel])),
        ("q=refund", all(&[&refund])),
        ("q=on+its+way", all(&[&refund])),
        ("q=all%20good", all(&[&done])),
        ("q=nothing+like+this", all(&[])),
        ("status=open&unanswered=1", all(&[&parcel])),
        ("status=open&bot=1&channel=web", all(&[&parcel])),
        ("unanswered=1&q=parcel", all(&[&parcel])),
    ];
    // Listings reach D1 through the queue: wait until every case holds, then each once more.
    eventually(30, || async {
        for (query, expected) in &cases {
            let mut got = listed(&api, &key, query)
                .await
                .map_err(|refused| format!("{query}: {refused:?}"))?;
            got.sort_by(|a, b| a.as_str().cmp(b.as_str()));
            if &got != expected {
                return Err(format!("{query}: {got:?}, not {expected:?}"));
            }
        }
        Ok(())
    })
    .await;
    // Latest activity first.
    let order = listed(&api, &key, "").await.expect("a list");
    assert_eq!(
        order.first(),
        Some(&quiet),
        "the latest started thread first"
    );

    for bad in [
        "status=closed",
        "unanswered=yes",
        "bot=2",
        "channel=fax",
        "q=ab",
        "limit=0",
    ] {
        let refused = listed(&api, &key, bad).await.expect_err(bad);
        assert_eq!(refused.0, 400, "{bad}");
        assert_eq!(refused.1["error"]["code"], "invalid_parameter", "{bad}");
    }
}

#[tokio::test]
async fn team_sockets_see_each_others_typing_by_name_and_the_visitor_sees_the_team() {
    let (_relay, api) = inbox_relay().await;
    let key = api.agent_key("demo").await;
    let session = api.session().await;
    let thread = session.thread_id.clone();
    api.send(&session, "v1", "Hello?").await;
    let mut visitor = api.socket(&session, 0).await;
    visitor.until_ready().await;
    let mut ann = team_socket(&api, &key, &thread, "Ann").await;
    let mut bob = team_socket(&api, &key, &thread, "Bob").await;

    ann.send(&ClientFrame::Typing { active: true }).await;
    let named = ServerFrame::Typing {
        author: Author::Agent,
        active: true,
        name: Some("Ann".into()),
    };
    assert_eq!(bob.next().await, named);
    let plain = ServerFrame::Typing {
        author: Author::Agent,
        active: true,
        name: None,
    };
    assert_eq!(visitor.next().await, plain);

    // The visitor's typing reaches the team as the visitor's, with no name.
    visitor.send(&ClientFrame::Typing { active: false }).await;
    let visitors = ServerFrame::Typing {
        author: Author::Visitor,
        active: false,
        name: None,
    };
    assert_eq!(ann.next().await, visitors);
    // Ann's own typing did not come back to her: the visitor's frame was her next.

    // A team socket gets every stored message, as the visitor's does.
    api.agent_send(&key, &thread, "a1", "Here").await;
    for socket in [&mut ann, &mut bob, &mut visitor] {
        let message = socket.messages(1).await.remove(0);
        assert_eq!(message.text, "Here");
    }

    // Another brand's key gets no ticket for this thread.
    let other_key = api.agent_key("bench").await;
    let (status, _) = team_ticket(&api, &other_key, &thread, "Eve").await;
    assert_eq!(status, 404);
}
