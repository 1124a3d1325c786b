//! The API handlers: one function per [`Route`], each checking who is asking before it
//! calls the thread's Durable Object or the registry.

use super::files::Uploader;
use super::http::{self, internal};
use super::thread::{self, Append, Init, OpenSocket, PageRequest, Policy, ThreadCall};
use super::{brands, faults, random_id};
use crate::attachment::message_text;
use crate::brand::{validate_settings, Brand, BrandSettings};
use crate::credential::{admin_secret_matches, agent_key_hash, verify_user_hash};
use crate::delivery::{page_for_team, VisitorContext};
use crate::error::RelayError;
use crate::image::ImageSigner;
use crate::origin::origin_allowed;
use crate::route::{check_seq, parse_page_query, parse_socket_query, route, Route};
use crate::token::{TicketClaims, TokenClaims, TokenSigner, TICKET_LIFETIME_MS, TOKEN_LIFETIME_MS};
use confab_protocol::{
    validate_client_id, AgentMessage, Author, Channel, LinkRequest, Message, ReadUpTo, SendMessage,
    Sender, Session, SessionRequest, SocketTicket, ThreadId, ThreadList, Timestamp,
};
use worker::{Env, Request, Response};

/// The period of the Rate Limiting bindings (`SESSIONS_PER_IP`, `LINK_GUESSES`), in seconds.
const SESSION_LIMIT_PERIOD_SECONDS: u64 = 60;

