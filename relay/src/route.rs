//! The relay's API routes: which call a method and a path name, decided in pure code so the
//! whole table is tested natively (and checked against `relay/openapi.yaml` later).

use crate::brand::parse_brand_id;
use crate::error::RelayError;
use confab_protocol::{BrandId, ThreadId};

/// Every API route as (method, path template). `relay/openapi.yaml` documents exactly these
/// (a test checks both ways); `{id}` is a thread id, `{brand}` a brand id.
pub const ROUTES: &[(&str, &str)] = &[
    ("POST", "/v1/sessions"),
    ("GET", "/v1/threads/{id}/messages"),
    ("POST", "/v1/threads/{id}/messages"),
    ("POST", "/v1/threads/{id}/read"),
    ("POST", "/v1/threads/{id}/tickets"),
    ("GET", "/v1/threads/{id}/ws"),
    ("GET", "/v1/threads/{id}/transcript"),
    ("POST", "/v1/threads/{id}/links"),
    ("DELETE", "/v1/threads/{id}"),
    ("GET", "/v1/admin/brands/{brand}"),
    ("PUT", "/v1/admin/brands/{brand}"),
    ("POST", "/v1/admin/brands/{brand}/keys"),
    ("GET", "/v1/admin/brands/{brand}/dead-jobs"),
    ("GET", "/v1/agent/threads"),
    ("GET", "/v1/agent/threads/{id}"),
    ("POST", "/v1/agent/threads/{id}/messages"),
    ("POST", "/v1/agent/threads/{id}/read"),
    ("POST", "/v1/hooks/telegram/{brand}"),
    ("GET", "/v1/hooks/whatsapp"),
    ("POST", "/v1/hooks/whatsapp"),
];

/// One API call, with the parameters its path carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// `OPTIONS /v1/...`: a CORS preflight.
    Preflight,
    /// `POST /v1/sessions`.
    CreateSession,
    /// `GET /v1/threads/{id}/messages`.
    ListMessages(ThreadId),
    /// `POST /v1/threads/{id}/messages`.
    SendMessage(ThreadId),
    /// `POST /v1/threads/{id}/read`: the visitor has read up to a `seq`.
    MarkRead(ThreadId),
    /// `POST /v1/threads/{id}/tickets`: a single-use ticket for the WebSocket.
    CreateTicket(ThreadId),
    /// `GET /v1/threads/{id}/ws?ticket=…&after=SEQ`: the thread's WebSocket.
    OpenSocket(ThreadId),
    /// `GET /v1/threads/{id}/transcript?format=json|text`.
    Transcript(ThreadId),
    /// `POST /v1/threads/{id}/links`: a single-use code to continue on WhatsApp or in
    /// another browser.
    CreateLink(ThreadId),
    /// `DELETE /v1/threads/{id}`: erase the thread.
    EraseThread(ThreadId),
    /// `GET /v1/admin/brands/{brand}`.
    GetBrand(BrandId),
    /// `PUT /v1/admin/brands/{brand}`: create or replace a brand's settings.
    PutBrand(BrandId),
    /// `POST /v1/admin/brands/{brand}/keys`: a new agent API key, shown once.
    CreateAgentKey(BrandId),
    /// `GET /v1/admin/brands/{brand}/dead-jobs`: deliveries given up, most recent first.
    DeadJobs(BrandId),
    /// `GET /v1/agent/threads`: the brand's threads, latest activity first (agent API key).
    AgentThreads,
    /// `GET /v1/agent/threads/{id}?after=SEQ`: a thread, its messages and WhatsApp window.
    AgentThread(ThreadId),
    /// `POST /v1/agent/threads/{id}/messages`: a team member answers (agent API key).
    AgentSend(ThreadId),
    /// `POST /v1/agent/threads/{id}/read`: the team has read the visitor up to a `seq`.
    AgentRead(ThreadId),
    /// `POST /v1/hooks/telegram/{brand}`: an update from the brand's Telegram bot.
    TelegramHook(BrandId),
    /// `GET /v1/hooks/whatsapp`: Meta's verification handshake.
    WhatsappVerify,
    /// `POST /v1/hooks/whatsapp`: messages and statuses from WhatsApp.
    WhatsappHook,
}

/// Finds the route for `method` and `path`, or the error to answer with.
pub fn route(method: &str, path: &str) -> Result<Route, RelayError> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
    let mut allowed = Vec::new();
    for &(route_method, template) in ROUTES {
        let Some(parameter) = match_template(template, &segments) else {
            continue;
        };
        if route_method == method {
            return build(method, template, parameter);
        }
        allowed.push(route_method);
    }
    match (allowed.is_empty(), method) {
        (true, _) => Err(RelayError::NotFound(path.to_string())),
        (false, "OPTIONS") => Ok(Route::Preflight),
        (false, _) => Err(RelayError::MethodNotAllowed {
            method: method.to_string(),
            allowed,
        }),
    }
}

