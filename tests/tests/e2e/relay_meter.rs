//! The relay's meter (`/v1/dev/meter`), which the bench reads for what a message costs the
//! platform: it counts what a visitor's message really asks of the runtime, and only an
//! operator of a development relay may read it.

use confab_e2e::api::Api;
use confab_e2e::bench::platform::{
    open_sockets, socket_messages, team_replies, Meter, CONVERSATION_GAP,
};
use confab_e2e::inbox::listed;
use confab_e2e::Relay;
use confab_relay::meter::Use;
use std::time::Duration;

#[tokio::test]
async fn the_meter_counts_what_a_message_asks_of_the_platform() {
    let relay = Relay::start().await;
    let api = Api::new(relay.origin());
    let anonymous = api.http.get(api.url("/v1/dev/meter")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401, "the meter is the operator's");

    let sessions = [api.session().await, api.session().await];
    let mut sockets = open_sockets(&api, &sessions).await;
    let meter = Meter::of(&api);
    let sent = meter
        .cost(
            "visitor message (socket)",
            "message",
            socket_messages(&mut sockets, 3, Duration::ZERO),
        )
        .await;
    eprintln!("{sent:#?}");
    assert_eq!(sent.count, 6, "every message came back stored");
    let total = |what: Use| sent.usage[what.name()];
    assert_eq!(total(Use::SocketMessagesIn), 6, "one socket message each");
    assert_eq!(
        total(Use::WorkerRequests),
        0,
        "a socket message skips the Worker"
    );
    assert!(total(Use::SqliteRowsWritten) >= 6, "each is written");
    assert!(
        total(Use::SocketFramesOut) >= 6,
        "each goes back to its socket"
    );
    assert!(
        total(Use::QueueMessagesOut) >= 1,
        "the listing goes by the queue"
    );
    assert!(total(Use::D1RowsWritten) >= 1, "and reaches D1");
    assert!(
        total(Use::ObjectRequests) >= 1,
        "the inbox object hears of the threads"
    );
    assert_eq!(
        total(Use::Subrequests),
        0,
        "no connector, no provider called"
    );

    let key = api.agent_key("demo").await;
    let replies = meter
        .cost("team reply", "message", team_replies(&api, &key, &sessions))
        .await;
    eprintln!("{replies:#?}");
    assert_eq!(replies.count, 2);
    assert!(
        replies.per_unit(Use::WorkerRequests) >= 1.0,
        "the agent API is the Worker's"
    );
    assert!(
        replies.per_unit(Use::ObjectRequests) >= 1.0,
        "and asks the thread"
    );
    assert_eq!(
        replies.usage[Use::SocketMessagesIn.name()],
        0,
        "nothing came in on a socket"
    );
}

/// With the production listing delay, the listings of a burst of messages on one thread
/// replace one another while they wait, and the one that goes carries every text for the
/// search: fewer queue messages and D1 rows than messages, nothing lost.
#[tokio::test]
async fn a_bursts_listings_coalesce_and_keep_every_text() {
    let relay = Relay::start_with(&[("LISTING_DELAY_SECONDS", "1")]).await;
    let api = Api::new(relay.origin());
    let key = api.agent_key("demo").await;
    let spaced = [api.session().await];
    let burst = [api.session().await];
    let meter = Meter::of(&api);

    let mut sockets = open_sockets(&api, &spaced).await;
    let apart = meter
        .cost(
            "spaced",
            "message",
            socket_messages(&mut sockets, 3, CONVERSATION_GAP),
        )
        .await;
    let mut sockets = open_sockets(&api, &burst).await;
    let together = meter
        .cost(
            "burst",
            "message",
            socket_messages(&mut sockets, 10, Duration::ZERO),
        )
        .await;
    eprintln!("{apart:#?}\n{together:#?}");
    assert_eq!((apart.count, together.count), (3, 10));
    let queued = |cost: &confab_e2e::bench::platform::Cost| cost.per_unit(Use::QueueMessagesOut);
    assert!(
        queued(&apart) >= 1.0,
        "a message seconds apart is listed on its own"
    );
    assert!(
        queued(&together) <= 0.5,
        "a burst's listings coalesce: {} queue messages each",
        queued(&together)
    );
    assert!(together.per_unit(Use::D1RowsWritten) < apart.per_unit(Use::D1RowsWritten));
    // Every text of the burst reached the search, the first as the last.
    for round in [0, 9] {
        let query = format!("q=shipping%20take%3F%20%28{round}%29");
        let found = listed(&api, &key, &query).await.expect("a search");
        assert!(
            found.contains(&burst[0].thread_id),
            "round {round}: {found:?}"
        );
    }
}

/// A burst longer than one listing carries (100 texts) reaches the search a listing at a
/// time: the listing that goes marks the next one due, and nothing is left out. (The
/// listing delay is long enough for the whole burst to wait behind the first listing.)
#[tokio::test]
async fn a_long_bursts_texts_reach_the_search_a_listing_at_a_time() {
    let relay = Relay::start_with(&[("LISTING_DELAY_SECONDS", "5")]).await;
    let api = Api::new(relay.origin());
    let key = api.agent_key("demo").await;
    let session = api.session().await;
    let meter = Meter::of(&api);
    const REPLIES: usize = 130;
    let burst = meter
        .cost("long burst", "message", async {
            let mut stored = 0;
            for n in 0..REPLIES {
                let (status, _) = api
                    .agent_send(
                        &key,
                        &session.thread_id,
                        &format!("long-burst-{n}"),
                        &format!("Restock note{n:03}x is on its way"),
                    )
                    .await;
                stored += usize::from(status == 201);
            }
            stored
        })
        .await;
    eprintln!("{burst:#?}");
    assert_eq!(burst.count, REPLIES);
    assert!(
        burst.usage[Use::QueueMessagesOut.name()] < REPLIES as u64 / 4,
        "the burst's listings coalesce"
    );
    for n in [0, 1, 99, 100, 101, 128, 129] {
        let found = listed(&api, &key, &format!("q=note{n:03}x"))
            .await
            .expect("a search");
        assert_eq!(found, std::slice::from_ref(&session.thread_id), "text {n}");
    }
    let missing = listed(&api, &key, "q=note130x").await.expect("a search");
    assert!(missing.is_empty(), "a text never sent is not found");
}