/// Answers one API request; every failure becomes its JSON error response.
pub async fn handle(mut request: Request, env: &Env) -> Response {
    let origin = http::origin(&request);
    // The raw method: workers-rs maps methods it does not know (QUERY, PROPFIND…) to GET.
    let method = request.inner().method();
    let path = request.path();
    if path == faults::PATH {
        return faults::handle(&mut request, env)
            .await
            .unwrap_or_else(|error| http::error_response(&error));
    }
    if path == super::metering::PATH {
        return super::metering::handle(&mut request, env)
            .await
            .unwrap_or_else(|error| http::error_response(&error));
    }
    // The meter's own reads are not counted: they are not what is being measured.
    crate::meter::one(crate::meter::Use::WorkerRequests);
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
        Route::Preflight => no_content(),
        Route::CreateSession => create_session(request, env, origin).await,
        Route::ListMessages(thread) => {
            authorize(request, env, &thread, origin).await?;
            let page = page_request(request)?;
            http::json(&thread::history(env, &thread, page).await?, 200)
        }
        Route::SendMessage(thread) => {
            let brand = authorize(request, env, &thread, origin).await?;
            let send: SendMessage = http::read_json(request).await?;
            validate_client_id(send.client_id.as_str())?;
            let append = Append {
                client_id: send.client_id,
                text: message_text(&send.text, &send.attachments)?,
                author: Author::Visitor,
                channel: Channel::Web,
                sender: None,
                attachments: send.attachments,
                policy: Policy::new(&brand, &thread).reached_by(request),
                replies: Vec::new(),
            };
            stored(thread::append(env, &append).await?)
        }
        Route::MarkRead(thread) => {
            authorize(request, env, &thread, origin).await?;
            let read: ReadUpTo = http::read_json(request).await?;
            check_seq("seq", read.seq.0)?;
            thread::act(env, &thread, &ThreadCall::ReadByVisitor { seq: read.seq }).await?;
            no_content()
        }
        Route::CreateTicket(thread) => {
            authorize(request, env, &thread, origin).await?;
            let claims = TicketClaims {
                thread,
                expires_at: Timestamp(now().0 + TICKET_LIFETIME_MS),
                nonce: random_id()?,
                team: None,
            };
            let ticket = SocketTicket {
                ticket: signer(env)?.sign_ticket(&claims),
                expires_at: claims.expires_at,
            };
            http::json(&ticket, 201)
        }
        Route::OpenSocket(thread) => {
            let upgrade = request.headers().get("Upgrade").map_err(internal)?;
            if !upgrade.is_some_and(|value| value.eq_ignore_ascii_case("websocket")) {
                return Err(RelayError::UpgradeRequired);
            }
            // The ticket is the credential: checked here, so that no object is reached
            // (let alone created) for a request that is not authorised; spent by the object.
            let query = parse_socket_query(&query(request)?)?;
            let claims = signer(env)?.verify_ticket(&query.ticket, &thread, now())?;
            let open = OpenSocket {
                nonce: claims.nonce,
                expires_at: claims.expires_at.0,
                after: query.after,
                team: claims.team,
            };
            thread::open_socket(env, &thread, &open, request).await
        }
        Route::Transcript(thread) => {
            authorize(request, env, &thread, origin).await?;
            super::transcripts::download(env, &thread, &query(request)?).await
        }
        Route::CreateLink(thread) => {
            let brand = authorize(request, env, &thread, origin).await?;
            let link: LinkRequest = http::read_json(request).await?;
            super::links::create(env, &brand, &thread, &link).await
        }
        Route::PushKey => super::push::public_key(env),
        Route::PushSubscribe(thread) => {
            let brand = authorize(request, env, &thread, origin).await?;
            let local = allows_local_webhooks(env);
            super::push::subscribe(request, env, &brand, &thread, local).await
        }
        Route::PushSubscriptions(thread) => {
            authorize(request, env, &thread, origin).await?;
            super::push::list(env, &thread).await
        }
        Route::PushUnsubscribe(thread) => {
            authorize(request, env, &thread, origin).await?;
            super::push::unsubscribe(request, env, &thread).await
        }
        Route::RequestEmail(thread) => {
            let brand = authorize(request, env, &thread, origin).await?;
            super::email::request(request, env, &brand, &thread).await
        }
        Route::RemoveEmail(thread) => {
            authorize(request, env, &thread, origin).await?;
            super::email::remove(env, &thread).await
        }
        Route::VerifyEmail => super::email::verify(request, env).await,
        Route::ContinueFromEmail => super::email::continue_link(request, env).await,
        Route::UnsubscribePage => super::email::unsubscribe(request, env, false).await,
        Route::Unsubscribe => super::email::unsubscribe(request, env, true).await,
        Route::Handoff(thread) => {
            let brand = authorize(request, env, &thread, origin).await?;
            super::assistant::request_handoff(env, &brand, &thread).await
        }
        Route::SwitchAssistant(thread) => {
            let brand = authorize_agent(request, env).await?;
            super::assistant::agent_switch(request, env, &brand, &thread).await
        }
        Route::AgentResolve(thread) => {
            let brand = authorize_agent(request, env).await?;
            super::resolution::agent(env, &brand, &thread, true).await
        }
        Route::AgentReopen(thread) => {
            let brand = authorize_agent(request, env).await?;
            super::resolution::agent(env, &brand, &thread, false).await
        }
        Route::Rate(thread) => {
            let brand = authorize(request, env, &thread, origin).await?;
            super::resolution::rate(request, env, &brand, &thread).await
        }
        Route::Console(call) => super::console::handle(call, request, env).await,
        Route::EraseThread(thread) => {
            authorize(request, env, &thread, origin).await?;
            thread::act(env, &thread, &ThreadCall::Erase).await?;
            no_content()
        }
        Route::GetBrand(brand) => {
            authorize_admin(request, env)?;
            http::json(&brands::load(env, brand.as_str()).await?.settings, 200)
        }
        Route::PutBrand(brand) => {
            authorize_admin(request, env)?;
            let settings: BrandSettings = http::read_json(request).await?;
            validate_settings(&settings, allows_local_webhooks(env))?;
            let created = brands::put(env, &brand, &settings).await?;
            http::json(&settings, if created { 201 } else { 200 })
        }
        Route::AgentSend(thread) => {
            let (brand, member) = authorize_team(request, env).await?;
            let send: AgentMessage = http::read_json(request).await?;
            validate_client_id(send.client_id.as_str())?;
            let images = super::images::signer(env)?;
            // From the console: its own channel, and the member's name unless one is given.
            let named = send.sender.or_else(|| {
                member.as_ref().map(|member| Sender {
                    name: crate::member::sender_name(member),
                    avatar_url: None,
                })
            });
            let sender = named
                .map(|sender| agent_sender(sender, &images))
                .transpose()?;
            let append = Append {
                client_id: send.client_id,
                text: message_text(&send.text, &send.attachments)?,
                author: Author::Agent,
                channel: if member.is_some() {
                    Channel::Console
                } else {
                    Channel::Api
                },
                sender,
                attachments: send.attachments,
                policy: Policy::new(&brand, &thread).reached_by(request),
                replies: crate::resolution::replies::validate(send.replies).map_err(|reason| {
                    RelayError::InvalidParameter {
                        name: "replies",
                        reason,
                    }
                })?,
            };
            stored(thread::append(env, &append).await?)
        }
        Route::AgentThreads => {
            let brand = authorize_agent(request, env).await?;
            let list = crate::inbox::parse_list_query(&query(request)?)?;
            let threads = brands::list_threads(env, &brand.id, &list).await?;
            http::json(&ThreadList { threads }, 200)
        }
        Route::AgentThread(thread) => {
            let brand = authorize_agent(request, env).await?;
            let page = page_request(request)?;
            http::json(
                &thread::agent_view(env, &brand.id, &thread, page).await?,
                200,
            )
        }
        Route::AgentTicket(thread) => {
            let (brand, member) = authorize_team(request, env).await?;
            // A member is named by their membership; a backend's key names itself.
            let member = member.as_ref().map(crate::member::sender_name);
            let signer = signer(env)?;
            let team = super::inbox::Team {
                brand: &brand.id,
                member: member.as_deref(),
            };
            super::inbox::team_ticket(request, env, &signer, team, &thread, now()).await
        }
        Route::InboxTicket => {
            let brand = authorize_agent(request, env).await?;
            super::inbox::ticket(&signer(env)?, &brand.id, now())
        }
        Route::AgentInsights => {
            let brand = authorize_agent(request, env).await?;
            super::insights::report(env, &brand, &query(request)?, now().0).await
        }
        Route::AgentInsightsExport => {
            let brand = authorize_agent(request, env).await?;
            super::insights::export(env, &brand, &query(request)?, now().0).await
        }
        Route::SeedInsights(brand) => {
            // Only where tests run: elsewhere the route does not exist.
            if !super::insights::seeding_allowed(env) {
                return Err(RelayError::NotFound(request.path()));
            }
            authorize_admin(request, env)?;
            brands::load(env, brand.as_str()).await?;
            let figures: Vec<crate::insights::ThreadFigures> = http::read_json(request).await?;
            super::insights::seed(env, &brand, figures).await
        }
        Route::InboxSocket => {
            let ticket = parse_socket_query(&query(request)?)?.ticket;
            super::inbox::open(env, &signer(env)?, &ticket, request, now()).await
        }
        Route::AgentRead(thread) => {
            let brand = authorize_agent(request, env).await?;
            let read: ReadUpTo = http::read_json(request).await?;
            check_seq("seq", read.seq.0)?;
            let call = ThreadCall::ReadByTeam {
                brand: brand.id,
                seq: read.seq,
            };
            thread::act(env, &thread, &call).await?;
            no_content()
        }
        Route::DeadJobs(brand) => {
            authorize_admin(request, env)?;
            brands::load(env, brand.as_str()).await?;
            let jobs = super::outbound::dead_jobs(env, &brand).await?;
            http::json(&serde_json::json!({ "jobs": jobs }), 200)
        }
        Route::Knowledge(brand, call) => super::knowledge::handle(request, env, &brand, call).await,
        Route::TelegramHook(brand) => super::hooks::telegram(request, env, &brand).await,
        Route::WhatsappVerify => super::hooks::whatsapp_verify(request, env),
        Route::WhatsappHook => super::hooks::whatsapp(request, env).await,
        Route::WechatVerify(brand) => super::hooks::wechat::verify(request, env, &brand).await,
        Route::WechatHook(brand) => super::hooks::wechat::hook(request, env, &brand).await,
        Route::Image => super::images::serve(request, env).await,
        Route::Upload(thread) => {
            let brand = authorize(request, env, &thread, origin).await?;
            super::files::upload(request, env, &brand, &thread, Uploader::Visitor).await
        }
        Route::AgentUpload(thread) => {
            let brand = authorize_agent(request, env).await?;
            super::files::upload(request, env, &brand, &thread, Uploader::Team).await
        }
        Route::File(thread, attachment) => {
            super::files::serve(request, env, &thread, &attachment).await
        }
        Route::CreateAgentKey(brand) => {
            authorize_admin(request, env)?;
            brands::load(env, brand.as_str()).await?;
            let key = format!("ck_{}{}", random_id()?, random_id()?);
            brands::add_agent_key(env, &brand, &agent_key_hash(&key)).await?;
            http::json(&serde_json::json!({ "key": key, "brand": brand }), 201)
        }
    }
}

