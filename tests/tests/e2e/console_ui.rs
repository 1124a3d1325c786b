//! The brand console (`/console/`) in real headless Chromium against the real relay: an
//! owner signs in from the operator's link (once: a second use is refused), answers a
//! visitor whose widget shows the reply live, and sees the visitor's answer live; an agent
//! is kept out of the owner's pages (and the API refuses them); an owner's saved setting
//! reaches a newly loaded widget and an unsaved one the install page's preview; Tab and
//! Enter alone open a thread and send a reply; axe-core finds nothing on any page.
//! Screenshots on a desk (1280×800) and a phone (390×844) go to target/e2e-artifacts.

use confab_e2e::api::Api;
use confab_e2e::console_browser::{
    axe_page, element, hash, in_preview, press, sign_in, tab_to, texts, wait_for_text,
};
use confab_e2e::{eventually, Browser, Relay};
use fantoccini::key::Key;
use serde_json::json;

/// Waits until axe-core finds nothing on the page (new content may still be drawing).
async fn accessible(browser: &Browser, page: &str) {
    let violations = axe_page(browser).await;
    assert_eq!(violations, Vec::<String>::new(), "axe on the {page} page");
}

/// Makes the page a desk's, 1280×800 (the viewport itself, whatever the window's frame).
async fn desk(browser: &Browser) {
    browser
        .cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": false }),
        )
        .await;
}

#[tokio::test]
async fn an_owner_signs_in_once_and_talks_with_a_visitor_live() {
    let relay = Relay::start().await;
    let api = Api::new(relay.origin());
    let link = api
        .member_link("demo", "owner@acme.example", "Ana", "owner")
        .await;
    assert!(link.contains("/console/#token="), "{link}");

    let visitor = Browser::start().await;
    visitor.client.goto(&relay.url("/")).await.unwrap();
    visitor.send_in_widget("Do you ship to Norway?").await;
    visitor.wait_for_messages(&["Do you ship to Norway?"]).await;

    let owner = Browser::start().await;
    desk(&owner).await;
    sign_in(&owner, &link).await;
    // The token left the address bar before it was spent.
    assert_eq!(hash(&owner).await, "#/inbox");
    wait_for_text(&owner, ".thread-row .row-text", "Do you ship to Norway?").await;
    owner.save_screenshot("console-desktop-inbox").await;
    accessible(&owner, "inbox").await;

    element(&owner, ".thread-row").await.click().await.unwrap();
    wait_for_text(&owner, ".message.visitor .text", "Do you ship to Norway?").await;
    let reply = element(&owner, "#reply").await;
    reply.send_keys("Yes, in 3 to 5 days.").await.unwrap();
    reply
        .send_keys(&String::from(char::from(Key::Enter)))
        .await
        .unwrap();
    // The reply reaches the visitor's widget live, as the member's.
    visitor
        .wait_for_messages(&["Do you ship to Norway?", "Yes, in 3 to 5 days."])
        .await;
    wait_for_text(&owner, ".message.team .who", "Ana").await;
    // The visitor's answer shows in the console live: in the thread and in the list.
    visitor.send_in_widget("Great, thanks!").await;
    wait_for_text(&owner, ".message.visitor .text", "Great, thanks!").await;
    wait_for_text(&owner, ".thread-row .row-text", "Great, thanks!").await;
    owner.gallery_shot("console-desktop-thread").await;
    accessible(&owner, "thread").await;
    // On a phone the thread has the screen to itself.
    owner.emulate_phone(false).await;
    wait_for_text(&owner, ".message.visitor .text", "Great, thanks!").await;
    owner.gallery_shot("console-phone-thread").await;

    // The link worked once.
    owner.client.goto(&link).await.unwrap();
    wait_for_text(&owner, "[role=alert]", "already used or has expired").await;
    accessible(&owner, "sign-in").await;
}

