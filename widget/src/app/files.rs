//! Files on their way out: staged from the file button, a paste or a drop (big photos
//! scaled down first), their bytes held by this page until the relay has them, and
//! uploaded one by one (each once) before their message is sent.

use super::effects::Effects;
use super::kept;
use crate::error::WidgetError;
use crate::state::{Action, OutFile, Outgoing, State};
use confab_protocol::{AttachmentId, ClientMessageId, Session};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use yew::Callback;

/// The longest side of a photo sent, in pixels: enough to read a label or a receipt.
const MAX_SIDE: u32 = 2048;

/// A photo heavier than this is re-encoded even when it is small enough in pixels.
const MAX_PHOTO_BYTES: f64 = 1_500_000.0;

impl Effects {
    /// The visitor picked, pasted or dropped files: each is staged above the composer.
    pub fn stage(self: &Rc<Self>, files: Vec<web_sys::File>) {
        let effects = self.clone();
        spawn_local(async move {
            let mut staged = Vec::new();
            for file in files {
                let (blob, name) = scale_down(&file).await;
                let Ok(preview) = web_sys::Url::create_object_url_with_blob(&blob) else {
                    continue;
                };
                staged.push(OutFile {
                    preview: preview.clone(),
                    name,
                    content_type: blob.type_(),
                    size: blob.size() as u64,
                    ..OutFile::default()
                });
                effects.blobs.borrow_mut().push((preview, blob));
            }
            effects.dispatcher.dispatch(Action::Staged(staged));
        });
    }

    /// A message with files joined the outbox: its files' bytes are now known by their
    /// place in it (see [`kept::key`]), and kept in IndexedDB until the relay has them.
    pub(super) fn keep_files(&self, outgoing: &Outgoing) {
        for (index, file) in outgoing.files.iter().enumerate() {
            let key = kept::key(outgoing.client_id.as_str(), index);
            let mut blobs = self.blobs.borrow_mut();
            if let Some(entry) = blobs.iter_mut().find(|(held, _)| *held == file.preview) {
                entry.0.clone_from(&key);
                spawn_local(kept::put(key, entry.1.clone()));
            }
        }
    }

    /// On a new page: the bytes of the restored outbox's files come back from IndexedDB
    /// (shown as chips: their previews were the last page's). Until then no message with
    /// files is sent, since its bytes would seem lost.
    pub(super) fn restore_files(self: &Rc<Self>, outbox: Vec<Outgoing>) {
        let effects = self.clone();
        spawn_local(async move {
            for outgoing in outbox {
                for index in 0..outgoing.files.len() {
                    let key = kept::key(outgoing.client_id.as_str(), index);
                    if let Some(blob) = kept::get(&key).await {
                        effects.blobs.borrow_mut().push((key, blob));
                    }
                }
            }
            effects.files_ready.set(true);
            // Any action renders again, and each render sends what may go.
            effects.dispatcher.dispatch(Action::Visibility {
                hidden: super::effects::document_hidden(),
            });
        });
    }

    /// The visitor removed a staged file.
    pub fn unstage(&self, preview: String) {
        self.release(&preview, &preview);
        self.dispatcher.dispatch(Action::Unstaged(preview));
    }

    /// The visitor cancelled a message with files (or removed one the relay refused): its
    /// upload stops and it leaves the outbox.
    pub fn cancel(&self, client_id: ClientMessageId) {
        let sending = self.rendered(|state| state.sending.clone()).flatten();
        if sending.as_ref() == Some(&client_id) {
            if let Some(request) = self.upload.borrow_mut().take() {
                let _ = request.abort();
            }
        }
        self.dispatcher.dispatch(Action::Cancelled(client_id));
    }

    /// The bytes held under `key` (a staged file's preview, or an outbox file's place),
    /// if this page has them.
    fn blob(&self, key: &str) -> Option<web_sys::Blob> {
        let blobs = self.blobs.borrow();
        let found = blobs.iter().find(|(held, _)| held == key);
        found.map(|(_, blob)| blob.clone())
    }

    /// Lets go of the bytes held under `key` and of the `preview`.
    fn release(&self, key: &str, preview: &str) {
        self.blobs.borrow_mut().retain(|(held, _)| held != key);
        let _ = web_sys::Url::revoke_object_url(preview);
    }

