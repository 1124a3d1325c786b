//! Connectors: how the relay talks to the places a brand's team works — Telegram and the
//! brand's own backend (signed webhooks) — and to WhatsApp and WeChat, where visitors may
//! continue.
//!
//! Each connector builds its provider's requests and reads its answers and webhooks in pure
//! code, tested natively from recorded payloads; the edge only moves the bytes. Provider
//! payloads never leave their connector: what comes out is the relay's own types
//! ([`Delivery`], [`telegram::Update`], …).

pub mod form;
pub mod probe;
pub mod telegram;
pub mod webhook;
pub mod wechat;
pub mod whatsapp;

use serde::{Deserialize, Serialize};

/// A brand's connectors, as its settings hold them. Settings name Worker secrets; they never
/// hold one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connectors {
    /// The team's Telegram group, one forum topic per thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub telegram: Option<telegram::TelegramSettings>,
    /// The brand's own backend, which receives signed events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook: Option<webhook::WebhookSettings>,
    /// The brand's WhatsApp number, onto which visitors can carry their thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub whatsapp: Option<whatsapp::WhatsappSettings>,
    /// The brand's WeChat Official Account, onto which visitors can carry their thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wechat: Option<wechat::WechatSettings>,
}

impl Connectors {
    /// Whether no connector is set.
    pub fn is_empty(&self) -> bool {
        self.telegram.is_none()
            && self.webhook.is_none()
            && self.whatsapp.is_none()
            && self.wechat.is_none()
    }

    /// Which connectors a thread's messages go to.
    pub fn forwarding(&self) -> Forwarding {
        Forwarding {
            telegram: self.telegram.is_some(),
            webhook: self.webhook.is_some(),
        }
    }

    /// Checks the settings; the message says what to fix. `allow_local` permits webhook
    /// URLs on this machine (development and tests only).
    pub fn validate(&self, allow_local: bool) -> Result<(), String> {
        if let Some(telegram) = &self.telegram {
            telegram.validate()?;
        }
        if let Some(webhook) = &self.webhook {
            webhook.validate(allow_local)?;
        }
        if let Some(whatsapp) = &self.whatsapp {
            whatsapp.validate()?;
        }
        if let Some(wechat) = &self.wechat {
            wechat.validate()?;
        }
        Ok(())
    }
}

/// Which connectors a thread forwards to (what the thread's object needs to know to enqueue
/// jobs; the consumer reads the full settings).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Forwarding {
    /// Visitor messages go to the brand's Telegram group.
    #[serde(default)]
    pub telegram: bool,
    /// Events go to the brand's webhook.
    #[serde(default)]
    pub webhook: bool,
}

pub use confab_protocol::message::FailureReason;

/// Why an attempt failed: a [`FailureReason`], the only thing visitors and the brand's
/// webhook see, and a detail for the operator (logs, dead jobs), scrubbed of URLs' paths
/// and queries and of anything that looks like a token ([`scrub`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// What it comes to.
    pub reason: FailureReason,
    /// The provider's HTTP status (or its own error code in the Bot API), if it answered.
    pub status: Option<u16>,
    detail: String,
}

impl Failure {
    /// A failure for `reason`, with `detail` scrubbed.
    pub fn new(reason: FailureReason, detail: impl AsRef<str>) -> Failure {
        Failure {
            reason,
            status: None,
            detail: scrub(detail.as_ref()),
        }
    }

    /// The same failure, answered with `status`.
    pub fn with_status(mut self, status: u16) -> Failure {
        self.status = Some(status);
        self
    }

    /// The same failure, with every occurrence of a secret's value taken out of the
    /// detail (a provider may quote the token it was sent).
    pub fn without(mut self, secret: &str) -> Failure {
        if secret.len() >= 4 {
            self.detail = self.detail.replace(secret, REDACTED);
        }
        self
    }

