//! Files and Telegram: a visitor's files go into the topic as photos or documents (the
//! bytes streamed from the bucket inside a `multipart/form-data` body); a team member's photo or
//! document is downloaded through `getFile` and stored like an upload ([`download`]).

use super::super::{post, Answer, Body};
use super::Bot;
use crate::attachment::{object_key, AttachmentRules};
use crate::connector::telegram::{
    self, file_form, file_path, file_url, get_file, FileForm, FilePart, IncomingFile,
    MAX_CAPTION_CHARS,
};
use crate::connector::{Delivery, FailureReason};
use crate::delivery::Job;
use crate::edge::files;
use crate::edge::http::internal;
use crate::error::RelayError;
use confab_protocol::{Attachment, Message, ThreadId};
use futures_util::{stream, StreamExt};
use worker::wasm_bindgen::JsValue;
use worker::worker_sys::FixedLengthStream as FixedLengthStreamSys;
use worker::{Env, FixedLengthStream};

/// Sends a message with files into the topic, in parts: its text as the first file's
/// caption (or, longer than a caption may be, as a message before them), then each file.
/// The first `parts_sent` parts went on an earlier attempt and are skipped; each part that
/// goes now is counted.
pub(super) async fn send(
    env: &Env,
    bot: &Bot,
    topic: i64,
    job: &Job,
    message: &Message,
    parts_sent: &mut u32,
) -> Result<(), Delivery> {
    let text = message.text.as_str();
    let caption_fits = text.chars().count() <= MAX_CAPTION_CHARS;
    let mut part = 0;
    if !text.is_empty() && !caption_fits {
        if part >= *parts_sent {
            bot.call(
                "sendMessage",
                &telegram::send_message(bot.settings.chat_id, topic, text),
            )
            .await?;
            *parts_sent += 1;
        }
        part += 1;
    }
    for (index, attachment) in message.attachments.iter().enumerate() {
        if part >= *parts_sent {
            let caption = (index == 0 && caption_fits).then_some(text);
            send_file(env, bot, topic, &job.thread, attachment, caption).await?;
            *parts_sent += 1;
        }
        part += 1;
    }
    Ok(())
}

/// One file as `sendPhoto` (a raster image Telegram takes as a photo) or `sendDocument`:
/// the form's fields, then the file's bytes streamed from the bucket (never whole in
/// memory), with the form's exact length.
async fn send_file(
    env: &Env,
    bot: &Bot,
    topic: i64,
    thread: &ThreadId,
    attachment: &Attachment,
    caption: Option<&str>,
) -> Result<(), Delivery> {
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
    let photo = telegram::takes_as_photo(attachment);
    let boundary = format!("confab-{}", crate::edge::random_id().map_err(retry)?);
    let file = FilePart {
        name: &attachment.name,
        content_type: &attachment.content_type,
    };
    let form = file_form(&boundary, bot.settings.chat_id, topic, caption, photo, file);
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
    let method = if photo { "sendPhoto" } else { "sendDocument" };
    bot.send_form(method, &content_type, body.readable().into())
        .await
        .map(|_| ())
}

fn retry(error: impl std::fmt::Display) -> Delivery {
    Delivery::retry(FailureReason::Unknown, error.to_string())
}

impl Bot {
    /// Calls a Bot API method with a body of `content_type` (a form with a file).
    async fn send_form(
        &self,
        method: &str,
        content_type: &str,
        value: JsValue,
    ) -> Result<serde_json::Value, Delivery> {
        let url = telegram::method_url(&self.base, &self.token, method);
        let body = Body {
            content_type,
            value,
        };
        let answer = post(self.timeout, &url, body, &[], true).await;
        answer
            .and_then(|Answer { status, body, .. }| telegram::read_answer(status, &body))
            .map_err(|failed| failed.without(&self.token))
    }
}

/// How long a team member's file may take to come from Telegram into the bucket.
const DOWNLOAD_TIMEOUT_SECONDS: u64 = 60;

/// Downloads a team member's file from Telegram (`getFile`, then the file's path) and
/// stores it as a file of `thread`, checked like an upload against `rules`, within
/// [`DOWNLOAD_TIMEOUT_SECONDS`]. Refusals keep their codes; Telegram's failures are
/// internal errors (the hook answers 500 and Telegram delivers the update again).
pub async fn download(
    env: &Env,
    bot: &Bot,
    thread: &ThreadId,
    file: &IncomingFile,
    rules: &AttachmentRules,
) -> Result<Attachment, RelayError> {
    use futures_util::future::{select, Either};
    let timeout = std::time::Duration::from_secs(DOWNLOAD_TIMEOUT_SECONDS);
    let fetching = download_within(env, bot, thread, file, rules);
    match select(std::pin::pin!(fetching), worker::Delay::from(timeout)).await {
        Either::Left((stored, _)) => stored,
        Either::Right(((), _)) => Err(internal(format!(
            "no whole file from Telegram within {DOWNLOAD_TIMEOUT_SECONDS} s"
        ))),
    }
}

async fn download_within(
    env: &Env,
    bot: &Bot,
    thread: &ThreadId,
    file: &IncomingFile,
    rules: &AttachmentRules,
) -> Result<Attachment, RelayError> {
    if file.size.is_some_and(|size| size > rules.max_bytes) {
        return Err(RelayError::FileTooLarge {
            limit: rules.max_bytes,
        });
    }
    let result = bot
        .call("getFile", &get_file(&file.file_id))
        .await
        .map_err(|failed| internal(format!("getFile: {failed:?}")))?;
    let path = file_path(&result).ok_or_else(|| internal("getFile gave no usable file_path"))?;
    let url = file_url(&bot.base, &bot.token, &path);
    let mut init = worker::RequestInit::new();
    init.with_method(worker::Method::Get)
        .with_redirect(worker::RequestRedirect::Manual);
    let request = worker::Request::new_with_init(&url, &init)
        .map_err(|_| internal("the file's URL cannot be fetched"))?;
    let mut response = worker::Fetch::Request(request)
        .send()
        .await
        .map_err(|_| internal("the Telegram file download failed"))?;
    let status = response.status_code();
    if status != 200 {
        return Err(internal(format!(
            "the Telegram file download answered {status}"
        )));
    }
    let length = response
        .headers()
        .get("Content-Length")
        .ok()
        .flatten()
        .and_then(|length| length.trim().parse::<u64>().ok())
        .or(file.size)
        .ok_or(RelayError::LengthRequired)?;
    if length > rules.max_bytes {
        return Err(RelayError::FileTooLarge {
            limit: rules.max_bytes,
        });
    }
    let body = response.stream().map_err(internal)?;
    let name = crate::attachment::sanitize_name(&file.name);
    files::store(env, thread, &name, &file.declared_type, length, body, rules).await
}
