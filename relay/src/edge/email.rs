//! Replies by email, the Worker's side: the visitor's calls (`POST`/`DELETE
//! /v1/threads/{id}/email`), the links in emails (verify, continue, one-click unsubscribe),
//! the delivery of email jobs through the `send_email` binding (`EMAIL`), and the Worker's
//! `email` handler, where replies arrive through Cloudflare Email Routing.
//!
//! The thread's object owns the address ([`EmailCall`]); this module checks signatures,
//! builds MIME ([`crate::email::compose`]) and talks to the runtime.

use super::http::{self, internal};
use super::thread::{self, LaneSettled, Policy, ThreadAnswer, ThreadCall};
use super::{brands, random_id};
use crate::brand::Brand;
use crate::connector::{Delivery, FailureReason};
use crate::delivery::Job;
use crate::email::compose::{self, escape_html, Envelope, Reply};
use crate::email::refs::{parse_link_query, EmailRefs, LinkKind, LinkQuery};
use crate::email::{inbound, validate_address, EmailKind, EmailSettings, Language};
use crate::error::RelayError;
use crate::token::TokenSigner;
use confab_protocol::api::{EmailRequest, EmailStatus, EmailVerification};
use confab_protocol::{BrandId, LinkPurpose, LinkRequest, Message, Seq, ThreadId, MAX_TEXT_CHARS};
use serde::{Deserialize, Serialize};
use worker::{event, Context, Env, ForwardableEmailMessage, Request, Response};

/// The largest reply email read (Email Routing takes up to 25 MiB; a reply's text is a few
/// kilobytes, the rest is attachments, which are not taken).
const MAX_INBOUND_BYTES: usize = 4 * 1024 * 1024;

/// Every email call to a thread's object (one variant of [`ThreadCall::Email`]).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "email", rename_all = "camelCase")]
pub enum EmailCall {
    /// The visitor leaves an address: kept unverified, a verification email queued.
    /// Limited per thread (429).
    Request {
        /// The address, checked.
        address: String,
        /// The emails' language.
        language: Language,
        /// The brand's current rules.
        policy: Policy,
    },
    /// A verification link was followed. Answers [`EmailAnswer::Verified`].
    Verify {
        /// The address's nonce, from the link.
        nonce: String,
    },
    /// The address is removed: by the visitor (no nonce), or by an unsubscribe link (the
    /// nonce of the address it was sent to; another address is left alone).
    Remove {
        /// The nonce from the link.
        #[serde(default)]
        nonce: Option<String>,
    },
    /// Whether `nonce` names the thread's verified address (a continue link). Answers
    /// [`EmailAnswer::Current`], or `email_link_invalid`.
    Current {
        /// The nonce from the link.
        nonce: String,
    },
    /// A consumer is about to send an email job. Answers [`EmailAnswer::Composed`].
    Compose {
        /// Which email.
        kind: EmailKind,
        /// The brand's delay before an unseen reply is emailed.
        delay_seconds: u32,
    },
    /// The replies up to `up_to` were emailed.
    Sent {
        /// The last one.
        up_to: Seq,
    },
    /// A reply email reached the thread's address. Answers [`EmailAnswer::Inbound`].
    Inbound {
        /// Its `From` address (the object compares it with the verified address).
        from: String,
        /// Its client id (from its `Message-ID`).
        client_id: String,
        /// The visitor's words.
        text: String,
    },
}

/// What the object answers an [`EmailCall`] with (tagged `email`: the `answer` tag is
/// [`ThreadAnswer`]'s, around it).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "email", rename_all = "camelCase")]
pub enum EmailAnswer {
    /// Done.
    Done,
    /// The address is verified (now, or it was already).
    Verified {
        /// The address.
        address: String,
        /// Its language.
        language: Language,
    },
    /// The link's address is the thread's verified one.
    Current {
        /// The thread's brand.
        brand: BrandId,
    },
    /// What to send.
    Composed(Composed),
    /// What became of a reply email.
    Inbound {
        /// Whether the text was stored now (false: a redelivery, or nothing to add).
        added: bool,
    },
}

