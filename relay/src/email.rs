//! Replies by email, in pure code: a brand's email settings, the visitor's address as the
//! thread keeps it, and the rules around it.
//!
//! The visitor leaves an address; the thread keeps it unverified and queues a verification
//! email with a signed, expiring link ([`refs`]). Once verified, a team reply the visitor has
//! not seen within the brand's delay is emailed ([`compose`]), replies of a burst together;
//! the visitor answers by replying, to `reply+<signed thread ref>@<reply domain>`, and the
//! Worker's `email` handler reads the MIME ([`inbound`]) and strips the quoted history and
//! signature ([`quote`]) before the text joins the thread. The edge (`edge/email.rs` and
//! the thread object's `email.rs`) does the IO.

pub mod compose;
pub mod inbound;
pub mod quote;
pub mod refs;

use crate::error::RelayError;
use serde::{Deserialize, Serialize};

/// How long a team reply waits, unseen, before it is emailed, unless the brand says.
pub const DEFAULT_DELAY_SECONDS: u32 = 180;

/// The longest delay a brand may set: a day.
pub const MAX_DELAY_SECONDS: u32 = 24 * 60 * 60;

/// How long a verification link works: a day.
pub const VERIFY_LINK_LIFETIME_MS: u64 = 24 * 60 * 60 * 1000;

/// Verification emails one thread may ask for within [`VERIFY_WINDOW_MS`]: enough to fix
/// a typo, too few to use the relay to pester somebody else's inbox.
pub const VERIFY_REQUESTS_PER_WINDOW: usize = 3;

/// The window [`VERIFY_REQUESTS_PER_WINDOW`] counts in: an hour.
pub const VERIFY_WINDOW_MS: u64 = 60 * 60 * 1000;

/// The most team messages one email carries (the latest of them).
pub const MAX_MESSAGES_PER_EMAIL: usize = 10;

/// Which email a delivery job sends (the job's `Target::Email`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum EmailKind {
    /// The verification email of the address with this nonce (nothing goes if the visitor
    /// gave another address since).
    Verification {
        /// The address's nonce.
        nonce: String,
    },
    /// The team's replies the visitor has not seen (one pending job per thread).
    Replies,
}

/// A brand's email settings (`email` in its settings).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmailSettings {
    /// The sender address, on a domain the brand's Cloudflare account sends from.
    pub from: String,
    /// The sender's display name; the brand's name if absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_name: Option<String>,
    /// The domain whose Email Routing hands replies to this Worker
    /// (`reply+<ref>@<replyDomain>`).
    pub reply_domain: String,
    /// The brand's page that "Continue the conversation" opens (with a resume code); on
    /// one of the brand's allowed origins.
    pub page: String,
    /// How long a team reply waits unseen before it is emailed, in seconds.
    #[serde(default = "default_delay")]
    pub delay_seconds: u32,
}

fn default_delay() -> u32 {
    DEFAULT_DELAY_SECONDS
}

impl EmailSettings {
    /// Checks the settings; the message says what to fix. `page_allowed` says whether the
    /// page's origin is one of the brand's.
    pub fn validate(&self, page_allowed: impl Fn(&str) -> bool) -> Result<(), String> {
        validate_address(&self.from).map_err(|_| {
            format!(
                "email.from {:?} must be an address such as support@shop.example",
                self.from
            )
        })?;
        let domain = self.reply_domain.as_str();
        let domain_ok = (3..=253).contains(&domain.len())
            && domain.contains('.')
            && domain
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
        if !domain_ok {
            return Err(format!(
                "email.replyDomain {domain:?} must be a domain such as reply.shop.example"
            ));
        }
        if let Some(name) = &self.from_name {
            if name.trim().is_empty()
                || name.chars().count() > 100
                || name.chars().any(char::is_control)
            {
                return Err("email.fromName has 1 to 100 characters on one line".into());
            }
        }
        let page = url::Url::parse(&self.page).map_err(|error| format!("email.page: {error}"))?;
        if !matches!(page.scheme(), "http" | "https")
            || !page_allowed(&page.origin().ascii_serialization())
        {
            return Err("email.page must be a page on one of the brand's allowed origins".into());
        }
        if !(1..=MAX_DELAY_SECONDS).contains(&self.delay_seconds) {
            return Err(format!(
                "email.delaySeconds must be from 1 to {MAX_DELAY_SECONDS}"
            ));
        }
        Ok(())
    }
}

