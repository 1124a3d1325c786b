//! Brand webhooks: events POSTed as JSON to the brand's own backend, signed so that the
//! receiver knows they come from the relay and are fresh.
//!
//! `Confab-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
//! Receivers recompute the HMAC over the raw body and reject a mismatch or a `t` older than
//! five minutes ([`verify`] is the reference). Events: `thread.created`, `message.created`,
//! `message.status`.

use crate::brand::valid_secret_name;
use crate::error::RelayError;
use confab_protocol::{BrandId, Message, ThreadId, Timestamp};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::net::IpAddr;

/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "Confab-Signature";

/// How old a signed event may be when it arrives.
pub const TOLERANCE_SECONDS: u64 = 300;

/// A brand's webhook settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookSettings {
    /// Where events go: https, on a public address.
    pub url: String,
    /// The Worker secret the events are signed with.
    pub secret: String,
}

impl WebhookSettings {
    /// Checks the settings (`allow_local`: development and tests may use this machine).
    pub fn validate(&self, allow_local: bool) -> Result<(), String> {
        check_url(&self.url, allow_local)?;
        if !valid_secret_name(&self.secret) {
            return Err(format!(
                "webhook.secret names a Worker secret (A-Z, 0-9, _), not {:?}",
                self.secret
            ));
        }
        Ok(())
    }
}

/// Checks a webhook URL: https to a public host. Loopback, private, link-local and other
/// special addresses, and `localhost`, are refused (the relay must not be turned against
/// its own network), unless `allow_local`, where plain http to loopback is fine too.
pub fn check_url(url: &str, allow_local: bool) -> Result<(), String> {
    let refuse = |why: &str| Err(format!("webhook URL {url:?} {why}"));
    let (scheme, rest) = match url.split_once("://") {
        Some(parts) => parts,
        None => return refuse("is not an absolute URL"),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') || authority.is_empty() {
        return refuse("needs a host (and no user name)");
    }
    let host = match authority.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or(""),
        None => authority
            .rsplit_once(':')
            .map_or(authority, |(host, _)| host),
    }
    .to_ascii_lowercase();
    let local = host == "localhost"
        || host.ends_with(".localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| !is_public(ip));
    match (scheme, local, allow_local) {
        (_, true, false) => refuse("points at a private or loopback address"),
        ("https", _, _) | ("http", true, true) => Ok(()),
        _ => refuse("must use https"),
    }
}

/// Whether an address is reachable on the public internet (not loopback, private,
/// link-local, shared, documentation, multicast, unspecified or a v4-mapped one of those).
fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_multicast()
                || a == 0
                || (a == 100 && (64..128).contains(&b)))
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public(IpAddr::V4(v4)),
            None => {
                let first = v6.segments()[0];
                !(v6.is_loopback()
                    || v6.is_unspecified()
                    || v6.is_multicast()
                    || (first & 0xfe00) == 0xfc00
                    || (first & 0xffc0) == 0xfe80)
            }
        },
    }
}

/// The kinds of events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventKind {
    /// A visitor started a thread.
    #[serde(rename = "thread.created")]
    ThreadCreated,
    /// A message was stored (from any side and channel).
    #[serde(rename = "message.created")]
    MessageCreated,
    /// A message's delivery status changed.
    #[serde(rename = "message.status")]
    MessageStatus,
    /// The visitor carried the thread onto WhatsApp.
    #[serde(rename = "thread.linked")]
    ThreadLinked,
}

/// One event as the brand receives it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// Unique per event: receivers de-duplicate redeliveries by it.
    pub id: String,
    /// What happened.
    #[serde(rename = "type")]
    pub kind: EventKind,
    /// When, in milliseconds since the epoch.
    pub created_at: Timestamp,
    /// The brand.
    pub brand: BrandId,
    /// The thread.
    pub thread_id: ThreadId,
    /// The message, for message events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Message>,
}

