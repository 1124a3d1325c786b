//! The relay's API routes: which call a method and a path name, decided in pure code so the
//! whole table is tested natively (and checked against `relay/openapi.yaml` later).

use crate::brand::parse_brand_id;
use crate::error::RelayError;
use crate::knowledge::api::{entry_in_path, KnowledgeCall};
use confab_protocol::{AttachmentId, BrandId, ThreadId};

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
    // Before `{entry}`: the first template that fits a path wins.
    ("GET", "/v1/admin/brands/{brand}/knowledge"),
    ("DELETE", "/v1/admin/brands/{brand}/knowledge"),
    ("POST", "/v1/admin/brands/{brand}/knowledge/import"),
    ("GET", "/v1/admin/brands/{brand}/knowledge/search"),
    ("GET", "/v1/admin/brands/{brand}/knowledge/{entry}"),
    ("PUT", "/v1/admin/brands/{brand}/knowledge/{entry}"),
    ("DELETE", "/v1/admin/brands/{brand}/knowledge/{entry}"),
    ("GET", "/v1/agent/threads"),
    ("GET", "/v1/agent/threads/{id}"),
    ("POST", "/v1/agent/threads/{id}/messages"),
    ("POST", "/v1/agent/threads/{id}/read"),
    ("POST", "/v1/hooks/telegram/{brand}"),
    ("GET", "/v1/hooks/whatsapp"),
    ("POST", "/v1/hooks/whatsapp"),
    ("GET", "/v1/hooks/wechat/{brand}"),
    ("POST", "/v1/hooks/wechat/{brand}"),
    ("GET", "/v1/images"),
    ("POST", "/v1/threads/{id}/uploads"),
    ("POST", "/v1/agent/threads/{id}/uploads"),
    ("GET", "/v1/files/{id}/{attachment}"),
    ("GET", "/v1/push/key"),
    ("POST", "/v1/threads/{id}/push"),
    ("GET", "/v1/threads/{id}/push"),
    ("DELETE", "/v1/threads/{id}/push"),
    ("POST", "/v1/threads/{id}/email"),
    ("DELETE", "/v1/threads/{id}/email"),
    ("GET", "/v1/email/verify"),
    ("GET", "/v1/email/continue"),
    ("GET", "/v1/email/unsubscribe"),
    ("POST", "/v1/email/unsubscribe"),
    ("POST", "/v1/threads/{id}/handoff"),
    ("POST", "/v1/threads/{id}/assistant"),
    ("POST", "/v1/agent/threads/{id}/resolve"),
    ("POST", "/v1/agent/threads/{id}/reopen"),
    ("POST", "/v1/threads/{id}/rating"),
    ("POST", "/v1/agent/threads/{id}/tickets"),
    ("POST", "/v1/agent/inbox/tickets"),
    ("GET", "/v1/agent/inbox/ws"),
    // The console's members, sign-in and sessions, and its owner routes (edge/console.rs).
    ("POST", "/v1/admin/brands/{brand}/members"),
    ("POST", "/v1/console/links"),
    ("POST", "/v1/console/sign-in"),
    ("GET", "/v1/console/me"),
    ("DELETE", "/v1/console/session"),
    ("DELETE", "/v1/console/sessions"),
    ("GET", "/v1/console/settings"),
    ("PUT", "/v1/console/settings"),
    ("POST", "/v1/console/preview"),
    ("GET", "/v1/console/members"),
    ("POST", "/v1/console/members"),
    ("DELETE", "/v1/console/members/{email}"),
    ("POST", "/v1/console/keys"),
    ("POST", "/v1/console/connectors/{kind}/test"),
    // Insights (edge/insights.rs).
    ("GET", "/v1/agent/insights"),
    ("GET", "/v1/agent/insights/export"),
    ("POST", "/v1/admin/brands/{brand}/insights/seed"),
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
    /// `/v1/admin/brands/{brand}/knowledge[/…]`: the brand's knowledge (see
    /// [`KnowledgeCall`]).
    Knowledge(BrandId, KnowledgeCall),
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
    /// `GET /v1/hooks/wechat/{brand}`: WeChat's handshake for the brand's account.
    WechatVerify(BrandId),
    /// `POST /v1/hooks/wechat/{brand}`: a message or event from the brand's account.
    WechatHook(BrandId),
    /// `GET /v1/images?src=…&sig=…`: a logo or an avatar, through the relay (see
    /// [`crate::image`]).
    Image,
    /// `POST /v1/threads/{id}/uploads?name=…`: the visitor uploads a file (the raw bytes).
    Upload(ThreadId),
    /// `POST /v1/agent/threads/{id}/uploads?name=…`: the team uploads a file (agent key).
    AgentUpload(ThreadId),
    /// `GET /v1/files/{id}/{attachment}?exp=…&sig=…`: a file, by its signed link.
    File(ThreadId, AttachmentId),
    /// `GET /v1/push/key`: the relay's VAPID public key (the widget's
    /// `applicationServerKey`).
    PushKey,
    /// `POST /v1/threads/{id}/push`: keep a browser's push subscription.
    PushSubscribe(ThreadId),
    /// `GET /v1/threads/{id}/push`: the thread's push subscriptions and their last pushes.
    PushSubscriptions(ThreadId),
    /// `DELETE /v1/threads/{id}/push`: forget a push subscription.
    PushUnsubscribe(ThreadId),
    /// `POST /v1/threads/{id}/email`: replies by email to an address (verified first).
    RequestEmail(ThreadId),
    /// `DELETE /v1/threads/{id}/email`: no more replies by email.
    RemoveEmail(ThreadId),
    /// `GET /v1/email/verify?t=…&n=…&e=…&s=…`: a verification link, followed.
    VerifyEmail,
    /// `GET /v1/email/continue?t=…&n=…&s=…`: "Continue the conversation" from an email.
    ContinueFromEmail,
    /// `GET /v1/email/unsubscribe?…`: the unsubscribe page (a button).
    UnsubscribePage,
    /// `POST /v1/email/unsubscribe?…`: unsubscribe (one-click, RFC 8058).
    Unsubscribe,
    /// `POST /v1/threads/{id}/handoff`: the visitor asks for a person (the bot goes
    /// silent, the team is told).
    Handoff(ThreadId),
    /// `POST /v1/threads/{id}/assistant`: the team turns the thread's bot on or off (agent
    /// API key).
    SwitchAssistant(ThreadId),
    /// `POST /v1/agent/threads/{id}/resolve`: the team marks the thread resolved (agent
    /// API key).
    AgentResolve(ThreadId),
    /// `POST /v1/agent/threads/{id}/reopen`: the team reopens the thread (agent API key).
    AgentReopen(ThreadId),
    /// `POST /v1/agent/threads/{id}/tickets`: a ticket for the thread's socket as a team
    /// socket (agent key or console cookie).
    AgentTicket(ThreadId),
    /// `POST /v1/agent/inbox/tickets`: a ticket for the brand's inbox socket.
    InboxTicket,
    /// `GET /v1/agent/inbox/ws?ticket=…`: the brand's inbox socket (its threads as they
    /// change).
    InboxSocket,
    /// `GET /v1/agent/insights?from=MS&to=MS`: the brand's Insights report.
    AgentInsights,
    /// `GET /v1/agent/insights/export?what=&format=&from=&to=&cursor=&limit=`.
    AgentInsightsExport,
    /// `POST /v1/admin/brands/{brand}/insights/seed`: figures into the roll-up (admin
    /// secret, development relays only).
    SeedInsights(BrandId),
    /// `POST /v1/threads/{id}/rating`: the visitor rates the conversation, once.
    Rate(ThreadId),
    /// The brand console's own calls (see [`ConsoleCall`]).
    Console(ConsoleCall),
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
            return build(method, template, &parameter);
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

