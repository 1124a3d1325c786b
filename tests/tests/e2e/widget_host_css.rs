//! Proof against host CSS: on `www/hostile.html` (a reset on `*`, `!important` everywhere,
//! rules aimed at `confab-chat` and popovers, transforms, filters, containment and zoom on
//! `html` and `body`, a body that does not scroll, overlays at the highest z-index) the
//! launcher and the panel sit, measure and read exactly as on the plain demo page, closed
//! and open, on a desktop and on a 390×844 touch phone, and nothing of the page covers them.
//! On the phone the header's buttons are at least 44×44 px (touch targets), and the focused
//! composer shows one ring. Screenshots go to `target/e2e-artifacts/hostile-*.png`.

use confab_e2e::{eventually, Browser, Relay};
use serde_json::{json, Value};

/// What is compared between the two pages: boxes and fonts.
const MEASURE: &str = r#"
const host = document.querySelector("confab-chat");
const root = host.shadowRoot;
const seen = {};
for (const selector of [".confab-launcher", ".confab-panel", ".confab-header", ".confab-title",
                        ".confab-close", ".confab-menu-button", ".confab-composer", ".confab-input"]) {
  const el = root.querySelector(selector);
  if (!el) continue;
  const r = el.getBoundingClientRect();
  const style = getComputedStyle(el);
  seen[selector] = { box: [r.x, r.y, r.width, r.height], font: style.fontFamily,
                     size: parseFloat(style.fontSize), color: style.color };
  // Nothing of the page is over it: the middle of the box is the widget's.
  if (r.width > 0) {
    const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
    seen[selector].on_top = hit === host;
  }
}
return seen;
"#;

async fn measure(browser: &Browser) -> Value {
    browser.eval(MEASURE).await
}

/// The two measures agree: every box within 1 px, the same fonts and colours, on top.
fn compare(plain: &Value, hostile: &Value, what: &str) {
    let plain = plain.as_object().expect("measures");
    let hostile = hostile.as_object().expect("measures");
    assert_eq!(
        plain.keys().collect::<Vec<_>>(),
        hostile.keys().collect::<Vec<_>>(),
        "{what}: the same parts show"
    );
    for (selector, expected) in plain {
        let got = &hostile[selector];
        let boxes =
            |value: &Value| -> Vec<f64> { serde_json::from_value(value["box"].clone()).unwrap() };
        let (a, b) = (boxes(expected), boxes(got));
        let close = a.iter().zip(&b).all(|(a, b)| (a - b).abs() <= 1.0);
        assert!(
            close,
            "{what}: {selector} is at {b:?} on the hostile page, {a:?} on the plain one"
        );
        for key in ["font", "size", "color"] {
            assert_eq!(
                got[key], expected[key],
                "{what}: {selector}'s {key} differs on the hostile page"
            );
        }
        if expected["on_top"] == json!(true) {
            assert_eq!(
                got["on_top"],
                json!(true),
                "{what}: the hostile page covers {selector}"
            );
        }
    }
}

async fn wait_for_app(browser: &Browser) {
    browser
        .widget_element(".confab-launcher[aria-expanded]")
        .await;
}

async fn open(browser: &Browser) {
    browser
        .eval("document.querySelector('confab-chat').shadowRoot.querySelector('.confab-launcher').click();")
        .await;
    browser.widget_element(".confab-panel .confab-input").await;
    // Measured once the session is there (the header then has the brand's name and no
    // "Connecting…" shows), and a frame later: the panel's size follows the visual viewport.
    eventually(20, || async {
        let settled = browser
            .eval(
                "const root = document.querySelector('confab-chat').shadowRoot;\
                 if (root.querySelector('.confab-notice')) return 'connecting';\
                 const title = root.querySelector('.confab-title').textContent;\
                 if (title !== 'Acme Outdoor') return 'titled ' + title;\
                 return new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => done('ready'))));",
            )
            .await;
        if settled == json!("ready") {
            Ok(())
        } else {
            Err(format!("the panel is not settled: {settled}"))
        }
    })
    .await;
}

