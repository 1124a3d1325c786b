//! `POST /v1/console/connectors/{kind}/test`: a real request to the brand's Telegram group
//! or webhook, or a credentials check WhatsApp or WeChat answers (a lookup of the brand's
//! number; a stable-token fetch), through the same base addresses, secrets, timeout, size
//! cap and no-redirect rules as deliveries (`edge/outbound.rs`), reported as the provider
//! answered it ([`crate::connector::probe`]).

use super::super::api::allows_local_webhooks;
use super::super::outbound::{delivery_timeout, get, post_json, secret, setting};
use super::super::outbound::{wechat::token::api_base as wechat_base, whatsapp};
use super::super::random_id;
use crate::brand::Brand;
use crate::connector::probe::{self, Report};
use crate::connector::wechat::{self, WechatSettings};
use crate::connector::whatsapp::WhatsappSettings;
use crate::connector::{telegram, webhook, Delivery};
use crate::error::RelayError;
use crate::route::ConnectorKind;
use worker::Env;

/// Tests one of the brand's connectors.
pub async fn test(env: &Env, brand: &Brand, kind: ConnectorKind) -> Result<Report, RelayError> {
    let connectors = &brand.settings.connectors;
    Ok(match kind {
        ConnectorKind::Telegram => match &connectors.telegram {
            Some(settings) => {
                test_telegram(env, settings.chat_id, &settings.bot_token_secret).await
            }
            None => Report::unanswered("the brand has no Telegram connector"),
        },
        ConnectorKind::Webhook => match &connectors.webhook {
            Some(settings) => test_webhook(env, brand, &settings.url, &settings.secret).await?,
            None => Report::unanswered("the brand has no webhook"),
        },
        ConnectorKind::Whatsapp => match &connectors.whatsapp {
            Some(settings) => test_whatsapp(env, settings).await,
            None => Report::unanswered("the brand has no WhatsApp number"),
        },
        ConnectorKind::Wechat => match &connectors.wechat {
            Some(settings) => test_wechat(env, settings).await,
            None => Report::unanswered("the brand has no WeChat account"),
        },
    })
}

/// A lookup of the brand's number with its token: Graph answers it only to a token that
/// may act for the number, and a test sends no message (none may go to someone who did not
/// write first).
async fn test_whatsapp(env: &Env, settings: &WhatsappSettings) -> Report {
    let token = match secret(env, &settings.access_token_secret) {
        Ok(token) => token,
        Err(failed) => return Report::unanswered(failure(failed)),
    };
    let url = probe::whatsapp_url(&whatsapp::api_base(env), &settings.phone_number_id);
    let authorization = format!("Bearer {token}");
    let headers = [("Authorization", authorization.as_str())];
    match get(delivery_timeout(env), &url, &headers).await {
        Ok(answer) => probe::whatsapp_report(answer.status, &answer.body, &token),
        Err(failed) => Report::unanswered(failure(failed.without(&token))),
    }
}

/// A stable-token fetch with the account's AppID and AppSecret, straight to WeChat rather
/// than through the token's holder (`edge/outbound/wechat/token.rs`), which would answer
/// from what it holds. Without `force_refresh` WeChat answers the token it already issued,
/// so the holder's token stays good and the forced-refresh quota is not spent.
async fn test_wechat(env: &Env, settings: &WechatSettings) -> Report {
    let app_secret = match secret(env, &settings.app_secret) {
        Ok(app_secret) => app_secret,
        Err(failed) => return Report::unanswered(failure(failed)),
    };
    let url = wechat::stable_token_url(&wechat_base(env));
    let body = wechat::stable_token_request(&settings.app_id, &app_secret, false);
    match post_json(delivery_timeout(env), &url, &body, &[], true).await {
        Ok(answer) => probe::wechat_report(answer.status, &answer.body, &app_secret),
        Err(failed) => Report::unanswered(failure(failed.without(&app_secret))),
    }
}

async fn test_telegram(env: &Env, chat_id: i64, token_secret: &str) -> Report {
    let token = match secret(env, token_secret) {
        Ok(token) => token,
        Err(failed) => return Report::unanswered(failure(failed)),
    };
    let base = setting(env, "TELEGRAM_API_BASE", "https://api.telegram.org");
    let url = telegram::method_url(&base, &token, "sendMessage");
    let body = probe::telegram_body(chat_id);
    // The URL carries the bot's token: no report may quote it.
    match post_json(delivery_timeout(env), &url, &body, &[], true).await {
        Ok(answer) => probe::telegram_report(answer.status, &answer.body, &token),
        Err(failed) => Report::unanswered(failure(failed.without(&token))),
    }
}

async fn test_webhook(
    env: &Env,
    brand: &Brand,
    url: &str,
    secret_name: &str,
) -> Result<Report, RelayError> {
    let url = match webhook::checked_url(url, allows_local_webhooks(env)) {
        Ok(url) => url,
        Err(reason) => return Ok(Report::unanswered(reason)),
    };
    let key = match secret(env, secret_name) {
        Ok(key) => key,
        Err(failed) => return Ok(Report::unanswered(failure(failed))),
    };
    let now = worker::Date::now().as_millis();
    let body = probe::webhook_body(&random_id()?, &brand.id, now);
    let signature = webhook::sign(key.as_bytes(), now / 1000, &body)?;
    let headers = [(webhook::SIGNATURE_HEADER, signature.as_str())];
    Ok(
        match post_json(delivery_timeout(env), url.as_str(), &body, &headers, false).await {
            Ok(answer) => probe::webhook_report(answer.status, answer.location.as_deref()),
            Err(failed) => Report::unanswered(failure(failed)),
        },
    )
}

/// What a failed request came to, in words.
fn failure(delivery: Delivery) -> String {
    match delivery {
        Delivery::Delivered => "delivered".into(),
        Delivery::Retry { failure, .. }
        | Delivery::RateLimited { failure, .. }
        | Delivery::Refused { failure } => failure.detail().to_string(),
    }
}
