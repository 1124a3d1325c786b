//! Brands (tenants) as the D1 registry stores them, and the rules their settings follow.
//!
//! A brand's settings are one JSON document (`brands.settings`), so new settings need no
//! schema migration. Secrets are never stored here: settings name Worker secrets instead
//! (`identitySecret: "ACME_IDENTITY_SECRET"`), which `wrangler secret put` sets.

use crate::attachment::AttachmentRules;
use crate::connector::Connectors;
use crate::error::RelayError;
use crate::image::{check_source, ImageSigner};
use crate::origin::{origin_allowed, OriginPattern};
use confab_protocol::{BrandId, BrandProfile, BusinessHours, ConsentNotice, ReadReceipts, Theme};
use serde::{Deserialize, Serialize};

/// Threads idle this long are erased unless the brand says otherwise: 180 days.
pub const DEFAULT_RETENTION_SECONDS: u64 = 180 * 24 * 60 * 60;

/// Everything a brand configures, as the admin API takes it and D1 stores it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BrandSettings {
    /// The display name.
    pub name: String,
    /// Origin patterns allowed to use the widget (see [`crate::origin`]).
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    /// The accent colour, `#rrggbb`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theme_color: Option<String>,
    /// The brand's logo: an `https` image URL (see [`crate::image::check_source`]), which
    /// visitors only ever see as a signed relay path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_url: Option<String>,
    /// The first line of an empty thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub greeting: Option<String>,
    /// When the team answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_hours: Option<BusinessHours>,
    /// Shown outside business hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub away_message: Option<String>,
    /// Idle threads are erased after this many seconds.
    #[serde(default = "default_retention")]
    pub retention_seconds: u64,
    /// Whether visitors' reading is reported.
    #[serde(default)]
    pub read_receipts: ReadReceipts,
    /// The name of the Worker secret that signs verified user ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_secret: Option<String>,
    /// How fast one visitor may send.
    #[serde(default)]
    pub visitor_rate_limit: RateLimit,
    /// A privacy notice visitors accept before their first message, if the brand needs one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent: Option<ConsentNotice>,
    /// Questions an empty thread offers as buttons: at most four, each 1 to 80 characters.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suggested_questions: Vec<String>,
    /// Whether team members' names show on their messages (else the brand's name).
    #[serde(default = "default_true")]
    pub show_agent_names: bool,
    /// Light, dark, or after the visitor's system (the default).
    #[serde(default, skip_serializing_if = "Theme::is_auto")]
    pub theme: Theme,
    /// Connector settings (Telegram, webhooks), naming secrets, never holding them.
    #[serde(default, skip_serializing_if = "Connectors::is_empty")]
    pub connectors: Connectors,
    /// Which files visitors and the team may send, and how large.
    #[serde(default, skip_serializing_if = "AttachmentRules::is_default")]
    pub attachments: AttachmentRules,
    /// Web push of team replies the visitor has not seen, if the brand turns it on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push: Option<crate::push::PushSettings>,
    /// Replies by email ([`crate::email`]); absent: not offered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<crate::email::EmailSettings>,
    /// The assistant: when the bot answers from the brand's knowledge, and when it hands
    /// over ([`crate::assistant`]); absent: no bot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assistant: Option<crate::assistant::AssistantSettings>,
    /// Satisfaction ratings: when the widget asks how it went besides after a resolution
    /// ([`crate::resolution`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratings: Option<crate::resolution::RatingSettings>,
    /// How long a visitor's message waits unanswered before the widget offers replies by
    /// email or notification (it offers them at once while the team is away), in seconds.
    #[serde(default = "default_reach_offer")]
    pub reach_offer_seconds: u32,
    /// Whether the widget's profile says how soon the team usually replies (from the
    /// brand's recent first replies in business hours, [`crate::insights`]); off unless
    /// the brand turns it on.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub show_expected_reply: bool,
}

fn default_reach_offer() -> u32 {
    confab_protocol::api::DEFAULT_REACH_OFFER_SECONDS
}

/// The longest a brand may have visitors wait before offering to reach them later: a day.
pub const MAX_REACH_OFFER_SECONDS: u32 = 24 * 60 * 60;

fn default_true() -> bool {
    true
}

/// The most suggested questions a brand may set.
pub const MAX_SUGGESTED_QUESTIONS: usize = 4;
/// The longest suggested question, in characters.
pub const MAX_SUGGESTED_QUESTION_CHARS: usize = 80;

