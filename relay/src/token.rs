//! Visitor tokens and socket tickets: HMAC-SHA256-signed claims. A token binds one visitor
//! to one thread of one brand until an expiry; a ticket opens one socket of one thread,
//! once, within a minute.
//!
//! Format: `v1.<base64url(JSON claims)>.<base64url(HMAC-SHA256(secret, "v1.<claims>"))>`;
//! tickets begin `k1.` instead, and the prefix is signed, so neither passes for the other.
//! The claims are readable by anyone holding the token (they name nothing secret); only the
//! relay, holding the secret, can make or change one.

use crate::error::RelayError;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use confab_protocol::{AttachmentId, BrandId, ThreadId, Timestamp, VisitorToken};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

const VERSION_PREFIX: &str = "v1.";
const TICKET_PREFIX: &str = "k1.";
/// Inbox tickets (a brand's live thread list) are sealed apart, so that neither kind of
/// ticket opens the other's socket.
const INBOX_TICKET_PREFIX: &str = "b1.";
/// What an image signature covers, before the source URL: never a token's or a ticket's
/// signed part (those begin `v1.` and `k1.`), so no signature passes for another kind.
const IMAGE_PREFIX: &str = "i1.";
/// What a file link's signature covers, before `thread/attachment/expiry`.
const FILE_PREFIX: &str = "f1.";
/// What an email link's or reply address's signature covers ([`crate::email::refs`]).
const EMAIL_PREFIX: &str = "e1.";

/// How long a socket ticket works: long enough to open a socket, too short to be worth
/// stealing from a log.
pub const TICKET_LIFETIME_MS: u64 = 60_000;

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

/// What a socket ticket asserts. The Worker checks it before any object is reached; the
/// thread's object spends its nonce, so it opens one socket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketClaims {
    /// The thread whose socket it opens.
    #[serde(rename = "t")]
    pub thread: ThreadId,
    /// When it stops working.
    #[serde(rename = "e")]
    pub expires_at: Timestamp,
    /// Random: what the object remembers once the ticket is used.
    #[serde(rename = "n")]
    pub nonce: String,
    /// For a team socket (`POST /v1/agent/threads/{id}/tickets`), the member's name; absent
    /// on a visitor's ticket (and on tickets signed before team sockets).
    #[serde(rename = "m", default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
}

