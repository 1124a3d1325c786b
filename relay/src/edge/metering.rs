//! `/v1/dev/meter`, where the bench reads what the relay asked of the platform
//! ([`crate::meter`]): `GET` gives the counts since the last reset, `DELETE` gives them and
//! starts again from zero. Admin secret required; development relays only, like the fault
//! switch, and not part of the public API.

use super::http;
use crate::error::RelayError;
use crate::meter;
use worker::{Env, Method, Request, Response};

/// Where the meter is read.
pub const PATH: &str = "/v1/dev/meter";

/// Answers a call of the meter.
pub async fn handle(request: &mut Request, env: &Env) -> Result<Response, RelayError> {
    if !super::insights::seeding_allowed(env) {
        return Err(RelayError::NotFound(PATH.into()));
    }
    super::api::authorize_admin(request, env)?;
    let reset = match request.method() {
        Method::Get => false,
        Method::Delete => true,
        other => {
            return Err(RelayError::MethodNotAllowed {
                method: other.to_string(),
                allowed: vec!["GET", "DELETE"],
            })
        }
    };
    http::json(&meter::read(reset), 200)
}
