//! Files in the thread and in the composer: a message's attachments (raster images as
//! thumbnails in a box of their final size, other files as a download chip), the files
//! staged for the next message, and those of a message on its way (previews, progress,
//! cancel). The image viewer is in `view/viewer.rs`.

use super::Intent;
use crate::i18n::Texts;
use crate::state::{is_raster, OutFile, Outgoing};
use confab_protocol::Attachment;
use yew::prelude::*;

/// The widest a thumbnail is, in CSS pixels.
const THUMB_WIDTH: u32 = 240;
/// The tallest a thumbnail is, in CSS pixels.
const THUMB_HEIGHT: u32 = 320;

/// A file the relay serves: its signed path (`/v1/files/…`) on the relay's origin. Anything
/// else is not shown (see [`super::panel::image_url`]).
pub(crate) fn file_url(relay: &str, path: &str) -> Option<String> {
    path.starts_with("/v1/files/")
        .then(|| format!("{relay}{path}"))
}

/// The box a thumbnail of `width` × `height` pixels takes: the image scaled to fit
/// [`THUMB_WIDTH`] × [`THUMB_HEIGHT`] (never up), so the thread is laid out before it loads.
/// Unknown dimensions take a 4:3 box.
pub fn thumb_box(width: Option<u32>, height: Option<u32>) -> (u32, u32) {
    let (width, height) = match (width, height) {
        (Some(width), Some(height)) if width > 0 && height > 0 => (width, height),
        _ => (THUMB_WIDTH, THUMB_WIDTH * 3 / 4),
    };
    // In integers: the smaller of the two scales, as a fraction `num / den`.
    let (num, den) = if u64::from(THUMB_WIDTH) * u64::from(height)
        <= u64::from(THUMB_HEIGHT) * u64::from(width)
    {
        (THUMB_WIDTH.min(width), width)
    } else {
        (THUMB_HEIGHT.min(height), height)
    };
    let scale = |side: u32| ((u64::from(side) * u64::from(num) / u64::from(den)) as u32).max(1);
    (scale(width), scale(height))
}

/// A size as people read it: "12 KB", "3.4 MB".
pub fn size_label(bytes: u64) -> String {
    const MB: u64 = 1024 * 1024;
    if bytes < MB {
        format!("{} KB", bytes.div_ceil(1024).max(1))
    } else {
        let tenths = bytes * 10 / MB;
        format!("{}.{} MB", tenths / 10, tenths % 10)
    }
}

/// A file's type as a short label: its name's extension ("pdf", which the stylesheet
/// shows in capitals), else its type's subtype.
pub fn type_label<'a>(name: &'a str, content_type: &'a str) -> &'a str {
    let extension =
        after(name, b'.').filter(|extension| !extension.is_empty() && extension.len() <= 5);
    extension
        .or_else(|| after(content_type, b'/'))
        .unwrap_or("")
}

/// What follows the last `separator` (an ASCII byte) in `text`, if it has one. By bytes:
/// `rsplit_once` compiles the string pattern machinery in.
pub(crate) fn after(text: &str, separator: u8) -> Option<&str> {
    let at = text.bytes().rposition(|byte| byte == separator)?;
    text.get(at + 1..)
}

/// A message's attachments. Images open the viewer.
pub fn attachments(files: &[Attachment], relay: &str) -> Html {
    if files.is_empty() {
        return Html::default();
    }
    html! {
        <div class="confab-files">
            { for files.iter().map(|file| attachment(file, relay)) }
        </div>
    }
}

fn attachment(file: &Attachment, relay: &str) -> Html {
    let url = file.url.as_deref().and_then(|path| file_url(relay, path));
    match url {
        Some(src) if is_raster(&file.content_type) => {
            let (width, height) = thumb_box(file.width, file.height);
            html! {
                <button type="button" class="confab-thumb"
                    onclick={super::viewer::open}>
                    <img {src} alt={file.name.clone()} loading="lazy"
                        width={width.to_string()} height={height.to_string()} />
                </button>
            }
        }
        url => chip(&file.name, &file.content_type, file.size, url),
    }
}