/// Matches path segments against a template; returns the `{…}` segments, in order.
fn match_template<'a>(template: &str, segments: &[&'a str]) -> Option<Vec<&'a str>> {
    let parts: Vec<&str> = template.split('/').skip(1).collect();
    if parts.len() != segments.len() {
        return None;
    }
    let mut parameters = Vec::new();
    for (part, segment) in parts.iter().zip(segments) {
        if part.starts_with('{') {
            parameters.push(*segment);
        } else if part != segment {
            return None;
        }
    }
    Some(parameters)
}

fn build(method: &str, template: &str, parameters: &[&str]) -> Result<Route, RelayError> {
    let parameter = parameters.first().copied().unwrap_or("");
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
        (_, knowledge) if knowledge.starts_with("/v1/admin/brands/{brand}/knowledge") => {
            let entry = || entry_in_path(method, parameters.get(1).copied().unwrap_or(""));
            let call = match (method, knowledge.rsplit('/').next()) {
                ("GET", Some("knowledge")) => KnowledgeCall::List,
                ("DELETE", Some("knowledge")) => KnowledgeCall::Clear,
                ("POST", Some("import")) => KnowledgeCall::Import,
                ("GET", Some("search")) => KnowledgeCall::Search,
                ("GET", _) => KnowledgeCall::Get(entry()?),
                ("PUT", _) => KnowledgeCall::Put(entry()?),
                ("DELETE", _) => KnowledgeCall::Delete(entry()?),
                _ => return Err(RelayError::Internal(format!("{method} {knowledge}"))),
            };
            Route::Knowledge(brand()?, call)
        }
        ("GET", "/v1/agent/threads") => Route::AgentThreads,
        ("GET", "/v1/agent/threads/{id}") => Route::AgentThread(thread()?),
        ("POST", "/v1/agent/threads/{id}/messages") => Route::AgentSend(thread()?),
        ("POST", "/v1/agent/threads/{id}/read") => Route::AgentRead(thread()?),
        ("POST", "/v1/hooks/telegram/{brand}") => Route::TelegramHook(brand()?),
        ("GET", "/v1/hooks/whatsapp") => Route::WhatsappVerify,
        ("POST", "/v1/hooks/whatsapp") => Route::WhatsappHook,
        ("GET", "/v1/hooks/wechat/{brand}") => Route::WechatVerify(brand()?),
        ("POST", "/v1/hooks/wechat/{brand}") => Route::WechatHook(brand()?),
        ("GET", "/v1/images") => Route::Image,
        ("POST", "/v1/threads/{id}/uploads") => Route::Upload(thread()?),
        ("POST", "/v1/agent/threads/{id}/uploads") => Route::AgentUpload(thread()?),
        ("GET", "/v1/push/key") => Route::PushKey,
        ("POST", "/v1/threads/{id}/push") => Route::PushSubscribe(thread()?),
        ("GET", "/v1/threads/{id}/push") => Route::PushSubscriptions(thread()?),
        ("DELETE", "/v1/threads/{id}/push") => Route::PushUnsubscribe(thread()?),
        ("POST", "/v1/threads/{id}/email") => Route::RequestEmail(thread()?),
        ("DELETE", "/v1/threads/{id}/email") => Route::RemoveEmail(thread()?),
        ("GET", "/v1/email/verify") => Route::VerifyEmail,
        ("GET", "/v1/email/continue") => Route::ContinueFromEmail,
        ("GET", "/v1/email/unsubscribe") => Route::UnsubscribePage,
        ("POST", "/v1/email/unsubscribe") => Route::Unsubscribe,
        ("POST", "/v1/threads/{id}/handoff") => Route::Handoff(thread()?),
        ("POST", "/v1/threads/{id}/assistant") => Route::SwitchAssistant(thread()?),
        ("POST", "/v1/agent/threads/{id}/resolve") => Route::AgentResolve(thread()?),
        ("POST", "/v1/agent/threads/{id}/reopen") => Route::AgentReopen(thread()?),
        ("POST", "/v1/agent/threads/{id}/tickets") => Route::AgentTicket(thread()?),
        ("POST", "/v1/agent/inbox/tickets") => Route::InboxTicket,
        ("GET", "/v1/agent/inbox/ws") => Route::InboxSocket,
        ("GET", "/v1/agent/insights") => Route::AgentInsights,
        ("GET", "/v1/agent/insights/export") => Route::AgentInsightsExport,
        ("POST", "/v1/admin/brands/{brand}/insights/seed") => Route::SeedInsights(brand()?),
        ("POST", "/v1/threads/{id}/rating") => Route::Rate(thread()?),
        (_, console) if console.starts_with("/v1/console/") || console.ends_with("/members") => {
            Route::Console(console_call(method, console, parameter)?)
        }
        ("GET", "/v1/files/{id}/{attachment}") => {
            let attachment = parameters.get(1).copied().unwrap_or("");
            Route::File(thread()?, parse_attachment_id(attachment)?)
        }
        _ => {
            return Err(RelayError::Internal(format!(
                "route {method} {template} has no handler"
            )))
        }
    })
}