fn default_retention() -> u64 {
    DEFAULT_RETENTION_SECONDS
}

/// A send rate: `burst` messages at once, refilled at `per_minute`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RateLimit {
    /// Messages that may be sent at once.
    pub burst: u32,
    /// Messages per minute once the burst is spent.
    pub per_minute: u32,
}

impl Default for RateLimit {
    /// 30 at once, then one a second: far above a person typing, far below a flood.
    fn default() -> Self {
        RateLimit {
            burst: 30,
            per_minute: 60,
        }
    }
}

/// A brand: its id and settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Brand {
    /// The id, as in the script tag's `data-brand`.
    pub id: BrandId,
    /// Its settings.
    pub settings: BrandSettings,
}

impl Brand {
    /// What the widget shows of the brand; its logo as a path `images` signed (none if the
    /// stored URL breaks the image rules, say one written to D1 without the admin API).
    pub fn profile(&self, images: &ImageSigner) -> BrandProfile {
        let settings = &self.settings;
        BrandProfile {
            name: settings.name.clone(),
            logo_url: settings
                .logo_url
                .as_deref()
                .and_then(|raw| images.signed_path(raw).ok()),
            greeting: settings.greeting.clone(),
            theme_color: settings.theme_color.clone(),
            business_hours: settings.business_hours.clone(),
            away_message: settings.away_message.clone(),
            read_receipts: settings.read_receipts,
            consent: settings.consent.clone(),
            whatsapp: settings.connectors.whatsapp.is_some(),
            wechat: settings.connectors.wechat.is_some(),
            email: settings.email.is_some(),
            // Set by the session's answer, which knows whether this relay can sign pushes.
            push_key: None,
            reach_offer_seconds: settings.reach_offer_seconds,
            suggested_questions: settings
                .suggested_questions
                .iter()
                .map(|question| question.trim().to_string())
                .collect(),
            show_agent_names: settings.show_agent_names,
            theme: settings.theme,
        }
    }

    /// How long an idle thread is kept, in milliseconds.
    pub fn retention_ms(&self) -> u64 {
        self.settings.retention_seconds.saturating_mul(1000)
    }
}

/// A row of the `brands` table.
#[derive(Clone, Debug, Deserialize)]
pub struct BrandRow {
    /// `brands.id`.
    pub id: String,
    /// `brands.settings`: [`BrandSettings`] as JSON.
    pub settings: String,
}

impl TryFrom<BrandRow> for Brand {
    type Error = RelayError;

    fn try_from(row: BrandRow) -> Result<Self, RelayError> {
        let settings = serde_json::from_str(&row.settings)
            .map_err(|e| RelayError::Internal(format!("brand {}: settings: {e}", row.id)))?;
        Ok(Brand {
            id: BrandId::new(row.id),
            settings,
        })
    }
}

/// Checks a brand id from a path: 1 to 64 of `a-z`, `0-9` and `-`.
pub fn parse_brand_id(raw: &str) -> Result<BrandId, RelayError> {
    let valid = (1..=64).contains(&raw.len())
        && raw
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if valid {
        Ok(BrandId::new(raw))
    } else {
        Err(RelayError::InvalidBrand {
            reason: format!("the brand id {raw:?} must be 1 to 64 of a-z, 0-9 and -"),
            field: None,
        })
    }
}

/// The longest retention a brand may set: ten years.
const MAX_RETENTION_SECONDS: u64 = 10 * 365 * 24 * 60 * 60;

