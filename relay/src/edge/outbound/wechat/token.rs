//! The WeChat access token's one holder: a Durable Object per AppID (`WECHAT_TOKEN`,
//! class `WechatToken`). Every call to WeChat asks it for the token; it answers the one it
//! holds while that has more than
//! [`REFRESH_AHEAD_MS`](crate::connector::wechat::REFRESH_AHEAD_MS) to live, and otherwise
//! fetches a new one from the stable-token API — once, however many ask at the same moment
//! (they all await the same fetch; the rules are
//! [`to_hand_out`](crate::connector::wechat::token::to_hand_out)). A caller whose token WeChat refused (40001/42001) names it, and
//! the holder refreshes it (forced) unless it already holds a newer one. This object calls
//! WeChat's token API and nothing else; it keeps no thread's data.

use super::super::{delivery_timeout, post_json, setting, Answer};
use crate::connector::wechat::token::to_hand_out;
use crate::connector::wechat::{self, AccessToken, ApiError, WechatSettings};
use crate::connector::{Delivery, FailureReason};
use crate::edge::http::internal;
use crate::error::RelayError;
use futures_util::future::{FutureExt, LocalBoxFuture, Shared};
use serde::{Deserialize, Serialize};
use std::cell::{Cell, RefCell};
use worker::wasm_bindgen::JsValue;
use worker::{
    durable_object, wasm_bindgen, DurableObject, Env, Method, Request, RequestInit, Response,
    Result, State,
};

/// WeChat's API address, unless `WECHAT_API_BASE` names another (the tests' fake).
pub const DEFAULT_API_BASE: &str = "https://api.weixin.qq.com";

/// The API's base address.
pub fn api_base(env: &Env) -> String {
    setting(env, "WECHAT_API_BASE", DEFAULT_API_BASE)
}

/// What a caller asks the holder.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenRequest {
    /// The account.
    app_id: String,
    /// The Worker secret holding its AppSecret.
    app_secret: String,
    /// A token WeChat refused as invalid or expired, if any.
    #[serde(default)]
    stale: Option<String>,
}

/// What the holder answers.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenAnswer {
    #[serde(default)]
    token: Option<AccessToken>,
    /// Why there is none (scrubbed, for the log).
    #[serde(default)]
    failure: Option<String>,
    /// Whether retrying cannot help (bad settings).
    #[serde(default)]
    refused: bool,
}

type Fetching = Shared<LocalBoxFuture<'static, TokenAnswer>>;

/// The holder of one account's access token.
#[durable_object]
pub struct WechatToken {
    state: State,
    env: Env,
    current: RefCell<Option<AccessToken>>,
    /// The fetch under way, if any, with its number (so only its own waiter clears it).
    fetching: RefCell<Option<(u64, Fetching)>>,
    fetches: Cell<u64>,
    /// When this instance last asked WeChat (ms).
    last_fetch_at: Cell<u64>,
}

impl DurableObject for WechatToken {
    fn new(state: State, env: Env) -> Self {
        Self {
            state,
            env,
            current: RefCell::new(None),
            fetching: RefCell::new(None),
            fetches: Cell::new(0),
            last_fetch_at: Cell::new(0),
        }
    }

    async fn fetch(&self, mut request: Request) -> Result<Response> {
        crate::meter::one(crate::meter::Use::ObjectRequests);
        let answer = match request.json::<TokenRequest>().await {
            Ok(asked) => self.token(asked).await,
            Err(error) => TokenAnswer {
                token: None,
                failure: Some(format!("a bad token request: {error}")),
                refused: true,
            },
        };
        Response::from_json(&answer)
    }
}

