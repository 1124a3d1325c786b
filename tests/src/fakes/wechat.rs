//! A fake WeChat Official Account API: the stable-token API (`POST /cgi-bin/stable_token`,
//! tokens that expire), temporary QR codes (`/cgi-bin/qrcode/create`), customer-service
//! messages (`/cgi-bin/message/custom/send`, refused with 45015 outside the 48-hour window
//! of the user's last interaction, as the test reports interactions) and template messages
//! (`/cgi-bin/message/template/send`), and temporary media: `GET /cgi-bin/media/get`
//! serves what a user sent ([`FakeWechat::add_media`]) as the file itself, or answers
//! 40007 (`invalid media_id`) as JSON; `POST /cgi-bin/media/upload?type=image` takes a
//! form whose file part is `media` (a JPEG, PNG or GIF of at most 10 MB, else 40005 or
//! 40006; a `type` other than `image` 40004) and answers its `media_id`, which an `image`
//! customer-service message may then name (else 40007). Calls that need one carry
//! `?access_token=`; an unknown token answers 40001, an expired one 42001. Every call is
//! recorded with the token it carried; token fetches are counted, and their bodies kept
//! (without the secret: [`FakeWechat::token_requests`]).

use super::{misbehave, Failure, Plan, Server};
use axum::extract::{FromRequest, Multipart, RawQuery, Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

/// The customer-service window.
pub const WINDOW_MS: u64 = 48 * 3600 * 1000;

/// A call the fake answered (or refused).
#[derive(Clone, Debug)]
pub struct Call {
    /// The path (`/cgi-bin/message/custom/send`, …).
    pub path: String,
    /// The access token it carried, if any.
    pub token: Option<String>,
    /// Its body.
    pub body: Value,
}

/// A message the fake accepted.
#[derive(Clone, Debug)]
pub struct Sent {
    /// `custom` or `template`.
    pub kind: String,
    /// The OpenID it went to.
    pub to: String,
    /// The body as sent.
    pub body: Value,
    /// The token it carried.
    pub token: String,
}

#[derive(Default)]
struct Tokens {
    /// Every token issued, with when it expires (ms).
    issued: HashMap<String, u64>,
    /// The one handed out without `force_refresh`.
    current: Option<String>,
    count: u64,
}

struct Fake {
    app_id: String,
    app_secret: String,
    expires_in: Mutex<u64>,
    tokens: Mutex<Tokens>,
    fetches: Mutex<u64>,
    /// The body of every token fetch, its `secret` replaced by whether it was right.
    token_requests: Mutex<Vec<Value>>,
    calls: Mutex<Vec<Call>>,
    sent: Mutex<Vec<Sent>>,
    scenes: Mutex<Vec<String>>,
    interactions: Mutex<HashMap<String, u64>>,
    unfollowed: Mutex<HashSet<String>>,
    /// Media by id: what users sent, and what the relay uploaded (type, bytes).
    media: Mutex<HashMap<String, Media>>,
    plan: Plan,
}

/// A temporary media file the fake holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Media {
    /// Its type.
    pub content_type: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// The largest image `media/upload` takes.
pub const MAX_IMAGE_BYTES: usize = 10 * 1024 * 1024;

/// The fake API of one account.
pub struct FakeWechat {
    /// The base URL to give the relay as `WECHAT_API_BASE`.
    pub base: String,
    fake: Arc<Fake>,
    _server: Server,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

impl FakeWechat {
    /// Starts a fake for the account `app_id` with `app_secret`.
    pub async fn start(app_id: &str, app_secret: &str) -> FakeWechat {
        let fake = Arc::new(Fake {
            app_id: app_id.to_string(),
            app_secret: app_secret.to_string(),
            expires_in: Mutex::new(7200),
            tokens: Mutex::default(),
            fetches: Mutex::new(0),
            token_requests: Mutex::default(),
            calls: Mutex::default(),
            sent: Mutex::default(),
            scenes: Mutex::default(),
            interactions: Mutex::default(),
            unfollowed: Mutex::default(),
            media: Mutex::default(),
            plan: Plan::default(),
        });
        let app = Router::new()
            .route("/cgi-bin/stable_token", post(stable_token))
            .route("/cgi-bin/qrcode/create", post(qr_create))
            .route("/cgi-bin/message/custom/send", post(custom_send))
            .route("/cgi-bin/message/template/send", post(template_send))
            .route("/cgi-bin/media/get", get(media_get))
            .route("/cgi-bin/media/upload", post(media_upload))
            .with_state(fake.clone());
        let server = Server::start(app).await;
        FakeWechat {
            base: server.base.clone(),
            fake,
            _server: server,
        }
    }

    /// Answers the next API calls (not token fetches) with these failures:
    /// [`Failure::WindowClosed`] is 45015, [`Failure::SlowDown`] 45009, [`Failure::Status`]
    /// that HTTP status with `errcode` -1.
    pub fn fail_next(&self, failures: impl IntoIterator<Item = Failure>) {
        self.fake.plan.fail_next(failures);
    }

    /// The user interacted with the account at `at_ms` (a message or a scan): the 48-hour
    /// window runs from the latest.
    pub fn interacted(&self, open_id: &str, at_ms: u64) {
        let mut interactions = self.fake.interactions.lock().unwrap();
        let latest = interactions.entry(open_id.to_string()).or_default();
        *latest = (*latest).max(at_ms);
    }

    /// The user unfollowed the account: customer-service messages to them get 45015.
    pub fn unfollow(&self, open_id: &str) {
        self.fake
            .unfollowed
            .lock()
            .unwrap()
            .insert(open_id.to_string());
    }

    /// Tokens issued from now on live this many seconds.
    pub fn set_token_lifetime(&self, seconds: u64) {
        *self.fake.expires_in.lock().unwrap() = seconds;
    }

    /// Every token issued so far expires now (calls carrying one get 42001).
    pub fn expire_tokens(&self) {
        let mut tokens = self.fake.tokens.lock().unwrap();
        for expires_at in tokens.issued.values_mut() {
            *expires_at = 0;
        }
        tokens.current = None;
    }

    /// How many times a token was fetched.
    pub fn token_fetches(&self) -> u64 {
        *self.fake.fetches.lock().unwrap()
    }

    /// The body of every token fetch so far, in order, with `secret` replaced by
    /// `secretRight` (whether it was the account's AppSecret).
    pub fn token_requests(&self) -> Vec<Value> {
        self.fake.token_requests.lock().unwrap().clone()
    }

    /// Every call but token fetches, in order.
    pub fn calls(&self) -> Vec<Call> {
        self.fake.calls.lock().unwrap().clone()
    }

    /// The messages accepted so far.
    pub fn sent(&self) -> Vec<Sent> {
        self.fake.sent.lock().unwrap().clone()
    }

    /// A user sent this file: `media/get` serves it by `media_id` (WeChat keeps a user's
    /// media three days).
    pub fn add_media(&self, media_id: &str, content_type: &str, bytes: &[u8]) {
        self.fake.media.lock().unwrap().insert(
            media_id.to_string(),
            Media {
                content_type: content_type.to_string(),
                bytes: bytes.to_vec(),
            },
        );
    }

    /// A media file the fake holds (a user's, or one the relay uploaded).
    pub fn media(&self, media_id: &str) -> Option<Media> {
        self.fake.media.lock().unwrap().get(media_id).cloned()
    }

    /// The scenes of the QR codes made so far.
    pub fn scenes(&self) -> Vec<String> {
        self.fake.scenes.lock().unwrap().clone()
    }
}

fn error(code: i64, message: &str) -> Json<Value> {
    Json(json!({ "errcode": code, "errmsg": message }))
}

/// Records the call and checks its token: `Err` is the answer to give.
fn authorize(
    fake: &Fake,
    path: &str,
    query: &Option<String>,
    body: &Value,
) -> Result<String, Json<Value>> {
    let token = url::form_urlencoded::parse(query.as_deref().unwrap_or("").as_bytes())
        .find(|(key, _)| key == "access_token")
        .map(|(_, value)| value.into_owned());
    fake.calls.lock().unwrap().push(Call {
        path: path.to_string(),
        token: token.clone(),
        body: body.clone(),
    });
    let token = token.ok_or_else(|| error(41001, "access_token missing"))?;
    let tokens = fake.tokens.lock().unwrap();
    match tokens.issued.get(&token) {
        None => Err(error(
            40001,
            "invalid credential, access_token is invalid or not latest",
        )),
        Some(&expires_at) if expires_at <= now_ms() => Err(error(42001, "access_token expired")),
        Some(_) => Ok(token),
    }
}

async fn stable_token(State(fake): State<Arc<Fake>>, Json(body): Json<Value>) -> Json<Value> {
    *fake.fetches.lock().unwrap() += 1;
    let mut kept = body.clone();
    if let Some(fields) = kept.as_object_mut() {
        let right = fields.remove("secret") == Some(json!(fake.app_secret));
        fields.insert("secretRight".into(), json!(right));
    }
    fake.token_requests.lock().unwrap().push(kept);
    if body["grant_type"] != "client_credential" {
        return error(40002, "invalid grant_type");
    }
    if body["appid"] != fake.app_id.as_str() {
        return error(40013, "invalid appid");
    }
    if body["secret"] != fake.app_secret.as_str() {
        return error(40125, "invalid appsecret");
    }
    let force = body["force_refresh"].as_bool().unwrap_or(false);
    let now = now_ms();
    let mut tokens = fake.tokens.lock().unwrap();
    let held = tokens
        .current
        .clone()
        .and_then(|token| tokens.issued.get(&token).map(|&at| (token, at)))
        .filter(|(_, expires_at)| *expires_at > now);
    let (token, expires_at) = match held {
        Some(held) if !force => held,
        _ => {
            tokens.count += 1;
            let token = format!("FAKE-WECHAT-TOKEN-{:03}", tokens.count);
            let expires_at = now + *fake.expires_in.lock().unwrap() * 1000;
            tokens.issued.insert(token.clone(), expires_at);
            tokens.current = Some(token.clone());
            (token, expires_at)
        }
    };
    Json(json!({ "access_token": token, "expires_in": expires_at.saturating_sub(now) / 1000 }))
}

async fn planned(fake: &Fake) -> Option<Json<Value>> {
    match misbehave(fake.plan.take()).await {
        Some(Failure::WindowClosed) => Some(error(
            45015,
            "response out of time limit or subscription is canceled",
        )),
        Some(Failure::SlowDown(_)) => Some(error(45009, "reach max api daily quota limit")),
        Some(Failure::Status(_)) => Some(error(-1, "system error")),
        _ => None,
    }
}

async fn qr_create(
    State(fake): State<Arc<Fake>>,
    RawQuery(query): RawQuery,
    Json(body): Json<Value>,
) -> Json<Value> {
    if let Err(refusal) = authorize(&fake, "/cgi-bin/qrcode/create", &query, &body) {
        return refusal;
    }
    if let Some(failure) = planned(&fake).await {
        return failure;
    }
    let scene = body["action_info"]["scene"]["scene_str"]
        .as_str()
        .unwrap_or_default();
    let well_formed = body["action_name"] == "QR_STR_SCENE"
        && (1..=64).contains(&scene.len())
        && body["expire_seconds"]
            .as_u64()
            .is_some_and(|s| (60..=2_592_000).contains(&s));
    if !well_formed {
        return error(40097, "invalid args");
    }
    let mut scenes = fake.scenes.lock().unwrap();
    scenes.push(scene.to_string());
    let n = scenes.len();
    Json(json!({
        "ticket": format!("gQFAKE{n:04}=="),
        "expire_seconds": body["expire_seconds"],
        "url": format!("http://weixin.qq.com/q/FAKE{n:04}"),
    }))
}

async fn custom_send(
    State(fake): State<Arc<Fake>>,
    RawQuery(query): RawQuery,
    Json(body): Json<Value>,
) -> Json<Value> {
    let token = match authorize(&fake, "/cgi-bin/message/custom/send", &query, &body) {
        Ok(token) => token,
        Err(refusal) => return refusal,
    };
    if let Some(failure) = planned(&fake).await {
        return failure;
    }
    let to = body["touser"].as_str().unwrap_or_default().to_string();
    let well_formed = match body["msgtype"].as_str() {
        Some("text") => {
            let content = body["text"]["content"].as_str().unwrap_or_default();
            !content.is_empty() && content.len() <= 2048
        }
        Some("image") => {
            let media_id = body["image"]["media_id"].as_str().unwrap_or_default();
            if !fake.media.lock().unwrap().contains_key(media_id) {
                return error(40007, "invalid media_id");
            }
            true
        }
        _ => false,
    };
    if to.is_empty() || !well_formed {
        return error(40008, "invalid message type");
    }
    let last = fake.interactions.lock().unwrap().get(&to).copied();
    let open = last.is_some_and(|at| now_ms() < at + WINDOW_MS);
    if !open || fake.unfollowed.lock().unwrap().contains(&to) {
        return error(
            45015,
            "response out of time limit or subscription is canceled",
        );
    }
    fake.sent.lock().unwrap().push(Sent {
        kind: "custom".into(),
        to,
        body,
        token,
    });
    error(0, "ok")
}

async fn template_send(
    State(fake): State<Arc<Fake>>,
    RawQuery(query): RawQuery,
    Json(body): Json<Value>,
) -> Json<Value> {
    let token = match authorize(&fake, "/cgi-bin/message/template/send", &query, &body) {
        Ok(token) => token,
        Err(refusal) => return refusal,
    };
    if let Some(failure) = planned(&fake).await {
        return failure;
    }
    let to = body["touser"].as_str().unwrap_or_default().to_string();
    if to.is_empty() || !body["template_id"].is_string() || !body["data"].is_object() {
        return error(40037, "invalid template_id");
    }
    let mut sent = fake.sent.lock().unwrap();
    sent.push(Sent {
        kind: "template".into(),
        to,
        body,
        token,
    });
    Json(json!({ "errcode": 0, "errmsg": "ok", "msgid": 200_228_332 + sent.len() }))
}

fn query_value(query: &Option<String>, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query.as_deref().unwrap_or("").as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// `GET /cgi-bin/media/get`: the file itself (with WeChat's headers), or a JSON error.
async fn media_get(State(fake): State<Arc<Fake>>, RawQuery(query): RawQuery) -> Response {
    let media_id = query_value(&query, "media_id").unwrap_or_default();
    let asked = json!({ "media_id": media_id });
    if let Err(refusal) = authorize(&fake, "/cgi-bin/media/get", &query, &asked) {
        return refusal.into_response();
    }
    if let Some(failure) = planned(&fake).await {
        return failure.into_response();
    }
    let Some(media) = fake.media.lock().unwrap().get(&media_id).cloned() else {
        return error(40007, "invalid media_id").into_response();
    };
    let extension = media.content_type.rsplit('/').next().unwrap_or("bin");
    (
        [
            (header::CONTENT_TYPE, media.content_type.clone()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{media_id}.{extension}\""),
            ),
        ],
        media.bytes,
    )
        .into_response()
}

/// `POST /cgi-bin/media/upload?type=image`: the form's `media` part kept as new media.
async fn media_upload(
    State(fake): State<Arc<Fake>>,
    RawQuery(query): RawQuery,
    request: Request,
) -> Json<Value> {
    let kind = query_value(&query, "type").unwrap_or_default();
    let mut file = None;
    if let Ok(mut form) = Multipart::from_request(request, &()).await {
        while let Ok(Some(field)) = form.next_field().await {
            if field.name() == Some("media") && field.file_name().is_some() {
                let content_type = field.content_type().unwrap_or_default().to_string();
                let name = field.file_name().unwrap_or_default().to_string();
                if let Ok(bytes) = field.bytes().await {
                    file = Some((name, content_type, bytes.to_vec()));
                }
            }
        }
    }
    let described = file.as_ref().map_or(Value::Null, |(name, content_type, bytes)| {
        json!({ "type": kind, "filename": name, "contentType": content_type, "size": bytes.len() })
    });
    if let Err(refusal) = authorize(&fake, "/cgi-bin/media/upload", &query, &described) {
        return refusal;
    }
    if let Some(failure) = planned(&fake).await {
        return failure;
    }
    if kind != "image" {
        return error(40004, "invalid media type");
    }
    let Some((_, content_type, bytes)) = file else {
        return error(41005, "media data missing");
    };
    if !["image/jpeg", "image/png", "image/gif"].contains(&content_type.as_str()) {
        return error(40005, "invalid file type");
    }
    if bytes.is_empty() || bytes.len() > MAX_IMAGE_BYTES {
        return error(40006, "invalid meida size");
    }
    let mut media = fake.media.lock().unwrap();
    let media_id = format!("FAKE-MEDIA-{:04}", media.len() + 1);
    media.insert(
        media_id.clone(),
        Media {
            content_type,
            bytes,
        },
    );
    Json(json!({ "type": "image", "media_id": media_id, "created_at": now_ms() / 1000 }))
}
