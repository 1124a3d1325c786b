//! What the relay asks of the platform, counted: Worker invocations, Durable Object
//! requests, SQLite rows, D1 rows, queue messages, R2 operations, subrequests, socket frames
//! and their bytes. These are the units Cloudflare bills and limits by, so the bench reads
//! them (`GET /v1/admin/meter`, development relays only) to give what one message costs
//! instead of guessing it.
//!
//! The counts live in the Wasm instance, which the Worker and its objects share in one
//! isolate (as `wrangler dev` runs them); in production each isolate would count its own,
//! and nothing reads them there. Counting is a relaxed atomic add: nothing on a request's
//! path waits for it.

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use std::sync::atomic::{AtomicU64, Ordering};

/// One unit of platform use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Use {
    /// An HTTP request the Worker's `fetch` handler served.
    WorkerRequests,
    /// A batch the queue's consumer was called with.
    QueueBatches,
    /// A queue message the consumer received.
    QueueMessagesIn,
    /// An email the Worker's `email` handler received.
    EmailsIn,
    /// A request into a Durable Object (a thread, an inbox, the WeChat token keeper).
    ObjectRequests,
    /// A Durable Object instance started: a thread or an inbox brought into memory for its
    /// first event since it was created, evicted or hibernated (it then reads its state from
    /// storage once).
    ObjectStarts,
    /// An alarm that woke a Durable Object.
    ObjectAlarms,
    /// A WebSocket message an object received (billed as a twentieth of a request).
    SocketMessagesIn,
    /// A WebSocket frame an object sent.
    SocketFramesOut,
    /// The bytes of those frames.
    SocketBytesOut,
    /// A statement run on an object's SQLite storage.
    SqliteStatements,
    /// SQLite rows read (billed).
    SqliteRowsRead,
    /// SQLite rows written (billed).
    SqliteRowsWritten,
    /// A statement sent to D1.
    D1Queries,
    /// D1 rows read (billed).
    D1RowsRead,
    /// D1 rows written (billed).
    D1RowsWritten,
    /// A message put on a queue.
    QueueMessagesOut,
    /// The bytes of those messages.
    QueueBytesOut,
    /// An R2 class A operation (put, list).
    R2ClassA,
    /// An R2 class B operation (get, head).
    R2ClassB,
    /// An R2 delete (free, but counted).
    R2Deletes,
    /// An HTTP request the relay made to another service (Telegram, a webhook, push...).
    Subrequests,
    /// The body bytes of those requests.
    SubrequestBytesOut,
    /// An email the relay sent through the `send_email` binding.
    EmailsOut,
}

impl Use {
    /// Every unit, in the order the meter reports them.
    pub const ALL: [Use; 24] = [
        Use::WorkerRequests,
        Use::QueueBatches,
        Use::QueueMessagesIn,
        Use::EmailsIn,
        Use::ObjectRequests,
        Use::ObjectStarts,
        Use::ObjectAlarms,
        Use::SocketMessagesIn,
        Use::SocketFramesOut,
        Use::SocketBytesOut,
        Use::SqliteStatements,
        Use::SqliteRowsRead,
        Use::SqliteRowsWritten,
        Use::D1Queries,
        Use::D1RowsRead,
        Use::D1RowsWritten,
        Use::QueueMessagesOut,
        Use::QueueBytesOut,
        Use::R2ClassA,
        Use::R2ClassB,
        Use::R2Deletes,
        Use::Subrequests,
        Use::SubrequestBytesOut,
        Use::EmailsOut,
    ];

