//! Data-driven cases for resolution and ratings: rating validation, when a rating is
//! wanted, the commands, and the team's lines.

use super::texts::{resolved, team_rating, team_resolution};
use super::*;
use serde_json::json;

fn request(json: serde_json::Value) -> Result<RatingRequest, String> {
    serde_json::from_value(json).map_err(|error| error.to_string())
}

#[test]
fn ratings_are_whole_scores_from_1_to_5_with_a_short_comment() {
    let long = "é".repeat(MAX_COMMENT_CHARS + 1);
    let longest = "é".repeat(MAX_COMMENT_CHARS);
    let cases = [
        (json!({"score": 4}), Ok((4, None))),
        (json!({"score": 1}), Ok((1, None))),
        (json!({"score": 5.0}), Ok((5, None))),
        (
            json!({"score": 5, "comment": "  Quick and kind "}),
            Ok((5, Some("Quick and kind"))),
        ),
        (json!({"score": 3, "comment": "   "}), Ok((3, None))),
        (json!({"score": 3, "comment": null}), Ok((3, None))),
        (
            json!({"score": 2, "comment": longest}),
            Ok((2, Some(longest.as_str()))),
        ),
        (json!({"score": 0}), Err("score")),
        (json!({"score": 6}), Err("score")),
        (json!({"score": -1}), Err("score")),
        (json!({"score": 4.5}), Err("score")),
        (json!({"score": 4, "comment": long}), Err("comment is 1001")),
        (json!({"score": 4, "comment": "a\u{7}b"}), Err("control")),
    ];
    for (body, expected) in cases {
        let got = request(body.clone()).and_then(RatingRequest::validated);
        match (&got, &expected) {
            (Ok(rating), Ok((score, comment))) => {
                assert_eq!(rating.score, *score, "{body}");
                assert_eq!(rating.comment.as_deref(), *comment, "{body}");
            }
            (Err(why), Err(part)) => assert!(why.contains(part), "{body}: {why}"),
            _ => panic!("{body}: got {got:?}"),
        }
    }
    // Not a rating at all: JSON of another shape.
    for body in [
        json!({}),
        json!({"score": "4"}),
        json!({"score": 4, "stars": 4}),
    ] {
        assert!(request(body.clone()).is_err(), "{body}");
    }
}

const SECOND: u64 = 1000;

/// What is asked, of which state, under which settings, when; and the answer expected.
type StatusCase<'a> = (
    &'a str,
    &'a ResolutionState,
    Option<&'a RatingSettings>,
    u64,
    Option<RatingStatus>,
);

#[test]
fn a_rating_is_wanted_after_a_resolution_or_a_quiet_team_reply_and_given_once() {
    let quiet = RatingSettings {
        after_quiet_seconds: Some(600),
    };
    let never = RatingSettings {
        after_quiet_seconds: None,
    };
    let fresh = ResolutionState::default();
    let resolved = fresh.resolve().unwrap();
    let replied = fresh.on_team_reply(1_000 * SECOND);
    let rating = Rating {
        score: 4,
        comment: None,
    };
    let rated = resolved.rate(rating.clone(), None, 2_000 * SECOND).unwrap();
    use RatingStatus::{Given, Wanted};
    let cases: Vec<StatusCase> = vec![
        ("a new thread", &fresh, Some(&quiet), 0, None),
        ("resolved", &resolved, None, 0, Some(Wanted)),
        (
            "resolved, quiet set",
            &resolved,
            Some(&quiet),
            0,
            Some(Wanted),
        ),
        (
            "a team reply, no quiet time",
            &replied,
            None,
            5_000 * SECOND,
            None,
        ),
        (
            "a team reply, quiet unset",
            &replied,
            Some(&never),
            5_000 * SECOND,
            None,
        ),
        (
            "a team reply, before its quiet",
            &replied,
            Some(&quiet),
            1_599 * SECOND,
            None,
        ),
        (
            "a team reply, quiet",
            &replied,
            Some(&quiet),
            1_600 * SECOND,
            Some(Wanted),
        ),
        ("rated", &rated, None, 2_000 * SECOND, Some(Given)),
    ];
    for (what, state, settings, now, expected) in cases {
        assert_eq!(state.rating_status(settings, now), expected, "{what}");
    }

    // Once: a second rating is refused, and a rating nobody asked for too.
    assert_eq!(
        rated.rate(rating.clone(), None, 2_001 * SECOND),
        Err(Refusal::AlreadyRated)
    );
    assert_eq!(
        fresh.rate(rating.clone(), Some(&quiet), 0),
        Err(Refusal::NotWanted)
    );
    assert_eq!(
        replied.rate(rating.clone(), Some(&quiet), 1_599 * SECOND),
        Err(Refusal::NotWanted)
    );
    assert!(replied
        .rate(rating.clone(), Some(&quiet), 1_600 * SECOND)
        .is_ok());
    assert_eq!(rated.latest_rating(), Some(&rating));

    // The visitor writing again reopens the thread, and the next resolution is a new one
    // to rate (the earlier rating is kept).
    let (reopened, did) = rated.on_visitor_message();
    assert!(did && !reopened.resolved);
    assert_eq!(reopened.rating_status(None, 3_000 * SECOND), None);
    let again = reopened.resolve().unwrap();
    assert_eq!(again.rounds, 2);
    assert_eq!(again.rating_status(None, 3_000 * SECOND), Some(Wanted));
    let twice = again.rate(rating.clone(), None, 3_000 * SECOND).unwrap();
    assert_eq!(twice.ratings.len(), 2);

    // A visitor message ends the quiet; the team's next reply starts it again.
    let (answered, did) = replied.on_visitor_message();
    assert!(!did);
    assert_eq!(answered.rating_status(Some(&quiet), 9_000 * SECOND), None);
    let later = answered.on_team_reply(9_000 * SECOND);
    assert_eq!(later.rating_status(Some(&quiet), 9_599 * SECOND), None);
    // A second team reply does not move the quiet's start.
    let both = replied.on_team_reply(1_500 * SECOND);
    assert_eq!(
        both.rating_status(Some(&quiet), 1_600 * SECOND),
        Some(Wanted)
    );
}

