//! The report of seeded brands, every figure worked out by hand.

use super::*;
use confab_protocol::insights::{
    AssistantFigures, DayFigures, Figures, RatingComment, RatingFigures,
};
use confab_protocol::Timestamp;

/// A Shanghai brand's week, Monday 2026-11-30 to Sunday 2026-12-06 (+8), open Monday to
/// Friday 09:00–18:00, seen on Sunday at 22:00; and two threads of the week before, one
/// of the week before that, and one started the instant the range ends.
///
/// Waits in minutes, wall-clock / business (the hand workings the test checks):
/// - midnight (Mon 00:00): 30 / 0 (closed at night).
/// - web-team (Mon 10:00): 5 / 5, then a run of two messages from 10:10 answered at
///   10:30: 20 / 20; the relay's note at 10:01 is no answer. Resolved at 11:00 (60), rated
///   3 then 5 "Quick and kind" (the latest counts).
/// - never (Mon 10:30, de): no answer; 24 business hours run out Wed 16:30.
/// - evening (Mon 20:00, zh-CN): answered Tue 09:30: 810 / 30.
/// - bot (Tue 14:00): the bot answers 1 / 1 twice; the team takes over at 14:30 with
///   nothing waiting (no reply).
/// - rated-low (Tue 16:00, zh-CN): 45 / 45; resolved 17:00 (60); rated 2 "Too slow".
/// - handover (Wed 09:00): bot 1 / 1; the visitor asks for a person, the team answers
///   30 / 30; resolved 10:00, reopened by the visitor at 10:30, answered 15 / 15, resolved
///   again 11:00 (120 from the start); rated 4 without a comment.
/// - bot-unsure (Wed 20:00): bot 1 / 0 twice, hands over unsure, the visitor writes at
///   20:05 and the team answers Thu 09:05: 780 / 5.
/// - late (Thu 17:00): answered Fri 18:30: 1530 / 600 (Thu 60 + Fri 540): unanswered in
///   24 hours, answered within 24 business hours.
/// - whatsapp (Fri 11:00): first on WhatsApp 10 / 10, then on the web 2 / 2.
/// - weekend (Sat 10:00, zh-CN): no answer; 24 hours passed, 24 business hours not.
/// - silent (Sat 15:00): no message.
/// - waiting (Sun 21:00): no answer, 24 hours not passed.
fn shanghai() -> Vec<Seed> {
    let d = cst;
    vec![
        Seed {
            name: "midnight",
            start: d(0, 0, 0),
            page: None,
            language: None,
            events: vec![visitor(d(0, 0, 0)), agent(d(0, 0, 30))],
        },
        Seed {
            name: "web-team",
            start: d(0, 10, 0),
            page: Some("https://shop.example/pricing?utm=x"),
            language: Some("en"),
            events: vec![
                visitor(d(0, 10, 0)),
                Event::Message {
                    author: Author::System,
                    channel: Channel::Web,
                    at: d(0, 10, 1),
                },
                agent(d(0, 10, 5)),
                visitor(d(0, 10, 10)),
                visitor(d(0, 10, 12)),
                agent(d(0, 10, 30)),
                Event::Resolved { at: d(0, 11, 0) },
                rated(d(0, 11, 2), 3, Some("ok")),
                rated(d(0, 11, 5), 5, Some("Quick and kind")),
            ],
        },
        Seed {
            name: "never",
            start: d(0, 10, 30),
            page: Some("/checkout?cart=123&email=a@b.c"),
            language: Some("de"),
            events: vec![visitor(d(0, 10, 30))],
        },
        Seed {
            name: "evening",
            start: d(0, 20, 0),
            page: Some("/pricing"),
            language: Some("zh-CN"),
            events: vec![visitor(d(0, 20, 0)), agent(d(1, 9, 30))],
        },
        Seed {
            name: "bot",
            start: d(1, 14, 0),
            page: Some("/help"),
            language: Some("en"),
            events: vec![
                visitor(d(1, 14, 0)),
                bot(d(1, 14, 1)),
                visitor(d(1, 14, 5)),
                bot(d(1, 14, 6)),
                handed(d(1, 14, 30), Handover::TeamTookOver),
                agent(d(1, 14, 30)),
            ],
        },
        Seed {
            name: "rated-low",
            start: d(1, 16, 0),
            page: Some("/pricing"),
            language: Some("zh-CN"),
            events: vec![
                visitor(d(1, 16, 0)),
                agent(d(1, 16, 45)),
                Event::Resolved { at: d(1, 17, 0) },
                rated(d(1, 17, 30), 2, Some("Too slow")),
            ],
        },
        Seed {
            name: "handover",
            start: d(2, 9, 0),
            page: Some("/help#faq"),
            language: Some("en"),
            events: vec![
                visitor(d(2, 9, 0)),
                bot(d(2, 9, 1)),
                visitor(d(2, 9, 10)),
                handed(
                    d(2, 9, 10),
                    handover_of(crate::assistant::HandoffReason::Asked),
                ),
                agent(d(2, 9, 40)),
                Event::Resolved { at: d(2, 10, 0) },
                Event::Reopened,
                visitor(d(2, 10, 30)),
                agent(d(2, 10, 45)),
                Event::Resolved { at: d(2, 11, 0) },
                rated(d(2, 11, 30), 4, None),
            ],
        },
        Seed {
            name: "bot-unsure",
            start: d(2, 20, 0),
            page: Some("/help"),
            language: Some("en"),
            events: vec![
                visitor(d(2, 20, 0)),
                bot(d(2, 20, 1)),
                visitor(d(2, 20, 3)),
                bot(d(2, 20, 4)),
                handed(
                    d(2, 20, 4),
                    handover_of(crate::assistant::HandoffReason::Unsure),
                ),
                visitor(d(2, 20, 5)),
                agent(d(3, 9, 5)),
            ],
        },
        Seed {
            name: "late",
            start: d(3, 17, 0),
            page: Some("https://shop.example/"),
            language: Some("en"),
            events: vec![visitor(d(3, 17, 0)), agent(d(4, 18, 30))],
        },
        Seed {
            name: "whatsapp",
            start: d(4, 11, 0),
            page: Some("/pricing"),
            language: Some("en"),
            events: vec![
                visitor_on(Channel::Whatsapp, d(4, 11, 0)),
                agent(d(4, 11, 10)),
                visitor(d(4, 15, 0)),
                agent(d(4, 15, 2)),
            ],
        },
        Seed {
            name: "weekend",
            start: d(5, 10, 0),
            page: Some("/pricing"),
            language: Some("zh-CN"),
            events: vec![visitor(d(5, 10, 0))],
        },
        Seed {
            name: "silent",
            start: d(5, 15, 0),
            page: Some("/"),
            language: Some("en"),
            events: vec![],
        },
        Seed {
            name: "waiting",
            start: d(6, 21, 0),
            page: Some("/help"),
            language: Some("en"),
            events: vec![visitor(d(6, 21, 0))],
        },
        // The week before: answered in 20 minutes and resolved in an hour; never answered.
        Seed {
            name: "previous-answered",
            start: d(-6, 10, 0),
            page: Some("/pricing"),
            language: Some("en"),
            events: vec![
                visitor(d(-6, 10, 0)),
                agent(d(-6, 10, 20)),
                Event::Resolved { at: d(-6, 11, 0) },
            ],
        },
        Seed {
            name: "previous-never",
            start: d(-5, 10, 0),
            page: Some("/help"),
            language: Some("en"),
            events: vec![visitor(d(-5, 10, 0))],
        },
        // Outside both periods.
        Seed {
            name: "two-weeks-ago",
            start: d(-14, 10, 0),
            page: Some("/old"),
            language: Some("fr"),
            events: vec![visitor(d(-14, 10, 0)), agent(d(-14, 10, 1))],
        },
        Seed {
            name: "at-the-end",
            start: d(7, 0, 0),
            page: Some("/next"),
            language: Some("fr"),
            events: vec![visitor(d(7, 0, 0))],
        },
    ]
}

