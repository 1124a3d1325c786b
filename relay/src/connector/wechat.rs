//! WeChat (an Official Account): a visitor carries the thread into WeChat by scanning a
//! temporary QR code whose scene is a link code, and writes on from there.
//!
//! Hooks arrive at `/v1/hooks/wechat/{brand}` with `signature`, `timestamp` and `nonce` in
//! the query ([`crypto::signature`]); in safe mode the body's `Encrypt` field holds the
//! message, AES-encrypted for the account, and `msg_signature` covers it too. Bodies are
//! XML ([`xml`]): texts (`MsgType` `text`) and events (`subscribe` with `EventKey`
//! `qrscene_<scene>` from a new follower, `SCAN` with `EventKey` `<scene>` from an existing
//! one). Calls to the API carry an access token in the query (`?access_token=`), which one
//! holder fetches from the stable-token API and shares; an answer's `errcode` says how it
//! went. Free-form (customer-service) messages go within 48 hours of the user's last
//! message; outside that window only a template message does (45015 otherwise).

pub mod crypto;
pub mod token;
pub mod xml;

use super::{by_status, Delivery, Failure, FailureReason};
use crate::brand::valid_secret_name;
use crate::error::RelayError;
use crypto::AesKey;
use serde::{Deserialize, Serialize};
use serde_json::json;
pub use token::{AccessToken, REFRESH_AHEAD_MS};

/// The customer-service window: free-form messages go within this long of the user's last
/// message.
pub const WINDOW_MS: u64 = 48 * 60 * 60 * 1000;

/// The error code of a message refused because the 48-hour window is closed.
pub const WINDOW_CLOSED: i64 = 45015;

/// How long a temporary QR code works (WeChat's `expire_seconds`): a link code's life.
pub const QR_EXPIRE_SECONDS: u64 = 1800;

/// How far a hook's `timestamp` may be from the relay's clock: a captured plain-mode
/// signature (which does not cover the body) stops working after this long.
pub const MAX_SKEW_SECONDS: u64 = 600;

/// Error codes that mean the access token was invalid (40001, 40014) or expired (42001):
/// refresh it and try once more.
pub const STALE_TOKEN: [i64; 3] = [40001, 40014, 42001];

/// A brand's WeChat Official Account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WechatSettings {
    /// The account's AppID (`wx…`).
    pub app_id: String,
    /// The Worker secret holding the AppSecret.
    pub app_secret: String,
    /// The Worker secret holding the hook's Token (signatures).
    pub token: String,
    /// The Worker secret holding the EncodingAESKey (43 characters): safe mode. Without
    /// it the hook takes plain bodies only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding_aes_key: Option<String>,
    /// The template message sent outside the 48-hour window (else such replies fail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_id: Option<String>,
    /// The account's original id (`gh_…`): the `ToUserName` of its hooks.
    pub original_id: String,
}

impl WechatSettings {
    /// Checks the settings.
    pub fn validate(&self) -> Result<(), String> {
        let word = |text: &str, range: std::ops::RangeInclusive<usize>| {
            range.contains(&text.len())
                && text
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        };
        if !(self.app_id.starts_with("wx") && word(&self.app_id, 6..=32)) {
            return Err("wechat.appId is the account's AppID (wx…)".into());
        }
        if !(self.original_id.starts_with("gh_") && word(&self.original_id, 6..=32)) {
            return Err("wechat.originalId is the account's original id (gh_…)".into());
        }
        let secrets = [
            ("appSecret", Some(&self.app_secret)),
            ("token", Some(&self.token)),
            ("encodingAesKey", self.encoding_aes_key.as_ref()),
        ];
        for (name, secret) in secrets {
            if let Some(secret) = secret.filter(|secret| !valid_secret_name(secret)) {
                return Err(format!(
                    "wechat.{name} names a Worker secret (A-Z, 0-9, _), not {secret:?}"
                ));
            }
        }
        if let Some(template) = &self.template_id {
            if !word(template, 1..=128) {
                return Err("wechat.templateId is the template's id".into());
            }
        }
        Ok(())
    }
}

