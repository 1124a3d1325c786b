//! A fake Telegram Bot API: `POST /bot<token>/<method>` with JSON or `multipart/form-data`
//! bodies, answering as the Bot API does (`{"ok":true,"result":…}`, or
//! `{"ok":false,"error_code":…,"description":…}` with `parameters.retry_after` on 429). It
//! knows `createForumTopic`, `sendMessage`, `sendPhoto` and `sendDocument` (a file part
//! named `photo` or `document`, with an optional `caption`), `getFile` for files a test put
//! there ([`FakeTelegram::add_file`]) and their download at `GET /file/bot<token>/<path>`;
//! it checks the token, the chat, the topic and the text, and records every call.

use super::{hang_in_body, huge_answer, misbehave, redirect, Failure, Plan, Server};
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;
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

/// A file the bot sent (`sendPhoto`, `sendDocument`).
#[derive(Clone, Debug)]
pub struct SentFile {
    /// `sendPhoto` or `sendDocument`.
    pub method: String,
    /// The forum topic.
    pub topic_id: i64,
    /// The caption, if any.
    pub caption: Option<String>,
    /// The file part's file name.
    pub file_name: String,
    /// The file part's type.
    pub content_type: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// What the fake has seen.
#[derive(Default)]
pub struct Seen {
    /// Files accepted.
    pub files: Vec<SentFile>,
    /// Paths of files downloaded.
    pub downloads: Vec<String>,
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
    /// Failures planned for the next file sends (`sendPhoto`, `sendDocument`).
    file_plan: Plan,
    /// Files `getFile` knows: id → (path, bytes).
    files: Mutex<HashMap<String, (String, Vec<u8>)>>,
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
            file_plan: Plan::default(),
            files: Mutex::default(),
        });
        let app = Router::new()
            .route("/{bot}/{method}", post(call))
            .route("/file/{bot}/{*path}", get(download))
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

    /// Answers the next `sendPhoto` and `sendDocument` calls with these statuses.
    pub fn fail_next_files(&self, statuses: impl IntoIterator<Item = u16>) {
        self.fake
            .file_plan
            .fail_next(statuses.into_iter().map(Failure::Status));
    }

    /// Puts a file on the fake's servers, as a team member's upload: `getFile` with
    /// `file_id` answers its `path`, where its bytes are downloaded.
    pub fn add_file(&self, file_id: &str, path: &str, bytes: &[u8]) {
        self.fake
            .files
            .lock()
            .unwrap()
            .insert(file_id.to_string(), (path.to_string(), bytes.to_vec()));
    }

    /// The files sent so far, in order.
    pub fn files(&self) -> Vec<SentFile> {
        self.seen(|seen| seen.files.clone())
    }

    /// The texts posted so far, in order.
    pub fn texts(&self) -> Vec<String> {
        self.seen(|seen| seen.posted.iter().map(|p| p.text.clone()).collect())
    }

    /// Waits (up to 30 s) until the group has a post equal to `expected`.
    pub async fn wait_for_post(&self, expected: &str) {
        crate::eventually(30, || async {
            let posted = self.texts();
            match posted.iter().any(|text| text == expected) {
                true => Ok(()),
                false => Err(format!("waiting for {expected:?}; Telegram has {posted:?}")),
            }
        })
        .await
    }
}

type Answer = (StatusCode, Json<Value>);

fn error(status: u16, description: &str) -> Answer {
    (
        StatusCode::from_u16(status).unwrap(),
        Json(json!({ "ok": false, "error_code": status, "description": description })),
    )
}

/// A form's fields as JSON strings (numbers parsed), and its file part: (field, file name,
/// type, bytes).
type FormFile = (String, String, String, Vec<u8>);

async fn read_form(request: Request) -> Result<(Value, Option<FormFile>), Response> {
    let bad = |why: String| error(400, &format!("Bad Request: {why}")).into_response();
    let mut form = Multipart::from_request(request, &())
        .await
        .map_err(|e| bad(e.to_string()))?;
    let mut fields = serde_json::Map::new();
    let mut file = None;
    while let Some(field) = form.next_field().await.map_err(|e| bad(e.to_string()))? {
        let name = field.name().unwrap_or_default().to_string();
        match field.file_name().map(str::to_string) {
            Some(file_name) => {
                let content_type = field.content_type().unwrap_or_default().to_string();
                let bytes = field.bytes().await.map_err(|e| bad(e.to_string()))?;
                file = Some((name, file_name, content_type, bytes.to_vec()));
            }
            None => {
                let text = field.text().await.map_err(|e| bad(e.to_string()))?;
                let value = text
                    .parse::<i64>()
                    .map(Value::from)
                    .unwrap_or(Value::String(text));
                fields.insert(name, value);
            }
        }
    }
    Ok((Value::Object(fields), file))
}