/// Checks settings before they are stored; the message says what to fix. `allow_local`
/// admits webhook and logo URLs on this machine (development and tests, never production).
/// A bad `logoUrl` is [`RelayError::InvalidImageUrl`] (400), any other rule broken
/// [`RelayError::InvalidBrand`] (422).
pub fn validate_settings(settings: &BrandSettings, allow_local: bool) -> Result<(), RelayError> {
    // Each rule names the settings key it is about, so the console can mark the field.
    let fail = |field: &'static str, reason: String| {
        Err(RelayError::InvalidBrand {
            reason,
            field: Some(field),
        })
    };
    let invalid = |field: &'static str| {
        move |reason: String| RelayError::InvalidBrand {
            reason,
            field: Some(field),
        }
    };
    if let Some(logo) = &settings.logo_url {
        check_source(logo, allow_local).map_err(|reason| RelayError::InvalidImageUrl {
            field: "logoUrl",
            reason,
        })?;
    }
    let name_chars = settings.name.trim().chars().count();
    if !(1..=100).contains(&name_chars) {
        return fail("name", "name must have 1 to 100 characters".into());
    }
    for origin in &settings.allowed_origins {
        if let Err(why) = OriginPattern::parse(origin) {
            return fail(
                "allowedOrigins",
                format!(
                    "allowed origin {origin:?} {why}; patterns look like https://shop.example, \
                 https://*.shop.example or http://localhost:*"
                ),
            );
        }
    }
    if let Some(color) = &settings.theme_color {
        let hex = color.strip_prefix('#').unwrap_or("");
        if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return fail(
                "themeColor",
                format!("theme colour {color:?} must be #rrggbb"),
            );
        }
    }
    for (field, text) in [
        ("greeting", &settings.greeting),
        ("awayMessage", &settings.away_message),
    ] {
        if text.as_ref().is_some_and(|text| text.chars().count() > 500) {
            return fail(
                field,
                "greeting and away message have at most 500 characters".into(),
            );
        }
    }
    if settings.suggested_questions.len() > MAX_SUGGESTED_QUESTIONS
        || settings.suggested_questions.iter().any(|question| {
            let chars = question.trim().chars().count();
            !(1..=MAX_SUGGESTED_QUESTION_CHARS).contains(&chars)
                || question.chars().any(char::is_control)
        })
    {
        return fail(
            "suggestedQuestions",
            format!(
                "suggestedQuestions are at most {MAX_SUGGESTED_QUESTIONS} questions of 1 to \
             {MAX_SUGGESTED_QUESTION_CHARS} characters, on one line each"
            ),
        );
    }
    if let Some(hours) = &settings.business_hours {
        if hours.time_zone.is_empty() || hours.time_zone.len() > 64 {
            return fail(
                "businessHours",
                "business hours need an IANA time zone such as Asia/Shanghai".into(),
            );
        }
        for span in &hours.weekly {
            let (open, close) = (minutes(&span.open), minutes(&span.close));
            if !(1..=7).contains(&span.day) || open.is_none() || close.is_none() || open >= close {
                return fail("businessHours", format!(
                    "opening span {span:?} needs a day from 1 (Monday) to 7 and open < close as HH:MM"
                ));
            }
        }
    }
    if let Some(push) = &settings.push {
        push.check().map_err(invalid("push"))?;
    }
    if !(1..=MAX_REACH_OFFER_SECONDS).contains(&settings.reach_offer_seconds) {
        return fail(
            "reachOfferSeconds",
            format!("reachOfferSeconds must be from 1 to {MAX_REACH_OFFER_SECONDS}"),
        );
    }
    if !(1..=MAX_RETENTION_SECONDS).contains(&settings.retention_seconds) {
        return fail(
            "retentionSeconds",
            format!("retentionSeconds must be from 1 to {MAX_RETENTION_SECONDS}"),
        );
    }
    if let Some(consent) = &settings.consent {
        let text_chars = consent.text.trim().chars().count();
        if !(1..=500).contains(&text_chars) || !consent.privacy_url.starts_with("https://") {
            return fail(
                "consent",
                "consent needs a text of 1 to 500 characters and an https privacyUrl".into(),
            );
        }
    }
    let rate = settings.visitor_rate_limit;
    if rate.burst == 0 || rate.per_minute == 0 {
        return fail(
            "visitorRateLimit",
            "visitorRateLimit needs a burst and a perMinute above 0".into(),
        );
    }
    settings
        .connectors
        .validate(allow_local)
        .map_err(invalid("connectors"))?;
    settings
        .attachments
        .validate()
        .map_err(invalid("attachments"))?;
    if let Some(assistant) = &settings.assistant {
        assistant
            .validate(settings.business_hours.is_some(), allow_local)
            .map_err(invalid("assistant"))?;
    }
    if let Some(ratings) = &settings.ratings {
        ratings.validate().map_err(invalid("ratings"))?;
    }
    if let Some(email) = &settings.email {
        email
            .validate(|origin| origin_allowed(&settings.allowed_origins, origin))
            .map_err(invalid("email"))?;
    }
    if let Some(secret) = &settings.identity_secret {
        if !valid_secret_name(secret) {
            return fail(
                "identitySecret",
                format!("identitySecret names a Worker secret (A-Z, 0-9, _), not {secret:?}"),
            );
        }
    }
    Ok(())
}

/// Whether `name` can be a Worker secret's name.
pub fn valid_secret_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

