//! What counting adds to a send, measured natively (ignored by default; run with
//! `cargo test -p confab-relay --release -- --ignored --nocapture cost`): the object reads
//! its figures from `meta` (JSON), observes the message, and writes them back. The SQLite
//! write itself is the object's, measured by the e2e bench; this is the CPU around it.
//! It prints, and asserts only that the figures were counted (no timed assertion).

use super::*;
use std::time::Instant;

/// A thread after `answered` runs of a visitor message and a team reply.
fn grown(answered: u64) -> String {
    let mut figures = ThreadFigures::new(ThreadId::new("t"), 0, Some("/p"), Some("en"));
    for run in 0..answered {
        figures.observe(visitor(run * M));
        figures.observe(agent(run * M + 1000));
    }
    serde_json::to_string(&figures).unwrap()
}

#[test]
#[ignore]
fn cost_of_counting_a_message() {
    for answered in [0, 20, KEPT_REPLIES as u64] {
        let mut meta = grown(answered);
        let rounds = 20_000u64;
        let started = Instant::now();
        for round in 0..rounds {
            let mut figures: ThreadFigures = serde_json::from_str(&meta).unwrap();
            figures.observe(visitor(10 * D + round));
            meta = serde_json::to_string(&figures).unwrap();
        }
        let each = started.elapsed().as_nanos() / u128::from(rounds);
        println!(
            "observe + meta JSON round trip, {answered} replies kept ({} bytes): {each} ns",
            meta.len()
        );
        let figures: ThreadFigures = serde_json::from_str(&meta).unwrap();
        assert_eq!(figures.version, 2 * answered + rounds);
    }
}
