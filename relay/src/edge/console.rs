//! The brand console's API (`/v1/console/…` and the operator's
//! `POST /v1/admin/brands/{brand}/members`): members, sign-in links, sessions kept in an
//! `HttpOnly` cookie, and the owner's settings, members and keys. The rules are pure
//! ([`crate::member`]); the rows are D1's (`console/store.rs`); emails go through the same
//! `send_email` binding as replies by email.

mod connectors;
mod store;

use super::api::{address, allows_local_webhooks, authorize_admin, limit};
use super::http::{self, internal};
use super::{brands, random_id};
use crate::brand::{validate_settings, Brand, BrandSettings};
use crate::credential::agent_key_hash;
use crate::email::compose::Envelope;
use crate::error::RelayError;
use crate::member::email::{sign_in as sign_in_email, Purpose};
use crate::member::{
    check_new_member, check_origin, check_owners_remain, extended_expiry, normalise_email,
    require_owner, secret_hash, session_cookie, session_id, sign_in_url, DEFAULT_LINK_SECONDS,
    DEFAULT_SESSION_SECONDS,
};
use crate::route::ConsoleCall;
use confab_protocol::console::{
    ConsoleMe, Member, MemberAdded, MemberList, NewMember, SignIn, SignInLinkRequest,
};
use confab_protocol::Timestamp;
use worker::{Env, Request, Response};

/// The Rate Limiting binding counting failed sign-ins and link requests per address.
const SIGN_IN_LIMIT: &str = "CONSOLE_SIGN_IN";

/// A request authenticated by a console session.
pub struct Signed {
    /// The member's brand.
    pub brand: Brand,
    /// The member.
    pub member: Member,
    /// The session id's hash (D1's key).
    hash: String,
    /// When the session ends unless used again (ms).
    expires_at: u64,
}

/// Whether the request carries the console's cookie (a session id, live or not).
pub fn has_cookie(request: &Request) -> bool {
    cookie_id(request).is_some()
}

fn cookie_id(request: &Request) -> Option<String> {
    request
        .headers()
        .get("Cookie")
        .ok()
        .flatten()
        .and_then(|header| session_id(&header))
}

/// The relay's own origin: the request URL's (what the console page is served from).
fn own_origin(request: &Request) -> Result<String, RelayError> {
    Ok(request
        .url()
        .map_err(internal)?
        .origin()
        .ascii_serialization())
}

/// Checks the session cookie (and, for state-changing methods, that the request comes
/// from the relay's own origin) and slides the session's expiry; `not_signed_in` without a
/// live session.
pub async fn authenticate(request: &Request, env: &Env) -> Result<Signed, RelayError> {
    let id = cookie_id(request).ok_or(RelayError::NotSignedIn)?;
    let method = request.inner().method();
    check_origin(
        &method,
        http::origin(request).as_deref(),
        &own_origin(request)?,
    )?;
    let hash = secret_hash(&id);
    let now = now();
    let row = store::session(env, &hash, now)
        .await?
        .ok_or(RelayError::NotSignedIn)?;
    let mut expires_at = row.expires_at;
    if let Some(extended) = extended_expiry(expires_at, now, seconds(env, SESSION_VAR) * 1000) {
        store::extend_session(env, &hash, extended).await?;
        expires_at = extended;
    }
    let brand = brands::load(env, row.brand.as_str()).await?;
    Ok(Signed {
        brand,
        member: row.member,
        hash,
        expires_at,
    })
}

/// An owner's session, or `owner_only`.
async fn owner(request: &Request, env: &Env) -> Result<Signed, RelayError> {
    let signed = authenticate(request, env).await?;
    require_owner(signed.member.role)?;
    Ok(signed)
}

