//! WhatsApp (Cloud API): a visitor carries the thread onto WhatsApp and back.
//!
//! Webhooks arrive at the relay operator's Meta app (`/v1/hooks/whatsapp`), signed with
//! `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>`; they carry either
//! `messages` or `statuses`, and are routed to a brand by `metadata.phone_number_id`. Sends
//! are `POST {base}/{version}/{phone_number_id}/messages` with a bearer token. Free-form
//! messages only go within 24 hours of the user's last message; outside that window only
//! an approved template does (error 131047 otherwise). Files go and come as media
//! ([`media`]).

mod media;

pub use media::{
    download_allowed, media_info_url, media_kind, read_media_info, read_upload_answer, send_media,
    upload_form, upload_url, IncomingMedia, MediaInfo, MediaKind, DOCUMENT_MAX_BYTES,
    IMAGE_MAX_BYTES, MAX_CAPTION_CHARS,
};

use super::{by_status, Delivery, Failure, FailureReason};
use crate::brand::valid_secret_name;
use crate::error::RelayError;
use hmac::{Hmac, Mac};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The customer-service window: free-form messages go within this long of the user's last
/// message.
pub const WINDOW_MS: u64 = 24 * 60 * 60 * 1000;

/// The Graph API version the relay speaks.
pub const API_VERSION: &str = "v21.0";

/// The error code of a message refused because the 24-hour window is closed.
pub const WINDOW_CLOSED: i64 = 131047;

/// A brand's WhatsApp number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WhatsappSettings {
    /// The Cloud API's id of the number (webhooks name it; sends go through it).
    pub phone_number_id: String,
    /// The number as people dial it, digits only, country code first (for `wa.me` links).
    pub display_number: String,
    /// The Worker secret holding the Cloud API access token.
    pub access_token_secret: String,
    /// The approved template sent when the window is closed (else such replies fail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<Template>,
}

/// An approved message template.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Template {
    /// Its name.
    pub name: String,
    /// Its language code, e.g. `en_US`.
    pub language: String,
}

impl WhatsappSettings {
    /// Checks the settings.
    pub fn validate(&self) -> Result<(), String> {
        let digits = |text: &str, range: std::ops::RangeInclusive<usize>| {
            range.contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit())
        };
        if !digits(&self.phone_number_id, 1..=32) {
            return Err("whatsapp.phoneNumberId is the Cloud API's numeric id".into());
        }
        if !digits(&self.display_number, 6..=15) {
            return Err("whatsapp.displayNumber is digits only, country code first".into());
        }
        if !valid_secret_name(&self.access_token_secret) {
            return Err(format!(
                "whatsapp.accessTokenSecret names a Worker secret (A-Z, 0-9, _), not {:?}",
                self.access_token_secret
            ));
        }
        Ok(())
    }
}

/// Checks `X-Hub-Signature-256` over the raw body, in constant time.
pub fn verify_signature(app_secret: &[u8], header: &str, body: &[u8]) -> Result<(), RelayError> {
    let presented = header
        .strip_prefix("sha256=")
        .and_then(|hex_digest| hex::decode(hex_digest).ok())
        .ok_or(RelayError::InvalidWebhookSignature)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(app_secret)
        .map_err(|_| RelayError::InvalidWebhookSignature)?;
    mac.update(body);
    mac.verify_slice(&presented)
        .map_err(|_| RelayError::InvalidWebhookSignature)
}

/// The verification handshake: the challenge to echo if `hub.mode` is `subscribe` and the
/// token matches (compared in constant time), else `None` (answer 403).
pub fn subscription_challenge(query: &str, verify_token: &str) -> Option<String> {
    let mut mode = None;
    let mut token = None;
    let mut challenge = None;
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        let value = Some(value.into_owned());
        match &*key {
            "hub.mode" => mode = value,
            "hub.verify_token" => token = value,
            "hub.challenge" => challenge = value,
            _ => {}
        }
    }
    let token = token?;
    // Digests keep the comparison constant-time whatever the lengths.
    let matches = !verify_token.is_empty()
        && bool::from(Sha256::digest(verify_token).ct_eq(&Sha256::digest(&token)));
    (mode.as_deref() == Some("subscribe") && matches)
        .then_some(challenge)
        .flatten()
}

