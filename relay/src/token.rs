//! Visitor tokens: HMAC-SHA256-signed claims that bind one visitor to one thread of one
//! brand until an expiry.
//!
//! Format: `v1.<base64url(JSON claims)>.<base64url(HMAC-SHA256(secret, "v1.<claims>"))>`.
//! The claims are readable by anyone holding the token (they name nothing secret); only the
//! relay, holding the secret, can make or change one.

use crate::error::RelayError;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use confab_protocol::{BrandId, ThreadId, Timestamp, VisitorToken};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

const VERSION_PREFIX: &str = "v1.";

/// How long a token works after it is issued: a day, in milliseconds.
pub const TOKEN_LIFETIME_MS: u64 = 24 * 60 * 60 * 1000;

/// How long after expiry a token may still be exchanged for a fresh one (180 days), so a
/// visitor who returns after weeks finds the same thread.
pub const REFRESH_WINDOW_MS: u64 = 180 * 24 * 60 * 60 * 1000;

/// What a token asserts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenClaims {
    /// The brand the thread belongs to.
    #[serde(rename = "b")]
    pub brand: BrandId,
    /// The thread the bearer may use.
    #[serde(rename = "t")]
    pub thread: ThreadId,
    /// When the token stops working.
    #[serde(rename = "e")]
    pub expires_at: Timestamp,
}

/// Signs and checks tokens with the relay's secret.
pub struct TokenSigner {
    key: Vec<u8>,
}

impl TokenSigner {
    /// A signer keyed with `secret` (the Worker secret `TOKEN_SECRET`).
    pub fn new(secret: &[u8]) -> Self {
        Self {
            key: secret.to_vec(),
        }
    }

    fn mac(&self, signed_part: &str) -> HmacSha256 {
        // HMAC takes keys of any length, so this cannot fail.
        let mut mac = HmacSha256::new_from_slice(&self.key).unwrap_or_else(|_| unreachable!());
        mac.update(signed_part.as_bytes());
        mac
    }

    /// Makes a token carrying `claims`.
    pub fn sign(&self, claims: &TokenClaims) -> VisitorToken {
        // Serialising a struct of strings and integers cannot fail.
        let json = serde_json::to_vec(claims).unwrap_or_default();
        let signed_part = format!("{VERSION_PREFIX}{}", URL_SAFE_NO_PAD.encode(json));
        let signature = self.mac(&signed_part).finalize().into_bytes();
        VisitorToken::new(format!(
            "{signed_part}.{}",
            URL_SAFE_NO_PAD.encode(signature)
        ))
    }

    /// Checks the signature (in constant time) and decodes the claims, whatever the expiry.
    pub fn decode(&self, token: &str) -> Result<TokenClaims, RelayError> {
        let (signed_part, signature) = token.rsplit_once('.').ok_or(RelayError::InvalidToken)?;
        let payload = signed_part
            .strip_prefix(VERSION_PREFIX)
            .ok_or(RelayError::InvalidToken)?;
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| RelayError::InvalidToken)?;
        self.mac(signed_part)
            .verify_slice(&signature)
            .map_err(|_| RelayError::InvalidToken)?;
        let json = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| RelayError::InvalidToken)?;
        serde_json::from_slice(&json).map_err(|_| RelayError::InvalidToken)
    }

    /// Checks a token presented for an API call at time `now`.
    pub fn verify(&self, token: &str, now: Timestamp) -> Result<TokenClaims, RelayError> {
        let claims = self.decode(token)?;
        if claims.expires_at <= now {
            return Err(RelayError::ExpiredToken);
        }
        Ok(claims)
    }

    /// Checks a token presented to refresh a session: expired tokens are accepted within
    /// [`REFRESH_WINDOW_MS`] of their expiry.
    pub fn verify_for_refresh(
        &self,
        token: &str,
        now: Timestamp,
    ) -> Result<TokenClaims, RelayError> {
        let claims = self.decode(token)?;
        if claims.expires_at.0.saturating_add(REFRESH_WINDOW_MS) <= now.0 {
            return Err(RelayError::ExpiredToken);
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(expires_at: u64) -> TokenClaims {
        TokenClaims {
            brand: BrandId::new("demo"),
            thread: ThreadId::new("t0123456789abcdefghijk"),
            expires_at: Timestamp(expires_at),
        }
    }

    fn check(token: &str, now: u64, expected: Result<TokenClaims, RelayError>) {
        let signer = TokenSigner::new(b"test-secret");
        assert_eq!(
            signer.verify(token, Timestamp(now)),
            expected,
            "token: {token}"
        );
    }

    #[test]
    fn verifies_tokens() {
        let signer = TokenSigner::new(b"test-secret");
        let good = signer.sign(&claims(1_000)).as_str().to_string();
        check(&good, 999, Ok(claims(1_000)));
        check(&good, 1_000, Err(RelayError::ExpiredToken));

        let other_key = TokenSigner::new(b"other").sign(&claims(1_000));
        check(other_key.as_str(), 0, Err(RelayError::InvalidToken));

        // A changed claim, with the old signature, is refused.
        let (_, signature) = good.rsplit_once('.').unwrap();
        let forged_claims = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims(u64::MAX)).unwrap());
        check(
            &format!("v1.{forged_claims}.{signature}"),
            0,
            Err(RelayError::InvalidToken),
        );

        for garbage in [
            "",
            ".",
            "v1.",
            "v1..",
            "v2.abc.def",
            "v1.!!!.???",
            "not a token",
        ] {
            check(garbage, 0, Err(RelayError::InvalidToken));
        }
    }

    #[test]
    fn refresh_accepts_recently_expired_tokens_only() {
        let signer = TokenSigner::new(b"test-secret");
        let token = signer.sign(&claims(1_000));
        assert_eq!(
            signer.verify_for_refresh(token.as_str(), Timestamp(1_000 + REFRESH_WINDOW_MS - 1)),
            Ok(claims(1_000))
        );
        assert_eq!(
            signer.verify_for_refresh(token.as_str(), Timestamp(1_000 + REFRESH_WINDOW_MS)),
            Err(RelayError::ExpiredToken)
        );
    }
}
