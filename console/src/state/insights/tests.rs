//! The Insights view logic, case by case: tiles from a report, changes, durations, axes,
//! heat shades, the week's rows, and the addresses.

use super::*;
use confab_protocol::insights::RatingFigures;

fn durations(p50: u64, p90: u64) -> Durations {
    Durations {
        count: 3,
        p50_ms: Some(p50),
        p90_ms: Some(p90),
    }
}

#[test]
fn changes_read_as_arrows_and_words() {
    // (current, previous, lower is better, previous as shown) → (arrow, shown, words, tone)
    let cases = [
        (
            10.0,
            8.0,
            false,
            "8",
            ("▲", "25%", "up 25% from 8", Tone::Good),
        ),
        (
            6.0,
            8.0,
            false,
            "8",
            ("▼", "25%", "down 25% from 8", Tone::Bad),
        ),
        (
            6.0,
            8.0,
            true,
            "8",
            ("▼", "25%", "down 25% from 8", Tone::Good),
        ),
        (3.0, 0.0, true, "0", ("▲", "new", "up from 0", Tone::Bad)),
        (
            5.0,
            5.0,
            false,
            "5",
            ("", "no change", "no change from 5", Tone::Flat),
        ),
        (
            1.0,
            3.0,
            false,
            "3",
            ("▼", "67%", "down 67% from 3", Tone::Bad),
        ),
    ];
    for (current, previous, lower, shown_previous, (arrow, shown, words, tone)) in cases {
        let got = change(current, previous, lower, shown_previous);
        assert_eq!(
            (got.arrow, got.shown.as_str(), got.words.as_str(), got.tone),
            (arrow, shown, words, tone),
            "{current} from {previous}"
        );
    }
}

#[test]
fn durations_read_as_people_say_them() {
    let cases = [
        (None, "—"),
        (Some(0), "0 s"),
        (Some(44_600), "45 s"),
        (Some(60_000), "1 min"),
        (Some(200_000), "3 min 20 s"),
        (Some(3_600_000), "1 h"),
        (Some(7_500_000), "2 h 5 min"),
        (Some(97_200_000), "1 d 3 h"),
    ];
    for (ms, words) in cases {
        assert_eq!(duration(ms), words, "{ms:?}");
    }
}

#[test]
fn tiles_show_each_figure_beside_the_previous_period() {
    let current = Figures {
        started: 10,
        with_visitor_message: 9,
        answered: 6,
        unanswered: 2,
        waiting: 1,
        unanswered_business: 1,
        resolved: 4,
        first_reply: durations(120_000, 600_000),
        first_reply_business: durations(60_000, 300_000),
        resolution: durations(3_600_000, 7_200_000),
        ratings: RatingFigures {
            count: 2,
            average: Some(4.5),
            ..RatingFigures::default()
        },
        ..Figures::default()
    };
    let previous = Figures {
        started: 8,
        answered: 3,
        unanswered: 3,
        unanswered_business: 1,
        resolved: 5,
        first_reply: durations(240_000, 600_000),
        ..Figures::default()
    };
    let report = Insights {
        current,
        previous,
        ..Insights::default()
    };
    let got: Vec<(&str, String, String, Option<String>)> = tiles(&report)
        .into_iter()
        .map(|tile| {
            let change = tile.change.map(|change| change.words);
            (tile.label, tile.value, tile.previous, change)
        })
        .collect();
    let expected = [
        ("Conversations", "10", "8", Some("up 25% from 8")),
        ("Answered", "75%", "50%", Some("up 50% from 50%")),
        ("Unanswered", "2", "3", Some("down 33% from 3")),
        (
            "Unanswered in business hours",
            "1",
            "1",
            Some("no change from 1"),
        ),
        ("Resolved", "4", "5", Some("down 20% from 5")),
        (
            "First reply, median",
            "2 min",
            "4 min",
            Some("down 50% from 4 min"),
        ),
        (
            "First reply, 90%",
            "10 min",
            "10 min",
            Some("no change from 10 min"),
        ),
        ("First reply in business hours, median", "1 min", "—", None),
        ("First reply in business hours, 90%", "5 min", "—", None),
        ("Time to resolution, median", "1 h", "—", None),
        ("Rating", "4.5 / 5", "—", None),
    ];
    assert_eq!(got.len(), expected.len());
    for (got, (label, value, before, words)) in got.iter().zip(expected) {
        assert_eq!(
            (got.0, got.1.as_str(), got.2.as_str(), got.3.as_deref()),
            (label, value, before, words)
        );
    }
    // Fewer unanswered is good news; a shorter first reply too.
    let tones: Vec<Option<Tone>> = tiles(&report)
        .into_iter()
        .map(|tile| tile.change.map(|change| change.tone))
        .collect();
    assert_eq!(tones[2], Some(Tone::Good));
    assert_eq!(tones[4], Some(Tone::Bad));
    assert_eq!(tones[5], Some(Tone::Good));
}

#[test]
fn axes_are_round_and_bars_scale_to_them() {
    let tops = [
        (0, 1),
        (1, 1),
        (2, 2),
        (3, 5),
        (7, 10),
        (11, 20),
        (45, 50),
        (51, 100),
    ];
    for (max, top) in tops {
        assert_eq!(axis_top(max), top, "{max}");
    }
    assert_eq!(bar_lengths(&[0, 3, 7], 100.0), [0.0, 30.0, 70.0]);
    assert_eq!(bar_lengths(&[0, 0], 100.0), [0.0, 0.0]);
    assert!(bar_lengths(&[], 100.0).is_empty());
}

#[test]
fn heat_shades_by_quarter_of_the_busiest_hour() {
    let cases = [
        (0, 8, 0),
        (1, 8, 1),
        (2, 8, 1),
        (3, 8, 2),
        (6, 8, 3),
        (7, 8, 4),
        (8, 8, 4),
        (5, 0, 0),
    ];
    for (value, max, level) in cases {
        assert_eq!(heat_level(value, max), level, "{value} of {max}");
    }
}

#[test]
fn the_week_is_seven_rows_monday_first() {
    let mut hours = vec![0; WEEK_HOURS];
    hours[0] = 1; // Monday 00:00
    hours[24 + 9] = 2; // Tuesday 09:00
    hours[WEEK_HOURS - 1] = 3; // Sunday 23:00
    let rows = week_rows(&hours);
    assert_eq!((rows[0][0], rows[1][9], rows[6][23]), (1, 2, 3));
    assert_eq!(rows.iter().flatten().sum::<u32>(), 6);
    // A short (older) report leaves the rest empty.
    assert_eq!(week_rows(&[4])[0][0], 4);
    assert_eq!(week_rows(&[]).iter().flatten().sum::<u32>(), 0);
}

#[test]
fn addresses_carry_the_range() {
    let (from, to) = (Timestamp(1_000), Timestamp(2_000));
    assert_eq!(
        export_url("conversations", "csv", from, to),
        "/v1/agent/insights/export?what=conversations&format=csv&from=1000&to=2000"
    );
    assert_eq!(report_url(from, to), "/v1/agent/insights?from=1000&to=2000");
    assert_eq!(percent_text(percent(1, 3)), "33%");
    assert_eq!(percent_text(percent(1, 0)), "—");
    assert_eq!(reason_words("botUnsure"), "The bot was unsure");
    assert_eq!(reason_words("later"), "later");
}
