//! WhatsApp media, both ways (Cloud API).
//!
//! The team's files go as two calls each: an upload, `POST {base}/{version}/{number}/media`
//! (`multipart/form-data`: `messaging_product=whatsapp`, `type` = the file's type, `file`),
//! answered `{"id":"<media id>"}`, then a message of `type` `image` (JPEG and PNG up to
//! [`IMAGE_MAX_BYTES`]) or `document` (with its `filename`, up to [`DOCUMENT_MAX_BYTES`])
//! naming that id, with an optional `caption` (at most [`MAX_CAPTION_CHARS`]).
//!
//! The visitor's media arrive in webhooks as messages of `type` `image`, `document` or
//! `sticker` carrying a media id (and a caption, a document's `filename`); the relay asks
//! `GET {base}/{version}/{media id}` (bearer token) for a short-lived `url`, and downloads
//! it with the same token. Audio and video are not carried (no brand may allow their
//! types): they read as [`super::Event::Unsupported`].

use super::{read_graph_answer, API_VERSION};
use crate::attachment::{extension, sanitize_name};
use crate::connector::form::{file_form, FileForm, FilePart};
use crate::connector::{Delivery, Failure, FailureReason};
use confab_protocol::Attachment;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The largest image WhatsApp takes as an `image` (5 MB).
pub const IMAGE_MAX_BYTES: u64 = 5 * 1024 * 1024;

/// The largest document WhatsApp takes (100 MB).
pub const DOCUMENT_MAX_BYTES: u64 = 100 * 1024 * 1024;

/// The longest caption of an image or a document.
pub const MAX_CAPTION_CHARS: usize = 1024;

/// The types WhatsApp shows as images; other images go as documents.
const IMAGE_TYPES: [&str; 2] = ["image/jpeg", "image/png"];

/// How a file goes to WhatsApp.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaKind {
    /// Shown as a photo.
    Image,
    /// A file with its name.
    Document,
}

impl MediaKind {
    /// The message `type` (and the key of its object).
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Document => "document",
        }
    }
}

/// How a file goes: a JPEG or PNG within [`IMAGE_MAX_BYTES`] as an image, anything else
/// within [`DOCUMENT_MAX_BYTES`] as a document (a large photo still arrives, as a file); a
/// larger file is refused for good, with a reason the visitor may read.
pub fn media_kind(attachment: &Attachment) -> Result<MediaKind, Failure> {
    if IMAGE_TYPES.contains(&attachment.content_type.as_str()) && attachment.size <= IMAGE_MAX_BYTES
    {
        return Ok(MediaKind::Image);
    }
    if attachment.size <= DOCUMENT_MAX_BYTES {
        return Ok(MediaKind::Document);
    }
    Err(Failure::new(
        FailureReason::TooLarge,
        format!(
            "{} bytes: WhatsApp takes documents of at most {DOCUMENT_MAX_BYTES} bytes",
            attachment.size
        ),
    ))
}

/// Where files are uploaded.
pub fn upload_url(base: &str, phone_number_id: &str) -> String {
    format!(
        "{}/{API_VERSION}/{phone_number_id}/media",
        base.trim_end_matches('/')
    )
}

/// The upload's form around the file (its bytes stream between `head` and `tail`).
pub fn upload_form(boundary: &str, file: FilePart<'_>) -> FileForm {
    let fields = [
        ("messaging_product", "whatsapp"),
        ("type", file.content_type),
    ];
    file_form(boundary, &fields, "file", file)
}

/// Reads an upload's answer: the media id, or what the failure means.
pub fn read_upload_answer(status: u16, body: &str) -> Result<String, Delivery> {
    #[derive(Deserialize)]
    struct Uploaded {
        id: String,
    }
    read_graph_answer(status, body, |body| {
        serde_json::from_str::<Uploaded>(body)
            .ok()
            .map(|uploaded| uploaded.id)
            .filter(|id| !id.is_empty())
    })
}

/// The body of a message sending uploaded media `media_id` to `wa_id`: a caption if any
/// (cut to [`MAX_CAPTION_CHARS`]), and a document's file name.
pub fn send_media(
    wa_id: &str,
    kind: MediaKind,
    media_id: &str,
    caption: Option<&str>,
    filename: &str,
) -> String {
    let mut media = json!({ "id": media_id });
    if let Some(caption) = caption.filter(|caption| !caption.is_empty()) {
        media["caption"] = caption
            .chars()
            .take(MAX_CAPTION_CHARS)
            .collect::<String>()
            .into();
    }
    if kind == MediaKind::Document {
        media["filename"] = filename.into();
    }
    let mut body = json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": wa_id,
        "type": kind.as_str(),
    });
    body[kind.as_str()] = media;
    body.to_string()
}

