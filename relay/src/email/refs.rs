//! Signed references in emails: the verification link, the unsubscribe and continue links,
//! and the thread reference in the reply address. All are HMAC-SHA256 under `TOKEN_SECRET`
//! ([`TokenSigner::sign_email`], one prefix for email, so that no other signature passes
//! for these), over a subject naming what they are for:
//!
//! - `verify/<thread>/<nonce>/<expires_at>`: the verification link (expires);
//! - `unsubscribe/<thread>/<nonce>` and `continue/<thread>/<nonce>`: links in every email,
//!   valid while that address is the thread's (the nonce is the address's);
//! - `reply/<thread>`: the reply address, `reply+<thread hex>-<signature hex, 10 bytes>`,
//!   59 characters before the `@` (a local part has at most 64), in hex so that a mail
//!   system that lowers its case changes nothing.

use crate::token::TokenSigner;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use confab_protocol::ThreadId;

/// The bytes of a reply address's signature (80 bits: a forger's guesses go through the
/// mail system, one message each).
const REPLY_SIGNATURE_BYTES: usize = 10;

/// What a link in an email does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkKind {
    /// Unsubscribe (`/v1/email/unsubscribe`).
    Unsubscribe,
    /// Continue the conversation (`/v1/email/continue`).
    Continue,
}

impl LinkKind {
    fn word(self) -> &'static str {
        match self {
            LinkKind::Unsubscribe => "unsubscribe",
            LinkKind::Continue => "continue",
        }
    }

    /// The link's path on the relay.
    pub fn path(self) -> &'static str {
        match self {
            LinkKind::Unsubscribe => "/v1/email/unsubscribe",
            LinkKind::Continue => "/v1/email/continue",
        }
    }
}

/// A link's parameters, as its query carries them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkQuery {
    /// The thread (`t`).
    pub thread: ThreadId,
    /// The address's nonce (`n`).
    pub nonce: String,
    /// For a verification link, its expiry in ms (`e`).
    pub expires_at: Option<u64>,
    /// The signature, base64url (`s`).
    pub signature: String,
}

/// Parses a link's query; `None` if a part is missing (the signature is checked after).
pub fn parse_link_query(query: &str) -> Option<LinkQuery> {
    let (mut thread, mut nonce, mut expires_at, mut signature) = (None, None, None, None);
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        match &*key {
            "t" => thread = crate::route::parse_thread_id(&value).ok(),
            "n" => nonce = Some(value.into_owned()),
            "e" => expires_at = value.parse().ok(),
            "s" => signature = Some(value.into_owned()),
            _ => {}
        }
    }
    Some(LinkQuery {
        thread: thread?,
        nonce: nonce.filter(|nonce| (1..=64).contains(&nonce.len()))?,
        expires_at,
        signature: signature?,
    })
}

/// Makes and checks the signed references.
pub struct EmailRefs {
    signer: TokenSigner,
}

impl EmailRefs {
    /// References signed by `signer`.
    pub fn new(signer: TokenSigner) -> Self {
        Self { signer }
    }

    fn sign(&self, subject: &str) -> String {
        URL_SAFE_NO_PAD.encode(self.signer.sign_email(subject))
    }

    fn check(&self, subject: &str, signature: &str) -> bool {
        URL_SAFE_NO_PAD.decode(signature).is_ok_and(|signature| {
            signature.len() == 32 && self.signer.verify_email(subject, &signature)
        })
    }

    /// The verification link's path and query, under the relay's origin.
    pub fn verify_path(&self, thread: &ThreadId, nonce: &str, expires_at: u64) -> String {
        let signature = self.sign(&format!("verify/{thread}/{nonce}/{expires_at}"));
        format!(
            "/v1/email/verify?{}",
            query(&[
                ("t", thread.as_str()),
                ("n", nonce),
                ("e", &expires_at.to_string()),
                ("s", &signature)
            ])
        )
    }

    /// Whether a verification link's query is signed and unexpired at `now`.
    pub fn verify_link_holds(&self, link: &LinkQuery, now: u64) -> bool {
        let Some(expires_at) = link.expires_at else {
            return false;
        };
        now < expires_at
            && self.check(
                &format!("verify/{}/{}/{expires_at}", link.thread, link.nonce),
                &link.signature,
            )
    }

    /// An unsubscribe or continue link's path and query.
    pub fn link_path(&self, kind: LinkKind, thread: &ThreadId, nonce: &str) -> String {
        let signature = self.sign(&format!("{}/{thread}/{nonce}", kind.word()));
        format!(
            "{}?{}",
            kind.path(),
            query(&[("t", thread.as_str()), ("n", nonce), ("s", &signature)])
        )
    }

    /// Whether an unsubscribe or continue link's query is signed.
    pub fn link_holds(&self, kind: LinkKind, link: &LinkQuery) -> bool {
        self.check(
            &format!("{}/{}/{}", kind.word(), link.thread, link.nonce),
            &link.signature,
        )
    }