/// What an inbox ticket asserts: the brand whose live thread list it opens
/// (`GET /v1/agent/inbox/ws`), until when, and a nonce the brand's inbox spends once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxTicketClaims {
    /// The brand.
    #[serde(rename = "b")]
    pub brand: BrandId,
    /// When it stops working.
    #[serde(rename = "e")]
    pub expires_at: Timestamp,
    /// Random: what the inbox remembers once the ticket is used.
    #[serde(rename = "n")]
    pub nonce: String,
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
        VisitorToken::new(self.seal(VERSION_PREFIX, claims))
    }

    /// Makes a socket ticket carrying `claims`.
    pub fn sign_ticket(&self, claims: &TicketClaims) -> String {
        self.seal(TICKET_PREFIX, claims)
    }

    /// Makes an inbox ticket carrying `claims`.
    pub fn sign_inbox_ticket(&self, claims: &InboxTicketClaims) -> String {
        self.seal(INBOX_TICKET_PREFIX, claims)
    }

    /// Checks an inbox ticket at `now`: signed by this relay, not expired; answers the
    /// claims, whose brand is the inbox it opens.
    pub fn verify_inbox_ticket(
        &self,
        ticket: &str,
        now: Timestamp,
    ) -> Result<InboxTicketClaims, RelayError> {
        self.open::<InboxTicketClaims>(INBOX_TICKET_PREFIX, ticket)
            .filter(|claims| claims.expires_at > now)
            .ok_or(RelayError::InvalidTicket)
    }

    fn seal(&self, prefix: &str, claims: &impl Serialize) -> String {
        // Serialising a struct of strings and integers cannot fail.
        let json = serde_json::to_vec(claims).unwrap_or_default();
        let signed_part = format!("{prefix}{}", URL_SAFE_NO_PAD.encode(json));
        let signature = self.mac(&signed_part).finalize().into_bytes();
        format!("{signed_part}.{}", URL_SAFE_NO_PAD.encode(signature))
    }

    /// The claims of a sealed string with `prefix`, if its signature holds (checked in
    /// constant time).
    fn open<T: serde::de::DeserializeOwned>(&self, prefix: &str, sealed: &str) -> Option<T> {
        let (signed_part, signature) = sealed.rsplit_once('.')?;
        let payload = signed_part.strip_prefix(prefix)?;
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        self.mac(signed_part).verify_slice(&signature).ok()?;
        let json = URL_SAFE_NO_PAD.decode(payload).ok()?;
        serde_json::from_slice(&json).ok()
    }

    /// The signature of an image's source URL (for [`crate::image`]'s signed paths):
    /// base64url of HMAC-SHA256 over `"i1." + source`.
    pub fn sign_image(&self, source: &str) -> String {
        let signature = self.mac(&format!("{IMAGE_PREFIX}{source}")).finalize();
        URL_SAFE_NO_PAD.encode(signature.into_bytes())
    }

    /// Whether `signature` is [`TokenSigner::sign_image`]'s for `source` (checked in
    /// constant time).
    pub fn verify_image(&self, source: &str, signature: &str) -> bool {
        URL_SAFE_NO_PAD.decode(signature).is_ok_and(|signature| {
            self.mac(&format!("{IMAGE_PREFIX}{source}"))
                .verify_slice(&signature)
                .is_ok()
        })
    }

    /// The signature of a file link ([`crate::attachment::FileLinks`]): hex of
    /// HMAC-SHA256 over `"f1.<thread>/<attachment>/<expires_at>"`.
    pub fn sign_file(
        &self,
        thread: &ThreadId,
        attachment: &AttachmentId,
        expires_at: u64,
    ) -> String {
        let signed = format!("{FILE_PREFIX}{thread}/{attachment}/{expires_at}");
        hex::encode(self.mac(&signed).finalize().into_bytes())
    }

    /// Whether `signature` is [`TokenSigner::sign_file`]'s for this file and expiry
    /// (checked in constant time).
    pub fn verify_file(
        &self,
        thread: &ThreadId,
        attachment: &AttachmentId,
        expires_at: u64,
        signature: &str,
    ) -> bool {
        let signed = format!("{FILE_PREFIX}{thread}/{attachment}/{expires_at}");
        hex::decode(signature)
            .is_ok_and(|signature| self.mac(&signed).verify_slice(&signature).is_ok())
    }

    /// The signature of what an email link or a reply address names ([`crate::email::refs`]
    /// says what `subject` is): HMAC-SHA256 over `"e1." + subject`.
    pub fn sign_email(&self, subject: &str) -> Vec<u8> {
        let signature = self.mac(&format!("{EMAIL_PREFIX}{subject}")).finalize();
        signature.into_bytes().to_vec()
    }

    /// Whether `signature` is [`TokenSigner::sign_email`]'s for `subject`, or its first
    /// bytes (at least 10: a reply address has room for no more), in constant time.
    pub fn verify_email(&self, subject: &str, signature: &[u8]) -> bool {
        signature.len() >= 10
            && self
                .mac(&format!("{EMAIL_PREFIX}{subject}"))
                .verify_truncated_left(signature)
                .is_ok()
    }

    /// Checks the signature (in constant time) and decodes the claims, whatever the expiry.
    pub fn decode(&self, token: &str) -> Result<TokenClaims, RelayError> {
        self.open(VERSION_PREFIX, token)
            .ok_or(RelayError::InvalidToken)
    }

    /// Checks a socket ticket presented for `thread` at `now`: signed by this relay, for
    /// this thread, not expired. (Whether it was used already only the thread knows.)
    pub fn verify_ticket(
        &self,
        ticket: &str,
        thread: &ThreadId,
        now: Timestamp,
    ) -> Result<TicketClaims, RelayError> {
        self.open::<TicketClaims>(TICKET_PREFIX, ticket)
            .filter(|claims| &claims.thread == thread && claims.expires_at > now)
            .ok_or(RelayError::InvalidTicket)
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
    fn tickets_open_one_thread_within_their_minute_and_are_no_tokens() {
        let signer = TokenSigner::new(b"test-secret");
        let thread = ThreadId::new("t0123456789abcdefghijk");
        let ticket_claims = TicketClaims {
            thread: thread.clone(),
            expires_at: Timestamp(1_000),
            nonce: "n1".into(),
            team: None,
        };
        let ticket = signer.sign_ticket(&ticket_claims);
        let token = signer.sign(&claims(1_000));
        let other = ThreadId::new("t_other");
        let forged = TokenSigner::new(b"other").sign_ticket(&ticket_claims);
        let cases: [(&str, &ThreadId, u64, bool); 7] = [
            (&ticket, &thread, 999, true),
            (&ticket, &thread, 1_000, false),    // expired
            (&ticket, &other, 0, false),         // another thread's
            (token.as_str(), &thread, 0, false), // a visitor token is no ticket
            (&forged, &thread, 0, false),        // another relay's
            ("k1.e30.AAAA", &thread, 0, false),
            ("", &thread, 0, false),
        ];
        for (presented, thread, now, valid) in cases {
            let verdict = signer.verify_ticket(presented, thread, Timestamp(now));
            assert_eq!(verdict.is_ok(), valid, "{presented} at {now}");
            if !valid {
                assert_eq!(verdict, Err(RelayError::InvalidTicket));
            }
        }
        // And a ticket is no visitor token.
        assert_eq!(signer.decode(&ticket), Err(RelayError::InvalidToken));
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

    #[test]
    fn a_team_ticket_carries_its_name_and_older_tickets_still_verify() {
        let signer = TokenSigner::new(b"test-secret");
        let thread = ThreadId::new("t0123456789abcdefghijk");
        let team = TicketClaims {
            thread: thread.clone(),
            expires_at: Timestamp(1_000),
            nonce: "n1".into(),
            team: Some("Ann".into()),
        };
        let verified = signer.verify_ticket(&signer.sign_ticket(&team), &thread, Timestamp(0));
        assert_eq!(verified, Ok(team));
        // A ticket sealed before team sockets (no "m") is a visitor's.
        let old = signer.seal(
            TICKET_PREFIX,
            &serde_json::json!({"t": thread, "e": 1_000, "n": "n2"}),
        );
        let verified = signer.verify_ticket(&old, &thread, Timestamp(0));
        assert_eq!(verified.map(|claims| claims.team), Ok(None));
    }

    #[test]
    fn inbox_tickets_name_a_brand_and_open_no_thread() {
        let signer = TokenSigner::new(b"test-secret");
        let claims = InboxTicketClaims {
            brand: BrandId::new("acme"),
            expires_at: Timestamp(1_000),
            nonce: "n1".into(),
        };
        let ticket = signer.sign_inbox_ticket(&claims);
        assert_eq!(
            signer.verify_inbox_ticket(&ticket, Timestamp(999)),
            Ok(claims.clone())
        );
        assert_eq!(
            signer.verify_inbox_ticket(&ticket, Timestamp(1_000)),
            Err(RelayError::InvalidTicket)
        );
        let forged = TokenSigner::new(b"other").sign_inbox_ticket(&claims);
        assert_eq!(
            signer.verify_inbox_ticket(&forged, Timestamp(0)),
            Err(RelayError::InvalidTicket)
        );
        // Neither kind of ticket passes for the other.
        let thread = ThreadId::new("acme");
        assert_eq!(
            signer.verify_ticket(&ticket, &thread, Timestamp(0)),
            Err(RelayError::InvalidTicket)
        );
        let thread_ticket = signer.sign_ticket(&TicketClaims {
            thread,
            expires_at: Timestamp(1_000),
            nonce: "n1".into(),
            team: None,
        });
        assert_eq!(
            signer.verify_inbox_ticket(&thread_ticket, Timestamp(0)),
            Err(RelayError::InvalidTicket)
        );
    }
}
