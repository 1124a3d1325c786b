//! VAPID (RFC 8292): the relay proves to a push service that it is the application server
//! the browser subscribed with, by signing a short JWT (ES256) with its P-256 key. The
//! browser was given the public key as `applicationServerKey`; the push service accepts
//! messages for that subscription only with a JWT that key verifies.

use super::{b64, unb64};
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use serde::Serialize;

/// How long a JWT is good for. RFC 8292 allows at most 24 hours; push services refuse
/// more, and a clock a little ahead of theirs must not push it over.
pub const JWT_VALIDITY_SECONDS: u64 = 12 * 60 * 60;

/// The application server's key (the Worker secret `VAPID_PRIVATE_KEY`).
#[derive(Clone)]
pub struct VapidKey {
    signing: SigningKey,
}

impl std::fmt::Debug for VapidKey {
    /// Shows the public key only: the private half must never reach a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "VapidKey({})", self.public_key())
    }
}

/// Why a VAPID key, subject or endpoint is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VapidError {
    /// The secret is not a base64url P-256 private scalar (32 bytes).
    #[error("VAPID_PRIVATE_KEY is not a base64url P-256 private key")]
    BadKey,
    /// The subject is not a `mailto:` or `https:` URL.
    #[error("the VAPID subject must be a mailto: or https: URL")]
    BadSubject,
    /// The endpoint is not an absolute http(s) URL.
    #[error("the push endpoint is not an http(s) URL")]
    BadEndpoint,
}

#[derive(Serialize)]
struct Claims<'a> {
    aud: &'a str,
    exp: u64,
    sub: &'a str,
}

impl VapidKey {
    /// The key from the secret's text: the private scalar, base64url (as `web-push
    /// generate-vapid-keys` prints it).
    pub fn from_secret(text: &str) -> Result<VapidKey, VapidError> {
        let bytes = unb64(text.trim()).ok_or(VapidError::BadKey)?;
        let signing = SigningKey::from_slice(&bytes).map_err(|_| VapidError::BadKey)?;
        Ok(VapidKey { signing })
    }

    /// The public key, uncompressed (65 bytes), base64url: the widget's
    /// `applicationServerKey` and the header's `k`.
    pub fn public_key(&self) -> String {
        b64(self
            .signing
            .verifying_key()
            .to_encoded_point(false)
            .as_bytes())
    }

    /// A signed JWT for `endpoint`'s push service: `aud` is the endpoint's origin, `exp`
    /// [`JWT_VALIDITY_SECONDS`] after `now_seconds`, `sub` the operator's contact.
    pub fn jwt(
        &self,
        endpoint: &str,
        subject: &str,
        now_seconds: u64,
    ) -> Result<String, VapidError> {
        check_subject(subject)?;
        let audience = audience(endpoint)?;
        let claims = Claims {
            aud: &audience,
            exp: now_seconds.saturating_add(JWT_VALIDITY_SECONDS),
            sub: subject,
        };
        let claims = serde_json::to_vec(&claims).map_err(|_| VapidError::BadSubject)?;
        let input = format!(
            "{}.{}",
            b64(br#"{"typ":"JWT","alg":"ES256"}"#),
            b64(&claims)
        );
        // JWS ES256: the signature is r ‖ s, 64 bytes (RFC 7518 §3.4), not DER.
        let signature: Signature = self.signing.sign(input.as_bytes());
        Ok(format!("{input}.{}", b64(&signature.to_bytes())))
    }

    /// The request's `Authorization` header (RFC 8292 §3): `vapid t=<jwt>, k=<key>`.
    pub fn authorization(
        &self,
        endpoint: &str,
        subject: &str,
        now_seconds: u64,
    ) -> Result<String, VapidError> {
        let jwt = self.jwt(endpoint, subject, now_seconds)?;
        Ok(format!("vapid t={jwt}, k={}", self.public_key()))
    }
}

/// The JWT's audience: the push endpoint's origin (`https://push.example.net`).
pub fn audience(endpoint: &str) -> Result<String, VapidError> {
    let url = url::Url::parse(endpoint).map_err(|_| VapidError::BadEndpoint)?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(VapidError::BadEndpoint);
    }
    Ok(url.origin().ascii_serialization())
}

/// The operator's contact must be a `mailto:` or an `https:` URL (RFC 8292 §2.1).
pub fn check_subject(subject: &str) -> Result<(), VapidError> {
    let url = url::Url::parse(subject).map_err(|_| VapidError::BadSubject)?;
    match url.scheme() {
        "mailto" if url.path().contains('@') => Ok(()),
        "https" if url.host().is_some() => Ok(()),
        _ => Err(VapidError::BadSubject),
    }
}
