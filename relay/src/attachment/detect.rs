//! What a file really is: its type read from its first bytes (the `infer` crate), checked
//! against the declared type, the name's extension and the brand's rules; and a raster
//! image's size, read from its header (the `imagesize` crate).

use super::{extension, AttachmentRules, RASTER_TYPES, SUPPORTED_TYPES};
use crate::error::RelayError;

/// How many of a file's first bytes are read before it is judged (or all, if it is
/// smaller): enough for every signature, an Office document's first entries, and a JPEG
/// header behind its EXIF block.
pub const SNIFF_BYTES: usize = 64 * 1024;

/// What a file was found to be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Detected {
    /// Its type, one of [`SUPPORTED_TYPES`].
    pub content_type: &'static str,
    /// Its width in pixels, for raster images whose header says.
    pub width: Option<u32>,
    /// Its height in pixels, likewise.
    pub height: Option<u32>,
}

/// Extensions whose files are always refused, whatever their bytes: pages, images and
/// documents that can carry script, scripts, and programs.
const REFUSED_EXTENSIONS: &[&str] = &[
    "html", "htm", "xhtml", "shtml", "mht", "mhtml", "svg", "svgz", "xml", "xsl", "js", "mjs",
    "cjs", "vbs", "vbe", "wsf", "wsh", "hta", "exe", "dll", "com", "scr", "msi", "bat", "cmd",
    "ps1", "sh", "bash", "zsh", "jar", "apk", "app", "dmg", "pkg", "deb", "rpm", "elf", "bin",
    "so", "dylib", "php", "py", "pl", "rb", "swf", "jsp", "asp", "aspx", "lnk", "reg", "cpl",
    "msc", "url", "webloc", "desktop", "wasm",
];

/// The type a (lowercase) extension stands for, among the supported ones.
fn extension_type(extension: &str) -> Option<&'static str> {
    Some(match extension {
        "jpg" | "jpeg" | "jpe" | "jfif" => "image/jpeg",
        "png" => "image/png",
        "webp" => "image/webp",
        "gif" => "image/gif",
        "heic" | "heif" => "image/heic",
        "pdf" => "application/pdf",
        "txt" | "text" | "log" => "text/plain",
        "csv" => "text/csv",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "doc" => "application/msword",
        "xls" => "application/vnd.ms-excel",
        "ppt" => "application/vnd.ms-powerpoint",
        _ => return None,
    })
}

/// One name per type: `image/jpg` is JPEG, HEIF is filed as HEIC.
fn canonical(mime: &str) -> &str {
    match mime {
        "image/jpg" | "image/pjpeg" => "image/jpeg",
        "image/heif" | "image/heic-sequence" | "image/heif-sequence" => "image/heic",
        other => other,
    }
}

fn is_text(mime: &str) -> bool {
    matches!(mime, "text/plain" | "text/csv")
}

fn is_ooxml(mime: &str) -> bool {
    mime.starts_with("application/vnd.openxmlformats-officedocument.")
}

fn is_legacy_office(mime: &str) -> bool {
    matches!(
        mime,
        "application/msword" | "application/vnd.ms-excel" | "application/vnd.ms-powerpoint"
    )
}

fn refused(what: impl Into<String>) -> RelayError {
    RelayError::FileTypeRefused(what.into())
}

fn mismatch(what: impl Into<String>) -> RelayError {
    RelayError::FileTypeMismatch(what.into())
}

