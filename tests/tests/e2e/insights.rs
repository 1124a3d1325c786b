//! Insights through the real relay (issue 19): figures counted by each thread's object as
//! things happen, rolled up per brand by its `Inbox` object as the queue lists the threads,
//! and served by the agent API.
//!
//! - Real traffic: two visitors, a team reply to one, a resolution and a rating; the report
//!   (polled until the queue has told the brand's object) counts them, the brand's backend
//!   gets `thread.closed` with the figures; the exports carry the messages as sent (JSON
//!   conversations and the `what=messages` CSV, one conversation a page or all at once),
//!   and an erased thread leaves the report and the exports, its messages at once.
//! - Seeded: a Shanghai brand's week of threads at fixed times (built with the relay's own
//!   `ThreadFigures::observe`, as its object does), put in the roll-up through the
//!   development relay's seeding route; the report through the real route and the
//!   runtime's `Intl` clock equals, figure by figure, what the pure report gives natively
//!   with a fixed +8 clock, and the hand-worked figures beside the table; so do the CSV
//!   files, and paging returns every conversation once (the JSON pages, which read each
//!   thread's messages, leave out the seeded rows: they have no thread).

use confab_e2e::api::Api;
use confab_e2e::fakes::webhook::FakeWebhook;
use confab_e2e::insights::{csv_pages, export, json_pages, seed, seed_with, wait_for_report};
use confab_e2e::world::WEBHOOK_SECRET;
use confab_e2e::{eventually, Browser, Relay};
use confab_protocol::insights::{Count, Handover};
use confab_protocol::{Author, Channel, Session, ThreadId};
use confab_relay::insights::export::messages::MESSAGE_COLUMNS;
use confab_relay::insights::export::{conversations_csv, metrics_csv};
use confab_relay::insights::{Event, FixedOffset, Query, Rollup, ThreadFigures};
use serde_json::{json, Value};

const M: u64 = 60_000;
const H: u64 = 60 * M;
const D: u64 = 24 * H;

/// Now, as the relay's clock reads it (the tests' machine and `workerd` share it).
fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

fn counts(pairs: &[(&str, u32)]) -> Vec<Count> {
    pairs
        .iter()
        .map(|&(key, count)| Count {
            key: key.into(),
            count,
        })
        .collect()
}

/// `POST path` with no body and `bearer`: the status.
async fn post_empty(api: &Api, path: &str, bearer: &str) -> u16 {
    api.http
        .post(api.url(path))
        .bearer_auth(bearer)
        .send()
        .await
        .expect("the relay answers")
        .status()
        .as_u16()
}

async fn visitor_session(api: &Api) -> Session {
    let (status, body) = api
        .post_session(json!({ "brand": "demo", "language": "en" }))
        .await;
    assert_eq!(status, 201, "{body}");
    serde_json::from_value(body).expect("a session")
}