/// Matches path segments against a template; returns the `{…}` segment ("" if none).
fn match_template<'a>(template: &str, segments: &[&'a str]) -> Option<&'a str> {
    let parts: Vec<&str> = template.split('/').skip(1).collect();
    if parts.len() != segments.len() {
        return None;
    }
    let mut parameter = "";
    for (part, segment) in parts.iter().zip(segments) {
        if part.starts_with('{') {
            parameter = segment;
        } else if part != segment {
            return None;
        }
    }
    Some(parameter)
}

fn build(method: &str, template: &str, parameter: &str) -> Result<Route, RelayError> {
    let thread = || parse_thread_id(parameter);
    let brand = || parse_brand_id(parameter);
    Ok(match (method, template) {
        ("POST", "/v1/sessions") => Route::CreateSession,
        ("GET", "/v1/threads/{id}/messages") => Route::ListMessages(thread()?),
        ("POST", "/v1/threads/{id}/messages") => Route::SendMessage(thread()?),
        ("POST", "/v1/threads/{id}/read") => Route::MarkRead(thread()?),
        ("POST", "/v1/threads/{id}/tickets") => Route::CreateTicket(thread()?),
        ("GET", "/v1/threads/{id}/ws") => Route::OpenSocket(thread()?),
        ("GET", "/v1/threads/{id}/transcript") => Route::Transcript(thread()?),
        ("POST", "/v1/threads/{id}/links") => Route::CreateLink(thread()?),
        ("DELETE", "/v1/threads/{id}") => Route::EraseThread(thread()?),
        ("GET", "/v1/admin/brands/{brand}") => Route::GetBrand(brand()?),
        ("PUT", "/v1/admin/brands/{brand}") => Route::PutBrand(brand()?),
        ("POST", "/v1/admin/brands/{brand}/keys") => Route::CreateAgentKey(brand()?),
        ("GET", "/v1/admin/brands/{brand}/dead-jobs") => Route::DeadJobs(brand()?),
        ("GET", "/v1/agent/threads") => Route::AgentThreads,
        ("GET", "/v1/agent/threads/{id}") => Route::AgentThread(thread()?),
        ("POST", "/v1/agent/threads/{id}/messages") => Route::AgentSend(thread()?),
        ("POST", "/v1/agent/threads/{id}/read") => Route::AgentRead(thread()?),
        ("POST", "/v1/hooks/telegram/{brand}") => Route::TelegramHook(brand()?),
        ("GET", "/v1/hooks/whatsapp") => Route::WhatsappVerify,
        ("POST", "/v1/hooks/whatsapp") => Route::WhatsappHook,
        _ => {
            return Err(RelayError::Internal(format!(
                "route {method} {template} has no handler"
            )))
        }
    })
}

/// Checks the shape of a thread id from a path: 16 to 64 characters of base64url.
pub fn parse_thread_id(raw: &str) -> Result<ThreadId, RelayError> {
    let well_formed = (16..=64).contains(&raw.len())
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if well_formed {
        Ok(ThreadId::new(raw))
    } else {
        Err(RelayError::NotFound(format!("thread {raw:?}")))
    }
}

/// The page of history a `GET .../messages` asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageQuery {
    /// Messages with a sequence number above this one.
    pub after: u64,
    /// At most this many messages.
    pub limit: u32,
}

/// The page size when the query names none.
pub const DEFAULT_PAGE_LIMIT: u32 = 100;
/// The largest page served.
pub const MAX_PAGE_LIMIT: u32 = 500;

/// What a WebSocket URL carries: `ticket=…&after=SEQ`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SocketQuery {
    /// The single-use ticket from `POST .../tickets`.
    pub ticket: String,
    /// The last `seq` the client has (0 for none).
    pub after: u64,
}

/// Parses a WebSocket URL's query: `ticket` is required, `after` defaults to 0.
pub fn parse_socket_query(query: &str) -> Result<SocketQuery, RelayError> {
    let after = parse_page_query(query)?.after;
    let ticket = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("ticket="))
        .filter(|ticket| !ticket.is_empty())
        .ok_or(RelayError::InvalidTicket)?;
    Ok(SocketQuery {
        ticket: ticket.to_string(),
        after,
    })
}