#[tokio::test]
async fn an_agent_stays_out_of_owner_pages_and_replies_with_the_keyboard_alone() {
    let relay = Relay::start().await;
    let api = Api::new(relay.origin());
    let session = api.session().await;
    let (status, _) = api.send(&session, "v1", "Where is my order 4411?").await;
    assert_eq!(status, 201);
    let link = api
        .member_link("demo", "bo@acme.example", "Bo", "agent")
        .await;

    let agent = Browser::start().await;
    desk(&agent).await;
    // Keyboard alone: the link signs in, Tab reaches the thread and Enter opens it.
    sign_in(&agent, &link).await;
    wait_for_text(&agent, ".thread-row .row-text", "Where is my order 4411?").await;
    tab_to(&agent, "el.classList.contains('thread-row')", 30).await;
    press(&agent, &String::from(char::from(Key::Enter))).await;
    wait_for_text(&agent, ".message.visitor .text", "Where is my order 4411?").await;
    tab_to(&agent, "el.id === 'reply'", 30).await;
    press(&agent, "It left our warehouse today.").await;
    press(&agent, &String::from(char::from(Key::Enter))).await;
    eventually(30, || async {
        let history = api.history_texts(&session).await;
        match history
            .iter()
            .any(|text| text == "It left our warehouse today.")
        {
            true => Ok(()),
            false => Err(format!("the thread holds {history:?}")),
        }
    })
    .await;
    let history = api.history(&session).await;
    let answer = history.last().expect("the reply");
    assert_eq!(answer.channel, confab_protocol::Channel::Console);
    assert_eq!(
        answer.sender.as_ref().map(|sender| sender.name.as_str()),
        Some("Bo")
    );

    // No owner page: not in the navigation (Insights is every member's), and its hash
    // leads back to the inbox.
    assert_eq!(texts(&agent, ".bar nav a").await, ["Inbox", "Insights"]);
    agent
        .eval("location.hash = '#/settings'; return true;")
        .await;
    wait_for_text(&agent, ".notice", "Only the brand's owners").await;
    assert_eq!(hash(&agent).await, "#/inbox");
    assert!(texts(&agent, "#settings-title").await.is_empty());
    // And the API refuses the agent anyway.
    let status = agent
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             fetch('/v1/console/settings').then(answer => done(answer.status));",
            Vec::new(),
        )
        .await
        .unwrap();
    assert_eq!(status, json!(403));
}

