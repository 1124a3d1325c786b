//! Files fetched from a messaging app into the bucket (a team member's Telegram photo, a
//! visitor's WhatsApp document): downloaded without following redirects, refused at once
//! by their announced length, then streamed into R2 and judged like an upload
//! ([`files::store`]), so that a file is never whole in memory.

use super::files;
use super::http::internal;
use crate::attachment::AttachmentRules;
use crate::error::RelayError;
use confab_protocol::{Attachment, ThreadId};
use std::future::Future;

/// A file at a provider's URL.
#[derive(Clone, Copy)]
pub struct RemoteFile<'a> {
    /// Who serves it, for errors (`Telegram`, `WhatsApp`).
    pub provider: &'a str,
    /// Where it is. It may carry a token (Telegram's does): it never goes into an error.
    pub url: &'a str,
    /// The `Authorization` header to send, if the provider wants one.
    pub authorization: Option<&'a str>,
    /// The name to keep it under (sanitised already).
    pub name: &'a str,
    /// The type the provider declares.
    pub declared_type: &'a str,
    /// Its size as the provider announced it, if it did (the download's own length wins).
    pub size: Option<u64>,
}

/// How long a file may take to come from a provider into the bucket.
pub const DOWNLOAD_TIMEOUT_SECONDS: u64 = 60;

/// Downloads `file` and stores it as a file of `thread`, checked against `rules`. Refusals
/// keep their codes; the provider's failures are internal errors (a hook answers 500 and
/// the provider delivers its update again).
pub async fn fetch_into_bucket(
    env: &worker::Env,
    thread: &ThreadId,
    file: RemoteFile<'_>,
    rules: &AttachmentRules,
) -> Result<Attachment, RelayError> {
    if file.size.is_some_and(|size| size > rules.max_bytes) {
        return Err(RelayError::FileTooLarge {
            limit: rules.max_bytes,
        });
    }
    let mut response = fetch(&file).await?;
    store_fetched(env, thread, &mut response, &file, rules).await
}

/// Asks for `file` (redirects not followed): the provider's answer, if it is `200`.
pub async fn fetch(file: &RemoteFile<'_>) -> Result<worker::Response, RelayError> {
    let provider = file.provider;
    let headers = worker::Headers::new();
    if let Some(authorization) = file.authorization {
        headers
            .set("Authorization", authorization)
            .map_err(|_| internal(format!("a {provider} download's header")))?;
    }
    let mut init = worker::RequestInit::new();
    init.with_method(worker::Method::Get)
        .with_headers(headers)
        .with_redirect(worker::RequestRedirect::Manual);
    let request = worker::Request::new_with_init(file.url, &init)
        .map_err(|_| internal(format!("the {provider} file's URL cannot be fetched")))?;
    crate::meter::one(crate::meter::Use::Subrequests);
    let response = worker::Fetch::Request(request)
        .send()
        .await
        .map_err(|_| internal(format!("the {provider} file download failed")))?;
    let status = response.status_code();
    if status != 200 {
        return Err(internal(format!(
            "the {provider} file download answered {status}"
        )));
    }
    Ok(response)
}

/// Streams a fetched file's body into the bucket as a file of `thread` named and typed as
/// `file` says, refused at once if its length (`Content-Length`, else `file.size`) is over
/// the brand's limit or unknown.
pub async fn store_fetched(
    env: &worker::Env,
    thread: &ThreadId,
    response: &mut worker::Response,
    file: &RemoteFile<'_>,
    rules: &AttachmentRules,
) -> Result<Attachment, RelayError> {
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
    files::store(
        env,
        thread,
        file.name,
        file.declared_type,
        length,
        body,
        rules,
    )
    .await
}

/// `work`, or an internal error naming `what` if it takes longer than `seconds` (a
/// provider that sends a file slowly must not hold a hook for ever).
pub async fn within<T>(
    seconds: u64,
    what: &str,
    work: impl Future<Output = Result<T, RelayError>>,
) -> Result<T, RelayError> {
    use futures_util::future::{select, Either};
    let timeout = std::time::Duration::from_secs(seconds);
    match select(std::pin::pin!(work), worker::Delay::from(timeout)).await {
        Either::Left((done, _)) => done,
        Either::Right(((), _)) => Err(internal(format!("no {what} within {seconds} s"))),
    }
}
