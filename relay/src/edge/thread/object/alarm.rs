//! The object's one alarm, and erasure: overdue delivery jobs go out again, and a thread
//! idle for its brand's retention period is erased, leaving a tombstone.

use super::sockets::send;
use super::{now, Outcome, Thread};
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

    /// The alarm: overdue jobs go out again; the thread is erased if it has been idle for
    /// the retention period, or the alarm is set for when it will have been.
    pub(super) async fn wake(&self) -> Outcome<()> {
        self.ensure_schema()?;
        if self.is_erased()? {
            return Ok(());
        }
        self.recover_outbox().await?;
        self.outbox_recovered.set(true);
        if let Some(next) = self.next_lease_end()? {
            self.arm(next).await?;
        }
        let last_activity = self
            .number("SELECT MAX(created_at) AS value FROM messages", None)?
            .unwrap_or(0);
        let policy = self.policy()?;
        if now() >= last_activity.saturating_add(policy.retention_ms) {
            self.erase().await
        } else {
            self.schedule_expiry(last_activity).await
        }
    }

    /// Erases everything the thread holds, closes its sockets, and leaves a tombstone so
    /// that its id can never be used again. The D1 directory forgets it too.
    pub(super) async fn erase(&self) -> Outcome<()> {
        let thread = self.policy().ok().map(|policy| policy.thread);
        for socket in self.state.get_websockets() {
            send(&socket, &ServerFrame::Erased);
            let _ = socket.close(Some(4410), Some("erased"));
        }
        let storage = self.state.storage();
        storage.delete_alarm().await.map_err(internal)?;
        self.alarm_at.set(0);
        storage.delete_all().await.map_err(internal)?;
        self.schema_ready.set(false);
        *self.policy.borrow_mut() = None;
        *self.bucket.borrow_mut() = None;
        *self.whatsapp.borrow_mut() = None;
        self.ensure_schema()?;
        self.set_meta("erased", &now().to_string())?;
        self.erased.set(Some(true));
        if let Some(thread) = thread {
            crate::edge::brands::forget_thread(&self.env, &thread).await?;
        }
        Ok(())
    }
}
