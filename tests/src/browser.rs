//! Headless Chromium driven through chromedriver, with helpers that reach into the widget's
//! shadow root.

use crate::eventually;
use crate::process::{free_port, Service};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder};
use serde_json::{json, Value};
use tokio::process::Command;

/// The flags that keep Chromium quiet on a machine with no outside network.
const CHROMIUM_FLAGS: [&str; 9] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
];

/// A browser with one window; ends with the test.
pub struct Browser {
    /// The WebDriver session.
    pub client: Client,
    _driver: Service,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver and a fresh headless Chromium profile.
    pub async fn start() -> Browser {
        // Another process may take the chosen port before chromedriver binds it: retry.
        let mut attempt = 0;
        let (port, driver) = loop {
            let port = free_port();
            let mut command = Command::new("/usr/bin/chromedriver");
            command.arg(format!("--port={port}"));
            let failures = ["Address already in use", "bind() failed"];
            match Service::try_start(command, "started successfully", &failures, 30).await {
                Ok(driver) => break (port, driver),
                Err(failure) if attempt < 3 => {
                    attempt += 1;
                    eprintln!("chromedriver did not start, trying another port: {failure}");
                }
                Err(failure) => panic!("{failure}"),
            }
        };
        let profile = tempfile::tempdir().expect("a temporary profile folder");
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|flag| flag.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        args.push("--window-size=1280,900".into());
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({ "binary": "/usr/bin/chromium", "args": args }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a WebDriver session with Chromium");
        Browser {
            client,
            _driver: driver,
            _profile: profile,
        }
    }

    /// Runs a Chrome DevTools Protocol command in the current tab (through chromedriver's
    /// `goog/cdp/execute`), e.g. `Network.emulateNetworkConditions`.
    pub async fn cdp(&self, command: &str, params: Value) -> Value {
        self.try_cdp(command, params)
            .await
            .unwrap_or_else(|e| panic!("CDP {command} failed: {e}"))
    }

    /// [`Browser::cdp`], for a command that may rightly fail: its error.
    pub async fn try_cdp(&self, command: &str, params: Value) -> Result<Value, String> {
        self.client
            .issue_cmd(Cdp {
                command: command.to_string(),
                params,
            })
            .await
            .map_err(|error| error.to_string())
    }

    /// Takes the browser off the network, or puts it back (fetches and sockets fail, and
    /// the page gets `offline`/`online` events).
    pub async fn set_offline(&self, offline: bool) {
        self.cdp("Network.enable", json!({})).await;
        self.cdp(
            "Network.emulateNetworkConditions",
            json!({ "offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1 }),
        )
        .await;
    }

    /// Opens `url` in a new tab, which becomes the current one; returns its handle.
    pub async fn open_tab(&self, url: &str) -> fantoccini::wd::WindowHandle {
        let tab = self.client.new_window(true).await.unwrap();
        self.client
            .switch_to_window(tab.handle.clone())
            .await
            .unwrap();
        self.client.goto(url).await.unwrap();
        tab.handle
    }

    /// Waits until the widget in the current tab is the tabs' `expected` role (`leader`
    /// holds the socket, a `follower` hears through it).
    pub async fn wait_for_role(&self, expected: &str) {
        crate::eventually(20, || async {
            let role = self.widget_eval(".confab", "el.dataset.role || ''").await;
            let role = role.as_str().unwrap_or_default();
            if role == expected {
                Ok(())
            } else {
                Err(format!("the tab is {role:?}, expected {expected}"))
            }
        })
        .await
    }

    /// Takes every tab off the network, or puts them all back.
    pub async fn set_all_offline(&self, offline: bool) {
        let current = self.client.window().await.unwrap();
        for handle in self.client.windows().await.unwrap() {
            self.client.switch_to_window(handle).await.unwrap();
            self.set_offline(offline).await;
        }
        self.client.switch_to_window(current).await.unwrap();
    }

    /// Opens the panel, as a visitor would, by clicking the launcher until the panel shows.
    ///
    /// The loader's launcher is replaced by the app's when the app mounts, so a click may
    /// land on an element that has just gone: such a click is ignored and the probe looks
    /// again. A launcher is only clicked while no panel is open, so nothing is toggled shut.
    pub async fn open_panel(&self) {
        eventually(20, || async {
            let open = self
                .eval(
                    "const host = document.querySelector('confab-chat');\
                     return !!(host && host.shadowRoot && host.shadowRoot.querySelector('.confab-panel'));",
                )
                .await;
            if open == Value::Bool(true) {
                return Ok(());
            }
            // A launcher that says the panel is open is not clicked: the panel is about to
            // draw, and a second click would close it (on a loaded machine, drawing can take
            // longer than the 50 ms between probes). The loader's says nothing: clicked.
            let launcher = self
                .eval(
                    "const host = document.querySelector('confab-chat');\
                     return host && host.shadowRoot && \
                       host.shadowRoot.querySelector('.confab-launcher:not([aria-expanded=\"true\"])');",
                )
                .await;
            if let Some(id) = element_id(&launcher) {
                let _ = Element::from_element_id(self.client.clone(), id.into())
                    .click()
                    .await;
            }
            Err("the panel is not open yet".to_string())
        })
        .await;
    }

    /// Opens the panel (if it is closed), types `text` and presses Enter.
    pub async fn send_in_widget(&self, text: &str) {
        self.open_panel().await;
        let input = self.widget_element(".confab-input").await;
        input.send_keys(text).await.unwrap();
        input
            .send_keys(&String::from(char::from(fantoccini::key::Key::Enter)))
            .await
            .unwrap();
    }

    /// The visitor token the widget stored for `brand`, if any.
    pub async fn stored_token(&self, brand: &str) -> Option<String> {
        self.eval(&format!(
            "return localStorage.getItem('confab:{brand}:token');"
        ))
        .await
        .as_str()
        .map(str::to_string)
    }

    /// Evaluates `expression` with `el` bound to the widget element matching `selector`,
    /// once that element exists.
    pub async fn widget_eval(&self, selector: &str, expression: &str) -> Value {
        self.widget_element(selector).await;
        self.eval(&format!(
            "const el = document.querySelector('confab-chat').shadowRoot.querySelector({});\
             return {expression};",
            json!(selector)
        ))
        .await
    }

    /// The trimmed texts of every widget element matching `selector`.
    pub async fn widget_texts(&self, selector: &str) -> Vec<String> {
        let value = self
            .eval(&format!(
                "const host = document.querySelector('confab-chat');\
                 if (!host || !host.shadowRoot) return [];\
                 return [...host.shadowRoot.querySelectorAll({})].map(n => n.textContent.trim());",
                json!(selector)
            ))
            .await;
        serde_json::from_value(value).unwrap_or_default()
    }

    /// The texts of the messages still waiting in the widget's outbox.
    pub async fn pending_messages(&self) -> Vec<String> {
        let value = self
            .eval(
                "const host = document.querySelector('confab-chat');\
                 if (!host || !host.shadowRoot) return [];\
                 return [...host.shadowRoot.querySelectorAll('.confab-pending .confab-text')]\
                   .map(node => node.textContent);",
            )
            .await;
        serde_json::from_value(value).unwrap_or_default()
    }

    /// Runs `script` (a function body) in the page and returns its value.
    pub async fn eval(&self, script: &str) -> Value {
        self.client
            .execute(script, Vec::new())
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Opens the widget's menu and picks the item matching `item`.
    pub async fn pick_from_menu(&self, item: &str) {
        self.widget_element(".confab-menu-button")
            .await
            .click()
            .await
            .unwrap();
        self.widget_element(item).await.click().await.unwrap();
    }

    /// The element matching `selector` inside the widget's shadow root, once it exists.
    pub async fn widget_element(&self, selector: &str) -> Element {
        let script = format!(
            "const host = document.querySelector('confab-chat');\
             return host && host.shadowRoot && host.shadowRoot.querySelector({});",
            json!(selector)
        );
        let found = eventually(20, || async {
            let found = self.eval(&script).await;
            if found.is_null() {
                Err(format!("no widget element {selector}"))
            } else {
                Ok(found)
            }
        })
        .await;
        let id = element_id(&found)
            .unwrap_or_else(|| panic!("{selector} did not give an element: {found}"));
        Element::from_element_id(self.client.clone(), id.into())
    }

    /// The texts of the acknowledged messages shown in the widget, in order.
    pub async fn shown_messages(&self) -> Vec<String> {
        let value = self
            .eval(
                "const host = document.querySelector('confab-chat');\
                 if (!host || !host.shadowRoot) return [];\
                 return [...host.shadowRoot.querySelectorAll('.confab-message[data-seq] .confab-text')]\
                   .map(node => node.textContent);",
            )
            .await;
        serde_json::from_value(value).unwrap_or_default()
    }

    /// What axe-core (the page's copy, loaded once per page) reports about the widget:
    /// each violation's rule and the elements it names.
    pub async fn axe_violations(&self) -> Vec<String> {
        let loaded = self.eval("return typeof axe !== 'undefined';").await;
        if loaded != Value::Bool(true) {
            let axe = std::fs::read_to_string(
                crate::repo_root().join("node_modules/axe-core/axe.min.js"),
            )
            .expect("axe-core is installed by `cargo xtask test`");
            self.eval(&format!("{axe}\nreturn true;")).await;
        }
        let violations = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];\
                 axe.run({ include: [['confab-chat']] }).then(\
                   result => done(result.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))),\
                   error => done(['axe failed: ' + error]));",
                Vec::new(),
            )
            .await
            .expect("axe runs");
        serde_json::from_value(violations).expect("axe's violations")
    }

