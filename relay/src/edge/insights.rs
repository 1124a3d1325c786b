//! The brand's Insights at the edge (issue 19): the agent API's report and exports, the
//! development relay's seeding route, the widget's expected reply time, and the zone clock
//! the `Inbox` object reads business time with ([`IntlZone`]). The figures themselves are
//! the thread object's (`thread/object/figures.rs`) and the roll-up the `Inbox` object's
//! (`inbox/object/rollup.rs`); this module only asks the brand's object, and, for an
//! export page that carries the conversations' messages, each thread's object
//! ([`ThreadCall::AgentView`](super::thread::ThreadCall::AgentView), the agent API's own
//! read), a few threads at a time.

use super::http::{self, internal};
use super::inbox::{ask, InboxCall, InsightsQuery};
use super::thread::{self, PageRequest};
use crate::brand::Brand;
use crate::error::RelayError;
use crate::insights::api::{self, Format, Page, What, MESSAGES_PER_CALL};
use crate::insights::export::{
    conversations_csv, messages_csv, metrics_csv, Conversation, ConversationPage, ExportedMessage,
};
use crate::insights::{Insights, ThreadFigures, ZoneClock};
use confab_protocol::{BrandId, BusinessHours, ThreadId};
use futures_util::{StreamExt, TryStreamExt};
use std::cell::RefCell;
use std::collections::HashMap;
use worker::js_sys::{self, Array, Object, Reflect};
use worker::wasm_bindgen::JsCast;
use worker::{Env, Response};

/// A brand's time zone read with the runtime's own zone data (`Intl.DateTimeFormat`), the
/// way the assistant reads its opening hours.
pub struct IntlZone {
    format: Option<js_sys::Intl::DateTimeFormat>,
}

impl IntlZone {
    /// The zone of `hours` (UTC with none). An unknown zone is a brand's error the
    /// settings' validation should have caught: it is read as UTC rather than failing.
    pub fn of(hours: Option<&BusinessHours>) -> Result<IntlZone, RelayError> {
        let Some(hours) = hours else {
            return Ok(IntlZone { format: None });
        };
        let intl = Reflect::get(&js_sys::global(), &"Intl".into()).map_err(js)?;
        let constructor: js_sys::Function = Reflect::get(&intl, &"DateTimeFormat".into())
            .map_err(js)?
            .dyn_into()
            .map_err(js)?;
        let options = Object::new();
        for (key, value) in [
            ("timeZone", hours.time_zone.as_str()),
            ("year", "numeric"),
            ("month", "numeric"),
            ("day", "numeric"),
            ("hour", "numeric"),
            ("minute", "numeric"),
            ("second", "numeric"),
            ("hourCycle", "h23"),
        ] {
            Reflect::set(&options, &key.into(), &value.into()).map_err(js)?;
        }
        // Constructed by reflection: an unknown zone throws, and is caught here.
        let format = Reflect::construct(&constructor, &Array::of2(&"en-US".into(), &options))
            .ok()
            .map(|format| format.unchecked_into());
        Ok(IntlZone { format })
    }
}

impl ZoneClock for IntlZone {
    fn offset_minutes(&self, at: u64) -> i32 {
        let Some(format) = &self.format else {
            return 0;
        };
        // The zone's clock at `at`, read field by field, taken as if it were UTC
        // (`Date.UTC`): the difference from `at` is the offset.
        let mut fields = [0u32; 6];
        for part in format
            .format_to_parts(&js_sys::Date::new(&(at as f64).into()))
            .iter()
        {
            let field = |name: &str| Reflect::get(&part, &name.into()).ok()?.as_string();
            let value = field("value").and_then(|value| value.parse::<u32>().ok());
            let slot = match field("type").as_deref() {
                Some("year") => 0,
                Some("month") => 1,
                Some("day") => 2,
                Some("hour") => 3,
                Some("minute") => 4,
                Some("second") => 5,
                _ => continue,
            };
            fields[slot] = value.unwrap_or(0);
        }
        let [year, month, day, hour, minute, second] = fields.map(f64::from);
        let local = js_sys::Date::utc(year, month - 1.0)
            + ((day - 1.0) * 86_400.0 + hour * 3_600.0 + minute * 60.0 + second) * 1_000.0;
        let utc = (at - at % 1_000) as f64;
        ((local - utc) / 60_000.0).round() as i32
    }
}

fn js(error: impl std::fmt::Debug) -> RelayError {
    internal(format!("Intl: {error:?}"))
}

/// `GET /v1/agent/insights?from=&to=`: the brand's report.
pub async fn report(
    env: &Env,
    brand: &Brand,
    query: &str,
    now: u64,
) -> Result<Response, RelayError> {
    let range = api::parse_report_query(query, now)?;
    let insights = insights(env, brand, range, now).await?;
    http::json(&insights, 200)
}

async fn insights(
    env: &Env,
    brand: &Brand,
    range: api::Range,
    now: u64,
) -> Result<Insights, RelayError> {
    let query = InsightsQuery {
        range,
        now,
        hours: brand.settings.business_hours.clone(),
    };
    ask(env, &brand.id, &InboxCall::Insights { query }).await
}