#[test]
fn resolving_and_reopening_happen_once() {
    let fresh = ResolutionState::default();
    assert_eq!(fresh.reopen(), None, "a thread that is not resolved");
    let resolved = fresh.resolve().unwrap();
    assert_eq!(resolved.resolve(), None, "resolved already");
    let reopened = resolved.reopen().unwrap();
    assert!(!reopened.resolved);
    assert_eq!(reopened.rounds, 1);
}

#[test]
fn kept_ratings_are_bounded() {
    let mut state = ResolutionState::default();
    for round in 0..(KEPT_RATINGS as u64 + 5) {
        let rating = Rating {
            score: 3,
            comment: Some(round.to_string()),
        };
        state = state.resolve().unwrap().rate(rating, None, round).unwrap();
        state = state.reopen().unwrap();
    }
    assert_eq!(state.ratings.len(), KEPT_RATINGS);
    assert_eq!(
        state.latest_rating().and_then(|r| r.comment.as_deref()),
        Some("24")
    );
}

#[test]
fn the_team_resolves_and_reopens_with_commands() {
    for (text, expected) in [
        ("/resolve", Some(Command::Resolve)),
        ("/RESOLVE", Some(Command::Resolve)),
        ("  /resolve  ", Some(Command::Resolve)),
        ("/resolve@acme_support_bot", Some(Command::Resolve)),
        ("/reopen", Some(Command::Reopen)),
        ("/reopen@acme_support_bot", Some(Command::Reopen)),
        ("/resolve now", None),
        ("/resolved", None),
        ("/reopened", None),
        ("resolve", None),
        ("Please /resolve", None),
        ("", None),
    ] {
        assert_eq!(command(text), expected, "{text:?}");
    }
}

#[test]
fn settings_bound_the_quiet_time() {
    let with = |seconds| RatingSettings {
        after_quiet_seconds: seconds,
    };
    assert!(with(None).validate().is_ok());
    assert!(with(Some(1)).validate().is_ok());
    assert!(with(Some(MAX_QUIET_SECONDS)).validate().is_ok());
    assert!(with(Some(0)).validate().is_err());
    assert!(with(Some(MAX_QUIET_SECONDS + 1)).validate().is_err());
    let read: RatingSettings = serde_json::from_value(json!({"afterQuietSeconds": 60})).unwrap();
    assert_eq!(read, with(Some(60)));
    assert!(serde_json::from_value::<RatingSettings>(json!({"after": 60})).is_err());
}

#[test]
fn what_the_visitor_and_the_team_are_told() {
    for (language, expected) in [
        (None, "This conversation was marked as resolved"),
        (Some("en-GB"), "This conversation was marked as resolved"),
        (Some("zh-CN"), "此对话已被标记为已解决"),
        (Some("zh_TW"), "此对话已被标记为已解决"),
    ] {
        assert_eq!(resolved(language), expected, "{language:?}");
    }
    for (score, comment, expected) in [
        (4, Some("Quick and kind"), "⭐️⭐️⭐️⭐️ 4/5 — Quick and kind"),
        (1, None, "⭐️ 1/5"),
        (5, None, "⭐️⭐️⭐️⭐️⭐️ 5/5"),
    ] {
        let rating = Rating {
            score,
            comment: comment.map(str::to_string),
        };
        assert_eq!(team_rating(&rating), expected);
    }
    assert_eq!(team_resolution(true, By::Telegram), "✅ Marked as resolved");
    assert_eq!(
        team_resolution(true, By::Api),
        "✅ Marked as resolved (through the API)"
    );
    assert_eq!(
        team_resolution(false, By::Visitor),
        "↩️ Reopened (the visitor wrote again)"
    );
}
