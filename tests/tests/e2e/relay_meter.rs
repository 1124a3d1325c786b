//! The relay's meter (`/v1/dev/meter`), which the bench reads for what a message costs the
//! platform: it counts what a visitor's message really asks of the runtime, and only an
//! operator of a development relay may read it.

use confab_e2e::api::Api;
use confab_e2e::bench::platform::{open_sockets, socket_messages, team_replies, Meter};
use confab_e2e::Relay;
use confab_relay::meter::Use;

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
            socket_messages(&mut sockets, 3),
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
        .cost(
            "team reply",
            "message",
            team_replies(&api, &key, &sessions[0], 2),
        )
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
