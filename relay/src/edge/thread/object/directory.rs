//! The thread's side of its directory entries in D1: each change to a fact D1 derives from
//! the thread ([`Fact`]) joins the outbox's `directory` lane in the commit of its cause, and
//! the queue's consumer writes it to D1 until D1 has taken it.

use super::{internal, Outcome, Thread};
use crate::delivery::{Lane, Target};
use crate::directory::Fact;
use serde::Deserialize;

impl Thread {
    /// Puts a fact in the outbox; returns its lane, to [`Thread::pump`]. A listing that is
    /// still waiting its turn is replaced by the newer one instead of being followed by it
    /// (the list shows only the latest), so a busy thread sends one listing per round trip
    /// to D1, not one per message. Synchronous, so that the fact commits with its cause.
    pub(super) fn add_fact(&self, fact: Fact) -> Outcome<String> {
        #[derive(Deserialize)]
        struct Waiting {
            id: String,
            job: String,
        }
        let waiting: Vec<Waiting> = self.rows(
            "SELECT id, job FROM outbox WHERE lane = ? AND leased_until IS NULL",
            vec![Lane::Directory.as_str().into()],
        )?;
        for row in waiting {
            let Ok(mut job) = serde_json::from_str::<crate::delivery::Job>(&row.job) else {
                continue;
            };
            let replaced = match &job.target {
                Target::Directory { fact: old } => old.superseded_by(&fact),
                _ => false,
            };
            if replaced {
                // A listing replacing a waiting one carries its texts on for the search.
                let fact = match (&job.target, fact) {
                    (
                        Target::Directory {
                            fact: Fact::Listed(old),
                        },
                        Fact::Listed(new),
                    ) => Fact::Listed(new.replacing(old)),
                    (_, fact) => fact,
                };
                job.target = Target::Directory { fact };
                self.sql
                    .exec(
                        "UPDATE outbox SET job = ? WHERE id = ?",
                        vec![
                            serde_json::to_string(&job).map_err(internal)?.into(),
                            row.id.into(),
                        ],
                    )
                    .map_err(internal)?;
                return Ok(Lane::Directory.as_str().to_string());
            }
        }
        self.add_job(Target::Directory { fact }, None)
    }
}