#[tokio::test]
async fn owner_pages_save_settings_preview_unsaved_ones_and_stay_accessible() {
    let relay = Relay::start().await;
    let api = Api::new(relay.origin());
    let link = api
        .member_link("demo", "owner@acme.example", "Ana", "owner")
        .await;
    let owner = Browser::start().await;
    desk(&owner).await;
    sign_in(&owner, &link).await;

    // Settings: a new greeting, saved.
    owner
        .eval("location.hash = '#/settings'; return true;")
        .await;
    let greeting = element(&owner, "#field-greeting").await;
    accessible(&owner, "settings").await;
    owner.save_screenshot("console-desktop-settings").await;
    greeting.clear().await.unwrap();
    greeting.send_keys("Hello from the console!").await.unwrap();
    element(&owner, ".settings button[type=submit]")
        .await
        .click()
        .await
        .unwrap();
    wait_for_text(&owner, ".save-row [role=status]", "Saved.").await;

    // Business hours as a form: turned on, a zone typed, Saturday opened with a second span
    // whose closing time is changed; saved as the same JSON the relay reads. Each step is
    // its own script, so the form has drawn the last edit before the next.
    // The demo brand has hours already: off first (always open), then on afresh.
    let steps = [
        "const on = document.querySelector('#field-businessHours'); if (on.checked) on.click();",
        "document.querySelector('#field-businessHours').click();",
        "const zone = document.querySelector('#field-timeZone');\
         zone.value = 'Asia/Shanghai'; zone.dispatchEvent(new Event('input', { bubbles: true }));",
        "document.querySelector('div[aria-label=Saturday] input[type=checkbox]').click();",
        "document.querySelector('button[aria-label=\"Add a span on Saturday\"]').click();",
        "const close = document.querySelectorAll('div[aria-label=Saturday] input[type=time]')[3];\
         close.value = '21:30'; close.dispatchEvent(new Event('change', { bubbles: true }));",
    ];
    for step in steps {
        owner.eval(&format!("{step} return true;")).await;
        element(&owner, "#field-businessHours").await;
    }
    accessible(&owner, "settings with business hours").await;
    owner
        .eval("document.querySelector('.hours').scrollIntoView(); return true;")
        .await;
    owner.save_screenshot("console-desktop-hours").await;
    element(&owner, ".settings button[type=submit]")
        .await
        .click()
        .await
        .unwrap();
    wait_for_text(&owner, ".save-row [role=status]", "Saved.").await;
    let saved = owner
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             fetch('/v1/console/settings').then(answer => answer.json()).then(body => done(body.businessHours));",
            Vec::new(),
        )
        .await
        .unwrap();
    let span = |day: u8, open: &str, close: &str| json!({"day": day, "open": open, "close": close});
    let mut weekly: Vec<_> = (1..=6).map(|day| span(day, "09:00", "17:00")).collect();
    weekly.push(span(6, "17:00", "21:30"));
    assert_eq!(
        saved,
        json!({"timeZone": "Asia/Shanghai", "weekly": weekly})
    );

    // Install: the preview shows an unsaved colour and greeting.
    owner
        .eval("location.hash = '#/install'; return true;")
        .await;
    element(&owner, "iframe.phone").await;
    eventually(30, || async {
        let shown = in_preview(
            &owner,
            "root.querySelector('.confab-welcome .confab-text')?.textContent",
        )
        .await;
        match shown == json!("Hello from the console!") {
            true => Ok(()),
            false => Err(format!("the preview greets with {shown}")),
        }
    })
    .await;
    owner
        .eval(
            "const colour = document.querySelector('#field-themeColor');\
             colour.value = '#b91c1c';\
             colour.dispatchEvent(new Event('input', { bubbles: true }));\
             const greeting = document.querySelector('#field-greeting');\
             greeting.value = 'Not saved yet';\
             greeting.dispatchEvent(new Event('input', { bubbles: true }));\
             return true;",
        )
        .await;
    eventually(30, || async {
        let shown = in_preview(
            &owner,
            "[root.querySelector('.confab-welcome .confab-text')?.textContent, \
              getComputedStyle(root.host).getPropertyValue('--confab-accent').trim()]",
        )
        .await;
        match shown == json!(["Not saved yet", "#b91c1c"]) {
            true => Ok(()),
            false => Err(format!("the preview shows {shown}")),
        }
    })
    .await;
    owner
        .eval("document.activeElement?.blur(); document.querySelector('main').scrollTop = 0; return true;")
        .await;
    owner.save_screenshot("console-desktop-install").await;
    accessible(&owner, "install").await;

    // Members: the owner, an invitation, axe; then a phone.
    owner
        .eval("location.hash = '#/members'; return true;")
        .await;
    wait_for_text(&owner, "table.members td", "owner@acme.example").await;
    accessible(&owner, "members").await;
    owner.emulate_phone(false).await;
    owner.eval("location.hash = '#/inbox'; return true;").await;
    element(&owner, "#inbox-title").await;
    owner.save_screenshot("console-phone-inbox").await;
    owner
        .eval("location.hash = '#/settings'; return true;")
        .await;
    element(&owner, "#field-greeting").await;
    owner.save_screenshot("console-phone-settings").await;

    // The saved greeting (not the unsaved one) greets in a newly loaded widget.
    owner.client.goto(&relay.url("/")).await.unwrap();
    owner.open_panel().await;
    eventually(30, || async {
        let shown = owner.widget_texts(".confab-welcome .confab-text").await;
        match shown == ["Hello from the console!"] {
            true => Ok(()),
            false => Err(format!("the widget greets with {shown:?}")),
        }
    })
    .await;
}