/// Checks a visitor's address and gives it as the relay keeps it (trimmed, its domain in
/// lower case). The rules are those of an address one can send to (RFC 5321's lengths,
/// a dot in the domain, no spaces, quotes or angle brackets), not the whole RFC 5322
/// grammar: an address with comments or quoted parts is refused rather than guessed at.
pub fn validate_address(raw: &str) -> Result<String, RelayError> {
    let invalid = |reason: &str| RelayError::InvalidParameter {
        name: "address",
        reason: reason.to_string(),
    };
    let address = raw.trim();
    if address.len() > 254 {
        return Err(invalid("is longer than 254 characters"));
    }
    let (local, domain) = address
        .rsplit_once('@')
        .ok_or_else(|| invalid("has no @"))?;
    let bad_char = |c: char| c.is_control() || c.is_whitespace() || "<>()[]\\,;:\"@".contains(c);
    if local.is_empty() || local.len() > 64 || local.chars().any(bad_char) {
        return Err(invalid("has no valid part before the @"));
    }
    let labels_ok = domain
        .split('.')
        .all(|label| !label.is_empty() && label.len() <= 63 && !label.starts_with('-'));
    if !domain.contains('.') || !labels_ok || domain.chars().any(bad_char) {
        return Err(invalid("has no valid domain"));
    }
    Ok(format!("{local}@{}", domain.to_lowercase()))
}

/// An address as the widget shows it: its first character, then `***`, then the domain
/// (`a***@example.com`), so a page's scripts and a shoulder-surfer see no more.
pub fn mask(address: &str) -> String {
    match address.rsplit_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".into(),
    }
}

/// Whether two addresses are the same mailbox as far as the relay compares them: the
/// domain ignoring case, the local part too (every common provider ignores its case).
pub fn same_address(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// The languages emails are written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Language {
    /// English (the default).
    #[serde(rename = "en")]
    En,
    /// Simplified Chinese.
    #[serde(rename = "zh-CN")]
    ZhCn,
}

impl Language {
    /// The language for a BCP 47 tag the widget sent: Chinese for `zh` (but the
    /// traditional-script tags, which get English rather than the wrong script), else
    /// English.
    pub fn from_tag(tag: Option<&str>) -> Language {
        let tag = tag.unwrap_or("").to_ascii_lowercase();
        let traditional = ["zh-tw", "zh-hk", "zh-mo", "zh-hant"]
            .iter()
            .any(|prefix| tag.starts_with(prefix));
        match (tag == "zh" || tag.starts_with("zh-"), traditional) {
            (true, false) => Language::ZhCn,
            _ => Language::En,
        }
    }
}

/// The thread's email address, as its object keeps it (in `meta`, so that erasure removes
/// it with everything else).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmailState {
    /// The address.
    pub address: String,
    /// Random, per address: names it in its verification and unsubscribe links, so that a
    /// link for an earlier address never acts on a later one.
    pub nonce: String,
    /// Whether the visitor followed the verification link.
    pub verified: bool,
    /// Until when the verification link works (ms).
    pub verify_expires_at: u64,
    /// The language of the emails.
    pub language: Language,
    /// The last team message the visitor has seen (read in the widget, or emailed).
    #[serde(default)]
    pub seen_seq: u64,
    /// Whether a replies job is armed and has not yet decided what it sends: a reply that
    /// comes meanwhile goes with it; one that comes after it decided gets a job of its own.
    #[serde(default)]
    pub replies_pending: bool,
}

/// Counts a verification request at `now` in `requests` (when the thread asked, within
/// the last window; kept apart from the address, so removing it does not reset the count):
/// `Err(seconds)` to wait if it asked [`VERIFY_REQUESTS_PER_WINDOW`] times already.
pub fn count_request(requests: &mut Vec<u64>, now: u64) -> Result<(), u64> {
    requests.retain(|at| now < at.saturating_add(VERIFY_WINDOW_MS));
    if requests.len() >= VERIFY_REQUESTS_PER_WINDOW {
        let oldest = requests.iter().min().copied().unwrap_or(now);
        let wait_ms = oldest.saturating_add(VERIFY_WINDOW_MS).saturating_sub(now);
        return Err(wait_ms.div_ceil(1000).max(1));
    }
    requests.push(now);
    Ok(())
}

