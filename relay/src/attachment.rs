//! Attachments: files visitors and the team send with their messages.
//!
//! The bytes live in the R2 bucket `FILES` under [`object_key`]; a thread's object keeps
//! only their metadata ([`confab_protocol::Attachment`]). What a file is comes from its
//! first bytes, never from what the uploader says ([`detect`]): it must agree with the
//! declared type and the name's extension, and be one of the brand's allowed types
//! ([`AttachmentRules`]). SVG, HTML, scripts and executables are always refused.
//!
//! Files are served only through the relay, by signed, expiring links
//! (`/v1/files/{threadId}/{attachmentId}?exp=<unix seconds>&sig=<hex>`, see
//! [`FileLinks`]), with headers that keep a browser from running anything in them
//! ([`response_headers`]).

mod detect;
mod links;

pub use detect::{detect, Detected, SNIFF_BYTES};
pub use links::{parse_link_query, FileLinks, LinkQuery, WEBHOOK_LINK_TTL_SECONDS};

use crate::error::RelayError;
use confab_protocol::{normalize_text, AttachmentId, ThreadId, MAX_ATTACHMENTS_PER_MESSAGE};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::{Deserialize, Serialize};

/// The largest file a brand allows unless it says otherwise: 10 MiB.
pub const DEFAULT_MAX_BYTES: u64 = 10 * 1024 * 1024;

/// The largest file any brand may allow: 25 MiB.
pub const MAX_MAX_BYTES: u64 = 25 * 1024 * 1024;

/// The longest file name kept, in bytes.
pub const MAX_NAME_BYTES: usize = 255;

/// How long a file link works unless `FILE_URL_TTL_SECONDS` says otherwise.
pub const DEFAULT_LINK_TTL_SECONDS: u64 = 3600;

/// How long an upload that no message names is kept unless `UPLOAD_UNUSED_SECONDS` says
/// otherwise: a day.
pub const DEFAULT_UNUSED_SECONDS: u64 = 86_400;

/// Every type a brand may allow (and the default allow-list): common photos, PDF, plain
/// text and CSV, and Office documents. Nothing that a browser could run.
pub const SUPPORTED_TYPES: &[&str] = &[
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/gif",
    "image/heic",
    "application/pdf",
    "text/plain",
    "text/csv",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
];

/// The raster image types served `inline` (and measured).
pub const RASTER_TYPES: &[&str] = &["image/jpeg", "image/png", "image/webp", "image/gif"];

/// A brand's attachment rules (`attachments` in its settings).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentRules {
    /// The largest file, in bytes (1 to [`MAX_MAX_BYTES`]).
    #[serde(default = "default_max_bytes")]
    pub max_bytes: u64,
    /// The types allowed, each one of [`SUPPORTED_TYPES`].
    #[serde(default = "default_allowed_types")]
    pub allowed_types: Vec<String>,
}

fn default_max_bytes() -> u64 {
    DEFAULT_MAX_BYTES
}

fn default_allowed_types() -> Vec<String> {
    SUPPORTED_TYPES.iter().map(|t| t.to_string()).collect()
}

impl Default for AttachmentRules {
    fn default() -> Self {
        AttachmentRules {
            max_bytes: DEFAULT_MAX_BYTES,
            allowed_types: default_allowed_types(),
        }
    }
}

impl AttachmentRules {
    /// Whether these are the defaults (left out of stored settings).
    pub fn is_default(&self) -> bool {
        *self == AttachmentRules::default()
    }

    /// Checks the rules; the error says what to fix.
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=MAX_MAX_BYTES).contains(&self.max_bytes) {
            return Err(format!(
                "attachments.maxBytes must be from 1 to {MAX_MAX_BYTES}"
            ));
        }
        if let Some(unknown) = self
            .allowed_types
            .iter()
            .find(|t| !SUPPORTED_TYPES.contains(&t.as_str()))
        {
            return Err(format!(
                "attachments.allowedTypes may only name {}, not {unknown:?}",
                SUPPORTED_TYPES.join(", ")
            ));
        }
        Ok(())
    }

    /// Whether files of `mime` are allowed.
    pub fn allows(&self, mime: &str) -> bool {
        self.allowed_types.iter().any(|t| t == mime)
    }
}

/// Where a file's bytes are in the bucket.
pub fn object_key(thread: &ThreadId, id: &AttachmentId) -> String {
    format!("{}{id}", thread_prefix(thread))
}

