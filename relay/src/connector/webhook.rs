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
use url::{Host, Url};

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
/// special addresses, and `localhost` and other names that only mean something inside a
/// network, are refused (the relay must not be turned against its own network), unless
/// `allow_local`, where plain http to those is fine too.
pub fn check_url(url: &str, allow_local: bool) -> Result<(), String> {
    checked_url(url, allow_local).map(|_| ())
}

/// [`check_url`], returning the URL as parsed (WHATWG, as browsers and workerd parse it):
/// delivering to its serialization sends to exactly the host that was judged.
///
/// The host is judged as the parser understood it, never as written: `2130706433`,
/// `0x7f.1`, `127.1`, `%31%32%37.0.0.1` and `localhost.` are all loopback. Back slashes,
/// white space and control characters are refused outright, as parsers disagree on them.
pub fn checked_url(raw: &str, allow_local: bool) -> Result<Url, String> {
    let refuse = |why: &str| Err(format!("webhook URL {raw:?} {why}"));
    if raw
        .chars()
        .any(|c| c == '\\' || c.is_whitespace() || c.is_control())
    {
        return refuse("has a back slash, a space or a control character");
    }
    let Ok(url) = Url::parse(raw) else {
        return refuse("is not an absolute URL");
    };
    if !matches!(url.scheme(), "http" | "https") {
        return refuse("must use https");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return refuse("needs a host (and no user name)");
    }
    let local = match url.host() {
        None => return refuse("needs a host (and no user name)"),
        Some(Host::Domain(name)) => is_local_name(name),
        Some(Host::Ipv4(ip)) => !is_public(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => !is_public(IpAddr::V6(ip)),
    };
    match (url.scheme(), local, allow_local) {
        (_, true, false) => refuse("points at a private or loopback address"),
        ("https", _, _) | ("http", true, true) => Ok(url),
        _ => refuse("must use https"),
    }
}

/// Names that only mean something on this machine or inside a network: one label
/// (`localhost`, `intranet`), or under a suffix reserved for that (`.localhost`, `.local`,
/// `.internal`, `.home.arpa`…). `name` is as the URL parser leaves it: lowercase ASCII.
pub(crate) fn is_local_name(name: &str) -> bool {
    const LOCAL_SUFFIXES: &[&str] = &[
        "localhost",
        "localdomain",
        "local",
        "internal",
        "intranet",
        "lan",
        "home.arpa",
    ];
    let name = name.trim_end_matches('.');
    !name.contains('.')
        || LOCAL_SUFFIXES.iter().any(|suffix| {
            name.strip_suffix(suffix)
                .is_some_and(|rest| rest.is_empty() || rest.ends_with('.'))
        })
}

/// IPv4 networks that are not public (RFC 6890 and IANA's special-purpose registry): this
/// network, private, shared (CGNAT), loopback, link-local, protocol assignments,
/// documentation, the 6to4 relay, benchmarking, multicast, reserved and broadcast.
const SPECIAL_V4: &[([u8; 4], u32)] = &[
    ([0, 0, 0, 0], 8),
    ([10, 0, 0, 0], 8),
    ([100, 64, 0, 0], 10),
    ([127, 0, 0, 0], 8),
    ([169, 254, 0, 0], 16),
    ([172, 16, 0, 0], 12),
    ([192, 0, 0, 0], 24),
    ([192, 0, 2, 0], 24),
    ([192, 88, 99, 0], 24),
    ([192, 168, 0, 0], 16),
    ([198, 18, 0, 0], 15),
    ([198, 51, 100, 0], 24),
    ([203, 0, 113, 0], 24),
    ([224, 0, 0, 0], 4),
    ([240, 0, 0, 0], 4),
];

/// Networks inside IPv6's global unicast space (`2000::/3`) that are not public: IETF
/// protocol assignments (Teredo, benchmarking, ORCHID…), documentation and 6to4 (whose
/// addresses carry an IPv4 address that may be a private one).
const SPECIAL_V6: &[(u128, u32)] = &[
    (0x2001_0000 << 96, 23),
    (0x2001_0db8 << 96, 32),
    (0x2002 << 112, 16),
    (0x3fff << 112, 20),
];

/// Whether `address` is in `network`/`prefix` (both as integers of the same width).
fn in_network(address: u128, network: u128, prefix: u32, width: u32) -> bool {
    prefix == 0 || (address ^ network) >> (width - prefix) == 0
}

/// Whether an address is reachable on the public internet. IPv4 outside the special
/// networks; IPv4-mapped IPv6 as its IPv4; other IPv6 only in global unicast (`2000::/3`)
/// outside the special networks, so loopback, unspecified, IPv4-compatible and -translated,
/// NAT64, unique-local, link- and site-local and multicast addresses are all refused.
pub(crate) fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let address = u128::from(u32::from(v4));
            !SPECIAL_V4.iter().any(|&(network, prefix)| {
                in_network(address, u32::from_be_bytes(network).into(), prefix, 32)
            })
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public(IpAddr::V4(v4)),
            None => {
                let address = u128::from(v6);
                in_network(address, 0x2000 << 112, 3, 128)
                    && !SPECIAL_V6
                        .iter()
                        .any(|&(network, prefix)| in_network(address, network, prefix, 128))
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
    /// The visitor carried the thread onto WhatsApp or WeChat (the "Continued on …" message
    /// that follows says which, by its channel).
    #[serde(rename = "thread.linked")]
    ThreadLinked,
    /// The thread went to a person (the visitor asked, or the bot was not sure): the bot
    /// is silent in it now. The message is the bot's line telling the visitor so.
    #[serde(rename = "thread.handoff")]
    ThreadHandoff,
    /// The team marked the thread resolved. The message is the visitor's notice of it.
    #[serde(rename = "thread.resolved")]
    ThreadResolved,
    /// The thread was reopened: by the team (no message), or by the visitor writing again
    /// (the message is theirs).
    #[serde(rename = "thread.reopened")]
    ThreadReopened,
    /// The visitor rated the conversation; `rating` says how.
    #[serde(rename = "thread.rated")]
    ThreadRated,
    /// The team resolved the thread: `figures` sums the conversation up for a CRM (times,
    /// replies, rating score; no message text, [`crate::insights::closed`]). Sent with
    /// `thread.resolved`, after it.
    #[serde(rename = "thread.closed")]
    ThreadClosed,
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
    /// For a bot message: the ids of the knowledge entries it came from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    /// For `thread.rated`: the score and the comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<crate::resolution::Rating>,
    /// For `thread.closed`: the conversation's figures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub figures: Option<crate::insights::closed::Closed>,
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

    /// Every form a webhook URL can take, with its verdict in production and in
    /// development (`allow_local`): production only lets https to a public host through;
    /// development also lets this machine and its network in, over http too.
    #[test]
    fn webhook_urls_must_be_public_https() {
        const OK: (bool, bool) = (true, true);
        const LOCAL: (bool, bool) = (false, true);
        const NEVER: (bool, bool) = (false, false);
        let mut wrong = Vec::new();
        for (url, (in_production, in_development)) in [
            // Public hosts.
            ("https://crm.example.com/confab", OK),
            ("https://CRM.Example.COM/confab", OK),
            ("HTTPS://crm.example.com/confab", OK),
            ("https://crm.example.com./confab", OK),
            ("https://crm.example.com:8443/confab", OK),
            ("https://crm.example.com/confab?x=@127.0.0.1#@10.0.0.1", OK),
            ("https://localhost.example.com/hook", OK),
            ("https://xn--bcher-kva.example/hook", OK),
            ("https://bücher.example/hook", OK),
            ("https://93.184.216.34/hook", OK),
            ("https://8.8.8.8/hook", OK),
            ("https://100.63.255.255/", OK),
            ("https://100.128.0.0/", OK),
            ("https://172.15.255.255/", OK),
            ("https://172.32.0.0/", OK),
            ("https://198.17.255.255/", OK),
            ("https://198.20.0.0/", OK),
            ("https://[2606:4700:4700::1111]/hook", OK),
            ("https://[2a00:1450:4001:80b::200e]/hook", OK),
            ("https://[::ffff:93.184.216.34]/hook", OK),
            // Plain http, other schemes, no host, user names.
            ("http://crm.example.com/confab", NEVER),
            ("http://93.184.216.34/hook", NEVER),
            ("ftp://crm.example.com/", NEVER),
            ("javascript:alert(1)", NEVER),
            ("crm.example.com", NEVER),
            ("//crm.example.com/hook", NEVER),
            ("", NEVER),
            ("https://", NEVER),
            ("https://user@crm.example.com/", NEVER),
            ("https://user:pw@crm.example.com/", NEVER),
            ("https://:pw@crm.example.com/", NEVER),
            ("https://evil@127.0.0.1/", NEVER),
            ("https://crm.example.com@127.0.0.1/", NEVER),
            ("https://crm.example.com%2F@127.0.0.1/", NEVER),
            // Back slashes, white space and control characters: parsers disagree on them.
            ("https://127.0.0.1\\x/", NEVER),
            ("https://crm.example.com\\@127.0.0.1/", NEVER),
            ("https:\\\\127.0.0.1/", NEVER),
            ("https://127.0.0.1\t/", NEVER),
            (" https://127.0.0.1/", NEVER),
            ("https://crm.example.com/\n", NEVER),
            ("https://[fe80::1%25eth0]/", NEVER),
            ("https://1.2.3.4.5/", NEVER),
            ("https://127.0.0.1:99999/", NEVER),
            // This machine by name.
            ("https://localhost/hook", LOCAL),
            ("https://LOCALHOST/hook", LOCAL),
            ("https://localhost./hook", LOCAL),
            ("https://localhost:443/hook", LOCAL),
            ("https://%6c%6f%63%61%6c%68%6f%73%74/hook", LOCAL),
            (
                "https://\u{ff4c}\u{ff4f}\u{ff43}\u{ff41}\u{ff4c}\u{ff48}\u{ff4f}\u{ff53}\u{ff54}/",
                LOCAL,
            ),
            ("https://api.localhost/hook", LOCAL),
            ("https://localhost.localdomain/hook", LOCAL),
            ("https://printer.local/hook", LOCAL),
            ("https://metadata.google.internal/computeMetadata", LOCAL),
            ("https://router.home.arpa/", LOCAL),
            ("https://intranet/hook", LOCAL),
            ("https:crm/hook", LOCAL),
            // Loopback, however the number is written.
            ("http://127.0.0.1:8080/hook", LOCAL),
            ("https://127.0.0.1/hook", LOCAL),
            ("https://127.0.0.1:8443/hook", LOCAL),
            ("https://127.0.0.1./hook", LOCAL),
            ("https://2130706433/", LOCAL),
            ("https://127.1/", LOCAL),
            ("https://127.0.1/", LOCAL),
            ("https://0x7f.1/", LOCAL),
            ("https://0X7F.0.0.1/", LOCAL),
            ("https://0x7f000001/", LOCAL),
            ("https://0177.0.0.1/", LOCAL),
            ("https://0177.0.0.01/", LOCAL),
            ("https://127.000.000.001/", LOCAL),
            ("https://017700000001/", LOCAL),
            ("https://%31%32%37.0.0.1/", LOCAL),
            ("https://127.0.0.1%2e/", LOCAL),
            ("https:127.0.0.1/hook", LOCAL),
            ("https:///127.0.0.1/hook", LOCAL),
            ("https://127.255.255.254/", LOCAL),
            // "This network", private, shared, link-local and reserved IPv4.
            ("https://0.0.0.0/hook", LOCAL),
            ("https://0/hook", LOCAL),
            ("https://0.1.2.3/", LOCAL),
            ("http://10.0.0.5/hook", LOCAL),
            ("https://10.0.0.5/hook", LOCAL),
            ("https://012.0.0.5/hook", LOCAL),
            ("https://167772165/", LOCAL),
            ("https://172.16.0.1/", LOCAL),
            ("https://172.31.255.255/", LOCAL),
            ("https://192.168.1.1/hook", LOCAL),
            ("https://0xc0a80101/", LOCAL),
            ("https://169.254.169.254/latest", LOCAL),
            ("https://100.64.0.1/hook", LOCAL),
            ("https://100.127.255.255/", LOCAL),
            ("https://192.0.0.1/", LOCAL),
            ("https://192.0.2.1/", LOCAL),
            ("https://192.88.99.1/", LOCAL),
            ("https://198.18.0.1/", LOCAL),
            ("https://198.19.255.255/", LOCAL),
            ("https://198.51.100.1/", LOCAL),
            ("https://203.0.113.1/", LOCAL),
            ("https://224.0.0.1/", LOCAL),
            ("https://239.255.255.250/", LOCAL),
            ("https://240.0.0.1/", LOCAL),
            ("https://255.255.255.255/", LOCAL),
            // IPv6: loopback, unspecified, unique-local, link- and site-local, multicast.
            ("https://[::1]/hook", LOCAL),
            ("http://[::1]:9000/hook", LOCAL),
            ("https://[0:0:0:0:0:0:0:1]/hook", LOCAL),
            ("https://[::]/hook", LOCAL),
            ("https://[fd00::1]/hook", LOCAL),
            ("https://[FD12:3456::1]/hook", LOCAL),
            ("https://[fc00::1]/hook", LOCAL),
            ("https://[fe80::1]/hook", LOCAL),
            ("https://[febf::1]/hook", LOCAL),
            ("https://[fec0::1]/hook", LOCAL),
            ("https://[ff02::1]/hook", LOCAL),
            ("https://[ff0e::1]/hook", LOCAL),
            // IPv6 carrying IPv4: mapped, compatible, translated, NAT64, 6to4, Teredo.
            ("https://[::ffff:10.0.0.1]/hook", LOCAL),
            ("https://[::ffff:127.0.0.1]/hook", LOCAL),
            ("https://[::ffff:7f00:1]/hook", LOCAL),
            ("https://[0:0:0:0:0:ffff:a9fe:a9fe]/hook", LOCAL),
            ("https://[::127.0.0.1]/hook", LOCAL),
            ("https://[::7f00:1]/hook", LOCAL),
            ("https://[::8.8.8.8]/hook", LOCAL),
            ("https://[::ffff:0:7f00:1]/hook", LOCAL),
            ("https://[64:ff9b::7f00:1]/hook", LOCAL),
            ("https://[64:ff9b::10.0.0.1]/hook", LOCAL),
            ("https://[64:ff9b::8.8.8.8]/hook", LOCAL),
            ("https://[64:ff9b:1::a00:1]/hook", LOCAL),
            ("https://[2002:7f00:1::1]/hook", LOCAL),
            ("https://[2002:a00:1::1]/hook", LOCAL),
            ("https://[2002:808:808::1]/hook", LOCAL),
            ("https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook", LOCAL),
            // Documentation, benchmarking, discard and other special IPv6.
            ("https://[2001:db8::1]/hook", LOCAL),
            ("https://[2001:2::1]/hook", LOCAL),
            ("https://[3fff::1]/hook", LOCAL),
            ("https://[100::1]/hook", LOCAL),
            ("https://[5f00::1]/hook", LOCAL),
        ] {
            let verdicts = (check_url(url, false), check_url(url, true));
            if (verdicts.0.is_ok(), verdicts.1.is_ok()) != (in_production, in_development) {
                wrong.push(format!("{url:?}: {verdicts:?}"));
            }
        }
        assert!(wrong.is_empty(), "wrong verdicts:\n{}", wrong.join("\n"));
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
            sources: Vec::new(),
            rating: None,
            figures: None,
        };
        assert_eq!(
            serde_json::to_string(&event).unwrap(),
            r#"{"id":"ev1","type":"thread.created","createdAt":5,"brand":"acme","threadId":"t1"}"#
        );
        assert_eq!(
            serde_json::to_value(EventKind::ThreadHandoff).unwrap(),
            "thread.handoff"
        );
        for (kind, name) in [
            (EventKind::ThreadResolved, "thread.resolved"),
            (EventKind::ThreadReopened, "thread.reopened"),
            (EventKind::ThreadRated, "thread.rated"),
            (EventKind::ThreadClosed, "thread.closed"),
        ] {
            assert_eq!(serde_json::to_value(kind).unwrap(), name);
        }
        let rated = Event {
            kind: EventKind::ThreadRated,
            rating: Some(crate::resolution::Rating {
                score: 4,
                comment: Some("Quick".into()),
            }),
            ..event
        };
        assert_eq!(
            serde_json::to_value(&rated).unwrap()["rating"],
            serde_json::json!({ "score": 4, "comment": "Quick" })
        );
    }
}
