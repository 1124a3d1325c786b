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
