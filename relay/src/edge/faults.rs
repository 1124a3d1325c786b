//! The fault switch at the edge: the faults armed in this isolate (the Worker and its
//! Durable Objects share one isolate under `wrangler dev`), the check every D1 and thread
//! call makes, and `/v1/dev/faults`, where tests arm them (admin secret required).

use super::http::{self, internal};
use crate::error::RelayError;
use crate::fault::{allowed, Fault, Faults, Site};
use std::cell::RefCell;
use worker::{Env, Method, Request, Response};

/// Where tests arm faults; not part of the public API.
pub const PATH: &str = "/v1/dev/faults";

thread_local! {
    static ARMED: RefCell<Faults> = RefCell::new(Faults::default());
}

/// Whether this relay takes faults at all.
pub fn enabled(env: &Env) -> bool {
    let var = |name: &str| env.var(name).ok().map(|value| value.to_string());
    allowed(
        var("CONFAB_ENV").as_deref(),
        var("CONFAB_FAULTS").as_deref(),
    )
}

/// Fails the call if an armed fault says so (only on a relay that takes faults).
pub fn check(env: &Env, site: Site, what: &str) -> Result<(), RelayError> {
    if !enabled(env) {
        return Ok(());
    }
    match ARMED.with(|armed| armed.borrow_mut().trip(site, what)) {
        true => Err(internal(format!("injected fault: {site:?} {what}"))),
        false => Ok(()),
    }
}

/// `POST /v1/dev/faults` arms a fault (`{"site":"d1","matching":"identities","times":2}`),
/// `GET` lists those still armed (so a test can tell that a path met its faults), `DELETE`
/// disarms them all. Not found on a relay that takes no faults.
pub async fn handle(request: &mut Request, env: &Env) -> Result<Response, RelayError> {
    if !enabled(env) {
        return Err(RelayError::NotFound(PATH.into()));
    }
    super::api::authorize_admin(request, env)?;
    match request.method() {
        Method::Post => {
            let fault: Fault = http::read_json(request).await?;
            ARMED.with(|armed| armed.borrow_mut().arm(fault));
        }
        Method::Get => {
            let armed = ARMED.with(|armed| armed.borrow().armed().to_vec());
            return http::json(&armed, 200);
        }
        Method::Delete => ARMED.with(|armed| armed.borrow_mut().clear()),
        other => {
            return Err(RelayError::MethodNotAllowed {
                method: other.to_string(),
                allowed: vec!["GET", "POST", "DELETE"],
            })
        }
    }
    Ok(Response::empty().map_err(internal)?.with_status(204))
}
