//! The figures a `thread.closed` event carries.

use super::*;
use crate::insights::closed::Closed;

#[test]
fn a_closed_thread_is_summed_up_without_texts() {
    let mut figures = ThreadFigures::new(
        ThreadId::new("t"),
        cst(0, 10, 0),
        Some("/pricing?email=a@b"),
        Some("en"),
    );
    assert_eq!(Closed::of(&figures), None, "an open thread is not closed");
    for event in [
        visitor(cst(0, 10, 1)),
        bot(cst(0, 10, 2)),
        handed(cst(0, 10, 3), Handover::VisitorAsked),
        visitor(cst(0, 10, 4)),
        agent(cst(0, 10, 14)),
        rated(cst(0, 10, 20), 4, Some("kind, thanks, call me on 555")),
        Event::Resolved { at: cst(0, 11, 0) },
    ] {
        figures.observe(event);
    }
    let closed = Closed::of(&figures).unwrap();
    assert_eq!(closed.resolution_ms, 60 * M);
    assert_eq!(closed.first_reply_ms, Some(M));
    assert_eq!(closed.first_reply_by, Some(Responder::Bot));
    assert_eq!((closed.replies, closed.bot_answers), (2, 1));
    assert!(closed.handed_over);
    assert_eq!(closed.rating, Some(4));
    assert_eq!(closed.channels, ["web"]);
    assert_eq!(closed.page.as_deref(), Some("/pricing"));
    let json = serde_json::to_string(&closed).unwrap();
    assert!(!json.contains("555"), "no comment: {json}");
    assert!(json.contains(r#""firstReplyBy":"bot""#), "{json}");
}
