//! A fake WhatsApp Cloud API: `POST /{version}/{phone_number_id}/messages` with a bearer
//! token, text, template, image or document bodies as the Graph API takes them, answering
//! `{"messages":[{"id":"wamid…"}]}` or a Graph error (`{"error":{"code":…}}`). Records what
//! it was sent, with the ids it gave.
//!
//! Media, as documented: `POST /{version}/{phone_number_id}/media` (`multipart/form-data`:
//! `messaging_product=whatsapp`, `type`, `file`) answers `{"id":"<media id>"}` and records
//! the upload (over WhatsApp's limits — images 5 MB, documents 100 MB — it answers error
//! 131053, "Media upload error"); an image or document message must name an uploaded id.
//! A visitor's media a test put there ([`FakeWhatsapp::add_media`]) is described by
//! `GET /{version}/{media id}` (`url`, `mime_type`, `sha256`, `file_size`, `id`) and
//! downloaded from that `url`; both want the bearer token (else 401, code 190), and an
//! unknown id is a 400 with code 100.
//!
//! The number's own node, `GET /{version}/{phone_number_id}?fields=…`, answers the fields
//! asked for ([`DISPLAY_PHONE_NUMBER`], [`VERIFIED_NAME`], `id`, …; by default Graph's
//! default set) to the bearer token, a field the node lacks with error 100, and a wrong
//! token as Graph does: 401, `OAuthException` 190, "Invalid OAuth access token - Cannot
//! parse access token". Every lookup is recorded ([`FakeWhatsapp::lookups`]).

use super::{hang_in_body, huge_answer, misbehave, redirect, Failure, Plan, Server};
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, RawQuery, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Digest;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A message the fake accepted.
#[derive(Clone, Debug)]
pub struct Sent {
    /// The id it answered with.
    pub wamid: String,
    /// The recipient.
    pub to: String,
    /// The body as sent (`type` is `text`, `template`, `image` or `document`).
    pub body: Value,
}

/// A file the relay uploaded (`POST /{number}/media`).
#[derive(Clone, Debug)]
pub struct Uploaded {
    /// The media id the fake answered.
    pub id: String,
    /// The form's `type` field.
    pub declared_type: String,
    /// The file part's file name.
    pub file_name: String,
    /// The file part's `Content-Type`.
    pub content_type: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// A lookup of the number's node (`GET /{version}/{phone_number_id}`), answered or not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lookup {
    /// The `fields` asked for, if any.
    pub fields: Option<String>,
    /// The `Authorization` header it carried, if any.
    pub authorization: Option<String>,
}

/// The number as people dial it, as the fake's number node answers it.
pub const DISPLAY_PHONE_NUMBER: &str = "+1 555-078-3881";

/// The business name WhatsApp verified for the number.
pub const VERIFIED_NAME: &str = "Acme Outdoor";

/// The largest image and document WhatsApp takes.
const IMAGE_MAX_BYTES: usize = 5 * 1024 * 1024;
const DOCUMENT_MAX_BYTES: usize = 100 * 1024 * 1024;

struct Fake {
    token: String,
    phone_number_id: String,
    base: Mutex<String>,
    sent: Mutex<Vec<Sent>>,
    uploads: Mutex<Vec<Uploaded>>,
    /// A visitor's media: id → (type, bytes).
    media: Mutex<HashMap<String, (String, Vec<u8>)>>,
    /// Media downloads served (ids).
    downloads: Mutex<Vec<String>>,
    /// Lookups of the number's node.
    lookups: Mutex<Vec<Lookup>>,
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
            base: Mutex::default(),
            sent: Mutex::default(),
            uploads: Mutex::default(),
            media: Mutex::default(),
            downloads: Mutex::default(),
            lookups: Mutex::default(),
            plan: Plan::default(),
        });
        let app = Router::new()
            .route("/{version}/{number}/messages", post(send))
            .route(
                "/{version}/{number}/media",
                post(upload).layer(DefaultBodyLimit::max(DOCUMENT_MAX_BYTES + 64 * 1024)),
            )
            .route("/{version}/{node}", get(node))
            .route("/media-download/{media_id}", get(media_download))
            .with_state(fake.clone());
        let server = Server::start(app).await;
        *fake.base.lock().unwrap() = server.base.clone();
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

    /// What was uploaded so far.
    pub fn uploads(&self) -> Vec<Uploaded> {
        self.fake.uploads.lock().unwrap().clone()
    }

    /// Puts a visitor's media on the fake's servers; returns its media id (for a webhook's
    /// `image.id` or `document.id`).
    pub fn add_media(&self, mime_type: &str, bytes: &[u8]) -> String {
        let mut media = self.fake.media.lock().unwrap();
        let id = format!("{}", 7_000_000_000_000_000u64 + media.len() as u64 + 1);
        media.insert(id.clone(), (mime_type.to_string(), bytes.to_vec()));
        id
    }

    /// The media ids downloaded so far, once per download.
    pub fn downloads(&self) -> Vec<String> {
        self.fake.downloads.lock().unwrap().clone()
    }

    /// The lookups of the number's node so far, in order.
    pub fn lookups(&self) -> Vec<Lookup> {
        self.fake.lookups.lock().unwrap().clone()
    }
}

