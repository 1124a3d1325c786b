//! Files on Telegram: a visitor's files go into the topic as `sendPhoto` (raster images
//! up to [`MAX_PHOTO_BYTES`]) or `sendDocument`, as `multipart/form-data` ([`file_form`],
//! built by `connector::form`); a team member's photo or
//! document comes back through `getFile` ([`get_file`], [`file_path`]) and a download from
//! [`file_url`].

use crate::attachment::RASTER_TYPES;
use confab_protocol::Attachment;
use serde::Deserialize;
use serde_json::json;

/// The longest caption Telegram takes; a longer text goes as a message of its own.
pub const MAX_CAPTION_CHARS: usize = 1024;

/// The largest photo `sendPhoto` takes; larger images go as documents.
pub const MAX_PHOTO_BYTES: u64 = 10 * 1024 * 1024;

/// Whether Telegram takes a file as a photo: a JPEG, PNG, WebP or GIF of at most
/// [`MAX_PHOTO_BYTES`] whose width and height (if known) add up to at most 10,000 pixels,
/// neither more than 20 times the other. Anything else goes as a document.
pub fn takes_as_photo(attachment: &Attachment) -> bool {
    let fits = match (attachment.width, attachment.height) {
        (Some(width), Some(height)) => {
            let (width, height) = (u64::from(width), u64::from(height));
            width + height <= 10_000 && width <= 20 * height && height <= 20 * width
        }
        _ => true,
    };
    RASTER_TYPES.contains(&attachment.content_type.as_str())
        && attachment.size <= MAX_PHOTO_BYTES
        && fits
}

/// A size of a photo, as an update lists them (smallest first).
#[derive(Clone, Debug, Deserialize)]
pub(super) struct RawPhotoSize {
    file_id: String,
    #[serde(default)]
    width: u64,
    #[serde(default)]
    height: u64,
    #[serde(default)]
    file_size: Option<u64>,
}

/// A document of an update.
#[derive(Clone, Debug, Deserialize)]
pub(super) struct RawDocument {
    file_id: String,
    #[serde(default)]
    file_name: Option<String>,
    #[serde(default)]
    mime_type: Option<String>,
    #[serde(default)]
    file_size: Option<u64>,
}

/// A file a team member sent in a topic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IncomingFile {
    /// Telegram's id of the file, for `getFile`.
    pub file_id: String,
    /// Its name (a photo's is made up: `photo-<message id>.jpg`).
    pub name: String,
    /// The type Telegram declares (photos are JPEG).
    pub declared_type: String,
    /// Its size, if Telegram says.
    pub size: Option<u64>,
}

/// The file of a message: its document, else the largest size of its photo.
pub(super) fn incoming_file(
    photo: &[RawPhotoSize],
    document: Option<RawDocument>,
    message_id: i64,
) -> Option<IncomingFile> {
    if let Some(document) = document {
        return Some(IncomingFile {
            file_id: document.file_id,
            name: document.file_name.unwrap_or_else(|| "file".into()),
            declared_type: document
                .mime_type
                .unwrap_or_else(|| "application/octet-stream".into()),
            size: document.file_size,
        });
    }
    let largest = photo
        .iter()
        .max_by_key(|size| (size.width * size.height, size.file_size.unwrap_or(0)))?;
    Some(IncomingFile {
        file_id: largest.file_id.clone(),
        name: format!("photo-{message_id}.jpg"),
        declared_type: "image/jpeg".into(),
        size: largest.file_size,
    })
}

/// The body of `getFile`.
pub fn get_file(file_id: &str) -> String {
    json!({ "file_id": file_id }).to_string()
}

/// The `file_path` in `getFile`'s result (a relative path without `..`).
pub fn file_path(result: &serde_json::Value) -> Option<String> {
    let path = result.get("file_path")?.as_str()?;
    let safe = !path.is_empty()
        && !path.starts_with('/')
        && path.split('/').all(|part| !part.is_empty() && part != "..")
        && path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'.' | b'_' | b'-'));
    safe.then(|| path.to_string())
}

/// Where a file is downloaded: `{base}/file/bot<token>/<file_path>`.
pub fn file_url(base: &str, token: &str, path: &str) -> String {
    format!("{}/file/bot{token}/{path}", base.trim_end_matches('/'))
}

pub use crate::connector::form::{FileForm, FilePart};