/// What a webhook tells the relay, one item per message or status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A user wrote a text.
    Text {
        /// The brand's number it was sent to.
        phone_number_id: String,
        /// The user.
        wa_id: String,
        /// The message's id (redeliveries repeat it).
        wamid: String,
        /// The text.
        text: String,
        /// When the user sent it (ms since the epoch): the 24-hour window runs from here.
        sent_at: u64,
    },
    /// A message the relay sent moved on.
    Status {
        /// The brand's number.
        phone_number_id: String,
        /// The message's id, as the send's answer gave it.
        wamid: String,
        /// What happened.
        status: Status,
    },
    /// A user sent a photo, a document or a sticker, perhaps with a caption.
    Media {
        /// The brand's number it was sent to.
        phone_number_id: String,
        /// What it was, as the thread is to take it.
        inbound: Inbound,
    },
    /// A kind of message the relay does not carry (audio, video, reactions…).
    Unsupported {
        /// The brand's number.
        phone_number_id: String,
        /// The user.
        wa_id: String,
    },
}

/// A visitor's message on WhatsApp, as the hook hands it on (and, while the sender's link
/// settles, as it waits on the queue).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Inbound {
    /// The user.
    pub wa_id: String,
    /// The message's id (redeliveries repeat it).
    pub wamid: String,
    /// The text, or a file's caption (perhaps empty).
    pub text: String,
    /// The file, if it carried one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<IncomingMedia>,
    /// When the user sent it (ms since the epoch).
    pub sent_at: u64,
}

/// A status of a sent message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// Accepted by WhatsApp.
    Sent,
    /// On the user's phone.
    Delivered,
    /// Read by the user.
    Read,
    /// Not delivered, with WhatsApp's code and words.
    Failed {
        /// The error code (131047: the window was closed).
        code: i64,
        /// Why.
        reason: String,
    },
}

#[derive(Deserialize)]
struct Payload {
    #[serde(default)]
    entry: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    #[serde(default)]
    changes: Vec<Change>,
}

#[derive(Deserialize)]
struct Change {
    value: Value,
}

#[derive(Deserialize)]
struct Value {
    metadata: Metadata,
    #[serde(default)]
    messages: Vec<RawMessage>,
    #[serde(default)]
    statuses: Vec<RawStatus>,
}

#[derive(Deserialize)]
struct Metadata {
    phone_number_id: String,
}

#[derive(Deserialize)]
struct RawMessage {
    from: String,
    id: String,
    #[serde(default)]
    timestamp: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    text: Option<RawText>,
    #[serde(default)]
    image: Option<media::RawMedia>,
    #[serde(default)]
    document: Option<media::RawMedia>,
    #[serde(default)]
    sticker: Option<media::RawMedia>,
}

#[derive(Deserialize)]
struct RawText {
    body: String,
}

#[derive(Deserialize)]
struct RawStatus {
    id: String,
    status: String,
    #[serde(default)]
    errors: Vec<RawError>,
}