fn minutes(clock: &str) -> Option<u32> {
    let (hours, minutes) = clock.split_once(':')?;
    let (hours, minutes): (u32, u32) = (hours.parse().ok()?, minutes.parse().ok()?);
    (clock.len() == 5 && hours <= 24 && minutes < 60 && hours * 60 + minutes <= 24 * 60)
        .then_some(hours * 60 + minutes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use confab_protocol::OpeningSpan;

    fn settings() -> BrandSettings {
        serde_json::from_str(r#"{"name": "Acme"}"#).unwrap()
    }

    fn images() -> ImageSigner {
        ImageSigner::new(crate::token::TokenSigner::new(b"test-secret"), false)
    }

    #[test]
    fn logos_are_https_urls_shown_as_signed_relay_paths() {
        let mut wrong = Vec::new();
        for (logo, allow_local, expected) in [
            ("https://cdn.example/logo.png", false, Ok(())),
            ("http://example.com/x.png", false, Err("image_url_invalid")),
            ("javascript:alert(1)", false, Err("image_url_invalid")),
            (
                "https://user@cdn.example/x.png",
                false,
                Err("image_url_invalid"),
            ),
            (
                "http://127.0.0.1:9000/x.png",
                false,
                Err("image_url_invalid"),
            ),
            ("http://127.0.0.1:9000/x.png", true, Ok(())),
        ] {
            let mut candidate = settings();
            candidate.logo_url = Some(logo.into());
            let verdict = validate_settings(&candidate, allow_local);
            if verdict.as_ref().map(|_| ()).map_err(RelayError::code) != expected {
                wrong.push(format!("{logo:?} ({allow_local}): {verdict:?}"));
            }
            if let Err(error) = verdict {
                assert_eq!(error.status(), 400);
            }
        }
        let long = format!("https://cdn.example/{}", "a".repeat(2048));
        let mut candidate = settings();
        candidate.logo_url = Some(long);
        assert_eq!(
            validate_settings(&candidate, false).map_err(|e| e.code().to_string()),
            Err("image_url_invalid".to_string())
        );
        assert!(wrong.is_empty(), "wrong verdicts:\n{}", wrong.join("\n"));

        let row = BrandRow {
            id: "acme".into(),
            settings: r#"{"name":"Acme","logoUrl":"https://cdn.example/logo.png"}"#.into(),
        };
        let brand = Brand::try_from(row).unwrap();
        assert_eq!(
            brand.settings.logo_url.as_deref(),
            Some("https://cdn.example/logo.png")
        );
        let logo = brand.profile(&images()).logo_url.unwrap();
        assert!(logo.starts_with("/v1/images?src="), "{logo}");
        let query = logo.split_once('?').unwrap().1;
        assert_eq!(
            images().verify(query).unwrap().as_str(),
            "https://cdn.example/logo.png"
        );
        // A stored URL the rules refuse is not shown at all.
        let row = BrandRow {
            id: "acme".into(),
            settings: r#"{"name":"Acme","logoUrl":"http://cdn.example/logo.png"}"#.into(),
        };
        assert_eq!(
            Brand::try_from(row).unwrap().profile(&images()).logo_url,
            None
        );
        // Stored under its wire name.
        let json = serde_json::to_value(&brand.settings).unwrap();
        assert_eq!(json["logoUrl"], "https://cdn.example/logo.png");
    }

    fn check(change: impl FnOnce(&mut BrandSettings), valid: bool) {
        let mut candidate = settings();
        change(&mut candidate);
        assert_eq!(
            validate_settings(&candidate, false).is_ok(),
            valid,
            "{candidate:?}: {:?}",
            validate_settings(&candidate, false)
        );
    }

    #[test]
    fn defaults_apply() {
        let settings = settings();
        assert_eq!(settings.retention_seconds, DEFAULT_RETENTION_SECONDS);
        assert_eq!(settings.read_receipts, ReadReceipts::On);
        assert!(settings.show_agent_names && settings.suggested_questions.is_empty());
        assert!(validate_settings(&settings, false).is_ok());
    }

    #[test]
    fn validates_connectors() {
        let with = |json: &str| -> BrandSettings {
            serde_json::from_str(&format!(r#"{{"name": "Acme", "connectors": {json}}}"#)).unwrap()
        };
        let telegram = r#"{"telegram": {"chatId": -1001, "botTokenSecret": "ACME_BOT", "webhookSecret": "ACME_TG_HOOK"}}"#;
        assert!(validate_settings(&with(telegram), false).is_ok());
        let positive = telegram.replace("-1001", "1001");
        assert!(validate_settings(&with(&positive), false).is_err());
        let raw_token = telegram.replace("ACME_BOT", "123:abc");
        assert!(validate_settings(&with(&raw_token), false).is_err());
        let local = r#"{"webhook": {"url": "http://127.0.0.1:9000/hook", "secret": "ACME_HOOK"}}"#;
        assert!(validate_settings(&with(local), false).is_err());
        assert!(validate_settings(&with(local), true).is_ok());
    }

    #[test]
    fn settings_errors_name_their_field() {
        let mut wrong = Vec::new();
        for (patch, field) in [
            (r#"{"name": " "}"#, "name"),
            (r#"{"allowedOrigins": ["ftp://x"]}"#, "allowedOrigins"),
            (r#"{"themeColor": "red"}"#, "themeColor"),
            (
                r#"{"businessHours": {"timeZone": "", "weekly": []}}"#,
                "businessHours",
            ),
            (r#"{"reachOfferSeconds": 0}"#, "reachOfferSeconds"),
            (r#"{"retentionSeconds": 0}"#, "retentionSeconds"),
            (r#"{"identitySecret": "lower"}"#, "identitySecret"),
        ] {
            let mut json = serde_json::to_value(settings()).unwrap();
            let patch: serde_json::Value = serde_json::from_str(patch).unwrap();
            for (key, value) in patch.as_object().unwrap() {
                json[key] = value.clone();
            }
            let candidate: BrandSettings = serde_json::from_value(json).unwrap();
            match validate_settings(&candidate, false) {
                Err(error @ RelayError::InvalidBrand { .. }) => {
                    let named = error.body().error.field;
                    if named.as_deref() != Some(field) {
                        wrong.push(format!("{patch}: {named:?}, not {field}"));
                    }
                }
                other => wrong.push(format!("{patch}: {other:?}")),
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn validates_settings() {
        check(|s| s.name = " ".into(), false);
        check(|s| s.name = "蓝".repeat(100), true);
        check(|s| s.name = "a".repeat(101), false);
        // Every origin pattern accepted can match an origin a browser sends; one that never
        // could is refused.
        let mut wrong = Vec::new();
        for (origin, valid) in [
            ("https://shop.example", true),
            ("https://*.shop.example", true),
            ("https://*.shop.example:8443", true),
            ("http://127.0.0.1:*", true),
            ("http://localhost:*", true),
            ("http://localhost:8080", true),
            ("http://[::1]:*", true),
            ("https://[2001:db8::1]", true),
            ("https://xn--bcher-kva.example", true),
            ("https://shop.example.", true),
            ("shop.example", false),
            ("ftp://shop.example", false),
            ("https://shop.example/path", false),
            ("https://shop.example/", false),
            ("https://", false),
            ("https://*", false),
            ("https://*.", false),
            ("https://*.x:*", false),
            ("https://*.shop.example:*", false),
            ("https://*.*.shop.example", false),
            ("https://www.*.example", false),
            ("https://*.127.0.0.1", false),
            ("https://*.[::1]", false),
            ("http://localhost:8080:*", false),
            ("https://shop.example:443", false),
            ("http://shop.example:80", false),
            ("http://localhost:99999", false),
            ("http://localhost:x", false),
            ("https://Shop.Example", false),
            ("HTTPS://shop.example", false),
            ("https://bücher.example", false),
            ("https://user@shop.example", false),
            ("https://shop..example", false),
            ("https://.shop.example", false),
            ("https://shop.example?x", false),
            ("https://shop.example#x", false),
            (" https://shop.example", false),
            ("https://127.1", false),
            ("null", false),
        ] {
            let mut candidate = settings();
            candidate.allowed_origins = vec![origin.into()];
            let verdict = validate_settings(&candidate, false);
            if verdict.is_ok() != valid {
                wrong.push(format!("{origin:?}: {verdict:?}"));
            }
        }
        assert!(wrong.is_empty(), "wrong verdicts:\n{}", wrong.join("\n"));
        check(|s| s.theme_color = Some("#2563eb".into()), true);
        check(|s| s.theme_color = Some("blue".into()), false);
        let questions = |list: &[&str]| list.iter().map(|q| q.to_string()).collect();
        check(
            |s| s.suggested_questions = questions(&["Where is my order?"]),
            true,
        );
        check(
            |s| s.suggested_questions = questions(&["a", "b", "c", "d"]),
            true,
        );
        check(
            |s| s.suggested_questions = questions(&["a", "b", "c", "d", "e"]),
            false,
        );
        check(|s| s.suggested_questions = questions(&[" "]), false);
        check(
            |s| s.suggested_questions = questions(&["two\nlines"]),
            false,
        );
        check(
            |s| s.suggested_questions = questions(&[&"蓝".repeat(80)]),
            true,
        );
        check(
            |s| s.suggested_questions = questions(&[&"a".repeat(81)]),
            false,
        );
        check(|s| s.reach_offer_seconds = 0, false);
        check(|s| s.reach_offer_seconds = 5, true);
        check(
            |s| s.reach_offer_seconds = MAX_REACH_OFFER_SECONDS + 1,
            false,
        );
        let assistant = |json: &str| serde_json::from_str(json).ok();
        check(|s| s.assistant = assistant(r#"{"mode": "always"}"#), true);
        check(
            |s| s.assistant = assistant(r#"{"mode": "outsideHours"}"#),
            false,
        );
        check(
            |s| s.assistant = assistant(r#"{"mode": "always", "minConfidence": 2}"#),
            false,
        );
        check(|s| s.retention_seconds = 0, false);
        check(|s| s.retention_seconds = 1, true);
        check(|s| s.retention_seconds = MAX_RETENTION_SECONDS + 1, false);
        check(|s| s.identity_secret = Some("ACME_IDENTITY".into()), true);
        let consent = |text: &str, url: &str| ConsentNotice {
            text: text.into(),
            privacy_url: url.into(),
        };
        let privacy = "https://acme.example/privacy";
        check(
            |s| s.consent = Some(consent("We keep chats 180 days.", privacy)),
            true,
        );
        check(|s| s.consent = Some(consent(" ", privacy)), false);
        check(
            |s| s.consent = Some(consent("Ok", "javascript:alert(1)")),
            false,
        );
        check(
            |s| {
                s.visitor_rate_limit = RateLimit {
                    burst: 0,
                    per_minute: 1,
                }
            },
            false,
        );
        check(
            |s| s.identity_secret = Some("the secret itself!".into()),
            false,
        );
        let hours = |day, open: &str, close: &str| BusinessHours {
            time_zone: "Asia/Shanghai".into(),
            weekly: vec![OpeningSpan {
                day,
                open: open.into(),
                close: close.into(),
            }],
        };
        check(
            |s| s.business_hours = Some(hours(1, "09:00", "18:00")),
            true,
        );
        check(
            |s| s.business_hours = Some(hours(7, "00:00", "24:00")),
            true,
        );
        check(
            |s| s.business_hours = Some(hours(0, "09:00", "18:00")),
            false,
        );
        check(
            |s| s.business_hours = Some(hours(1, "18:00", "09:00")),
            false,
        );
        check(
            |s| s.business_hours = Some(hours(1, "9:00", "18:00")),
            false,
        );
        check(
            |s| s.business_hours = Some(hours(1, "09:00", "24:30")),
            false,
        );
    }

    #[test]
    fn checks_brand_ids() {
        for (raw, valid) in [
            ("demo", true),
            ("acme-2", true),
            ("", false),
            ("Acme", false),
            ("a/b", false),
        ] {
            assert_eq!(parse_brand_id(raw).is_ok(), valid, "{raw:?}");
        }
    }

    #[test]
    fn decodes_rows() {
        let row = BrandRow {
            id: "demo".into(),
            settings: r#"{"name":"Demo","allowedOrigins":["http://127.0.0.1:*"],"future":1}"#
                .into(),
        };
        let brand = Brand::try_from(row).unwrap();
        assert_eq!(
            brand.settings.allowed_origins,
            vec!["http://127.0.0.1:*".to_string()]
        );
        assert_eq!(brand.profile(&images()).name, "Demo");
        assert!(brand.profile(&images()).show_agent_names);
        assert_eq!(brand.profile(&images()).logo_url, None);
        let row = BrandRow {
            id: "demo".into(),
            settings: r#"{"name":"Demo","showAgentNames":false,
                "suggestedQuestions":[" Do you ship to Shanghai? "]}"#
                .into(),
        };
        let profile = Brand::try_from(row).unwrap().profile(&images());
        assert!(!profile.show_agent_names);
        assert_eq!(profile.suggested_questions, ["Do you ship to Shanghai?"]);
        let broken = BrandRow {
            id: "x".into(),
            settings: "not json".into(),
        };
        assert!(Brand::try_from(broken).is_err());
    }
}
