//! Facts D1 derives from a thread ([`crate::directory`]), written by the consumer: one
//! batch (all or nothing) per fact; a failure is retried like any delivery, and never given
//! up, until D1 takes it. A listing written is news for the brand's inbox
//! ([`InboxNews`]), told once the batch is done.

use crate::connector::Delivery;
use crate::connector::FailureReason;
use crate::delivery::Job;
use crate::directory::Fact;
use crate::edge::d1::Db;
use crate::edge::inbox::InboxNews;

/// Writes `fact` of the job's thread to D1.
pub async fn write(env: &worker::Env, job: &Job, fact: &Fact, news: &InboxNews) -> Delivery {
    let statements = fact.statements(&job.brand, &job.thread);
    let written = match Db::new(env) {
        Ok(db) => db.batch(&statements).await,
        Err(error) => Err(error),
    };
    match written {
        Ok(()) => {
            if let Fact::Listed(listing) = fact {
                news.add(&job.brand, listing.summary(&job.thread));
            }
            Delivery::Delivered
        }
        Err(error) => Delivery::retry(FailureReason::ProviderUnavailable, format!("D1: {error}")),
    }
}
