//! A fake language model behind an OpenAI-compatible chat-completions endpoint
//! (`POST {base}/v1/chat/completions`, `Authorization: Bearer <key>`), as a brand's
//! assistant calls it. It is a model that follows its instructions: it answers only from
//! the knowledge entries the system message gives it, rewording the first one
//! ("[fake model] " and its answer), and answers `NO_ANSWER` when it is given none or
//! the question shares no word with them. It records every request and can be told to
//! fail (an error status, or a hang longer than any caller waits).

use super::{misbehave, Failure, Plan, Server};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

/// What the fake puts before the entry's answer, so a test tells its words from the
/// entry's own.
pub const PREFIX: &str = "[fake model] ";

struct Fake {
    key: String,
    requests: Mutex<Vec<Value>>,
    refused: Mutex<u32>,
    plan: Plan,
}

/// The fake model at `{base}/v1`.
pub struct FakeLlm {
    /// The base URL a brand's `assistant.generative.baseUrl` names.
    pub base_url: String,
    fake: Arc<Fake>,
    _server: Server,
}

impl FakeLlm {
    /// Starts a model whose endpoint takes `key`.
    pub async fn start(key: &str) -> FakeLlm {
        let fake = Arc::new(Fake {
            key: key.to_string(),
            requests: Mutex::default(),
            refused: Mutex::default(),
            plan: Plan::default(),
        });
        let app = Router::new()
            .route("/v1/chat/completions", post(complete))
            .with_state(fake.clone());
        let server = Server::start(app).await;
        FakeLlm {
            base_url: format!("{}/v1", server.base),
            fake,
            _server: server,
        }
    }

    /// Answers the next requests with these failures.
    pub fn fail_next(&self, failures: impl IntoIterator<Item = Failure>) {
        self.fake.plan.fail_next(failures);
    }

    /// The requests with the right key, in order.
    pub fn requests(&self) -> Vec<Value> {
        self.fake.requests.lock().unwrap().clone()
    }

    /// Requests refused for a missing or wrong key.
    pub fn refused(&self) -> u32 {
        *self.fake.refused.lock().unwrap()
    }
}

async fn complete(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    Json(request): Json<Value>,
) -> Response {
    let expected = format!("Bearer {}", fake.key);
    let authorization = headers.get("authorization").and_then(|v| v.to_str().ok());
    if authorization != Some(expected.as_str()) {
        *fake.refused.lock().unwrap() += 1;
        let error =
            json!({ "error": { "message": "Incorrect API key", "type": "invalid_request_error" } });
        return (StatusCode::UNAUTHORIZED, Json(error)).into_response();
    }
    fake.requests.lock().unwrap().push(request.clone());
    if let Some(Failure::Status(status)) = misbehave(fake.plan.take()).await {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
        let error = json!({ "error": { "message": "The fake model fails on purpose" } });
        return (status, Json(error)).into_response();
    }
    let text = |index: usize| {
        request["messages"][index]["content"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let content = answer(&text(0), &text(1));
    Json(json!({
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "model": request["model"],
        "choices": [{
            "index": 0,
            "message": { "role": "assistant", "content": content },
            "finish_reason": "stop",
        }],
    }))
    .into_response()
}

/// The fake's answer: the first entry's answer, reworded, if the question shares a word
/// (of four letters or more, or any CJK character) with the entries; else `NO_ANSWER`.
fn answer(system: &str, question: &str) -> String {
    let Some(first) = system
        .lines()
        .find_map(|line| line.strip_prefix("Answer: "))
    else {
        return "NO_ANSWER".into();
    };
    let knowledge = system
        .split_once("Knowledge:")
        .map_or(String::new(), |(_, entries)| entries.to_lowercase());
    let words = |text: &str| -> Vec<String> {
        text.split(|c: char| !c.is_alphanumeric())
            .filter(|word| word.chars().count() >= 4)
            .map(str::to_lowercase)
            .collect()
    };
    let known = words(&knowledge);
    let shares = words(question).iter().any(|word| known.contains(word))
        || question
            .chars()
            .any(|c| c > '\u{2E80}' && knowledge.contains(c));
    match shares {
        true => format!("{PREFIX}{first}"),
        false => "NO_ANSWER".into(),
    }
}
