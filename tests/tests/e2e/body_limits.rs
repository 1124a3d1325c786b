//! Body limits hold while the body is still coming: a request that declares no length
//! (`Transfer-Encoding: chunked`) and sends more than a route takes is answered 413
//! (`body_too_large`) as soon as it passes the limit — before its sender is done, however
//! long that would take — on every route that reads a body, and stores nothing. A body
//! under the limit, sent the same way, works.
//!
//! The requests are written by hand on a TCP socket, so that nothing between the test and
//! the relay adds a length: chunk after chunk, while the answer is read at the same time.
//! `wrangler dev` passes such a body through as it comes (it neither buffers it nor adds a
//! length: the relay's 413 arrives a few chunks past the limit), but its proxy in front of
//! the Worker keeps its connection to the Worker after an answer that left the body
//! unread, and the next request it sends on that connection fails there, before reaching
//! the Worker: it answers that one itself, `503 Your worker restarted mid-request`. Such an
//! answer is not the relay's, and the request is sent again ([`chunked`]). A `GET` would
//! not get that answer but wait, for ever, for the Worker to be reloaded: after the last
//! oversized body a test sends a `POST` of its own first ([`settle`]).

use confab_e2e::api::Api;
use confab_e2e::fakes::telegram::FakeTelegram;
use confab_e2e::fakes::whatsapp::signature;
use confab_e2e::relay::TEST_ADMIN_SECRET;
use confab_e2e::world::{APP_SECRET, BOT_TOKEN, CHAT, HOOK_SECRET};
use confab_e2e::Relay;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How a test body is sent: `fast` bytes at once (in 16 KiB chunks), then chunks of
/// `chunk` bytes, `pause` apart, until `bound` bytes or `time` have gone; then the body is
/// ended.
#[derive(Clone, Copy)]
struct Pace {
    fast: usize,
    chunk: usize,
    pause: Duration,
    bound: usize,
    time: Duration,
}

/// The largest body of the API's routes (`MAX_BODY_BYTES` in `relay/src/edge/http.rs`).
const API_LIMIT: usize = 32 * 1024;

/// The largest body of the messaging apps' hooks (`MAX_HOOK_BYTES`, `edge/hooks.rs`).
const HOOK_LIMIT: usize = 256 * 1024;

/// Quickly just past `limit`, then a trickle that would go on for 10 s before the body
/// ends. Not a flood all the way: what a relay leaves unread when it answers makes the
/// local server reset the connection as it closes it, and a reset can lose the answer's
/// body on the way; a trickle leaves little unread.
fn past(limit: usize) -> Pace {
    Pace {
        fast: limit + 16 * 1024,
        chunk: 1024,
        pause: Duration::from_millis(50),
        bound: 16 * 1024 * 1024,
        time: Duration::from_secs(10),
    }
}

