//! Facts D1 derives from a thread ([`crate::directory`]), written by the consumer: one
//! batch (all or nothing) per fact; a failure is retried like any delivery, and never given
//! up, until D1 takes it.

use crate::connector::Delivery;
use crate::connector::FailureReason;
use crate::delivery::Job;
use crate::directory::Fact;
use crate::edge::d1::Db;

/// Writes `fact` of the job's thread to D1.
pub async fn write(env: &worker::Env, job: &Job, fact: &Fact) -> Delivery {
    let statements = fact.statements(&job.brand, &job.thread);
    let written = match Db::new(env) {
        Ok(db) => db.batch(&statements).await,
        Err(error) => Err(error),
    };
    match written {
        Ok(()) => Delivery::Delivered,
        Err(error) => Delivery::retry(FailureReason::ProviderUnavailable, format!("D1: {error}")),
    }
}