/// The `Confab-Signature` value for `body` sent at `timestamp` (unix seconds).
pub fn sign(secret: &[u8], timestamp: u64, body: &str) -> Result<String, RelayError> {
    let mac = mac(secret, timestamp, body)?;
    Ok(format!(
        "t={timestamp},v1={}",
        hex::encode(mac.finalize().into_bytes())
    ))
}

fn mac(secret: &[u8], timestamp: u64, body: &str) -> Result<Hmac<Sha256>, RelayError> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret)
        .map_err(|e| RelayError::Internal(format!("webhook key: {e}")))?;
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    Ok(mac)
}

/// Verifies a `Confab-Signature` as a receiver must: an HMAC matches (compared in constant
/// time) and `t` is at most [`TOLERANCE_SECONDS`] from `now` (unix seconds).
pub fn verify(secret: &[u8], header: &str, body: &str, now: u64) -> Result<(), RelayError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => timestamp = value.parse::<u64>().ok(),
            Some(("v1", value)) => signatures.extend(hex::decode(value).ok()),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(RelayError::InvalidWebhookSignature)?;
    if now.abs_diff(timestamp) > TOLERANCE_SECONDS {
        return Err(RelayError::InvalidWebhookSignature);
    }
    let expected = mac(secret, timestamp, body)?;
    signatures
        .iter()
        .any(|signature| expected.clone().verify_slice(signature).is_ok())
        .then_some(())
        .ok_or(RelayError::InvalidWebhookSignature)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_url_case(url: &str, allow_local: bool, ok: bool) {
        assert_eq!(
            check_url(url, allow_local).is_ok(),
            ok,
            "{url} (local {allow_local})"
        );
    }

    #[test]
    fn webhook_urls_must_be_public_https() {
        for (url, in_production, in_development) in [
            ("https://crm.example.com/confab", true, true),
            ("https://93.184.216.34/hook", true, true),
            ("http://crm.example.com/confab", false, false),
            ("https://localhost/hook", false, true),
            ("http://127.0.0.1:8080/hook", false, true),
            ("https://10.0.0.5/hook", false, true),
            ("https://192.168.1.1/hook", false, true),
            ("https://169.254.169.254/latest", false, true),
            ("https://100.64.0.1/hook", false, true),
            ("https://[::1]/hook", false, true),
            ("https://[fd00::1]/hook", false, true),
            ("https://[::ffff:10.0.0.1]/hook", false, true),
            ("https://0.0.0.0/hook", false, true),
            ("https://user@crm.example.com/", false, false),
            ("ftp://crm.example.com/", false, false),
            ("crm.example.com", false, false),
        ] {
            check_url_case(url, false, in_production);
            check_url_case(url, true, in_development);
        }
    }

    #[test]
    fn signatures_verify_and_expire() {
        let secret = b"whsec";
        let body = r#"{"type":"message.created"}"#;
        let header = sign(secret, 1_795_000_000, body).unwrap();
        assert!(header.starts_with("t=1795000000,v1="));
        let check = |header: &str, body: &str, now: u64, ok: bool| {
            assert_eq!(
                verify(secret, header, body, now).is_ok(),
                ok,
                "{header} at {now}"
            );
        };
        check(&header, body, 1_795_000_000, true);
        check(&header, body, 1_795_000_300, true);
        check(&header, body, 1_795_000_301, false);
        check(
            &header,
            &body.replace("created", "status"),
            1_795_000_000,
            false,
        );
        check(
            &sign(b"other", 1_795_000_000, body).unwrap(),
            body,
            1_795_000_000,
            false,
        );
        check("v1=00", body, 1_795_000_000, false);
        check("", body, 1_795_000_000, false);
    }

    #[test]
    fn events_have_stable_names() {
        let event = Event {
            id: "ev1".into(),
            kind: EventKind::ThreadCreated,
            created_at: Timestamp(5),
            brand: BrandId::new("acme"),
            thread_id: ThreadId::new("t1"),
            message: None,
        };
        assert_eq!(
            serde_json::to_string(&event).unwrap(),
            r#"{"id":"ev1","type":"thread.created","createdAt":5,"brand":"acme","threadId":"t1"}"#
        );
    }
}