/// A request's headers.
type Headers = Vec<(&'static str, String)>;

/// What came of a request.
#[derive(Debug)]
struct Outcome {
    status: u16,
    body: String,
    /// Body bytes written when the answer's head arrived.
    sent_when_answered: usize,
    /// Whether the body had been ended (the last chunk written) by then.
    ended_when_answered: bool,
    /// How long the answer took, from the request's first byte.
    took: Duration,
    /// Whether the whole answer arrived (a connection closed on a body still coming may
    /// be reset, and the end of the answer lost with it).
    complete: bool,
}

/// What `wrangler dev`'s proxy answers when its connection to the Worker broke before
/// the request reached it (see the module's notes).
const PROXY_LOST_ITS_CONNECTION: &str = "Your worker restarted mid-request";

/// Sends `method path` with `headers` and a chunked body: `start`, then `x`s at `pace`
/// (nothing more if `pace` is `None`), reading the answer all along; again if the local
/// proxy, not the relay, answered.
async fn chunked(
    origin: &str,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    start: &str,
    pace: Option<Pace>,
) -> Outcome {
    let mut last = None;
    for _ in 0..3 {
        let outcome = send_chunked(origin, method, path, headers, start, pace).await;
        let proxy = outcome.status == 503 && outcome.body.starts_with(PROXY_LOST_ITS_CONNECTION);
        if !proxy && outcome.complete {
            return outcome;
        }
        last = Some(outcome);
    }
    panic!("{method} {path} got no whole answer from the relay: {last:?}");
}

/// One attempt of [`chunked`].
async fn send_chunked(
    origin: &str,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    start: &str,
    pace: Option<Pace>,
) -> Outcome {
    let address = origin.trim_start_matches("http://").to_string();
    let stream = TcpStream::connect(&address)
        .await
        .expect("the relay listens");
    let (mut reader, mut writer) = stream.into_split();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nTransfer-Encoding: chunked\r\n\
         Content-Type: application/json\r\nConnection: close\r\n"
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let sent = Arc::new(AtomicUsize::new(0));
    let ended = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let start = start.as_bytes().to_vec();
    let (sent_by_writer, ended_by_writer) = (sent.clone(), ended.clone());
    let writing = tokio::spawn(async move {
        let chunk = |data: &[u8]| {
            let mut frame = format!("{:x}\r\n", data.len()).into_bytes();
            frame.extend_from_slice(data);
            frame.extend_from_slice(b"\r\n");
            frame
        };
        let mut first = head.into_bytes();
        first.extend(chunk(&start));
        if writer.write_all(&first).await.is_err() {
            return;
        }
        sent_by_writer.fetch_add(start.len(), Ordering::SeqCst);
        if let Some(pace) = pace {
            let fast = chunk(&vec![b'x'; 16 * 1024]);
            while sent_by_writer.load(Ordering::SeqCst) < pace.fast {
                if writer.write_all(&fast).await.is_err() {
                    return;
                }
                sent_by_writer.fetch_add(16 * 1024, Ordering::SeqCst);
            }
            let filler = chunk(&vec![b'x'; pace.chunk]);
            while sent_by_writer.load(Ordering::SeqCst) < pace.bound
                && started.elapsed() < pace.time
            {
                if writer.write_all(&filler).await.is_err() {
                    // The relay closed its side: it will not read more.
                    return;
                }
                sent_by_writer.fetch_add(pace.chunk, Ordering::SeqCst);
                tokio::time::sleep(pace.pause).await;
            }
        }
        if writer.write_all(b"0\r\n\r\n").await.is_ok() {
            ended_by_writer.store(true, Ordering::SeqCst);
        }
        // Keep the writing half open until the answer is read.
        std::future::pending::<()>().await;
    });
    let mut answer = Vec::new();
    let mut buffer = vec![0u8; 64 * 1024];
    let mut answered: Option<(usize, bool, Duration)> = None;
    let mut complete = false;
    let limit = pace.map_or(Duration::from_secs(30), |pace| pace.time) + Duration::from_secs(30);
    loop {
        let read = tokio::time::timeout_at(
            tokio::time::Instant::from_std(started + limit),
            reader.read(&mut buffer),
        )
        .await
        .unwrap_or_else(|_| panic!("no whole answer to {method} {path} in {limit:?}"));
        let count = match read {
            // Closed: whole if its length said no more (or it gave none, closing instead).
            Ok(0) => {
                complete = whole(&answer) || !declares_length(&answer);
                break;
            }
            // Reset: what did not arrive before is lost.
            Err(_) => break,
            Ok(count) => count,
        };
        if answered.is_none() {
            answered = Some((
                sent.load(Ordering::SeqCst),
                ended.load(Ordering::SeqCst),
                started.elapsed(),
            ));
        }
        answer.extend_from_slice(&buffer[..count]);
        if whole(&answer) {
            complete = true;
            break;
        }
    }
    writing.abort();
    let text = String::from_utf8_lossy(&answer).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|status| status.parse().ok())
        .unwrap_or_else(|| panic!("no answer to {method} {path}: {text:?}"));
    let (sent_when_answered, ended_when_answered, took) = answered.expect("an answer");
    Outcome {
        status,
        body: body.to_string(),
        sent_when_answered,
        ended_when_answered,
        took,
        complete,
    }
}

/// Whether `answer` holds a whole HTTP answer (its head, and a body of its length).
fn whole(answer: &[u8]) -> bool {
    let text = String::from_utf8_lossy(answer);
    let Some((_, body)) = text.split_once("\r\n\r\n") else {
        return false;
    };
    content_length(&text).is_some_and(|length| body.len() >= length)
}