/// What an email job sends, as the object decides it when the job is attempted.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "compose", rename_all = "camelCase")]
pub enum Composed {
    /// The verification email.
    Verification {
        /// To.
        address: String,
        /// The address's nonce.
        nonce: String,
        /// Until when its link works (ms).
        expires_at: u64,
        /// The language.
        language: Language,
        /// The brand's name.
        brand_name: String,
    },
    /// The team's replies the visitor has not seen.
    Replies {
        /// To.
        address: String,
        /// The address's nonce (for its links).
        nonce: String,
        /// The language.
        language: Language,
        /// The brand's name.
        brand_name: String,
        /// The replies, oldest first (the latest few).
        replies: Vec<Message>,
        /// The last reply's `seq`.
        up_to: Seq,
    },
    /// The oldest unseen reply is younger than the delay: ask again after this long.
    Wait {
        /// Seconds.
        seconds: u32,
    },
    /// Nothing to send (seen meanwhile, or no address any more).
    Nothing,
}

fn signer(env: &Env) -> Result<TokenSigner, RelayError> {
    let secret = env
        .secret("TOKEN_SECRET")
        .map_err(|_| internal("the TOKEN_SECRET secret is not set"))?;
    Ok(TokenSigner::new(secret.to_string().as_bytes()))
}

fn refs(env: &Env) -> Result<EmailRefs, RelayError> {
    Ok(EmailRefs::new(signer(env)?))
}

fn now() -> u64 {
    worker::Date::now().as_millis()
}

async fn call(env: &Env, thread: &ThreadId, call: EmailCall) -> Result<EmailAnswer, RelayError> {
    match thread::call(env, thread, &ThreadCall::Email(call)).await? {
        ThreadAnswer::Email(answer) => Ok(answer),
        other => Err(internal(format!("the thread answered {other:?}"))),
    }
}

fn settings(brand: &Brand) -> Result<&EmailSettings, RelayError> {
    brand
        .settings
        .email
        .as_ref()
        .ok_or_else(|| RelayError::NotFound("the brand's email settings".into()))
}

/// `POST /v1/threads/{id}/email` (the caller is authorised): keeps the address unverified
/// and queues its verification email; answers 202 with the masked address.
pub async fn request(
    request: &mut Request,
    env: &Env,
    brand: &Brand,
    thread: &ThreadId,
) -> Result<Response, RelayError> {
    settings(brand)?;
    let body: EmailRequest = http::read_json(request).await?;
    let address = validate_address(&body.address)?;
    let email = EmailCall::Request {
        address: address.clone(),
        language: Language::from_tag(body.language.as_deref()),
        policy: Policy::new(brand, thread).reached_by(request),
    };
    call(env, thread, email).await?;
    let status = EmailStatus {
        state: EmailVerification::Pending,
        address: crate::email::mask(&address),
    };
    http::json(&status, 202)
}

/// `DELETE /v1/threads/{id}/email` (the caller is authorised).
pub async fn remove(env: &Env, thread: &ThreadId) -> Result<Response, RelayError> {
    call(env, thread, EmailCall::Remove { nonce: None }).await?;
    Ok(Response::empty().map_err(internal)?.with_status(204))
}

/// A small page for a link followed in a browser.
fn page(status: u16, language: Language, title: &str, text: &str, form: Option<&str>) -> Response {
    let lang = match language {
        Language::En => "en",
        Language::ZhCn => "zh-CN",
    };
    let form = form.unwrap_or("");
    let html = format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><title>{title}</title></head>\
         <body style=\"font-family:sans-serif;max-width:32em;margin:3em auto;padding:0 1em\">\
         <h1 style=\"font-size:1.3em\">{title}</h1><p>{text}</p>{form}</body></html>",
        title = escape_html(title),
        text = escape_html(text),
    );
    match Response::from_html(html) {
        Ok(response) => {
            let headers = response.headers().clone();
            let _ = headers.set(
                "Content-Security-Policy",
                "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
            );
            let _ = headers.set("Referrer-Policy", "no-referrer");
            let _ = headers.set("Cache-Control", "no-store");
            response.with_status(status).with_headers(headers)
        }
        Err(_) => {
            Response::error("", status).unwrap_or_else(|_| http::error_response(&internal("page")))
        }
    }
}

fn expired_link() -> Response {
    page(
        410,
        Language::En,
        "This link no longer works",
        "It has expired, was used already, or belongs to an address that was removed.",
        None,
    )
}