/// The query of a hook call.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HookQuery {
    /// `signature`: over the token, `timestamp` and `nonce`.
    pub signature: String,
    /// `timestamp` (unix seconds, as text).
    pub timestamp: String,
    /// `nonce`.
    pub nonce: String,
    /// `echostr`: the handshake's challenge.
    pub echostr: Option<String>,
    /// `encrypt_type` (`aes` in safe mode).
    pub encrypt_type: Option<String>,
    /// `msg_signature`: safe mode's signature, which covers the body too.
    pub msg_signature: Option<String>,
}

impl HookQuery {
    /// Reads a query string (a repeated parameter makes the query refused).
    pub fn parse(query: &str) -> Result<HookQuery, RelayError> {
        let mut read = HookQuery::default();
        let mut seen = std::collections::BTreeSet::new();
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            let slot = match &*key {
                "signature" => &mut read.signature,
                "timestamp" => &mut read.timestamp,
                "nonce" => &mut read.nonce,
                "echostr" => read.echostr.get_or_insert_with(String::new),
                "encrypt_type" => read.encrypt_type.get_or_insert_with(String::new),
                "msg_signature" => read.msg_signature.get_or_insert_with(String::new),
                _ => continue,
            };
            if !seen.insert(key.into_owned()) {
                return Err(RelayError::InvalidWebhookSignature);
            }
            *slot = value.into_owned();
        }
        Ok(read)
    }

    /// Whether the call is fresh: its `timestamp` within [`MAX_SKEW_SECONDS`] of `now_ms`.
    fn fresh(&self, now_ms: u64) -> bool {
        self.timestamp
            .parse::<u64>()
            .is_ok_and(|seconds| seconds.abs_diff(now_ms / 1000) <= MAX_SKEW_SECONDS)
    }

    /// Checks the plain `signature` (constant time) and the call's freshness.
    pub fn check(&self, token: &str, now_ms: u64) -> Result<(), RelayError> {
        let expected = crypto::signature(token, &self.timestamp, &self.nonce);
        if token.is_empty() || !crypto::same_signature(&expected, &self.signature) {
            return Err(RelayError::InvalidWebhookSignature);
        }
        if !self.fresh(now_ms) {
            return Err(RelayError::InvalidWebhookSignature);
        }
        Ok(())
    }
}

/// The handshake (`GET`): `echostr` to answer, if the signature holds.
pub fn handshake(token: &str, query: &str, now_ms: u64) -> Result<String, RelayError> {
    let query = HookQuery::parse(query)?;
    query.check(token, now_ms)?;
    query.echostr.ok_or(RelayError::InvalidParameter {
        name: "echostr",
        reason: "the handshake carries one".into(),
    })
}

/// The account's safe mode: its key and AppID.
#[derive(Clone, Debug)]
pub struct SafeMode<'a> {
    /// The key from the EncodingAESKey.
    pub key: &'a AesKey,
    /// The AppID messages are encrypted for.
    pub app_id: &'a str,
}

/// Checks a hook's `POST` and reads its message: the `signature` (in both modes, so that
/// the edge can check it before reading a body: [`HookQuery::check`]), and in safe mode
/// (`safe` given) `msg_signature` over the body's `Encrypt`, which is then decrypted (a
/// plain body is refused: an account in safe mode sends none).
pub fn open(
    token: &str,
    safe: Option<SafeMode<'_>>,
    query: &str,
    body: &[u8],
    now_ms: u64,
) -> Result<Inbound, RelayError> {
    let query = HookQuery::parse(query)?;
    let Some(safe) = safe else {
        query.check(token, now_ms)?;
        return read_message(body);
    };
    // WeChat signs the query in safe mode too; the body's signature comes on top.
    query.check(token, now_ms)?;
    let presented = query
        .msg_signature
        .as_deref()
        .filter(|_| query.encrypt_type.as_deref() == Some("aes"))
        .ok_or(RelayError::InvalidWebhookSignature)?;
    let fields = xml::fields(body)?;
    let encrypted = xml::field(&fields, "Encrypt").ok_or(RelayError::InvalidWebhookSignature)?;
    let expected = crypto::msg_signature(token, &query.timestamp, &query.nonce, encrypted);
    if token.is_empty() || !crypto::same_signature(&expected, presented) || !query.fresh(now_ms) {
        return Err(RelayError::InvalidWebhookSignature);
    }
    let message = crypto::decrypt(safe.key, encrypted, safe.app_id)?;
    read_message(&message)
}