    /// The scrubbed detail, for logs and dead jobs.
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// What a message that failed this way shows: the reason's sentence, nothing of the
    /// provider's.
    pub fn visitor_text(&self) -> &'static str {
        self.reason.text()
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.reason.code(), self.detail)
    }
}

/// What an attempt to deliver came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// The provider took it.
    Delivered,
    /// It failed in a way that may pass (5xx, timeouts, refused connections).
    Retry {
        /// What went wrong, for the log and, if it never passes, for the visitor.
        failure: Failure,
        /// How long the provider asked to wait, if it did.
        after_seconds: Option<u32>,
    },
    /// The provider asks to slow down (429): try again after the delay, without counting
    /// it as a failed attempt.
    RateLimited {
        /// What the provider said.
        failure: Failure,
        /// How long to wait.
        after_seconds: u32,
    },
    /// The provider refused it for good (4xx, redirects, bad settings): retrying cannot
    /// help.
    Refused {
        /// Why.
        failure: Failure,
    },
}

impl Delivery {
    /// A retry for `reason`, as soon as the backoff allows.
    pub fn retry(reason: FailureReason, detail: impl AsRef<str>) -> Delivery {
        Delivery::Retry {
            failure: Failure::new(reason, detail),
            after_seconds: None,
        }
    }

    /// A refusal for `reason`.
    pub fn refused(reason: FailureReason, detail: impl AsRef<str>) -> Delivery {
        Delivery::Refused {
            failure: Failure::new(reason, detail),
        }
    }

    /// The same outcome, with a secret's value taken out of its detail.
    pub fn without(self, secret: &str) -> Delivery {
        self.map_failure(|failure| failure.without(secret))
    }

    /// The same outcome, answered with `status`.
    pub fn with_status(self, status: u16) -> Delivery {
        self.map_failure(|failure| failure.with_status(status))
    }

    fn map_failure(self, change: impl FnOnce(Failure) -> Failure) -> Delivery {
        match self {
            Delivery::Delivered => Delivery::Delivered,
            Delivery::Retry {
                failure,
                after_seconds,
            } => Delivery::Retry {
                failure: change(failure),
                after_seconds,
            },
            Delivery::RateLimited {
                failure,
                after_seconds,
            } => Delivery::RateLimited {
                failure: change(failure),
                after_seconds,
            },
            Delivery::Refused { failure } => Delivery::Refused {
                failure: change(failure),
            },
        }
    }
}

/// How an HTTP status of a provider's answer reads, when the body says no more. A redirect
/// is a refusal: deliveries go where the settings say, or nowhere.
pub fn by_status(status: u16, retry_after: Option<u32>, detail: &str) -> Delivery {
    let detail = format!(
        "HTTP {status}{}{detail}",
        if detail.is_empty() { "" } else { ": " }
    );
    let delivery = match status {
        200..=299 => Delivery::Delivered,
        300..=399 => Delivery::refused(FailureReason::Redirected, detail),
        429 => Delivery::RateLimited {
            failure: Failure::new(FailureReason::ProviderUnavailable, detail),
            after_seconds: retry_after.unwrap_or(1),
        },
        408 => Delivery::Retry {
            failure: Failure::new(FailureReason::TimedOut, detail),
            after_seconds: retry_after,
        },
        500..=599 => Delivery::Retry {
            failure: Failure::new(FailureReason::ProviderUnavailable, detail),
            after_seconds: retry_after,
        },
        401 => Delivery::refused(FailureReason::NotConfigured, detail),
        413 => Delivery::refused(FailureReason::TooLarge, detail),
        _ => Delivery::refused(FailureReason::ProviderRejected, detail),
    };
    delivery.with_status(status)
}

/// What [`scrub`] puts in place of what it takes out.
const REDACTED: &str = "[redacted]";

