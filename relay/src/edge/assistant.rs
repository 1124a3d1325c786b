//! The assistant at the edge: the thread's [`AssistantCall`]s, the queue's consumer of
//! assistant jobs, and the API calls that hand a thread over (the visitor) or turn its bot
//! on and off (the team).
//!
//! An assistant job carries the visitor's message. When it falls due the consumer asks the
//! thread whether the bot still answers it ([`AssistantCall::Due`]: no person answered
//! meanwhile, the bot was not silenced, the message was not answered already), searches
//! the brand's knowledge, and hands the [`Reply`] back ([`AssistantCall::Reply`]); the
//! thread stores the bot's message, or hands over on a second unconfident answer. A brand's
//! built index is kept per isolate, by brand and a version of its knowledge that any change
//! moves ([`index`]), so a question costs D1 one small read, not the whole knowledge, and
//! the isolate a search, not an index build.

use super::d1::{text, Db};
use super::http::{self, internal};
use super::thread::{self, ThreadAnswer, ThreadCall};
use crate::assistant::generative::{self, Generated, GenerativeSettings};
use crate::assistant::{reply_from_search, HandoffReason, Reply};
use crate::brand::Brand;
use crate::connector::{Delivery, Failure, FailureReason};
use crate::delivery::Job;
use crate::error::RelayError;
use crate::knowledge::index::{Index, Search};
use crate::knowledge::{canonical_language, Entry};
use confab_protocol::{BrandId, ThreadId};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;
use worker::{Env, Request, Response};

/// An assistant call to a thread's object.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "assistant", rename_all = "camelCase")]
pub enum AssistantCall {
    /// An assistant job for the visitor's message `seq` fell due: answers the question if
    /// the bot still answers it.
    Due {
        /// The visitor's message.
        seq: u64,
    },
    /// What the consumer found for the visitor's message `seq`.
    Reply {
        /// The visitor's message.
        seq: u64,
        /// The reply.
        reply: Reply,
    },
    /// Hand the thread over to a person (not found for another brand's thread).
    Handoff {
        /// The caller's brand.
        brand: BrandId,
        /// Why.
        reason: HandoffReason,
    },
    /// The team turns the bot on or off in the thread (not found for another brand's).
    Switch {
        /// The team's brand.
        brand: BrandId,
        /// On or off.
        on: bool,
    },
}

/// What the object answers an [`AssistantCall`] with.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "assistant", rename_all = "camelCase")]
pub enum AssistantAnswer {
    /// Done.
    Done,
    /// For [`AssistantCall::Due`]: the question to answer, or none.
    Due {
        /// The question.
        question: Option<Question>,
    },
    /// For [`AssistantCall::Switch`] and [`AssistantCall::Handoff`]: whether the bot is
    /// on in the thread now.
    State {
        /// On (it answers the visitor's next message, as the brand's mode says).
        on: bool,
    },
}

/// A visitor's question for the bot.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Question {
    /// What the visitor wrote.
    pub text: String,
    /// The visitor's language (as their browser said), if known.
    #[serde(default)]
    pub language: Option<String>,
}

/// Whether the bot is on in a thread, as the API answers.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AssistantState {
    on: bool,
}

/// `{"on": bool}`, the body of `POST /v1/threads/{id}/assistant`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Switch {
    on: bool,
}

async fn call(
    env: &Env,
    thread: &ThreadId,
    call: AssistantCall,
) -> Result<AssistantAnswer, RelayError> {
    match thread::call(env, thread, &ThreadCall::Assistant(call)).await? {
        ThreadAnswer::Assistant(answer) => Ok(answer),
        other => Err(internal(format!("unexpected answer {other:?}"))),
    }
}

/// Turns the bot on or off in a thread for the team of `brand`; answers whether it is on.
pub async fn switch(
    env: &Env,
    brand: &BrandId,
    thread: &ThreadId,
    on: bool,
) -> Result<bool, RelayError> {
    let switch = AssistantCall::Switch {
        brand: brand.clone(),
        on,
    };
    match call(env, thread, switch).await? {
        AssistantAnswer::State { on } => Ok(on),
        other => Err(internal(format!("unexpected answer {other:?}"))),
    }
}

