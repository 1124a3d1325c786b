//! The CSV files, read back with the `csv` crate.

use super::*;
use crate::insights::export::{conversations_csv, metrics_csv, CONVERSATION_COLUMNS};
use std::collections::HashMap;

fn records(text: &str) -> Vec<Vec<String>> {
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|record| record.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

fn two_threads() -> Rollup {
    let d = cst;
    rollup(&[
        Seed {
            name: "rated",
            start: d(0, 10, 0),
            page: Some("/pricing?email=a@b.c"),
            language: Some("en"),
            events: vec![
                visitor_on(Channel::Whatsapp, d(0, 10, 0)),
                bot(d(0, 10, 1)),
                visitor(d(0, 10, 2)),
                handed(d(0, 10, 2), Handover::BotUnsure),
                agent(d(0, 10, 12)),
                Event::Resolved { at: d(0, 11, 0) },
                rated(d(0, 11, 1), 4, Some("Good, \"quick\"\nthanks")),
            ],
        },
        Seed {
            name: "earlier",
            start: d(-1, 10, 0),
            page: None,
            language: None,
            events: vec![],
        },
    ])
}

#[test]
fn conversations_one_row_each_earliest_first() {
    let text = conversations_csv(two_threads().threads()).unwrap();
    let header = csv::Reader::from_reader(text.as_bytes())
        .headers()
        .unwrap()
        .clone();
    assert_eq!(header.iter().collect::<Vec<_>>(), CONVERSATION_COLUMNS);
    let d = cst;
    let rated = [
        "rated".to_owned(),
        d(0, 10, 0).to_string(),
        "whatsapp".into(),
        "whatsapp web".into(),
        "en".into(),
        "/pricing".into(),
        d(0, 10, 0).to_string(),
        d(0, 10, 1).to_string(),
        "bot".into(),
        M.to_string(),
        "2".into(),
        d(0, 11, 0).to_string(),
        "0".into(),
        "4".into(),
        "Good, \"quick\"\nthanks".into(),
        "1".into(),
        "botUnsure".into(),
    ];
    let earlier = [
        "earlier".to_owned(),
        d(-1, 10, 0).to_string(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        "0".into(),
        String::new(),
        "0".into(),
        String::new(),
        String::new(),
        "0".into(),
        String::new(),
    ];
    assert_eq!(records(&text), vec![earlier.to_vec(), rated.to_vec()]);
}

#[test]
fn metrics_side_by_side_with_the_previous_period() {
    let hours = weekdays("Asia/Shanghai", "09:00", "18:00");
    let query = Query {
        from: cst(0, 0, 0),
        to: cst(7, 0, 0),
        now: cst(6, 22, 0),
        hours: Some(&hours),
        top_pages: 3,
        comments: 3,
    };
    let report = two_threads().report(&query, &FixedOffset(8 * 60));
    let text = metrics_csv(&report).unwrap();
    let rows: HashMap<String, (String, String)> = records(&text)
        .into_iter()
        .map(|row| (row[0].clone(), (row[1].clone(), row[2].clone())))
        .collect();
    let pair = |current: &str, previous: &str| Some((current.to_owned(), previous.to_owned()));
    let row = |name: &str| rows.get(name).cloned();
    assert_eq!(row("started"), pair("1", "1"));
    assert_eq!(row("withVisitorMessage"), pair("1", "0"));
    assert_eq!(row("answered"), pair("1", "0"));
    assert_eq!(row("firstReplyP50Ms"), pair(&M.to_string(), ""));
    assert_eq!(row("replyP90Ms"), pair(&(10 * M).to_string(), ""));
    assert_eq!(row("resolutionP50Ms"), pair(&H.to_string(), ""));
    assert_eq!(row("ratingAverage"), pair("4", ""));
    assert_eq!(row("rating:4"), pair("1", "0"));
    assert_eq!(row("channel:whatsapp"), pair("1", ""));
    assert_eq!(row("page:/pricing"), pair("1", ""));
    assert_eq!(row("handedOver:botUnsure"), pair("1", ""));
    assert_eq!(row("assistantAnswered"), pair("1", "0"));
    assert_eq!(row("weekHour:10"), pair("1", "0"));
    assert_eq!(row("weekHour:167"), pair("0", "0"));
    // The previous week held "earlier" (Sunday 10:00), where no one wrote.
    assert_eq!(row("weekHour:154"), pair("0", "1"));
    assert_eq!(row("language:und"), pair("", "1"));
    // Every row has a name, and no name twice.
    assert_eq!(rows.len(), records(&text).len());
}
