//! A fake brand backend: receives the relay's webhook events, verifies each
//! `Confab-Signature` on its own (HMAC-SHA256 over `"<t>.<raw body>"`, at most five minutes
//! old), records the good ones and counts the bad ones, and can be told to fail.

use super::{hang_in_body, huge_answer, misbehave, redirect, Failure, Plan, Server};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use hmac::{Hmac, Mac};
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// An event the backend accepted.
#[derive(Clone, Debug)]
pub struct Received {
    /// The event, as JSON.
    pub event: Value,
    /// When it arrived.
    pub at: Instant,
}

struct Fake {
    secret: String,
    received: Mutex<Vec<Received>>,
    refused: Mutex<u32>,
    plan: Plan,
    /// Every request that reached the server, to any path, by any method.
    requests: Mutex<u32>,
}

/// The fake backend at `{base}/hooks/confab`.
pub struct FakeWebhook {
    /// Where the brand's webhook URL points.
    pub url: String,
    fake: Arc<Fake>,
    _server: Server,
}

impl FakeWebhook {
    /// Starts a backend that shares `secret` with the relay.
    pub async fn start(secret: &str) -> FakeWebhook {
        let fake = Arc::new(Fake {
            secret: secret.to_string(),
            received: Mutex::default(),
            refused: Mutex::default(),
            plan: Plan::default(),
            requests: Mutex::default(),
        });
        let app = Router::new()
            .route("/hooks/confab", post(receive).fallback(elsewhere))
            .fallback(elsewhere)
            .with_state(fake.clone());
        let server = Server::start(app).await;
        FakeWebhook {
            url: format!("{}/hooks/confab", server.base),
            fake,
            _server: server,
        }
    }

    /// Answers the next deliveries with these failures.
    pub fn fail_next(&self, failures: impl IntoIterator<Item = Failure>) {
        self.fake.plan.fail_next(failures);
    }

    /// The events accepted so far.
    pub fn received(&self) -> Vec<Received> {
        self.fake.received.lock().unwrap().clone()
    }

    /// The types of the events accepted so far (`message.created`, …), in order.
    pub fn types(&self) -> Vec<String> {
        self.received()
            .iter()
            .map(|received| received.event["type"].as_str().unwrap_or("?").to_string())
            .collect()
    }

    /// Waits (up to 30 s) until the backend received an event of `kind` for which `found`
    /// holds, and returns it.
    pub async fn wait_for_event(&self, kind: &str, found: impl Fn(&Value) -> bool) -> Value {
        crate::eventually(30, || async {
            self.received()
                .into_iter()
                .map(|received| received.event)
                .find(|event| event["type"] == kind && found(event))
                .ok_or_else(|| format!("waiting for {kind}; the backend has {:?}", self.types()))
        })
        .await
    }

    /// Deliveries refused for a bad or missing signature.
    pub fn refused(&self) -> u32 {
        *self.fake.refused.lock().unwrap()
    }

    /// Every request the server got, to any path, by any method, signed or not.
    pub fn requests(&self) -> u32 {
        *self.fake.requests.lock().unwrap()
    }
}

/// Any other path or method: counted, and not found.
async fn elsewhere(State(fake): State<Arc<Fake>>) -> StatusCode {
    *fake.requests.lock().unwrap() += 1;
    StatusCode::NOT_FOUND
}

async fn receive(State(fake): State<Arc<Fake>>, headers: HeaderMap, body: Bytes) -> Response {
    *fake.requests.lock().unwrap() += 1;
    let signature = headers
        .get("Confab-Signature")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    if !verify(&fake.secret, signature, &body) {
        *fake.refused.lock().unwrap() += 1;
        return StatusCode::UNAUTHORIZED.into_response();
    }
    match misbehave(fake.plan.take()).await {
        Some(Failure::Status(status)) => {
            return StatusCode::from_u16(status).unwrap().into_response()
        }
        Some(Failure::SlowDown(_)) => return StatusCode::TOO_MANY_REQUESTS.into_response(),
        Some(Failure::HangInBody) => return hang_in_body(r#"{"received":"#),
        Some(Failure::HugeAnswer) => return huge_answer(r#"{"padding":""#, r#""}"#),
        Some(Failure::Redirect(status, location)) => return redirect(status, &location),
        Some(Failure::QuoteUrl(status)) => {
            return StatusCode::from_u16(status).unwrap().into_response()
        }
        Some(Failure::WindowClosed | Failure::Hang | Failure::HangUp) | None => {}
    }
    let Ok(event) = serde_json::from_slice(&body) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    fake.received.lock().unwrap().push(Received {
        event,
        at: Instant::now(),
    });
    StatusCode::NO_CONTENT.into_response()
}

/// A receiver's check, written from the documented scheme (not with the relay's code).
fn verify(secret: &str, header: &str, body: &[u8]) -> bool {
    let field = |name: &str| {
        header
            .split(',')
            .find_map(|part| part.trim().strip_prefix(&format!("{name}=")))
    };
    let (Some(t), Some(v1)) = (field("t"), field("v1")) else {
        return false;
    };
    let (Ok(timestamp), Ok(signature)) = (t.parse::<u64>(), hex::decode(v1)) else {
        return false;
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    if now.abs_diff(timestamp) > 300 {
        return false;
    }
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(body);
    mac.verify_slice(&signature).is_ok()
}