/// `POST /v1/threads/{id}/handoff`: the visitor asks for a person (the caller is
/// authorised for the thread).
pub async fn request_handoff(
    env: &Env,
    brand: &Brand,
    thread: &ThreadId,
) -> Result<Response, RelayError> {
    let handoff = AssistantCall::Handoff {
        brand: brand.id.clone(),
        reason: HandoffReason::Requested,
    };
    match call(env, thread, handoff).await? {
        AssistantAnswer::State { on } => http::json(&AssistantState { on }, 200),
        other => Err(internal(format!("unexpected answer {other:?}"))),
    }
}

/// `POST /v1/threads/{id}/assistant {"on": bool}`: the team turns the bot on or off in a
/// thread (the caller holds the brand's agent key).
pub async fn agent_switch(
    request: &mut Request,
    env: &Env,
    brand: &Brand,
    thread: &ThreadId,
) -> Result<Response, RelayError> {
    let Switch { on } = http::read_json(request).await?;
    let on = switch(env, &brand.id, thread, on).await?;
    http::json(&AssistantState { on }, 200)
}

/// Works an assistant job: the thread is asked whether the bot still answers, the
/// knowledge searched, and the reply handed back. An erased thread wants nothing more.
pub async fn deliver(env: &Env, job: &Job, due_at: u64) -> Delivery {
    // A copy sent early (the alarm re-sends jobs unheard of) waits for its time, without
    // using an attempt.
    let now = worker::Date::now().as_millis();
    if now < due_at {
        let seconds = u32::try_from(due_at.saturating_sub(now).div_ceil(1000)).unwrap_or(1);
        return Delivery::RateLimited {
            failure: Failure::new(FailureReason::Unknown, "not due yet"),
            after_seconds: seconds.max(1),
        };
    }
    match answer(env, job).await {
        Ok(()) | Err(RelayError::ThreadErased) => Delivery::Delivered,
        Err(error) => Delivery::retry(FailureReason::Unknown, format!("assistant: {error}")),
    }
}

async fn answer(env: &Env, job: &Job) -> Result<(), RelayError> {
    let Some(message) = &job.message else {
        return Err(internal("an assistant job without a message"));
    };
    let seq = message.seq.0;
    let question = match call(env, &job.thread, AssistantCall::Due { seq }).await? {
        AssistantAnswer::Due { question } => question,
        other => return Err(internal(format!("unexpected answer {other:?}"))),
    };
    let Some(question) = question else {
        worker::console_log!("assistant: {} {seq} no longer answered", job.thread);
        return Ok(());
    };
    let brand = super::brands::load(env, job.brand.as_str()).await?;
    // The brand turned its bot off since the job was queued: no answer.
    let Some(settings) = brand
        .settings
        .assistant
        .filter(|settings| settings.mode != crate::assistant::Mode::Off)
    else {
        return Ok(());
    };
    let index = index(env, &job.brand).await?;
    let language = question.language.as_deref().and_then(canonical_language);
    let search = index
        .borrow_dependent()
        .search(&question.text, language.as_deref());
    let retrieved = reply_from_search(&search, settings.min_confidence);
    let generated = match &settings.generative {
        Some(model) => {
            let asked = Asked {
                brand_name: &brand.settings.name,
                question: &question.text,
                language: language.as_deref(),
            };
            generate(env, model, &asked, &search).await
        }
        None => Ok(None),
    };
    // The model's failure falls back to retrieval (and an unsure retrieval to a handoff
    // in time), never to silence.
    let reply = generated
        .unwrap_or_else(|why| {
            worker::console_log!("assistant: {}: the model failed: {why}", job.thread);
            None
        })
        .unwrap_or(retrieved);
    call(env, &job.thread, AssistantCall::Reply { seq, reply }).await?;
    Ok(())
}