/// What a hook tells the relay. It travels through the queue too (a message whose sender
/// has no linked thread yet waits there, and an image is downloaded there), as JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Inbound {
    /// A user wrote a text.
    Text {
        /// The account (`ToUserName`, its original id).
        account: String,
        /// The user (`FromUserName`, their OpenID for this account).
        open_id: String,
        /// WeChat's id of the message (`MsgId`; retries repeat it).
        msg_id: String,
        /// The text.
        text: String,
        /// When it was sent (ms since the epoch; 0 if unknown).
        sent_at: u64,
    },
    /// A user sent a photo (`MsgType` `image`): downloaded from the temporary media API by
    /// its `MediaId` (WeChat keeps it three days).
    Image {
        /// The account.
        account: String,
        /// The user.
        open_id: String,
        /// WeChat's id of the message (`MsgId`; retries repeat it).
        msg_id: String,
        /// The temporary media's id (`MediaId`).
        media_id: String,
        /// When it was sent (ms; 0 if unknown).
        sent_at: u64,
    },
    /// A user scanned a QR code with a scene: `subscribe` (a new follower) or `SCAN`.
    Scanned {
        /// The account.
        account: String,
        /// The user.
        open_id: String,
        /// The QR code's scene string.
        scene: String,
        /// When (ms; 0 if unknown). With the sender, it names the event: retries repeat it.
        sent_at: u64,
    },
    /// Anything else (voice, video, a follow without a scene, an unfollow, menu clicks).
    Other {
        /// The account.
        account: String,
        /// The user.
        open_id: String,
    },
}

impl Inbound {
    /// The account the hook was sent for.
    pub fn account(&self) -> &str {
        match self {
            Inbound::Text { account, .. }
            | Inbound::Image { account, .. }
            | Inbound::Scanned { account, .. }
            | Inbound::Other { account, .. } => account,
        }
    }
}

/// Reads a (decrypted) message body.
pub fn read_message(body: &[u8]) -> Result<Inbound, RelayError> {
    let fields = xml::fields(body)?;
    let get = |name: &str| xml::field(&fields, name).map(|value| value.trim().to_string());
    let missing = |name: &str| RelayError::MalformedXml(format!("no {name}"));
    let account = get("ToUserName").ok_or_else(|| missing("ToUserName"))?;
    let open_id = get("FromUserName").ok_or_else(|| missing("FromUserName"))?;
    // Seconds; a time that is not one (or beyond SQLite's integers in ms) reads as 0.
    let sent_at = get("CreateTime")
        .and_then(|seconds| seconds.parse::<u64>().ok())
        .and_then(|seconds| seconds.checked_mul(1000))
        .filter(|ms| i64::try_from(*ms).is_ok())
        .unwrap_or(0);
    let kind = get("MsgType").unwrap_or_default();
    let other = |account, open_id| Ok(Inbound::Other { account, open_id });
    match kind.as_str() {
        "text" => {
            let (Some(msg_id), Some(text)) = (get("MsgId"), xml::field(&fields, "Content")) else {
                return other(account, open_id);
            };
            Ok(Inbound::Text {
                account,
                open_id,
                msg_id,
                text: text.to_string(),
                sent_at,
            })
        }
        // `PicUrl` is a public CDN copy, but only `MediaId` goes through the account's API
        // (the token's holder, its error codes), so the relay downloads by `MediaId` alone.
        "image" => {
            let (Some(msg_id), Some(media_id)) = (get("MsgId"), get("MediaId")) else {
                return other(account, open_id);
            };
            if media_id.is_empty() {
                return other(account, open_id);
            }
            Ok(Inbound::Image {
                account,
                open_id,
                msg_id,
                media_id,
                sent_at,
            })
        }
        "event" => {
            let event = get("Event").unwrap_or_default();
            let key = get("EventKey").unwrap_or_default();
            let scene = match event.as_str() {
                "subscribe" => key.strip_prefix("qrscene_").map(str::to_string),
                "SCAN" => Some(key),
                _ => None,
            };
            match scene.filter(|scene| !scene.is_empty()) {
                Some(scene) => Ok(Inbound::Scanned {
                    account,
                    open_id,
                    scene,
                    sent_at,
                }),
                None => other(account, open_id),
            }
        }
        _ => other(account, open_id),
    }
}