    /// Saves a screenshot of the current tab as `target/e2e-artifacts/<name>.png` and
    /// returns its path.
    pub async fn save_screenshot(&self, name: &str) -> std::path::PathBuf {
        let png = self.client.screenshot().await.expect("a screenshot");
        assert_eq!(&png[1..4], b"PNG", "a PNG screenshot");
        let folder = crate::repo_root().join("target/e2e-artifacts");
        std::fs::create_dir_all(&folder).expect("the artifacts folder");
        let path = folder.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("the screenshot saved");
        println!("screenshot: {}", path.display());
        path
    }

    /// Saves the tab as `docs/gallery/<name>.png`, the README's screenshots (and in the test
    /// artifacts), once new messages have settled in, without focus in the widget (a phone's
    /// keyboard would hide half the thread).
    pub async fn gallery_shot(&self, name: &str) {
        self.eval(
            // The console's pages have no widget: their own focus is blurred instead.
            "(document.querySelector('confab-chat')?.shadowRoot ?? document).activeElement?.blur(); return true;",
        )
        .await;
        tokio::time::sleep(std::time::Duration::from_millis(800)).await;
        let shot = self.save_screenshot(&format!("gallery-{name}")).await;
        let folder = crate::repo_root().join("docs/gallery");
        std::fs::create_dir_all(&folder).expect("the gallery folder");
        std::fs::copy(shot, folder.join(format!("{name}.png"))).expect("the gallery shot");
    }

