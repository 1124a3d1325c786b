//! Facts D1 derives from a thread ([`crate::directory`]), written by the consumer: one
//! batch (all or nothing) per fact; a failure is retried like any delivery, and never given
//! up, until D1 takes it. A listing written is news for the brand's inbox
//! ([`InboxNews`]), told once the batch is done; an erasure is told to it before the fact
//! is done ([`crate::edge::inbox::forget`]).

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
            match fact {
                Fact::Listed(listing) => news.add(
                    &job.brand,
                    listing.summary(&job.thread),
                    listing.figures.as_deref().cloned(),
                ),
                // The brand's Insights forget an erased thread before the fact is done (a
                // retry writes the idempotent batch again).
                Fact::Forgotten => {
                    if let Err(error) =
                        crate::edge::inbox::forget(env, &job.brand, &job.thread).await
                    {
                        return Delivery::retry(
                            FailureReason::ProviderUnavailable,
                            format!("the inbox: {error}"),
                        );
                    }
                }
                _ => {}
            }
            Delivery::Delivered
        }
        Err(error) => Delivery::retry(FailureReason::ProviderUnavailable, format!("D1: {error}")),
    }
}