/// What the widget is told of the thread's address (`Session.email`).
pub fn status_of(state: &EmailState) -> confab_protocol::api::EmailStatus {
    confab_protocol::api::EmailStatus {
        state: match state.verified {
            true => confab_protocol::api::EmailVerification::Verified,
            false => confab_protocol::api::EmailVerification::Pending,
        },
        address: mask(&state.address),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_checked_and_kept_with_a_lower_case_domain() {
        let cases: &[(&str, Option<&str>)] = &[
            ("ann@example.com", Some("ann@example.com")),
            (
                "  Ann.Lee+chat@Example.COM ",
                Some("Ann.Lee+chat@example.com"),
            ),
            ("王@例子.中国", Some("王@例子.中国")),
            ("ann@localhost", None),
            ("ann", None),
            ("@example.com", None),
            ("ann@", None),
            ("ann lee@example.com", None),
            ("ann@exa mple.com", None),
            ("<ann@example.com>", None),
            ("ann@example.com\r\nBcc: eve@example.com", None),
            ("ann@@example.com", None),
            ("ann@-example.com", None),
            ("ann@example..com", None),
        ];
        for (raw, expected) in cases {
            assert_eq!(validate_address(raw).ok().as_deref(), *expected, "{raw:?}");
        }
        let long_local = format!("{}@example.com", "a".repeat(65));
        assert!(validate_address(&long_local).is_err());
    }

    #[test]
    fn masks_show_the_first_character_and_the_domain() {
        assert_eq!(mask("ann@example.com"), "a***@example.com");
        assert_eq!(mask("王小明@例子.中国"), "王***@例子.中国");
        assert_eq!(mask("nonsense"), "***");
    }

    #[test]
    fn languages_follow_the_widgets_tag() {
        let cases = [
            (Some("zh-CN"), Language::ZhCn),
            (Some("zh"), Language::ZhCn),
            (Some("zh-Hans-CN"), Language::ZhCn),
            (Some("zh-TW"), Language::En),
            (Some("zh-Hant"), Language::En),
            (Some("en-GB"), Language::En),
            (Some("fr"), Language::En),
            (None, Language::En),
        ];
        for (tag, expected) in cases {
            assert_eq!(Language::from_tag(tag), expected, "{tag:?}");
        }
    }

    #[test]
    fn verification_requests_are_limited_per_window() {
        let mut requests = Vec::new();
        for at in [0, 10, 20] {
            assert_eq!(count_request(&mut requests, at), Ok(()));
        }
        assert_eq!(
            count_request(&mut requests, 1_000),
            Err((VERIFY_WINDOW_MS - 1_000) / 1000)
        );
        // Once the first request leaves the window, one more may go.
        assert_eq!(count_request(&mut requests, VERIFY_WINDOW_MS), Ok(()));
        assert!(count_request(&mut requests, VERIFY_WINDOW_MS + 1).is_err());
    }

    #[test]
    fn settings_are_checked() {
        let good = EmailSettings {
            from: "support@shop.example".into(),
            from_name: None,
            reply_domain: "reply.shop.example".into(),
            page: "https://shop.example/help".into(),
            delay_seconds: DEFAULT_DELAY_SECONDS,
        };
        let allowed = |origin: &str| origin == "https://shop.example";
        assert_eq!(good.validate(allowed), Ok(()));
        let broken: [fn(&mut EmailSettings); 6] = [
            |s| s.from = "support".into(),
            |s| s.reply_domain = "reply shop".into(),
            |s| s.page = "https://elsewhere.example/".into(),
            |s| s.page = "javascript:alert(1)".into(),
            |s| s.delay_seconds = 0,
            |s| s.from_name = Some("a\nb".into()),
        ];
        for (index, breaks) in broken.iter().enumerate() {
            let mut settings = good.clone();
            breaks(&mut settings);
            assert!(settings.validate(allowed).is_err(), "case {index}");
        }
        let parsed: EmailSettings = serde_json::from_str(
            r#"{"from":"a@b.example","replyDomain":"r.b.example","page":"https://b.example/"}"#,
        )
        .unwrap();
        assert_eq!(parsed.delay_seconds, DEFAULT_DELAY_SECONDS);
    }
}
