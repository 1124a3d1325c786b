//! A browser's push subscription, checked before the thread keeps it: the endpoint is an
//! https URL of a public host (plain http, and this machine's addresses, only in
//! development, as for webhooks), and the keys are what RFC 8291 needs — a P-256 point of
//! 65 bytes and a 16-byte secret.

use super::unb64;
use crate::error::RelayError;
use confab_protocol::api::PushSubscription;
use serde::{Deserialize, Serialize};

/// The longest endpoint kept. Push services' URLs are a few hundred characters (FCM's are
/// about 200, Mozilla's about 300); a longer one is not a push service's.
pub const MAX_ENDPOINT_CHARS: usize = 1024;

/// The most subscriptions a thread keeps: one per browser the visitor allowed
/// notifications in; a new one beyond that replaces the oldest.
pub const MAX_PER_THREAD: usize = 4;

/// A subscription as the thread keeps it, checked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    /// The push service's URL, as parsed (the request goes exactly there).
    pub endpoint: String,
    /// The browser's public key, base64url.
    pub p256dh: String,
    /// The browser's authentication secret, base64url.
    pub auth: String,
}

impl Subscription {
    /// Checks what a browser sent. `allow_local` lets a development relay take `http`
    /// endpoints on this machine (the tests' fake push service).
    pub fn check(raw: &PushSubscription, allow_local: bool) -> Result<Subscription, RelayError> {
        let refuse = |why: String| Err(RelayError::InvalidPushSubscription(why));
        if raw.endpoint.chars().count() > MAX_ENDPOINT_CHARS {
            return refuse(format!(
                "the endpoint is longer than {MAX_ENDPOINT_CHARS} characters"
            ));
        }
        // The webhook rules: https, a public host, no user name, no stray characters.
        let url = match crate::connector::webhook::checked_url(&raw.endpoint, allow_local) {
            Ok(url) => url,
            Err(why) => return refuse(why.replacen("webhook URL", "the endpoint", 1)),
        };
        let key = unb64(&raw.keys.p256dh).unwrap_or_default();
        if key.len() != 65 || p256::PublicKey::from_sec1_bytes(&key).is_err() {
            return refuse("keys.p256dh is not an uncompressed P-256 public key".into());
        }
        if unb64(&raw.keys.auth).is_none_or(|auth| auth.len() != 16) {
            return refuse("keys.auth is not 16 bytes of base64url".into());
        }
        Ok(Subscription {
            endpoint: url.to_string(),
            p256dh: super::b64(&key),
            auth: raw.keys.auth.trim_end_matches('=').to_string(),
        })
    }

    /// The keys as bytes, for [`super::encrypt`] (checked when the subscription was kept).
    pub fn key_bytes(&self) -> Option<(Vec<u8>, Vec<u8>)> {
        Some((unb64(&self.p256dh)?, unb64(&self.auth)?))
    }
}
