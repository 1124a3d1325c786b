//! A fake WhatsApp Cloud API: `POST /{version}/{phone_number_id}/messages` with a bearer
//! token, text or template bodies as the Graph API takes them, answering
//! `{"messages":[{"id":"wamid…"}]}` or a Graph error (`{"error":{"code":…}}`). Records what
//! it was sent, with the ids it gave.

use super::{hang_in_body, huge_answer, misbehave, redirect, Failure, Plan, Server};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

/// A message the fake accepted.
#[derive(Clone, Debug)]
pub struct Sent {
    /// The id it answered with.
    pub wamid: String,
    /// The recipient.
    pub to: String,
    /// The body as sent (`type` is `text` or `template`).
    pub body: Value,
}

struct Fake {
    token: String,
    phone_number_id: String,
    sent: Mutex<Vec<Sent>>,
    plan: Plan,
}

/// The fake Cloud API of one number.
pub struct FakeWhatsapp {
    /// The base URL to give the relay as `WHATSAPP_API_BASE`.
    pub base: String,
    fake: Arc<Fake>,
    _server: Server,
}

impl FakeWhatsapp {
    /// Starts a fake for the number `phone_number_id`, reached with `token`.
    pub async fn start(token: &str, phone_number_id: &str) -> FakeWhatsapp {
        let fake = Arc::new(Fake {
            token: token.to_string(),
            phone_number_id: phone_number_id.to_string(),
            sent: Mutex::default(),
            plan: Plan::default(),
        });
        let app = Router::new()
            .route("/{version}/{number}/messages", post(send))
            .with_state(fake.clone());
        let server = Server::start(app).await;
        FakeWhatsapp {
            base: server.base.clone(),
            fake,
            _server: server,
        }
    }

    /// Answers the next sends with these failures.
    pub fn fail_next(&self, failures: impl IntoIterator<Item = Failure>) {
        self.fake.plan.fail_next(failures);
    }

    /// What was sent so far.
    pub fn sent(&self) -> Vec<Sent> {
        self.fake.sent.lock().unwrap().clone()
    }
}

fn graph_error(status: StatusCode, code: i64, message: &str) -> (StatusCode, Json<Value>) {
    (
        status,
        Json(json!({ "error": { "message": message, "type": "OAuthException", "code": code } })),
    )
}

async fn send(
    State(fake): State<Arc<Fake>>,
    Path((version, number)): Path<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let authorized = headers
        .get("Authorization")
        .and_then(|value| value.to_str().ok())
        == Some(format!("Bearer {}", fake.token).as_str());
    if !authorized {
        return graph_error(StatusCode::UNAUTHORIZED, 190, "Invalid OAuth access token")
            .into_response();
    }
    if !version.starts_with('v') || number != fake.phone_number_id {
        return graph_error(StatusCode::BAD_REQUEST, 100, "Unsupported post request")
            .into_response();
    }
    let to = body["to"].as_str().unwrap_or_default().to_string();
    let well_formed = body["messaging_product"] == "whatsapp"
        && !to.is_empty()
        && match body["type"].as_str() {
            Some("text") => body["text"]["body"]
                .as_str()
                .is_some_and(|text| !text.is_empty() && text.chars().count() <= 4096),
            Some("template") => body["template"]["name"].is_string(),
            _ => false,
        };
    if !well_formed {
        return graph_error(StatusCode::BAD_REQUEST, 100, "Invalid parameter").into_response();
    }
    match misbehave(fake.plan.take()).await {
        Some(Failure::Status(status)) => {
            return graph_error(
                StatusCode::from_u16(status).unwrap(),
                2,
                "Service temporarily unavailable",
            )
            .into_response()
        }
        Some(Failure::SlowDown(_)) => {
            return graph_error(StatusCode::BAD_REQUEST, 130429, "Rate limit hit").into_response()
        }
        Some(Failure::WindowClosed) => {
            return graph_error(StatusCode::BAD_REQUEST, 131047, "Re-engagement message")
                .into_response()
        }
        Some(Failure::HangInBody) => return hang_in_body(r#"{"messaging_product":"#),
        Some(Failure::HugeAnswer) => {
            return huge_answer(r#"{"messages":[{"id":"wamid.HUGE"}],"padding":""#, r#""}"#)
        }
        Some(Failure::Redirect(status, location)) => return redirect(status, &location),
        Some(Failure::QuoteUrl(status)) => {
            let host = headers
                .get("Host")
                .and_then(|host| host.to_str().ok())
                .unwrap_or("127.0.0.1");
            let url = format!("http://{host}/{version}/{number}/messages");
            return graph_error(
                StatusCode::from_u16(status).unwrap(),
                2,
                &format!("Service temporarily unavailable at {url}"),
            )
            .into_response();
        }
        Some(Failure::Hang | Failure::HangUp) | None => {}
    }
    let mut sent = fake.sent.lock().unwrap();
    let wamid = format!("wamid.FAKE{:04}", sent.len() + 1);
    sent.push(Sent {
        wamid: wamid.clone(),
        to: to.clone(),
        body,
    });
    (
        StatusCode::OK,
        Json(json!({
            "messaging_product": "whatsapp",
            "contacts": [{ "input": to, "wa_id": to }],
            "messages": [{ "id": wamid }],
        })),
    )
        .into_response()
}

/// `X-Hub-Signature-256` of a webhook body, as Meta computes it with the app secret.
pub fn signature(app_secret: &str, body: &str) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(app_secret.as_bytes()).unwrap();
    mac.update(body.as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}