/// Checks a sender given through the agent API: the name by [`Sender::validated`]
/// (`invalid_parameter`), the avatar by the image rules (`image_url_invalid`), and puts the
/// avatar's signed relay path in place of its URL, so that history, sockets and webhooks
/// carry the path, never the brand's URL.
fn agent_sender(mut sender: Sender, images: &ImageSigner) -> Result<Sender, RelayError> {
    let avatar = sender.avatar_url.take();
    let mut checked = sender
        .validated()
        .map_err(|reason| RelayError::InvalidParameter {
            name: "sender",
            reason: reason.to_string(),
        })?;
    checked.avatar_url = avatar
        .map(|raw| images.signed_path(&raw))
        .transpose()
        .map_err(|reason| RelayError::InvalidImageUrl {
            field: "sender.avatarUrl",
            reason,
        })?;
    Ok(checked)
}

/// The answer to a send: the stored message, `201` if this call stored it, `200` if it is
/// the first copy of a repeated client id.
fn stored((message, created): (Message, bool)) -> Result<Response, RelayError> {
    http::json(&message, if created { 201 } else { 200 })
}

fn no_content() -> Result<Response, RelayError> {
    Ok(Response::empty().map_err(internal)?.with_status(204))
}

/// `?after=SEQ&limit=N` of a history page.
fn page_request(request: &Request) -> Result<PageRequest, RelayError> {
    let page = parse_page_query(&query(request)?)?;
    Ok(PageRequest {
        after: page.after,
        limit: page.limit,
    })
}