#[tokio::test]
async fn real_traffic_is_counted_closed_and_forgotten() {
    let backend = FakeWebhook::start(WEBHOOK_SECRET).await;
    let relay = Relay::start_with(&[("DEMO_WEBHOOK_SECRET", WEBHOOK_SECRET)]).await;
    let api = Api::new(relay.origin());
    let settings = json!({
        "name": "Acme Outdoor",
        "allowedOrigins": ["http://127.0.0.1:*"],
        "connectors": { "webhook": { "url": backend.url, "secret": "DEMO_WEBHOOK_SECRET" } },
    });
    assert_eq!(api.put_brand("demo", settings).await, 200);
    let key = api.agent_key("demo").await;
    let range = (now() - H, now() + H);

    let answered = visitor_session(&api).await;
    let ignored = visitor_session(&api).await;
    assert_eq!(
        api.send(&answered, "a1", "Do you ship to Lyon?").await.0,
        201
    );
    assert_eq!(api.send(&answered, "a2", TRICKY).await.0, 201);
    assert_eq!(api.send(&ignored, "b1", "Hello?").await.0, 201);
    let thread = answered.thread_id.as_str();
    let reply =
        json!({ "clientId": "t1", "text": "We do, in two days.", "sender": { "name": "Ana" } });
    let sent = api
        .agent_post(&key, &format!("/v1/agent/threads/{thread}/messages"), reply)
        .await;
    assert_eq!(sent, 201);
    let resolve = format!("/v1/agent/threads/{thread}/resolve");
    assert_eq!(post_empty(&api, &resolve, &key).await, 200);
    let rated = api
        .http
        .post(api.url(&format!("/v1/threads/{thread}/rating")))
        .bearer_auth(answered.token.as_str())
        .json(&json!({ "score": 4, "comment": "Quick" }))
        .send()
        .await
        .expect("the relay answers")
        .status();
    assert_eq!(rated, 201);

    let report = wait_for_report(&api, &key, range, "both threads, rated", |report| {
        report.current.started == 2 && report.current.ratings.count == 1
    })
    .await;
    let current = &report.current;
    assert_eq!(
        (
            current.with_visitor_message,
            current.answered,
            current.waiting,
            current.unanswered,
            current.resolved
        ),
        (2, 1, 1, 0, 1)
    );
    assert_eq!(current.ratings.distribution, [0, 0, 0, 1, 0]);
    assert_eq!(current.ratings.average, Some(4.0));
    assert_eq!(current.ratings.comments[0].comment, "Quick");
    assert_eq!(current.channels, counts(&[("web", 2)]));
    assert_eq!(current.first_reply.count, 1);
    assert_eq!(current.resolution.count, 1);
    assert_eq!(report.previous.started, 0);

    // The CRM's summary: figures, no message text.
    let closed = backend
        .wait_for_event("thread.closed", |event| event["threadId"] == thread)
        .await;
    let figures = &closed["figures"];
    assert_eq!(figures["firstReplyBy"], "team");
    assert_eq!(
        (&figures["replies"], &figures["channels"]),
        (&json!(1), &json!(["web"]))
    );
    assert_eq!(figures["language"], "en");
    assert!(figures["resolvedAt"].as_u64() >= figures["startedAt"].as_u64());
    assert!(closed.get("message").is_none(), "{closed}");
    let text = closed.to_string();
    assert!(
        !text.contains("Lyon") && !text.contains("two days"),
        "{text}"
    );

    // The messages, as sent: (author, name, text) thread by thread.
    let sent = [
        (
            thread,
            vec![
                ("visitor", "", "Do you ship to Lyon?"),
                ("visitor", "", TRICKY),
                ("agent", "Ana", "We do, in two days."),
                // The relay's own note of the resolution.
                ("system", "", "This conversation was marked as resolved"),
            ],
        ),
        (ignored.thread_id.as_str(), vec![("visitor", "", "Hello?")]),
    ];
    let range_query = format!("from={}&to={}", range.0, range.1);
    check_exported_messages(&api, &key, &range_query, &sent).await;

    // Erased: its messages leave the exports at once (the roll-up may still list it: its
    // object's refusal leaves it out), then it leaves the report and the export.
    assert_eq!(api.erase(&ignored).await, 204);
    check_exported_messages(&api, &key, &range_query, &sent[..1]).await;
    let report = wait_for_report(&api, &key, range, "the erased thread gone", |report| {
        report.current.started == 1
    })
    .await;
    assert_eq!(report.current.waiting, 0);
    let page = export(
        &api,
        &key,
        &format!(
            "what=conversations&format=json&from={}&to={}",
            range.0, range.1
        ),
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let page: Value = serde_json::from_str(&page.body).unwrap();
    let threads: Vec<&str> = page["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|conversation| conversation["thread"].as_str().unwrap())
        .collect();
    assert_eq!(threads, [thread]);
    let csv = export(
        &api,
        &key,
        &format!("what=conversations&from={}&to={}", range.0, range.1),
    )
    .await;
    assert!(
        !csv.body.contains(ignored.thread_id.as_str()),
        "{}",
        csv.body
    );
    assert!(csv.body.contains(thread));
    check_exported_messages(&api, &key, &range_query, &sent[..1]).await;
}

/// A visitor's text a spreadsheet would run, with a comma, quotes and a newline.
const TRICKY: &str = "=1+1, \"quoted\"\nand a second line";
/// [`TRICKY`] as the CSV's cell: guarded by a leading quote, otherwise as sent.
const TRICKY_CELL: &str = "'=1+1, \"quoted\"\nand a second line";

/// A thread's id and its messages as (author, author's name, text), in order.
type Sent<'a> = (&'a str, Vec<(&'a str, &'a str, &'a str)>);

/// The JSON conversations and the `what=messages` CSV hold exactly `sent`'s threads and
/// their messages (author, name, text) in order, as the agent API's thread read shows
/// them (seq, time, channel): paged one conversation at a time, and all on one page.
async fn check_exported_messages(api: &Api, key: &str, range_query: &str, sent: &[Sent<'_>]) {
    let json_query = format!("what=conversations&format=json&{range_query}");
    let (paged, pages) = json_pages(api, key, &format!("{json_query}&limit=1"), 5).await;
    // One conversation a page; a thread erased since the roll-up listed it leaves its
    // page empty, so there may be one more.
    assert!(
        pages >= sent.len().max(1),
        "one conversation a page: {pages}"
    );
    let (whole, pages) = json_pages(api, key, &json_query, 1).await;
    assert_eq!((&paged, pages), (&whole, 1));
    // By start, then thread id, each once.
    let order: Vec<(u64, &str)> = whole
        .iter()
        .map(|c| {
            (
                c["startedAt"].as_u64().unwrap(),
                c["thread"].as_str().unwrap(),
            )
        })
        .collect();
    let mut sorted = order.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(order, sorted);
    let mut threads: Vec<&str> = order.iter().map(|(_, thread)| *thread).collect();
    threads.sort();
    let mut expected: Vec<&str> = sent.iter().map(|(thread, _)| *thread).collect();
    expected.sort();
    assert_eq!(threads, expected);

    let mut rows = Vec::new();
    for conversation in &whole {
        let thread = conversation["thread"].as_str().unwrap();
        let messages = conversation["messages"].as_array().unwrap();
        let texts: Vec<(&str, &str, &str)> = messages
            .iter()
            .map(|m| {
                (
                    m["author"].as_str().unwrap(),
                    m["authorName"].as_str().unwrap_or_default(),
                    m["text"].as_str().unwrap(),
                )
            })
            .collect();
        let (_, expected) = sent.iter().find(|(id, _)| *id == thread).unwrap();
        assert_eq!(&texts, expected, "{thread}");
        // The agent API's read of the thread: the same seq, time and channel, and no
        // file link or secret in the export.
        let (status, view) = api
            .agent_get(key, &format!("/v1/agent/threads/{thread}"))
            .await;
        assert_eq!(status, 200, "{view}");
        let read: Vec<Value> = view["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                let mut exported = json!({
                    "seq": m["seq"], "sentAt": m["createdAt"], "author": m["author"],
                    "channel": m["channel"], "text": m["text"],
                });
                if let Some(name) = m["sender"]["name"].as_str() {
                    exported["authorName"] = json!(name);
                }
                exported
            })
            .collect();
        assert_eq!(messages, &read, "{thread}");
        for m in messages {
            let cell = match m["text"].as_str() {
                Some(TRICKY) => TRICKY_CELL.to_owned(),
                text => text.unwrap().to_owned(),
            };
            rows.push(vec![
                thread.to_owned(),
                m["seq"].to_string(),
                m["sentAt"].to_string(),
                m["author"].as_str().unwrap().to_owned(),
                m["authorName"].as_str().unwrap_or_default().to_owned(),
                m["channel"].as_str().unwrap().to_owned(),
                cell,
                String::new(),
            ]);
        }
    }

    // The CSV: a row per message, one conversation a page, every message once.
    let query = format!("what=messages&{range_query}");
    let (header, paged, pages) = csv_pages(api, key, &format!("{query}&limit=1"), 5).await;
    assert_eq!(header, MESSAGE_COLUMNS);
    assert!(
        pages >= sent.len().max(1),
        "one conversation a page: {pages}"
    );
    assert_eq!(paged, rows);
    let (_, whole, pages) = csv_pages(api, key, &query, 1).await;
    assert_eq!((whole, pages), (rows, 1));
    let download = export(api, key, &query).await;
    assert!(
        download.content_type.starts_with("text/csv"),
        "{}",
        download.content_type
    );
    assert!(download
        .disposition
        .is_some_and(|d| d.contains("insights-messages.csv")));
}

/// Monday 2025-12-01 00:00 in Shanghai (+8), as ms: day 20423 since the epoch, a Monday.
const MONDAY_UTC: u64 = 20_423 * D;

/// `day` days after that Monday at `hour:minute`, Shanghai time.
pub(crate) fn cst(day: i64, hour: u64, minute: u64) -> u64 {
    (MONDAY_UTC as i64 + day * D as i64 - 8 * H as i64) as u64 + hour * H + minute * M
}

fn visitor(at: u64) -> Event<'static> {
    Event::Message {
        author: Author::Visitor,
        channel: Channel::Web,
        at,
    }
}