async fn close(browser: &Browser) {
    browser
        .eval("document.querySelector('confab-chat').shadowRoot.querySelector('.confab-close').click();")
        .await;
    eventually(10, || async {
        match browser.widget_rect(".confab-panel").await {
            None => Ok(()),
            Some(_) => Err("the panel is still open".to_string()),
        }
    })
    .await;
}

/// Closed and open measures of the page at `path`, with screenshots named `name`.
async fn measures(
    browser: &Browser,
    relay: &Relay,
    path: &str,
    name: Option<&str>,
) -> (Value, Value) {
    browser.client.goto(&relay.url(path)).await.unwrap();
    wait_for_app(browser).await;
    let closed = measure(browser).await;
    if let Some(name) = name {
        browser.save_screenshot(&format!("{name}-closed")).await;
    }
    open(browser).await;
    let opened = measure(browser).await;
    if let Some(name) = name {
        browser.save_screenshot(&format!("{name}-open")).await;
    }
    close(browser).await;
    (closed, opened)
}

#[tokio::test]
async fn the_hostile_page_moves_resizes_and_restyles_nothing_on_a_desktop() {
    let relay = Relay::start().await;
    let browser = Browser::start().await;
    let (plain_closed, plain_open) = measures(&browser, &relay, "/", None).await;
    let (closed, opened) =
        measures(&browser, &relay, "/hostile.html", Some("hostile-desktop")).await;
    compare(&plain_closed, &closed, "desktop, closed");
    compare(&plain_open, &opened, "desktop, open");
}

#[tokio::test]
async fn the_hostile_page_moves_resizes_and_restyles_nothing_on_a_phone() {
    let relay = Relay::start().await;
    let browser = Browser::start().await;
    browser.emulate_phone(false).await;
    let (plain_closed, plain_open) = measures(&browser, &relay, "/", None).await;
    let (closed, opened) = measures(&browser, &relay, "/hostile.html", Some("hostile-phone")).await;
    compare(&plain_closed, &closed, "phone, closed");
    compare(&plain_open, &opened, "phone, open");

    // Touch targets: the header's buttons are at least 44×44 px on a touch screen.
    let coarse = browser
        .eval("return matchMedia('(pointer: coarse)').matches;")
        .await;
    assert_eq!(
        coarse,
        json!(true),
        "the phone profile has a coarse pointer"
    );
    for button in [".confab-close", ".confab-menu-button"] {
        let size: Vec<f64> = serde_json::from_value(opened[button]["box"].clone()).unwrap();
        assert!(
            size[2] >= 44.0 && size[3] >= 44.0,
            "{button} is {}×{} px on a touch screen, under 44×44",
            size[2],
            size[3]
        );
    }

    // One focus ring on the composer: its outline lies on its border (no gap, no second
    // ring around the first) and no shadow draws another.
    open(&browser).await;
    let ring = browser
        .widget_eval(
            ".confab-input",
            "(el.focus(), (() => { const s = getComputedStyle(el); return {\
               focused: el.getRootNode().activeElement === el,\
               outline: s.outlineStyle, width: parseFloat(s.outlineWidth),\
               offset: parseFloat(s.outlineOffset), border: parseFloat(s.borderTopWidth),\
               shadow: s.boxShadow }; })())",
        )
        .await;
    assert_eq!(ring["focused"], json!(true), "{ring}");
    assert_ne!(
        ring["outline"],
        json!("none"),
        "the focused composer shows a ring: {ring}"
    );
    let (offset, border) = (
        ring["offset"].as_f64().unwrap(),
        ring["border"].as_f64().unwrap(),
    );
    assert!(
        offset <= 0.0 && offset >= -border - ring["width"].as_f64().unwrap(),
        "the composer's ring stands {offset} px off its {border} px border: two rings, {ring}"
    );
    assert_eq!(
        ring["shadow"],
        json!("none"),
        "a shadow draws a second ring: {ring}"
    );
}
