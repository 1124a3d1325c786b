//! The price of a step at Cloudflare's list prices, and the capacity table for a day of
//! 100 million messages drawn from what one message was measured to cost.

use super::{figure, Cost};
use confab_relay::meter::Use;

/// List prices (USD per unit, Workers Paid, past the monthly inclusions) of what the
/// meter counts, from Cloudflare's pricing pages: Workers requests $0.30/M; Durable Object
/// requests $0.15/M, incoming WebSocket messages billed 20 to a request; SQLite-backed
/// objects' and D1's rows read $0.001/M and written $1.00/M; a queue message is three
/// operations (write, read, delete: one each per 64 KB) at $0.40/M; R2 class A $4.50/M,
/// class B $0.36/M. Duration, CPU time and storage are not counted here.
pub const PRICES: [(Use, f64); 10] = [
    (Use::WorkerRequests, 0.30e-6),
    (Use::ObjectRequests, 0.15e-6),
    (Use::SocketMessagesIn, 0.15e-6 / 20.0),
    (Use::SqliteRowsRead, 0.001e-6),
    (Use::SqliteRowsWritten, 1.00e-6),
    (Use::D1RowsRead, 0.001e-6),
    (Use::D1RowsWritten, 1.00e-6),
    (Use::QueueMessagesOut, 3.0 * 0.40e-6),
    (Use::R2ClassA, 4.50e-6),
    (Use::R2ClassB, 0.36e-6),
];

impl Cost {
    /// What a million units (messages or sessions) cost at [`PRICES`], in USD.
    pub fn dollars_per_million(&self) -> f64 {
        PRICES
            .iter()
            .map(|(what, price)| self.per_unit(*what) * price * 1e6)
            .sum()
    }
}

/// The day the capacity table is drawn for: 10 million visitors (each one session) and
/// 100 million messages, the peak hour at five times the average rate.
pub const DAY_MESSAGES: f64 = 100e6;
/// Visitors (sessions) a day.
pub const DAY_SESSIONS: f64 = 10e6;
/// The peak's factor over the day's average rate.
pub const PEAK: f64 = 5.0;

/// One resource that limits throughput: the measured use per message, scaled to the day's
/// peak, against its published limit.
struct Limit {
    what: &'static str,
    per_message: f64,
    limit: f64,
    limit_text: &'static str,
    remedy: &'static str,
}

/// The capacity table for [`DAY_MESSAGES`] at [`PEAK`], from the measured cost of a
/// `message` (the day's typical one) and of a `session`'s start: for each resource that
/// caps throughput, the peak rate, its limit and the design that removes it, then the
/// day's bill at list prices.
pub fn capacity_markdown(message: &Cost, session: &Cost) -> String {
    let peak = DAY_MESSAGES / 86_400.0 * PEAK;
    let d1_queries = message.per_unit(Use::D1Queries);
    let limits = [
        Limit {
            what: "queue messages (one queue)",
            per_message: message.per_unit(Use::QueueMessagesOut),
            limit: 5_000.0,
            limit_text: "5,000 messages/s per queue",
            remedy: "shard the outbound queue by brand (N queues, one consumer each); built: no",
        },
        Limit {
            what: "D1 statements (one database, one writer)",
            per_message: d1_queries,
            limit: 1_000.0,
            limit_text: "one writer; ~1,000 statements/s at ~1 ms each",
            remedy: "the inbox's list and search move to the brand's Inbox object (its SQLite), as the Insights roll-up did; D1 keeps brands, keys and links only; built: roll-ups yes, list and search no",
        },
        Limit {
            what: "Durable Object requests (all objects)",
            per_message: message.per_unit(Use::ObjectRequests)
                + message.per_unit(Use::SocketMessagesIn),
            limit: f64::INFINITY,
            limit_text: "~1,000 requests/s per object; objects are unlimited",
            remedy: "spread by design: a thread's object sees its own messages only; a brand's Inbox object one call per queue batch",
        },
    ];
    let mut md = format!(
        "For {:.0} million messages and {:.0} million visitors a day, the peak at {PEAK:.0}× the average: {peak:.0} messages/s. Each message as measured: {}.\n\n| resource | per message | at the peak | limit | share of the limit | what removes it |\n|---|---:|---:|---|---:|---|\n",
        DAY_MESSAGES / 1e6,
        DAY_SESSIONS / 1e6,
        message.what
    );
    for limit in &limits {
        let at_peak = limit.per_message * peak;
        let share = match limit.limit.is_finite() {
            true => format!("{:.1}×", at_peak / limit.limit),
            false => "—".into(),
        };
        md += &format!(
            "| {} | {} | {at_peak:.0}/s | {} | {share} | {} |\n",
            limit.what,
            figure(limit.per_message),
            limit.limit_text,
            limit.remedy
        );
    }
    let messages = message.dollars_per_million() * DAY_MESSAGES / 1e6;
    let sessions = session.dollars_per_million() * DAY_SESSIONS / 1e6;
    md += &format!(
        "\nThe day's bill at list prices (requests, rows, queue operations; not duration, CPU or storage): messages ${messages:.0}, sessions ${sessions:.0}, in all ${:.0} a day (${:.2} per million messages, sessions included).\n",
        messages + sessions,
        (messages + sessions) / (DAY_MESSAGES / 1e6)
    );
    md
}

#[cfg(test)]
mod tests {
    use super::super::tests::cost;
    use super::*;

    #[test]
    fn draws_the_capacity_table() {
        let mut message = cost(1, 0, 5);
        message
            .usage
            .insert(Use::QueueMessagesOut.name().to_string(), 1);
        message.usage.insert(Use::D1Queries.name().to_string(), 2);
        let session = cost(1, 0, 3);
        let table = capacity_markdown(&message, &session);
        // 100 M a day at 5× is 5,787/s: 1 queue message each is 1.2× one queue's limit,
        // 2 D1 statements each 11.6× one writer's.
        assert!(
            table.contains("| 5787/s | 5,000 messages/s per queue | 1.2× |"),
            "{table}"
        );
        assert!(table.contains("| 11574/s |"), "{table}");
        assert!(table.contains("11.6×"), "{table}");
        // 5 rows written + 1 queue message = $6.20 a million; 10 M sessions at $3 a million.
        assert!(
            table.contains("messages $620, sessions $30, in all $650 a day"),
            "{table}"
        );
    }

    #[test]
    fn prices_a_million() {
        // Per message: 2.5 SQLite rows read (0.0025 ¢), 1.5 D1 rows written ($1.50 a
        // million), and 1 queue message ($1.20 a million).
        let mut cost = cost(4, 10, 6);
        cost.usage
            .insert(Use::QueueMessagesOut.name().to_string(), 4);
        let dollars = cost.dollars_per_million();
        assert!(
            (dollars - (2.5 * 0.001 + 1.5 + 1.2)).abs() < 1e-9,
            "{dollars}"
        );
        assert!(super::super::markdown(&[cost]).contains("| 2.70 |"));
    }
}
