//! A fake WeChat Official Account API: the stable-token API (`POST /cgi-bin/stable_token`,
//! tokens that expire), temporary QR codes (`/cgi-bin/qrcode/create`), customer-service
//! messages (`/cgi-bin/message/custom/send`, refused with 45015 outside the 48-hour window
//! of the user's last interaction, as the test reports interactions) and template messages
//! (`/cgi-bin/message/template/send`). Calls that need one carry `?access_token=`; an
//! unknown token answers 40001, an expired one 42001. Every call is recorded with the
//! token it carried; token fetches are counted.

use super::{misbehave, Failure, Plan, Server};
use axum::extract::{RawQuery, State};
use axum::routing::post;
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
    calls: Mutex<Vec<Call>>,
    sent: Mutex<Vec<Sent>>,
    scenes: Mutex<Vec<String>>,
    interactions: Mutex<HashMap<String, u64>>,
    unfollowed: Mutex<HashSet<String>>,
    plan: Plan,
}

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
            calls: Mutex::default(),
            sent: Mutex::default(),
            scenes: Mutex::default(),
            interactions: Mutex::default(),
            unfollowed: Mutex::default(),
            plan: Plan::default(),
        });
        let app = Router::new()
            .route("/cgi-bin/stable_token", post(stable_token))
            .route("/cgi-bin/qrcode/create", post(qr_create))
            .route("/cgi-bin/message/custom/send", post(custom_send))
            .route("/cgi-bin/message/template/send", post(template_send))
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

    /// Every call but token fetches, in order.
    pub fn calls(&self) -> Vec<Call> {
        self.fake.calls.lock().unwrap().clone()
    }

    /// The messages accepted so far.
    pub fn sent(&self) -> Vec<Sent> {
        self.fake.sent.lock().unwrap().clone()
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
    let content = body["text"]["content"].as_str().unwrap_or_default();
    if body["msgtype"] != "text" || to.is_empty() || content.is_empty() || content.len() > 2048 {
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
