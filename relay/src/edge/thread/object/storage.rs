//! The thread's SQLite tables, and its `meta` rows (the thread's facts other than its
//! messages and jobs: the brand's policy, the counts, the figures, the listing's state…).
//!
//! An object wakes often: every message that comes after a pause finds a new instance. So
//! a new instance pays as little as it can before its first answer: one statement tells
//! whether the thread's tables exist, and one reads every `meta` row (the version of the
//! tables they were made with among them). The tables are only made or altered when that
//! version is not this build's. Every write of `meta` goes through this instance
//! ([`Thread::set_meta`], [`Thread::delete_meta`]), so the copy in memory stays true.

use super::{internal, Outcome, Thread};
use crate::error::RelayError;
use worker::SqlStorageValue;

/// The thread's tables, as a new thread gets them.
const SCHEMA: [&str; 7] = [
    super::lanes::OUTBOX_SCHEMA,
    super::assistant::SOURCES_SCHEMA,
    super::uploads::UPLOADS_SCHEMA,
    super::links::LINK_CODES_SCHEMA,
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS tickets (ticket TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS messages (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        client_id TEXT NOT NULL UNIQUE,
        author TEXT NOT NULL,
        channel TEXT NOT NULL,
        text TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        status TEXT NOT NULL,
        failure TEXT,
        sender TEXT,
        attachments TEXT,
        replies TEXT
    )",
];

/// Added to `messages` after its first version: threads created before have the table
/// without it, and get it once ([`Thread::ensure_schema`]).
const ADD_SENDER: &str = "ALTER TABLE messages ADD COLUMN sender TEXT";

/// Added to `messages` with attachments (a JSON array of the message's files), once.
const ADD_ATTACHMENTS: &str = "ALTER TABLE messages ADD COLUMN attachments TEXT";

/// Added to `messages` with quick replies (a JSON array of strings), once.
const ADD_REPLIES: &str = "ALTER TABLE messages ADD COLUMN replies TEXT";

/// The version of the tables that [`SCHEMA`] and the columns added since make, kept in
/// `meta` under [`SCHEMA_KEY`]. Raise it with every change to them: an instance that finds
/// another version (or none: a thread from before it was kept) runs them all once.
const SCHEMA_VERSION: &str = "4";

/// Where [`SCHEMA_VERSION`] is kept in `meta`.
const SCHEMA_KEY: &str = "schema";

impl Thread {
    /// Opens storage for a call that needs the thread to exist already; never creates it
    /// (only [`ThreadCall::Init`] does), so a call for an id no session made writes nothing.
    ///
    /// [`ThreadCall::Init`]: super::ThreadCall::Init
    pub(super) fn open_existing(&self) -> Outcome<()> {
        if self.schema_ready.get() {
            return Ok(());
        }
        if !self.has_tables()? {
            return Err(RelayError::NotFound("thread".into()));
        }
        self.prepare(true)
    }

    /// Makes the thread's tables if they are not there yet, or brings them up to date.
    pub(super) fn ensure_schema(&self) -> Outcome<()> {
        if self.schema_ready.get() {
            return Ok(());
        }
        let existing = self.has_tables()?;
        self.prepare(existing)
    }

    /// Whether the thread has its tables (its `meta` table stands for them all).
    fn has_tables(&self) -> Outcome<bool> {
        let tables = self.number(
            "SELECT COUNT(*) AS value FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
            None,
        )?;
        Ok(tables == Some(1))
    }

    /// Reads every `meta` row of a thread whose tables exist (`existing`), then makes or
    /// alters the tables unless they are at [`SCHEMA_VERSION`].
    fn prepare(&self, existing: bool) -> Outcome<()> {
        if existing {
            self.load_meta()?;
            if self.meta(SCHEMA_KEY)?.as_deref() == Some(SCHEMA_VERSION) {
                self.schema_ready.set(true);
                return Ok(());
            }
        }
        for statement in SCHEMA {
            self.sql.exec(statement, None).map_err(internal)?;
        }
        // Threads from before a column was added: their table gains it, once.
        for (column, add) in [
            ("sender TEXT", ADD_SENDER),
            ("attachments TEXT", ADD_ATTACHMENTS),
            ("replies TEXT", ADD_REPLIES),
        ] {
            let has_column = self.number(
                "SELECT COUNT(*) AS value FROM sqlite_master WHERE type = 'table' \
                 AND name = 'messages' AND sql LIKE ?",
                vec![SqlStorageValue::from(format!("%{column}%"))],
            )?;
            if has_column != Some(1) {
                self.sql.exec(add, None).map_err(internal)?;
            }
        }
        // An existing thread's `meta` was read above; a new thread's was made just now,
        // empty: either way, memory holds every row.
        self.meta_loaded.set(true);
        self.set_meta(SCHEMA_KEY, SCHEMA_VERSION)?;
        self.schema_ready.set(true);
        Ok(())
    }

    /// Reads every `meta` row into memory, in one statement.
    fn load_meta(&self) -> Outcome<()> {
        #[derive(serde::Deserialize)]
        struct Row {
            key: String,
            value: String,
        }
        let rows: Vec<Row> = self.rows("SELECT key, value FROM meta", None)?;
        let mut cache = self.meta_cache.borrow_mut();
        for Row { key, value } in rows {
            cache.insert(key, Some(value));
        }
        self.meta_loaded.set(true);
        Ok(())
    }

    /// Whether the thread was erased (read once per instance, not once per message).
    pub(super) fn is_erased(&self) -> Outcome<bool> {
        if let Some(erased) = self.erased.get() {
            return Ok(erased);
        }
        let erased = self.meta("erased")?.is_some();
        self.erased.set(Some(erased));
        Ok(erased)
    }

    /// The `meta` row `key`, if there is one: from memory once the rows are loaded
    /// ([`Thread::ensure_schema`] loads them all with one statement).
    pub(super) fn meta(&self, key: &str) -> Outcome<Option<String>> {
        #[derive(serde::Deserialize)]
        struct Row {
            value: String,
        }
        if let Some(known) = self.meta_cache.borrow().get(key) {
            return Ok(known.clone());
        }
        if self.meta_loaded.get() {
            return Ok(None);
        }
        let mut rows: Vec<Row> = self.rows(
            "SELECT value FROM meta WHERE key = ?",
            vec![SqlStorageValue::from(key.to_string())],
        )?;
        let value = rows.pop().map(|row| row.value);
        self.meta_cache
            .borrow_mut()
            .insert(key.to_string(), value.clone());
        Ok(value)
    }

    /// Deletes the `meta` row `key`, if there is one.
    pub(super) fn delete_meta(&self, key: &str) -> Outcome<()> {
        self.sql
            .exec(
                "DELETE FROM meta WHERE key = ?",
                vec![SqlStorageValue::from(key.to_string())],
            )
            .map_err(internal)?;
        self.meta_cache.borrow_mut().insert(key.to_string(), None);
        Ok(())
    }

    /// The JSON value kept in `meta` under `key`, if there is one that reads as a `T`.
    pub(super) fn meta_json<T: serde::de::DeserializeOwned>(
        &self,
        key: &str,
    ) -> Outcome<Option<T>> {
        Ok(self
            .meta(key)?
            .and_then(|json| serde_json::from_str(&json).ok()))
    }

    /// Keeps `value` as JSON in `meta` under `key`.
    pub(super) fn set_meta_json<T: serde::Serialize + ?Sized>(
        &self,
        key: &str,
        value: &T,
    ) -> Outcome<()> {
        self.set_meta(key, &serde_json::to_string(value).map_err(internal)?)
    }

    pub(super) fn set_meta(&self, key: &str, value: &str) -> Outcome<()> {
        self.sql
            .exec(
                "INSERT INTO meta (key, value) VALUES (?, ?) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                vec![
                    SqlStorageValue::from(key.to_string()),
                    SqlStorageValue::from(value.to_string()),
                ],
            )
            .map_err(internal)?;
        self.meta_cache
            .borrow_mut()
            .insert(key.to_string(), Some(value.to_string()));
        Ok(())
    }
}