/// A file the visitor sent on WhatsApp, as its webhook describes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IncomingMedia {
    /// WhatsApp's media id (digits), for [`media_info_url`].
    pub id: String,
    /// The type WhatsApp declares.
    pub mime_type: String,
    /// The name it is kept under (a document's own, else made up from the message type).
    pub name: String,
}

/// A media object of a webhook message (`image`, `document`, `sticker`).
#[derive(Clone, Debug, Deserialize)]
pub(super) struct RawMedia {
    id: String,
    #[serde(default)]
    mime_type: Option<String>,
    #[serde(default)]
    filename: Option<String>,
    #[serde(default)]
    pub(super) caption: Option<String>,
}

/// What a webhook's media object comes to (`kind` is the message `type`), if its id is one
/// the relay may put in a URL.
pub(super) fn incoming_media(kind: &str, raw: RawMedia) -> Option<IncomingMedia> {
    let id_ok = (1..=64).contains(&raw.id.len()) && raw.id.bytes().all(|b| b.is_ascii_digit());
    if !id_ok {
        return None;
    }
    let mime_type = raw.mime_type.unwrap_or_else(|| match kind {
        "sticker" => "image/webp".into(),
        "image" => "image/jpeg".into(),
        _ => "application/octet-stream".into(),
    });
    // A parameter (`; codecs=…`) is not part of the type the rules judge.
    let mime_type = mime_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let made_up = || {
        let ext = match mime_type.as_str() {
            "image/jpeg" => "jpg",
            "image/png" => "png",
            "image/webp" => "webp",
            "application/pdf" => "pdf",
            _ => "bin",
        };
        format!("whatsapp-{kind}.{ext}")
    };
    let name = raw
        .filename
        .map(|name| sanitize_name(&name))
        .filter(|name| extension(name).is_some())
        .unwrap_or_else(made_up);
    Some(IncomingMedia {
        id: raw.id,
        mime_type,
        name,
    })
}

/// Where a media id's download URL is asked for.
pub fn media_info_url(base: &str, media_id: &str) -> String {
    format!("{}/{API_VERSION}/{media_id}", base.trim_end_matches('/'))
}

/// What `GET /{media id}` says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MediaInfo {
    /// Where to download it (minutes only; with the bearer token).
    pub url: String,
    /// Its size, if said.
    pub file_size: Option<u64>,
}

/// Reads `GET /{media id}`'s answer, or `None` if it is not one (an error, no URL). The
/// Graph API has given `file_size` as a number and as a string.
pub fn read_media_info(status: u16, body: &str) -> Option<MediaInfo> {
    if status != 200 {
        return None;
    }
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    let url = value.get("url")?.as_str()?.to_string();
    let file_size = value.get("file_size").and_then(|size| {
        size.as_u64()
            .or_else(|| size.as_str().and_then(|size| size.parse().ok()))
    });
    Some(MediaInfo { url, file_size })
}

/// Whether the relay may send the access token to `url` to download media: over HTTPS,
/// or to the API's own origin (the tests' fake, on plain HTTP). Anything else (another
/// scheme, credentials in the URL, plain HTTP elsewhere) is refused.
pub fn download_allowed(base: &str, url: &str) -> bool {
    let Ok(url) = url::Url::parse(url) else {
        return false;
    };
    if !url.username().is_empty() || url.password().is_some() {
        return false;
    }
    let same_origin = url::Url::parse(base).is_ok_and(|base| base.origin() == url.origin());
    url.scheme() == "https" || same_origin
}

#[cfg(test)]
mod tests {
    use super::*;
    use confab_protocol::AttachmentId;

    fn file(content_type: &str, size: u64) -> Attachment {
        Attachment {
            id: AttachmentId::new("a1"),
            name: "f".into(),
            content_type: content_type.into(),
            declared_type: content_type.into(),
            size,
            width: None,
            height: None,
            url: None,
        }
    }

    #[test]
    fn photos_go_as_images_and_the_rest_as_documents_within_the_limits() {
        assert_eq!(media_kind(&file("image/jpeg", 100)), Ok(MediaKind::Image));
        assert_eq!(
            media_kind(&file("image/png", IMAGE_MAX_BYTES)),
            Ok(MediaKind::Image)
        );
        assert_eq!(
            media_kind(&file("image/png", IMAGE_MAX_BYTES + 1)),
            Ok(MediaKind::Document)
        );
        assert_eq!(media_kind(&file("image/webp", 10)), Ok(MediaKind::Document));
        assert_eq!(
            media_kind(&file("application/pdf", 10)),
            Ok(MediaKind::Document)
        );
        let too_large = media_kind(&file("application/pdf", DOCUMENT_MAX_BYTES + 1));
        assert_eq!(
            too_large.map_err(|failure| failure.reason),
            Err(FailureReason::TooLarge)
        );
    }

