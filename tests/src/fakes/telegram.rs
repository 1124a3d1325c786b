//! A fake Telegram Bot API: `POST /bot<token>/<method>` with JSON bodies, answering as the
//! Bot API does (`{"ok":true,"result":…}`, or `{"ok":false,"error_code":…,"description":…}`
//! with `parameters.retry_after` on 429). It knows `createForumTopic` and `sendMessage`,
//! checks the token, the chat, the topic and the text, and records every call.

use super::{hang_in_body, huge_answer, misbehave, redirect, Failure, Plan, Server};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// A message the bot posted.
#[derive(Clone, Debug)]
pub struct Posted {
    /// The forum topic.
    pub topic_id: i64,
    /// The text.
    pub text: String,
    /// How Telegram was asked to read the text (`HTML`, `MarkdownV2`), if at all.
    pub parse_mode: Option<String>,
    /// When it arrived.
    pub at: Instant,
}

/// What the fake has seen.
#[derive(Default)]
pub struct Seen {
    /// Topics created: (id, name).
    pub topics: Vec<(i64, String)>,
    /// Messages accepted.
    pub posted: Vec<Posted>,
    /// Every call, accepted or not: (method, when).
    pub calls: Vec<(String, Instant)>,
}

struct Fake {
    token: String,
    chat_id: i64,
    seen: Mutex<Seen>,
    plan: Plan,
}

/// The fake Bot API of one bot in one group.
pub struct FakeTelegram {
    /// The base URL to give the relay as `TELEGRAM_API_BASE`.
    pub base: String,
    fake: Arc<Fake>,
    _server: Server,
}

impl FakeTelegram {
    /// Starts a fake for the bot `token`, whose group is `chat_id`.
    pub async fn start(token: &str, chat_id: i64) -> FakeTelegram {
        let fake = Arc::new(Fake {
            token: token.to_string(),
            chat_id,
            seen: Mutex::default(),
            plan: Plan::default(),
        });
        let app = Router::new()
            .route("/{bot}/{method}", post(call))
            .with_state(fake.clone());
        let server = Server::start(app).await;
        FakeTelegram {
            base: server.base.clone(),
            fake,
            _server: server,
        }
    }

    /// Answers the next `sendMessage` calls with these failures.
    pub fn fail_next(&self, failures: impl IntoIterator<Item = Failure>) {
        self.fake.plan.fail_next(failures);
    }

    /// What the fake has seen so far.
    pub fn seen<T>(&self, read: impl FnOnce(&Seen) -> T) -> T {
        read(&self.fake.seen.lock().unwrap())
    }

    /// The texts posted so far, in order.
    pub fn texts(&self) -> Vec<String> {
        self.seen(|seen| seen.posted.iter().map(|p| p.text.clone()).collect())
    }
}

type Answer = (StatusCode, Json<Value>);

fn error(status: u16, description: &str) -> Answer {
    (
        StatusCode::from_u16(status).unwrap(),
        Json(json!({ "ok": false, "error_code": status, "description": description })),
    )
}

async fn call(
    State(fake): State<Arc<Fake>>,
    Path((bot, method)): Path<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    fake.seen
        .lock()
        .unwrap()
        .calls
        .push((method.clone(), Instant::now()));
    if bot != format!("bot{}", fake.token) {
        return error(401, "Unauthorized").into_response();
    }
    if body["chat_id"].as_i64() != Some(fake.chat_id) {
        return error(400, "Bad Request: chat not found").into_response();
    }
    match method.as_str() {
        "createForumTopic" => create_topic(&fake.seen, &body).into_response(),
        "sendMessage" => match misbehave(fake.plan.take()).await {
            Some(Failure::Status(status)) => error(status, "Internal Server Error").into_response(),
            Some(Failure::SlowDown(seconds)) => (
                StatusCode::TOO_MANY_REQUESTS,
                Json(json!({
                    "ok": false, "error_code": 429,
                    "description": format!("Too Many Requests: retry after {seconds}"),
                    "parameters": { "retry_after": seconds },
                })),
            )
                .into_response(),
            Some(Failure::HangInBody) => hang_in_body(r#"{"ok":true,"#),
            Some(Failure::HugeAnswer) => {
                huge_answer(r#"{"ok":true,"result":{"padding":""#, r#""}}"#)
            }
            Some(Failure::Redirect(status, location)) => redirect(status, &location),
            Some(Failure::QuoteUrl(status)) => {
                let host = headers
                    .get("Host")
                    .and_then(|host| host.to_str().ok())
                    .unwrap_or("127.0.0.1");
                let url = format!("http://{host}/{bot}/{method}");
                error(status, &format!("Internal Server Error: {url} failed")).into_response()
            }
            Some(Failure::WindowClosed | Failure::Hang | Failure::HangUp) | None => {
                send_message(&fake.seen, &body).into_response()
            }
        },
        _ => error(404, "Not Found").into_response(),
    }
}

fn create_topic(seen: &Mutex<Seen>, body: &Value) -> Answer {
    let Some(name) = body["name"]
        .as_str()
        .filter(|name| (1..=128).contains(&name.len()))
    else {
        return error(400, "Bad Request: invalid topic name");
    };
    let mut seen = seen.lock().unwrap();
    let id = 100 + seen.topics.len() as i64;
    seen.topics.push((id, name.to_string()));
    (
        StatusCode::OK,
        Json(
            json!({ "ok": true, "result": { "message_thread_id": id, "name": name, "icon_color": 7322096 } }),
        ),
    )
}

fn send_message(seen: &Mutex<Seen>, body: &Value) -> Answer {
    let mut seen = seen.lock().unwrap();
    let Some(topic_id) = body["message_thread_id"]
        .as_i64()
        .filter(|id| seen.topics.iter().any(|(topic, _)| topic == id))
    else {
        return error(400, "Bad Request: message thread not found");
    };
    let text = body["text"].as_str().unwrap_or_default();
    if text.is_empty() || text.chars().count() > 4096 {
        return error(400, "Bad Request: message text is empty or too long");
    }
    seen.posted.push(Posted {
        topic_id,
        text: text.to_string(),
        parse_mode: body["parse_mode"].as_str().map(str::to_string),
        at: Instant::now(),
    });
    let message_id = 1000 + seen.posted.len() as i64;
    (
        StatusCode::OK,
        Json(
            json!({ "ok": true, "result": { "message_id": message_id, "message_thread_id": topic_id, "text": text } }),
        ),
    )
}
