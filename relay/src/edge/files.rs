//! Files of messages at the edge: uploads streamed into the R2 bucket `FILES` (never whole
//! in memory, never through a thread's object), and files served from it by signed link.
//!
//! An upload is judged from its first [`SNIFF_BYTES`] ([`detect`]) before anything is
//! written; those bytes and the rest of the body then stream into the bucket with the
//! length the request declared, so a body that ends short or runs long is not stored. The
//! thread's object records the file ([`ThreadCall::Upload`]); if it refuses, the bytes are
//! deleted again. A file's type and name travel with its bytes (R2 metadata), so serving
//! it needs the bucket alone.

use super::http::internal;
use super::random_id;
use super::thread::{self, ThreadCall, UploadRecord};
use crate::attachment::{
    detect, object_key, response_headers, sanitize_name, AttachmentRules, FileLinks,
    DEFAULT_LINK_TTL_SECONDS, SNIFF_BYTES,
};
use crate::brand::Brand;
use crate::error::RelayError;
use crate::token::TokenSigner;
use confab_protocol::{Attachment, AttachmentId, BrandId, ThreadId};
use futures_util::{Stream, StreamExt};
use percent_encoding::{percent_decode_str, utf8_percent_encode, NON_ALPHANUMERIC};
use std::collections::HashMap;
use worker::{Bucket, Env, FixedLengthStream, HttpMetadata, Request, Response};

/// The custom metadata key of a file's (percent-encoded) name in the bucket.
const NAME_KEY: &str = "name";

/// The bucket of files.
pub fn bucket(env: &Env) -> Result<Bucket, RelayError> {
    env.bucket("FILES").map_err(internal)
}

/// Deletes every file of an erased `thread` from the bucket, a page of keys at a time. The
/// thread's outbox runs it ([`crate::delivery::Target::Files`]) until it succeeds, so a
/// failure of R2 (or the fault switch's `files` site, matched against the prefix) only
/// delays it.
pub async fn erase_thread(env: &Env, thread: &ThreadId) -> Result<(), RelayError> {
    let bucket = bucket(env)?;
    let prefix = crate::attachment::thread_prefix(thread);
    super::faults::check(env, crate::fault::Site::Files, &prefix)?;
    loop {
        crate::meter::one(crate::meter::Use::R2ClassA);
        let listed = bucket
            .list()
            .prefix(prefix.clone())
            .limit(1000)
            .execute()
            .await
            .map_err(internal)?;
        let keys: Vec<String> = listed.objects().iter().map(|object| object.key()).collect();
        if keys.is_empty() {
            return Ok(());
        }
        crate::meter::one(crate::meter::Use::R2Deletes);
        bucket.delete_multiple(keys).await.map_err(internal)?;
        if !listed.truncated() {
            return Ok(());
        }
    }
}

/// A numeric setting (Worker variable) with a default.
pub fn setting(env: &Env, name: &str, default: u64) -> u64 {
    env.var(name)
        .ok()
        .and_then(|value| value.to_string().parse().ok())
        .unwrap_or(default)
}

/// The relay's file links: signed with `TOKEN_SECRET`, working `FILE_URL_TTL_SECONDS`.
pub fn links(env: &Env) -> Result<FileLinks, RelayError> {
    links_for(
        env,
        setting(env, "FILE_URL_TTL_SECONDS", DEFAULT_LINK_TTL_SECONDS),
    )
}

/// File links working `ttl_seconds` (webhooks get a day).
pub fn links_for(env: &Env, ttl_seconds: u64) -> Result<FileLinks, RelayError> {
    let secret = env
        .secret("TOKEN_SECRET")
        .map(|secret| secret.to_string())
        .map_err(|_| internal("the TOKEN_SECRET secret is not set"))?;
    Ok(FileLinks::new(
        TokenSigner::new(secret.as_bytes()),
        ttl_seconds,
    ))
}

fn now_seconds() -> u64 {
    worker::Date::now().as_millis() / 1000
}

/// Who uploads a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Uploader {
    /// The visitor (their uploads spend their send budget).
    Visitor,
    /// The team (the agent API, Telegram).
    Team,
}

/// `POST …/uploads?name=…`: stores the body as a file of `thread` for `brand`'s rules and
/// answers `201` with its [`Attachment`], link included. The caller is authorised already.
pub async fn upload(
    request: &mut Request,
    env: &Env,
    brand: &Brand,
    thread: &ThreadId,
    uploader: Uploader,
) -> Result<Response, RelayError> {
    let url = request.url().map_err(internal)?;
    let name = form_urlencoded::parse(url.query().unwrap_or("").as_bytes())
        .find(|(key, _)| key == "name")
        .map(|(_, name)| sanitize_name(&name))
        .ok_or_else(|| RelayError::InvalidParameter {
            name: "name",
            reason: "an upload needs ?name=<the file's name>".into(),
        })?;
    let header = |name: &str| request.headers().get(name).ok().flatten();
    let length = header("Content-Length")
        .and_then(|length| length.trim().parse::<u64>().ok())
        .ok_or(RelayError::LengthRequired)?;
    let declared = header("Content-Type").unwrap_or_default();
    let rules = &brand.settings.attachments;
    if length > rules.max_bytes {
        return Err(RelayError::FileTooLarge {
            limit: rules.max_bytes,
        });
    }
    let body = request
        .stream()
        .map_err(|_| RelayError::FileTypeMismatch("an empty file has no type".into()))?;
    let mut attachment = store(env, thread, &name, &declared, length, body, rules).await?;
    record(env, &brand.id, thread, &attachment, uploader).await?;
    attachment.url = Some(links(env)?.path(thread, &attachment.id, now_seconds()));
    super::http::json(&attachment, 201)
}