fn agent(at: u64) -> Event<'static> {
    Event::Message {
        author: Author::Agent,
        channel: Channel::Console,
        at,
    }
}

fn bot(at: u64) -> Event<'static> {
    Event::Message {
        author: Author::Bot,
        channel: Channel::Web,
        at,
    }
}

/// A thread's figures, as its object would have made them from these events.
fn thread(
    name: &str,
    start: u64,
    page: Option<&str>,
    language: Option<&str>,
    events: &[Event<'static>],
) -> ThreadFigures {
    let mut figures = ThreadFigures::new(ThreadId::new(name), start, page, language);
    for event in events {
        figures.observe(*event);
    }
    figures
}

/// A week of a Shanghai brand open Monday to Friday 09:00–18:00, the native seeded table's
/// threads (relay/src/insights/tests/seeded.rs) a year earlier, all long past their 24
/// hours. First replies, wall-clock / business minutes: midnight 30 / 0, web-team 5 / 5,
/// evening 810 / 30, bot 1 / 1, rated-low 45 / 45, whatsapp 10 / 10; never and weekend
/// are unanswered; silent has no message; one thread the week before, one just after.
pub(crate) fn shanghai_week() -> Vec<ThreadFigures> {
    let d = cst;
    vec![
        thread(
            "midnight",
            d(0, 0, 0),
            None,
            None,
            &[visitor(d(0, 0, 0)), agent(d(0, 0, 30))],
        ),
        thread(
            "web-team",
            d(0, 10, 0),
            Some("https://shop.example/pricing?utm=x"),
            Some("en"),
            &[
                visitor(d(0, 10, 0)),
                agent(d(0, 10, 5)),
                visitor(d(0, 10, 10)),
                visitor(d(0, 10, 12)),
                agent(d(0, 10, 30)),
                Event::Resolved { at: d(0, 11, 0) },
                Event::Rated {
                    at: d(0, 11, 5),
                    score: 3,
                    comment: None,
                },
                Event::Rated {
                    at: d(0, 11, 6),
                    score: 5,
                    comment: Some("Quick and kind"),
                },
            ],
        ),
        thread(
            "never",
            d(0, 10, 30),
            None,
            Some("de"),
            &[visitor(d(0, 10, 30))],
        ),
        thread(
            "evening",
            d(0, 20, 0),
            None,
            Some("zh-CN"),
            &[visitor(d(0, 20, 0)), agent(d(1, 9, 30))],
        ),
        thread(
            "bot",
            d(1, 14, 0),
            Some("/help"),
            None,
            &[
                visitor(d(1, 14, 0)),
                bot(d(1, 14, 1)),
                visitor(d(1, 14, 5)),
                bot(d(1, 14, 6)),
                Event::HandedOver {
                    at: d(1, 14, 7),
                    reason: Handover::VisitorAsked,
                },
                agent(d(1, 14, 30)),
            ],
        ),
        thread(
            "rated-low",
            d(1, 16, 0),
            None,
            Some("zh-CN"),
            &[
                visitor(d(1, 16, 0)),
                agent(d(1, 16, 45)),
                Event::Resolved { at: d(1, 17, 0) },
                Event::Rated {
                    at: d(1, 17, 10),
                    score: 2,
                    comment: Some("Too slow"),
                },
            ],
        ),
        thread(
            "whatsapp",
            d(4, 11, 0),
            None,
            None,
            &[
                Event::Message {
                    author: Author::Visitor,
                    channel: Channel::Whatsapp,
                    at: d(4, 11, 0),
                },
                agent(d(4, 11, 10)),
                visitor(d(4, 11, 20)),
                agent(d(4, 11, 22)),
            ],
        ),
        thread(
            "weekend",
            d(5, 10, 0),
            None,
            Some("zh-CN"),
            &[visitor(d(5, 10, 0))],
        ),
        thread("silent", d(5, 15, 0), None, None, &[]),
        thread(
            "last-week",
            d(-3, 10, 0),
            None,
            None,
            &[visitor(d(-3, 10, 0)), agent(d(-3, 10, 10))],
        ),
        thread("next-week", d(7, 0, 0), None, None, &[visitor(d(7, 0, 0))]),
    ]
}

/// A JSON value as serde writes it and reads it back (both sides read floats alike).
fn as_json(value: &impl serde::Serialize) -> Value {
    serde_json::from_str(&serde_json::to_string(value).unwrap()).unwrap()
}

#[tokio::test]
async fn a_seeded_shanghai_week_gives_the_native_figures_through_the_route() {
    let relay = Relay::start().await;
    let api = Api::new(relay.origin());
    let hours = json!({
        "timeZone": "Asia/Shanghai",
        "weekly": (1..=5).map(|day| json!({ "day": day, "open": "09:00", "close": "18:00" }))
            .collect::<Vec<_>>(),
    });
    let settings = json!({ "name": "Shanghai Shop", "businessHours": hours.clone() });
    assert_eq!(api.put_brand("shanghai", settings).await, 201);
    let key = api.agent_key("shanghai").await;

    // The seeding route is the admin's only.
    let week = shanghai_week();
    assert_eq!(seed_with(&api, "shanghai", "wrong", &week).await.0, 401);
    // Copies in any order and older copies change nothing: an old copy of web-team last.
    let mut copies = week.clone();
    copies.reverse();
    let mut old = week[1].clone();
    old.version -= 3;
    old.ratings.clear();
    copies.push(old);
    seed(&api, "shanghai", &copies).await;

    let (from, to) = (cst(0, 0, 0), cst(7, 0, 0));
    let served = wait_for_report(&api, &key, (from, to), "the seeded week", |report| {
        report.current.started > 0
    })
    .await;

    // What the pure report gives natively with a fixed +8 clock, at the same instant.
    let hours: confab_protocol::BusinessHours = serde_json::from_value(hours).unwrap();
    let mut rollup = Rollup::new();
    for figures in &week {
        rollup.offer(figures.clone());
    }
    let query = Query {
        from,
        to,
        now: now(),
        hours: Some(&hours),
        top_pages: 10,
        comments: 20,
    };
    let native = rollup.report(&query, &FixedOffset(8 * 60));
    assert_eq!(as_json(&served), as_json(&native));

    // And by hand, beside the table.
    let current = &served.current;
    assert_eq!(
        (
            current.started,
            current.with_visitor_message,
            current.answered,
            current.unanswered
        ),
        (9, 8, 6, 2)
    );
    assert_eq!((current.waiting, current.resolved), (0, 2));
    assert_eq!(
        (
            current.first_reply.count,
            current.first_reply.p50_ms,
            current.first_reply.p90_ms
        ),
        (6, Some(10 * M), Some(810 * M))
    );
    // Business hours: [0, 1, 5, 10, 30, 45].
    assert_eq!(current.first_reply_business.p50_ms, Some(5 * M));
    assert_eq!(current.ratings.distribution, [0, 1, 0, 0, 1]);
    assert_eq!(current.channels, counts(&[("web", 7), ("whatsapp", 1)]));
    assert_eq!(current.assistant.answered, 2);
    assert_eq!(served.previous.started, 1);
    // Monday 00:00 and 10:00 (twice) and 20:00 in Shanghai, in the heatmap's Monday row.
    assert_eq!(
        (
            current.week_hours[0],
            current.week_hours[10],
            current.week_hours[20]
        ),
        (1, 2, 1)
    );
    assert_eq!(served.days.len(), 7);
    assert_eq!(served.days[0].date, "2025-12-01");
    assert_eq!(served.days[0].started, 4);

    // The metrics as CSV: a download, the native file byte for byte.
    let range = format!("from={from}&to={to}");
    let metrics = export(&api, &key, &format!("what=metrics&{range}")).await;
    assert_eq!(metrics.status, 200, "{}", metrics.body);
    assert!(
        metrics.content_type.starts_with("text/csv"),
        "{}",
        metrics.content_type
    );
    assert!(metrics
        .disposition
        .as_deref()
        .is_some_and(|d| d.starts_with("attachment")));
    assert_eq!(metrics.body, metrics_csv(&native).unwrap());
    let json_metrics = export(&api, &key, &format!("what=metrics&format=json&{range}")).await;
    assert_eq!(
        serde_json::from_str::<Value>(&json_metrics.body).unwrap(),
        as_json(&served)
    );

    // The conversations, two to a page: every one of the range once, in start order.
    let in_range: Vec<&ThreadFigures> = week
        .iter()
        .filter(|figures| (from..to).contains(&figures.started_at))
        .collect();
    let mut rows = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut query = format!("what=conversations&limit=2&{range}");
        if let Some(cursor) = &cursor {
            query.push_str(&format!("&cursor={cursor}"));
        }
        let page = export(&api, &key, &query).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let mut lines = page.body.lines().map(str::to_owned);
        let header = lines.next().unwrap();
        rows.extend(lines);
        pages += 1;
        assert!(pages <= 5, "paging ends");
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => {
                let expected = conversations_csv(in_range.iter().copied()).unwrap();
                let mut expected_lines = expected.lines();
                assert_eq!(expected_lines.next(), Some(header.as_str()));
                assert_eq!(rows, expected_lines.collect::<Vec<_>>());
                break;
            }
        }
    }
    assert_eq!(pages, 5);
    // The JSON pages carry each conversation's messages, read from its thread: a seeded
    // row has no thread (as if erased since the roll-up listed it), so every page is
    // empty, yet the pages still follow one another to the end, four rows at a time.
    let query = format!("what=conversations&format=json&limit=4&{range}");
    let (seen, pages) = json_pages(&api, &key, &query, 5).await;
    assert_eq!(seen, Vec::<Value>::new());
    assert_eq!(pages, in_range.len().div_ceil(4));

    // A range past a year, or upside down, is refused.
    let (status, _) = api
        .agent_get(
            &key,
            &format!("/v1/agent/insights?from={}&to={to}", to - 367 * D),
        )
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn the_expected_reply_time_reaches_the_profile_only_when_shown() {
    let relay = Relay::start().await;
    let api = Api::new(relay.origin());
    let brand = json!({ "name": "Quick Shop" });
    assert_eq!(api.put_brand("quick", brand).await, 201);
    seed(&api, "quick", &quick_replies()).await;
    let profile = |body: Value| body["brand"].clone();

    let (status, body) = api.post_session(json!({ "brand": "quick" })).await;
    assert_eq!(status, 201, "{body}");
    assert!(
        profile(body).get("expectedReplyMinutes").is_none(),
        "off by default"
    );

    let shown = json!({ "name": "Quick Shop", "showExpectedReply": true });
    assert_eq!(api.put_brand("quick", shown).await, 200);
    let (status, body) = api.post_session(json!({ "brand": "quick" })).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(profile(body)["expectedReplyMinutes"], 10);
}

