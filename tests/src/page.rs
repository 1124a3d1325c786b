//! What the widget costs a host page, measured in real headless Chromium through the
//! DevTools protocol: the same demo page with the widget and with its script blocked, each
//! in a fresh browser profile with the cache off.

use crate::Browser;
use serde::Serialize;
use serde_json::{json, Value};
use std::time::Duration;

/// Recorded in the page from its first script on: long tasks (PerformanceObserver) and
/// the moment the launcher is on screen with its stylesheet applied (checked every frame).
const OBSERVER: &str = r#"
window.__confab = { longTasks: [], launcherAt: null };
try {
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.__confab.longTasks.push(entry.duration);
  }).observe({ type: "longtask", buffered: true });
} catch (_) {}
const look = () => {
  const host = document.querySelector("confab-chat");
  const launcher = host && host.shadowRoot && host.shadowRoot.querySelector(".confab-launcher");
  if (launcher && getComputedStyle(launcher).borderTopLeftRadius === "50%") {
    window.__confab.launcherAt = performance.now();
  } else if (performance.now() < 10000) {
    requestAnimationFrame(look);
  }
};
requestAnimationFrame(look);
"#;

/// Clicks the launcher and resolves with the milliseconds until the composer is there.
const CLICK_TO_READY: &str = r#"
return new Promise((resolve) => {
  const root = document.querySelector("confab-chat").shadowRoot;
  const clicked = performance.now();
  root.querySelector(".confab-launcher").click();
  const look = () => {
    const input = root.querySelector(".confab-input");
    if (input) resolve(performance.now() - clicked);
    else if (performance.now() - clicked < 10000) requestAnimationFrame(look);
    else resolve(null);
  };
  look();
});
"#;

/// One page load, before and at the first interaction.
#[derive(Clone, Debug, Default, Serialize)]
pub struct PageLoad {
    /// From navigation start to the launcher on screen, styled (ms).
    pub launcher_visible_ms: Option<f64>,
    /// Long tasks (over 50 ms) before any interaction.
    pub long_tasks: usize,
    /// Their total duration (ms).
    pub long_task_ms: f64,
    /// Bytes over the network before any interaction (the document and every resource).
    pub bytes: f64,
    /// From a click on the launcher to the composer being there (ms).
    pub click_to_ready_ms: Option<f64>,
}

/// Loads `url` in a fresh browser, waits `settle` without touching it, and measures; with
/// `with_widget` false the loader script is blocked, so the page is measured without it.
pub async fn load_once(url: &str, with_widget: bool, settle: Duration) -> PageLoad {
    let browser = Browser::start().await;
    browser.cdp("Network.enable", json!({})).await;
    browser
        .cdp("Network.setCacheDisabled", json!({ "cacheDisabled": true }))
        .await;
    let blocked: Vec<&str> = if with_widget {
        vec![]
    } else {
        vec!["*/widget.js"]
    };
    browser
        .cdp("Network.setBlockedURLs", json!({ "urls": blocked }))
        .await;
    browser
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": OBSERVER }),
        )
        .await;
    browser.client.goto(url).await.expect("the page loads");
    // An observation window without interaction: what loads on idle counts.
    tokio::time::sleep(settle).await;
    let seen = browser
        .eval(
            "const resources = performance.getEntriesByType('resource');\
             const navigation = performance.getEntriesByType('navigation')[0];\
             const bytes = resources.reduce((sum, r) => sum + (r.transferSize || 0),\
                                            navigation ? navigation.transferSize : 0);\
             return { launcherAt: window.__confab.launcherAt,\
                      longTasks: window.__confab.longTasks, bytes };",
        )
        .await;
    let long_tasks: Vec<f64> = seen["longTasks"]
        .as_array()
        .map(|tasks| tasks.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default();
    let click_to_ready_ms = if with_widget {
        browser.eval(CLICK_TO_READY).await.as_f64()
    } else {
        None
    };
    PageLoad {
        launcher_visible_ms: seen["launcherAt"].as_f64(),
        long_tasks: long_tasks.len(),
        long_task_ms: long_tasks.iter().sum(),
        bytes: seen["bytes"].as_f64().unwrap_or(0.0),
        click_to_ready_ms,
    }
}