fn shanghai_query(hours: &BusinessHours) -> Query<'_> {
    Query {
        from: cst(0, 0, 0),
        to: cst(7, 0, 0),
        now: cst(6, 22, 0),
        hours: Some(hours),
        top_pages: 2,
        comments: 5,
    }
}

fn day(date: &str, started: u32, answered: u32, unanswered: u32, resolved: u32) -> DayFigures {
    DayFigures {
        date: date.into(),
        started,
        answered,
        unanswered,
        resolved,
    }
}

#[test]
fn every_figure_of_a_shanghai_week() {
    let hours = weekdays("Asia/Shanghai", "09:00", "18:00");
    let report = rollup(&shanghai()).report(&shanghai_query(&hours), &FixedOffset(8 * 60));
    let current = Figures {
        started: 13,
        with_visitor_message: 12,
        // midnight, web-team, evening, bot, rated-low, handover, bot-unsure, whatsapp.
        answered: 8,
        // never, late, weekend.
        unanswered: 3,
        waiting: 1,
        // never (its 24 business hours ended Wednesday 16:30).
        unanswered_business: 1,
        resolved: 3,
        // 1 1 1 5 10 30 45 810 1530: rank 5 and rank 9.
        first_reply: minutes(9, 10, 1530),
        // 0 0 1 1 5 10 30 45 600.
        first_reply_business: minutes(9, 5, 600),
        // 1 1 1 1 1 2 5 10 15 20 30 30 45 780 810 1530: rank 8 and rank 15.
        reply: minutes(16, 10, 810),
        // 0 0 0 1 1 1 2 5 5 10 15 20 30 30 45 600.
        reply_business: minutes(16, 5, 45),
        // 60 60 120.
        resolution: minutes(3, 60, 120),
        week_hours: week(&[
            (0, 1),
            (10, 2),
            (20, 1),
            (24 + 14, 1),
            (24 + 16, 1),
            (48 + 9, 1),
            (48 + 20, 1),
            (72 + 17, 1),
            (96 + 11, 1),
            (120 + 10, 1),
            (120 + 15, 1),
            (144 + 21, 1),
        ]),
        channels: counts(&[("web", 11), ("whatsapp", 1)]),
        languages: counts(&[("en", 8), ("zh-CN", 3), ("de", 1), ("und", 1)]),
        pages: counts(&[("/pricing", 5), ("/help", 4), ("other", 3)]),
        assistant: AssistantFigures {
            answered: 5,
            handed_over: counts(&[("botUnsure", 1), ("teamTookOver", 1), ("visitorAsked", 1)]),
        },
        ratings: RatingFigures {
            count: 3,
            average: Some(11.0 / 3.0),
            distribution: [0, 1, 0, 1, 1],
            comments: vec![
                RatingComment {
                    at: Timestamp(cst(1, 17, 30)),
                    score: 2,
                    comment: "Too slow".into(),
                },
                RatingComment {
                    at: Timestamp(cst(0, 11, 5)),
                    score: 5,
                    comment: "Quick and kind".into(),
                },
            ],
        },
    };
    let previous = Figures {
        started: 2,
        with_visitor_message: 2,
        answered: 1,
        unanswered: 1,
        waiting: 0,
        // Its 24 business hours ended Friday 16:00.
        unanswered_business: 1,
        resolved: 1,
        first_reply: minutes(1, 20, 20),
        first_reply_business: minutes(1, 20, 20),
        reply: minutes(1, 20, 20),
        reply_business: minutes(1, 20, 20),
        resolution: minutes(1, 60, 60),
        week_hours: week(&[(24 + 10, 1), (48 + 10, 1)]),
        channels: counts(&[("web", 2)]),
        languages: counts(&[("en", 2)]),
        pages: counts(&[("/help", 1), ("/pricing", 1)]),
        assistant: AssistantFigures::default(),
        ratings: RatingFigures::default(),
    };
    assert_eq!(report.current, current);
    assert_eq!(report.previous, previous);
    assert_eq!(
        report.days,
        vec![
            day("2026-11-30", 4, 3, 1, 1),
            day("2026-12-01", 2, 2, 0, 1),
            day("2026-12-02", 2, 2, 0, 1),
            day("2026-12-03", 1, 0, 1, 0),
            day("2026-12-04", 1, 1, 0, 0),
            day("2026-12-05", 2, 0, 1, 0),
            day("2026-12-06", 1, 0, 0, 0),
        ]
    );
    assert_eq!((report.from.0, report.to.0), (cst(0, 0, 0), cst(7, 0, 0)));
}