/// `GET /v1/agent/insights/export?what=&format=&from=&to=&cursor=&limit=`: the metrics, or
/// a page of the conversations (the next page's cursor in the JSON, or in the `Link`-free
/// `X-Next-Cursor` header of a CSV page): as CSV their figures, as JSON their figures and
/// messages; or, as `what=messages`, the same page's messages one per CSV row.
pub async fn export(
    env: &Env,
    brand: &Brand,
    query: &str,
    now: u64,
) -> Result<Response, RelayError> {
    let export = api::parse_export_query(query, now)?;
    if export.what == What::Metrics {
        let insights = insights(env, brand, export.range, now).await?;
        return match export.format {
            Format::Json => http::json(&insights, 200),
            Format::Csv => csv(metrics_csv(&insights)?, "insights-metrics.csv", None),
        };
    }
    let call = InboxCall::Export {
        range: export.range,
        cursor: export.cursor.clone(),
        limit: export.limit,
    };
    let page: Page = ask(env, &brand.id, &call).await?;
    if !export.with_messages() {
        return csv(
            conversations_csv(page.conversations.iter())?,
            "insights-conversations.csv",
            page.cursor.as_deref(),
        );
    }
    let page = with_messages(env, &brand.id, page).await?;
    match export.format {
        Format::Json => http::json(&page, 200),
        Format::Csv => csv(
            messages_csv(&page.conversations)?,
            "insights-messages.csv",
            page.cursor.as_deref(),
        ),
    }
}

/// How many threads' objects one export page reads at once.
const THREADS_AT_ONCE: usize = 8;

/// `page`'s conversations with their messages, each read from its thread's object (a few
/// at a time, in the page's order); a thread erased since the roll-up listed it is left
/// out, and the listing's cursor kept, so paging goes on past it.
async fn with_messages(
    env: &Env,
    brand: &BrandId,
    page: Page,
) -> Result<ConversationPage, RelayError> {
    let conversations: Vec<Option<Conversation>> =
        futures_util::stream::iter(page.conversations.into_iter().map(|figures| async move {
            let messages = messages(env, brand, &figures.thread).await?;
            Ok::<_, RelayError>(messages.map(|messages| Conversation { figures, messages }))
        }))
        .buffered(THREADS_AT_ONCE)
        .try_collect()
        .await?;
    Ok(ConversationPage {
        conversations: conversations.into_iter().flatten().collect(),
        cursor: page.cursor,
    })
}

/// Every message of `thread`, through the agent API's read ([`MESSAGES_PER_CALL`] a call,
/// so one call for most threads); `None` if the thread is erased or unknown to its object.
async fn messages(
    env: &Env,
    brand: &BrandId,
    thread: &ThreadId,
) -> Result<Option<Vec<ExportedMessage>>, RelayError> {
    let mut messages = Vec::new();
    let mut after = 0;
    loop {
        let page = PageRequest {
            after,
            limit: MESSAGES_PER_CALL,
        };
        let view = match thread::agent_view(env, brand, thread, page).await {
            Ok(view) => view,
            Err(RelayError::ThreadErased | RelayError::Refused { status: 404, .. }) => {
                return Ok(None)
            }
            Err(error) => return Err(error),
        };
        messages.extend(view.messages.iter().map(ExportedMessage::of));
        match (view.has_more, view.messages.last()) {
            (true, Some(last)) => after = last.seq.0,
            _ => return Ok(Some(messages)),
        }
    }
}

/// A CSV download, with the next page's cursor if more follow.
fn csv(body: String, name: &str, cursor: Option<&str>) -> Result<Response, RelayError> {
    let response = Response::ok(body).map_err(internal)?;
    let headers = response.headers();
    headers
        .set("Content-Type", "text/csv; charset=utf-8")
        .map_err(internal)?;
    headers
        .set(
            "Content-Disposition",
            &format!("attachment; filename=\"{name}\""),
        )
        .map_err(internal)?;
    if let Some(cursor) = cursor {
        headers.set("X-Next-Cursor", cursor).map_err(internal)?;
    }
    Ok(response)
}

/// Whether the seeding route exists: only where `CONFAB_ENV` says `development` (local runs
/// and tests), never by default.
pub fn seeding_allowed(env: &Env) -> bool {
    env.var("CONFAB_ENV")
        .is_ok_and(|value| value.to_string() == "development")
}

/// `POST /v1/admin/brands/{brand}/insights/seed` (admin secret; development relays only,
/// checked by the caller): ThreadFigures rows into the brand's roll-up, as the queue would
/// put them.
pub async fn seed(
    env: &Env,
    brand: &BrandId,
    figures: Vec<ThreadFigures>,
) -> Result<Response, RelayError> {
    let count: usize = ask(env, brand, &InboxCall::Seed { figures }).await?;
    http::json(&serde_json::json!({ "seeded": count }), 200)
}

/// How long a brand's expected reply time is reused by an isolate.
const EXPECTED_CACHE_MS: u64 = 10 * 60 * 1_000;

thread_local! {
    static EXPECTED: RefCell<HashMap<String, (u64, Option<u32>)>> = RefCell::new(HashMap::new());
}

/// The brand's "usually replies within" minutes for the widget's profile, when the brand
/// shows it: asked of its `Inbox` object at most every 10 minutes per isolate; a failure
/// leaves it out (the profile matters more than the figure).
pub async fn expected_reply_minutes(env: &Env, brand: &Brand, now: u64) -> Option<u32> {
    if !brand.settings.show_expected_reply {
        return None;
    }
    let cached = EXPECTED.with(|cache| {
        cache
            .borrow()
            .get(brand.id.as_str())
            .filter(|(at, _)| now.saturating_sub(*at) < EXPECTED_CACHE_MS)
            .map(|(_, minutes)| *minutes)
    });
    if let Some(minutes) = cached {
        return minutes;
    }
    let call = InboxCall::ExpectedReply {
        now,
        hours: brand.settings.business_hours.clone(),
    };
    match ask::<Option<u32>>(env, &brand.id, &call).await {
        Ok(minutes) => {
            EXPECTED.with(|cache| {
                cache
                    .borrow_mut()
                    .insert(brand.id.as_str().to_owned(), (now, minutes))
            });
            minutes
        }
        Err(error) => {
            worker::console_error!("expected reply of {}: {error}", brand.id);
            None
        }
    }
}
