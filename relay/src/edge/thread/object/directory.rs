//! The thread's side of its directory entries in D1: each change to a fact D1 derives from
//! the thread ([`Fact`]) joins the outbox's `directory` lane in the commit of its cause, and
//! the queue's consumer writes it to D1 until D1 has taken it, one at a time in the
//! thread's order. (Listings join the lane when it is their turn: see `summary.rs`.)

use super::{Outcome, Thread};
use crate::delivery::Target;
use crate::directory::Fact;

impl Thread {
    /// Puts a fact at the end of the directory lane; returns the lane, to
    /// [`Thread::pump`]. Synchronous, so that the fact commits with its cause.
    pub(super) fn add_fact(&self, fact: Fact) -> Outcome<String> {
        self.add_job(Target::Directory { fact }, None)
    }
}