/// Answers one console call.
pub async fn handle(
    call: ConsoleCall,
    request: &mut Request,
    env: &Env,
) -> Result<Response, RelayError> {
    match call {
        ConsoleCall::AdminAddMember(brand) => {
            authorize_admin(request, env)?;
            let brand = brands::load(env, brand.as_str()).await?;
            let new: NewMember = http::read_json(request).await?;
            add_member(request, env, &brand, new, false).await
        }
        ConsoleCall::RequestLink => request_link(request, env).await,
        ConsoleCall::SignIn => sign_in(request, env).await,
        ConsoleCall::Me => {
            let signed = authenticate(request, env).await?;
            // The console asks on every load: the cookie's lifetime follows the session's.
            let remaining = signed.expires_at.saturating_sub(now()) / 1000;
            let mut response = http::json(&me(&signed), 200)?;
            set_cookie(
                &mut response,
                &session_cookie(&cookie_id(request).unwrap_or_default(), remaining),
            )?;
            Ok(response)
        }
        ConsoleCall::SignOut => {
            let signed = authenticate(request, env).await?;
            store::end_session(env, &signed.hash).await?;
            signed_out()
        }
        ConsoleCall::SignOutEverywhere => {
            let signed = authenticate(request, env).await?;
            store::end_sessions(env, &signed.brand.id, &signed.member.email).await?;
            signed_out()
        }
        ConsoleCall::GetSettings => {
            let signed = owner(request, env).await?;
            http::json(&signed.brand.settings, 200)
        }
        ConsoleCall::PutSettings => {
            let signed = owner(request, env).await?;
            let settings: BrandSettings = http::read_json(request).await?;
            validate_settings(&settings, allows_local_webhooks(env))?;
            brands::put(env, &signed.brand.id, &settings).await?;
            http::json(&settings, 200)
        }
        ConsoleCall::Preview => {
            let signed = owner(request, env).await?;
            let settings: BrandSettings = http::read_json(request).await?;
            validate_settings(&settings, allows_local_webhooks(env))?;
            let preview = Brand {
                id: signed.brand.id,
                settings,
            };
            http::json(&preview.profile(&super::images::signer(env)?), 200)
        }
        ConsoleCall::Members => {
            let signed = owner(request, env).await?;
            let members = store::members(env, &signed.brand.id).await?;
            http::json(&MemberList { members }, 200)
        }
        ConsoleCall::AddMember => {
            let signed = owner(request, env).await?;
            let new: NewMember = http::read_json(request).await?;
            add_member(request, env, &signed.brand, new, true).await
        }
        ConsoleCall::RemoveMember(raw) => {
            let signed = owner(request, env).await?;
            let email = normalise_email(&raw)?;
            let members = store::members(env, &signed.brand.id).await?;
            if !members.iter().any(|member| member.email == email) {
                return Err(RelayError::UnknownMember(email));
            }
            check_owners_remain(&members, &email, None)?;
            // The DELETE's own condition keeps the last owner against a racing removal.
            if !store::remove_member(env, &signed.brand.id, &email).await? {
                return Err(RelayError::LastOwner);
            }
            no_content()
        }
        ConsoleCall::CreateKey => {
            let signed = owner(request, env).await?;
            let key = format!("ck_{}{}", random_id()?, random_id()?);
            brands::add_agent_key(env, &signed.brand.id, &agent_key_hash(&key)).await?;
            http::json(
                &serde_json::json!({ "key": key, "brand": signed.brand.id }),
                201,
            )
        }
        ConsoleCall::TestConnector(kind) => {
            let signed = owner(request, env).await?;
            http::json(&connectors::test(env, &signed.brand, kind).await?, 200)
        }
    }
}

/// Adds or changes a member and makes them a sign-in link: answered to the operator
/// (`email_it` false), or emailed as an owner's invitation.
async fn add_member(
    request: &Request,
    env: &Env,
    brand: &Brand,
    new: NewMember,
    email_it: bool,
) -> Result<Response, RelayError> {
    let new = check_new_member(new)?;
    let members = store::members(env, &brand.id).await?;
    check_owners_remain(&members, &new.email, Some(new.role))?;
    let existed = members.iter().any(|member| member.email == new.email);
    let member = store::put_member(env, &brand.id, &new, now())
        .await?
        .ok_or(RelayError::LastOwner)?;
    let url = new_link(request, env, brand, &member.email).await?;
    let (sign_in_url, emailed) = if email_it {
        let emailed = send_link(env, brand, &member.email, &url, Purpose::Invitation).await;
        (None, emailed)
    } else {
        (Some(url), false)
    };
    let added = MemberAdded {
        member,
        sign_in_url,
        emailed,
    };
    http::json(&added, if existed { 200 } else { 201 })
}

/// A new single-use sign-in link for a member (its token's hash kept in D1).
async fn new_link(
    request: &Request,
    env: &Env,
    brand: &Brand,
    email: &str,
) -> Result<String, RelayError> {
    let token = secret()?;
    let now = now();
    let expires_at = now + seconds(env, LINK_VAR) * 1000;
    store::add_link(env, &brand.id, email, &secret_hash(&token), now, expires_at).await?;
    Ok(sign_in_url(&own_origin(request)?, &token))
}

/// `POST /v1/console/links`: a link for each brand the address is a member of, emailed;
/// always 202, so the answer tells nobody who is a member. Counted against the address's
/// sign-in limit.
async fn request_link(request: &mut Request, env: &Env) -> Result<Response, RelayError> {
    limit(env, SIGN_IN_LIMIT, &address(request)?).await?;
    let asked: SignInLinkRequest = http::read_json(request).await?;
    if let Ok(email) = normalise_email(&asked.email) {
        for brand in store::brands_of(env, &email).await? {
            let brand = brands::load(env, brand.as_str()).await?;
            let url = new_link(request, env, &brand, &email).await?;
            send_link(env, &brand, &email, &url, Purpose::SignIn).await;
        }
    }
    http::json(&serde_json::json!({}), 202)
}

