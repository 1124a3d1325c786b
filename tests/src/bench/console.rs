//! The brand console in the bench (issue 18): from opening a member's sign-in link to a
//! usable inbox, on a desk and on a slow phone, in headless Chromium.
//!
//! "Usable" is timed twice, from the navigation's start (the click on the emailed link):
//! the brand's threads listed (the first `.thread-row` drawn), and the inbox live (its
//! socket open: the dot says so). A `MutationObserver` put in before the page's own
//! scripts records both with `performance.now()`, so polling from here adds nothing.

use crate::api::Api;
use crate::Browser;
use serde::Serialize;
use serde_json::json;
use std::time::Duration;

/// Records when the inbox first lists a thread and when it first says it is live.
const INBOX_RECORDER: &str = r#"
window.__confabInbox = { rowsAt: null, liveAt: null };
new MutationObserver(() => {
  const seen = window.__confabInbox;
  if (seen.rowsAt === null && document.querySelector(".thread-row")) seen.rowsAt = performance.now();
  if (seen.liveAt === null && document.querySelector(".pane-head .dot.on")) seen.liveAt = performance.now();
}).observe(document, { childList: true, subtree: true, attributes: true });
"#;

/// One sign-in, from the link to the inbox.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct SignInRound {
    /// From navigation start to the first thread listed (ms); `None`: not within the wait.
    pub rows_ms: Option<f64>,
    /// From navigation start to the inbox socket live (ms).
    pub live_ms: Option<f64>,
}

/// Medians of several fresh sign-ins of each kind.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ConsoleSignIn {
    /// Rounds of each kind.
    pub rounds: usize,
    /// A desktop browser, unthrottled.
    pub desktop: SignInRound,
    /// A 390×844 touch phone with 150 ms round trips, about 1.6 Mbps and a 4× slower CPU.
    pub phone: SignInRound,
}

/// Signs a new member of `brand` in `rounds` times on each kind of browser, each time in a
/// fresh browser with a fresh link. The brand must have at least one thread.
pub async fn sign_in_to_inbox(api: &Api, brand: &str, rounds: usize) -> ConsoleSignIn {
    let mut desktop = Vec::new();
    let mut phone = Vec::new();
    for round in 0..rounds {
        for (slow, into) in [(false, &mut desktop), (true, &mut phone)] {
            let email = format!("bench-{round}-{slow}@bench.example");
            let link = api.member_link(brand, &email, "Bench", "agent").await;
            into.push(one_sign_in(&link, slow, Duration::from_secs(60)).await);
        }
    }
    let median_of = |rounds: &[SignInRound]| SignInRound {
        rows_ms: crate::page::median(rounds.iter().map(|round| round.rows_ms)),
        live_ms: crate::page::median(rounds.iter().map(|round| round.live_ms)),
    };
    ConsoleSignIn {
        rounds,
        desktop: median_of(&desktop),
        phone: median_of(&phone),
    }
}

async fn one_sign_in(link: &str, slow_phone: bool, wait: Duration) -> SignInRound {
    let browser = Browser::start().await;
    if slow_phone {
        browser.emulate_phone(true).await;
    }
    browser
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": INBOX_RECORDER }),
        )
        .await;
    browser.client.goto(link).await.expect("the console loads");
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let seen = browser.eval("return window.__confabInbox || null;").await;
        let round = SignInRound {
            rows_ms: seen["rowsAt"].as_f64(),
            live_ms: seen["liveAt"].as_f64(),
        };
        let done = round.rows_ms.is_some() && round.live_ms.is_some();
        if done || tokio::time::Instant::now() >= deadline {
            return round;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