    /// Uploads the files of `next` not yet uploaded, in order, and gives every file's id.
    /// A file whose bytes this page lacks fails the message for good.
    pub(super) async fn upload_all(
        &self,
        session: &Session,
        next: &Outgoing,
    ) -> Result<Vec<AttachmentId>, WidgetError> {
        let mut ids = Vec::with_capacity(next.files.len());
        for (index, file) in next.files.iter().enumerate() {
            if let Some(id) = &file.uploaded {
                ids.push(id.clone());
                continue;
            }
            let blob = self
                .blob(&kept::key(next.client_id.as_str(), index))
                .ok_or_else(|| WidgetError::Decode("file missing".into()))?;
            let (dispatcher, client_id) = (self.dispatcher.clone(), next.client_id.clone());
            let progress = Callback::from(move |percent| {
                dispatcher.dispatch(Action::Progress {
                    client_id: client_id.clone(),
                    index,
                    percent,
                })
            });
            let attachment = self
                .relay
                .upload(session, &blob, &file.name, &progress, &self.upload)
                .await?;
            self.dispatcher.dispatch(Action::Uploaded {
                client_id: next.client_id.clone(),
                index,
                id: attachment.id.clone(),
            });
            ids.push(attachment.id);
        }
        Ok(ids)
    }

    /// After a render: the bytes of messages that left the outbox (acknowledged or
    /// cancelled) are let go.
    pub(super) fn release_sent(&self, state: &State, last: &State) {
        for gone in last.outbox.iter().filter(|old| {
            !state
                .outbox
                .iter()
                .any(|outgoing| outgoing.client_id == old.client_id)
        }) {
            for (index, file) in gone.files.iter().enumerate() {
                let key = kept::key(gone.client_id.as_str(), index);
                self.release(&key, &file.preview);
                spawn_local(kept::remove(key));
            }
        }
    }
}

/// The file to send: a JPEG, PNG or WebP photo larger than [`MAX_SIDE`] or
/// [`MAX_PHOTO_BYTES`] drawn again at most [`MAX_SIDE`] and re-encoded as JPEG (which also
/// drops its metadata, such as where it was taken); anything else as it is.
async fn scale_down(file: &web_sys::File) -> (web_sys::Blob, String) {
    let blob: &web_sys::Blob = file.as_ref();
    let name = file.name();
    if matches!(
        blob.type_().as_str(),
        "image/jpeg" | "image/png" | "image/webp"
    ) {
        if let Some(scaled) = scaled(blob).await {
            // The relay checks that the name agrees with the bytes.
            let stem = name.len() - crate::view::after(&name, b'.').map_or(0, |ext| ext.len() + 1);
            return (scaled, [&name[..stem], ".jpg"].concat());
        }
    }
    (blob.clone(), name)
}

/// The photo scaled down and re-encoded, if it needs it (see [`scale_down`]).
async fn scaled(blob: &web_sys::Blob) -> Option<web_sys::Blob> {
    let window = web_sys::window()?;
    let bitmap: web_sys::ImageBitmap =
        JsFuture::from(window.create_image_bitmap_with_blob(blob).ok()?)
            .await
            .ok()?
            .unchecked_into();
    let (width, height) = (bitmap.width(), bitmap.height());
    let longest = width.max(height).max(1);
    if longest <= MAX_SIDE && blob.size() <= MAX_PHOTO_BYTES {
        return None;
    }
    let scale = (f64::from(MAX_SIDE) / f64::from(longest)).min(1.0);
    // `+ 0.5` and a cast rather than `round`, which would compile a libm call in.
    let side = |pixels: u32| ((f64::from(pixels) * scale + 0.5) as u32).max(1);
    let (width, height) = (side(width), side(height));
    let canvas = web_sys::OffscreenCanvas::new(width, height).ok()?;
    let context: web_sys::OffscreenCanvasRenderingContext2d =
        canvas.get_context("2d").ok()??.unchecked_into();
    // JPEG has no transparency: a PNG's transparent parts would turn black, so the photo
    // is drawn on white, as a printed page would show it.
    context.set_fill_style_str("#fff");
    context.fill_rect(0.0, 0.0, width.into(), height.into());
    context
        .draw_image_with_image_bitmap_and_dw_and_dh(&bitmap, 0.0, 0.0, width.into(), height.into())
        .ok()?;
    // The options as a plain object: `ImageEncodeOptions`' setters would be three more
    // bindings.
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"type".into(), &"image/jpeg".into());
    let _ = js_sys::Reflect::set(&options, &"quality".into(), &0.85.into());
    JsFuture::from(
        canvas
            .convert_to_blob_with_options(options.unchecked_ref())
            .ok()?,
    )
    .await
    .ok()?
    .dyn_into()
    .ok()
}