fn link_query(request: &Request) -> Result<Option<LinkQuery>, RelayError> {
    let url = request.url().map_err(internal)?;
    Ok(parse_link_query(url.query().unwrap_or("")))
}

/// `GET /v1/email/verify?t=&n=&e=&s=`: confirms the address, once; a small page says so.
pub async fn verify(request: &Request, env: &Env) -> Result<Response, RelayError> {
    let refs = refs(env)?;
    let Some(link) = link_query(request)?.filter(|link| refs.verify_link_holds(link, now())) else {
        return Ok(expired_link());
    };
    let verify = EmailCall::Verify {
        nonce: link.nonce.clone(),
    };
    match call(env, &link.thread, verify).await {
        Ok(EmailAnswer::Verified { address, language }) => {
            let (title, text) = match language {
                Language::En => (
                    "Email confirmed".to_string(),
                    format!("You'll get replies at {address}."),
                ),
                Language::ZhCn => (
                    "邮箱已确认".to_string(),
                    format!("回复将发送到 {address}。"),
                ),
            };
            Ok(page(200, language, &title, &text, None))
        }
        Ok(other) => Err(internal(format!("the thread answered {other:?}"))),
        Err(RelayError::InvalidEmailLink | RelayError::ThreadErased | RelayError::NotFound(_)) => {
            Ok(expired_link())
        }
        Err(other) => Err(other),
    }
}

/// `GET /v1/email/unsubscribe`: a page with a button (a link opened by a mail scanner must
/// not unsubscribe); `POST` (the button, or the mail client's one-click, RFC 8058) removes
/// the address the email went to.
pub async fn unsubscribe(
    request: &Request,
    env: &Env,
    one_click: bool,
) -> Result<Response, RelayError> {
    let refs = refs(env)?;
    let Some(link) =
        link_query(request)?.filter(|link| refs.link_holds(LinkKind::Unsubscribe, link))
    else {
        return Ok(expired_link());
    };
    if !one_click {
        let action = request.url().map_err(internal)?;
        let form =
            format!(
            "<form method=\"post\" action=\"{}\"><input type=\"hidden\" name=\"List-Unsubscribe\" \
             value=\"One-Click\"><button type=\"submit\">Stop / 退订</button></form>",
            escape_html(&format!("{}?{}", action.path(), action.query().unwrap_or("")))
        );
        return Ok(page(
            200,
            Language::En,
            "Stop replies by email? / 不再接收邮件？",
            "Replies of this conversation will no longer be emailed to you. / 此对话的回复将不再发送到您的邮箱。",
            Some(&form),
        ));
    }
    let remove = EmailCall::Remove {
        nonce: Some(link.nonce.clone()),
    };
    match call(env, &link.thread, remove).await {
        Ok(_) | Err(RelayError::ThreadErased | RelayError::NotFound(_)) => Ok(page(
            200,
            Language::En,
            "Unsubscribed / 已退订",
            "You will get no more emails about this conversation. / 您将不再收到此对话的邮件。",
            None,
        )),
        Err(other) => Err(other),
    }
}

/// `GET /v1/email/continue`: a fresh resume code for the thread (as "Continue on another
/// device" makes one), and a redirect to the brand's page with it. Works while the address
/// the email went to is the thread's.
pub async fn continue_link(request: &Request, env: &Env) -> Result<Response, RelayError> {
    let refs = refs(env)?;
    let Some(link) = link_query(request)?.filter(|link| refs.link_holds(LinkKind::Continue, link))
    else {
        return Ok(expired_link());
    };
    let current = EmailCall::Current {
        nonce: link.nonce.clone(),
    };
    let brand = match call(env, &link.thread, current).await {
        Ok(EmailAnswer::Current { brand }) => brands::load(env, brand.as_str()).await?,
        Ok(other) => return Err(internal(format!("the thread answered {other:?}"))),
        Err(RelayError::InvalidEmailLink | RelayError::ThreadErased | RelayError::NotFound(_)) => {
            return Ok(expired_link())
        }
        Err(other) => return Err(other),
    };
    let resume = LinkRequest {
        purpose: LinkPurpose::Device,
        page: Some(settings(&brand)?.page.clone()),
    };
    let mut made = super::links::create(env, &brand, &link.thread, &resume).await?;
    let made: confab_protocol::Link = made.json().await.map_err(internal)?;
    let url = worker::Url::parse(&made.url).map_err(internal)?;
    Response::redirect_with_status(url, 303).map_err(internal)
}

