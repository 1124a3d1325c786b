//! A stored file sent as a `multipart/form-data` body (Telegram's `sendPhoto`, WhatsApp's
//! media upload): the form's head, the file's bytes streamed from the bucket, the form's
//! tail, with the body's exact length — the file is never whole in memory.

use crate::attachment::object_key;
use crate::connector::form::FileForm;
use crate::connector::{Delivery, FailureReason};
use crate::edge::files;
use confab_protocol::{Attachment, ThreadId};
use futures_util::{stream, StreamExt};
use worker::wasm_bindgen::JsValue;
use worker::worker_sys::FixedLengthStream as FixedLengthStreamSys;
use worker::{Env, FixedLengthStream};

/// A form body ready to send.
pub struct StoredForm {
    /// Its `Content-Type` (naming the boundary).
    pub content_type: String,
    /// The body (a readable stream).
    pub value: JsValue,
}

/// The form `form` builds around a random boundary, with `attachment`'s bytes from the
/// bucket as its file. A file gone from the bucket is refused for good; the bucket's
/// trouble is worth a retry.
pub async fn stored_form(
    env: &Env,
    thread: &ThreadId,
    attachment: &Attachment,
    form: impl FnOnce(&str) -> FileForm,
) -> Result<StoredForm, Delivery> {
    crate::meter::one(crate::meter::Use::R2ClassB);
    let object = files::bucket(env)
        .map_err(retry)?
        .get(object_key(thread, &attachment.id))
        .execute()
        .await
        .map_err(retry)?
        .ok_or_else(|| Delivery::refused(FailureReason::Unknown, "the file is gone"))?;
    let size = object.size();
    let bytes = object
        .body()
        .ok_or_else(|| Delivery::refused(FailureReason::Unknown, "the file has no body"))?
        .stream()
        .map_err(retry)?;
    let boundary = format!("confab-{}", crate::edge::random_id().map_err(retry)?);
    let form = form(&boundary);
    let length = form.length(size);
    let FileForm {
        content_type,
        head,
        tail,
    } = form;
    let parts = stream::once(async move { Ok(head) })
        .chain(bytes)
        .chain(stream::once(async move { Ok(tail) }));
    let body: FixedLengthStreamSys = FixedLengthStream::wrap(parts, length).into();
    Ok(StoredForm {
        content_type,
        value: body.readable().into(),
    })
}

fn retry(error: impl std::fmt::Display) -> Delivery {
    Delivery::retry(FailureReason::Unknown, error.to_string())
}