/// Whether brands may send webhooks to this machine: only where `CONFAB_ENV` says
/// `development` (local runs and tests), never by default.
pub(super) fn allows_local_webhooks(env: &Env) -> bool {
    env.var("CONFAB_ENV")
        .is_ok_and(|value| value.to_string() == "development")
}

fn query(request: &Request) -> Result<String, RelayError> {
    Ok(request
        .url()
        .map_err(internal)?
        .query()
        .unwrap_or("")
        .to_string())
}

fn now() -> Timestamp {
    Timestamp(worker::Date::now().as_millis())
}

/// A Worker secret's value.
fn secret(env: &Env, name: &str) -> Result<String, RelayError> {
    env.secret(name)
        .map(|secret| secret.to_string())
        .map_err(|_| internal(format!("the {name} secret is not set")))
}

fn signer(env: &Env) -> Result<TokenSigner, RelayError> {
    Ok(TokenSigner::new(secret(env, "TOKEN_SECRET")?.as_bytes()))
}

/// Checks the bearer token against the thread in the path and, for browsers, the origin
/// against the token's brand; returns the brand.
async fn authorize(
    request: &Request,
    env: &Env,
    thread: &ThreadId,
    origin: Option<&str>,
) -> Result<Brand, RelayError> {
    let token = http::bearer_token(request)?;
    let claims = signer(env)?.verify(&token, now())?;
    if &claims.thread != thread {
        return Err(RelayError::WrongThread);
    }
    let brand = brands::load(env, claims.brand.as_str()).await?;
    check_origin(&brand, origin)?;
    Ok(brand)
}