    /// Makes the current tab a 390×844 touch phone (`mobile`, touch events, `pointer:
    /// coarse`); with `throttled`, a slow one too: 150 ms round trips, about 1.6 Mbps down and
    /// 750 Kbps up, and a CPU four times slower. The settings hold across navigations in
    /// this tab.
    pub async fn emulate_phone(&self, throttled: bool) {
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": true }),
        )
        .await;
        self.cdp(
            "Emulation.setTouchEmulationEnabled",
            json!({ "enabled": true, "maxTouchPoints": 5 }),
        )
        .await;
        if throttled {
            self.cdp("Network.enable", json!({})).await;
            self.cdp(
                "Network.emulateNetworkConditions",
                json!({
                    "offline": false,
                    "latency": 150,
                    "downloadThroughput": 1_600_000 / 8,
                    "uploadThroughput": 750_000 / 8,
                }),
            )
            .await;
            self.cdp("Emulation.setCPUThrottlingRate", json!({ "rate": 4 }))
                .await;
        }
    }

    /// A finger's tap at (`x`, `y`) in CSS pixels of the viewport: touchstart, touchend
    /// (the browser makes the click of it, as on a phone).
    pub async fn tap(&self, x: f64, y: f64) {
        let point = json!([{ "x": x, "y": y }]);
        self.cdp(
            "Input.dispatchTouchEvent",
            json!({ "type": "touchStart", "touchPoints": point }),
        )
        .await;
        self.cdp(
            "Input.dispatchTouchEvent",
            json!({ "type": "touchEnd", "touchPoints": [] }),
        )
        .await;
    }

    /// A finger's swipe from `from` to `to` (CSS pixels of the viewport) in `steps` moves,
    /// as a visitor drags a page: touchstart, touchmoves, touchend.
    pub async fn swipe(&self, from: (f64, f64), to: (f64, f64), steps: u32) {
        let point = |(x, y): (f64, f64)| json!([{ "x": x, "y": y }]);
        self.cdp(
            "Input.dispatchTouchEvent",
            json!({ "type": "touchStart", "touchPoints": point(from) }),
        )
        .await;
        let steps = steps.max(1);
        for step in 1..=steps {
            let t = f64::from(step) / f64::from(steps);
            let at = (from.0 + (to.0 - from.0) * t, from.1 + (to.1 - from.1) * t);
            self.cdp(
                "Input.dispatchTouchEvent",
                json!({ "type": "touchMove", "touchPoints": point(at) }),
            )
            .await;
        }
        self.cdp(
            "Input.dispatchTouchEvent",
            json!({ "type": "touchEnd", "touchPoints": [] }),
        )
        .await;
    }

    /// The bounding box `[x, y, width, height]` of the widget element matching `selector`
    /// (in the shadow root; `:host` for the host element itself), if there is one.
    pub async fn widget_rect(&self, selector: &str) -> Option<[f64; 4]> {
        let value = self
            .eval(&format!(
                "const host = document.querySelector('confab-chat');\
                 if (!host || !host.shadowRoot) return null;\
                 const selector = {};\
                 const el = selector === ':host' ? host : host.shadowRoot.querySelector(selector);\
                 if (!el) return null;\
                 const r = el.getBoundingClientRect();\
                 return [r.x, r.y, r.width, r.height];",
                json!(selector)
            ))
            .await;
        serde_json::from_value(value).ok()
    }

    /// Waits until the widget shows exactly `expected` as its acknowledged messages.
    pub async fn wait_for_messages(&self, expected: &[&str]) {
        eventually(20, || async {
            let shown = self.shown_messages().await;
            if shown == expected {
                Ok(())
            } else {
                Err(format!("the widget shows {shown:?}, expected {expected:?}"))
            }
        })
        .await
    }
    /// Makes the current tab's clock run in the IANA time zone `zone` (`Date`, `Intl`), as
    /// if the visitor were there; holds across navigations in this tab.
    pub async fn set_time_zone(&self, zone: &str) {
        self.cdp(
            "Emulation.setTimezoneOverride",
            json!({ "timezoneId": zone }),
        )
        .await;
    }

    /// The value of the CSS property `property` of the widget element matching `selector`
    /// (`pseudo`: `::before`, `::after`, or `""` for the element itself), once it exists.
    pub async fn widget_style(&self, selector: &str, pseudo: &str, property: &str) -> String {
        self.widget_eval(
            selector,
            &format!(
                "getComputedStyle(el, {}).getPropertyValue({})",
                json!(pseudo),
                json!(property)
            ),
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
    }
}

/// The id in a WebDriver element reference: `{"element-6066-11e4-a52e-4f735466cecf": "<id>"}`.
fn element_id(reference: &Value) -> Option<String> {
    reference
        .as_object()?
        .values()
        .next()?
        .as_str()
        .map(str::to_string)
}

/// A DevTools command for chromedriver's `POST /session/{id}/goog/cdp/execute`.
#[derive(Debug)]
struct Cdp {
    command: String,
    params: Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or("")
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({ "cmd": self.command, "params": self.params }).to_string();
        (http::Method::POST, Some(body))
    }
}