/// `POST /v1/console/sign-in`: spends the token (once) and opens a session. A failure
/// counts against the address's sign-in limit.
async fn sign_in(request: &mut Request, env: &Env) -> Result<Response, RelayError> {
    let body: SignIn = http::read_json(request).await?;
    let now = now();
    let spent = store::spend_link(env, &secret_hash(body.token.trim()), now).await?;
    let member = match spent {
        Some((brand, email)) => store::member(env, &brand, &email)
            .await?
            .map(|member| (brand, member)),
        None => None,
    };
    let Some((brand, member)) = member else {
        limit(env, SIGN_IN_LIMIT, &address(request)?).await?;
        return Err(RelayError::SignInLinkInvalid);
    };
    let brand = brands::load(env, brand.as_str()).await?;
    let id = secret()?;
    let ttl = seconds(env, SESSION_VAR);
    let expires_at = now + ttl * 1000;
    store::add_session(
        env,
        &secret_hash(&id),
        &brand.id,
        &member.email,
        now,
        expires_at,
    )
    .await?;
    let signed = Signed {
        brand,
        member,
        hash: String::new(),
        expires_at,
    };
    let mut response = http::json(&me(&signed), 200)?;
    set_cookie(&mut response, &session_cookie(&id, ttl))?;
    Ok(response)
}

fn me(signed: &Signed) -> ConsoleMe {
    ConsoleMe {
        member: signed.member.clone(),
        brand: signed.brand.id.clone(),
        brand_name: signed.brand.settings.name.clone(),
        expires_at: Timestamp(signed.expires_at),
    }
}

/// Emails a sign-in link from `CONSOLE_EMAIL_FROM`, else from the brand's own email
/// sender; whether it went (a failure is logged: the operator can hand out a link).
async fn send_link(env: &Env, brand: &Brand, to: &str, url: &str, purpose: Purpose) -> bool {
    let operator = env
        .var("CONSOLE_EMAIL_FROM")
        .map(|value| value.to_string())
        .ok()
        .filter(|from| !from.is_empty());
    let Some(from) = operator.or_else(|| brand.settings.email.as_ref().map(|e| e.from.clone()))
    else {
        worker::console_warn!("no sender for {}'s console emails", brand.id);
        return false;
    };
    let Ok(id) = random_id() else {
        return false;
    };
    let domain = from
        .rsplit_once('@')
        .map_or("localhost", |(_, domain)| domain);
    let envelope = Envelope {
        from: from.clone(),
        from_name: brand.settings.name.clone(),
        to: to.to_string(),
        message_id: format!("{id}@{domain}"),
        date_ms: now(),
    };
    let minutes = seconds(env, LINK_VAR).div_ceil(60);
    let raw = sign_in_email(&envelope, &brand.settings.name, url, minutes, purpose);
    match super::email::send(env, &from, to, &raw).await {
        Ok(()) => true,
        Err(failed) => {
            worker::console_warn!(
                "console email to {brand} failed: {failed:?}",
                brand = brand.id
            );
            false
        }
    }
}

/// A session id or sign-in token: 256 random bits.
fn secret() -> Result<String, RelayError> {
    Ok(format!("{}{}", random_id()?, random_id()?))
}

const LINK_VAR: &str = "CONSOLE_LINK_SECONDS";
const SESSION_VAR: &str = "CONSOLE_SESSION_SECONDS";

/// A duration variable in seconds, or its default. Zero is taken as given: links (or
/// sessions) that are born expired, which is how tests see an expired link at once.
fn seconds(env: &Env, name: &str) -> u64 {
    let default = if name == LINK_VAR {
        DEFAULT_LINK_SECONDS
    } else {
        DEFAULT_SESSION_SECONDS
    };
    env.var(name)
        .ok()
        .and_then(|value| value.to_string().parse().ok())
        .unwrap_or(default)
}

fn set_cookie(response: &mut Response, cookie: &str) -> Result<(), RelayError> {
    response
        .headers_mut()
        .set("Set-Cookie", cookie)
        .map_err(internal)
}

fn signed_out() -> Result<Response, RelayError> {
    let mut response = no_content()?;
    set_cookie(&mut response, &crate::member::cleared_cookie())?;
    Ok(response)
}

fn no_content() -> Result<Response, RelayError> {
    Ok(Response::empty().map_err(internal)?.with_status(204))
}

fn now() -> u64 {
    worker::Date::now().as_millis()
}