/// The prefix of every file of a thread in the bucket (erasure deletes them all).
pub fn thread_prefix(thread: &ThreadId) -> String {
    format!("threads/{thread}/")
}

/// A file name as the relay keeps it: its last path segment (after `/` or `\`), without
/// control or bidirectional-override characters, trimmed, at most [`MAX_NAME_BYTES`] bytes
/// (cut at a character boundary, keeping a short extension); `file` if nothing is left.
pub fn sanitize_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !is_bidi_control(*c))
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.').trim();
    if trimmed.is_empty() {
        return "file".into();
    }
    if trimmed.len() <= MAX_NAME_BYTES {
        return trimmed.to_string();
    }
    let extension = trimmed
        .rsplit_once('.')
        .map(|(_, ext)| ext)
        .filter(|ext| (1..=10).contains(&ext.len()) && ext.is_ascii());
    let room = MAX_NAME_BYTES - extension.map_or(0, |ext| ext.len() + 1);
    let mut stem = String::new();
    for c in trimmed.chars() {
        if stem.len() + c.len_utf8() > room {
            break;
        }
        stem.push(c);
    }
    match extension {
        Some(ext) => format!("{}.{ext}", stem.trim_end()),
        None => stem,
    }
}

/// Characters that reorder text as it is shown (`photo`, U+202E, `gnp.exe` reads as
/// `photoexe.png`).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The lowercase extension of a name, if it has one.
pub fn extension(name: &str) -> Option<String> {
    let (stem, ext) = name.rsplit_once('.')?;
    (!stem.is_empty() && !ext.is_empty()).then(|| ext.to_ascii_lowercase())
}

/// Characters left as they are in an RFC 8187 `filename*` value (its `attr-char`).
const ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// `Content-Disposition` of a served file: raster images `inline`, anything else a
/// download under its name (`attachment; filename*=UTF-8''…`).
pub fn disposition(content_type: &str, name: &str) -> String {
    if RASTER_TYPES.contains(&content_type) {
        "inline".into()
    } else {
        format!(
            "attachment; filename*=UTF-8''{}",
            utf8_percent_encode(name, ATTR_CHAR)
        )
    }
}

/// The headers of a served file, `Content-Type` (the detected type) first: never sniffed
/// into another type, never a document that could run anything, cached only privately
/// until its link expires.
pub fn response_headers(
    content_type: &str,
    name: &str,
    remaining_seconds: u64,
) -> Vec<(&'static str, String)> {
    vec![
        ("Content-Type", content_type.to_string()),
        ("Content-Disposition", disposition(content_type, name)),
        ("X-Content-Type-Options", "nosniff".into()),
        ("Content-Security-Policy", "sandbox".into()),
        ("Cross-Origin-Resource-Policy", "cross-origin".into()),
        (
            "Cache-Control",
            format!("private, max-age={remaining_seconds}"),
        ),
    ]
}

/// A message's text as stored: [`normalize_text`]'s rules, except that a message with files
/// may have none; at most [`MAX_ATTACHMENTS_PER_MESSAGE`] files.
pub fn message_text(text: &str, attachments: &[AttachmentId]) -> Result<String, RelayError> {
    if attachments.len() > MAX_ATTACHMENTS_PER_MESSAGE {
        return Err(RelayError::InvalidParameter {
            name: "attachments",
            reason: format!("a message has at most {MAX_ATTACHMENTS_PER_MESSAGE} files"),
        });
    }
    if !attachments.is_empty() && text.trim().is_empty() {
        return Ok(String::new());
    }
    Ok(normalize_text(text)?)
}

/// A line of the text transcript for a file: `[file: name, type, size]`.
pub fn transcript_line(attachment: &confab_protocol::Attachment) -> String {
    format!(
        "[file: {}, {}, {}]",
        attachment.name,
        attachment.content_type,
        human_size(attachment.size)
    )
}

/// A message as text for channels that carry no files here (WhatsApp): its text, then a
/// [`transcript_line`] per file.
pub fn text_with_files(message: &confab_protocol::Message) -> String {
    let mut text = message.text.clone();
    for attachment in &message.attachments {
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(&transcript_line(attachment));
    }
    text
}

