//! The emails the relay sent, read where the real runtime puts them.
//!
//! `wrangler dev` (4.86, pinned here) simulates the `send_email` binding in miniflare: each
//! raw message the Worker sends is checked (a `Message-ID`, `From` agreeing with the
//! envelope, no `Received`), written to `<os temp dir>/miniflare-<random>/files/email/
//! <uuid>.eml`, and its path logged ("send_email binding called with the following
//! message"). The temp dir is node's `os.tmpdir()`: `TMPDIR` (inherited from the tests) or
//! `/tmp`. Several relays may run at once, so messages are told apart by recipient: each
//! test writes to addresses of its own ([`unique_address`]).

use crate::eventually;
use std::path::PathBuf;
use std::time::SystemTime;

/// One sent email, parsed with `mail-parser`.
#[derive(Clone, Debug)]
pub struct SentEmail {
    /// When its file was written.
    pub written: SystemTime,
    /// The raw message.
    pub raw: String,
    /// `From`'s address.
    pub from: String,
    /// `To`'s address.
    pub to: String,
    /// The subject.
    pub subject: String,
    /// `Reply-To`'s address.
    pub reply_to: Option<String>,
    /// `List-Unsubscribe`, as written.
    pub list_unsubscribe: Option<String>,
    /// `List-Unsubscribe-Post`, as written.
    pub list_unsubscribe_post: Option<String>,
    /// The text part, line ends as `\n`.
    pub text: String,
    /// The HTML part.
    pub html: Option<String>,
}

impl SentEmail {
    /// The first URL in the text part that starts with `prefix`.
    pub fn link(&self, prefix: &str) -> Option<String> {
        let start = self.text.find(prefix)?;
        let rest = &self.text[start..];
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        Some(rest[..end].to_string())
    }
}

/// An address no other test writes to.
pub fn unique_address(name: &str) -> String {
    use std::hash::{BuildHasher, RandomState};
    let random = RandomState::new().hash_one(SystemTime::now());
    format!("{name}-{random:x}@example.com")
}

fn email_files() -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|entry| {
            entry
                .file_name()
                .to_string_lossy()
                .starts_with("miniflare-")
        })
        .filter_map(|entry| std::fs::read_dir(entry.path().join("files/email")).ok())
        .flat_map(|files| files.flatten().map(|file| file.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "eml"))
        .collect()
}

fn parse(path: &PathBuf) -> Option<SentEmail> {
    let bytes = std::fs::read(path).ok()?;
    let written = std::fs::metadata(path)
        .and_then(|meta| meta.modified())
        .ok()?;
    let message = mail_parser::MessageParser::default().parse(&bytes)?;
    let address = |list: Option<&mail_parser::Address>| {
        list.and_then(|list| list.first())
            .and_then(|address| address.address())
            .map(str::to_string)
    };
    let header = |name: &str| message.header_raw(name).map(|raw| raw.trim().to_string());
    Some(SentEmail {
        written,
        raw: String::from_utf8_lossy(&bytes).into_owned(),
        from: address(message.from())?,
        to: address(message.to())?,
        subject: message.subject().unwrap_or("").to_string(),
        reply_to: address(message.reply_to()),
        list_unsubscribe: header("List-Unsubscribe"),
        list_unsubscribe_post: header("List-Unsubscribe-Post"),
        text: message.body_text(0)?.replace("\r\n", "\n"),
        html: message.body_html(0).map(|html| html.into_owned()),
    })
}

/// Every email sent to `address` so far, oldest first.
pub fn sent_to(address: &str) -> Vec<SentEmail> {
    let mut sent: Vec<SentEmail> = email_files()
        .iter()
        .filter_map(parse)
        .filter(|email| email.to.eq_ignore_ascii_case(address))
        .collect();
    sent.sort_by_key(|email| email.written);
    sent
}

/// Waits (at most 60 s) until `count` emails were sent to `address`; returns them all.
pub async fn wait_for(address: &str, count: usize) -> Vec<SentEmail> {
    eventually(60, || async {
        let sent = sent_to(address);
        match sent.len() >= count {
            true => Ok(sent),
            false => Err(format!(
                "{} of {count} emails to {address}: {:?}",
                sent.len(),
                sent.iter().map(|email| &email.subject).collect::<Vec<_>>()
            )),
        }
    })
    .await
}

/// Every email file the runtime has written so far, whatever the relay or recipient, not
/// read: a poller that remembers the paths it has seen reads only what is new.
pub fn sent_files() -> Vec<PathBuf> {
    email_files()
}

/// Reads one file of [`sent_files`] (`None` while it is not a whole message yet).
pub fn read_sent(path: &std::path::Path) -> Option<SentEmail> {
    parse(&path.to_path_buf())
}