#[derive(Deserialize)]
struct RawError {
    code: i64,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

/// Reads a webhook body into events (statuses the relay does not track are left out).
pub fn read_webhook(body: &[u8]) -> Result<Vec<Event>, RelayError> {
    let payload: Payload = serde_json::from_slice(body)
        .map_err(|e| RelayError::MalformedJson(format!("WhatsApp webhook: {e}")))?;
    let mut events = Vec::new();
    for value in payload
        .entry
        .into_iter()
        .flat_map(|entry| entry.changes)
        .map(|change| change.value)
    {
        let number = value.metadata.phone_number_id;
        for message in value.messages {
            // Seconds; a time that is not one (or beyond SQLite's integers in ms) reads as 0.
            let sent_at = message
                .timestamp
                .parse::<u64>()
                .ok()
                .and_then(|seconds| seconds.checked_mul(1000))
                .filter(|ms| i64::try_from(*ms).is_ok())
                .unwrap_or(0);
            let kind = message.kind;
            let raw_media = match kind.as_str() {
                "image" => message.image,
                "document" => message.document,
                "sticker" => message.sticker,
                _ => None,
            };
            let caption = raw_media
                .as_ref()
                .and_then(|raw| raw.caption.clone())
                .unwrap_or_default();
            let media = raw_media.and_then(|raw| media::incoming_media(&kind, raw));
            events.push(match (kind.as_str(), message.text, media) {
                ("text", Some(text), _) => Event::Text {
                    phone_number_id: number.clone(),
                    wa_id: message.from,
                    wamid: message.id,
                    text: text.body,
                    sent_at,
                },
                (_, _, Some(media)) => Event::Media {
                    phone_number_id: number.clone(),
                    inbound: Inbound {
                        wa_id: message.from,
                        wamid: message.id,
                        text: caption,
                        media: Some(media),
                        sent_at,
                    },
                },
                _ => Event::Unsupported {
                    phone_number_id: number.clone(),
                    wa_id: message.from,
                },
            });
        }
        for status in value.statuses {
            let status_kind = match status.status.as_str() {
                "sent" => Status::Sent,
                "delivered" => Status::Delivered,
                "read" => Status::Read,
                "failed" => {
                    let error = status.errors.into_iter().next();
                    Status::Failed {
                        code: error.as_ref().map_or(0, |error| error.code),
                        reason: error
                            .and_then(|error| error.message.or(error.title))
                            .unwrap_or_else(|| "WhatsApp could not deliver it".into()),
                    }
                }
                _ => continue,
            };
            events.push(Event::Status {
                phone_number_id: number.clone(),
                wamid: status.id,
                status: status_kind,
            });
        }
    }
    Ok(events)
}

/// The URL sends go to.
pub fn messages_url(base: &str, phone_number_id: &str) -> String {
    format!(
        "{}/{API_VERSION}/{phone_number_id}/messages",
        base.trim_end_matches('/')
    )
}

/// The body of a free-form text to `wa_id`.
pub fn send_text(wa_id: &str, text: &str) -> String {
    json!({
        "messaging_product": "whatsapp",
        "to": wa_id,
        "type": "text",
        "text": { "body": text.chars().take(4096).collect::<String>() },
    })
    .to_string()
}

/// The body of a template message to `wa_id`.
pub fn send_template(wa_id: &str, template: &Template) -> String {
    json!({
        "messaging_product": "whatsapp",
        "to": wa_id,
        "type": "template",
        "template": { "name": template.name, "language": { "code": template.language } },
    })
    .to_string()
}

#[derive(Deserialize)]
struct SendAnswer {
    #[serde(default)]
    messages: Vec<SentId>,
    #[serde(default)]
    error: Option<GraphError>,
}

#[derive(Deserialize)]
struct SentId {
    id: String,
}

#[derive(Deserialize)]
struct GraphError {
    #[serde(default)]
    code: i64,
    #[serde(default)]
    message: String,
}

/// Graph error codes that mean "too many messages": to the number, to this user, or from
/// the app.
const RATE_LIMITED: [i64; 4] = [4, 80007, 130429, 131056];

/// Graph error codes that mean the access token is wrong, expired or lacks a permission.
const NOT_AUTHORIZED: [i64; 3] = [190, 10, 200];

/// Graph error codes that mean WhatsApp itself failed for a while.
const UNAVAILABLE: [i64; 5] = [1, 2, 131000, 131016, 133004];

/// What a Graph error `code` (with WhatsApp's `words`) comes to, for a send's answer and a
/// `failed` status alike.
fn graph_failure(code: i64, words: &str) -> Failure {
    let detail = format!("WhatsApp {code}: {words}");
    let reason = match code {
        WINDOW_CLOSED => FailureReason::WindowClosed,
        0 => FailureReason::Unknown,
        code if RATE_LIMITED.contains(&code) || UNAVAILABLE.contains(&code) => {
            FailureReason::ProviderUnavailable
        }
        code if NOT_AUTHORIZED.contains(&code) => FailureReason::NotConfigured,
        _ => FailureReason::ProviderRejected,
    };
    Failure::new(reason, detail)
}

/// What a `failed` status webhook (`statuses[].errors[0]`: `code`, and its message or
/// title as `reason`) means for the message: the visitor sees the reason's sentence, the
/// operator's log the scrubbed detail.
pub fn status_failure(code: i64, reason: &str) -> Failure {
    graph_failure(code, reason)
}

/// Reads a send's answer: the new message's `wamid`, or what the failure means. A redirect
/// is refused whatever its body says: the Graph API does not redirect.
pub fn read_send_answer(status: u16, body: &str) -> Result<String, Delivery> {
    read_graph_answer(status, body, |body| {
        let answer: SendAnswer = serde_json::from_str(body).ok()?;
        answer
            .error
            .is_none()
            .then(|| answer.messages.into_iter().next().map(|sent| sent.id))
            .flatten()
    })
}

/// Reads a Graph API answer: what `success` finds in a 2xx body, or what the failure
/// means (an error's code, the HTTP status). A redirect is refused whatever its body says.
fn read_graph_answer<T>(
    status: u16,
    body: &str,
    success: impl FnOnce(&str) -> Option<T>,
) -> Result<T, Delivery> {
    if (300..400).contains(&status) {
        return Err(by_status(
            status,
            None,
            "WhatsApp's address redirected the call",
        ));
    }
    if (200..300).contains(&status) {
        if let Some(found) = success(body) {
            return Ok(found);
        }
    }
    let answer: Option<SendAnswer> = serde_json::from_str(body).ok();
    let error = answer.and_then(|answer| answer.error);
    let (code, words) = error.map_or((0, String::new()), |error| (error.code, error.message));
    let failure = graph_failure(code, &words);
    Err(match code {
        WINDOW_CLOSED => Delivery::Refused { failure },
        code if RATE_LIMITED.contains(&code) => Delivery::RateLimited {
            failure,
            after_seconds: 6,
        },
        _ => match by_status(status, None, failure.detail()) {
            Delivery::Delivered => Delivery::retry(
                FailureReason::ProviderUnavailable,
                "WhatsApp answered without a message id",
            ),
            // An access token WhatsApp does not take is the operator's to fix.
            Delivery::Refused { .. } if NOT_AUTHORIZED.contains(&code) => {
                Delivery::Refused { failure }
            }
            other => other,
        },
    })
}

/// A `wa.me` click-to-chat link that opens WhatsApp with `text` ready to send.
pub fn click_to_chat(display_number: &str, text: &str) -> String {
    // Everything but RFC 3986's unreserved characters is escaped (a space as %20: wa.me
    // does not read `+` as one).
    const ESCAPED: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    format!(
        "https://wa.me/{display_number}?text={}",
        utf8_percent_encode(text, ESCAPED)
    )
}

/// What the visitor reads on WhatsApp when the thread is linked.
pub fn linked_confirmation(brand_name: &str) -> String {
    format!(
        "You're connected: this is your conversation with {brand_name}, continued here. \
         Write any time; we answer here."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"test-app-secret";

    fn fixture(name: &str) -> (Vec<u8>, String) {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/whatsapp/");
        let body = std::fs::read(format!("{dir}{name}.json")).unwrap();
        let signature = std::fs::read_to_string(format!("{dir}{name}.sig")).unwrap();
        (body, signature.trim().to_string())
    }

    #[test]
    fn fixture_signatures_verify_and_forgeries_do_not() {
        for name in [
            "inbound-text-link-code",
            "inbound-text",
            "status-delivered",
            "status-read",
            "status-failed-131047",
        ] {
            let (body, signature) = fixture(name);
            assert!(
                verify_signature(SECRET, &signature, &body).is_ok(),
                "{name}"
            );
            let mut forged = body.clone();
            forged[10] ^= 1;
            assert!(
                verify_signature(SECRET, &signature, &forged).is_err(),
                "{name}"
            );
            assert!(verify_signature(b"other", &signature, &body).is_err());
        }
        assert!(verify_signature(SECRET, "", b"{}").is_err());
        assert!(verify_signature(SECRET, "sha256=zz", b"{}").is_err());
    }

    fn check(name: &str, expected: Vec<Event>) {
        assert_eq!(read_webhook(&fixture(name).0).unwrap(), expected, "{name}");
    }

    #[test]
    fn reads_the_fixtures() {
        let number = || "106540352242922".to_string();
        check(
            "inbound-text-link-code",
            vec![Event::Text {
                phone_number_id: number(),
                wa_id: "8613800138000".into(),
                wamid: "wamid.HBgNODYxMzgwMDEzODAwMBUCABIYFDNBMEI1RTQ1QjQ0QzNCOTMyQjlBAA==".into(),
                text: "Continue my chat: LINK-7K2Q9X".into(),
                sent_at: 1_795_000_000_000,
            }],
        );
        let events = read_webhook(&fixture("status-failed-131047").0).unwrap();
        assert!(matches!(
            &events[..],
            [Event::Status {
                status: Status::Failed { code: 131047, .. },
                ..
            }]
        ));
        for (name, status) in [
            ("status-delivered", Status::Delivered),
            ("status-read", Status::Read),
        ] {
            let events = read_webhook(&fixture(name).0).unwrap();
            assert!(
                matches!(&events[..], [Event::Status { status: found, .. }] if *found == status),
                "{name}: {events:?}"
            );
        }
        assert!(read_webhook(b"{").is_err());
        assert_eq!(read_webhook(b"{}").unwrap(), vec![]);
    }

    #[test]
    fn reads_media_messages_and_leaves_out_what_it_does_not_carry() {
        let body = |message: &str| {
            format!(
                r#"{{"entry":[{{"changes":[{{"value":{{"metadata":{{"phone_number_id":"106"}},"messages":[{message}]}}}}]}}]}}"#
            )
        };
        let read = |message: &str| read_webhook(body(message).as_bytes()).unwrap();
        let image = read(
            r#"{"from":"86","id":"wamid.I","timestamp":"1795000060","type":"image","image":{"caption":"the tear","mime_type":"image/jpeg","sha256":"x","id":"1234"}}"#,
        );
        assert_eq!(
            image,
            vec![Event::Media {
                phone_number_id: "106".into(),
                inbound: Inbound {
                    wa_id: "86".into(),
                    wamid: "wamid.I".into(),
                    text: "the tear".into(),
                    media: Some(IncomingMedia {
                        id: "1234".into(),
                        mime_type: "image/jpeg".into(),
                        name: "whatsapp-image.jpg".into(),
                    }),
                    sent_at: 1_795_000_060_000,
                },
            }]
        );
        let document = read(
            r#"{"from":"86","id":"wamid.D","timestamp":"1","type":"document","document":{"filename":"order.pdf","mime_type":"application/pdf","id":"77"}}"#,
        );
        assert!(
            matches!(&document[..], [Event::Media { inbound, .. }]
                if inbound.text.is_empty()
                    && inbound.media.as_ref().is_some_and(|m| m.name == "order.pdf")),
            "{document:?}"
        );
        for unsupported in [
            r#"{"from":"86","id":"wamid.A","timestamp":"1","type":"audio","audio":{"mime_type":"audio/ogg","id":"5"}}"#,
            r#"{"from":"86","id":"wamid.B","timestamp":"1","type":"image","image":{"id":"../5"}}"#,
            r#"{"from":"86","id":"wamid.C","timestamp":"1","type":"image"}"#,
        ] {
            assert!(
                matches!(&read(unsupported)[..], [Event::Unsupported { .. }]),
                "{unsupported}"
            );
        }
    }

    #[test]
    fn message_times_out_of_range_read_as_unknown() {
        for (timestamp, sent_at) in [
            ("1795000060", 1_795_000_060_000),
            ("", 0),
            ("-1", 0),
            ("soon", 0),
            ("9223372036854775", 9_223_372_036_854_775_000),
            ("9223372036854776", 0),
            ("18446744073709551615", 0),
            ("99999999999999999999", 0),
        ] {
            let body = String::from_utf8(fixture("inbound-text").0)
                .unwrap()
                .replace("\"1795000060\"", &format!("{timestamp:?}"));
            let events = read_webhook(body.as_bytes()).unwrap();
            assert!(
                matches!(&events[..], [Event::Text { sent_at: found, .. }] if *found == sent_at),
                "{timestamp}: {events:?}"
            );
        }
    }

    #[test]
    fn the_handshake_echoes_the_challenge_only_for_the_right_token() {
        let check = |query: &str, expected: Option<&str>| {
            assert_eq!(
                subscription_challenge(query, "verify-me").as_deref(),
                expected,
                "{query}"
            );
        };
        check(
            "hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444",
            Some("1158201444"),
        );
        check(
            "hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1",
            None,
        );
        check(
            "hub.mode=unsubscribe&hub.verify_token=verify-me&hub.challenge=1",
            None,
        );
        check("hub.mode=subscribe&hub.challenge=1", None);
        check(
            "hub.mode=subscribe&hub.verify_token=verify%2Dme&hub.challenge=a%20b",
            Some("a b"),
        );
        for (query, expected) in [
            (
                "hub.challenge=a+b%2Bc&hub.mode=subscribe&hub.verify_token=verify-me",
                Some("a b+c"),
            ),
            (
                "hub%2Emode=subscribe&hub.verify_token=verify-me&hub.challenge=%E4%BD%A0",
                Some("你"),
            ),
            (
                "hub.mode=subscribe&hub.verify_token=verify-me&hub.verify_token=x&hub.challenge=1",
                None,
            ),
            ("hub.mode=subscribe&hub.verify_token=&hub.challenge=1", None),
            ("hub.mode=subscribe&hub.verify_token=verify-me", None),
            ("", None),
            ("&&=&", None),
        ] {
            check(query, expected);
        }
    }

    #[test]
    fn reads_send_answers() {
        let check = |status: u16, body: &str, expected: Result<&str, Delivery>| {
            assert_eq!(
                read_send_answer(status, body),
                expected.map(str::to_string),
                "{status} {body}"
            );
        };
        check(
            200,
            r#"{"messaging_product":"whatsapp","messages":[{"id":"wamid.X"}]}"#,
            Ok("wamid.X"),
        );
        check(
            400,
            r#"{"error":{"message":"Re-engagement message","type":"OAuthException","code":131047}}"#,
            Err(Delivery::refused(
                FailureReason::WindowClosed,
                "WhatsApp 131047: Re-engagement message",
            )),
        );
        check(
            400,
            r#"{"error":{"message":"Rate limit hit","code":130429}}"#,
            Err(Delivery::RateLimited {
                failure: Failure::new(
                    FailureReason::ProviderUnavailable,
                    "WhatsApp 130429: Rate limit hit",
                ),
                after_seconds: 6,
            }),
        );
        check(
            500,
            "oops",
            Err(
                Delivery::retry(FailureReason::ProviderUnavailable, "HTTP 500: WhatsApp 0: ")
                    .with_status(500),
            ),
        );
        check(
            401,
            r#"{"error":{"message":"Invalid OAuth access token - Cannot parse access token","code":190}}"#,
            Err(Delivery::refused(
                FailureReason::NotConfigured,
                "WhatsApp 190: Invalid OAuth access token - Cannot parse access token",
            )),
        );
        check(
            400,
            r#"{"error":{"message":"Invalid parameter","code":100}}"#,
            Err(Delivery::refused(
                FailureReason::ProviderRejected,
                "HTTP 400: WhatsApp 100: Invalid parameter",
            )
            .with_status(400)),
        );
        check(
            307,
            r#"{"messages":[{"id":"wamid.X"}]}"#,
            Err(Delivery::refused(
                FailureReason::Redirected,
                "HTTP 307: WhatsApp's address redirected the call",
            )
            .with_status(307)),
        );
    }

    #[test]
    fn failed_statuses_map_to_stable_reasons() {
        let check = |code: i64, words: &str, reason: FailureReason, detail: &str| {
            let failure = status_failure(code, words);
            assert_eq!(failure.reason, reason, "{code}");
            assert_eq!(failure.detail(), detail, "{code}");
            assert_eq!(failure.visitor_text(), reason.text());
        };
        check(
            131047,
            "Re-engagement message",
            FailureReason::WindowClosed,
            "WhatsApp 131047: Re-engagement message",
        );
        check(
            131026,
            "Message undeliverable",
            FailureReason::ProviderRejected,
            "WhatsApp 131026: Message undeliverable",
        );
        check(
            131000,
            "Something went wrong",
            FailureReason::ProviderUnavailable,
            "WhatsApp 131000: Something went wrong",
        );
        // WhatsApp's words may quote what it was sent: they stay out of the failure.
        check(
            190,
            "Error validating access token: Bearer EAAGm0PX4ZCpsBAKZCZB expired; see https://developers.facebook.com/docs/x?token=1",
            FailureReason::NotConfigured,
            "WhatsApp 190: Error validating access token: Bearer [redacted] expired; see https://developers.facebook.com/…",
        );
        check(
            0,
            "WhatsApp could not deliver it",
            FailureReason::Unknown,
            "WhatsApp 0: WhatsApp could not deliver it",
        );
    }

    #[test]
    fn builds_sends_and_links() {
        let text: serde_json::Value =
            serde_json::from_str(&send_text("86138", "<script>")).unwrap();
        assert_eq!(text["text"]["body"], "<script>");
        assert_eq!(text["to"], "86138");
        let template = Template {
            name: "follow_up".into(),
            language: "en_US".into(),
        };
        let body: serde_json::Value =
            serde_json::from_str(&send_template("86138", &template)).unwrap();
        assert_eq!(body["template"]["language"]["code"], "en_US");
        assert_eq!(
            messages_url("http://127.0.0.1:9/", "1065"),
            "http://127.0.0.1:9/v21.0/1065/messages"
        );
        for (text, query) in [
            (
                "Continue my chat: LINK-7K2Q9XM4HV8RT",
                "Continue%20my%20chat%3A%20LINK-7K2Q9XM4HV8RT",
            ),
            ("a~b_c.d-e", "a~b_c.d-e"),
            ("1+1=2&x#y?/%", "1%2B1%3D2%26x%23y%3F%2F%25"),
            ("蓝 👋", "%E8%93%9D%20%F0%9F%91%8B"),
            ("", ""),
        ] {
            assert_eq!(
                click_to_chat("15550783881", text),
                format!("https://wa.me/15550783881?text={query}"),
                "{text}"
            );
        }
    }
}