    #[test]
    fn builds_uploads_and_media_messages() {
        let pdf = FilePart {
            name: "order.pdf",
            content_type: "application/pdf",
        };
        let form = upload_form("B", pdf);
        let head = String::from_utf8(form.head).unwrap();
        assert!(
            head.contains("name=\"messaging_product\"\r\n\r\nwhatsapp\r\n"),
            "{head}"
        );
        assert!(
            head.contains("name=\"type\"\r\n\r\napplication/pdf\r\n"),
            "{head}"
        );
        assert!(head.ends_with(
            "name=\"file\"; filename=\"order.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
        ));
        assert_eq!(upload_url("http://x/", "106"), "http://x/v21.0/106/media");
        let image: serde_json::Value = serde_json::from_str(&send_media(
            "86",
            MediaKind::Image,
            "77",
            Some("hi"),
            "a.jpg",
        ))
        .unwrap();
        assert_eq!(image["type"], "image");
        assert_eq!(image["image"], json!({ "id": "77", "caption": "hi" }));
        let long = "é".repeat(2000);
        let document: serde_json::Value = serde_json::from_str(&send_media(
            "86",
            MediaKind::Document,
            "78",
            Some(&long),
            "order.pdf",
        ))
        .unwrap();
        assert_eq!(document["document"]["filename"], "order.pdf");
        assert_eq!(
            document["document"]["caption"]
                .as_str()
                .unwrap()
                .chars()
                .count(),
            MAX_CAPTION_CHARS
        );
        let bare: serde_json::Value =
            serde_json::from_str(&send_media("86", MediaKind::Image, "79", None, "a")).unwrap();
        assert_eq!(bare["image"], json!({ "id": "79" }));
    }

    #[test]
    fn reads_upload_and_media_answers() {
        assert_eq!(
            read_upload_answer(200, r#"{"id":"1234"}"#),
            Ok("1234".into())
        );
        assert!(read_upload_answer(200, r#"{"id":""}"#).is_err());
        let refused = read_upload_answer(
            400,
            r#"{"error":{"message":"Media upload error","code":131053}}"#,
        );
        assert!(
            matches!(refused, Err(Delivery::Refused { .. })),
            "{refused:?}"
        );
        assert_eq!(
            read_media_info(
                200,
                r#"{"messaging_product":"whatsapp","url":"https://lookaside.fbsbx.com/x?y=1","mime_type":"image/jpeg","sha256":"ab","file_size":"303","id":"77"}"#
            ),
            Some(MediaInfo {
                url: "https://lookaside.fbsbx.com/x?y=1".into(),
                file_size: Some(303)
            })
        );
        assert_eq!(
            read_media_info(200, r#"{"url":"u","file_size":12}"#).map(|info| info.file_size),
            Some(Some(12))
        );
        assert_eq!(read_media_info(404, r#"{"url":"u"}"#), None);
        assert_eq!(read_media_info(200, r#"{"error":{}}"#), None);
    }

    #[test]
    fn the_token_goes_only_over_https_or_to_the_api_itself() {
        let base = "http://127.0.0.1:9000";
        assert!(download_allowed(base, "http://127.0.0.1:9000/media/1"));
        assert!(download_allowed(
            "https://graph.facebook.com",
            "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1"
        ));
        assert!(!download_allowed(base, "http://127.0.0.1:9001/media/1"));
        assert!(!download_allowed(base, "http://evil.example/media/1"));
        assert!(!download_allowed(
            base,
            "https://user:pw@lookaside.fbsbx.com/"
        ));
        assert!(!download_allowed(base, "file:///etc/passwd"));
        assert!(!download_allowed(base, "not a url"));
    }

    #[test]
    fn reads_incoming_media() {
        let raw = |id: &str, mime: Option<&str>, filename: Option<&str>| RawMedia {
            id: id.into(),
            mime_type: mime.map(str::to_string),
            filename: filename.map(str::to_string),
            caption: None,
        };
        let photo = incoming_media("image", raw("123", Some("image/jpeg"), None)).unwrap();
        assert_eq!(
            (photo.name.as_str(), photo.mime_type.as_str()),
            ("whatsapp-image.jpg", "image/jpeg")
        );
        let pdf = incoming_media(
            "document",
            raw("124", Some("application/pdf"), Some("../Order 7.pdf")),
        )
        .unwrap();
        assert_eq!(pdf.mime_type, "application/pdf");
        assert!(
            pdf.name.ends_with("Order 7.pdf") && !pdf.name.contains('/'),
            "{}",
            pdf.name
        );
        let sticker = incoming_media("sticker", raw("125", None, None)).unwrap();
        assert_eq!(sticker.name, "whatsapp-sticker.webp");
        assert_eq!(
            incoming_media("image", raw("12/../x", None, None)),
            None,
            "an id that is not digits never reaches a URL"
        );
    }
}
