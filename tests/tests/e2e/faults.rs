//! Faults end to end: providers that fail in every way, hooks that come twice, out of order
//! or before what they speak of, a relay killed in the middle of a burst. Each case sends a
//! known set of messages, then checks every copy of the thread — the relay's history, the
//! fake Telegram topic, the fake WhatsApp chat, the fake backend, each open tab — holds that
//! set, once each, in one order.

use confab_e2e::fakes::Failure;
use confab_e2e::world::World;
use confab_e2e::{eventually, widget_session, Browser};
use confab_protocol::{DeliveryStatus, Session};
use fantoccini::wd::WindowHandle;

/// Short provider timeouts, so that a provider that hangs costs the test seconds.
const QUICK: [(&str, &str); 2] = [
    ("DELIVERY_TIMEOUT_SECONDS", "2"),
    ("DELIVERY_LEASE_SECONDS", "6"),
];

fn texts(prefix: &str, count: usize) -> Vec<String> {
    (1..=count).map(|n| format!("{prefix}{n}")).collect()
}

fn from_visitor(text: &str) -> bool {
    text.starts_with("visitor") || text.starts_with("on whatsapp")
}

#[tokio::test]
async fn providers_failing_in_every_way_still_get_each_message_once_and_in_order() {
    let world = World::start(&QUICK).await;
    let api = &world.api;
    let session = api.session().await;
    world.link_whatsapp(&session).await;
    let key = api.agent_key("demo").await;
    let every_failure = [
        Failure::Status(500),
        Failure::Hang,
        Failure::SlowDown(1),
        Failure::HangUp,
        Failure::Status(502),
    ];
    world.telegram.fail_next(every_failure.clone());
    world.whatsapp.fail_next(every_failure.clone());
    world.backend.fail_next(every_failure);

    let mut thread = Vec::new();
    for n in 1..=4 {
        let visitor = format!("visitor {n}");
        assert_eq!(api.send(&session, &visitor, &visitor).await.0, 201);
        let team = format!("team {n}");
        let (status, _) = api.agent_send(&key, &session.thread_id, &team, &team).await;
        assert_eq!(status, 201);
        let whatsapp = format!("on whatsapp {n}");
        let wamid = format!("wamid.VISITOR{n}");
        assert_eq!(world.whatsapp_says(&wamid, &whatsapp).await, 200);
        thread.extend([visitor, team, whatsapp]);
    }
    world
        .wait_for_every_copy(&session, &thread, from_visitor, None)
        .await;
}

#[tokio::test]
async fn hooks_twice_out_of_order_or_early_leave_one_thread_with_the_right_ticks() {
    let world = World::start(&QUICK).await;
    let api = &world.api;
    let session = api.session().await;
    world.link_whatsapp(&session).await;
    let key = api.agent_key("demo").await;

    // WhatsApp may report on a message before the relay has heard back from sending it:
    // the fake names its next message wamid.FAKE0002 (the link's confirmation was 0001).
    assert_eq!(
        world.whatsapp_status("wamid.FAKE0002", "delivered").await,
        200
    );
    let (status, answer) = api
        .agent_send(&key, &session.thread_id, "team 1", "team 1")
        .await;
    assert_eq!(status, 201);
    let seq = confab_protocol::Seq(answer["seq"].as_u64().unwrap());
    let status_of = || async {
        let history = api.history(&session).await;
        history.iter().find(|m| m.seq == seq).map(|m| m.status)
    };
    eventually(30, || async {
        match status_of().await {
            Some(DeliveryStatus::Delivered) => Ok(()),
            other => Err(format!("team 1 is {other:?}")),
        }
    })
    .await;
    // Read, then a late "delivered", each twice: read it stays.
    for status in ["read", "read", "delivered", "delivered"] {
        assert_eq!(world.whatsapp_status("wamid.FAKE0002", status).await, 200);
    }
    eventually(30, || async {
        match status_of().await {
            Some(DeliveryStatus::Read) => Ok(()),
            other => Err(format!("team 1 is {other:?}")),
        }
    })
    .await;

    // The visitor's WhatsApp messages, each delivered twice, the second pair out of order.
    for (wamid, text) in [
        ("wamid.A", "on whatsapp 1"),
        ("wamid.A", "on whatsapp 1"),
        ("wamid.C", "on whatsapp 2"),
        ("wamid.B", "on whatsapp 3"),
        ("wamid.C", "on whatsapp 2"),
        ("wamid.B", "on whatsapp 3"),
    ] {
        assert_eq!(world.whatsapp_says(wamid, text).await, 200);
    }
    let thread: Vec<String> = ["team 1", "on whatsapp 1", "on whatsapp 2", "on whatsapp 3"]
        .map(String::from)
        .to_vec();
    world
        .wait_for_every_copy(&session, &thread, from_visitor, None)
        .await;
}

