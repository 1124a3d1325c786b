//! Delivering to Telegram: the visitor's message goes into the thread's forum topic, which
//! is created (and opened with a summary for the team) on the thread's first message. Its
//! files follow as photos or documents ([`files`]).

mod files;

pub use files::download;

use super::{delivery_timeout, post_json, secret, setting, Answer};
use crate::connector::telegram::{self, TelegramSettings};
use crate::connector::{Delivery, FailureReason};
use crate::delivery::{Job, Target};
use crate::edge::brands;
use crate::edge::d1::{text, Db};
use crate::edge::http::internal;
use crate::error::RelayError;
use confab_protocol::{Author, BrandId, ThreadId};
use std::time::Duration;
use worker::wasm_bindgen::JsValue;
use worker::Env;

/// The Bot API's address, unless `TELEGRAM_API_BASE` names another (the tests' fake).
const DEFAULT_API_BASE: &str = "https://api.telegram.org";

/// Posts a job's message into its thread's topic. A message with files goes in parts;
/// `parts_sent` counts those that went (a retry starts after them).
pub async fn deliver(env: &Env, job: &Job, parts_sent: &mut u32) -> Delivery {
    match post(env, job, parts_sent).await {
        Ok(()) => Delivery::Delivered,
        Err(delivery) => delivery,
    }
}

async fn post(env: &Env, job: &Job, parts_sent: &mut u32) -> Result<(), Delivery> {
    let brand = brands::load(env, job.brand.as_str())
        .await
        .map_err(storage_failure)?;
    let settings = brand.settings.connectors.telegram.clone().ok_or_else(|| {
        Delivery::refused(
            FailureReason::NotConfigured,
            "the brand has no Telegram connector",
        )
    })?;
    // A note for the team carries its text; a message is marked as the bot's if it is.
    let (text, message) = match (&job.target, job.message.as_ref()) {
        (Target::TeamNote { text }, _) => (text.clone(), None),
        // The team cannot tap the visitor's buttons: a bot message's quick replies go as
        // lines, so the team sees what the visitor was offered.
        (_, Some(message)) if message.author == Author::Bot => (
            crate::assistant::texts::for_team(
                &crate::resolution::replies::with_lines(&message.text, &message.replies),
                &job.sources,
            ),
            Some(message),
        ),
        (_, Some(message)) => (message.text.clone(), Some(message)),
        (_, None) => {
            return Err(Delivery::refused(
                FailureReason::Unknown,
                "a Telegram job without a message",
            ))
        }
    };
    let bot = Bot::of(env, settings)?;
    let topic = match topic_of(env, &job.thread).await.map_err(storage_failure)? {
        Some(topic) => topic,
        None => {
            let topic = bot
                .call(
                    "createForumTopic",
                    &telegram::create_topic(
                        bot.settings.chat_id,
                        &telegram::topic_name(job.thread.as_str()),
                    ),
                )
                .await
                .and_then(|result| {
                    telegram::topic_id(&result).ok_or_else(|| {
                        Delivery::retry(
                            FailureReason::ProviderUnavailable,
                            "createForumTopic gave no message_thread_id",
                        )
                    })
                })?;
            let topic = save_topic(env, &job.brand, &job.thread, bot.settings.chat_id, topic)
                .await
                .map_err(storage_failure)?;
            let opener = telegram::opener(
                &brand.settings.name,
                job.context.page.as_deref(),
                job.context.language.as_deref(),
            );
            // The summary is a courtesy: the visitor's message matters, and goes anyway.
            let _ = bot
                .call(
                    "sendMessage",
                    &telegram::send_message(bot.settings.chat_id, topic, &opener),
                )
                .await;
            topic
        }
    };
    if let Some(message) = message.filter(|message| !message.attachments.is_empty()) {
        return files::send(env, &bot, topic, job, message, parts_sent).await;
    }
    bot.call(
        "sendMessage",
        &telegram::send_message(bot.settings.chat_id, topic, &text),
    )
    .await
    .map(|_| ())
}

/// The brand's bot.
pub struct Bot {
    base: String,
    timeout: Duration,
    token: String,
    settings: TelegramSettings,
}

impl Bot {
    /// The bot of a brand's Telegram settings.
    pub fn of(env: &Env, settings: TelegramSettings) -> Result<Bot, Delivery> {
        Ok(Bot {
            base: setting(env, "TELEGRAM_API_BASE", DEFAULT_API_BASE),
            timeout: delivery_timeout(env),
            token: secret(env, &settings.bot_token_secret)?,
            settings,
        })
    }

    /// Calls a Bot API method. Its URL carries the bot's token: nothing of a failure that
    /// could quote it (the URL, the token) is kept but scrubbed.
    async fn call(&self, method: &str, body: &str) -> Result<serde_json::Value, Delivery> {
        let url = telegram::method_url(&self.base, &self.token, method);
        let answer = post_json(self.timeout, &url, body, &[], true).await;
        answer
            .and_then(|Answer { status, body, .. }| telegram::read_answer(status, &body))
            .map_err(|failed| failed.without(&self.token))
    }
}

/// D1 trouble is worth a retry; an unknown brand is not.
fn storage_failure(error: RelayError) -> Delivery {
    match error {
        RelayError::UnknownBrand(brand) => {
            Delivery::refused(FailureReason::NotConfigured, format!("no brand {brand}"))
        }
        other => Delivery::retry(FailureReason::Unknown, other.to_string()),
    }
}

/// The thread's topic, if it has one.
async fn topic_of(env: &Env, thread: &ThreadId) -> Result<Option<i64>, RelayError> {
    let topic: Option<f64> = Db::new(env)?
        .first(
            "SELECT topic_id FROM telegram_topics WHERE thread_id = ?1",
            &[text(thread.as_str())],
            Some("topic_id"),
        )
        .await?;
    Ok(topic.map(|topic| topic as i64))
}

/// Records the thread's topic; if another delivery recorded one first, that one stays and
/// is returned (the topic created here is left unused).
async fn save_topic(
    env: &Env,
    brand: &BrandId,
    thread: &ThreadId,
    chat_id: i64,
    topic_id: i64,
) -> Result<i64, RelayError> {
    Db::new(env)?
        .run(
            "INSERT INTO telegram_topics (thread_id, brand_id, chat_id, topic_id) \
             VALUES (?1, ?2, ?3, ?4) ON CONFLICT (thread_id) DO NOTHING",
            &[
                text(thread.as_str()),
                text(brand.as_str()),
                JsValue::from_f64(chat_id as f64),
                JsValue::from_f64(topic_id as f64),
            ],
        )
        .await?;
    topic_of(env, thread)
        .await?
        .ok_or_else(|| internal("telegram topic row vanished after insert"))
}

/// The thread a topic of the brand's group belongs to.
pub async fn thread_of_topic(
    env: &Env,
    brand: &BrandId,
    chat_id: i64,
    topic_id: i64,
) -> Result<Option<ThreadId>, RelayError> {
    let thread: Option<String> = Db::new(env)?
        .first(
            "SELECT thread_id FROM telegram_topics \
             WHERE brand_id = ?1 AND chat_id = ?2 AND topic_id = ?3",
            &[
                text(brand.as_str()),
                JsValue::from_f64(chat_id as f64),
                JsValue::from_f64(topic_id as f64),
            ],
            Some("thread_id"),
        )
        .await?;
    Ok(thread.map(ThreadId::new))
}
