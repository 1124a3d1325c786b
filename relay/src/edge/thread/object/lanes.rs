//! The thread's outbox: every delivery job waits in the object's `outbox` table until it is
//! settled. Jobs for Telegram and for the visitor's WhatsApp go through ordered lanes
//! ([`crate::delivery::Lane`]), one at a time, in the thread's order; any other job has a
//! lane of its own. The consumer claims a job before each attempt and settles it after;
//! settling the last attempt puts the lane's next job on the queue.
//!
//! A job the thread has not heard of within its lease (a queue that lost it, a consumer
//! that died) is put on the queue again as a new generation, by the object's alarm; an older
//! copy that turns up later fails its claim and is dropped, so nothing is delivered twice
//! for it.

use super::{internal, now, sql_int, Outcome, Thread};
use crate::delivery::{lease_for, Job, Lane, LANE_LEASE_MS};
use crate::directory::Fact;
use crate::edge::outbound::enqueue;
use crate::edge::thread::{Buried, LaneClaim, LaneSettled, StatusChange};
use confab_protocol::DeliveryStatus;
use serde::Deserialize;
use worker::SqlStorageValue;

/// The outbox: jobs of the lanes, in the thread's order. `leased_until` is set while the
/// job is on the queue (or being attempted), null while it waits its turn.
pub(super) const OUTBOX_SCHEMA: &str = "CREATE TABLE IF NOT EXISTS outbox (
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    lane TEXT NOT NULL,
    job TEXT NOT NULL,
    generation INTEGER NOT NULL DEFAULT 0,
    leased_until INTEGER
)";

#[derive(Deserialize)]
struct Row {
    id: String,
    job: String,
    generation: u32,
    /// Until when the job is out (only where the query asks for it).
    #[serde(default)]
    leased_until: Option<u64>,
}

impl Thread {
    /// Adds a job at the end of its lane (to be sent by [`Thread::pump`]).
    pub(super) fn add_to_outbox(&self, job: &Job) -> Outcome<()> {
        let lane = job.lane();
        self.sql
            .exec(
                "INSERT INTO outbox (id, lane, job) VALUES (?, ?, ?)",
                vec![
                    job.id.clone().into(),
                    lane.as_str().into(),
                    serde_json::to_string(job).map_err(internal)?.into(),
                ],
            )
            .map_err(internal)?;
        Ok(())
    }

    /// Puts the lane's first job on the queue, unless it is out already. (The job out is
    /// always its lane's first: only the first is sent, and a job leaves only when settled.)
    /// The directory lane, once free, takes the thread's listing if one is due.
    pub(super) async fn pump(&self, lane: &str) -> Outcome<()> {
        let mut first = self.first_job(lane)?;
        if first.is_none() && lane == Lane::Directory.as_str() && self.list_if_due()? {
            first = self.first_job(lane)?;
        }
        match first {
            Some(row) if row.leased_until.is_none() => self.send_out(row).await,
            _ => Ok(()),
        }
    }

    /// The lane's first job, if it has one.
    fn first_job(&self, lane: &str) -> Outcome<Option<Row>> {
        let first: Vec<Row> = self.rows(
            "SELECT id, job, generation, leased_until FROM outbox WHERE lane = ? \
             ORDER BY position LIMIT 1",
            vec![lane.into()],
        )?;
        Ok(first.into_iter().next())
    }

    /// Sends a lane's job (as its row's generation) and leases it.
    async fn send_out(&self, row: Row) -> Outcome<()> {
        let mut job: Job = serde_json::from_str(&row.job).map_err(internal)?;
        job.generation = row.generation;
        let leased_until = now() + self.lease_ms(row.generation);
        // The alarm first, then the lease: an object that dies between them leaves a job
        // waiting, which the alarm sends ([`Thread::recover_outbox`]); a lease without an
        // alarm would hold the lane for good. Leased before it is sent: if sending fails,
        // the alarm sends it again.
        self.arm(leased_until).await?;
        self.lease(&row.id, row.generation, leased_until)?;
        enqueue(&self.env, &job, 0).await
    }

    fn lease(&self, id: &str, generation: u32, until: u64) -> Outcome<()> {
        self.sql
            .exec(
                "UPDATE outbox SET leased_until = ?, generation = ? WHERE id = ?",
                vec![sql_int(until)?, i64::from(generation).into(), id.into()],
            )
            .map_err(internal)?;
        Ok(())
    }

    /// A consumer is about to attempt a job: true if this copy is the one to deliver (then
    /// its lease runs anew), false if the job is settled or a newer copy is out.
    pub(super) async fn claim(&self, claim: &LaneClaim) -> Outcome<bool> {
        let until = now() + self.lease_ms(claim.generation);
        let current = self.lease_current(&claim.job_id, claim.generation, until)?;
        if current {
            self.arm(until).await?;
        }
        Ok(current)
    }