/// Whether the request carries the number's token.
fn authorized(fake: &Fake, headers: &HeaderMap) -> bool {
    headers
        .get("Authorization")
        .and_then(|value| value.to_str().ok())
        == Some(format!("Bearer {}", fake.token).as_str())
}

fn unauthorized() -> Response {
    graph_error(
        StatusCode::UNAUTHORIZED,
        190,
        "Invalid OAuth access token - Cannot parse access token",
    )
    .into_response()
}

/// `GET /{version}/{id}`: the number's own node, or a media file's.
async fn node(
    State(fake): State<Arc<Fake>>,
    Path((version, id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    if id != fake.phone_number_id {
        return media_info(State(fake), Path((version, id)), headers).await;
    }
    let fields = url::form_urlencoded::parse(query.as_deref().unwrap_or("").as_bytes())
        .find(|(key, _)| key == "fields")
        .map(|(_, value)| value.into_owned());
    fake.lookups.lock().unwrap().push(Lookup {
        fields: fields.clone(),
        authorization: headers
            .get("Authorization")
            .and_then(|value| value.to_str().ok())
            .map(str::to_string),
    });
    if !authorized(&fake, &headers) {
        return unauthorized();
    }
    if !version.starts_with('v') {
        return graph_error(StatusCode::BAD_REQUEST, 2500, "Unknown path components")
            .into_response();
    }
    let number = json!({
        "verified_name": VERIFIED_NAME,
        "code_verification_status": "VERIFIED",
        "display_phone_number": DISPLAY_PHONE_NUMBER,
        "quality_rating": "GREEN",
        "platform_type": "CLOUD_API",
        "throughput": { "level": "STANDARD" },
        "id": id,
    });
    let fields = fields.map_or_else(
        || number.as_object().unwrap().keys().cloned().collect(),
        |fields| fields.split(',').map(str::to_string).collect::<Vec<_>>(),
    );
    let mut answer = serde_json::Map::new();
    for field in fields {
        let Some(value) = number.get(&field) else {
            return graph_error(
                StatusCode::BAD_REQUEST,
                100,
                &format!(
                    "(#100) Tried accessing nonexisting field ({field}) on node type \
                     (WhatsAppBusinessPhoneNumber)"
                ),
            )
            .into_response();
        };
        answer.insert(field, value.clone());
    }
    // Graph names the node it answers for, asked or not.
    answer.insert("id".into(), json!(id));
    Json(Value::Object(answer)).into_response()
}

async fn upload(
    State(fake): State<Arc<Fake>>,
    Path((version, number)): Path<(String, String)>,
    headers: HeaderMap,
    request: Request,
) -> Response {
    if !authorized(&fake, &headers) {
        return unauthorized();
    }
    let invalid = |why: &str| {
        graph_error(
            StatusCode::BAD_REQUEST,
            100,
            &format!("Invalid parameter: {why}"),
        )
        .into_response()
    };
    if !version.starts_with('v') || number != fake.phone_number_id {
        return graph_error(StatusCode::BAD_REQUEST, 100, "Unsupported post request")
            .into_response();
    }
    let mut form = match Multipart::from_request(request, &()).await {
        Ok(form) => form,
        Err(error) => return invalid(&error.to_string()),
    };
    let mut fields = HashMap::new();
    let mut file = None;
    loop {
        let field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(error) => return invalid(&error.to_string()),
        };
        let name = field.name().unwrap_or_default().to_string();
        match field.file_name().map(str::to_string) {
            Some(file_name) => {
                let content_type = field.content_type().unwrap_or_default().to_string();
                match field.bytes().await {
                    Ok(bytes) => file = Some((name, file_name, content_type, bytes.to_vec())),
                    Err(error) => return invalid(&error.to_string()),
                }
            }
            None => match field.text().await {
                Ok(text) => {
                    fields.insert(name, text);
                }
                Err(error) => return invalid(&error.to_string()),
            },
        }
    }
    if fields.get("messaging_product").map(String::as_str) != Some("whatsapp") {
        return invalid("messaging_product");
    }
    let Some(declared_type) = fields.get("type").cloned() else {
        return invalid("type");
    };
    let Some((_, file_name, content_type, bytes)) =
        file.filter(|(field, _, _, bytes)| field == "file" && !bytes.is_empty())
    else {
        return invalid("file");
    };
    let limit = match declared_type.as_str() {
        "image/jpeg" | "image/png" => IMAGE_MAX_BYTES,
        _ => DOCUMENT_MAX_BYTES,
    };
    if bytes.len() > limit {
        return graph_error(StatusCode::BAD_REQUEST, 131053, "Media upload error").into_response();
    }
    let mut uploads = fake.uploads.lock().unwrap();
    let id = format!("{}", 9_000_000_000_000_000u64 + uploads.len() as u64 + 1);
    uploads.push(Uploaded {
        id: id.clone(),
        declared_type,
        file_name,
        content_type,
        bytes,
    });
    (StatusCode::OK, Json(json!({ "id": id }))).into_response()
}

async fn media_info(
    State(fake): State<Arc<Fake>>,
    Path((version, media_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if !authorized(&fake, &headers) {
        return unauthorized();
    }
    let media = fake.media.lock().unwrap();
    let Some((mime_type, bytes)) = media.get(&media_id).filter(|_| version.starts_with('v')) else {
        return graph_error(
            StatusCode::BAD_REQUEST,
            100,
            "Unsupported get request. Object with ID does not exist",
        )
        .into_response();
    };
    let base = fake.base.lock().unwrap().clone();
    Json(json!({
        "messaging_product": "whatsapp",
        "url": format!("{base}/media-download/{media_id}"),
        "mime_type": mime_type,
        "sha256": hex::encode(sha2::Sha256::digest(bytes)),
        "file_size": bytes.len().to_string(),
        "id": media_id,
    }))
    .into_response()
}

async fn media_download(
    State(fake): State<Arc<Fake>>,
    Path(media_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if !authorized(&fake, &headers) {
        return unauthorized();
    }
    let Some((mime_type, bytes)) = fake.media.lock().unwrap().get(&media_id).cloned() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    fake.downloads.lock().unwrap().push(media_id);
    ([(header::CONTENT_TYPE, mime_type)], bytes).into_response()
}

fn graph_error(status: StatusCode, code: i64, message: &str) -> (StatusCode, Json<Value>) {
    (
        status,
        Json(json!({ "error": {
            "message": message,
            "type": "OAuthException",
            "code": code,
            "fbtrace_id": "AZfakeTraceId0001",
        } })),
    )
}

async fn send(
    State(fake): State<Arc<Fake>>,
    Path((version, number)): Path<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if !authorized(&fake, &headers) {
        return unauthorized();
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
            Some(kind @ ("image" | "document")) => {
                let media = &body[kind];
                let uploaded = media["id"].as_str().is_some_and(|id| {
                    fake.uploads
                        .lock()
                        .unwrap()
                        .iter()
                        .any(|upload| upload.id == id)
                });
                let caption_fits = media["caption"]
                    .as_str()
                    .is_none_or(|caption| caption.chars().count() <= 1024);
                uploaded && caption_fits
            }
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
