//! The thread's link codes: single-use codes that carry the thread onto WhatsApp or into
//! another browser. The object owns them (made, counted and spent here, one call at a time,
//! so a code is spent once however many redeem it together); D1's `link_codes` is only the
//! index from a code to its thread, and a spent code leaves it as a derived fact.

use super::{internal, now, sql_int, Outcome, Thread};
use crate::directory::Fact;
use crate::edge::thread::NewLink;
use crate::error::RelayError;
use worker::SqlStorageValue;

/// The thread's live codes.
pub(super) const LINK_CODES_SCHEMA: &str = "CREATE TABLE IF NOT EXISTS link_codes (
    code TEXT PRIMARY KEY,
    purpose TEXT NOT NULL,
    expires_at INTEGER NOT NULL
)";

/// Live codes a thread may have at once: a visitor needs one or two; more is a script.
pub const MAX_LIVE_CODES: u64 = 5;

impl Thread {
    /// Keeps a new code, unless the thread has [`MAX_LIVE_CODES`] live ones already
    /// (429 until the oldest expires). Expired codes are forgotten first.
    pub(super) fn keep_link_code(&self, link: &NewLink) -> Outcome<()> {
        let now = now();
        self.sql
            .exec(
                "DELETE FROM link_codes WHERE expires_at <= ?",
                vec![sql_int(now)?],
            )
            .map_err(internal)?;
        let live = self
            .number("SELECT COUNT(*) AS value FROM link_codes", None)?
            .unwrap_or(0);
        if live >= MAX_LIVE_CODES {
            let first_expiry = self
                .number("SELECT MIN(expires_at) AS value FROM link_codes", None)?
                .unwrap_or(now);
            return Err(RelayError::RateLimited {
                retry_after: first_expiry.saturating_sub(now).div_ceil(1000).max(1),
            });
        }
        self.sql
            .exec(
                "INSERT INTO link_codes (code, purpose, expires_at) VALUES (?, ?, ?)",
                vec![
                    SqlStorageValue::from(link.code.clone()),
                    SqlStorageValue::from(link.purpose.clone()),
                    sql_int(link.expires_at)?,
                ],
            )
            .map_err(internal)?;
        Ok(())
    }

    /// Spends a live code of `purpose`: true once, false for an unknown, spent or expired
    /// one. Spending it removes its index entry in D1 (a fact in the same commit).
    pub(super) fn spend_code(&self, code: &str, purpose: &str) -> Outcome<Option<String>> {
        let spent: Vec<serde_json::Value> = self.rows(
            "DELETE FROM link_codes WHERE code = ? AND purpose = ? AND expires_at > ? \
             RETURNING code",
            vec![
                SqlStorageValue::from(code.to_string()),
                SqlStorageValue::from(purpose.to_string()),
                sql_int(now())?,
            ],
        )?;
        if spent.is_empty() {
            return Ok(None);
        }
        self.add_fact(Fact::CodeSpent {
            code: code.to_string(),
        })
        .map(Some)
    }

    /// A device link: the code is spent, or the call refused.
    pub(super) async fn redeem_device_code(&self, code: &str) -> Outcome<()> {
        let lane = self
            .spend_code(code, "device")?
            .ok_or(RelayError::InvalidLinkCode)?;
        self.pump(&lane).await
    }
}
