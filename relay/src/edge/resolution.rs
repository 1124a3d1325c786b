//! Resolution and ratings at the edge ([`crate::resolution`]): the thread's
//! [`ResolutionCall`]s, the agent API's `resolve` and `reopen`, the team's `/resolve` and
//! `/reopen` in Telegram, and the visitor's `POST /v1/threads/{id}/rating`.
//!
//! The thread's object owns the state; every change goes to it as one typed call, and what
//! the visitor, the team and the backend are told joins its outbox in the same commit.

use super::http::{self, internal};
use super::thread::{self, ThreadAnswer, ThreadCall};
use crate::brand::Brand;
use crate::error::RelayError;
use crate::resolution::{By, Command, Rating, RatingRequest};
use confab_protocol::{BrandId, RatingStatus, ThreadId};
use serde::{Deserialize, Serialize};
use worker::{Env, Request, Response};

/// A resolution call to a thread's object (each names the caller's brand: another
/// brand's thread is not found).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "resolution", rename_all = "camelCase")]
pub enum ResolutionCall {
    /// The team marks the thread resolved.
    Resolve {
        /// The team's brand.
        brand: BrandId,
        /// Where the team did it.
        by: By,
    },
    /// The team reopens the thread.
    Reopen {
        /// The team's brand.
        brand: BrandId,
        /// Where the team did it.
        by: By,
    },
    /// The visitor rates the conversation.
    Rate {
        /// The visitor's brand.
        brand: BrandId,
        /// The rating, checked.
        rating: Rating,
    },
}

/// What the object answers a [`ResolutionCall`] with: where the thread stands now.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolutionAnswer {
    /// Resolved now.
    pub resolved: bool,
    /// Whether a rating is wanted now, or was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<RatingStatus>,
}

async fn call(
    env: &Env,
    thread: &ThreadId,
    call: ResolutionCall,
) -> Result<ResolutionAnswer, RelayError> {
    match thread::call(env, thread, &ThreadCall::Resolution(call)).await? {
        ThreadAnswer::Resolution(answer) => Ok(answer),
        other => Err(internal(format!("unexpected answer {other:?}"))),
    }
}

/// The team's `/resolve` or `/reopen` in the thread's topic.
pub async fn command(
    env: &Env,
    brand: &BrandId,
    thread: &ThreadId,
    command: Command,
) -> Result<ResolutionAnswer, RelayError> {
    let brand = brand.clone();
    let by = By::Telegram;
    let request = match command {
        Command::Resolve => ResolutionCall::Resolve { brand, by },
        Command::Reopen => ResolutionCall::Reopen { brand, by },
    };
    call(env, thread, request).await
}

/// `POST /v1/agent/threads/{id}/resolve` (`resolved`) or `.../reopen`: the team of
/// `brand` (the caller holds its agent key) changes the thread's resolution; answers
/// `{"resolved": bool, "rating"?: …}`.
pub async fn agent(
    env: &Env,
    brand: &Brand,
    thread: &ThreadId,
    resolved: bool,
) -> Result<Response, RelayError> {
    let brand = brand.id.clone();
    let by = By::Api;
    let request = match resolved {
        true => ResolutionCall::Resolve { brand, by },
        false => ResolutionCall::Reopen { brand, by },
    };
    http::json(&call(env, thread, request).await?, 200)
}

/// `POST /v1/threads/{id}/rating {"score": 1..5, "comment"?: …}`: the visitor (the caller
/// is authorised for the thread) rates the conversation, once while a rating is wanted.
pub async fn rate(
    request: &mut Request,
    env: &Env,
    brand: &Brand,
    thread: &ThreadId,
) -> Result<Response, RelayError> {
    let body: RatingRequest = http::read_json(request).await?;
    let rating = body.validated().map_err(RelayError::InvalidRating)?;
    let rate = ResolutionCall::Rate {
        brand: brand.id.clone(),
        rating,
    };
    http::json(&call(env, thread, rate).await?, 201)
}