/// The form of `sendPhoto` (`photo: true`) or `sendDocument` into a topic, with an
/// optional caption (cut to [`MAX_CAPTION_CHARS`]), around the file. `boundary` must be
/// random (it must not occur in the bytes; 128 random bits do not, in practice).
pub fn file_form(
    boundary: &str,
    chat_id: i64,
    topic_id: i64,
    caption: Option<&str>,
    photo: bool,
    file: FilePart<'_>,
) -> FileForm {
    let chat_id = chat_id.to_string();
    let topic_id = topic_id.to_string();
    let mut fields = vec![
        ("chat_id", chat_id.as_str()),
        ("message_thread_id", topic_id.as_str()),
    ];
    let caption: Option<String> = caption
        .filter(|caption| !caption.is_empty())
        .map(|caption| caption.chars().take(MAX_CAPTION_CHARS).collect());
    if let Some(caption) = &caption {
        fields.push(("caption", caption));
    }
    let part = if photo { "photo" } else { "document" };
    crate::connector::form::file_form(boundary, &fields, part, file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_a_form_with_the_bytes_as_they_are() {
        let bytes = [0u8, 1, 2, 255];
        let png = FilePart {
            name: "a\"b.png",
            content_type: "image/png",
        };
        let form = file_form("XyZ", -100, 41, Some("a caption"), true, png);
        let mut body = form.head.clone();
        body.extend_from_slice(&bytes);
        body.extend_from_slice(&form.tail);
        assert_eq!(form.length(bytes.len() as u64), body.len() as u64);
        assert_eq!(form.content_type, "multipart/form-data; boundary=XyZ");
        let mut expected = b"--XyZ\r\nContent-Disposition: form-data; name=\"chat_id\"\r\n\r\n-100\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"message_thread_id\"\r\n\r\n41\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\na caption\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"a_b.png\"\r\nContent-Type: image/png\r\n\r\n"
            .to_vec();
        expected.extend_from_slice(&bytes);
        expected.extend_from_slice(b"\r\n--XyZ--\r\n");
        assert_eq!(body, expected);
        let pdf = FilePart {
            name: "x.pdf",
            content_type: "application/pdf",
        };
        let document = file_form("B", -1, 2, None, false, pdf);
        let text = String::from_utf8_lossy(&document.head);
        assert!(
            text.contains("name=\"document\"; filename=\"x.pdf\""),
            "{text}"
        );
        assert!(!text.contains("caption"), "{text}");
    }

    #[test]
    fn only_ordinary_raster_images_go_as_photos() {
        let image = |content_type: &str, size: u64, dimensions: Option<(u32, u32)>| Attachment {
            id: confab_protocol::AttachmentId::new("a1"),
            name: "a".into(),
            content_type: content_type.into(),
            declared_type: content_type.into(),
            size,
            width: dimensions.map(|d| d.0),
            height: dimensions.map(|d| d.1),
            url: None,
        };
        assert!(takes_as_photo(&image("image/png", 100, Some((640, 480)))));
        assert!(takes_as_photo(&image("image/jpeg", 100, None)));
        assert!(!takes_as_photo(&image("image/heic", 100, Some((640, 480)))));
        assert!(!takes_as_photo(&image("application/pdf", 100, None)));
        assert!(!takes_as_photo(&image(
            "image/png",
            MAX_PHOTO_BYTES + 1,
            None
        )));
        assert!(!takes_as_photo(&image(
            "image/png",
            100,
            Some((9000, 2000))
        )));
        assert!(!takes_as_photo(&image("image/png", 100, Some((2100, 100)))));
    }

    #[test]
    fn reads_files_of_updates() {
        let sizes: Vec<RawPhotoSize> = serde_json::from_value(json!([
            {"file_id": "small", "width": 90, "height": 60, "file_size": 1000},
            {"file_id": "large", "width": 1280, "height": 853, "file_size": 90000},
            {"file_id": "medium", "width": 320, "height": 213}
        ]))
        .unwrap();
        let photo = incoming_file(&sizes, None, 7).unwrap();
        assert_eq!(photo.file_id, "large");
        assert_eq!(photo.name, "photo-7.jpg");
        assert_eq!(photo.declared_type, "image/jpeg");
        let document: RawDocument = serde_json::from_value(json!({
            "file_id": "d1", "file_name": "order.pdf", "mime_type": "application/pdf",
            "file_size": 1234
        }))
        .unwrap();
        let file = incoming_file(&[], Some(document), 7).unwrap();
        assert_eq!(
            (file.file_id.as_str(), file.name.as_str(), file.size),
            ("d1", "order.pdf", Some(1234))
        );
        assert_eq!(incoming_file(&[], None, 7), None);
        assert_eq!(
            file_path(&json!({"file_id": "x", "file_path": "photos/file_1.jpg"})),
            Some("photos/file_1.jpg".into())
        );
        for bad in ["../x", "/etc/passwd", "a//b", "a b", ""] {
            assert_eq!(file_path(&json!({ "file_path": bad })), None, "{bad}");
        }
        assert_eq!(
            file_url("http://127.0.0.1:9/", "1:abc", "photos/a.jpg"),
            "http://127.0.0.1:9/file/bot1:abc/photos/a.jpg"
        );
    }
}