/// Judges a file from its first bytes (`prefix`: [`SNIFF_BYTES`] of them, or all of it
/// if `complete`), its declared type (a `Content-Type`), its sanitised name and its size.
///
/// - Over the brand's size: [`RelayError::FileTooLarge`].
/// - A declared type or an extension the brand does not allow, or that is never allowed
///   (SVG, HTML, scripts, programs): [`RelayError::FileTypeRefused`].
/// - Bytes that are not what the declared type or the extension says, or an empty file:
///   [`RelayError::FileTypeMismatch`]. Plain text and CSV have no signature: they must be
///   UTF-8 without NUL that does not begin like a web page.
///
/// A declared type of `application/octet-stream` (or none) stands for the extension's; so
/// does `application/vnd.ms-excel` for a `.csv` (as Windows declares them).
pub fn detect(
    prefix: &[u8],
    complete: bool,
    declared: &str,
    name: &str,
    size: u64,
    rules: &AttachmentRules,
) -> Result<Detected, RelayError> {
    if size > rules.max_bytes {
        return Err(RelayError::FileTooLarge {
            limit: rules.max_bytes,
        });
    }
    if size == 0 || prefix.is_empty() {
        return Err(mismatch("an empty file has no type"));
    }
    let ext = extension(name);
    if let Some(ext) = ext
        .as_deref()
        .filter(|ext| REFUSED_EXTENSIONS.contains(ext))
    {
        return Err(refused(format!("files named .{ext} are never accepted")));
    }
    let ext_type = ext.as_deref().map(extension_type);
    let essence = declared
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let declared = match (canonical(&essence), ext_type) {
        ("" | "application/octet-stream", Some(Some(by_name))) => by_name,
        ("application/vnd.ms-excel", Some(Some("text/csv"))) => "text/csv",
        (other, _) => other,
    };
    let Some(&declared) = SUPPORTED_TYPES.iter().find(|t| **t == declared) else {
        return Err(refused(format!("{essence:?} files are not accepted")));
    };
    if !rules.allows(declared) {
        return Err(refused(format!(
            "this brand does not accept {declared} files"
        )));
    }
    let sniffed = infer::get(prefix).map(|found| canonical(found.mime_type()).to_string());
    let content_type = if is_text(declared) {
        if let Some(found) = sniffed {
            return Err(mismatch(format!(
                "declared {declared}, but the bytes are {found}"
            )));
        }
        if !looks_like_text(prefix, complete) {
            return Err(mismatch(format!(
                "declared {declared}, but the bytes are not plain UTF-8 text"
            )));
        }
        declared
    } else {
        match sniffed.as_deref() {
            Some(found) if found == declared => declared,
            // Office documents whose first entries the signatures do not name.
            Some("application/zip") if is_ooxml(declared) => declared,
            Some("application/x-ole-storage") if is_legacy_office(declared) => declared,
            Some(found) => {
                return Err(mismatch(format!(
                    "declared {declared}, but the bytes are {found}"
                )))
            }
            None => {
                return Err(mismatch(format!(
                    "declared {declared}, but the bytes are not of that type"
                )))
            }
        }
    };
    match ext_type {
        None => {}
        Some(Some(by_name)) if by_name == content_type => {}
        Some(_) => {
            return Err(mismatch(format!(
                "the name {name:?} does not fit a {content_type} file"
            )))
        }
    }
    let (width, height) = measure(content_type, prefix);
    Ok(Detected {
        content_type,
        width,
        height,
    })
}

/// A raster image's width and height, if its header is within `prefix`.
fn measure(content_type: &str, prefix: &[u8]) -> (Option<u32>, Option<u32>) {
    if !RASTER_TYPES.contains(&content_type) && content_type != "image/heic" {
        return (None, None);
    }
    match imagesize::blob_size(prefix) {
        Ok(size) => (
            u32::try_from(size.width).ok().filter(|w| *w > 0),
            u32::try_from(size.height).ok().filter(|h| *h > 0),
        ),
        Err(_) => (None, None),
    }
}

