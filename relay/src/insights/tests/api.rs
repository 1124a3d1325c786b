//! The agent API's parameters and export pages.

use super::*;
use crate::insights::api::{
    page, parse_export_query, parse_report_query, Cursor, Format, Range, What, DEFAULT_LIMIT,
    MAX_LIMIT, MESSAGES_MAX_LIMIT,
};

#[test]
fn ranges_default_to_the_last_week_and_stay_within_a_year() {
    let now = MONDAY_UTC;
    assert_eq!(
        parse_report_query("", now).unwrap(),
        Range {
            from: now - 7 * D,
            to: now
        }
    );
    assert_eq!(
        parse_report_query(&format!("from={}", now), now).unwrap(),
        Range {
            from: now,
            to: now + 7 * D
        }
    );
    let year = format!("from={}&to={}", now - 366 * D, now);
    assert_eq!(parse_report_query(&year, now).unwrap().from, now - 366 * D);
    for bad in [
        format!("from={}&to={}", now - 366 * D - 1, now),
        format!("from={now}&to={now}"),
        "from=-5".into(),
        "to=+5".into(),
        "from=soon".into(),
    ] {
        assert!(parse_report_query(&bad, now).is_err(), "{bad}");
    }
}

#[test]
fn exports_name_what_and_how() {
    let query = parse_export_query("what=metrics", MONDAY_UTC).unwrap();
    assert_eq!(
        (query.what, query.format, query.limit, query.cursor),
        (What::Metrics, Format::Csv, DEFAULT_LIMIT, None)
    );
    let cursor = Cursor {
        started_at: 5,
        thread: ThreadId::new("t"),
    };
    let query = parse_export_query(
        &format!(
            "what=conversations&format=json&limit=2&cursor={}",
            cursor.encode()
        ),
        MONDAY_UTC,
    )
    .unwrap();
    assert_eq!(
        (query.what, query.format, query.limit, query.cursor),
        (What::Conversations, Format::Json, 2, Some(cursor))
    );
    for bad in [
        "",
        "what=people",
        "what=metrics&format=xml",
        "what=metrics&limit=0",
        "what=metrics&limit=5001",
        "what=metrics&cursor=%%",
        "what=messages&limit=51",
        "what=conversations&format=json&limit=51",
        "what=conversations&limit=-1",
    ] {
        assert!(parse_export_query(bad, MONDAY_UTC).is_err(), "{bad}");
    }
}

#[test]
fn pages_that_carry_messages_hold_fewer_conversations() {
    // (query, messages read from the threads, the page's conversations)
    let table = [
        ("what=conversations", false, DEFAULT_LIMIT),
        ("what=conversations&limit=5000", false, MAX_LIMIT),
        ("what=conversations&format=json", true, MESSAGES_MAX_LIMIT),
        ("what=conversations&format=json&limit=50", true, 50),
        ("what=messages", true, MESSAGES_MAX_LIMIT),
        ("what=messages&format=json&limit=3", true, 3),
        ("what=metrics&format=json", false, DEFAULT_LIMIT),
    ];
    for (query, with_messages, limit) in table {
        let export = parse_export_query(query, MONDAY_UTC).unwrap();
        assert_eq!(
            (export.with_messages(), export.limit),
            (with_messages, limit),
            "{query}"
        );
    }
    let query = parse_export_query("what=messages", MONDAY_UTC).unwrap();
    assert_eq!((query.what, query.format), (What::Messages, Format::Csv));
}

/// Threads at `(name, start)`.
fn started(threads: &[(&'static str, u64)]) -> Vec<ThreadFigures> {
    threads
        .iter()
        .map(|&(name, start)| ThreadFigures::new(ThreadId::new(name), start, None, None))
        .collect()
}

#[test]
fn pages_give_every_conversation_in_range_once_in_start_order() {
    // Out of order, two at the same instant (then by id), one before and one at the end.
    let threads = started(&[
        ("d", 40),
        ("b", 20),
        ("c", 20),
        ("a", 10),
        ("early", 9),
        ("e", 50),
        ("end", 100),
    ]);
    let range = Range { from: 10, to: 100 };
    let mut seen = Vec::new();
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let page = page(threads.clone(), range, cursor.as_ref(), 2);
        pages += 1;
        assert!(page.conversations.len() <= 2);
        seen.extend(
            page.conversations
                .iter()
                .map(|t| t.thread.as_str().to_owned()),
        );
        match page.cursor {
            Some(next) => cursor = Some(Cursor::decode(&next).unwrap()),
            None => break,
        }
        assert!(pages < 10, "paging ends");
    }
    assert_eq!(seen, ["a", "b", "c", "d", "e"]);
    assert_eq!(pages, 3);
    // A page that ends exactly at the last conversation says no more follow.
    let whole = page(threads, range, None, 5);
    assert_eq!((whole.conversations.len(), whole.cursor), (5, None));
}
