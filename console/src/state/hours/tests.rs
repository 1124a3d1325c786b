//! The business-hours edits, case by case: each a value before, an edit, and the JSON
//! after (the same shape the relay reads).

use super::*;
use serde_json::json;

#[test]
fn edits_write_the_same_json_shape() {
    let week = json!({"timeZone": "Asia/Shanghai", "weekly": [
        {"day": 1, "open": "09:00", "close": "12:00"},
        {"day": 1, "open": "13:00", "close": "18:00"},
        {"day": 3, "open": "09:00", "close": "17:00"},
    ]});
    let cases = [
        (
            "turning hours on gives a working week in the zone",
            None,
            HoursEdit::Enabled(true, "Europe/Paris".into()),
            json!({"timeZone": "Europe/Paris", "weekly": [
                {"day": 1, "open": "09:00", "close": "17:00"},
                {"day": 2, "open": "09:00", "close": "17:00"},
                {"day": 3, "open": "09:00", "close": "17:00"},
                {"day": 4, "open": "09:00", "close": "17:00"},
                {"day": 5, "open": "09:00", "close": "17:00"},
            ]}),
        ),
        (
            "turning them off removes the key",
            Some(week.clone()),
            HoursEdit::Enabled(false, String::new()),
            Value::Null,
        ),
        (
            "the zone",
            Some(week.clone()),
            HoursEdit::Zone("Asia/Tokyo".into()),
            json!({"timeZone": "Asia/Tokyo", "weekly": week["weekly"]}),
        ),
        (
            "closing a day removes its spans",
            Some(week.clone()),
            HoursEdit::Closed(1, true),
            json!({"timeZone": "Asia/Shanghai", "weekly": [
                {"day": 3, "open": "09:00", "close": "17:00"},
            ]}),
        ),
        (
            "opening a closed day gives it 09:00–17:00, in day order",
            Some(week.clone()),
            HoursEdit::Closed(2, false),
            json!({"timeZone": "Asia/Shanghai", "weekly": [
                {"day": 1, "open": "09:00", "close": "12:00"},
                {"day": 1, "open": "13:00", "close": "18:00"},
                {"day": 2, "open": "09:00", "close": "17:00"},
                {"day": 3, "open": "09:00", "close": "17:00"},
            ]}),
        ),
        (
            "the second span's closing time",
            Some(week.clone()),
            HoursEdit::Close(1, 1, "19:30".into()),
            json!({"timeZone": "Asia/Shanghai", "weekly": [
                {"day": 1, "open": "09:00", "close": "12:00"},
                {"day": 1, "open": "13:00", "close": "19:30"},
                {"day": 3, "open": "09:00", "close": "17:00"},
            ]}),
        ),
        (
            "a cleared time input changes nothing",
            Some(week.clone()),
            HoursEdit::Open(3, 0, String::new()),
            week.clone(),
        ),
        (
            "a second span starts where the first closes",
            Some(week.clone()),
            HoursEdit::AddSpan(3),
            json!({"timeZone": "Asia/Shanghai", "weekly": [
                {"day": 1, "open": "09:00", "close": "12:00"},
                {"day": 1, "open": "13:00", "close": "18:00"},
                {"day": 3, "open": "09:00", "close": "17:00"},
                {"day": 3, "open": "17:00", "close": "20:00"},
            ]}),
        ),
        (
            "removing the first of two spans",
            Some(week.clone()),
            HoursEdit::RemoveSpan(1, 0),
            json!({"timeZone": "Asia/Shanghai", "weekly": [
                {"day": 1, "open": "13:00", "close": "18:00"},
                {"day": 3, "open": "09:00", "close": "17:00"},
            ]}),
        ),
    ];
    for (name, before, edit, after) in cases {
        assert_eq!(apply(before.as_ref(), edit), after, "{name}");
    }
}

#[test]
fn a_day_offers_at_most_three_spans() {
    let mut value = apply(None, HoursEdit::Enabled(true, "UTC".into()));
    for _ in 0..5 {
        value = apply(Some(&value), HoursEdit::AddSpan(1));
    }
    let hours = read(Some(&value)).unwrap();
    assert_eq!(spans(&hours, 1).len(), MAX_SPANS);
    assert!(spans(&hours, 6).is_empty());
}