/// Requests without an `Origin` come from servers, not pages, and are not origin-checked:
/// the check protects visitors' browsers, and a server can send any header it likes.
fn check_origin(brand: &Brand, origin: Option<&str>) -> Result<(), RelayError> {
    match origin {
        Some(origin) if !origin_allowed(&brand.settings.allowed_origins, origin) => {
            Err(RelayError::OriginNotAllowed(origin.to_string()))
        }
        _ => Ok(()),
    }
}

/// Checks the admin secret (`Authorization: Bearer <ADMIN_SECRET>`).
pub(super) fn authorize_admin(request: &Request, env: &Env) -> Result<(), RelayError> {
    let presented = http::bearer_token(request).map_err(|_| RelayError::AdminOnly)?;
    let expected = env
        .secret("ADMIN_SECRET")
        .map(|secret| secret.to_string())
        .unwrap_or_default();
    if admin_secret_matches(&expected, &presented) {
        Ok(())
    } else {
        Err(RelayError::AdminOnly)
    }
}

/// Checks an agent API key (`Authorization: Bearer ck_…`) or a console session (any role)
/// and returns the brand.
async fn authorize_agent(request: &Request, env: &Env) -> Result<Brand, RelayError> {
    Ok(authorize_team(request, env).await?.0)
}

/// Checks an agent API key, or else the console's session cookie (with its `Origin` rule
/// for state-changing methods); returns the brand and, for a console session, the member.
async fn authorize_team(
    request: &Request,
    env: &Env,
) -> Result<(Brand, Option<confab_protocol::console::Member>), RelayError> {
    let has_key = request.headers().has("Authorization").map_err(internal)?;
    if !has_key && super::console::has_cookie(request) {
        let signed = super::console::authenticate(request, env).await?;
        return Ok((signed.brand, Some(signed.member)));
    }
    Ok((key_brand(request, env).await?, None))
}

/// The brand of an agent API key (`Authorization: Bearer ck_…`).
async fn key_brand(request: &Request, env: &Env) -> Result<Brand, RelayError> {
    let key = http::bearer_token(request).map_err(|_| RelayError::InvalidAgentKey)?;
    let brand = brands::agent_key_brand(env, &agent_key_hash(&key))
        .await?
        .ok_or(RelayError::InvalidAgentKey)?;
    brands::load(env, brand.as_str()).await
}