    /// What an attempt came to: to be tried again after a delay (the lease covers it), or
    /// finished, which moves the message's ticks and sends the lane's next job.
    pub(super) async fn settle(&self, settled: LaneSettled) -> Outcome<()> {
        if let Some(seconds) = settled.again_in_seconds {
            let until = now() + u64::from(seconds) * 1000 + self.lease_ms(settled.generation);
            if self.lease_current(&settled.job_id, settled.generation, until)? {
                self.arm(until).await?;
            }
            return Ok(());
        }
        let removed: Vec<serde_json::Value> = self.rows(
            "DELETE FROM outbox WHERE id = ? AND generation = ? RETURNING id",
            vec![
                settled.job_id.clone().into(),
                i64::from(settled.generation).into(),
            ],
        )?;
        if removed.is_empty() {
            return Ok(());
        }
        if let Some(change) = settled.status {
            self.change_status(change).await?;
        }
        self.pump(&settled.lane).await
    }

    /// A job given up (dead-lettered): it leaves the outbox if it is still there (a copy
    /// left waiting would be sent again after its message was shown failed), its message is
    /// marked failed if the job tracks that, and the operator's record joins the thread's
    /// facts for D1. An erased thread keeps no record of anything.
    pub(super) async fn bury(&self, buried: Buried) -> Outcome<()> {
        if self.is_erased()? {
            return Ok(());
        }
        #[derive(Deserialize)]
        struct Removed {
            lane: String,
        }
        let removed: Vec<Removed> = self.rows(
            "DELETE FROM outbox WHERE id = ? RETURNING lane",
            vec![buried.job.id.clone().into()],
        )?;
        let record = self.add_fact(Fact::DeadJob {
            job_id: buried.job.id.clone(),
            target: buried.target,
            reason: buried.reason.clone(),
            job: serde_json::to_string(&buried.job).map_err(internal)?,
            failed_at: now(),
        })?;
        if let Some(message) = buried
            .job
            .message
            .as_ref()
            .filter(|_| buried.job.tracks_failure())
        {
            let change = StatusChange {
                seq: message.seq,
                status: DeliveryStatus::Failed,
                failure: Some(buried.reason),
            };
            self.change_status(change).await?;
        }
        for Removed { lane } in removed {
            self.pump(&lane).await?;
        }
        self.pump(&record).await
    }

    /// After the alarm, or the first time an instance stores something: jobs whose lease
    /// ran out go on the queue again, and lanes with jobs waiting but none out (an object
    /// that died while sending) send their first.
    pub(super) async fn recover_outbox(&self) -> Outcome<()> {
        self.resend_overdue().await?;
        #[derive(Deserialize)]
        struct Idle {
            lane: String,
        }
        let idle: Vec<Idle> = self.rows(
            "SELECT DISTINCT lane FROM outbox WHERE lane NOT IN \
             (SELECT lane FROM outbox WHERE leased_until IS NOT NULL)",
            None,
        )?;
        for Idle { lane } in idle {
            self.pump(&lane).await?;
        }
        // A listing due on a lane that emptied without its turn (a job buried, say).
        self.pump(Lane::Directory.as_str()).await
    }

    /// Jobs whose lease ran out go on the queue again, as a new copy.
    async fn resend_overdue(&self) -> Outcome<()> {
        let overdue: Vec<Row> = self.rows(
            "SELECT id, job, generation FROM outbox WHERE leased_until <= ?",
            vec![sql_int(now())?],
        )?;
        for mut row in overdue {
            worker::console_warn!("job {} unheard of within its lease: sent again", row.id);
            row.generation = row.generation.saturating_add(1);
            self.send_out(row).await?;
        }
        Ok(())
    }

    /// When the next lease runs out, if a job is out.
    pub(super) fn next_lease_end(&self) -> Outcome<Option<u64>> {
        self.number("SELECT MIN(leased_until) AS value FROM outbox", None)
    }

    /// Leases the job's copy `generation` until `until` if it is the copy to deliver (the
    /// job is still in the outbox, and no newer copy went out): whether it was. One
    /// statement, so that the check and the lease cannot come apart.
    fn lease_current(&self, id: &str, generation: u32, until: u64) -> Outcome<bool> {
        let leased: Vec<serde_json::Value> = self.rows(
            "UPDATE outbox SET leased_until = ? WHERE id = ? AND generation = ? RETURNING id",
            vec![
                sql_int(until)?,
                id.into(),
                SqlStorageValue::from(i64::from(generation)),
            ],
        )?;
        Ok(!leased.is_empty())
    }

    /// The lease of a job's copy: it doubles with each copy, so that a queue that is only
    /// slow (a backlog longer than the lease) is not flooded with ever more copies.
    fn lease_ms(&self, generation: u32) -> u64 {
        let base = self
            .env
            .var("DELIVERY_LEASE_SECONDS")
            .ok()
            .and_then(|value| value.to_string().parse::<u64>().ok())
            .map_or(LANE_LEASE_MS, |seconds| seconds * 1000);
        lease_for(base, generation)
    }
}