/// A detail fit for logs and dead jobs: URLs keep their scheme and host but lose user,
/// path, query and fragment (a Telegram URL carries the bot's token, a query may carry an
/// access token); paths lose everything after their first segment's host; what looks like
/// a Telegram bot token (`bot<digits>:<token>`, or a bare `<digits>:<token>`), the word
/// after `Bearer`, the value of a `…token=`, `…secret=`, `…key=` or `…signature=` pair and
/// any long opaque run of token characters (an access token) become `[redacted]`. Names of
/// secrets stay: they tell the operator what to set, and visitors never see a detail.
pub fn scrub(detail: &str) -> String {
    let mut out = String::with_capacity(detail.len());
    let mut redact_next = false;
    for piece in detail.split_inclusive(char::is_whitespace) {
        let word = piece.trim_end_matches(char::is_whitespace);
        let (lead, core, trail) = split_word(word);
        if core.is_empty() {
            out.push_str(piece);
            continue;
        }
        if redact_next {
            out.push_str(REDACTED);
            redact_next = false;
        } else {
            redact_next = core.eq_ignore_ascii_case("bearer");
            out.push_str(lead);
            out.push_str(&scrub_core(core));
            out.push_str(trail);
        }
        out.push_str(&piece[word.len()..]);
    }
    out
}

/// Characters tokens are made of.
fn token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// A word's leading quotes and brackets, its core, and its trailing punctuation.
fn split_word(word: &str) -> (&str, &str, &str) {
    let start = word
        .find(|c: char| !"\"'(<[{`".contains(c))
        .unwrap_or(word.len());
    let end = word
        .rfind(|c: char| !"\"')>]},.;:`".contains(c))
        .map_or(start, |end| {
            end + word[end..].chars().next().map_or(1, char::len_utf8)
        })
        .max(start);
    (&word[..start], &word[start..end], &word[end..])
}

fn scrub_core(core: &str) -> String {
    if let Some((scheme, rest)) = core.split_once("://") {
        let authority_end = rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
        let authority = &rest[..authority_end];
        let host = authority
            .rsplit_once('@')
            .map_or(authority, |(_, host)| host);
        let dropped = authority_end < rest.len() || host.len() < authority.len();
        return format!(
            "{}://{}{}",
            scrub_tokens(scheme),
            scrub_tokens(host),
            if dropped { "/…" } else { "" }
        );
    }
    if let Some((head, _)) = core.split_once(['/', '?']) {
        // A path, or an address without its scheme (a mistyped API base): its first
        // segment, if it names a host, and nothing after.
        let host = head.contains('.') || head.contains(':') || head == "localhost";
        if head.is_empty() || host {
            return format!("{}/…", scrub_tokens(head));
        }
    }
    if let Some((key, _)) = core.split_once('=') {
        let key_lower = key.to_ascii_lowercase();
        if [
            "token",
            "secret",
            "key",
            "signature",
            "password",
            "authorization",
        ]
        .iter()
        .any(|word| key_lower.ends_with(word))
        {
            return format!("{key}={REDACTED}");
        }
    }
    scrub_tokens(core)
}

