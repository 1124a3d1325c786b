//! What counting a message for Insights (issue 19) adds to a send: the thread object reads
//! its `ThreadFigures` from `meta` (JSON), observes the message and writes them back, in the
//! message's own commit. Timed here on the relay's own code, natively in release (workerd
//! runs the same code as wasm, somewhat slower); the SQLite write is one more `meta` row in
//! a commit the message makes anyway, and D1 is not written at all.

use confab_protocol::{Author, Channel, ThreadId};
use confab_relay::insights::{Event, ThreadFigures, KEPT_REPLIES};
use serde::Serialize;
use std::time::Instant;

/// The CPU a message's counting costs, by how much the thread's figures already hold.
#[derive(Clone, Debug, Serialize)]
pub struct CountingCost {
    /// Answered runs the figures already keep.
    pub kept_replies: usize,
    /// The figures' stored size then (bytes of JSON in `meta`).
    pub stored_bytes: usize,
    /// Read, observe and write back, per message (µs).
    pub micros_per_message: f64,
}

const MINUTE: u64 = 60_000;

fn message(author: Author, at: u64) -> Event<'static> {
    Event::Message {
        author,
        channel: Channel::Web,
        at,
    }
}

/// Times `rounds` messages on threads that keep 0, 20 and the cap of answered runs.
pub fn measure(rounds: u64) -> Vec<CountingCost> {
    [0, 20, KEPT_REPLIES]
        .into_iter()
        .map(|kept_replies| {
            let mut figures = ThreadFigures::new(ThreadId::new("bench"), 0, Some("/"), None);
            for run in 0..kept_replies as u64 {
                figures.observe(message(Author::Visitor, run * MINUTE));
                figures.observe(message(Author::Agent, run * MINUTE + 1_000));
            }
            let mut meta = serde_json::to_string(&figures).expect("figures serialise");
            let stored_bytes = meta.len();
            let started = Instant::now();
            for round in 0..rounds {
                let mut figures: ThreadFigures =
                    serde_json::from_str(&meta).expect("figures read back");
                figures.observe(message(Author::Visitor, 1_000 * MINUTE + round));
                meta = serde_json::to_string(&figures).expect("figures serialise");
            }
            CountingCost {
                kept_replies,
                stored_bytes,
                micros_per_message: started.elapsed().as_secs_f64() * 1e6 / rounds as f64,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_each_size_of_figures() {
        let costs = measure(10);
        let kept: Vec<usize> = costs.iter().map(|cost| cost.kept_replies).collect();
        assert_eq!(kept, [0, 20, KEPT_REPLIES]);
        // The figures grow with the replies they keep.
        assert!(costs
            .windows(2)
            .all(|w| w[0].stored_bytes < w[1].stored_bytes));
        assert!(costs.iter().all(|cost| cost.micros_per_message > 0.0));
    }
}