/// Parses `after=SEQ&limit=N` (both optional; unknown parameters are ignored).
pub fn parse_page_query(query: &str) -> Result<PageQuery, RelayError> {
    let mut page = PageQuery {
        after: 0,
        limit: DEFAULT_PAGE_LIMIT,
    };
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "after" => {
                page.after = value.parse().map_err(|_| RelayError::InvalidParameter {
                    name: "after",
                    reason: format!("{value:?} is not a sequence number"),
                })?
            }
            "limit" => {
                page.limit = value
                    .parse()
                    .ok()
                    .filter(|limit| (1..=MAX_PAGE_LIMIT).contains(limit))
                    .ok_or_else(|| RelayError::InvalidParameter {
                        name: "limit",
                        reason: format!("{value:?} is not a number from 1 to {MAX_PAGE_LIMIT}"),
                    })?
            }
            _ => {}
        }
    }
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    const THREAD: &str = "AAAAAAAAAAAAAAAAAAAAAA";

    fn check(method: &str, path: &str, expected: Result<Route, &str>) {
        let actual = route(method, path).map_err(|e| e.code());
        assert_eq!(actual, expected, "{method} {path}");
    }

    #[test]
    fn routes_requests() {
        let thread = ThreadId::new(THREAD);
        check("POST", "/v1/sessions", Ok(Route::CreateSession));
        check("POST", "/v1/sessions/", Ok(Route::CreateSession));
        check("OPTIONS", "/v1/sessions", Ok(Route::Preflight));
        check("GET", "/v1/sessions", Err("method_not_allowed"));
        let messages = format!("/v1/threads/{THREAD}/messages");
        check("GET", &messages, Ok(Route::ListMessages(thread.clone())));
        check("POST", &messages, Ok(Route::SendMessage(thread)));
        check("OPTIONS", &messages, Ok(Route::Preflight));
        check("DELETE", &messages, Err("method_not_allowed"));
        check("GET", "/v1/threads/short/messages", Err("not_found"));
        check("GET", "/v1/threads/../../etc/messages", Err("not_found"));
        check(
            "GET",
            &format!("/v1/threads/{THREAD}/nope"),
            Err("not_found"),
        );
        check("GET", "/v2/sessions", Err("not_found"));
        let thread_path = format!("/v1/threads/{THREAD}");
        check(
            "DELETE",
            &thread_path,
            Ok(Route::EraseThread(ThreadId::new(THREAD))),
        );
        check("GET", &thread_path, Err("method_not_allowed"));
        check(
            "PUT",
            "/v1/admin/brands/acme",
            Ok(Route::PutBrand(BrandId::new("acme"))),
        );
        check("PUT", "/v1/admin/brands/Not_Valid", Err("invalid_brand"));
        let tickets = format!("/v1/threads/{THREAD}/tickets");
        check(
            "POST",
            &tickets,
            Ok(Route::CreateTicket(ThreadId::new(THREAD))),
        );
        check("GET", &tickets, Err("method_not_allowed"));
        let socket = format!("/v1/threads/{THREAD}/ws");
        check("GET", &socket, Ok(Route::OpenSocket(ThreadId::new(THREAD))));
        check("POST", &socket, Err("method_not_allowed"));
        check("GET", "/", Err("not_found"));
        check("GET", "", Err("not_found"));
    }

    #[test]
    fn method_not_allowed_names_the_allowed_methods() {
        match route("PUT", &format!("/v1/threads/{THREAD}/messages")) {
            Err(RelayError::MethodNotAllowed { allowed, .. }) => {
                assert_eq!(allowed, ["GET", "POST"])
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn every_route_in_the_table_has_a_handler() {
        for (method, template) in ROUTES {
            let path = template.replace("{id}", THREAD).replace("{brand}", "acme");
            let routed = route(method, &path);
            assert!(routed.is_ok(), "{method} {template}: {routed:?}");
        }
    }

    fn check_page(query: &str, expected: Result<(u64, u32), &str>) {
        let actual = parse_page_query(query)
            .map(|page| (page.after, page.limit))
            .map_err(|e| e.code());
        assert_eq!(actual, expected, "query {query:?}");
    }

    #[test]
    fn parses_page_queries() {
        check_page("", Ok((0, DEFAULT_PAGE_LIMIT)));
        check_page("after=41", Ok((41, DEFAULT_PAGE_LIMIT)));
        check_page("after=3&limit=2", Ok((3, 2)));
        check_page("limit=500&utm=x", Ok((0, 500)));
        check_page("limit=501", Err("invalid_parameter"));
        check_page("limit=0", Err("invalid_parameter"));
        check_page("after=-1", Err("invalid_parameter"));
        check_page("after=abc", Err("invalid_parameter"));
        check_page("after", Err("invalid_parameter"));
    }

    #[test]
    fn parses_socket_queries() {
        let parse = |query: &str| parse_socket_query(query).map_err(|e| e.code());
        let query = |ticket: &str, after| SocketQuery {
            ticket: ticket.into(),
            after,
        };
        assert_eq!(parse("ticket=abc"), Ok(query("abc", 0)));
        assert_eq!(parse("after=9&ticket=abc"), Ok(query("abc", 9)));
        assert_eq!(parse("after=9"), Err("ticket_invalid"));
        assert_eq!(parse("ticket="), Err("ticket_invalid"));
        assert_eq!(parse("ticket=abc&after=x"), Err("invalid_parameter"));
    }
}