/// Takes bot tokens (`bot123:ABC…`, `123456:ABC…`) and long opaque runs out of `text`.
fn scrub_tokens(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let start_of_run = i == 0 || !token_char(chars[i - 1]);
        if start_of_run && token_char(chars[i]) {
            let end = (i..chars.len())
                .find(|&j| !token_char(chars[j]))
                .unwrap_or(chars.len());
            let run: String = chars[i..end].iter().collect();
            if let Some(token_end) = bot_token_end(&chars, i, end) {
                let keep = if run.starts_with("bot") { "bot" } else { "" };
                out.push_str(keep);
                out.push_str(REDACTED);
                i = token_end;
                continue;
            }
            if end - i >= 64 {
                out.push_str(REDACTED);
            } else {
                out.push_str(&run);
            }
            i = end;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// Where a Telegram bot token starting at `start` (a run of token characters ending at
/// `run_end`) ends: `bot<digits>:<token>` with any token, or `<5+ digits>:<20+ token
/// characters>` without the prefix.
fn bot_token_end(chars: &[char], start: usize, run_end: usize) -> Option<usize> {
    let prefixed = chars[start..run_end].starts_with(&['b', 'o', 't']);
    let digits_start = if prefixed { start + 3 } else { start };
    let digits = chars[digits_start..run_end]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count();
    let colon = digits_start + digits;
    if digits == 0 || colon != run_end || chars.get(colon) != Some(&':') {
        return None;
    }
    let token = chars[colon + 1..]
        .iter()
        .take_while(|&&c| token_char(c))
        .count();
    let long_enough = if prefixed {
        token >= 1
    } else {
        digits >= 5 && token >= 20
    };
    long_enough.then_some(colon + 1 + token)
}

/// A team message as the visitor reads it in a messaging app (WhatsApp, WeChat): its
/// writer's name on a line of its own when the brand shows names (as the widget does),
/// then its text and a line naming each file.
pub fn team_text(message: &confab_protocol::Message, show_names: bool) -> String {
    let body = crate::attachment::text_with_files(message);
    match message.sender.as_ref().filter(|_| show_names) {
        Some(sender) => format!("{}:\n{body}", sender.name),
        None => body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn team_messages_are_signed_where_the_brand_shows_names() {
        use confab_protocol::{
            Author, Channel, ClientMessageId, DeliveryStatus, Message, MessageId, Sender, Seq,
            Timestamp,
        };
        let message = |sender: Option<&str>| Message {
            id: MessageId::new("m"),
            client_id: ClientMessageId::new("c"),
            seq: Seq(2),
            author: Author::Agent,
            channel: Channel::Api,
            text: "Yes, in blue.".into(),
            created_at: Timestamp(0),
            status: DeliveryStatus::Sent,
            failure: None,
            sender: sender.and_then(|name| Sender::from_names([name])),
            attachments: Vec::new(),
            replies: Vec::new(),
        };
        for (sender, show_names, expected) in [
            (Some("Ana Silva"), true, "Ana Silva:\nYes, in blue."),
            (Some("Ana Silva"), false, "Yes, in blue."),
            (None, true, "Yes, in blue."),
        ] {
            assert_eq!(
                team_text(&message(sender), show_names),
                expected,
                "{sender:?}"
            );
        }
    }

    fn check(status: u16, retry_after: Option<u32>, expected: Delivery) {
        assert_eq!(
            by_status(status, retry_after, "x"),
            expected.with_status(status),
            "{status}"
        );
    }

    #[test]
    fn reads_statuses() {
        check(200, None, Delivery::Delivered);
        check(204, None, Delivery::Delivered);
        let retry = |after_seconds| Delivery::Retry {
            failure: Failure::new(FailureReason::ProviderUnavailable, "HTTP 503: x"),
            after_seconds,
        };
        check(503, None, retry(None));
        check(503, Some(7), retry(Some(7)));
        check(
            429,
            Some(3),
            Delivery::RateLimited {
                failure: Failure::new(FailureReason::ProviderUnavailable, "HTTP 429: x"),
                after_seconds: 3,
            },
        );
        check(
            408,
            None,
            Delivery::retry(FailureReason::TimedOut, "HTTP 408: x"),
        );
        check(
            404,
            None,
            Delivery::refused(FailureReason::ProviderRejected, "HTTP 404: x"),
        );
        check(
            401,
            None,
            Delivery::refused(FailureReason::NotConfigured, "HTTP 401: x"),
        );
        check(
            413,
            None,
            Delivery::refused(FailureReason::TooLarge, "HTTP 413: x"),
        );
    }

    #[test]
    fn redirects_are_refusals_never_retried() {
        for status in [301, 302, 303, 307, 308] {
            check(
                status,
                Some(5),
                Delivery::refused(FailureReason::Redirected, format!("HTTP {status}: x")),
            );
        }
    }

    fn check_scrub(detail: &str, expected: &str) {
        assert_eq!(scrub(detail), expected, "{detail}");
    }

    #[test]
    fn scrubbing_takes_tokens_and_urls_out_of_details() {
        // A Telegram method URL carries the bot's token in its path.
        check_scrub(
            "bad provider URL https://api.telegram.org/bot123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage: TypeError: Invalid URL",
            "bad provider URL https://api.telegram.org/…: TypeError: Invalid URL",
        );
        // A mistyped API base: no scheme, the same path.
        check_scrub(
            "bad provider URL api.telegram.org/bot4242:fake-bot-token/sendMessage: Invalid URL",
            "bad provider URL api.telegram.org/…: Invalid URL",
        );
        // A provider quoting the path it was called on, in its JSON words.
        check_scrub(
            r#"HTTP 404: Telegram: {"description":"Not Found: /bot4242:fake-bot-token/sendMessage"}"#,
            r#"HTTP 404: Telegram: {"description":"Not Found: /…"}"#,
        );
        check_scrub(
            "token bot4242:fake-bot-token and 123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
            "token bot[redacted] and [redacted]",
        );
        // WhatsApp: a bearer token, a query's access token, a long opaque token.
        let access = "EAAGm0PX4ZCpsBAKZCZBhT0ZAbZC9ZB2ZCZAdZAeZB6ZCHZCqjZA3ZCwDIx7ZBZBZCdZCZBZA4ZClZCZBZA1ZBZCZAwZD";
        check_scrub(
            &format!("Authorization: Bearer {access} refused"),
            "Authorization: Bearer [redacted] refused",
        );
        check_scrub(
            &format!(
                "unreachable: https://graph.facebook.com/v21.0/1065/messages?access_token={access}"
            ),
            "unreachable: https://graph.facebook.com/…",
        );
        check_scrub(
            &format!("WhatsApp 190: Invalid OAuth access token {access}."),
            "WhatsApp 190: Invalid OAuth access token [redacted].",
        );
        check_scrub(
            "sent with access_token=abc123",
            "sent with access_token=[redacted]",
        );
        check_scrub(
            "https://user:pass@crm.example.com:8443/hook?sig=1 refused",
            "https://crm.example.com:8443/… refused",
        );
        // Names of secrets tell the operator what to set; plain words and times stay.
        check_scrub(
            "the Worker secret DEMO_TELEGRAM_TOKEN is not set",
            "the Worker secret DEMO_TELEGRAM_TOKEN is not set",
        );
        check_scrub(
            "HTTP 503: Telegram: Bad Gateway at 12:30 (retry)\nagain… 两天",
            "HTTP 503: Telegram: Bad Gateway at 12:30 (retry)\nagain… 两天",
        );
        check_scrub("", "");
    }

    #[test]
    fn failures_show_their_reason_and_keep_a_scrubbed_detail() {
        let failure = Failure::new(
            FailureReason::NotConfigured,
            "the Worker secret ACME_TOKEN is not set; called https://api.telegram.org/bot1:secret-value/getMe",
        );
        assert_eq!(failure.visitor_text(), FailureReason::NotConfigured.text());
        assert!(!failure.visitor_text().contains("ACME_TOKEN"));
        assert_eq!(
            failure.detail(),
            "the Worker secret ACME_TOKEN is not set; called https://api.telegram.org/…"
        );
        let quoted = Failure::new(
            FailureReason::ProviderRejected,
            "token s3cr3t-value refused",
        )
        .without("s3cr3t-value");
        assert_eq!(quoted.detail(), "token [redacted] refused");
        assert_eq!(
            quoted.to_string(),
            "provider_rejected: token [redacted] refused"
        );
    }

    #[test]
    fn settings_are_optional_and_tolerant() {
        let connectors: Connectors = serde_json::from_str(r#"{"slack": {"x": 1}}"#).unwrap();
        assert!(connectors.is_empty());
        assert_eq!(connectors.forwarding(), Forwarding::default());
    }
}
