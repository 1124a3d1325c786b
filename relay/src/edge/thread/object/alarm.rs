//! The object's one alarm, and erasure: overdue delivery jobs go out again, and a thread
//! idle for its brand's retention period is erased, leaving a tombstone.

use super::sockets::send;
use super::{now, Outcome, Thread};
use crate::delivery::Target;
use crate::directory::Fact;
use crate::edge::http::internal;
use confab_protocol::ServerFrame;

impl Thread {
    /// Makes sure the alarm goes off by `due` (ms): sets it, unless it is set earlier
    /// already (that alarm sets the next). Read from storage once per instance, so that a
    /// new instance never pushes back an alarm an earlier one set.
    pub(super) async fn arm(&self, due: u64) -> Outcome<()> {
        let storage = self.state.storage();
        if self.alarm_at.get() == 0 {
            let set = storage.get_alarm().await.map_err(internal)?;
            self.alarm_at
                .set(set.and_then(|at| u64::try_from(at).ok()).unwrap_or(0));
        }
        let current = self.alarm_at.get();
        if current != 0 && current <= due {
            return Ok(());
        }
        // An i64 alarm time is an offset from now, in milliseconds.
        let offset = i64::try_from(due.saturating_sub(now())).map_err(internal)?;
        storage.set_alarm(offset).await.map_err(internal)?;
        self.alarm_at.set(due);
        Ok(())
    }

    /// Makes sure the alarm goes off when the thread will have been idle for the
    /// retention period.
    pub(super) async fn schedule_expiry(&self, last_activity: u64) -> Outcome<()> {
        let due = last_activity.saturating_add(self.policy()?.retention_ms);
        self.arm(due).await
    }

    /// The alarm: overdue jobs go out again; the thread is erased if it has been idle (no
    /// session, no message) for the retention period, or the alarm is set for when it will
    /// have been. An erased thread only has its last facts for D1 left to send.
    pub(super) async fn wake(&self) -> Outcome<()> {
        if self.open_existing().is_err() {
            return Ok(());
        }
        self.recover_outbox().await?;
        self.outbox_recovered.set(true);
        if let Some(next) = self.next_lease_end()? {
            self.arm(next).await?;
        }
        if self.is_erased()? {
            return Ok(());
        }
        self.sweep_uploads().await?;
        let last_activity = self.last_activity()?;
        let policy = self.policy()?;
        if now() >= last_activity.saturating_add(policy.retention_ms) {
            self.erase().await
        } else {
            self.schedule_expiry(last_activity).await
        }
    }

    /// Erases everything the thread holds, closes its sockets, and leaves a tombstone so
    /// that its id can never be used again. Every table is emptied and the tombstone and
    /// the fact that makes D1 forget the thread are written in one commit (no `await`
    /// between them), so a crash leaves the thread whole or erased with D1 to follow.
    ///
    /// The thread's files are deleted from the bucket by a job of the same commit
    /// ([`Target::Files`]), retried until R2 has none left: the bytes never outlive the
    /// thread for longer than R2 is down.
    pub(super) async fn erase(&self) -> Outcome<()> {
        let listed = self.policy().is_ok();
        for socket in self.state.get_websockets() {
            send(&socket, &ServerFrame::Erased);
            let _ = socket.close(Some(4410), Some("erased"));
        }
        self.state
            .storage()
            .delete_alarm()
            .await
            .map_err(internal)?;
        self.alarm_at.set(0);
        #[derive(serde::Deserialize)]
        struct Table {
            name: String,
        }
        let tables: Vec<Table> = self.rows(
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'",
            None,
        )?;
        for Table { name } in tables {
            self.sql
                .exec(&format!("DELETE FROM \"{name}\""), None)
                .map_err(internal)?;
        }
        *self.bucket.borrow_mut() = None;
        *self.whatsapp.borrow_mut() = None;
        self.meta_cache.borrow_mut().clear();
        self.set_meta("erased", &now().to_string())?;
        self.erased.set(Some(true));
        // The policy is still cached here: the fact's job names the brand and thread.
        // Only a thread that was listed had a session, so only such a thread has files.
        let lanes = match listed {
            true => vec![
                self.add_fact(Fact::Forgotten)?,
                self.add_job(Target::Files, None)?,
            ],
            false => Vec::new(),
        };
        *self.policy.borrow_mut() = None;
        for lane in lanes {
            self.pump(&lane).await?;
        }
        Ok(())
    }
}