    /// Its name in the meter's JSON.
    pub fn name(self) -> &'static str {
        match self {
            Use::WorkerRequests => "workerRequests",
            Use::QueueBatches => "queueBatches",
            Use::QueueMessagesIn => "queueMessagesIn",
            Use::EmailsIn => "emailsIn",
            Use::ObjectRequests => "objectRequests",
            Use::ObjectStarts => "objectStarts",
            Use::ObjectAlarms => "objectAlarms",
            Use::SocketMessagesIn => "socketMessagesIn",
            Use::SocketFramesOut => "socketFramesOut",
            Use::SocketBytesOut => "socketBytesOut",
            Use::SqliteStatements => "sqliteStatements",
            Use::SqliteRowsRead => "sqliteRowsRead",
            Use::SqliteRowsWritten => "sqliteRowsWritten",
            Use::D1Queries => "d1Queries",
            Use::D1RowsRead => "d1RowsRead",
            Use::D1RowsWritten => "d1RowsWritten",
            Use::QueueMessagesOut => "queueMessagesOut",
            Use::QueueBytesOut => "queueBytesOut",
            Use::R2ClassA => "r2ClassA",
            Use::R2ClassB => "r2ClassB",
            Use::R2Deletes => "r2Deletes",
            Use::Subrequests => "subrequests",
            Use::SubrequestBytesOut => "subrequestBytesOut",
            Use::EmailsOut => "emailsOut",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

static COUNTS: [AtomicU64; Use::ALL.len()] = [const { AtomicU64::new(0) }; Use::ALL.len()];

/// Counts `amount` of `what`.
pub fn add(what: Use, amount: u64) {
    COUNTS[what.index()].fetch_add(amount, Ordering::Relaxed);
}

/// Counts one of `what`.
pub fn one(what: Use) {
    add(what, 1);
}

/// Counts a length or a number of rows (`usize`) of `what`.
pub fn amount(what: Use, amount: usize) {
    add(what, u64::try_from(amount).unwrap_or(u64::MAX));
}

/// Counts a WebSocket frame of `length` bytes sent.
pub fn frame(length: usize) {
    one(Use::SocketFramesOut);
    amount(Use::SocketBytesOut, length);
}

/// Counts a queue message of `length` bytes sent.
pub fn queued(length: usize) {
    one(Use::QueueMessagesOut);
    amount(Use::QueueBytesOut, length);
}

/// The counts so far; with `reset`, the meter starts again from zero (each count is taken
/// and zeroed at once, so nothing counted between two reads is lost).
pub fn read(reset: bool) -> Usage {
    let mut counts = [0; Use::ALL.len()];
    for what in Use::ALL {
        let counter = &COUNTS[what.index()];
        counts[what.index()] = match reset {
            true => counter.swap(0, Ordering::Relaxed),
            false => counter.load(Ordering::Relaxed),
        };
    }
    Usage { counts }
}

/// A reading of the meter: one count per [`Use`], as a JSON object by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Usage {
    counts: [u64; Use::ALL.len()],
}

impl Usage {
    /// The count of `what`.
    pub fn get(&self, what: Use) -> u64 {
        self.counts[what.index()]
    }
}

impl Serialize for Usage {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(Use::ALL.len()))?;
        for what in Use::ALL {
            map.serialize_entry(what.name(), &self.get(what))?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_starts_again() {
        // One test owns the process-wide counters, so no other test races it.
        let _ = read(true);
        one(Use::ObjectRequests);
        add(Use::SqliteRowsWritten, 3);
        amount(Use::SocketBytesOut, 120);
        let first = read(false);
        assert_eq!(first.get(Use::ObjectRequests), 1);
        assert_eq!(first.get(Use::SqliteRowsWritten), 3);
        assert_eq!(first.get(Use::SocketBytesOut), 120);
        assert_eq!(first.get(Use::D1Queries), 0);
        let json = serde_json::to_value(&first).unwrap();
        assert_eq!(json["sqliteRowsWritten"], 3);
        assert_eq!(json.as_object().unwrap().len(), Use::ALL.len());
        assert_eq!(read(true), first);
        assert_eq!(read(false).get(Use::SqliteRowsWritten), 0);
    }

    #[test]
    fn every_unit_has_its_own_name_and_place() {
        let names: std::collections::BTreeSet<&str> = Use::ALL.iter().map(|u| u.name()).collect();
        assert_eq!(names.len(), Use::ALL.len());
        for (place, what) in Use::ALL.iter().enumerate() {
            assert_eq!(what.index(), place, "{what:?}");
        }
    }
}
