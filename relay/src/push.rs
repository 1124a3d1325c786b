//! Web push, the pure half: VAPID (RFC 8292) and payload encryption (RFC 8291,
//! `aes128gcm` of RFC 8188), the rules a browser's subscription must follow, and the small
//! notification a team reply becomes. No IO: the edge (`edge/push.rs`) reads the key from a
//! Worker secret, draws the random numbers and moves the bytes.
//!
//! - [`vapid`]: the application server's key and the `Authorization: vapid` header.
//! - [`encrypt`]: one encrypted record for one subscription.
//! - [`subscription`]: a browser's `PushSubscription`, checked.
//! - [`notification`]: what a pushed reply says, and when it is pushed.

pub mod encrypt;
pub mod notification;
pub mod subscription;
pub mod vapid;

#[cfg(test)]
mod tests;

pub use encrypt::encrypt;
pub use notification::{Notification, PushSettings};
pub use subscription::Subscription;
pub use vapid::VapidKey;

use crate::connector::{by_status as by_status_of, Delivery, FailureReason};

/// What a push service's answer comes to (RFC 8030 §5, RFC 8292): 201 (any 2xx) is
/// delivered; 404 and 410 say the subscription is gone — it is forgotten and the push not
/// tried again (the `bool`); 429 and 5xx are tried again with the outbox's backoff; any
/// other answer is refused for good, with its status as the reason.
pub fn by_status(status: u16, retry_after: Option<u32>) -> (Delivery, bool) {
    match status {
        404 | 410 => (
            Delivery::refused(
                FailureReason::ProviderRejected,
                format!("HTTP {status}: the push subscription is gone"),
            )
            .with_status(status),
            true,
        ),
        _ => (by_status_of(status, retry_after, "the push service"), false),
    }
}

/// base64url without padding, as Web Push writes keys, salts and JWTs.
pub(crate) fn b64(bytes: &[u8]) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Reads base64url, with or without padding (browsers' `toJSON` omit it; some libraries
/// keep it).
pub(crate) fn unb64(text: &str) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')).ok()
}
