//! The API handlers: one function per [`Route`], each checking who is asking before it
//! forwards the call to the thread's Durable Object.

use super::http::{self, internal};
use super::{brands, thread};
use crate::error::RelayError;
use crate::origin::origin_allowed;
use crate::route::{route, Route};
use crate::token::{TokenClaims, TokenSigner, TOKEN_LIFETIME_MS};
use confab_protocol::{
    validate_text, Author, BrandProfile, Channel, SendMessage, Session, SessionRequest, ThreadId,
    Timestamp,
};
use worker::{Env, Request, Response};

/// Answers one API request; every failure becomes its JSON error response.
pub async fn handle(mut request: Request, env: &Env) -> Response {
    let origin = http::origin(&request);
    let method = request.method().to_string();
    let path = request.path();
    let matched = route(&method, &path);
    let preflight = matches!(matched, Ok(Route::Preflight));
    let result = match matched {
        Ok(route) => dispatch(route, &mut request, env, origin.as_deref()).await,
        Err(error) => Err(error),
    };
    let mut response = result.unwrap_or_else(|error| http::error_response(&error));
    if let Some(origin) = origin {
        match brands::any_allows(env, &origin).await {
            Ok(true) => http::allow_origin(&mut response, &origin, preflight),
            Ok(false) => {}
            Err(error) => return http::error_response(&error),
        }
    }
    response
}

async fn dispatch(
    route: Route,
    request: &mut Request,
    env: &Env,
    origin: Option<&str>,
) -> Result<Response, RelayError> {
    match route {
        Route::Preflight => Ok(Response::empty().map_err(internal)?.with_status(204)),
        Route::CreateSession => create_session(request, env, origin).await,
        Route::ListMessages(thread) => {
            authorize(request, env, &thread, origin).await?;
            let query = request
                .url()
                .map_err(internal)?
                .query()
                .unwrap_or("")
                .to_string();
            thread::list_messages(env, &thread, &query).await
        }
        Route::SendMessage(thread) => {
            authorize(request, env, &thread, origin).await?;
            let send: SendMessage = http::read_json(request).await?;
            validate_text(&send.text)?;
            let append = thread::Append {
                client_id: send.client_id,
                text: send.text,
                author: Author::Visitor,
                channel: Channel::Web,
            };
            thread::append(env, &thread, &append).await
        }
        Route::CreateTicket(thread) => {
            authorize(request, env, &thread, origin).await?;
            thread::create_ticket(env, &thread).await
        }
        Route::OpenSocket(thread) => {
            // The single-use ticket in the URL is the credential; the object checks it.
            let upgrade = request.headers().get("Upgrade").map_err(internal)?;
            if !upgrade.is_some_and(|value| value.eq_ignore_ascii_case("websocket")) {
                return Err(RelayError::UpgradeRequired);
            }
            let query = request
                .url()
                .map_err(internal)?
                .query()
                .unwrap_or("")
                .to_string();
            thread::open_socket(env, &thread, &query, request).await
        }
    }
}

fn now() -> Timestamp {
    Timestamp(worker::Date::now().as_millis())
}

fn signer(env: &Env) -> Result<TokenSigner, RelayError> {
    let secret = env
        .secret("TOKEN_SECRET")
        .map_err(|_| internal("the TOKEN_SECRET secret is not set"))?
        .to_string();
    Ok(TokenSigner::new(secret.as_bytes()))
}

/// Checks the bearer token against the thread in the path and, for browsers, the origin
/// against the token's brand.
async fn authorize(
    request: &Request,
    env: &Env,
    thread: &ThreadId,
    origin: Option<&str>,
) -> Result<TokenClaims, RelayError> {
    let token = http::bearer_token(request)?;
    let claims = signer(env)?.verify(&token, now())?;
    if &claims.thread != thread {
        return Err(RelayError::WrongThread);
    }
    if let Some(origin) = origin {
        let brand = brands::load(env, claims.brand.as_str()).await?;
        if !origin_allowed(&brand.allowed_origins, origin) {
            return Err(RelayError::OriginNotAllowed(origin.to_string()));
        }
    }
    Ok(claims)
}

/// `POST /v1/sessions`: resumes the thread of a still-refreshable token of the same brand,
/// or starts a new thread. Requests without an `Origin` come from servers, not pages, and
/// are not origin-checked (the origin check protects visitors' browsers).
async fn create_session(
    request: &mut Request,
    env: &Env,
    origin: Option<&str>,
) -> Result<Response, RelayError> {
    let body: SessionRequest = http::read_json(request).await?;
    let brand = brands::load(env, body.brand.as_str()).await?;
    if let Some(origin) = origin {
        if !origin_allowed(&brand.allowed_origins, origin) {
            return Err(RelayError::OriginNotAllowed(origin.to_string()));
        }
    }
    let signer = signer(env)?;
    let now = now();
    let resumed = body
        .token
        .and_then(|token| signer.verify_for_refresh(token.as_str(), now).ok())
        .filter(|claims| claims.brand == brand.id)
        .map(|claims| claims.thread);
    let (thread, status) = match resumed {
        Some(thread) => (thread, 200),
        None => {
            let thread = ThreadId::new(super::random_id()?);
            thread::init(env, &thread, &brand.id).await?;
            (thread, 201)
        }
    };
    let claims = TokenClaims {
        brand: brand.id.clone(),
        thread: thread.clone(),
        expires_at: Timestamp(now.0 + TOKEN_LIFETIME_MS),
    };
    let session = Session {
        thread_id: thread,
        token: signer.sign(&claims),
        expires_at: claims.expires_at,
        brand: BrandProfile { name: brand.name },
    };
    http::json(&session, status)
}
