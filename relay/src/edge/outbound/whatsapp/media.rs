//! WhatsApp media at the edge. The team's files go to the visitor as parts of one
//! delivery: the text first if it is longer than a caption, then each file uploaded
//! (`POST /{number}/media`, the bytes streamed from the bucket) and sent as an image or a
//! document, the text as the first file's caption. The visitor's media come into the
//! bucket through [`download`]: `GET /{media id}` for a short-lived URL, then the file,
//! both with the number's token.

use super::{Number, DEFAULT_API_BASE};
use crate::attachment::AttachmentRules;
use crate::connector::form::FilePart;
use crate::connector::whatsapp::{
    self, download_allowed, media_info_url, media_kind, read_media_info, read_upload_answer,
    send_media, upload_form, upload_url, IncomingMedia, WhatsappSettings, MAX_CAPTION_CHARS,
};
use crate::connector::Delivery;
use crate::delivery::Job;
use crate::edge::http::internal;
use crate::edge::outbound::stored_form::stored_form;
use crate::edge::outbound::{post, read_answer, setting, Answer, Body};
use crate::edge::remote_file::{fetch_into_bucket, within, RemoteFile, DOWNLOAD_TIMEOUT_SECONDS};
use crate::error::RelayError;
use confab_protocol::{Attachment, Message, ThreadId};
use std::time::Duration;
use worker::Env;

/// How long one file's upload may take at least (a file of megabytes takes longer to send
/// than a text's answer takes to come).
const UPLOAD_TIMEOUT_SECONDS: u64 = 60;

/// Sends a team message with files in parts; the first `parts_sent` went on an earlier
/// attempt and are skipped. A file WhatsApp cannot take (over its limits) refuses the whole
/// message before any part goes.
pub(super) async fn send(
    env: &Env,
    number: &Number,
    job: &Job,
    message: &Message,
    wa_id: &str,
    text: &str,
    parts_sent: &mut u32,
) -> Result<(), Delivery> {
    let kinds = message
        .attachments
        .iter()
        .map(media_kind)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|failure| Delivery::Refused { failure })?;
    let caption_fits = text.chars().count() <= MAX_CAPTION_CHARS;
    let mut part = 0;
    if !text.is_empty() && !caption_fits {
        if part >= *parts_sent {
            let body = whatsapp::send_text(wa_id, text);
            number
                .send_message(env, job, message.seq, &body, parts_sent)
                .await?;
        }
        part += 1;
    }
    for (index, (attachment, kind)) in message.attachments.iter().zip(kinds).enumerate() {
        if part >= *parts_sent {
            let media_id = number.upload(env, &job.thread, attachment).await?;
            let caption = (index == 0 && caption_fits).then_some(text);
            let body = send_media(wa_id, kind, &media_id, caption, &attachment.name);
            number
                .send_message(env, job, message.seq, &body, parts_sent)
                .await?;
        }
        part += 1;
    }
    Ok(())
}

impl Number {
    /// Uploads a stored file (streamed from the bucket); returns WhatsApp's media id.
    async fn upload(
        &self,
        env: &Env,
        thread: &ThreadId,
        attachment: &Attachment,
    ) -> Result<String, Delivery> {
        let file = FilePart {
            name: &attachment.name,
            content_type: &attachment.content_type,
        };
        let form = stored_form(env, thread, attachment, |boundary| {
            upload_form(boundary, file)
        })
        .await?;
        let url = upload_url(&self.base, &self.phone_number_id);
        let body = Body {
            content_type: &form.content_type,
            value: form.value,
        };
        let timeout = self
            .timeout
            .max(Duration::from_secs(UPLOAD_TIMEOUT_SECONDS));
        let authorization = self.authorization();
        post(
            timeout,
            &url,
            body,
            &[("Authorization", &authorization)],
            true,
        )
        .await
        .and_then(|Answer { status, body, .. }| read_upload_answer(status, &body))
        .map_err(|failed| failed.without(&self.token))
    }
}

/// Downloads a visitor's WhatsApp file into the bucket as a file of `thread`, checked like
/// an upload against `rules`. Refusals keep their codes (4xx), and so does media WhatsApp
/// no longer has; WhatsApp's passing failures are internal errors (the hook answers 500
/// and Meta delivers the message again).
pub async fn download(
    env: &Env,
    settings: &WhatsappSettings,
    thread: &ThreadId,
    media: &IncomingMedia,
    rules: &AttachmentRules,
) -> Result<Attachment, RelayError> {
    let token = env
        .secret(&settings.access_token_secret)
        .map(|secret| secret.to_string())
        .map_err(|_| internal(format!("no Worker secret {}", settings.access_token_secret)))?;
    let base = setting(env, "WHATSAPP_API_BASE", DEFAULT_API_BASE);
    let authorization = format!("Bearer {token}");
    let fetching = async {
        let info_url = media_info_url(&base, &media.id);
        let (status, body) = get(&info_url, &authorization).await?;
        let Some(info) = read_media_info(status, &body) else {
            return Err(match status {
                // Gone (media are kept for weeks) or never there: it will not come.
                400..=499 => RelayError::NotFound(format!("WhatsApp media (HTTP {status})")),
                _ => internal(format!("WhatsApp's media lookup answered {status}")),
            });
        };
        if !download_allowed(&base, &info.url) {
            return Err(RelayError::NotFound(
                "WhatsApp media at a URL the token may not go to".into(),
            ));
        }
        let remote = RemoteFile {
            provider: "WhatsApp",
            url: &info.url,
            authorization: Some(&authorization),
            name: &media.name,
            declared_type: &media.mime_type,
            size: info.file_size,
        };
        fetch_into_bucket(env, thread, remote, rules).await
    };
    within(
        DOWNLOAD_TIMEOUT_SECONDS,
        "whole file from WhatsApp",
        fetching,
    )
    .await
}

/// A `GET` to the Graph API with the token: its status and (small) body.
async fn get(url: &str, authorization: &str) -> Result<(u16, String), RelayError> {
    let headers = worker::Headers::new();
    headers
        .set("Authorization", authorization)
        .map_err(|_| internal("a Graph API header"))?;
    let mut init = worker::RequestInit::new();
    init.with_method(worker::Method::Get)
        .with_headers(headers)
        .with_redirect(worker::RequestRedirect::Manual);
    let request = worker::Request::new_with_init(url, &init)
        .map_err(|_| internal("the Graph API's URL cannot be fetched"))?;
    crate::meter::one(crate::meter::Use::Subrequests);
    let mut response = worker::Fetch::Request(request)
        .send()
        .await
        .map_err(|_| internal("the Graph API is unreachable"))?;
    let status = response.status_code();
    let body = read_answer(&mut response)
        .await
        .map_err(|_| internal("the Graph API's answer could not be read"))?;
    Ok((status, body))
}
