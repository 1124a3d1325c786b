//! A fake brand backend: receives the relay's webhook events, verifies each
//! `Confab-Signature` on its own (HMAC-SHA256 over `"<t>.<raw body>"`, at most five minutes
//! old), records the good ones and counts the bad ones, and can be told to fail.

use super::{misbehave, Failure, Plan, Server};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
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
        });
        let app = Router::new()
            .route("/hooks/confab", post(receive))
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

    /// Deliveries refused for a bad or missing signature.
    pub fn refused(&self) -> u32 {
        *self.fake.refused.lock().unwrap()
    }
}

async fn receive(State(fake): State<Arc<Fake>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let signature = headers
        .get("Confab-Signature")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    if !verify(&fake.secret, signature, &body) {
        *fake.refused.lock().unwrap() += 1;
        return StatusCode::UNAUTHORIZED;
    }
    match misbehave(fake.plan.take()).await {
        Some(Failure::Status(status)) => return StatusCode::from_u16(status).unwrap(),
        Some(Failure::SlowDown(_)) => return StatusCode::TOO_MANY_REQUESTS,
        Some(Failure::WindowClosed | Failure::Hang | Failure::HangUp) | None => {}
    }
    let Ok(event) = serde_json::from_slice(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    fake.received.lock().unwrap().push(Received {
        event,
        at: Instant::now(),
    });
    StatusCode::NO_CONTENT
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
