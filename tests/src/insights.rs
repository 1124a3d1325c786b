//! Insights through the relay's API for tests: the report and the exports of the agent
//! API, the development relay's seeding route, and a bounded wait for the report to show
//! what the queue has told the brand's `Inbox` object; and every page of a paged export,
//! followed cursor by cursor ([`csv_pages`], [`json_pages`]).

use crate::api::Api;
use crate::relay::TEST_ADMIN_SECRET;
use confab_protocol::insights::Insights;
use confab_relay::insights::ThreadFigures;
use serde_json::Value;

/// An export's answer: status, `Content-Type`, `Content-Disposition`, `X-Next-Cursor` and
/// body text.
#[derive(Debug)]
pub struct Export {
    /// The HTTP status.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: String,
    /// `Content-Disposition`, if any.
    pub disposition: Option<String>,
    /// `X-Next-Cursor`, if any (CSV pages).
    pub next_cursor: Option<String>,
    /// The body.
    pub body: String,
}

/// `GET /v1/agent/insights?from=&to=` with `key`: the status and the JSON answer.
pub async fn report(api: &Api, key: &str, from: u64, to: u64) -> (u16, Value) {
    api.agent_get(key, &format!("/v1/agent/insights?from={from}&to={to}"))
        .await
}

/// The report once `ready` says it shows what is expected: the queue tells the brand's
/// object after each batch, so the test polls (bounded) rather than sleeps.
pub async fn wait_for_report(
    api: &Api,
    key: &str,
    (from, to): (u64, u64),
    what: &str,
    ready: impl Fn(&Insights) -> bool,
) -> Insights {
    crate::eventually(30, || async {
        let (status, body) = report(api, key, from, to).await;
        if status != 200 {
            return Err(format!("the report answered {status}: {body}"));
        }
        let insights: Insights =
            serde_json::from_value(body.clone()).map_err(|error| error.to_string())?;
        match ready(&insights) {
            true => Ok(insights),
            false => Err(format!("waiting for {what}; the report says {body}")),
        }
    })
    .await
}

/// `GET /v1/agent/insights/export?{query}` with `key`.
pub async fn export(api: &Api, key: &str, query: &str) -> Export {
    let response = api
        .http
        .get(api.url(&format!("/v1/agent/insights/export?{query}")))
        .bearer_auth(key)
        .send()
        .await
        .expect("the relay answers");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    let (status, content_type, disposition, next_cursor) = (
        response.status().as_u16(),
        header("content-type").unwrap_or_default(),
        header("content-disposition"),
        header("x-next-cursor"),
    );
    Export {
        status,
        content_type,
        disposition,
        next_cursor,
        body: response.text().await.expect("a body"),
    }
}

/// `POST /v1/admin/brands/{brand}/insights/seed` of `figures`, with `secret`: the status
/// and the JSON answer.
pub async fn seed_with(
    api: &Api,
    brand: &str,
    secret: &str,
    figures: &[ThreadFigures],
) -> (u16, Value) {
    let response = api
        .http
        .post(api.url(&format!("/v1/admin/brands/{brand}/insights/seed")))
        .bearer_auth(secret)
        .json(figures)
        .send()
        .await
        .expect("the relay answers");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Seeds `figures` into `brand`'s roll-up with the admin secret; panics unless taken.
pub async fn seed(api: &Api, brand: &str, figures: &[ThreadFigures]) {
    let (status, body) = seed_with(api, brand, TEST_ADMIN_SECRET, figures).await;
    assert_eq!(status, 200, "seeding: {body}");
    assert_eq!(body["seeded"], figures.len());
}

/// Every page of the export `query` (without `cursor`), each handed to `take`, which gives
/// the next page's cursor (none: the last page); gives how many pages it took. Panics on an
/// answer other than 200 and past `max_pages`.
async fn follow_pages(
    api: &Api,
    key: &str,
    query: &str,
    max_pages: usize,
    mut take: impl FnMut(Export) -> Option<String>,
) -> usize {
    let mut pages = 0;
    let mut cursor: Option<String> = None;
    loop {
        let mut page_query = query.to_owned();
        if let Some(cursor) = &cursor {
            page_query.push_str(&format!("&cursor={cursor}"));
        }
        let page = export(api, key, &page_query).await;
        assert_eq!(page.status, 200, "{page_query}: {}", page.body);
        pages += 1;
        assert!(pages <= max_pages, "{query}: paging ends");
        match take(page) {
            Some(next) => cursor = Some(next),
            None => return pages,
        }
    }
}

/// Every page of the CSV export `query` (without `cursor`), following `X-Next-Cursor`:
/// the header, every row (read with the `csv` crate) and how many pages it took. Panics on
/// an answer other than 200 or a header that changes, and past `max_pages`.
pub async fn csv_pages(
    api: &Api,
    key: &str,
    query: &str,
    max_pages: usize,
) -> (Vec<String>, Vec<Vec<String>>, usize) {
    let (mut header, mut rows) = (None, Vec::new());
    let pages = follow_pages(api, key, query, max_pages, |page| {
        let mut reader = csv::Reader::from_reader(page.body.as_bytes());
        let names: Vec<String> = reader
            .headers()
            .expect("a CSV header")
            .iter()
            .map(str::to_owned)
            .collect();
        assert_eq!(header.get_or_insert_with(|| names.clone()), &names);
        for record in reader.records() {
            let record = record.expect("a CSV record");
            rows.push(record.iter().map(str::to_owned).collect());
        }
        page.next_cursor
    })
    .await;
    (header.unwrap_or_default(), rows, pages)
}

/// Every conversation of the JSON export `query` (without `cursor`), following the pages'
/// `cursor`, and how many pages it took. Panics on an answer other than 200 and past
/// `max_pages`.
pub async fn json_pages(
    api: &Api,
    key: &str,
    query: &str,
    max_pages: usize,
) -> (Vec<Value>, usize) {
    let mut conversations = Vec::new();
    let pages = follow_pages(api, key, query, max_pages, |page| {
        let page: Value = serde_json::from_str(&page.body).expect("a JSON page");
        conversations.extend(
            page["conversations"]
                .as_array()
                .expect("conversations")
                .clone(),
        );
        page["cursor"].as_str().map(str::to_owned)
    })
    .await;
    (conversations, pages)
}
