//! Photos between WeChat and the thread, through the account's temporary media API. A
//! visitor's photo is downloaded by its `MediaId` (`/cgi-bin/media/get`) into the bucket,
//! checked like any upload ([`download`]); a team member's photo is uploaded
//! (`/cgi-bin/media/upload?type=image`, streamed from the bucket) and its `media_id` sent
//! as an image message ([`upload`]). Both carry the holder's access token, and go once more
//! with a fresh one if WeChat calls it stale (40001/42001).

use super::super::stored_form::{stored_form, StoredForm};
use super::super::{delivery_timeout, post, read_answer, Answer, Body};
use super::token::{access_token, api_base};
use crate::attachment::AttachmentRules;
use crate::connector::form::{file_form, FilePart};
use crate::connector::wechat::{self, ApiError, WechatSettings};
use crate::connector::{Delivery, FailureReason};
use crate::edge::http::internal;
use crate::edge::remote_file::{
    fetch, store_fetched, within, RemoteFile, DOWNLOAD_TIMEOUT_SECONDS,
};
use crate::error::RelayError;
use confab_protocol::{Attachment, ThreadId};
use worker::Env;

/// What a failed token or API call comes to on the download's side: refused for good
/// (404: the media expired or was never the account's; the caller drops the photo), or
/// an internal error that a retry may cure.
fn download_error(delivery: Delivery) -> RelayError {
    match delivery {
        Delivery::Refused { failure } => RelayError::NotFound(format!("WeChat media ({failure})")),
        Delivery::Retry { failure, .. } | Delivery::RateLimited { failure, .. } => {
            internal(format!("WeChat media: {failure}"))
        }
        Delivery::Delivered => internal("WeChat media: no answer"),
    }
}

/// Downloads the visitor's photo `media_id` (of message `msg_id`) into the bucket as a file
/// of `thread`, checked against `rules` (the real type from its first bytes, the brand's
/// allow-list and limit), within [`DOWNLOAD_TIMEOUT_SECONDS`].
pub async fn download(
    env: &Env,
    settings: &WechatSettings,
    thread: &ThreadId,
    msg_id: &str,
    media_id: &str,
    rules: &AttachmentRules,
) -> Result<Attachment, RelayError> {
    let fetching = download_within(env, settings, thread, msg_id, media_id, rules);
    within(
        DOWNLOAD_TIMEOUT_SECONDS,
        "whole photo from WeChat",
        fetching,
    )
    .await
}

async fn download_within(
    env: &Env,
    settings: &WechatSettings,
    thread: &ThreadId,
    msg_id: &str,
    media_id: &str,
    rules: &AttachmentRules,
) -> Result<Attachment, RelayError> {
    let base = api_base(env);
    let mut stale: Option<String> = None;
    for _ in 0..2 {
        let token = access_token(env, settings, stale.as_deref())
            .await
            .map_err(download_error)?;
        let url = wechat::media_get_url(&base, &token, media_id);
        let asked = RemoteFile {
            provider: "WeChat",
            url: &url,
            authorization: None,
            name: "",
            declared_type: "",
            size: None,
        };
        let mut response = fetch(&asked).await?;
        let content_type = response
            .headers()
            .get("Content-Type")
            .ok()
            .flatten()
            .unwrap_or_default();
        if wechat::is_error_answer(&content_type) {
            // WeChat answers errors as JSON (with status 200), files as themselves.
            let body = read_answer(&mut response)
                .await
                .map_err(|failed| download_error(failed.without(&token)))?;
            match wechat::read_media_error(200, &body) {
                ApiError::StaleToken => {
                    stale = Some(token);
                    continue;
                }
                ApiError::Failed(delivery) => return Err(download_error(delivery.without(&token))),
            }
        }
        let name = wechat::image_name(msg_id, &content_type);
        let file = RemoteFile {
            name: &name,
            declared_type: &content_type,
            ..asked
        };
        return store_fetched(env, thread, &mut response, &file, rules).await;
    }
    Err(internal("WeChat refused a freshly fetched access token"))
}

/// Uploads a stored photo of `thread` as temporary media: its `media_id`.
pub async fn upload(
    env: &Env,
    settings: &WechatSettings,
    thread: &ThreadId,
    attachment: &Attachment,
) -> Result<String, Delivery> {
    let base = api_base(env);
    let mut stale: Option<String> = None;
    for _ in 0..2 {
        let token = access_token(env, settings, stale.as_deref()).await?;
        let file = FilePart {
            name: &attachment.name,
            content_type: &attachment.content_type,
        };
        let form = |boundary: &str| file_form(boundary, &[], wechat::MEDIA_FIELD, file);
        // The body streams from the bucket once: a second try opens the file again.
        let StoredForm {
            content_type,
            value,
        } = stored_form(env, thread, attachment, form).await?;
        let body = Body {
            content_type: &content_type,
            value,
        };
        let url = wechat::media_upload_url(&base, &token);
        let Answer { status, body, .. } = post(delivery_timeout(env), &url, body, &[], true)
            .await
            .map_err(|failed| failed.without(&token))?;
        match wechat::read_upload_answer(status, &body) {
            Ok(media_id) => return Ok(media_id),
            Err(ApiError::StaleToken) => stale = Some(token),
            Err(ApiError::Failed(delivery)) => return Err(delivery.without(&token)),
        }
    }
    Err(Delivery::retry(
        FailureReason::ProviderUnavailable,
        "WeChat refused a freshly fetched access token",
    ))
}