/// A file as a chip: its name, type and size; a download link when it is served.
fn chip(name: &str, content_type: &str, size: u64, url: Option<String>) -> Html {
    let info = format!("{} · {}", type_label(name, content_type), size_label(size));
    let inner = html! {
        <>
            <span class="confab-file-name">{ name }</span>
            <span class="confab-file-info">{ info }</span>
        </>
    };
    match url {
        Some(href) => html! {
            <a class="confab-file" {href} download={name.to_string()}>{ inner }</a>
        },
        None => html! { <span class="confab-file">{ inner }</span> },
    }
}

/// A file on this page (staged or on its way): its preview, or its chip.
fn local(file: &OutFile) -> Html {
    if file.is_image() && !file.preview.is_empty() {
        html! { <img class="confab-preview" src={file.preview.clone()} alt={file.name.clone()} /> }
    } else {
        chip(&file.name, &file.content_type, file.size, None)
    }
}

/// The files staged for the next message, each with its remove button.
pub fn staged(files: &[OutFile], on_intent: &Callback<Intent>, texts: &Texts) -> Html {
    if files.is_empty() {
        return Html::default();
    }
    html! {
        <ul class="confab-staged">
            { for files.iter().map(|file| {
                let preview = file.preview.clone();
                html! {
                    <li key={file.preview.clone()}>
                        { local(file) }
                        <button type="button" class="confab-remove"
                            aria-label={format!("{} {}", texts.remove_file, file.name)}
                            onclick={on_intent.reform(move |_: MouseEvent| Intent::Unstage(preview.clone()))} />
                    </li>
                }
            }) }
        </ul>
    }
}

/// The files of a message on its way: previews, each one's progress while it uploads, and
/// the button that cancels the message (or removes it once refused).
pub fn outgoing_files(
    outgoing: &Outgoing,
    sending: bool,
    on_intent: &Callback<Intent>,
    texts: &Texts,
) -> Html {
    if outgoing.files.is_empty() {
        return Html::default();
    }
    let client_id = outgoing.client_id.clone();
    html! {
        <>
            <button type="button" class="confab-remove confab-cancel" aria-label={texts.cancel_send}
                onclick={on_intent.reform(move |_: MouseEvent| Intent::Cancel(client_id.clone()))} />
            <div class="confab-files">
                { for outgoing.files.iter().map(|file| html! {
                    <div class="confab-local">
                        { local(file) }
                        if sending && file.uploaded.is_none() {
                            <progress class="confab-progress" max="100"
                                value={file.progress.to_string()} aria-label={texts.sending} />
                        }
                    </div>
                }) }
            </div>
        </>
    }
}

/// The files of a list (a file input's, a paste's or a drop's).
pub fn files_of(list: Option<web_sys::FileList>) -> Vec<web_sys::File> {
    let Some(list) = list else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|index| list.get(index))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thumbnails_fit_their_box_and_keep_their_shape() {
        for (size, expected) in [
            ((Some(4000), Some(3000)), (240, 180)),
            ((Some(3000), Some(4000)), (240, 320)),
            ((Some(1000), Some(4000)), (80, 320)),
            ((Some(100), Some(50)), (100, 50)),
            ((Some(2048), Some(1)), (240, 1)),
            ((None, Some(10)), (240, 180)),
            ((Some(0), Some(0)), (240, 180)),
        ] {
            assert_eq!(thumb_box(size.0, size.1), expected, "{size:?}");
        }
    }

    #[test]
    fn sizes_and_types_read_as_people_say_them() {
        for (bytes, expected) in [
            (0, "1 KB"),
            (1, "1 KB"),
            (1024, "1 KB"),
            (1025, "2 KB"),
            (1024 * 1024, "1.0 MB"),
            (3_565_159, "3.4 MB"),
        ] {
            assert_eq!(size_label(bytes), expected);
        }
        for (name, content_type, expected) in [
            ("order.pdf", "application/pdf", "pdf"),
            ("notes", "text/plain", "plain"),
            ("a.tar.gz", "application/gzip", "gz"),
            ("x.", "", ""),
        ] {
            assert_eq!(type_label(name, content_type), expected);
        }
    }

    #[test]
    fn only_the_relays_file_links_are_followed() {
        let relay = "https://r.example";
        assert_eq!(
            file_url(relay, "/v1/files/t/a?exp=1&sig=s").as_deref(),
            Some("https://r.example/v1/files/t/a?exp=1&sig=s")
        );
        assert_eq!(file_url(relay, "https://evil.example/x.png"), None);
    }
}