/// The path and query of an API call with the access token.
fn with_token(base: &str, path: &str, token: &str) -> String {
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("access_token", token)
        .finish();
    format!("{}{path}?{query}", base.trim_end_matches('/'))
}

/// The stable-token API's URL.
pub fn stable_token_url(base: &str) -> String {
    format!("{}/cgi-bin/stable_token", base.trim_end_matches('/'))
}

/// The stable-token request. Without `force_refresh` WeChat answers the token it holds
/// (the same to every caller) while it lasts.
pub fn stable_token_request(app_id: &str, app_secret: &str, force_refresh: bool) -> String {
    json!({
        "grant_type": "client_credential",
        "appid": app_id,
        "secret": app_secret,
        "force_refresh": force_refresh,
    })
    .to_string()
}

/// The customer-service send's URL.
pub fn custom_send_url(base: &str, token: &str) -> String {
    with_token(base, "/cgi-bin/message/custom/send", token)
}

/// The template send's URL.
pub fn template_send_url(base: &str, token: &str) -> String {
    with_token(base, "/cgi-bin/message/template/send", token)
}

/// The temporary media download's URL (`GET`): the file itself, or a JSON error.
pub fn media_get_url(base: &str, token: &str, media_id: &str) -> String {
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("access_token", token)
        .append_pair("media_id", media_id)
        .finish();
    format!("{}/cgi-bin/media/get?{query}", base.trim_end_matches('/'))
}

/// The temporary media upload's URL for an image (`POST`, a form whose file part is
/// `media`).
pub fn media_upload_url(base: &str, token: &str) -> String {
    format!(
        "{}&type=image",
        with_token(base, "/cgi-bin/media/upload", token)
    )
}

/// The form field of the uploaded file.
pub const MEDIA_FIELD: &str = "media";

/// The largest image WeChat takes as temporary media: 10 MB.
pub const MAX_IMAGE_BYTES: u64 = 10 * 1024 * 1024;

/// The image types WeChat takes as temporary media (of the relay's raster types; WebP is
/// not one of them).
pub const IMAGE_TYPES: &[&str] = &["image/jpeg", "image/png", "image/gif"];

/// Whether a file goes to WeChat as an image message (else as a line with its link:
/// customer-service messages carry no documents).
pub fn sends_as_image(attachment: &confab_protocol::Attachment) -> bool {
    IMAGE_TYPES.contains(&attachment.content_type.as_str()) && attachment.size <= MAX_IMAGE_BYTES
}

/// A customer-service image message: the uploaded media to `open_id`.
pub fn custom_image(open_id: &str, media_id: &str) -> String {
    json!({
        "touser": open_id,
        "msgtype": "image",
        "image": { "media_id": media_id },
    })
    .to_string()
}

/// The line that stands for a file WeChat cannot carry: its name and a signed link.
pub fn file_line(name: &str, url: &str) -> String {
    format!("📎 {name}: {url}")
}