async fn call(
    State(fake): State<Arc<Fake>>,
    Path((bot, method)): Path<(String, String)>,
    headers: HeaderMap,
    request: Request,
) -> Response {
    let multipart = headers
        .get("Content-Type")
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("multipart/form-data"));
    let (body, file) = if multipart {
        match read_form(request).await {
            Ok(form) => form,
            Err(refused) => return refused,
        }
    } else {
        match Json::<Value>::from_request(request, &()).await {
            Ok(Json(body)) => (body, None),
            Err(_) => return error(400, "Bad Request: the body is not JSON").into_response(),
        }
    };
    fake.seen
        .lock()
        .unwrap()
        .calls
        .push((method.clone(), Instant::now()));
    if bot != format!("bot{}", fake.token) {
        return error(401, "Unauthorized").into_response();
    }
    if method == "getFile" {
        return get_file(&fake, &body).into_response();
    }
    if body["chat_id"].as_i64() != Some(fake.chat_id) {
        return error(400, "Bad Request: chat not found").into_response();
    }
    match method.as_str() {
        "createForumTopic" => create_topic(&fake.seen, &body).into_response(),
        "sendPhoto" | "sendDocument" => match fake.file_plan.take() {
            Some(Failure::Status(status)) => error(status, "Internal Server Error").into_response(),
            _ => send_file(&fake.seen, &method, &body, file).into_response(),
        },
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

fn get_file(fake: &Fake, body: &Value) -> Answer {
    let id = body["file_id"].as_str().unwrap_or_default();
    match fake.files.lock().unwrap().get(id) {
        Some((path, bytes)) => (
            StatusCode::OK,
            Json(json!({ "ok": true, "result": {
                "file_id": id, "file_unique_id": format!("u{id}"),
                "file_size": bytes.len(), "file_path": path,
            }})),
        ),
        None => error(400, "Bad Request: invalid file_id"),
    }
}

async fn download(
    State(fake): State<Arc<Fake>>,
    Path((bot, path)): Path<(String, String)>,
) -> Response {
    if bot != format!("bot{}", fake.token) {
        return (StatusCode::UNAUTHORIZED, "Unauthorized").into_response();
    }
    let found = fake
        .files
        .lock()
        .unwrap()
        .values()
        .find(|(stored, _)| *stored == path)
        .map(|(_, bytes)| bytes.clone());
    fake.seen.lock().unwrap().downloads.push(path);
    match found {
        Some(bytes) => (StatusCode::OK, Bytes::from(bytes)).into_response(),
        None => (StatusCode::NOT_FOUND, "Not Found").into_response(),
    }
}

fn send_file(seen: &Mutex<Seen>, method: &str, body: &Value, file: Option<FormFile>) -> Answer {
    let mut seen = seen.lock().unwrap();
    let Some(topic_id) = body["message_thread_id"]
        .as_i64()
        .filter(|id| seen.topics.iter().any(|(topic, _)| topic == id))
    else {
        return error(400, "Bad Request: message thread not found");
    };
    let part = if method == "sendPhoto" {
        "photo"
    } else {
        "document"
    };
    let Some((_, file_name, content_type, bytes)) =
        file.filter(|(field, _, _, bytes)| field == part && !bytes.is_empty())
    else {
        return error(
            400,
            &format!("Bad Request: there is no {part} in the request"),
        );
    };
    let caption = body["caption"].as_str().map(str::to_string);
    if caption.as_ref().is_some_and(|c| c.chars().count() > 1024) {
        return error(400, "Bad Request: message caption is too long");
    }
    seen.files.push(SentFile {
        method: method.to_string(),
        topic_id,
        caption,
        file_name,
        content_type,
        bytes,
    });
    let message_id = 5000 + seen.files.len() as i64;
    (
        StatusCode::OK,
        Json(
            json!({ "ok": true, "result": { "message_id": message_id, "message_thread_id": topic_id } }),
        ),
    )
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
