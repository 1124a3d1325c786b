//! Files and Telegram: a visitor's files go into the topic as photos or documents (the
//! bytes streamed from the bucket inside a `multipart/form-data` body); a team member's photo or
//! document is downloaded through `getFile` and stored like an upload ([`download`]).

use super::super::{post, Answer, Body};
use super::Bot;
use crate::attachment::AttachmentRules;
use crate::connector::telegram::{
    self, file_form, file_path, file_url, get_file, FilePart, IncomingFile, MAX_CAPTION_CHARS,
};
use crate::connector::Delivery;
use crate::delivery::Job;
use crate::edge::http::internal;
use crate::edge::outbound::stored_form::stored_form;
use crate::edge::remote_file::{fetch_into_bucket, within, RemoteFile, DOWNLOAD_TIMEOUT_SECONDS};
use crate::error::RelayError;
use confab_protocol::{Attachment, Message, ThreadId};
use worker::wasm_bindgen::JsValue;
use worker::Env;

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
    let photo = telegram::takes_as_photo(attachment);
    let file = FilePart {
        name: &attachment.name,
        content_type: &attachment.content_type,
    };
    let chat = bot.settings.chat_id;
    let form = stored_form(env, thread, attachment, |boundary| {
        file_form(boundary, chat, topic, caption, photo, file)
    })
    .await?;
    let method = if photo { "sendPhoto" } else { "sendDocument" };
    bot.send_form(method, &form.content_type, form.value)
        .await
        .map(|_| ())
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
    let fetching = download_within(env, bot, thread, file, rules);
    within(
        DOWNLOAD_TIMEOUT_SECONDS,
        "whole file from Telegram",
        fetching,
    )
    .await
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
    let name = crate::attachment::sanitize_name(&file.name);
    let remote = RemoteFile {
        provider: "Telegram",
        url: &url,
        authorization: None,
        name: &name,
        declared_type: &file.declared_type,
        size: file.size,
    };
    fetch_into_bucket(env, thread, remote, rules).await
}