/// The name a visitor's WeChat photo is stored under (WeChat gives none).
pub fn image_name(msg_id: &str, content_type: &str) -> String {
    let extension = match content_type {
        "image/png" => "png",
        "image/gif" => "gif",
        "image/webp" => "webp",
        _ => "jpg",
    };
    let id: String = msg_id
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(32)
        .collect();
    format!("wechat-{id}.{extension}")
}

/// Whether a media download's `Content-Type` says it is an error (JSON) rather than a file.
pub fn is_error_answer(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    essence.eq_ignore_ascii_case("application/json") || essence.eq_ignore_ascii_case("text/plain")
}

/// Reads the JSON a media download answered instead of a file.
pub fn read_media_error(status: u16, body: &str) -> ApiError {
    match read_answer(status, body) {
        Err(error) => error,
        // `errcode` 0 and no file: nothing to store, but nothing stale either.
        Ok(_) => ApiError::Failed(Delivery::retry(
            FailureReason::ProviderUnavailable,
            "WeChat answered no file",
        )),
    }
}

/// Reads the media upload's answer: the new media's id.
pub fn read_upload_answer(status: u16, body: &str) -> Result<String, ApiError> {
    match read_answer(status, body)?.media_id {
        Some(media_id) if !media_id.is_empty() => Ok(media_id),
        _ => Err(ApiError::Failed(Delivery::retry(
            FailureReason::ProviderUnavailable,
            "WeChat answered no media_id",
        ))),
    }
}

/// The QR code API's URL.
pub fn qr_create_url(base: &str, token: &str) -> String {
    with_token(base, "/cgi-bin/qrcode/create", token)
}

/// The most characters of a customer-service text the relay sends (WeChat's limit is
/// 2,048 bytes of UTF-8; 600 characters of CJK text stay within it).
pub const MAX_TEXT_CHARS: usize = 600;

/// A customer-service text to `open_id`.
pub fn custom_text(open_id: &str, text: &str) -> String {
    let mut clipped = String::new();
    for character in text.chars().take(MAX_TEXT_CHARS) {
        if clipped.len() + character.len_utf8() > 2048 {
            break;
        }
        clipped.push(character);
    }
    json!({
        "touser": open_id,
        "msgtype": "text",
        "text": { "content": clipped },
    })
    .to_string()
}

/// A template message to `open_id`: the answer's start in the template's `content` field
/// (a template for Confab has one field, `{{content.DATA}}`).
pub fn template_message(open_id: &str, template_id: &str, text: &str) -> String {
    json!({
        "touser": open_id,
        "template_id": template_id,
        "data": { "content": { "value": text.chars().take(200).collect::<String>() } },
    })
    .to_string()
}

/// A temporary QR code whose scene is `scene` (a link code), for [`QR_EXPIRE_SECONDS`].
pub fn qr_request(scene: &str) -> String {
    json!({
        "expire_seconds": QR_EXPIRE_SECONDS,
        "action_name": "QR_STR_SCENE",
        "action_info": { "scene": { "scene_str": scene } },
    })
    .to_string()
}

/// A temporary QR code, as `/cgi-bin/qrcode/create` answers it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QrCode {
    /// Its ticket (for `showqrcode`).
    pub ticket: String,
    /// What the QR code encodes: scanned in WeChat, it opens the account.
    pub url: String,
}

/// What an API call's answer comes to, when it is not what was asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiError {
    /// The access token is invalid or expired: refresh it and try once more.
    StaleToken,
    /// Anything else, as a delivery outcome.
    Failed(Delivery),
}

#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    errcode: i64,
    #[serde(default)]
    errmsg: String,
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
    #[serde(default)]
    ticket: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    media_id: Option<String>,
}