/// A size for people: bytes, KB or MB (powers of 1024, one decimal).
pub fn human_size(bytes: u64) -> String {
    match bytes {
        0..1024 => format!("{bytes} B"),
        1024..1_048_576 => format!("{:.1} KB", bytes as f64 / 1024.0),
        _ => format!("{:.1} MB", bytes as f64 / 1_048_576.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_paths_controls_and_excess() {
        for (raw, expected) in [
            ("photo.png", "photo.png"),
            ("C:\\Users\\mei\\photo.png", "photo.png"),
            ("../../etc/passwd", "passwd"),
            ("a\u{0}b\nc.txt", "abc.txt"),
            ("photo\u{202E}gnp.exe", "photognp.exe"),
            ("  spaced .pdf  ", "spaced .pdf"),
            (".htaccess", "htaccess"),
            ("", "file"),
            ("///", "file"),
            ("订单 2024.pdf", "订单 2024.pdf"),
        ] {
            assert_eq!(sanitize_name(raw), expected, "{raw:?}");
        }
        let long = format!("{}.pdf", "名".repeat(200));
        let kept = sanitize_name(&long);
        assert!(kept.len() <= MAX_NAME_BYTES, "{}", kept.len());
        assert!(kept.ends_with(".pdf"), "{kept}");
        let no_ext = "x".repeat(300);
        assert_eq!(sanitize_name(&no_ext).len(), MAX_NAME_BYTES);
    }

    #[test]
    fn rules_default_and_validate() {
        let rules: AttachmentRules = serde_json::from_str("{}").unwrap();
        assert_eq!(rules, AttachmentRules::default());
        assert!(rules.is_default() && rules.validate().is_ok());
        assert!(rules.allows("image/png") && !rules.allows("image/svg+xml"));
        let too_big = AttachmentRules {
            max_bytes: MAX_MAX_BYTES + 1,
            ..AttachmentRules::default()
        };
        assert!(too_big.validate().is_err());
        let svg = AttachmentRules {
            allowed_types: vec!["image/svg+xml".into()],
            ..AttachmentRules::default()
        };
        assert!(svg.validate().is_err());
        let json = serde_json::to_value(AttachmentRules::default()).unwrap();
        assert_eq!(json["maxBytes"], DEFAULT_MAX_BYTES);
        assert!(json["allowedTypes"].is_array());
    }

    #[test]
    fn raster_images_show_inline_and_the_rest_download() {
        assert_eq!(disposition("image/png", "a.png"), "inline");
        assert_eq!(
            disposition("application/pdf", "订单 1.pdf"),
            "attachment; filename*=UTF-8''%E8%AE%A2%E5%8D%95%201.pdf"
        );
        assert_eq!(
            disposition("image/heic", "a\"b;.heic"),
            "attachment; filename*=UTF-8''a%22b%3B.heic"
        );
        let headers = response_headers("image/png", "a.png", 42);
        assert!(headers.contains(&("Cache-Control", "private, max-age=42".into())));
        assert!(headers.contains(&("Content-Security-Policy", "sandbox".into())));
        assert!(headers.contains(&("X-Content-Type-Options", "nosniff".into())));
    }

    #[test]
    fn a_message_with_files_may_have_no_text() {
        let one = [AttachmentId::new("a1")];
        assert_eq!(message_text("  ", &one), Ok(String::new()));
        assert_eq!(message_text(" hi ", &one), Ok("hi".into()));
        assert_eq!(
            message_text("", &[]).map_err(|e| e.code().to_string()),
            Err("text_empty".into())
        );
        let many: Vec<AttachmentId> = (0..11)
            .map(|i| AttachmentId::new(format!("a{i}")))
            .collect();
        assert_eq!(
            message_text("hi", &many).map_err(|e| e.code().to_string()),
            Err("invalid_parameter".into())
        );
    }

    #[test]
    fn keys_and_sizes() {
        let thread = ThreadId::new("t0123456789abcdefghijk");
        let id = AttachmentId::new("a1");
        assert_eq!(
            object_key(&thread, &id),
            "threads/t0123456789abcdefghijk/a1"
        );
        assert!(object_key(&thread, &id).starts_with(&thread_prefix(&thread)));
        assert_eq!(human_size(10), "10 B");
        assert_eq!(human_size(2048), "2.0 KB");
        assert_eq!(human_size(3 * 1_048_576), "3.0 MB");
        assert_eq!(extension("a.PNG").as_deref(), Some("png"));
        assert_eq!(extension("README"), None);
        assert_eq!(extension(".png"), None);
    }
}
