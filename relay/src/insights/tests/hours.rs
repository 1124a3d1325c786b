//! Business time in a brand's hours, and the expected reply time built on it.

use super::*;
use crate::insights::business::Opening;
use crate::insights::report::friendly_minutes;

#[test]
fn business_time_between_two_instants() {
    let d = cst;
    let zone = FixedOffset(8 * 60);
    let week = Opening::of(Some(&weekdays("Asia/Shanghai", "09:00", "18:00")));
    let span = |day, open: &str, close: &str| OpeningSpan {
        day,
        open: open.into(),
        close: close.into(),
    };
    let overlapping = Opening::of(Some(&BusinessHours {
        time_zone: "Asia/Shanghai".into(),
        weekly: vec![
            span(2, "11:00", "14:00"),
            span(2, "09:00", "12:00"),
            span(2, "14:00", "15:00"),
            span(2, "9:00", "23:00"),
            span(9, "09:00", "23:00"),
        ],
    }));
    let weekend = Opening::of(Some(&BusinessHours {
        time_zone: "Asia/Shanghai".into(),
        weekly: vec![span(6, "00:00", "24:00"), span(7, "00:00", "24:00")],
    }));
    let never = Opening::of(Some(&BusinessHours {
        time_zone: "Asia/Shanghai".into(),
        weekly: vec![span(1, "18:00", "09:00")],
    }));
    let mut wrong = Vec::new();
    for (name, opening, from, to, expected) in [
        ("within a day", &week, d(0, 10, 0), d(0, 11, 0), 60),
        ("around a day", &week, d(0, 8, 0), d(0, 19, 0), 540),
        ("over a night", &week, d(0, 17, 0), d(1, 10, 0), 120),
        ("over a weekend", &week, d(4, 17, 0), d(7, 10, 0), 120),
        ("a whole week", &week, d(0, 0, 0), d(7, 0, 0), 45 * 60),
        (
            "two weeks and a bit",
            &week,
            d(0, 0, 0),
            d(14, 9, 30),
            90 * 60 + 30,
        ),
        ("backwards", &week, d(1, 10, 0), d(0, 10, 0), 0),
        ("no time", &week, d(0, 10, 0), d(0, 10, 0), 0),
        ("closed all along", &week, d(5, 10, 0), d(6, 20, 0), 0),
        (
            "merged spans, bad ones skipped",
            &overlapping,
            d(1, 0, 0),
            d(2, 0, 0),
            360,
        ),
        (
            "24:00 meets 00:00",
            &weekend,
            d(5, 12, 0),
            d(6, 12, 0),
            1440,
        ),
        ("never open", &never, d(0, 0, 0), d(7, 0, 0), 0),
        (
            "no hours: wall-clock",
            &Opening::Always,
            d(0, 10, 0),
            d(2, 11, 0),
            49 * 60,
        ),
    ] {
        let got = opening.between(&zone, from, to);
        if got != expected * M {
            wrong.push(format!("{name}: {} min, not {expected}", got / M));
        }
    }
    for (name, opening, from, amount, expected) in [
        (
            "24 business hours",
            &week,
            d(0, 10, 0),
            24 * 60,
            Some(d(2, 16, 0)),
        ),
        ("over a weekend", &week, d(4, 17, 0), 120, Some(d(7, 10, 0))),
        (
            "from the closing minute",
            &week,
            d(0, 18, 0),
            60,
            Some(d(1, 10, 0)),
        ),
        (
            "all of a week",
            &week,
            d(0, 9, 0),
            45 * 60,
            Some(d(4, 18, 0)),
        ),
        ("never open", &never, d(0, 10, 0), 60, None),
        (
            "no hours",
            &Opening::Always,
            d(0, 10, 0),
            24 * 60,
            Some(d(1, 10, 0)),
        ),
    ] {
        let got = opening.after(&zone, from, amount * M);
        if got != expected {
            wrong.push(format!("after, {name}: {got:?}, not {expected:?}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// A zone that moves from +1 to +2 at Sunday 2026-12-06 01:00 UTC (as a summer time
/// does): Monday's 09:00 is then 07:00 UTC, not 08:00.
struct Moving;

impl ZoneClock for Moving {
    fn offset_minutes(&self, at: u64) -> i32 {
        if at < clock(0, 6, 1, 0) {
            60
        } else {
            120
        }
    }
}

#[test]
fn business_time_follows_a_change_of_offset() {
    let hours = Opening::of(Some(&weekdays("Europe/Somewhere", "09:00", "17:00")));
    // Friday 16:00 local (+1) is 15:00 UTC: an hour on Friday, an hour on Monday from
    // 09:00 local (+2), 07:00 UTC.
    let friday = clock(1, 4, 16, 0);
    assert_eq!(hours.after(&Moving, friday, 2 * H), Some(clock(0, 7, 8, 0)));
    assert_eq!(hours.between(&Moving, friday, clock(0, 7, 8, 0)), 2 * H);
    assert_eq!(
        crate::insights::zone::local(&Moving, clock(0, 7, 7, 0)).minute,
        9 * 60
    );
}

#[test]
fn expected_reply_time_is_a_friendly_median_of_recent_team_first_replies() {
    let d = cst;
    let now = d(6, 22, 0);
    let hours = weekdays("Asia/Shanghai", "09:00", "18:00");
    let zone = FixedOffset(8 * 60);
    let thread = |name: &str, asked: u64, answer: Event<'static>| {
        let mut figures = ThreadFigures::new(ThreadId::new(name), asked, None, None);
        figures.observe(visitor(asked));
        figures.observe(answer);
        figures
    };
    // Business minutes 2, 4 (Monday 17:58 to Tuesday 09:02: 904 wall-clock), 9, 20, 45:
    // the median is 9, shown as 10. Wall-clock it would be 20 (30), and with the reply of
    // the week before (1 minute) 4 (5).
    let team = [
        thread("a", d(0, 10, 0), agent(d(0, 10, 2))),
        thread("b", d(0, 17, 58), agent(d(1, 9, 2))),
        thread("c", d(1, 10, 0), agent(d(1, 10, 9))),
        thread("d", d(2, 10, 0), agent(d(2, 10, 20))),
        thread("e", d(3, 10, 0), agent(d(3, 10, 45))),
    ];
    let others = [
        thread("old", d(-2, 10, 0), agent(d(-2, 10, 1))),
        thread("bot", d(3, 11, 0), bot(d(3, 11, 1))),
        ThreadFigures::new(ThreadId::new("silent"), d(3, 12, 0), None, None),
    ];
    let all: Vec<&ThreadFigures> = team.iter().chain(&others).collect();
    assert_eq!(
        expected_reply_minutes(all.iter().copied(), now, Some(&hours), &zone),
        Some(10)
    );
    assert_eq!(
        expected_reply_minutes(all.iter().copied(), now, None, &zone),
        Some(30)
    );
    // Four of the team's (the bot's answer does not count): too few.
    assert_eq!(
        expected_reply_minutes(all.iter().copied().skip(1), now, Some(&hours), &zone),
        None
    );
}

#[test]
fn friendly_steps() {
    let mut wrong = Vec::new();
    for (minutes, expected) in [
        (0, 5),
        (5, 5),
        (6, 10),
        (11, 15),
        (29, 30),
        (31, 60),
        (61, 120),
        (181, 240),
        (241, 480),
        (481, 1440),
        (1440, 1440),
        (1441, 2880),
    ] {
        let got = friendly_minutes(minutes);
        if got != expected {
            wrong.push(format!("{minutes}: {got}, not {expected}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn business_time_is_read_on_the_brands_clock_east_or_west() {
    let hours = Opening::of(Some(&weekdays("Somewhere", "09:00", "18:00")));
    let mut wrong = Vec::new();
    for east in [-10, -5, 0, 8, 13] {
        let zone = FixedOffset(east as i32 * 60);
        let at = |day, hour, minute| clock(east, day, hour, minute);
        for (name, from, to, expected) in [
            ("an opening", at(0, 8, 0), at(0, 10, 0), 60),
            ("a night", at(0, 17, 0), at(1, 10, 0), 120),
            ("a weekend", at(4, 17, 0), at(7, 10, 0), 120),
            ("a week", at(-3, 12, 0), at(4, 12, 0), 45 * 60),
        ] {
            let got = hours.between(&zone, from, to) / M;
            if got != expected {
                wrong.push(format!("{east:+}, {name}: {got} min, not {expected}"));
            }
        }
        let due = hours.after(&zone, at(4, 17, 0), 24 * H);
        if due != Some(at(9, 14, 0)) {
            wrong.push(format!(
                "{east:+}: 24 business hours from Friday 17:00 end {due:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
