//! Delivering to the visitor's WeChat: the team's answers (as customer-service messages
//! within the 48-hour window, as the brand's template outside it, or refused with 45015's
//! reason) and the greeting that says the thread is linked. An answer with files goes in
//! parts: its text (with a signed link for each file WeChat cannot carry: customer-service
//! messages have no documents), then each photo as an image message ([`media`]). Every
//! call carries the access token of the account's one holder ([`token`]); a call WeChat
//! answers with 40001/42001 asks the holder for a fresh token and goes once more.

pub mod media;
pub mod token;

use super::{delivery_timeout, post_json, Answer};
use crate::attachment::WEBHOOK_LINK_TTL_SECONDS;
use crate::connector::wechat::{self, linked_greeting, ApiError, QrCode, WechatSettings};
use crate::connector::{Delivery, FailureReason};
use crate::delivery::Job;
use crate::edge::{brands, files};
use crate::error::RelayError;
use confab_protocol::{Author, Message};
use token::{access_token, api_base};
use worker::Env;

/// Sends a job's message to `open_id`. A message in parts counts in `parts_sent` those
/// that went (a retry starts after them).
pub async fn deliver(
    env: &Env,
    job: &Job,
    open_id: &str,
    window_open: bool,
    parts_sent: &mut u32,
) -> Delivery {
    match send(env, job, open_id, window_open, parts_sent).await {
        Ok(()) => Delivery::Delivered,
        Err(delivery) => delivery,
    }
}

async fn send(
    env: &Env,
    job: &Job,
    open_id: &str,
    window_open: bool,
    parts_sent: &mut u32,
) -> Result<(), Delivery> {
    let brand = brands::load(env, job.brand.as_str())
        .await
        .map_err(|error| Delivery::retry(FailureReason::Unknown, error.to_string()))?;
    let settings = brand.settings.connectors.wechat.clone().ok_or_else(|| {
        Delivery::refused(
            FailureReason::NotConfigured,
            "the brand has no WeChat account",
        )
    })?;
    let message = job.message.as_ref().ok_or_else(|| {
        Delivery::refused(FailureReason::Unknown, "a WeChat job without a message")
    })?;
    let show_names = brand.settings.show_agent_names;
    let (url, body): (fn(&str, &str) -> String, String) = if message.author == Author::System {
        let language = job.context.language.as_deref();
        let greeting = linked_greeting(&brand.settings.name, language);
        (
            wechat::custom_send_url,
            wechat::custom_text(open_id, &greeting),
        )
    } else if window_open {
        return send_parts(
            env, job, &settings, message, open_id, show_names, parts_sent,
        )
        .await;
    } else if let Some(template) = &settings.template_id {
        let text = crate::connector::team_text(message, show_names);
        let body = wechat::template_message(open_id, template, &text);
        (wechat::template_send_url, body)
    } else {
        return Err(Delivery::refused(
            FailureReason::WindowClosed,
            format!(
                "outside WeChat's 48-hour window ({}), and no template",
                wechat::WINDOW_CLOSED
            ),
        ));
    };
    call(env, &settings, url, &body).await.map(|_| ())
}

