//! The thread's files: which uploads it holds (their metadata; the bytes are in the R2
//! bucket `FILES`), which of them a message has taken, fresh links on every message it
//! serves, and the deletion of the bytes of uploads never sent and of an erased thread.

use super::{now, sql_int, Outcome, Thread};
use crate::attachment::{object_key, DEFAULT_UNUSED_SECONDS};
use crate::edge::files;
use crate::edge::http::internal;
use crate::edge::thread::UploadRecord;
use crate::error::RelayError;
use confab_protocol::{Attachment, AttachmentId, Message, Seq};
use worker::SqlStorageValue;

/// The uploads of the thread: each file's metadata as JSON, when it was uploaded, and the
/// message that took it (`NULL` while unsent).
pub(super) const UPLOADS_SCHEMA: &str = "CREATE TABLE IF NOT EXISTS uploads (
    id TEXT PRIMARY KEY,
    attachment TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    message_seq INTEGER
)";

impl Thread {
    /// Records a stored file (the Worker has checked it); the alarm deletes it if no message
    /// takes it in time.
    pub(super) async fn record_upload(&self, record: UploadRecord) -> Outcome<()> {
        if self.policy()?.brand != record.brand {
            return Err(RelayError::NotFound("thread".into()));
        }
        if record.by_visitor {
            self.take_send_budget()?;
        }
        let now = now();
        let mut attachment = record.attachment;
        attachment.url = None;
        self.sql
            .exec(
                "INSERT INTO uploads (id, attachment, created_at) VALUES (?, ?, ?) \
                 ON CONFLICT (id) DO NOTHING",
                vec![
                    SqlStorageValue::from(attachment.id.to_string()),
                    SqlStorageValue::from(serde_json::to_string(&attachment).map_err(internal)?),
                    sql_int(now)?,
                ],
            )
            .map_err(internal)?;
        self.arm(now.saturating_add(self.unused_ms())).await
    }

    /// How long an unsent upload is kept (`UPLOAD_UNUSED_SECONDS`), in ms.
    fn unused_ms(&self) -> u64 {
        files::setting(&self.env, "UPLOAD_UNUSED_SECONDS", DEFAULT_UNUSED_SECONDS)
            .saturating_mul(1000)
    }

    /// The unsent uploads `ids` names, in its order; an id that is not one of them (or is
    /// named twice) is [`RelayError::UnknownAttachment`].
    pub(super) fn unsent_uploads(&self, ids: &[AttachmentId]) -> Outcome<Vec<Attachment>> {
        #[derive(serde::Deserialize)]
        struct Row {
            attachment: String,
        }
        let mut found = Vec::with_capacity(ids.len());
        for (index, id) in ids.iter().enumerate() {
            let unknown = || RelayError::UnknownAttachment(id.to_string());
            if ids[..index].contains(id) {
                return Err(unknown());
            }
            let rows: Vec<Row> = self.rows(
                "SELECT attachment FROM uploads WHERE id = ? AND message_seq IS NULL",
                vec![SqlStorageValue::from(id.to_string())],
            )?;
            let row = rows.into_iter().next().ok_or_else(unknown)?;
            found.push(serde_json::from_str(&row.attachment).map_err(internal)?);
        }
        Ok(found)
    }

    /// Marks uploads as taken by the message `seq`.
    pub(super) fn mark_sent(&self, attachments: &[Attachment], seq: Seq) -> Outcome<()> {
        for attachment in attachments {
            self.sql
                .exec(
                    "UPDATE uploads SET message_seq = ? WHERE id = ?",
                    vec![
                        sql_int(seq.0)?,
                        SqlStorageValue::from(attachment.id.to_string()),
                    ],
                )
                .map_err(internal)?;
        }
        Ok(())
    }

    /// Gives the message's files fresh relay-relative links, to serve it.
    pub(super) fn with_links(&self, mut message: Message) -> Message {
        if message.attachments.is_empty() {
            return message;
        }
        let thread = self.policy().map(|policy| policy.thread);
        match (files::links(&self.env), thread) {
            (Ok(links), Ok(thread)) => links.fill(&mut message, &thread, now() / 1000, ""),
            (Err(error), _) | (_, Err(error)) => {
                worker::console_error!("file links: {error}");
            }
        }
        message
    }

    /// Deletes unsent uploads older than `UPLOAD_UNUSED_SECONDS` (their bytes first), and
    /// sets the alarm for the next one.
    pub(super) async fn sweep_uploads(&self) -> Outcome<()> {
        #[derive(serde::Deserialize)]
        struct Row {
            id: String,
        }
        let unused = self.unused_ms();
        let due_before = now().saturating_sub(unused);
        let stale: Vec<Row> = self.rows(
            "SELECT id FROM uploads WHERE message_seq IS NULL AND created_at <= ?",
            vec![sql_int(due_before)?],
        )?;
        if !stale.is_empty() {
            let thread = self.policy()?.thread;
            let keys: Vec<String> = stale
                .iter()
                .map(|row| object_key(&thread, &AttachmentId::new(row.id.clone())))
                .collect();
            files::bucket(&self.env)?
                .delete_multiple(keys)
                .await
                .map_err(internal)?;
            for row in stale {
                self.sql
                    .exec(
                        "DELETE FROM uploads WHERE id = ?",
                        vec![SqlStorageValue::from(row.id)],
                    )
                    .map_err(internal)?;
            }
        }
        let next = self.number(
            "SELECT MIN(created_at) AS value FROM uploads WHERE message_seq IS NULL",
            None,
        )?;
        match next {
            Some(created_at) => self.arm(created_at.saturating_add(unused)).await,
            None => Ok(()),
        }
    }
}