/// `POST /v1/sessions`: the thread of a verified user; else the thread of a still
/// refreshable token of the same brand; else a new thread.
async fn create_session(
    request: &mut Request,
    env: &Env,
    origin: Option<&str>,
) -> Result<Response, RelayError> {
    limit_sessions_per_ip(request, env).await?;
    let body: SessionRequest = http::read_json(request).await?;
    let brand = brands::load(env, body.brand.as_str()).await?;
    check_origin(&brand, origin)?;
    let signer = signer(env)?;
    let now = now();
    let from_token = body
        .token
        .as_ref()
        .and_then(|token| signer.verify_for_refresh(token.as_str(), now).ok())
        .filter(|claims| claims.brand == brand.id)
        .map(|claims| claims.thread);
    let identified = match (&body.user_id, &body.user_hash) {
        (None, None) => None,
        (Some(user_id), Some(user_hash)) => {
            let secret_name = brand
                .settings
                .identity_secret
                .as_deref()
                .ok_or(RelayError::InvalidIdentity)?;
            verify_user_hash(secret(env, secret_name)?.as_bytes(), user_id, user_hash)?;
            Some(user_id.as_str())
        }
        _ => return Err(RelayError::InvalidIdentity),
    };

    // A resume link (from another browser) names its thread, once. Attempts are limited
    // per address, so that codes cannot be guessed.
    let from_link = match body.link.as_deref() {
        Some(raw) => {
            limit(env, "LINK_GUESSES", &address(request)?).await?;
            let code = crate::link::parse_code(raw).ok_or(RelayError::InvalidLinkCode)?;
            Some(super::links::redeem_device_code(env, &brand.id, &code).await?)
        }
        None => None,
    };
    let identity = match identified {
        Some(user_id) => brands::existing_identity_thread(env, &brand.id, user_id).await?,
        None => None,
    };
    let known = identity.clone().or(from_link).or(from_token);
    let context = VisitorContext {
        page: body.page.as_deref().and_then(page_for_team),
        language: body.language.as_deref().map(|language| clip(language, 35)),
    };
    let init = |thread: &ThreadId| Init {
        policy: Policy::new(&brand, thread),
        context: context.clone(),
    };
    // A known thread is refreshed; one that was erased gives way to a new thread.
    let mut resumed = None;
    let mut erased = None;
    if let Some(thread) = known {
        match thread::init(env, &init(&thread)).await {
            Ok(started) => resumed = Some((thread, started)),
            Err(RelayError::ThreadErased) => erased = Some(thread),
            Err(other) => return Err(other),
        }
    }
    let (mut thread, mut started, mut status) = match resumed {
        Some((thread, started)) => (thread, started, 200),
        None => {
            let thread = ThreadId::new(random_id()?);
            let started = thread::init(env, &init(&thread)).await?;
            (thread, started, 201)
        }
    };
    if let Some(user_id) = identified {
        // Links this thread to the user, unless another device linked a live one first; a
        // link to the erased thread (D1 may not have forgotten it yet) gives way.
        let replacing = erased.filter(|erased| identity.as_ref() == Some(erased));
        let linked =
            brands::identity_thread(env, &brand.id, user_id, &thread, replacing.as_ref()).await?;
        if linked != thread {
            started = thread::init(env, &init(&linked)).await?;
            thread = linked;
            status = 200;
        }
    }
    let images = super::images::signer(env)?;
    let mut session = session(&signer, &images, &brand, thread, now);
    session.whatsapp = started.whatsapp;
    session.wechat = started.wechat;
    session.email = started.email;
    session.resolved = started.resolved;
    session.rating = started.rating;
    // Push is offered where the brand pushes and this relay can sign pushes.
    if brand.settings.push.is_some() {
        session.brand.push_key = super::push::offered_key(env);
    }
    session.brand.expected_reply_minutes =
        super::insights::expected_reply_minutes(env, &brand, now.0).await;
    http::json(&session, status)
}

/// At most `max` characters of what a page says about itself.
fn clip(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

fn session(
    signer: &TokenSigner,
    images: &ImageSigner,
    brand: &Brand,
    thread: ThreadId,
    now: Timestamp,
) -> Session {
    let claims = TokenClaims {
        brand: brand.id.clone(),
        thread: thread.clone(),
        expires_at: Timestamp(now.0 + TOKEN_LIFETIME_MS),
    };
    Session {
        thread_id: thread,
        token: signer.sign(&claims),
        expires_at: claims.expires_at,
        brand: brand.profile(images),
        whatsapp: None,
        wechat: None,
        email: None,
        resolved: false,
        rating: None,
    }
}

/// Starting sessions is limited per address (the `SESSIONS_PER_IP` binding: an IPv6
/// visitor is one /64), so nobody can mint threads by the million.
async fn limit_sessions_per_ip(request: &Request, env: &Env) -> Result<(), RelayError> {
    limit(env, "SESSIONS_PER_IP", &address(request)?).await
}

/// The caller's address as limits count it: IPv4 whole, IPv6 by its /64 (one subscriber's
/// prefix, which hands out as many addresses as it likes).
pub(super) fn address(request: &Request) -> Result<String, RelayError> {
    let ip = request
        .headers()
        .get("CF-Connecting-IP")
        .map_err(internal)?
        .unwrap_or_default();
    Ok(crate::rate::address_key(&ip))
}

/// Counts one request of `key` against the Rate Limiting binding `binding` (periods of a
/// minute); over the limit is a 429.
pub(super) async fn limit(env: &Env, binding: &str, key: &str) -> Result<(), RelayError> {
    let outcome = env
        .rate_limiter(binding)
        .map_err(internal)?
        .limit(key.to_string())
        .await
        .map_err(internal)?;
    if outcome.success {
        Ok(())
    } else {
        Err(RelayError::RateLimited {
            retry_after: SESSION_LIMIT_PERIOD_SECONDS,
        })
    }
}