impl WechatToken {
    async fn token(&self, asked: TokenRequest) -> TokenAnswer {
        let now = worker::Date::now().as_millis();
        if self.current.borrow().is_none() {
            let stored: Option<AccessToken> =
                self.state.storage().get("token").await.ok().flatten();
            // Another request may have fetched one while storage answered.
            if self.current.borrow().is_none() {
                *self.current.borrow_mut() = stored;
            }
        }
        let held = self.current.borrow().clone();
        let refused_held = held
            .as_ref()
            .zip(asked.stale.as_ref())
            .is_some_and(|(held, stale)| held.token == *stale);
        if let Some(held) = to_hand_out(held.as_ref(), refused_held, self.last_fetch_at.get(), now)
        {
            return TokenAnswer {
                token: Some(held.clone()),
                failure: None,
                refused: false,
            };
        }
        let under_way = self.fetching.borrow().clone();
        let (number, fetching) = match under_way {
            Some(under_way) => under_way,
            None => {
                let number = self.fetches.get() + 1;
                self.fetches.set(number);
                self.last_fetch_at.set(now);
                let fetching = fetch_token(self.env.clone(), asked, refused_held)
                    .boxed_local()
                    .shared();
                *self.fetching.borrow_mut() = Some((number, fetching.clone()));
                (number, fetching)
            }
        };
        let answer = fetching.await;
        let mine = matches!(&*self.fetching.borrow(), Some((current, _)) if *current == number);
        if mine {
            *self.fetching.borrow_mut() = None;
            if let Some(token) = &answer.token {
                *self.current.borrow_mut() = Some(token.clone());
                if let Err(error) = self.state.storage().put("token", token).await {
                    worker::console_warn!("WeChat token not stored: {error}");
                }
            }
        }
        answer
    }
}

/// One call to the stable-token API.
async fn fetch_token(env: Env, asked: TokenRequest, force_refresh: bool) -> TokenAnswer {
    let failed = |delivery: Delivery| {
        let (failure, refused) = match delivery {
            Delivery::Refused { failure } => (failure, true),
            Delivery::Retry { failure, .. } | Delivery::RateLimited { failure, .. } => {
                (failure, false)
            }
            Delivery::Delivered => (
                crate::connector::Failure::new(FailureReason::Unknown, "no token"),
                false,
            ),
        };
        TokenAnswer {
            token: None,
            failure: Some(failure.to_string()),
            refused,
        }
    };
    let secret = match super::super::secret(&env, &asked.app_secret) {
        Ok(secret) => secret,
        Err(delivery) => return failed(delivery),
    };
    let url = wechat::stable_token_url(&api_base(&env));
    let body = wechat::stable_token_request(&asked.app_id, &secret, force_refresh);
    let answer = post_json(delivery_timeout(&env), &url, &body, &[], true).await;
    let now = worker::Date::now().as_millis();
    let read = answer.and_then(|Answer { status, body, .. }| {
        wechat::read_token_answer(status, &body, now).map_err(|error| match error {
            ApiError::StaleToken => Delivery::retry(
                FailureReason::ProviderUnavailable,
                "WeChat refused its own token call",
            ),
            ApiError::Failed(delivery) => delivery,
        })
    });
    match read {
        Ok(token) => {
            worker::console_log!(
                "WeChat token for {} fetched, {} s to live",
                asked.app_id,
                token.expires_at.saturating_sub(now) / 1000
            );
            TokenAnswer {
                token: Some(token),
                failure: None,
                refused: false,
            }
        }
        Err(delivery) => failed(delivery.without(&secret)),
    }
}

/// The account's access token, from its holder; `stale`: one WeChat just refused.
pub async fn access_token(
    env: &Env,
    settings: &WechatSettings,
    stale: Option<&str>,
) -> std::result::Result<String, Delivery> {
    let asked = TokenRequest {
        app_id: settings.app_id.clone(),
        app_secret: settings.app_secret.clone(),
        stale: stale.map(str::to_string),
    };
    let answer = ask(env, &asked)
        .await
        .map_err(|error| Delivery::retry(FailureReason::Unknown, error.to_string()))?;
    match answer {
        TokenAnswer {
            token: Some(token), ..
        } => Ok(token.token),
        TokenAnswer {
            failure, refused, ..
        } => {
            let detail = failure.unwrap_or_else(|| "no WeChat token".into());
            Err(match refused {
                true => Delivery::refused(FailureReason::NotConfigured, detail),
                false => Delivery::retry(FailureReason::ProviderUnavailable, detail),
            })
        }
    }
}

async fn ask(env: &Env, asked: &TokenRequest) -> std::result::Result<TokenAnswer, RelayError> {
    let body = serde_json::to_string(asked).map_err(internal)?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_body(Some(JsValue::from_str(&body)));
    let request = Request::new_with_init("https://wechat-token/", &init).map_err(internal)?;
    let mut answer = env
        .durable_object("WECHAT_TOKEN")
        .and_then(|namespace| namespace.get_by_name(&asked.app_id))
        .map_err(internal)?
        .fetch_with_request(request)
        .await
        .map_err(internal)?;
    answer.json().await.map_err(internal)
}