/// Delivers an email job: asks the thread what to send, builds it and hands it to the
/// `send_email` binding. `Err(seconds)`: the replies are not due yet; the job is to come
/// back after that long ([`postpone`]).
pub async fn deliver(env: &Env, job: &Job, kind: EmailKind) -> Result<Delivery, u32> {
    let brand = match brands::load(env, job.brand.as_str()).await {
        Ok(brand) => brand,
        Err(error) => {
            return Ok(Delivery::retry(
                FailureReason::ProviderUnavailable,
                error.to_string(),
            ))
        }
    };
    let Some(settings) = brand.settings.email.clone() else {
        return Ok(Delivery::refused(
            FailureReason::NotConfigured,
            "the brand has no email settings",
        ));
    };
    let Some(origin) = job.relay_origin.clone() else {
        return Ok(Delivery::refused(
            FailureReason::NotConfigured,
            "the relay's origin is unknown to the thread",
        ));
    };
    let compose = EmailCall::Compose {
        kind,
        delay_seconds: settings.delay_seconds,
    };
    let composed = match call(env, &job.thread, compose).await {
        Ok(EmailAnswer::Composed(composed)) => composed,
        Ok(other) => {
            return Ok(Delivery::retry(
                FailureReason::Unknown,
                format!("the thread answered {other:?}"),
            ))
        }
        Err(RelayError::ThreadErased) => return Ok(Delivery::Delivered),
        Err(error) => {
            return Ok(Delivery::retry(
                FailureReason::ProviderUnavailable,
                error.to_string(),
            ))
        }
    };
    let refs = match refs(env) {
        Ok(refs) => refs,
        Err(error) => {
            return Ok(Delivery::refused(
                FailureReason::NotConfigured,
                error.to_string(),
            ))
        }
    };
    let message_id = match random_id() {
        Ok(id) => format!("{id}@{}", domain_of(&settings.from)),
        Err(error) => return Ok(Delivery::retry(FailureReason::Unknown, error.to_string())),
    };
    let from_name = settings
        .from_name
        .clone()
        .unwrap_or_else(|| brand.settings.name.clone());
    let (to, raw, up_to) = match composed {
        Composed::Wait { seconds } => return Err(seconds.max(1)),
        Composed::Nothing => return Ok(Delivery::Delivered),
        Composed::Verification {
            address,
            nonce,
            expires_at,
            language,
            brand_name,
        } => {
            let envelope = envelope(&settings, &from_name, &address, message_id);
            let url = format!(
                "{origin}{}",
                refs.verify_path(&job.thread, &nonce, expires_at)
            );
            let raw = compose::verification(&envelope, &brand_name, &url, language);
            (address, raw, None)
        }
        Composed::Replies {
            address,
            nonce,
            language,
            brand_name,
            replies,
            up_to,
        } => {
            let Some(local) = refs.reply_local_part(&job.thread) else {
                return Ok(Delivery::refused(
                    FailureReason::NotConfigured,
                    "the thread id has no reply reference",
                ));
            };
            let envelope = envelope(&settings, &from_name, &address, message_id);
            let content = compose::Replies {
                replies: replies
                    .iter()
                    .map(|message| Reply {
                        who: match (&message.sender, brand.settings.show_agent_names) {
                            (Some(sender), true) => sender.name.clone(),
                            _ => brand_name.clone(),
                        },
                        text: crate::attachment::text_with_files(message),
                        quick_replies: message.replies.clone(),
                    })
                    .collect(),
                brand: brand_name,
                continue_url: format!(
                    "{origin}{}",
                    refs.link_path(LinkKind::Continue, &job.thread, &nonce)
                ),
                unsubscribe_url: format!(
                    "{origin}{}",
                    refs.link_path(LinkKind::Unsubscribe, &job.thread, &nonce)
                ),
                reply_to: format!("{local}@{}", settings.reply_domain),
                language,
            };
            (address, compose::replies(&envelope, &content), Some(up_to))
        }
    };
    if let Err(delivery) = send(env, &settings.from, &to, &raw).await {
        return Ok(delivery);
    }
    if let Some(up_to) = up_to {
        // Sent: the replies are not sent again. Should this call fail, the retry sends
        // them twice, rather than never.
        if let Err(error) = call(env, &job.thread, EmailCall::Sent { up_to }).await {
            worker::console_warn!("email for {} sent, not recorded: {error}", job.thread);
        }
    }
    Ok(Delivery::Delivered)
}

