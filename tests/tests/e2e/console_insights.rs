//! The console's Insights page in real Chromium (issue 19): a Shanghai brand's seeded week
//! (the same threads as `insights.rs`, seeded through the development relay's route), opened
//! by an agent for that week in a browser set to Shanghai's zone; the tiles and the
//! channels chart's table show the seeded figures, the metrics CSV the page links to comes
//! with the member's cookie and equals the agent API's, axe finds nothing, on a desk and a
//! phone.

use crate::insights::{cst, shanghai_week};
use confab_e2e::api::Api;
use confab_e2e::console_browser::{axe_page, element, sign_in, texts, wait_for_text};
use confab_e2e::insights::{export, seed, wait_for_report};
use confab_e2e::{Browser, Relay};
use serde_json::json;

#[tokio::test]
async fn an_agent_sees_the_seeded_week_and_downloads_it() {
    let relay = Relay::start().await;
    let api = Api::new(relay.origin());
    let hours = json!({
        "timeZone": "Asia/Shanghai",
        "weekly": (1..=5).map(|day| json!({ "day": day, "open": "09:00", "close": "18:00" }))
            .collect::<Vec<_>>(),
    });
    let settings = json!({ "name": "Shanghai Shop", "businessHours": hours });
    assert_eq!(api.put_brand("shanghai", settings).await, 201);
    let key = api.agent_key("shanghai").await;
    seed(&api, "shanghai", &shanghai_week()).await;
    let (from, to) = (cst(0, 0, 0), cst(7, 0, 0));
    wait_for_report(&api, &key, (from, to), "the seeded week", |report| {
        report.current.started > 0
    })
    .await;

    let link = api
        .member_link("shanghai", "agent@shop.example", "Li", "agent")
        .await;
    let agent = Browser::start().await;
    agent.set_time_zone("Asia/Shanghai").await;
    agent
        .cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": false }),
        )
        .await;
    sign_in(&agent, &link).await;
    agent
        .eval("location.hash = '#/insights'; return true;")
        .await;
    // The seeded week, Monday 1 to Sunday 7 December 2025, as custom dates.
    agent
        .eval(
            "for (const [id, value] of [['#range-from', '2025-12-01'], ['#range-to', '2025-12-07']]) {\
               const input = document.querySelector(id);\
               input.value = value; input.dispatchEvent(new Event('change', { bubbles: true }));\
             }\
             return true;",
        )
        .await;
    element(&agent, ".custom-range button[type=submit]")
        .await
        .click()
        .await
        .unwrap();
    wait_for_text(&agent, ".range-line", "1 Dec 2025 to 7 Dec 2025").await;
    element(&agent, ".tiles").await;

    // The tiles: label, value (hand-worked in `insights.rs`: 9 started, 6 answered and 2
    // not, a first reply's median of 10 minutes, one conversation the week before).
    let labels = texts(&agent, ".tile .tile-label").await;
    let values = texts(&agent, ".tile .tile-value").await;
    let tile = |label: &str| {
        let at = labels.iter().position(|held| held == label);
        at.map(|at| values[at].clone())
    };
    assert_eq!(tile("Conversations").as_deref(), Some("9"));
    assert_eq!(tile("Answered").as_deref(), Some("75%"));
    assert_eq!(tile("Unanswered").as_deref(), Some("2"));
    assert_eq!(tile("Resolved").as_deref(), Some("2"));
    assert_eq!(tile("First reply, median").as_deref(), Some("10 min"));
    assert_eq!(
        tile("First reply in business hours, median").as_deref(),
        Some("5 min")
    );
    let change = texts(&agent, ".tile:first-child .change .visually-hidden").await;
    assert_eq!(change, ["up 800% from 1"]);
    // The channels chart's table.
    let rows = texts(&agent, "#chart-channels-caption ~ details tbody tr").await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    let cells: Vec<Vec<String>> = agent
        .eval(
            "return [...document.querySelectorAll('figure[aria-labelledby=chart-channels-caption] tbody tr')]\
               .map(row => [...row.children].map(cell => cell.textContent));",
        )
        .await
        .as_array()
        .map(|rows| {
            rows.iter()
                .map(|row| serde_json::from_value(row.clone()).unwrap())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(cells, [["web", "7"], ["whatsapp", "1"]]);

    // The metrics CSV as the page links to it, with the member's cookie: the agent API's.
    let href = agent
        .eval("return document.querySelector('.exports a[href*=\"what=metrics\"]').getAttribute('href');")
        .await;
    let href = href.as_str().expect("a metrics link").to_string();
    let downloaded = agent
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             fetch(arguments[0]).then(async answer => done([answer.status, await answer.text()]));",
            vec![json!(href)],
        )
        .await
        .unwrap();
    let query = href
        .split_once('?')
        .map(|(_, query)| query)
        .unwrap_or_default();
    let expected = export(&api, &key, query).await;
    assert_eq!(expected.status, 200);
    assert_eq!(downloaded, json!([200, expected.body]));
    assert!(expected.body.lines().count() > 1, "{}", expected.body);

    let violations = axe_page(&agent).await;
    assert_eq!(violations, Vec::<String>::new(), "axe on the insights page");
    agent.eval("window.scrollTo(0, 0); return true;").await;
    agent.save_screenshot("console-desktop-insights").await;
    agent.emulate_phone(false).await;
    element(&agent, ".tiles").await;
    let violations = axe_page(&agent).await;
    assert_eq!(violations, Vec::<String>::new(), "axe on the phone");
    agent.save_screenshot("console-phone-insights").await;
}