    /// The reply address's local part for a thread (`reply+<ref>`), if the thread's id is
    /// the relay's own kind (16 bytes of base64url; every thread the relay makes is).
    pub fn reply_local_part(&self, thread: &ThreadId) -> Option<String> {
        let bytes = URL_SAFE_NO_PAD.decode(thread.as_str()).ok()?;
        let signature = self.signer.sign_email(&format!("reply/{thread}"));
        Some(format!(
            "reply+{}-{}",
            hex::encode(bytes),
            hex::encode(&signature[..REPLY_SIGNATURE_BYTES])
        ))
    }

    /// The thread a reply address names, if its reference is signed by this relay. Any
    /// case, any domain: the domain is Email Routing's business.
    pub fn thread_of_reply_address(&self, address: &str) -> Option<ThreadId> {
        let (local, _domain) = address.trim().rsplit_once('@')?;
        let local = local.to_ascii_lowercase();
        let reference = local.strip_prefix("reply+")?;
        let (thread_hex, signature_hex) = reference.split_once('-')?;
        let thread_bytes = hex::decode(thread_hex)
            .ok()
            .filter(|bytes| bytes.len() == 16)?;
        let signature = hex::decode(signature_hex)
            .ok()
            .filter(|signature| signature.len() == REPLY_SIGNATURE_BYTES)?;
        let thread = ThreadId::new(URL_SAFE_NO_PAD.encode(thread_bytes));
        self.signer
            .verify_email(&format!("reply/{thread}"), &signature)
            .then_some(thread)
    }
}

fn query(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    const THREAD: &str = "AAECAwQFBgcICQoLDA0ODw";

    fn refs(secret: &[u8]) -> EmailRefs {
        EmailRefs::new(TokenSigner::new(secret))
    }

    fn query_of(path: &str) -> LinkQuery {
        parse_link_query(path.split_once('?').unwrap().1).unwrap()
    }

    #[test]
    fn verification_links_hold_for_their_thread_nonce_and_time_only() {
        let refs = refs(b"secret");
        let thread = ThreadId::new(THREAD);
        let link = query_of(&refs.verify_path(&thread, "n1", 1_000));
        assert!(refs.verify_link_holds(&link, 999));
        assert!(!refs.verify_link_holds(&link, 1_000), "expired");
        let mut later = link.clone();
        later.expires_at = Some(5_000);
        assert!(!refs.verify_link_holds(&later, 999), "a changed expiry");
        let mut other_nonce = link.clone();
        other_nonce.nonce = "n2".into();
        assert!(!refs.verify_link_holds(&other_nonce, 999));
        let mut other_thread = link.clone();
        other_thread.thread = ThreadId::new("AAECAwQFBgcICQoLDA0OAA");
        assert!(!refs.verify_link_holds(&other_thread, 999));
        assert!(
            !self::refs(b"other").verify_link_holds(&link, 999),
            "another relay's"
        );
        // An unsubscribe signature is no verification link, nor the other way round.
        let unsubscribe = query_of(&refs.link_path(LinkKind::Unsubscribe, &thread, "n1"));
        assert!(refs.link_holds(LinkKind::Unsubscribe, &unsubscribe));
        assert!(!refs.link_holds(LinkKind::Continue, &unsubscribe));
        assert!(!refs.link_holds(LinkKind::Unsubscribe, &link));
        assert!(parse_link_query("t=short&n=x&s=y").is_none());
        assert!(parse_link_query(&format!("t={THREAD}&s=y")).is_none());
    }

    #[test]
    fn reply_addresses_name_their_thread_and_resist_forgery() {
        let refs = refs(b"secret");
        let thread = ThreadId::new(THREAD);
        let local = refs.reply_local_part(&thread).unwrap();
        assert!(local.len() <= 64, "{local} is too long for a local part");
        let address = format!("{local}@reply.shop.example");
        assert_eq!(refs.thread_of_reply_address(&address), Some(thread.clone()));
        assert_eq!(
            refs.thread_of_reply_address(&address.to_uppercase()),
            Some(thread.clone()),
            "a mail system that upper-cases the address"
        );
        let (prefix, signature) = local.rsplit_once('-').unwrap();
        let mut flipped = signature.to_string();
        flipped.replace_range(0..1, if &signature[..1] == "0" { "1" } else { "0" });
        let other_thread = refs
            .reply_local_part(&ThreadId::new("AAECAwQFBgcICQoLDA0OAA"))
            .unwrap();
        let other_signature = other_thread.rsplit_once('-').unwrap().1;
        let forged = [
            format!("{prefix}-{flipped}@r.example"),
            format!("{prefix}-{other_signature}@r.example"),
            format!("{prefix}-{}@r.example", &signature[..10]),
            format!("{prefix}@r.example"),
            format!("{}@r.example", local.replace("reply+", "")),
            "reply+@r.example".to_string(),
            "support@r.example".to_string(),
            "not an address".to_string(),
        ];
        for address in forged {
            assert_eq!(refs.thread_of_reply_address(&address), None, "{address}");
        }
        assert_eq!(
            self::refs(b"other").thread_of_reply_address(&format!("{local}@r.example")),
            None
        );
        assert_eq!(refs.reply_local_part(&ThreadId::new("t1")), None);
    }
}