fn domain_of(address: &str) -> &str {
    address
        .rsplit_once('@')
        .map_or("localhost", |(_, domain)| domain)
}

fn envelope(settings: &EmailSettings, from_name: &str, to: &str, message_id: String) -> Envelope {
    Envelope {
        from: settings.from.clone(),
        from_name: from_name.to_string(),
        to: to.to_string(),
        message_id,
        date_ms: now(),
    }
}

/// Hands a raw email to the `EMAIL` binding (Cloudflare Email Service).
pub(super) async fn send(env: &Env, from: &str, to: &str, raw: &str) -> Result<(), Delivery> {
    let binding = env.send_email("EMAIL").map_err(|error| {
        Delivery::refused(
            FailureReason::NotConfigured,
            format!("no EMAIL binding: {error}"),
        )
    })?;
    let message = worker::EmailMessage::new(from, to, raw).map_err(|error| {
        Delivery::refused(
            FailureReason::ProviderRejected,
            format!("not an email: {}", js_error(&error)),
        )
    })?;
    crate::meter::one(crate::meter::Use::EmailsOut);
    binding.send(&message).await.map(|_| ()).map_err(|error| {
        Delivery::retry(
            FailureReason::ProviderUnavailable,
            format!("send_email: {}", js_error(&error)),
        )
    })
}

fn js_error(error: &worker::js_sys::Error) -> String {
    String::from(error.message())
}

/// An email job whose replies are not due yet: on the queue again after `seconds`, its
/// lease extended over the wait (no attempt is used).
pub async fn postpone(env: &Env, job: Job, seconds: u32) -> Result<(), RelayError> {
    super::outbound::enqueue(env, &job, seconds).await?;
    let settled = LaneSettled {
        job_id: job.id.clone(),
        generation: job.generation,
        lane: job.lane(),
        again_in_seconds: Some(seconds),
        status: None,
    };
    thread::settle(env, &job.thread, &settled).await
}

/// The Worker's `email` handler (Cloudflare Email Routing): a reply to
/// `reply+<ref>@<reply domain>`. Anything but a reply of the thread's verified address,
/// to a reference this relay signed, is rejected and stored nowhere.
#[event(email)]
pub async fn receive(
    message: ForwardableEmailMessage,
    env: Env,
    _ctx: Context,
) -> worker::Result<()> {
    crate::meter::one(crate::meter::Use::EmailsIn);
    // An error here would fail the whole invocation: every refusal is a rejection instead.
    if let Err(reason) = take_reply(&message, &env).await {
        worker::console_warn!("email to {} rejected: {reason}", message.to());
        message.set_reject(&reason);
    }
    Ok(())
}

async fn take_reply(message: &ForwardableEmailMessage, env: &Env) -> Result<(), String> {
    let refs = refs(env).map_err(|_| "Not configured".to_string())?;
    let thread = refs
        .thread_of_reply_address(&message.to())
        .ok_or("Unknown address")?;
    if message.raw_size() > MAX_INBOUND_BYTES as f64 {
        return Err("Message too large".into());
    }
    let raw = message
        .raw_bytes()
        .await
        .map_err(|_| "Unreadable message".to_string())?;
    let email = inbound::parse(&raw).ok_or("Not an email")?;
    let text: String = email.text.chars().take(MAX_TEXT_CHARS).collect();
    if text.trim().is_empty() {
        worker::console_log!("a reply to {thread} had no text of its own: nothing added");
        return Ok(());
    }
    let inbound = EmailCall::Inbound {
        from: email.from.clone(),
        client_id: email.client_id(),
        text,
    };
    match call(env, &thread, inbound).await {
        Ok(_) => Ok(()),
        Err(RelayError::Internal(detail)) => {
            worker::console_error!("a reply to {thread}: {detail}");
            Err("Temporary failure, try again later".into())
        }
        Err(_) => Err("Not accepted".into()),
    }
}
