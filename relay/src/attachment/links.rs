//! Signed file links: `/v1/files/{threadId}/{attachmentId}?exp=<unix seconds>&sig=<hex>`,
//! the signature the relay's own (HMAC-SHA256 under `TOKEN_SECRET`, bound to the thread,
//! the file and the expiry; see [`TokenSigner::sign_file`]). Whoever may read a thread gets
//! its messages with fresh links; a link works for anyone holding it until it expires.

use crate::error::RelayError;
use crate::token::TokenSigner;
use confab_protocol::{AttachmentId, Message, ThreadId};

/// How long the links in webhook events work: a day, for the brand's backend to fetch them.
pub const WEBHOOK_LINK_TTL_SECONDS: u64 = 86_400;

/// Makes and checks file links.
pub struct FileLinks {
    signer: TokenSigner,
    /// How long a link works, in seconds.
    pub ttl_seconds: u64,
}

/// What a link's query carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkQuery {
    /// When the link stops working, in seconds since the epoch.
    pub expires_at: u64,
    /// The signature, hex.
    pub signature: String,
}

/// Parses `exp=…&sig=…`; anything missing or malformed is [`RelayError::InvalidFileLink`].
pub fn parse_link_query(query: &str) -> Result<LinkQuery, RelayError> {
    let mut expires_at = None;
    let mut signature = None;
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        match &*key {
            "exp" if expires_at.is_none() => expires_at = value.parse::<u64>().ok(),
            "sig" if signature.is_none() => signature = Some(value.into_owned()),
            _ => {}
        }
    }
    match (expires_at, signature) {
        (Some(expires_at), Some(signature)) => Ok(LinkQuery {
            expires_at,
            signature,
        }),
        _ => Err(RelayError::InvalidFileLink),
    }
}

impl FileLinks {
    /// Links signed by `signer`, working for `ttl_seconds`.
    pub fn new(signer: TokenSigner, ttl_seconds: u64) -> Self {
        FileLinks {
            signer,
            ttl_seconds,
        }
    }

    /// The relay-relative link to a file, working until `now_seconds` + the TTL.
    pub fn path(&self, thread: &ThreadId, id: &AttachmentId, now_seconds: u64) -> String {
        let expires_at = now_seconds.saturating_add(self.ttl_seconds);
        let signature = self.signer.sign_file(thread, id, expires_at);
        format!("/v1/files/{thread}/{id}?exp={expires_at}&sig={signature}")
    }

    /// Checks a link's query for a file at `now_seconds`; returns how many seconds it
    /// still works. A forged, altered, other file's or expired link is
    /// [`RelayError::InvalidFileLink`].
    pub fn verify(
        &self,
        thread: &ThreadId,
        id: &AttachmentId,
        query: &str,
        now_seconds: u64,
    ) -> Result<u64, RelayError> {
        let link = parse_link_query(query)?;
        if link.expires_at <= now_seconds
            || !self
                .signer
                .verify_file(thread, id, link.expires_at, &link.signature)
        {
            return Err(RelayError::InvalidFileLink);
        }
        Ok(link.expires_at - now_seconds)
    }

    /// Gives every file of `message` a fresh link, prefixed with `origin` (the relay's, for
    /// absolute links) if given.
    pub fn fill(&self, message: &mut Message, thread: &ThreadId, now_seconds: u64, origin: &str) {
        for attachment in &mut message.attachments {
            let path = self.path(thread, &attachment.id, now_seconds);
            attachment.url = Some(format!("{}{path}", origin.trim_end_matches('/')));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_work_for_their_file_until_they_expire() {
        let links = FileLinks::new(TokenSigner::new(b"test-secret"), 60);
        let thread = ThreadId::new("t0123456789abcdefghijk");
        let other_thread = ThreadId::new("t0123456789abcdefghijX");
        let id = AttachmentId::new("a1");
        let other_id = AttachmentId::new("a2");
        let path = links.path(&thread, &id, 1_000);
        assert!(path.starts_with("/v1/files/t0123456789abcdefghijk/a1?exp=1060&sig="));
        let query = path.split_once('?').unwrap().1;
        assert_eq!(links.verify(&thread, &id, query, 1_000), Ok(60));
        assert_eq!(links.verify(&thread, &id, query, 1_059), Ok(1));
        let invalid = Err(RelayError::InvalidFileLink);
        assert_eq!(links.verify(&thread, &id, query, 1_060), invalid);
        assert_eq!(links.verify(&other_thread, &id, query, 1_000), invalid);
        assert_eq!(links.verify(&thread, &other_id, query, 1_000), invalid);
        let longer = query.replace("exp=1060", "exp=9999");
        assert_eq!(links.verify(&thread, &id, &longer, 1_000), invalid);
        let mut tampered = query.to_string();
        let last = tampered.pop().unwrap();
        tampered.push(if last == '0' { '1' } else { '0' });
        assert_eq!(links.verify(&thread, &id, &tampered, 1_000), invalid);
        let forged = FileLinks::new(TokenSigner::new(b"other"), 60).path(&thread, &id, 1_000);
        let forged = forged.split_once('?').unwrap().1;
        assert_eq!(links.verify(&thread, &id, forged, 1_000), invalid);
        for garbage in ["", "exp=1060", "sig=00", "exp=x&sig=00", "exp=-1&sig=00"] {
            assert_eq!(
                links.verify(&thread, &id, garbage, 1_000),
                invalid,
                "{garbage}"
            );
        }
    }

    #[test]
    fn messages_get_links_relative_or_absolute() {
        let links = FileLinks::new(TokenSigner::new(b"test-secret"), 60);
        let thread = ThreadId::new("t0123456789abcdefghijk");
        let mut message: Message = serde_json::from_value(serde_json::json!({
            "id": "m1", "clientId": "c1", "seq": 1, "author": "visitor", "channel": "web",
            "text": "", "createdAt": 1, "status": "sent",
            "attachments": [{"id": "a1", "name": "a.png", "contentType": "image/png",
                             "declaredType": "image/png", "size": 3}]
        }))
        .unwrap();
        links.fill(&mut message, &thread, 0, "");
        let url = message.attachments[0].url.clone().unwrap();
        assert!(url.starts_with("/v1/files/"), "{url}");
        links.fill(&mut message, &thread, 0, "https://relay.example/");
        let url = message.attachments[0].url.clone().unwrap();
        assert!(url.starts_with("https://relay.example/v1/files/"), "{url}");
    }
}
