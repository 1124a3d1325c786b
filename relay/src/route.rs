//! The relay's API routes: which call a method and a path name, decided in pure code so the
//! whole table is tested natively (and checked against `relay/openapi.yaml` later).

use crate::error::RelayError;
use confab_protocol::ThreadId;

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
    /// `POST /v1/threads/{id}/tickets`: a single-use ticket for the WebSocket.
    CreateTicket(ThreadId),
    /// `GET /v1/threads/{id}/ws?ticket=…&after=SEQ`: the thread's WebSocket.
    OpenSocket(ThreadId),
}

/// Finds the route for `method` and `path`, or the error to answer with.
pub fn route(method: &str, path: &str) -> Result<Route, RelayError> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
    let (allowed, matched): (&'static [&'static str], Option<Route>) = match segments.as_slice() {
        ["v1", "sessions"] => (
            &["POST"],
            (method == "POST").then_some(Route::CreateSession),
        ),
        ["v1", "threads", id, "messages"] => {
            let thread = parse_thread_id(id)?;
            let route = match method {
                "GET" => Some(Route::ListMessages(thread)),
                "POST" => Some(Route::SendMessage(thread)),
                _ => None,
            };
            (&["GET", "POST"], route)
        }
        ["v1", "threads", id, "tickets"] => {
            let thread = parse_thread_id(id)?;
            (
                &["POST"],
                (method == "POST").then_some(Route::CreateTicket(thread)),
            )
        }
        ["v1", "threads", id, "ws"] => {
            let thread = parse_thread_id(id)?;
            (
                &["GET"],
                (method == "GET").then_some(Route::OpenSocket(thread)),
            )
        }
        _ => return Err(RelayError::NotFound(path.to_string())),
    };
    match matched {
        Some(route) => Ok(route),
        None if method == "OPTIONS" => Ok(Route::Preflight),
        None => Err(RelayError::MethodNotAllowed {
            method: method.to_string(),
            allowed,
        }),
    }
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
        match route("PUT", "/v1/sessions") {
            Err(RelayError::MethodNotAllowed { allowed, .. }) => assert_eq!(allowed, ["POST"]),
            other => panic!("unexpected {other:?}"),
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