#[test]
fn comments_are_capped_latest_first() {
    let hours = weekdays("Asia/Shanghai", "09:00", "18:00");
    let query = Query {
        comments: 1,
        ..shanghai_query(&hours)
    };
    let report = rollup(&shanghai()).report(&query, &FixedOffset(8 * 60));
    let comments: Vec<&str> = report
        .current
        .ratings
        .comments
        .iter()
        .map(|c| c.comment.as_str())
        .collect();
    assert_eq!(comments, ["Too slow"]);
    assert_eq!(report.current.ratings.count, 3);
}

#[test]
fn a_brand_without_hours_counts_business_time_as_wall_clock() {
    let query = Query {
        hours: None,
        ..shanghai_query(&weekdays("Asia/Shanghai", "09:00", "18:00"))
    };
    let report = rollup(&shanghai()).report(&query, &FixedOffset(8 * 60));
    assert_eq!(
        report.current.first_reply_business,
        report.current.first_reply
    );
    assert_eq!(report.current.reply_business, report.current.reply);
    // never, late and weekend: the same as wall-clock.
    assert_eq!(report.current.unanswered_business, 3);
}

/// A UTC brand open Monday to Friday 09:00–17:00: a Friday evening question answered on
/// Monday morning (3900 minutes, 60 in business hours: 30 on Friday, 30 on Monday) and a
/// Saturday night one answered within the hour (60, 0 in business hours), seen on
/// Tuesday 2026-12-08 at 12:00. The same instants in Shanghai (+8) fall on other hours
/// of the week, and Saturday 23:30 becomes Sunday.
#[test]
fn a_utc_brand_and_the_same_instants_in_shanghai() {
    let utc = |day, hour, minute| clock(0, day, hour, minute);
    let seeds = [
        Seed {
            name: "friday-evening",
            start: utc(4, 16, 30),
            page: Some("/"),
            language: Some("en"),
            events: vec![visitor(utc(4, 16, 30)), agent(utc(7, 9, 30))],
        },
        Seed {
            name: "saturday-night",
            start: utc(5, 23, 30),
            page: Some("/"),
            language: Some("en"),
            events: vec![visitor(utc(5, 23, 30)), agent(utc(6, 0, 30))],
        },
    ];
    let hours = weekdays("UTC", "09:00", "17:00");
    let query = Query {
        from: utc(0, 0, 0),
        to: utc(7, 0, 0),
        now: utc(8, 12, 0),
        hours: Some(&hours),
        top_pages: 5,
        comments: 5,
    };
    let report = rollup(&seeds).report(&query, &FixedOffset(0));
    let figures = &report.current;
    assert_eq!(
        (figures.answered, figures.unanswered, figures.waiting),
        (1, 1, 0)
    );
    // Answered Monday 09:30, before its 24 business hours end (Wednesday 16:30).
    assert_eq!(figures.unanswered_business, 0);
    assert_eq!(figures.first_reply, minutes(2, 60, 3900));
    assert_eq!(
        figures.first_reply_business,
        Durations {
            count: 2,
            p50_ms: Some(0),
            p90_ms: Some(60 * M)
        }
    );
    assert_eq!(figures.week_hours, week(&[(96 + 16, 1), (120 + 23, 1)]));
    let dates = |report: &Insights| -> Vec<(String, u32)> {
        report
            .days
            .iter()
            .map(|day| (day.date.clone(), day.started))
            .filter(|(_, n)| *n > 0)
            .collect()
    };
    assert_eq!(
        dates(&report),
        [("2026-12-04".to_owned(), 1), ("2026-12-05".to_owned(), 1)]
    );

    // In Shanghai: Saturday 00:30 and Sunday 07:30; the range (UTC midnights) starts on
    // Monday 08:00 there, so it spans eight local days.
    let shanghai = rollup(&seeds).report(&query, &FixedOffset(8 * 60));
    assert_eq!(shanghai.current.week_hours, week(&[(120, 1), (144 + 7, 1)]));
    assert_eq!(
        dates(&shanghai),
        [("2026-12-05".to_owned(), 1), ("2026-12-06".to_owned(), 1)]
    );
    assert_eq!(shanghai.days.len(), 8);
}

#[test]
fn an_empty_range_and_an_empty_brand() {
    let hours = weekdays("Asia/Shanghai", "09:00", "18:00");
    let empty = Query {
        to: cst(0, 0, 0),
        ..shanghai_query(&hours)
    };
    let report = rollup(&shanghai()).report(&empty, &FixedOffset(8 * 60));
    let nothing = Figures {
        week_hours: week(&[]),
        ..Figures::default()
    };
    assert_eq!(report.current, nothing);
    assert_eq!(report.previous, nothing);
    assert!(report.days.is_empty());

    let report = Rollup::new().report(&shanghai_query(&hours), &FixedOffset(8 * 60));
    assert_eq!(report.current, nothing);
    assert_eq!(report.days.len(), 7);
    assert!(report.days.iter().all(|day| day.started == 0));
}