/// Six conversations of the last hours first answered by the team: 4, 6, 7, 7, 8 and 40
/// minutes (always open: business time is wall-clock); the median, 7, shows as 10.
fn quick_replies() -> Vec<ThreadFigures> {
    let start = now() - 5 * H;
    let waits = [4, 6, 7, 7, 8, 40];
    waits
        .iter()
        .enumerate()
        .map(|(n, wait)| {
            let at = start + n as u64 * 10 * M;
            thread(
                &format!("q{n}"),
                at,
                None,
                None,
                &[visitor(at), agent(at + wait * M)],
            )
        })
        .collect()
}

/// The widget's header says how soon the brand usually replies, from its roll-up, where it
/// said "in a few minutes" before the brand turned the figure on.
#[tokio::test]
async fn the_widget_says_how_soon_the_team_usually_replies() {
    let relay = Relay::start().await;
    let api = Api::new(relay.origin());
    // The demo page's brand, always open (no business hours).
    let demo = |shown: bool| {
        json!({
            "name": "Acme Outdoor",
            "allowedOrigins": [relay.origin()],
            "showExpectedReply": shown,
        })
    };
    assert_eq!(api.put_brand("demo", demo(false)).await, 200);
    seed(&api, "demo", &quick_replies()).await;
    for (shown, says) in [
        (false, "Usually replies in a few minutes"),
        (true, "Usually replies within 10 minutes"),
    ] {
        assert_eq!(api.put_brand("demo", demo(shown)).await, 200);
        let browser = Browser::start().await;
        browser.client.goto(&relay.url("/")).await.unwrap();
        browser.open_panel().await;
        eventually(30, || async {
            let presence = browser.widget_texts(".confab-presence").await;
            match presence.iter().any(|text| text.contains(says)) {
                true => Ok(()),
                false => Err(format!("the header says {presence:?}, not {says:?}")),
            }
        })
        .await;
    }
}