/// Whether `answer` has its whole head, and the head gives no length.
fn declares_length(answer: &[u8]) -> bool {
    let text = String::from_utf8_lossy(answer);
    !text.contains("\r\n\r\n") || content_length(&text).is_some()
}

/// The `Content-Length` of an answer's head.
fn content_length(text: &str) -> Option<usize> {
    let head = text.split("\r\n\r\n").next()?;
    head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse::<usize>().ok())
            .flatten()
    })
}

/// Spends the connection wrangler's proxy may have left broken (see the module's notes) on
/// a `POST` the relay answers 404, before the harness's `GET`s.
async fn settle(origin: &str) {
    for _ in 0..3 {
        let outcome = send_chunked(origin, "POST", "/v1/settle", &[], "{}", None).await;
        if !outcome.body.starts_with(PROXY_LOST_ITS_CONNECTION) {
            assert_eq!(outcome.status, 404, "{outcome:?}");
            return;
        }
    }
    panic!("wrangler's proxy did not recover");
}

/// The relay answered `413 body_too_large` before the sender was done.
fn assert_refused_early(route: &str, outcome: &Outcome) {
    let code = serde_json::from_str::<Value>(&outcome.body)
        .ok()
        .and_then(|body| body["error"]["code"].as_str().map(str::to_string));
    assert_eq!(
        (outcome.status, code.as_deref()),
        (413, Some("body_too_large")),
        "{route}: {outcome:?}"
    );
    assert!(
        !outcome.ended_when_answered,
        "{route}: the relay answered only once the whole body was sent \
         ({} bytes, after {:?})",
        outcome.sent_when_answered, outcome.took
    );
}

/// A relay whose `demo` brand has Telegram (for its hook) and whose WhatsApp hook is on.
async fn relay() -> (Relay, Api, FakeTelegram) {
    let telegram = FakeTelegram::start(BOT_TOKEN, CHAT).await;
    let relay = Relay::start_with(&[
        ("TELEGRAM_API_BASE", telegram.base.as_str()),
        ("DEMO_TELEGRAM_TOKEN", BOT_TOKEN),
        ("DEMO_TELEGRAM_HOOK_SECRET", HOOK_SECRET),
        ("WHATSAPP_APP_SECRET", APP_SECRET),
    ])
    .await;
    let api = Api::new(relay.origin());
    let status = api.put_brand("demo", demo_settings()).await;
    assert_eq!(status, 200);
    (relay, api, telegram)
}

fn demo_settings() -> Value {
    json!({
        "name": "Acme Outdoor",
        "allowedOrigins": ["http://127.0.0.1:*"],
        "connectors": {
            "telegram": {
                "chatId": CHAT,
                "botTokenSecret": "DEMO_TELEGRAM_TOKEN",
                "webhookSecret": "DEMO_TELEGRAM_HOOK_SECRET",
            },
        },
    })
}