/// What an `errcode` (other than 0) with WeChat's `words` comes to.
fn api_failure(code: i64, words: &str) -> ApiError {
    let failure = |reason| Failure::new(reason, format!("WeChat {code}: {words}"));
    ApiError::Failed(match code {
        code if STALE_TOKEN.contains(&code) => return ApiError::StaleToken,
        WINDOW_CLOSED => Delivery::Refused {
            failure: failure(FailureReason::WindowClosed),
        },
        // The account's daily API quota, or calls too fast.
        45009 | 45011 => Delivery::RateLimited {
            failure: failure(FailureReason::ProviderUnavailable),
            after_seconds: 60,
        },
        // Too many messages without the user answering: they may answer, so wait.
        45047 => Delivery::Retry {
            failure: failure(FailureReason::ProviderUnavailable),
            after_seconds: Some(60),
        },
        // "System busy".
        -1 => Delivery::Retry {
            failure: failure(FailureReason::ProviderUnavailable),
            after_seconds: None,
        },
        // Wrong AppID or AppSecret, an address not allowed, a missing permission.
        40013 | 40125 | 40164 | 48001 | 40243 => Delivery::Refused {
            failure: failure(FailureReason::NotConfigured),
        },
        _ => Delivery::Refused {
            failure: failure(FailureReason::ProviderRejected),
        },
    })
}

/// Reads an answer: its fields if `errcode` is 0 and the status a success.
fn read_answer(status: u16, body: &str) -> Result<Answer, ApiError> {
    if (300..400).contains(&status) {
        return Err(ApiError::Failed(by_status(
            status,
            None,
            "WeChat's address redirected the call",
        )));
    }
    let answer: Option<Answer> = serde_json::from_str(body).ok();
    match answer {
        Some(answer) if (200..300).contains(&status) && answer.errcode == 0 => Ok(answer),
        Some(answer) if answer.errcode != 0 => Err(api_failure(answer.errcode, &answer.errmsg)),
        _ => Err(ApiError::Failed(match by_status(status, None, "WeChat") {
            Delivery::Delivered => Delivery::retry(
                FailureReason::ProviderUnavailable,
                "WeChat answered no JSON",
            ),
            other => other,
        })),
    }
}

/// Reads a send's answer (customer service or template).
pub fn read_send_answer(status: u16, body: &str) -> Result<(), ApiError> {
    read_answer(status, body).map(|_| ())
}

/// Reads the stable-token API's answer, at `now` (ms).
pub fn read_token_answer(status: u16, body: &str, now: u64) -> Result<AccessToken, ApiError> {
    let answer = read_answer(status, body)?;
    match (answer.access_token, answer.expires_in) {
        (Some(token), Some(seconds)) if !token.is_empty() && seconds > 0 => Ok(AccessToken {
            token,
            expires_at: now.saturating_add(seconds.saturating_mul(1000)),
        }),
        _ => Err(ApiError::Failed(Delivery::retry(
            FailureReason::ProviderUnavailable,
            "WeChat answered no access token",
        ))),
    }
}

/// Reads the QR code API's answer.
pub fn read_qr_answer(status: u16, body: &str) -> Result<QrCode, ApiError> {
    let answer = read_answer(status, body)?;
    match (answer.ticket, answer.url) {
        (Some(ticket), Some(url)) if url.starts_with("http") => Ok(QrCode { ticket, url }),
        _ => Err(ApiError::Failed(Delivery::retry(
            FailureReason::ProviderUnavailable,
            "WeChat answered no QR code",
        ))),
    }
}

/// What the visitor reads on WeChat when the thread is linked: in Chinese if the page the
/// thread started on said the visitor reads Chinese (`language`, e.g. `zh-CN`), else in
/// English.
pub fn linked_greeting(brand_name: &str, language: Option<&str>) -> String {
    let chinese = language.is_some_and(|language| {
        let primary = language.split(['-', '_']).next().unwrap_or_default();
        primary.eq_ignore_ascii_case("zh")
    });
    if chinese {
        format!("已连接：这是您与{brand_name}的对话，在这里继续。随时留言，我们会在这里回复。")
    } else {
        format!(
            "You're connected: this is your conversation with {brand_name}, continued here. \
             Write any time; we answer here."
        )
    }
}

#[cfg(test)]
mod tests;
