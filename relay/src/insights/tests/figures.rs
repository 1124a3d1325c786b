//! One thread's figures: what each event changes, the versions a roll-up keeps, and their
//! stored form.

use super::*;

fn handover_thread() -> (Vec<ThreadFigures>, ThreadFigures) {
    let d = cst;
    let mut figures = ThreadFigures::new(ThreadId::new("t"), d(0, 9, 0), Some("/a?b=c"), None);
    let mut copies = vec![figures.clone()];
    for event in [
        visitor(d(0, 9, 0)),
        bot(d(0, 9, 1)),
        visitor(d(0, 9, 2)),
        handed(d(0, 9, 2), Handover::VisitorAsked),
        agent(d(0, 9, 30)),
        Event::Resolved { at: d(0, 10, 0) },
        rated(d(0, 10, 5), 4, Some("fine")),
    ] {
        figures.observe(event);
        copies.push(figures.clone());
    }
    (copies, figures)
}

#[test]
fn events_make_the_figures() {
    let (_, figures) = handover_thread();
    let expected = ThreadFigures {
        thread: ThreadId::new("t"),
        version: 7,
        started_at: cst(0, 9, 0),
        channels: vec![Channel::Web],
        language: None,
        page: Some("/a".into()),
        first_visitor_at: Some(cst(0, 9, 0)),
        waiting_since: None,
        replies: vec![
            Reply {
                asked_at: cst(0, 9, 0),
                answered_at: cst(0, 9, 1),
                by: Responder::Bot,
            },
            Reply {
                asked_at: cst(0, 9, 2),
                answered_at: cst(0, 9, 30),
                by: Responder::Team,
            },
        ],
        resolved_at: Some(cst(0, 10, 0)),
        reopened: 0,
        ratings: vec![Rated {
            at: cst(0, 10, 5),
            score: 4,
            comment: Some("fine".into()),
        }],
        bot_answers: 1,
        handovers: vec![HandedOver {
            at: cst(0, 9, 2),
            reason: Handover::VisitorAsked,
        }],
    };
    assert_eq!(figures, expected);
}

#[test]
fn a_reopening_clears_the_resolution_and_is_counted_once() {
    let mut figures = ThreadFigures::new(ThreadId::new("t"), 0, None, None);
    figures.observe(Event::Reopened);
    assert_eq!(figures.reopened, 0, "nothing to reopen");
    figures.observe(Event::Resolved { at: 10 });
    figures.observe(Event::Reopened);
    figures.observe(Event::Reopened);
    assert_eq!((figures.resolved_at, figures.reopened), (None, 1));
    figures.observe(Event::Resolved { at: 20 });
    assert_eq!(figures.resolved_at, Some(20));
}

#[test]
fn the_team_writing_first_is_no_reply_and_kept_lists_are_bounded() {
    let mut figures = ThreadFigures::new(ThreadId::new("t"), 0, None, None);
    figures.observe(agent(1));
    assert!(figures.replies.is_empty());
    for n in 0..(KEPT_REPLIES as u64 + 5) {
        figures.observe(visitor(10 * n + 2));
        figures.observe(agent(10 * n + 7));
    }
    assert_eq!(figures.replies.len(), KEPT_REPLIES);
    assert_eq!(figures.first_reply().map(Reply::wait), Some(5));
    for n in 0..(KEPT_RATINGS as u64 + 3) {
        figures.observe(rated(n, 1 + (n % 5) as u8, None));
    }
    assert_eq!(figures.ratings.len(), KEPT_RATINGS);
    assert_eq!(
        figures.rating().map(|r| r.at),
        Some(KEPT_RATINGS as u64 + 2)
    );
}

#[test]
fn the_rollup_keeps_the_newest_copy_whatever_the_order() {
    let (copies, last) = handover_thread();
    assert!(copies
        .iter()
        .enumerate()
        .all(|(n, copy)| copy.version == n as u64));
    let orders: [Vec<usize>; 4] = [
        (0..copies.len()).collect(),
        (0..copies.len()).rev().collect(),
        vec![3, 7, 7, 1, 5, 2],
        vec![7, 0, 7],
    ];
    for order in orders {
        let mut rollup = Rollup::new();
        // Copy `n` has version `n`.
        let mut kept: Option<usize> = None;
        for &at in &order {
            let taken = rollup.offer(copies[at].clone());
            assert_eq!(
                taken,
                kept.is_none_or(|kept| at > kept),
                "{order:?} at {at}"
            );
            kept = kept.max(Some(at));
        }
        let newest = order.iter().max().copied().unwrap_or_default();
        assert_eq!(
            rollup.get(&ThreadId::new("t")),
            Some(&copies[newest]),
            "{order:?}"
        );
        assert_eq!(rollup.threads().count(), 1);
    }
    assert_eq!(copies.last(), Some(&last));
}

#[test]
fn an_erased_thread_stays_out_of_the_rollup() {
    let (copies, last) = handover_thread();
    let mut rollup = Rollup::new();
    assert!(rollup.offer(copies[2].clone()));
    rollup.forget(&last.thread);
    assert!(!rollup.offer(last.clone()), "a late copy after erasure");
    assert_eq!(rollup.threads().count(), 0);
}

#[test]
fn figures_are_stored_compactly_and_read_tolerantly() {
    let silent = ThreadFigures::new(ThreadId::new("t"), 5, None, Some("en"));
    let json = serde_json::to_string(&silent).unwrap();
    assert_eq!(
        json,
        r#"{"thread":"t","version":0,"startedAt":5,"language":"en"}"#
    );
    let (_, full) = handover_thread();
    let replies = serde_json::to_value(&full.replies).unwrap();
    let asked = cst(0, 9, 0);
    assert_eq!(replies[0], serde_json::json!([asked, asked + M, "bot"]));
    let back: ThreadFigures = serde_json::from_str(&serde_json::to_string(&full).unwrap()).unwrap();
    assert_eq!(back, full);
    // An older or newer copy: missing fields default, unknown ones are ignored, unknown
    // reasons and channels decode as Unknown.
    let odd: ThreadFigures = serde_json::from_str(
        r#"{"thread":"t","startedAt":1,"channels":["fax"],"handovers":[{"at":2,"reason":"moonPhase"}],"future":true}"#,
    )
    .unwrap();
    assert_eq!(odd.channels, [Channel::Unknown]);
    assert_eq!(odd.handovers[0].reason, Handover::Unknown);
    assert_eq!(odd.version, 0);
}

#[test]
fn only_the_path_of_the_start_page_is_kept() {
    let mut wrong = Vec::new();
    for (page, expected) in [
        ("https://shop.example/pricing?utm=x#top", Some("/pricing")),
        ("/checkout?email=a@b.c", Some("/checkout")),
        ("https://shop.example", Some("/")),
        ("help/faq?q=1", Some("/help/faq")),
        ("  /spaced  ", Some("/spaced")),
        ("http://[::1", None),
    ] {
        let got = page_path(page);
        if got.as_deref() != expected {
            wrong.push(format!("{page:?}: {got:?}, not {expected:?}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
