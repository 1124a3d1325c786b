//! The brand's Insights roll-up in the `Inbox` object's own SQLite: one row per thread
//! (its id, the figures' version, when it started, the figures as JSON), the newest
//! version kept, and erased threads kept as a row without figures, so that a copy still on
//! its way when the thread was erased never brings it back. Reports read the rows of the
//! range and the period before it into a [`Rollup`] and run the pure report over them with
//! the runtime's `Intl` as the zone clock.

use super::{number, Inbox};
use crate::edge::http::internal;
use crate::edge::inbox::InsightsQuery;
use crate::edge::insights::IntlZone;
use crate::error::RelayError;
use crate::insights::api::{self, Cursor, Page, Range};
use crate::insights::{expected_reply_minutes, Insights, Query, Rollup, ThreadFigures};
use confab_protocol::{BusinessHours, ThreadId};
use worker::SqlStorageValue;

/// The roll-up's table: `figures` is NULL for an erased thread.
pub(super) const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS figures (thread TEXT PRIMARY KEY, \
     version INTEGER NOT NULL, started_at INTEGER NOT NULL, figures TEXT)";

/// The start-time index, for ranges and pages.
pub(super) const INDEX: &str =
    "CREATE INDEX IF NOT EXISTS figures_started ON figures (started_at, thread)";

/// How many page names a report lists before `other`.
const TOP_PAGES: usize = 10;
/// How many rating comments a report lists.
const COMMENTS: usize = 20;

#[derive(serde::Deserialize)]
struct Row {
    figures: String,
}

impl Inbox {
    /// Takes a thread's figures unless a copy as new or newer is kept, or it was erased.
    pub(super) fn offer(&self, figures: &ThreadFigures) -> Result<(), RelayError> {
        let json = serde_json::to_string(figures).map_err(internal)?;
        self.sql
            .exec(
                "INSERT INTO figures (thread, version, started_at, figures) VALUES (?, ?, ?, ?) \
                 ON CONFLICT (thread) DO UPDATE SET version = excluded.version, \
                 started_at = excluded.started_at, figures = excluded.figures \
                 WHERE figures.figures IS NOT NULL AND excluded.version > figures.version",
                vec![
                    SqlStorageValue::from(figures.thread.as_str().to_owned()),
                    number(figures.version)?,
                    number(figures.started_at)?,
                    SqlStorageValue::from(json),
                ],
            )
            .map_err(internal)?;
        Ok(())
    }

    /// Forgets an erased thread for good.
    pub(super) fn forget(&self, thread: &ThreadId) -> Result<(), RelayError> {
        self.sql
            .exec(
                "INSERT INTO figures (thread, version, started_at, figures) \
                 VALUES (?, 0, 0, NULL) ON CONFLICT (thread) DO UPDATE SET figures = NULL",
                vec![SqlStorageValue::from(thread.as_str().to_owned())],
            )
            .map_err(internal)?;
        Ok(())
    }

    /// The kept figures of threads started in `[from, to)`.
    fn started_in(&self, from: u64, to: u64) -> Result<Vec<ThreadFigures>, RelayError> {
        let rows: Vec<Row> = self
            .sql
            .exec(
                "SELECT figures FROM figures WHERE figures IS NOT NULL \
                 AND started_at >= ? AND started_at < ?",
                vec![number(from)?, number(to)?],
            )
            .and_then(|cursor| cursor.to_array())
            .map_err(internal)?;
        Ok(rows
            .into_iter()
            .filter_map(|row| serde_json::from_str(&row.figures).ok())
            .collect())
    }

    /// The report of `query`: the range and the period of equal length before it.
    pub(super) fn insights(&self, query: &InsightsQuery) -> Result<Insights, RelayError> {
        let Range { from, to } = query.range;
        let mut rollup = Rollup::new();
        for figures in self.started_in(from.saturating_sub(to - from), to)? {
            rollup.offer(figures);
        }
        let zone = IntlZone::of(query.hours.as_ref())?;
        let report = Query {
            from,
            to,
            now: query.now,
            hours: query.hours.as_ref(),
            top_pages: TOP_PAGES,
            comments: COMMENTS,
        };
        Ok(rollup.report(&report, &zone))
    }

    /// A page of the conversations started in `range`, after `cursor`.
    pub(super) fn export(
        &self,
        range: Range,
        cursor: Option<&Cursor>,
        limit: usize,
    ) -> Result<Page, RelayError> {
        // Only the page's rows and one more are read (by the start-time index); the pure
        // page sorts them again and says whether more follow.
        let (after, thread) = match cursor {
            Some(cursor) => (cursor.started_at, cursor.thread.as_str().to_owned()),
            None => (range.from, String::new()),
        };
        let rows: Vec<Row> = self
            .sql
            .exec(
                "SELECT figures FROM figures WHERE figures IS NOT NULL \
                 AND started_at >= ? AND started_at < ? \
                 AND (started_at > ? OR (started_at = ? AND thread > ?)) \
                 ORDER BY started_at, thread LIMIT ?",
                vec![
                    number(range.from)?,
                    number(range.to)?,
                    number(after)?,
                    number(after)?,
                    SqlStorageValue::from(thread),
                    number(u64::try_from(limit + 1).map_err(internal)?)?,
                ],
            )
            .and_then(|cursor| cursor.to_array())
            .map_err(internal)?;
        let rows = rows
            .into_iter()
            .filter_map(|row| serde_json::from_str(&row.figures).ok());
        Ok(api::page(rows, range, cursor, limit))
    }

    /// "Usually replies within …": from the first replies of the last weeks.
    pub(super) fn expected_reply(
        &self,
        now: u64,
        hours: Option<&BusinessHours>,
    ) -> Result<Option<u32>, RelayError> {
        // A first reply answers a thread started before it; 60 days back is more than the
        // window (`EXPECTED_WINDOW_MS`) plus any wait the figures count.
        let since = now.saturating_sub(60 * crate::insights::zone::DAY_MS);
        let threads = self.started_in(since, now.saturating_add(1))?;
        let zone = IntlZone::of(hours)?;
        Ok(expected_reply_minutes(threads.iter(), now, hours, &zone))
    }
}