/// A call of the brand console: members, sign-in and sessions, and the owner's routes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConsoleCall {
    /// `POST /v1/admin/brands/{brand}/members`: the operator adds a member (admin secret).
    AdminAddMember(BrandId),
    /// `POST /v1/console/links`: email me a sign-in link.
    RequestLink,
    /// `POST /v1/console/sign-in`: a sign-in token for a session cookie.
    SignIn,
    /// `GET /v1/console/me`: who the session is.
    Me,
    /// `DELETE /v1/console/session`: sign out.
    SignOut,
    /// `DELETE /v1/console/sessions`: sign out everywhere.
    SignOutEverywhere,
    /// `GET /v1/console/settings` (owners).
    GetSettings,
    /// `PUT /v1/console/settings` (owners).
    PutSettings,
    /// `POST /v1/console/preview`: the widget's profile for unsaved settings (owners).
    Preview,
    /// `GET /v1/console/members` (owners).
    Members,
    /// `POST /v1/console/members`: invite or change a member (owners).
    AddMember,
    /// `DELETE /v1/console/members/{email}` (owners; the address percent-decoded).
    RemoveMember(String),
    /// `POST /v1/console/keys`: a new agent API key (owners).
    CreateKey,
    /// `POST /v1/console/connectors/{kind}/test` (owners).
    TestConnector(ConnectorKind),
}