/// Recorded in the page from its first script on: the first touch on the widget, whether
/// the app (whose launcher has `aria-expanded`; the loader's has not) was there to take it,
/// and when, after it, the open panel's composer had focus (checked every frame).
const TAP_RECORDER: &str = r#"
window.__confabTap = { tapAt: null, appAtTap: null, readyAt: null };
addEventListener("touchstart", (event) => {
  const host = document.querySelector("confab-chat");
  const seen = window.__confabTap;
  if (seen.tapAt !== null || !host || !event.composedPath().includes(host)) return;
  seen.tapAt = performance.now();
  seen.appAtTap = !!host.shadowRoot.querySelector(".confab-launcher[aria-expanded]");
  const look = () => {
    const active = host.shadowRoot.activeElement;
    if (active && active.matches(".confab-panel .confab-input")) seen.readyAt = performance.now();
    else requestAnimationFrame(look);
  };
  look();
}, { capture: true, passive: true });
"#;

/// One tap on the launcher on a phone.
#[derive(Clone, Debug, Default, Serialize)]
pub struct PhoneTap {
    /// Whether the app had mounted when the finger touched the launcher (`false`: the tap
    /// came while it was loading).
    pub app_loaded: bool,
    /// From the touch to the open panel's composer having focus (ms); `None`: not within
    /// the time given.
    pub tap_to_ready_ms: Option<f64>,
    /// From the touch to the last byte of the widget's wasm (ms; negative: it was there
    /// before the tap), which bounds how soon a tap while loading can be answered.
    pub wasm_after_tap_ms: Option<f64>,
}

/// Loads `url` in `browser` (already set up, e.g. by [`Browser::emulate_phone`]) and taps
/// the launcher once: as soon as it shows (styled), or, with `wait_for_app`, once the app
/// has mounted. Waits at most `wait` for the composer to be ready.
pub async fn tap_launcher(
    browser: &Browser,
    url: &str,
    wait_for_app: bool,
    wait: Duration,
) -> PhoneTap {
    browser
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": TAP_RECORDER }),
        )
        .await;
    browser.client.goto(url).await.expect("the page loads");
    let selector = if wait_for_app {
        ".confab-launcher[aria-expanded]"
    } else {
        ".confab-launcher"
    };
    let center = crate::eventually(60, || async {
        let value = browser
            .eval(&format!(
                "const host = document.querySelector('confab-chat');\
                 const el = host && host.shadowRoot && host.shadowRoot.querySelector({});\
                 if (!el || getComputedStyle(el).borderTopLeftRadius !== '50%') return null;\
                 const r = el.getBoundingClientRect();\
                 return r.width > 0 ? [r.x + r.width / 2, r.y + r.height / 2] : null;",
                json!(selector)
            ))
            .await;
        serde_json::from_value::<(f64, f64)>(value)
            .map_err(|_| "no launcher on screen yet".to_string())
    })
    .await;
    browser.tap(center.0, center.1).await;
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let seen = browser
            .eval(
                "const wasm = performance.getEntriesByType('resource')\
                   .find((r) => r.name.endsWith('.wasm'));\
                 return Object.assign({ wasmAt: wasm ? wasm.responseEnd : null }, window.__confabTap);",
            )
            .await;
        let ready = seen["readyAt"].as_f64().zip(seen["tapAt"].as_f64());
        if ready.is_some() || tokio::time::Instant::now() >= deadline {
            return PhoneTap {
                app_loaded: seen["appAtTap"].as_bool().unwrap_or(false),
                tap_to_ready_ms: ready.map(|(ready, tap)| ready - tap),
                wasm_after_tap_ms: seen["wasmAt"]
                    .as_f64()
                    .zip(seen["tapAt"].as_f64())
                    .map(|(wasm, tap)| wasm - tap),
            };
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The median of what was measured (`None` if nothing was).
pub fn median(values: impl IntoIterator<Item = Option<f64>>) -> Option<f64> {
    let mut values: Vec<f64> = values.into_iter().flatten().collect();
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    Some(values[values.len() / 2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_skip_what_was_not_measured() {
        assert_eq!(median([Some(3.0), None, Some(1.0), Some(2.0)]), Some(2.0));
        assert_eq!(median([None, None]), None);
        assert_eq!(median([Some(5.0), Some(1.0)]), Some(5.0));
    }
}