#[tokio::test]
async fn a_relay_killed_in_the_middle_of_a_burst_loses_and_doubles_nothing() {
    let mut world = World::start(&QUICK).await;
    let browser = Browser::start().await;
    browser.client.goto(&world.relay.url("/")).await.unwrap();
    let before = texts("visitor before ", 3);
    for text in &before {
        browser.send_in_widget(text).await;
    }
    // Killed while the burst is still being stored and forwarded; the page goes on typing.
    world
        .relay
        .restart_after(|| async {
            for text in texts("visitor during ", 3) {
                browser.send_in_widget(&text).await;
            }
        })
        .await;
    for text in texts("visitor after ", 3) {
        browser.send_in_widget(&text).await;
    }
    let session = widget_session(&browser, &world.api, "demo").await;
    let thread: Vec<String> = [
        before,
        texts("visitor during ", 3),
        texts("visitor after ", 3),
    ]
    .concat();
    world
        .wait_for_every_copy(&session, &thread, from_visitor, Some(&browser))
        .await;
}

/// A browser on the world's demo site with two tabs: the first wrote `first` and leads,
/// the second (current, on another page, panel open) follows.
async fn two_tabs(world: &World, first: &str) -> (Browser, Session, WindowHandle, WindowHandle) {
    let browser = Browser::start().await;
    browser.client.goto(&world.relay.url("/")).await.unwrap();
    browser.send_in_widget(first).await;
    browser.wait_for_messages(&[first]).await;
    browser.wait_for_role("leader").await;
    let session = widget_session(&browser, &world.api, "demo").await;
    let leader = browser.client.window().await.unwrap();
    let follower = browser.open_tab(&world.relay.url("/pricing")).await;
    browser.wait_for_role("follower").await;
    browser.open_panel().await;
    browser.wait_for_messages(&[first]).await;
    (browser, session, leader, follower)
}

/// Waits until the relay's thread holds exactly `sent` (in any order), checks each tab's
/// own messages kept their order, and returns the thread's order.
async fn thread_of(world: &World, session: &Session, sent: &[Vec<String>]) -> Vec<String> {
    let mut expected: Vec<&String> = sent.iter().flatten().collect();
    expected.sort();
    let thread = eventually(60, || async {
        let texts = world.api.history_texts(session).await;
        let mut sorted: Vec<&String> = texts.iter().collect();
        sorted.sort();
        match sorted == expected {
            true => Ok(texts.clone()),
            false => Err(format!("the relay has {texts:?}")),
        }
    })
    .await;
    for own in sent {
        let order: Vec<&String> = thread.iter().filter(|text| own.contains(text)).collect();
        assert_eq!(order, own.iter().collect::<Vec<_>>(), "one tab's order");
    }
    thread
}

#[tokio::test]
async fn two_tabs_sending_through_repeated_outages_send_everything_once() {
    let world = World::start(&QUICK).await;
    let (browser, session, leader, follower) = two_tabs(&world, "visitor first").await;
    let mut sent = vec![vec!["visitor first".to_string()], vec![], vec![]];
    for round in 1..=3 {
        browser.set_all_offline(true).await;
        for (tab, handle) in [(1, &leader), (2, &follower)] {
            browser
                .client
                .switch_to_window(handle.clone())
                .await
                .unwrap();
            for n in 1..=2 {
                let text = format!("visitor tab {tab} round {round} #{n}");
                browser.send_in_widget(&text).await;
                sent[tab].push(text);
            }
        }
        browser.set_all_offline(false).await;
        // Online long enough for some, not necessarily all, to go before the next outage.
        let first_of_round = sent[1][sent[1].len() - 2].clone();
        eventually(30, || async {
            match world
                .api
                .history_texts(&session)
                .await
                .contains(&first_of_round)
            {
                true => Ok(()),
                false => Err(format!("{first_of_round} not stored yet")),
            }
        })
        .await;
    }
    let thread = thread_of(&world, &session, &sent).await;
    world
        .wait_for_every_copy(&session, &thread, from_visitor, Some(&browser))
        .await;
}

#[tokio::test]
async fn the_leader_tab_closed_in_the_middle_of_a_burst_loses_nothing() {
    let world = World::start(&QUICK).await;
    let (browser, session, leader, follower) = two_tabs(&world, "visitor first").await;
    browser.client.switch_to_window(leader).await.unwrap();
    let burst = texts("visitor burst ", 5);
    for text in &burst {
        browser.send_in_widget(text).await;
    }
    browser.client.close_window().await.unwrap();
    browser.client.switch_to_window(follower).await.unwrap();
    browser.wait_for_role("leader").await;
    let after = texts("visitor after ", 2);
    for text in &after {
        browser.send_in_widget(text).await;
    }
    let sent = [vec!["visitor first".to_string()], burst, after];
    let thread = thread_of(&world, &session, &[sent.concat()]).await;
    world
        .wait_for_every_copy(&session, &thread, from_visitor, Some(&browser))
        .await;
}