/// A connector the console can test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectorKind {
    /// The brand's Telegram group.
    Telegram,
    /// The brand's backend webhook.
    Webhook,
    /// WhatsApp Cloud API.
    Whatsapp,
    /// A WeChat Official Account.
    Wechat,
}

impl ConnectorKind {
    /// The name in the path.
    pub fn name(self) -> &'static str {
        match self {
            ConnectorKind::Telegram => "telegram",
            ConnectorKind::Webhook => "webhook",
            ConnectorKind::Whatsapp => "whatsapp",
            ConnectorKind::Wechat => "wechat",
        }
    }
}

fn console_call(method: &str, template: &str, parameter: &str) -> Result<ConsoleCall, RelayError> {
    Ok(match (method, template) {
        ("POST", "/v1/admin/brands/{brand}/members") => {
            ConsoleCall::AdminAddMember(parse_brand_id(parameter)?)
        }
        ("POST", "/v1/console/links") => ConsoleCall::RequestLink,
        ("POST", "/v1/console/sign-in") => ConsoleCall::SignIn,
        ("GET", "/v1/console/me") => ConsoleCall::Me,
        ("DELETE", "/v1/console/session") => ConsoleCall::SignOut,
        ("DELETE", "/v1/console/sessions") => ConsoleCall::SignOutEverywhere,
        ("GET", "/v1/console/settings") => ConsoleCall::GetSettings,
        ("PUT", "/v1/console/settings") => ConsoleCall::PutSettings,
        ("POST", "/v1/console/preview") => ConsoleCall::Preview,
        ("GET", "/v1/console/members") => ConsoleCall::Members,
        ("POST", "/v1/console/members") => ConsoleCall::AddMember,
        ("DELETE", "/v1/console/members/{email}") => ConsoleCall::RemoveMember(
            percent_encoding::percent_decode_str(parameter)
                .decode_utf8_lossy()
                .into_owned(),
        ),
        ("POST", "/v1/console/keys") => ConsoleCall::CreateKey,
        ("POST", "/v1/console/connectors/{kind}/test") => ConsoleCall::TestConnector(
            [
                ConnectorKind::Telegram,
                ConnectorKind::Webhook,
                ConnectorKind::Whatsapp,
                ConnectorKind::Wechat,
            ]
            .into_iter()
            .find(|kind| kind.name() == parameter)
            .ok_or_else(|| RelayError::NotFound(format!("connector {parameter:?}")))?,
        ),
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

/// Checks the shape of an attachment id from a path: 16 to 64 characters of base64url.
pub fn parse_attachment_id(raw: &str) -> Result<AttachmentId, RelayError> {
    let well_formed = (16..=64).contains(&raw.len())
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if well_formed {
        Ok(AttachmentId::new(raw))
    } else {
        Err(RelayError::NotFound(format!("file {raw:?}")))
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

/// The largest sequence number: SQLite's largest integer (`seq` is a row id).
pub const MAX_SEQ: u64 = i64::MAX as u64;

/// Parses a WebSocket URL's query: `ticket` is required, `after` defaults to 0.
pub fn parse_socket_query(query: &str) -> Result<SocketQuery, RelayError> {
    let after = parse_page_query(query)?.after;
    let ticket = form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == "ticket")
        .map(|(_, ticket)| ticket.into_owned())
        .filter(|ticket| !ticket.is_empty())
        .ok_or(RelayError::InvalidTicket)?;
    Ok(SocketQuery { ticket, after })
}

/// Parses `after=SEQ&limit=N` (both optional, percent-decoded; unknown parameters are
/// ignored).
pub fn parse_page_query(query: &str) -> Result<PageQuery, RelayError> {
    let mut page = PageQuery {
        after: 0,
        limit: DEFAULT_PAGE_LIMIT,
    };
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        match &*key {
            "after" => page.after = parse_seq("after", &value)?,
            "limit" => {
                page.limit = digits(&value)
                    .and_then(|digits| digits.parse().ok())
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

/// Parses a sequence number given as text (`name` is the parameter): decimal digits, at
/// most [`MAX_SEQ`].
pub fn parse_seq(name: &'static str, value: &str) -> Result<u64, RelayError> {
    digits(value)
        .and_then(|digits| digits.parse::<u64>().ok())
        .filter(|seq| *seq <= MAX_SEQ)
        .ok_or_else(|| RelayError::InvalidParameter {
            name,
            reason: format!("{value:?} is not a sequence number (0 to {MAX_SEQ})"),
        })
}

/// Checks a sequence number that came as a number (a JSON body's `seq`, as in
/// `POST .../read`): at most [`MAX_SEQ`], else `InvalidParameter` (400).
pub fn check_seq(name: &'static str, seq: u64) -> Result<u64, RelayError> {
    if seq <= MAX_SEQ {
        Ok(seq)
    } else {
        Err(RelayError::InvalidParameter {
            name,
            reason: format!("{seq} is above the largest sequence number, {MAX_SEQ}"),
        })
    }
}

/// `value` if it is one or more ASCII digits (no sign, no space).
fn digits(value: &str) -> Option<&str> {
    (!value.is_empty() && value.bytes().all(|b| b.is_ascii_digit())).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    const THREAD: &str = "AAAAAAAAAAAAAAAAAAAAAA";

    fn check(method: &str, path: &str, expected: Result<Route, &str>) {
        let actual = route(method, path).map_err(|e| e.code().to_string());
        assert_eq!(actual, expected.map_err(str::to_string), "{method} {path}");
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
        check("GET", "/v1/images", Ok(Route::Image));
        check("POST", "/v1/images", Err("method_not_allowed"));
        check("GET", "/v1/images/x", Err("not_found"));
        let file = format!("/v1/files/{THREAD}/BBBBBBBBBBBBBBBBBBBBBB");
        check(
            "GET",
            &file,
            Ok(Route::File(
                ThreadId::new(THREAD),
                AttachmentId::new("BBBBBBBBBBBBBBBBBBBBBB"),
            )),
        );
        check("GET", &format!("/v1/files/{THREAD}/x"), Err("not_found"));
        check(
            "POST",
            &format!("/v1/threads/{THREAD}/uploads"),
            Ok(Route::Upload(ThreadId::new(THREAD))),
        );
        check("GET", "/", Err("not_found"));
        check("GET", "", Err("not_found"));
    }

    #[test]
    fn routes_wechat_hooks_by_brand() {
        let acme = || BrandId::new("acme");
        check(
            "GET",
            "/v1/hooks/wechat/acme",
            Ok(Route::WechatVerify(acme())),
        );
        check(
            "POST",
            "/v1/hooks/wechat/acme",
            Ok(Route::WechatHook(acme())),
        );
        check("PUT", "/v1/hooks/wechat/acme", Err("method_not_allowed"));
        check("POST", "/v1/hooks/wechat/Not_Valid", Err("invalid_brand"));
        check("POST", "/v1/hooks/wechat", Err("not_found"));
    }

    #[test]
    fn routes_console_calls() {
        let console = |call| Ok(Route::Console(call));
        check("POST", "/v1/console/sign-in", console(ConsoleCall::SignIn));
        check("GET", "/v1/console/me", console(ConsoleCall::Me));
        check(
            "DELETE",
            "/v1/console/session",
            console(ConsoleCall::SignOut),
        );
        check(
            "DELETE",
            "/v1/console/sessions",
            console(ConsoleCall::SignOutEverywhere),
        );
        check(
            "POST",
            "/v1/admin/brands/acme/members",
            console(ConsoleCall::AdminAddMember(BrandId::new("acme"))),
        );
        check(
            "DELETE",
            "/v1/console/members/Ann%40shop.example",
            console(ConsoleCall::RemoveMember("Ann@shop.example".into())),
        );
        check(
            "POST",
            "/v1/console/connectors/webhook/test",
            console(ConsoleCall::TestConnector(ConnectorKind::Webhook)),
        );
        check("POST", "/v1/console/connectors/fax/test", Err("not_found"));
        check("GET", "/v1/console/sign-in", Err("method_not_allowed"));
        check("GET", "/v1/console/nope", Err("not_found"));
    }

    #[test]
    fn routes_insights() {
        assert_eq!(
            route("GET", "/v1/agent/insights").ok(),
            Some(Route::AgentInsights)
        );
        assert_eq!(
            route("GET", "/v1/agent/insights/export").ok(),
            Some(Route::AgentInsightsExport)
        );
        assert_eq!(
            route("POST", "/v1/admin/brands/acme/insights/seed").ok(),
            Some(Route::SeedInsights(BrandId::new("acme")))
        );
        assert!(route("POST", "/v1/agent/insights").is_err());
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
            let path = template
                .replace("{id}", THREAD)
                .replace("{brand}", "acme")
                .replace("{attachment}", THREAD)
                .replace("{entry}", "shipping")
                .replace("{email}", "ann%40shop.example")
                .replace("{kind}", "telegram");
            let routed = route(method, &path);
            assert!(routed.is_ok(), "{method} {template}: {routed:?}");
        }
    }

    #[test]
    fn parses_page_queries() {
        const BAD: Result<(u64, u32), &str> = Err("invalid_parameter");
        let mut wrong = Vec::new();
        for (query, expected) in [
            ("", Ok((0, DEFAULT_PAGE_LIMIT))),
            ("after=41", Ok((41, DEFAULT_PAGE_LIMIT))),
            ("after=3&limit=2", Ok((3, 2))),
            ("limit=500&utm=x", Ok((0, 500))),
            ("limit=501", BAD),
            ("limit=0", BAD),
            ("after=-1", BAD),
            ("after=abc", BAD),
            ("after", BAD),
            ("after=", BAD),
            // Sequence numbers are SQLite integers: at most i64::MAX.
            (
                "after=9223372036854775807",
                Ok((i64::MAX as u64, DEFAULT_PAGE_LIMIT)),
            ),
            ("after=9223372036854775808", BAD),
            ("after=18446744073709551615", BAD),
            ("after=18446744073709551616", BAD),
            ("after=99999999999999999999999999", BAD),
            // Digits only, percent-decoded as a query is.
            ("after=+41", BAD),
            ("after=%2B41", BAD),
            ("after= 41", BAD),
            ("after=4%201", BAD),
            ("after=%34%31", Ok((41, DEFAULT_PAGE_LIMIT))),
            ("a%66ter=41", Ok((41, DEFAULT_PAGE_LIMIT))),
            ("limit=%35", Ok((0, 5))),
            ("after=1&&limit=2&", Ok((1, 2))),
            ("after=1&after=2", Ok((2, DEFAULT_PAGE_LIMIT))),
        ] {
            let actual = parse_page_query(query)
                .map(|page| (page.after, page.limit))
                .map_err(|e| e.code().to_string());
            if actual != expected.map_err(str::to_string) {
                wrong.push(format!("{query:?}: {actual:?}, not {expected:?}"));
            }
        }
        assert!(wrong.is_empty(), "wrong answers:\n{}", wrong.join("\n"));
    }

    #[test]
    fn sequence_numbers_fit_sqlite_integers() {
        for (value, expected) in [
            (0, Ok(0)),
            (1, Ok(1)),
            (i64::MAX as u64, Ok(MAX_SEQ)),
            (i64::MAX as u64 + 1, Err("invalid_parameter")),
            (u64::MAX, Err("invalid_parameter")),
        ] {
            let checked = check_seq("seq", value).map_err(|e| e.code().to_string());
            assert_eq!(checked, expected.map_err(str::to_string), "{value}");
            let parsed = parse_seq("seq", &value.to_string()).map_err(|e| e.code().to_string());
            assert_eq!(parsed, checked, "{value}");
        }
        match parse_seq("after", "9223372036854775808") {
            Err(RelayError::InvalidParameter { name: "after", .. }) => {}
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(
            RelayError::InvalidParameter {
                name: "seq",
                reason: String::new()
            }
            .status(),
            400
        );
    }

    #[test]
    fn parses_socket_queries() {
        let parse = |query: &str| parse_socket_query(query).map_err(|e| e.code().to_string());
        let query = |ticket: &str, after| SocketQuery {
            ticket: ticket.into(),
            after,
        };
        assert_eq!(parse("ticket=abc"), Ok(query("abc", 0)));
        assert_eq!(parse("after=9&ticket=abc"), Ok(query("abc", 9)));
        let error = |code: &str| Err(code.to_string());
        assert_eq!(parse("after=9"), error("ticket_invalid"));
        assert_eq!(parse("ticket="), error("ticket_invalid"));
        assert_eq!(parse("ticket=abc&after=x"), error("invalid_parameter"));
        assert_eq!(
            parse("ticket=abc&after=9223372036854775807"),
            Ok(query("abc", i64::MAX as u64))
        );
        assert_eq!(
            parse("ticket=abc&after=9223372036854775808"),
            error("invalid_parameter")
        );
        assert_eq!(
            parse("ticket=abc&after=18446744073709551615"),
            error("invalid_parameter")
        );
        assert_eq!(parse("ticket=a%2Db_c&after=%37"), Ok(query("a-b_c", 7)));
        assert_eq!(parse("ticket=abc&ticket=def"), Ok(query("abc", 0)));
        assert_eq!(parse("ticket&after=1"), error("ticket_invalid"));
    }
}