#[tokio::test]
async fn every_route_refuses_a_chunked_body_over_its_limit_before_it_ends_and_stores_nothing() {
    let (relay, api, _telegram) = relay().await;
    let origin = relay.origin();
    let session = api.session().await;
    assert_eq!(api.send(&session, "kept", "the only message").await.0, 201);
    let key = api.agent_key("demo").await;
    let brand_before = api.admin_get("/v1/admin/brands/demo").await;
    let thread = session.thread_id.to_string();
    let visitor = vec![(
        "Authorization",
        format!("Bearer {}", session.token.as_str()),
    )];
    let agent = vec![("Authorization", format!("Bearer {key}"))];
    let admin = vec![("Authorization", format!("Bearer {TEST_ADMIN_SECRET}"))];
    let telegram_hook = vec![("X-Telegram-Bot-Api-Secret-Token", HOOK_SECRET.to_string())];
    let whatsapp_hook = vec![("X-Hub-Signature-256", signature(APP_SECRET, "{}"))];
    let anyone = vec![];
    let send_start = r#"{"clientId":"flood","text":""#;
    let routes: Vec<(&str, String, &Headers, &str)> = vec![
        ("POST", "/v1/sessions".into(), &anyone, r#"{"brand":""#),
        (
            "POST",
            format!("/v1/threads/{thread}/messages"),
            &visitor,
            send_start,
        ),
        (
            "POST",
            format!("/v1/threads/{thread}/read"),
            &visitor,
            r#"{"seq":1,"x":""#,
        ),
        (
            "POST",
            format!("/v1/threads/{thread}/links"),
            &visitor,
            r#"{"purpose":""#,
        ),
        (
            "POST",
            format!("/v1/agent/threads/{thread}/messages"),
            &agent,
            send_start,
        ),
        (
            "POST",
            format!("/v1/agent/threads/{thread}/read"),
            &agent,
            r#"{"seq":1,"x":""#,
        ),
        (
            "PUT",
            "/v1/admin/brands/demo".into(),
            &admin,
            r#"{"name":""#,
        ),
        (
            "POST",
            "/v1/hooks/telegram/demo".into(),
            &telegram_hook,
            r#"{"update_id":1,"x":""#,
        ),
        (
            "POST",
            "/v1/hooks/whatsapp".into(),
            &whatsapp_hook,
            r#"{"entry":[],"x":""#,
        ),
    ];
    for (method, path, headers, start) in &routes {
        let limit = match path.starts_with("/v1/hooks/") {
            true => HOOK_LIMIT,
            false => API_LIMIT,
        };
        let outcome = chunked(&origin, method, path, headers, start, Some(past(limit))).await;
        assert_refused_early(&format!("{method} {path}"), &outcome);
    }
    settle(&origin).await;

    // Nothing was stored: the thread, the brand.
    assert_eq!(api.history_texts(&session).await, ["the only message"]);
    assert_eq!(api.admin_get("/v1/admin/brands/demo").await, brand_before);

    // The same routes take a body under the limit, sent the same way.
    let send = |client_id: &str| json!({ "clientId": client_id, "text": "chunked, and fine" });
    let small = [
        (
            format!("/v1/threads/{thread}/messages"),
            &visitor,
            send("visitor").to_string(),
            201,
        ),
        (
            format!("/v1/agent/threads/{thread}/messages"),
            &agent,
            send("agent").to_string(),
            201,
        ),
        (
            "/v1/hooks/whatsapp".to_string(),
            &whatsapp_hook,
            "{}".to_string(),
            200,
        ),
    ];
    for (path, headers, body, status) in small {
        let outcome = chunked(&origin, "POST", &path, headers, &body, None).await;
        assert_eq!(outcome.status, status, "POST {path}: {outcome:?}");
    }
    let settings = demo_settings().to_string();
    let outcome = chunked(
        &origin,
        "PUT",
        "/v1/admin/brands/demo",
        &admin,
        &settings,
        None,
    )
    .await;
    assert_eq!(outcome.status, 200, "{outcome:?}");
    assert_eq!(
        api.history_texts(&session).await,
        ["the only message", "chunked, and fine", "chunked, and fine"]
    );
}

#[tokio::test]
async fn a_body_sent_slowly_and_without_end_is_refused_once_past_the_limit() {
    let (relay, api, _telegram) = relay().await;
    let session = api.session().await;
    let path = format!("/v1/threads/{}/messages", session.thread_id);
    let headers = [(
        "Authorization",
        format!("Bearer {}", session.token.as_str()),
    )];
    // 1 KiB every 20 ms: past the 32 KiB limit in under a second; the sender would go on
    // for 30 s (or 16 MiB) before ending the body.
    let trickle = Pace {
        fast: 0,
        chunk: 1024,
        pause: Duration::from_millis(20),
        bound: 16 * 1024 * 1024,
        time: Duration::from_secs(30),
    };
    let start = r#"{"clientId":"trickle","text":""#;
    let outcome = chunked(
        &relay.origin(),
        "POST",
        &path,
        &headers,
        start,
        Some(trickle),
    )
    .await;
    assert_refused_early("a trickled body", &outcome);
    settle(&relay.origin()).await;
    assert!(
        outcome.took < Duration::from_secs(10),
        "answered after {:?}, {} bytes in",
        outcome.took,
        outcome.sent_when_answered
    );
    assert!(api.history_texts(&session).await.is_empty());
}