/// Has the thread's object record a stored file; deletes the bytes if it refuses.
pub async fn record(
    env: &Env,
    brand: &BrandId,
    thread: &ThreadId,
    attachment: &Attachment,
    uploader: Uploader,
) -> Result<(), RelayError> {
    let call = ThreadCall::Upload(UploadRecord {
        brand: brand.clone(),
        attachment: attachment.clone(),
        by_visitor: uploader == Uploader::Visitor,
    });
    if let Err(error) = thread::act(env, thread, &call).await {
        discard(env, thread, &attachment.id).await;
        return Err(error);
    }
    Ok(())
}

/// Deletes a file's bytes, logging a failure (nothing links to them).
async fn discard(env: &Env, thread: &ThreadId, id: &AttachmentId) {
    let key = object_key(thread, id);
    crate::meter::one(crate::meter::Use::R2Deletes);
    let deleted = match bucket(env) {
        Ok(bucket) => bucket.delete(key.as_str()).await.map_err(internal),
        Err(error) => Err(error),
    };
    if let Err(error) = deleted {
        worker::console_error!("deleting {key}: {error}");
    }
}

/// Judges a file of `length` bytes from its first bytes and streams it into the bucket as
/// a new file of `thread`; returns it (without a link). Nothing is kept on a refusal or a
/// failure.
pub async fn store(
    env: &Env,
    thread: &ThreadId,
    name: &str,
    declared: &str,
    length: u64,
    body: impl Stream<Item = worker::Result<Vec<u8>>> + 'static,
    rules: &AttachmentRules,
) -> Result<Attachment, RelayError> {
    let mut body = Box::pin(body);
    let mut prefix = Vec::with_capacity(SNIFF_BYTES.min(length as usize));
    let mut complete = false;
    while prefix.len() < SNIFF_BYTES {
        match body.next().await {
            Some(chunk) => {
                let chunk = chunk.map_err(|_| internal("the upload broke off"))?;
                prefix.extend_from_slice(&chunk);
                if prefix.len() as u64 > length {
                    return Err(RelayError::FileTooLarge {
                        limit: rules.max_bytes.min(length),
                    });
                }
            }
            None => {
                complete = true;
                break;
            }
        }
    }
    let detected = detect(&prefix, complete, declared, name, length, rules)?;
    let id = AttachmentId::new(random_id()?);
    let key = object_key(thread, &id);
    let metadata = HttpMetadata {
        content_type: Some(detected.content_type.to_string()),
        content_language: None,
        content_disposition: None,
        content_encoding: None,
        cache_control: None,
        cache_expiry: None,
    };
    let custom = HashMap::from([(
        NAME_KEY.to_string(),
        utf8_percent_encode(name, NON_ALPHANUMERIC).to_string(),
    )]);
    let bucket = bucket(env)?;
    let put = match complete {
        true if prefix.len() as u64 != length => {
            return Err(RelayError::FileTypeMismatch(
                "the body is shorter than its Content-Length".into(),
            ))
        }
        true => bucket.put(key.as_str(), prefix),
        false => {
            let head = futures_util::stream::once(async move { Ok(prefix) });
            let stream = FixedLengthStream::wrap(head.chain(body), length);
            bucket.put(key.as_str(), stream)
        }
    };
    crate::meter::one(crate::meter::Use::R2ClassA);
    let stored = put
        .http_metadata(metadata)
        .custom_metadata(custom)
        .execute()
        .await;
    if let Err(error) = stored {
        // A partial write is not kept (R2 writes whole objects; this is for certainty).
        let _ = bucket.delete(key.as_str()).await;
        return Err(internal(format!("storing {key}: {error}")));
    }
    let essence = declared.split(';').next().unwrap_or("").trim();
    Ok(Attachment {
        id,
        name: name.to_string(),
        content_type: detected.content_type.to_string(),
        declared_type: essence.chars().take(100).collect::<String>().to_lowercase(),
        size: length,
        width: detected.width,
        height: detected.height,
        url: None,
    })
}

/// `GET /v1/files/{thread}/{attachment}?exp=…&sig=…`: the file's bytes, streamed from the
/// bucket, if the link is the relay's own and unexpired (else 403); 404 once it is gone
/// (an erased thread's files are deleted).
pub async fn serve(
    request: &Request,
    env: &Env,
    thread: &ThreadId,
    id: &AttachmentId,
) -> Result<Response, RelayError> {
    let url = request.url().map_err(internal)?;
    let remaining = links(env)?.verify(thread, id, url.query().unwrap_or(""), now_seconds())?;
    crate::meter::one(crate::meter::Use::R2ClassB);
    let object = bucket(env)?
        .get(object_key(thread, id))
        .execute()
        .await
        .map_err(internal)?
        .ok_or_else(|| RelayError::NotFound("file".into()))?;
    let content_type = object
        .http_metadata()
        .content_type
        .unwrap_or_else(|| "application/octet-stream".into());
    let name = object
        .custom_metadata()
        .ok()
        .and_then(|custom| custom.get(NAME_KEY).cloned())
        .map(|name| percent_decode_str(&name).decode_utf8_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    let size = object.size();
    let body = object
        .body()
        .ok_or_else(|| internal("a stored file without a body"))?
        .response_body()
        .map_err(internal)?;
    let mut response = Response::from_body(body).map_err(internal)?;
    let headers = response.headers_mut();
    for (header, value) in response_headers(&content_type, &name, remaining) {
        headers.set(header, &value).map_err(internal)?;
    }
    headers
        .set("Content-Length", &size.to_string())
        .map_err(internal)?;
    Ok(response)
}