/// Whether bytes can be plain text: UTF-8 (a character cut off at the end of an
/// incomplete prefix aside), no NUL, and not the start of a web page or an XML document.
fn looks_like_text(prefix: &[u8], complete: bool) -> bool {
    if prefix.contains(&0) {
        return false;
    }
    let valid = match std::str::from_utf8(prefix) {
        Ok(text) => text,
        Err(error) if !complete && error.error_len().is_none() => {
            match std::str::from_utf8(&prefix[..error.valid_up_to()]) {
                Ok(text) => text,
                Err(_) => return false,
            }
        }
        Err(_) => return false,
    };
    let start = valid.trim_start_matches('\u{FEFF}').trim_start();
    let head: String = start.chars().take(16).collect::<String>().to_lowercase();
    ![
        "<!doctype",
        "<html",
        "<script",
        "<svg",
        "<?xml",
        "<head",
        "<body",
        "<iframe",
    ]
    .iter()
    .any(|page| head.starts_with(page))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG_1X1: &[u8] = &[
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44,
        0x52, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x02, 0x08, 0x06, 0x00, 0x00, 0x00, 0xE8,
        0x7A, 0x1B, 0xE0, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00,
        0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49,
        0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
    ];

    /// A JPEG's start: SOI, a JFIF APP0 segment, and a baseline frame header of 640 × 480.
    fn jpeg() -> Vec<u8> {
        let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
        bytes.extend_from_slice(b"JFIF\0\x01\x01\x00\x00\x01\x00\x01\x00\x00");
        bytes.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x11, 0x08, 0x01, 0xE0, 0x02, 0x80]);
        bytes.extend_from_slice(&[0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01]);
        bytes.extend_from_slice(&[0xFF, 0xD9]);
        bytes
    }

    fn gif() -> Vec<u8> {
        let mut bytes = b"GIF89a".to_vec();
        bytes.extend_from_slice(&[0x10, 0x00, 0x20, 0x00, 0x80, 0x00, 0x00]);
        bytes.extend_from_slice(&[0; 16]);
        bytes
    }

    fn webp() -> Vec<u8> {
        let mut bytes = b"RIFF\x24\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00".to_vec();
        // No flags, then width - 1 and height - 1 (24 bits each): 5 × 7.
        bytes.extend_from_slice(&[0, 0, 0, 0, 4, 0, 0, 6, 0, 0]);
        bytes.extend_from_slice(&[0; 16]);
        bytes
    }

    fn pdf() -> Vec<u8> {
        b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n".to_vec()
    }

    fn exe() -> Vec<u8> {
        let mut bytes = b"MZ\x90\x00".to_vec();
        bytes.extend_from_slice(&[0; 60]);
        bytes
    }

    const SVG: &[u8] = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";
    const XML_SVG: &[u8] = b"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"/>";
    const HTML: &[u8] = b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>";

    type Verdict = Result<(&'static str, Option<u32>, Option<u32>), &'static str>;

    /// A case: label, bytes, declared type, name, rules, verdict.
    type Case<'a> = (
        &'a str,
        &'a [u8],
        &'a str,
        &'a str,
        &'a AttachmentRules,
        Verdict,
    );

    #[test]
    fn files_are_judged_by_their_bytes() {
        let rules = AttachmentRules::default();
        let only_images = AttachmentRules {
            allowed_types: vec!["image/png".into()],
            ..AttachmentRules::default()
        };
        let small = AttachmentRules {
            max_bytes: 10,
            ..AttachmentRules::default()
        };
        let (jpeg, gif, webp, pdf, exe) = (jpeg(), gif(), webp(), pdf(), exe());
        let cases: Vec<Case> = vec![
            (
                "png",
                PNG_1X1,
                "image/png",
                "a.png",
                &rules,
                Ok(("image/png", Some(3), Some(2))),
            ),
            (
                "jpeg",
                &jpeg,
                "image/jpeg",
                "a.jpg",
                &rules,
                Ok(("image/jpeg", Some(640), Some(480))),
            ),
            (
                "image/jpg",
                &jpeg,
                "image/jpg",
                "a.JPEG",
                &rules,
                Ok(("image/jpeg", Some(640), Some(480))),
            ),
            (
                "gif",
                &gif,
                "image/gif",
                "a.gif",
                &rules,
                Ok(("image/gif", Some(16), Some(32))),
            ),
            (
                "webp",
                &webp,
                "image/webp",
                "a.webp",
                &rules,
                Ok(("image/webp", Some(5), Some(7))),
            ),
            (
                "pdf",
                &pdf,
                "application/pdf",
                "order.pdf",
                &rules,
                Ok(("application/pdf", None, None)),
            ),
            (
                "no extension",
                &pdf,
                "application/pdf",
                "order",
                &rules,
                Ok(("application/pdf", None, None)),
            ),
            (
                "octet-stream",
                &pdf,
                "application/octet-stream",
                "o.pdf",
                &rules,
                Ok(("application/pdf", None, None)),
            ),
            (
                "text",
                "héllo, 世界\n".as_bytes(),
                "text/plain; charset=utf-8",
                "a.txt",
                &rules,
                Ok(("text/plain", None, None)),
            ),
            (
                "csv",
                b"a,b\n1,2\n",
                "text/csv",
                "a.csv",
                &rules,
                Ok(("text/csv", None, None)),
            ),
            (
                "csv on windows",
                b"a,b\n",
                "application/vnd.ms-excel",
                "a.csv",
                &rules,
                Ok(("text/csv", None, None)),
            ),
            (
                "html as png",
                HTML,
                "image/png",
                "x.png",
                &rules,
                Err("file_type_mismatch"),
            ),
            (
                "html as text",
                HTML,
                "text/plain",
                "x.txt",
                &rules,
                Err("file_type_mismatch"),
            ),
            (
                "script as text",
                b"  <ScRiPt>alert(1)</script>",
                "text/plain",
                "x.txt",
                &rules,
                Err("file_type_mismatch"),
            ),
            (
                "html",
                HTML,
                "text/html",
                "x.html",
                &rules,
                Err("file_type_refused"),
            ),
            (
                "svg",
                SVG,
                "image/svg+xml",
                "x.svg",
                &rules,
                Err("file_type_refused"),
            ),
            (
                "svg as png",
                SVG,
                "image/png",
                "x.png",
                &rules,
                Err("file_type_mismatch"),
            ),
            (
                "xml svg as png",
                XML_SVG,
                "image/png",
                "x.png",
                &rules,
                Err("file_type_mismatch"),
            ),
            (
                "svg named png as text",
                SVG,
                "text/plain",
                "x.txt",
                &rules,
                Err("file_type_mismatch"),
            ),
            (
                "exe",
                &exe,
                "application/x-msdownload",
                "x.exe",
                &rules,
                Err("file_type_refused"),
            ),
            (
                "exe as pdf",
                &exe,
                "application/pdf",
                "x.pdf",
                &rules,
                Err("file_type_mismatch"),
            ),
            (
                "pdf named exe",
                &pdf,
                "application/pdf",
                "x.pdf.exe",
                &rules,
                Err("file_type_refused"),
            ),
            (
                "png named jpg",
                PNG_1X1,
                "image/png",
                "x.jpg",
                &rules,
                Err("file_type_mismatch"),
            ),
            (
                "png declared jpeg",
                PNG_1X1,
                "image/jpeg",
                "x.jpg",
                &rules,
                Err("file_type_mismatch"),
            ),
            (
                "unknown extension",
                PNG_1X1,
                "image/png",
                "x.bmpx",
                &rules,
                Err("file_type_mismatch"),
            ),
            (
                "empty",
                b"",
                "text/plain",
                "x.txt",
                &rules,
                Err("file_type_mismatch"),
            ),
            (
                "nul in text",
                b"abc\0def",
                "text/plain",
                "x.txt",
                &rules,
                Err("file_type_mismatch"),
            ),
            (
                "latin-1 text",
                b"caf\xe9 au lait",
                "text/plain",
                "x.txt",
                &rules,
                Err("file_type_mismatch"),
            ),
            (
                "png as text",
                PNG_1X1,
                "text/plain",
                "x.txt",
                &rules,
                Err("file_type_mismatch"),
            ),
            (
                "not allowed here",
                &pdf,
                "application/pdf",
                "x.pdf",
                &only_images,
                Err("file_type_refused"),
            ),
            (
                "too large",
                PNG_1X1,
                "image/png",
                "x.png",
                &small,
                Err("file_too_large"),
            ),
            (
                "no type at all",
                b"just bytes",
                "",
                "x",
                &rules,
                Err("file_type_refused"),
            ),
        ];
        let mut wrong = Vec::new();
        for (label, bytes, declared, name, rules, expected) in cases {
            let verdict = detect(bytes, true, declared, name, bytes.len() as u64, rules)
                .map(|d| (d.content_type, d.width, d.height))
                .map_err(|e| e.code().to_string());
            let expected = expected.map_err(str::to_string);
            if verdict != expected {
                wrong.push(format!("{label}: {verdict:?}, expected {expected:?}"));
            }
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
    }

    #[test]
    fn a_character_cut_at_the_end_of_a_prefix_is_still_text() {
        let text = "价".repeat(10);
        let cut = &text.as_bytes()[..text.len() - 1];
        let rules = AttachmentRules::default();
        assert!(detect(cut, false, "text/plain", "a.txt", 100, &rules).is_ok());
        assert!(detect(cut, true, "text/plain", "a.txt", 29, &rules).is_err());
    }
}