/// A team answer within the window: its text (the writer's name if the brand shows names,
/// and a line with a signed link, working a day, for each file that is not a photo WeChat
/// takes) as one customer-service text, then each photo as an image message. The first
/// `parts_sent` parts went on an earlier attempt.
async fn send_parts(
    env: &Env,
    job: &Job,
    settings: &WechatSettings,
    message: &Message,
    open_id: &str,
    show_names: bool,
    parts_sent: &mut u32,
) -> Result<(), Delivery> {
    let (photos, others): (Vec<_>, Vec<_>) = message
        .attachments
        .iter()
        .partition(|attachment| wechat::sends_as_image(attachment));
    let mut lines = Vec::new();
    if let Some(sender) = message.sender.as_ref().filter(|_| show_names) {
        lines.push(format!("{}:", sender.name));
    }
    if !message.text.is_empty() {
        // Quick replies cannot be buttons here: they go as lines under the text.
        lines.push(crate::resolution::replies::with_lines(
            &message.text,
            &message.replies,
        ));
    }
    if !others.is_empty() {
        let origin = env
            .var("PUBLIC_ORIGIN")
            .map(|origin| origin.to_string())
            .ok()
            .or_else(|| job.relay_origin.clone())
            .unwrap_or_default();
        let links = files::links_for(env, WEBHOOK_LINK_TTL_SECONDS)
            .map_err(|error| Delivery::retry(FailureReason::NotConfigured, error.to_string()))?;
        let now = worker::Date::now().as_millis() / 1000;
        for file in others {
            let path = links.path(&job.thread, &file.id, now);
            let url = format!("{}{path}", origin.trim_end_matches('/'));
            lines.push(wechat::file_line(&file.name, &url));
        }
    }
    let mut part = 0;
    // A name alone (a message of photos only) is no part of its own.
    let has_text = !message.text.is_empty()
        || lines.len() > usize::from(show_names && message.sender.is_some());
    if has_text {
        if part >= *parts_sent {
            let body = wechat::custom_text(open_id, &lines.join("\n"));
            call(env, settings, wechat::custom_send_url, &body).await?;
            *parts_sent += 1;
        }
        part += 1;
    }
    for photo in photos {
        if part >= *parts_sent {
            let media_id = media::upload(env, settings, &job.thread, photo).await?;
            let body = wechat::custom_image(open_id, &media_id);
            call(env, settings, wechat::custom_send_url, &body).await?;
            *parts_sent += 1;
        }
        part += 1;
    }
    Ok(())
}

/// Calls the API at `url(base, token)` with `body`, with the holder's token; once more with
/// a fresh one if WeChat says the token is stale. The answer's body, if it went.
async fn call(
    env: &Env,
    settings: &WechatSettings,
    url: fn(&str, &str) -> String,
    body: &str,
) -> Result<String, Delivery> {
    let base = api_base(env);
    let mut stale: Option<String> = None;
    for _ in 0..2 {
        let token = access_token(env, settings, stale.as_deref()).await?;
        let answer = post_json(delivery_timeout(env), &url(&base, &token), body, &[], true)
            .await
            .map_err(|failed| failed.without(&token))?;
        let Answer { status, body, .. } = answer;
        match wechat::read_send_answer(status, &body) {
            Ok(()) => return Ok(body),
            Err(ApiError::StaleToken) => stale = Some(token),
            Err(ApiError::Failed(delivery)) => return Err(delivery.without(&token)),
        }
    }
    Err(Delivery::retry(
        FailureReason::ProviderUnavailable,
        "WeChat refused a freshly fetched access token",
    ))
}

/// A temporary QR code of the brand's account whose scene is `code` (30 minutes).
pub async fn create_qr(
    env: &Env,
    settings: &WechatSettings,
    code: &str,
) -> Result<QrCode, RelayError> {
    let unavailable = |delivery: Delivery| {
        let detail = match delivery {
            Delivery::Refused { failure }
            | Delivery::Retry { failure, .. }
            | Delivery::RateLimited { failure, .. } => failure.to_string(),
            Delivery::Delivered => "no answer".into(),
        };
        worker::console_warn!("WeChat QR code: {detail}");
        RelayError::ProviderUnavailable("WeChat did not make the QR code".into())
    };
    let body = call(
        env,
        settings,
        wechat::qr_create_url,
        &wechat::qr_request(code),
    )
    .await
    .map_err(unavailable)?;
    wechat::read_qr_answer(200, &body).map_err(|error| match error {
        ApiError::StaleToken => unavailable(Delivery::retry(FailureReason::Unknown, "stale")),
        ApiError::Failed(delivery) => unavailable(delivery),
    })
}