/// What the visitor asked, for the model.
struct Asked<'a> {
    brand_name: &'a str,
    question: &'a str,
    language: Option<&'a str>,
}

/// The model's answer, grounded on the search's best entries: `None` when there is
/// nothing to ground it on or the model does not know (retrieval's reply stands), an
/// error when no answer could be had (no key, no answer in time, not an answer).
async fn generate(
    env: &Env,
    model: &GenerativeSettings,
    asked: &Asked<'_>,
    search: &Search<'_>,
) -> Result<Option<Reply>, String> {
    let entries = generative::grounding(search);
    if entries.is_empty() {
        return Ok(None);
    }
    let key = env
        .secret(&model.key_secret)
        .map_err(|_| format!("no Worker secret {}", model.key_secret))?
        .to_string();
    let body = generative::request_body(
        model,
        asked.brand_name,
        asked.question,
        asked.language,
        &entries,
    );
    let authorization = format!("Bearer {key}");
    let answer = super::outbound::post_json(
        Duration::from_millis(u64::from(model.timeout_ms)),
        &model.url(),
        &body.to_string(),
        &[("Authorization", &authorization)],
        true,
    )
    .await
    .map_err(|delivery| format!("{delivery:?}"))?;
    if !(200..300).contains(&answer.status) {
        return Err(format!("the model's endpoint answered {}", answer.status));
    }
    Ok(match generative::read_answer(&answer.body)? {
        Generated::Answer(text) => Some(Reply::Answer {
            text,
            sources: entries.iter().map(|entry| entry.id.clone()).collect(),
            replies: generative::replies_of(&entries),
        }),
        Generated::NoAnswer => None,
    })
}

self_cell::self_cell!(
    /// A brand's entries and the index built over them (which borrows them).
    struct Indexed {
        owner: Vec<Entry>,
        #[covariant]
        dependent: Index,
    }
);

/// A brand's built index, with the version of its knowledge it was built at.
type Known = (String, Rc<Indexed>);

thread_local! {
    /// Each brand's index, by brand.
    static KNOWLEDGE: RefCell<HashMap<String, Known>> = RefCell::new(HashMap::new());
}

/// A version of the brand's knowledge that changes with any change to it: how many
/// entries, and the latest and the sum of their edit times (an edit moves the latest, a
/// deletion the count, a replacing import the times).
async fn version(env: &Env, brand: &BrandId) -> Result<String, RelayError> {
    #[derive(Deserialize)]
    struct Row {
        n: Option<f64>,
        latest: Option<f64>,
        total: Option<f64>,
    }
    let row: Option<Row> = Db::new(env)?
        .first(
            "SELECT count(*) AS n, max(updated_at) AS latest, total(updated_at) AS total \
             FROM knowledge WHERE brand_id = ?1",
            &[text(brand.as_str())],
            None,
        )
        .await?;
    Ok(row.map_or_else(String::new, |row| {
        format!(
            "{}:{}:{}",
            row.n.unwrap_or(0.0),
            row.latest.unwrap_or(0.0),
            row.total.unwrap_or(0.0)
        )
    }))
}

/// The brand's index: from this isolate's cache while the knowledge's version is the
/// same, else built from the entries in D1 and kept. Building costs ~20 ms for 1,000
/// entries (natively, release), a search over the built index ~0.25 ms.
async fn index(env: &Env, brand: &BrandId) -> Result<Rc<Indexed>, RelayError> {
    let version = version(env, brand).await?;
    let cached = KNOWLEDGE.with(|cache| {
        cache
            .borrow()
            .get(brand.as_str())
            .filter(|(known, _)| *known == version)
            .map(|(_, index)| index.clone())
    });
    if let Some(index) = cached {
        return Ok(index);
    }
    let entries = super::knowledge::load(env, brand).await?;
    let index = Rc::new(Indexed::new(entries, |entries| Index::new(entries)));
    KNOWLEDGE.with(|cache| {
        cache
            .borrow_mut()
            .insert(brand.as_str().to_string(), (version, index.clone()))
    });
    Ok(index)
}
